#!/usr/bin/env bash
# Audit the installed environment (./.venv, or $VENV) for dependencies with known vulnerabilities, the project
# itself excepted (it is installed editable). PyPI's vulnerability data is used (pypi.org JSON API), since OSV
# (api.osv.dev) is not reachable from every build machine.
# Fails on any known vulnerability, and on a partial audit (some dependencies looked up, others not). When NO
# dependency could be looked up, the vulnerability service is unreachable from this network (seen on the build
# machines behind a package mirror): it says so loudly and passes, since nothing about the code is known to be wrong,
# and an audit that checked nothing must never read as "no known vulnerabilities". To fix a finding, raise the pin in
# pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
REPORT=$(mktemp)
LOG=$(mktemp)
trap 'rm -f "$REPORT" "$LOG"' EXIT
status=0
"$VENV/bin/pip-audit" --skip-editable --vulnerability-service pypi --progress-spinner off -f json -o "$REPORT" "$@" \
  2>"$LOG" || status=$?
# pip-audit's own summary says "No known vulnerabilities" even when it looked nothing up: show it only on failure.
[ "$status" -le 1 ] || cat "$LOG" >&2
"$VENV/bin/python" - "$REPORT" "$status" <<'PY'
import json
import sys

report, status = json.load(open(sys.argv[1])), int(sys.argv[2])
deps = report["dependencies"]
vulnerable = [d for d in deps if d.get("vulns")]
unchecked = [d for d in deps if "skip_reason" in d]
for dep in vulnerable:
    ids = ", ".join(v["id"] for v in dep["vulns"])
    print(f"VULNERABLE {dep['name']} {dep.get('version')}: {ids}")
if vulnerable or status not in (0, 1):
    sys.exit(1)
if unchecked and len(unchecked) == len(deps):
    print(f"pip-audit: NOT CHECKED: the vulnerability service gave no data for any of {len(deps)} dependencies "
          "(unreachable from this network); run scripts/audit.sh where pypi.org or api.osv.dev is reachable.")
    sys.exit(0)
if unchecked:
    print("pip-audit: could not look up " + ", ".join(d["name"] for d in unchecked))
    sys.exit(1)
print(f"pip-audit: {len(deps)} dependencies checked, no known vulnerability")
PY
