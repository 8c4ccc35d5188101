#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY PostgreSQL database (TRAFFIC_DATABASE_URL, created
# beforehand with createdb) and an empty or new TRAFFIC_DATA_DIR, then verify every record's evidence package.
# Run it with the deployment's TRAFFIC_SECRET_KEY: the seals are checked under it. Exit 1 when any package fails.
set -euo pipefail
src=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${TRAFFIC_DATABASE_URL:?set TRAFFIC_DATABASE_URL to the new, empty PostgreSQL database}"
: "${TRAFFIC_DATA_DIR:?set TRAFFIC_DATA_DIR to the new, empty data dir}"
traffic_cmd=${TRAFFIC_CMD:-traffic}  # e.g. "python -m traffic.cli.main" without an installed entry point
db_url=$(printf '%s' "$TRAFFIC_DATABASE_URL" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')
case "$db_url" in
  postgres://* | postgresql://*) ;;
  *) echo "restore: TRAFFIC_DATABASE_URL is not PostgreSQL (for SQLite see docs/operations.md)" >&2; exit 2 ;;
esac

(cd "$src" && sha256sum --check --quiet SHA256SUMS)  # a damaged backup is refused before anything is written
mkdir -p "$TRAFFIC_DATA_DIR"
if [ -n "$(ls -A "$TRAFFIC_DATA_DIR")" ]; then echo "restore: $TRAFFIC_DATA_DIR is not empty" >&2; exit 2; fi

pg_restore --no-owner --exit-on-error --single-transaction --dbname "$db_url" "$src/database.dump"
tar --extract --file "$src/data.tar" --directory "$TRAFFIC_DATA_DIR"
# The seal is what proves a package: hashes of the restored files against the restored rows, under the key.
$traffic_cmd evidence verify --all
