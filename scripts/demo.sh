#!/usr/bin/env bash
# Install everything and run the demo on the embedded default (SQLite under ./var, no other servers).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/traffic demo "$@"
