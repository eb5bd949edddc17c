#!/usr/bin/env bash
# Back up ecoach: the database and the evidence folder, into one dated tar.gz.
#   deploy/backup.sh BACKUP_DIR        (reads DATABASE_URL and ECOACH_DATA_DIR like the bot)
# SQLite is copied with SQLite's online backup (safe while the bot runs); PostgreSQL with pg_dump.
set -euo pipefail
out_dir=${1:?usage: backup.sh BACKUP_DIR}
data_dir=${ECOACH_DATA_DIR:-data}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
mkdir -p "$out_dir"
case "${DATABASE_URL:-}" in
  postgresql*)
    url=${DATABASE_URL/postgresql+asyncpg/postgresql}
    pg_dump --format=custom --file="$work/database.pgdump" "$url" ;;
  *)
    db=${DATABASE_URL:-sqlite+aiosqlite:///$data_dir/ecoach.sqlite3}
    db=${db#sqlite+aiosqlite:///}
    python3 - "$db" "$work/database.sqlite3" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
PY
    ;;
esac
if [ -d "$data_dir/evidence" ]; then cp -a "$data_dir/evidence" "$work/evidence"; fi
tar -czf "$out_dir/ecoach-$stamp.tar.gz" -C "$work" .
echo "$out_dir/ecoach-$stamp.tar.gz"
