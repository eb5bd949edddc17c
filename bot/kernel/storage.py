"""Files on disk (the SQLite database, evidence) are for the bot's own system user only."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private(data_dir: Path) -> None:
    """From now on this process creates files 0600 and folders 0700; what an older version left
    readable under `data_dir` is closed too. Call once at start-up, before anything is written."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True)
    for path in [data_dir, *data_dir.rglob("*")]:
        if not path.is_symlink():
            path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


ORPHAN_AGE = 3600  # seconds: younger files may belong to a conversation whose answer is not yet committed


def remove_orphans(data_dir: Path, in_use: set[str], now: float) -> int:
    """Delete evidence files no row points to (older than ORPHAN_AGE), then emptied folders; how many files."""
    root = data_dir / "evidence"
    if not root.is_dir():
        return 0
    removed = 0
    for path in [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]:
        if path.relative_to(data_dir).as_posix() not in in_use and now - path.stat().st_mtime > ORPHAN_AGE:
            path.unlink(missing_ok=True)
            removed += 1
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed
