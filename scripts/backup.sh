#!/usr/bin/env bash
# Back up a deployment into DEST: the PostgreSQL database (pg_dump -Fc), then the data dir (evidence/, frames/ and
# the development secret_key if there is one). Database FIRST: evidence and frame files are written (fsynced)
# before the row that names them commits, so every row in the dump has its file on disk when the copy starts.
# The other order would leave rows committed during the copy without their files. See docs/operations.md.
# Needs TRAFFIC_DATABASE_URL (PostgreSQL) and TRAFFIC_DATA_DIR.
set -euo pipefail
dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${TRAFFIC_DATABASE_URL:?set TRAFFIC_DATABASE_URL to the PostgreSQL database}"
: "${TRAFFIC_DATA_DIR:?set TRAFFIC_DATA_DIR to the deployment data dir}"
# libpq does not know SQLAlchemy's driver suffix (postgresql+psycopg://).
db_url=$(printf '%s' "$TRAFFIC_DATABASE_URL" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')
case "$db_url" in
  postgres://* | postgresql://*) ;;
  *) echo "backup: TRAFFIC_DATABASE_URL is not PostgreSQL (for SQLite see docs/operations.md)" >&2; exit 2 ;;
esac
mkdir -p "$dest"
if [ -n "$(ls -A "$dest")" ]; then echo "backup: $dest is not empty" >&2; exit 2; fi

pg_dump --format=custom --file "$dest/database.dump" "$db_url"
parts=()
for part in evidence frames secret_key; do
  [ -e "$TRAFFIC_DATA_DIR/$part" ] && parts+=("$part")
done
# Files are only ever added (written once, never changed); retention may delete frames meanwhile, which tar
# reports as "file removed before we read it": that frame's row was deleted too, after the dump.
# tar exits 1 for that ("some files differ"), 2 for real errors.
tar --create --file "$dest/data.tar" --directory "$TRAFFIC_DATA_DIR" --warning=no-file-removed "${parts[@]}" \
  || [ $? -eq 1 ]
(cd "$dest" && sha256sum database.dump data.tar > SHA256SUMS)
echo "backup: $dest (database.dump, data.tar: ${parts[*]})"
