#!/usr/bin/env bash
# Restore an ecoach backup made by backup.sh, with the bot stopped.
#   deploy/restore.sh BACKUP.tar.gz    (writes to DATABASE_URL and ECOACH_DATA_DIR like the bot)
set -euo pipefail
archive=${1:?usage: restore.sh BACKUP.tar.gz}
data_dir=${ECOACH_DATA_DIR:-data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
tar -xzf "$archive" -C "$work"
mkdir -p "$data_dir"
case "${DATABASE_URL:-}" in
  postgresql*)
    url=${DATABASE_URL/postgresql+asyncpg/postgresql}
    pg_restore --clean --if-exists --no-owner --dbname="$url" "$work/database.pgdump" ;;
  *)
    db=${DATABASE_URL:-sqlite+aiosqlite:///$data_dir/ecoach.sqlite3}
    db=${db#sqlite+aiosqlite:///}
    mkdir -p "$(dirname "$db")"
    rm -f "$db" "$db-wal" "$db-shm"
    cp "$work/database.sqlite3" "$db" ;;
esac
if [ -d "$work/evidence" ]; then rm -rf "$data_dir/evidence"; cp -a "$work/evidence" "$data_dir/evidence"; fi
echo "restored $archive"
