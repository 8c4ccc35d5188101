#!/usr/bin/env bash
# Install everything and run the whole test suite on SQLite and PostgreSQL (127.0.0.1:5432, database `test`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/lint-imports
exec .venv/bin/python -m pytest "$@"
