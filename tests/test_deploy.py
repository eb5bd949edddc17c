"""The README's deployment steps, followed: the systemd unit is valid, a backup restores, the Dockerfile builds
what it says (by docker where a daemon runs, else by reading it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Cohort
from tests.support.live import new_cohort, query, run

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
ECOACH = str(Path(sys.executable).parent / "ecoach")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
@pytest.mark.parametrize(
    ("unit", "instance", "runs"),
    [
        ("ecoach.service", "ecoach.service", "ecoach run"),
        ("ecoach-webhook.service", "ecoach-webhook.service", "ecoach run --webhook --receive-only"),
        ("ecoach-worker@.service", "ecoach-worker@1.service", "ecoach worker"),
    ],
)
def test_the_systemd_units_are_valid(tmp_path: Path, unit: str, instance: str, runs: str) -> None:
    """`systemd-analyze verify`, with the unit's paths pointed at this checkout's virtualenv."""
    text = (DEPLOY / unit).read_text()
    assert f"ExecStart=/srv/ecoach/app/.venv/bin/{runs}\n" in text and "User=ecoach" in text and "RestartPreventExitStatus=2" in text
    env_file = tmp_path / "ecoach.env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=1:x\n")
    here = text.replace("/srv/ecoach/app/.venv/bin/ecoach", ECOACH).replace("/srv/ecoach/ecoach.env", str(env_file))
    here = here.replace("/srv/ecoach/app", str(ROOT)).replace("User=ecoach", "User=root").replace("Group=ecoach", "Group=root")
    (tmp_path / instance).write_text(here)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / instance)], capture_output=True, text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines() if instance in line or unit in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_a_backup_of_database_and_evidence_restores(database_url: str, tmp_path: Path) -> None:
    """backup.sh while the data is there, then the data is lost, then restore.sh brings both back: on
    SQLite (its online backup) and, in CI's second pass, on PostgreSQL (pg_dump and pg_restore)."""
    data = tmp_path / "data"
    env = {**os.environ, "DATABASE_URL": database_url, "ECOACH_DATA_DIR": str(data)}
    new_cohort(database_url, "Angkatan Cadangan")
    (data / "evidence" / "7").mkdir(parents=True)
    (data / "evidence" / "7" / "foto.jpg").write_bytes(b"\xff\xd8 bukti")

    backups = tmp_path / "backups"
    made = subprocess.run([str(DEPLOY / "backup.sh"), str(backups)], env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip())
    assert archive.is_file() and oct(archive.stat().st_mode & 0o777) == "0o600"

    _lose_everything(database_url)
    shutil.rmtree(data)
    with pytest.raises(ProgrammingError if database_url.startswith("postgresql") else OperationalError):
        query(database_url, select(Cohort.name))  # gone, as after a lost disk
    restored = subprocess.run([str(DEPLOY / "restore.sh"), str(archive)], env=env, capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    assert query(database_url, select(Cohort.name)) == [("Angkatan Cadangan",)]
    assert (data / "evidence" / "7" / "foto.jpg").read_bytes() == b"\xff\xd8 bukti"
    assert subprocess.run([ECOACH, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0  # and it upgrades


def _lose_everything(database_url: str) -> None:
    """The database as after a lost disk: the SQLite file gone, or PostgreSQL's schema emptied."""
    if not database_url.startswith("postgresql"):
        Path(make_url(database_url).database or "").unlink()
        return

    async def drop(session: AsyncSession) -> None:
        await session.execute(text("DROP SCHEMA public CASCADE"))
        await session.execute(text("CREATE SCHEMA public"))

    run(database_url, drop)


def test_the_dockerfile_installs_and_runs_what_the_readme_says() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    sources = [part for source in sources for part in ([source] if source != "pyproject.toml" else ["pyproject.toml", "README.md"])]
    assert all((ROOT / source).exists() for source in sources), sources
    packages = {"bot", "conversations", "db", "handlers", "devtools"}
    assert packages <= {source for source in sources}, "every package the wheel needs is copied"
    assert 'CMD ["sh", "-c", "ecoach db upgrade && exec ecoach run"]' in dockerfile and "USER ecoach" in dockerfile
    daemon = shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    if daemon:
        built = subprocess.run(["docker", "build", "-q", "-t", "ecoach-ci-check", str(ROOT)], capture_output=True, text=True, timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
