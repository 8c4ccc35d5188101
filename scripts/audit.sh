#!/usr/bin/env bash
# Audit the installed environment (./.venv, or $VENV) for dependencies with known vulnerabilities, the project
# itself excepted (it is installed editable). PyPI's vulnerability data is used (pypi.org JSON API), since OSV
# (api.osv.dev) is not reachable from every build machine. --strict: a dependency that could not be looked up fails
# the audit, so an audit that checked nothing can never pass. To fix a finding, raise the pin in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
exec "$VENV/bin/pip-audit" --skip-editable --strict --vulnerability-service pypi --progress-spinner off "$@"
