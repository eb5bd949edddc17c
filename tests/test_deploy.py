"""The README's deployment steps, followed: the systemd unit is valid, a backup restores, the Dockerfile builds
what it says (by docker where a daemon runs, else by reading it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
ECOACH = str(Path(sys.executable).parent / "ecoach")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    """`systemd-analyze verify`, with the unit's paths pointed at this checkout's virtualenv."""
    unit = (DEPLOY / "ecoach.service").read_text()
    assert "ExecStart=/srv/ecoach/app/.venv/bin/ecoach run" in unit and "User=ecoach" in unit and "RestartPreventExitStatus=2" in unit
    env_file = tmp_path / "ecoach.env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=1:x\n")
    here = unit.replace("/srv/ecoach/app/.venv/bin/ecoach", ECOACH).replace("/srv/ecoach/ecoach.env", str(env_file))
    here = here.replace("/srv/ecoach/app", str(ROOT)).replace("User=ecoach", "User=root").replace("Group=ecoach", "Group=root")
    (tmp_path / "ecoach.service").write_text(here)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "ecoach.service")], capture_output=True, text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines() if "ecoach.service" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_a_backup_of_database_and_evidence_restores(tmp_path: Path) -> None:
    """backup.sh while the data is there, then the data is lost, then restore.sh brings both back."""
    data = tmp_path / "data"
    env = {**os.environ, "ECOACH_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    assert subprocess.run([ECOACH, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    database = data / "ecoach.sqlite3"
    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cohorts (name, alumni_code, coach_code, training_end, monitoring_months, checkin_interval_weeks, "
                "group_entry_notices, created_at) VALUES ('Angkatan Cadangan', 'A-CODE-1234', 'C-CODE-1234', '2026-10-15', 6, 4, 0, "
                "'2026-11-28 00:00:00')"
            )
        )
    engine.dispose()
    (data / "evidence" / "7").mkdir(parents=True)
    (data / "evidence" / "7" / "foto.jpg").write_bytes(b"\xff\xd8 bukti")

    backups = tmp_path / "backups"
    made = subprocess.run([str(DEPLOY / "backup.sh"), str(backups)], env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip())
    assert archive.is_file() and oct(archive.stat().st_mode & 0o777) == "0o600"

    shutil.rmtree(data)  # the disk is lost
    restored = subprocess.run([str(DEPLOY / "restore.sh"), str(archive)], env=env, capture_output=True, text=True, timeout=120)
    assert restored.returncode == 0, restored.stderr
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM cohorts")).scalars().all() == ["Angkatan Cadangan"]
    engine.dispose()
    assert (data / "evidence" / "7" / "foto.jpg").read_bytes() == b"\xff\xd8 bukti"
    assert subprocess.run([ECOACH, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0  # and it upgrades


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
