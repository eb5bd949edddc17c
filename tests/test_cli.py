"""The `ecoach` command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.double import DoubleServer
from tests.support.bots import TOKEN

pytestmark = pytest.mark.slow  # each test starts the real `ecoach` command

ECOACH = str(Path(sys.executable).parent / "ecoach")
CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def ecoach(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ECOACH_", "DATABASE_URL"))}
    return subprocess.run([ECOACH, *args], env={**clean, **env}, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_help_lists_every_command(tmp_path: Path) -> None:
    done = ecoach("--help", env={}, cwd=tmp_path)
    assert done.returncode == 0
    for word in ("run", "db", "cohort"):
        assert word in done.stdout
    cohort_help = ecoach("cohort", "create", "--help", env={}, cwd=tmp_path)
    assert "--training-end" in cohort_help.stdout and "--json" in cohort_help.stdout


def test_run_without_token_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    done = ecoach("run", env={}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "Traceback" not in done.stderr


def test_malformed_setting_exits_2_naming_it(tmp_path: Path) -> None:
    done = ecoach("run", env={"TELEGRAM_BOT_TOKEN": TOKEN, "ECOACH_SWEEP_SECONDS": "often"}, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("ecoach: error: ECOACH_SWEEP_SECONDS is invalid")
    assert TOKEN not in done.stderr + done.stdout


def test_cohort_create_and_list_as_json(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "ECOACH_BOT_USERNAME": "ecoach_demo_bot"}
    done = ecoach(
        "cohort", "create", "--name", "Angkatan III 2026", "--training-end", "2026-10-15", "--months", "6", "--json", env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    cohort = json.loads(done.stdout)
    assert cohort["name"] == "Angkatan III 2026"
    assert CODE.match(cohort["alumni_code"]) and CODE.match(cohort["coach_code"])
    assert cohort["alumni_link"] == f"https://t.me/ecoach_demo_bot?start={cohort['alumni_code']}"
    assert cohort["coach_link"] == f"https://t.me/ecoach_demo_bot?start={cohort['coach_code']}"
    listed = json.loads(ecoach("cohort", "list", "--json", env=env, cwd=tmp_path).stdout)
    assert [c["id"] for c in listed] == [cohort["id"]]
    text = ecoach("cohort", "list", env=env, cwd=tmp_path).stdout
    assert "Angkatan III 2026" in text and cohort["alumni_link"] in text
    same = ("--name", "angkatan iii  2026", "--training-end", "2026-10-15", "--months", "6")
    again = ecoach("cohort", "create", *same, env=env, cwd=tmp_path)
    assert again.returncode == 2 and "exists already" in again.stderr  # one name, one cohort
    assert len(json.loads(ecoach("cohort", "list", "--json", env=env, cwd=tmp_path).stdout)) == 1


def test_cohort_links_use_the_username_from_the_bot_api(tmp_path: Path, database_url: str, api_server: DoubleServer) -> None:
    env = {"DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_server.url}
    done = ecoach(
        "cohort", "create", "--name", "Angkatan IV", "--training-end", "2026-11-01", "--months", "3", "--json", env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["alumni_link"].startswith(f"https://t.me/{api_server.double.username}?start=")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--training-end", "15-10-2026", "--months", "6"], "YYYY-MM-DD"),
        (["--training-end", "2026-02-30", "--months", "6"], "YYYY-MM-DD"),
        (["--training-end", "2026-10-15", "--months", "7"], "from 3 to 6"),
        (["--training-end", "2026-10-15", "--months", "x"], "from 3 to 6"),
    ],
)
def test_cohort_create_refuses_bad_arguments(tmp_path: Path, database_url: str, args: list[str], message: str) -> None:
    env = {"DATABASE_URL": database_url, "ECOACH_BOT_USERNAME": "ecoach_demo_bot"}
    done = ecoach("cohort", "create", "--name", "X", *args, env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    listed = json.loads(ecoach("cohort", "list", "--json", env=env, cwd=tmp_path).stdout)
    assert listed == []


def test_cohort_create_without_a_way_to_name_the_bot_says_so(tmp_path: Path, database_url: str) -> None:
    done = ecoach(
        "cohort", "create", "--name", "X", "--training-end", "2026-10-15", "--months", "3", env={"DATABASE_URL": database_url}, cwd=tmp_path
    )
    assert done.returncode == 2
    assert "ECOACH_BOT_USERNAME" in done.stderr


def test_rotate_codes_revoke_and_audit_from_the_command_line(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "ECOACH_BOT_USERNAME": "ecoach_demo_bot"}
    created = json.loads(
        ecoach(
            "cohort", "create", "--name", "Angkatan V", "--training-end", "2026-10-15", "--months", "6", "--json", env=env, cwd=tmp_path
        ).stdout
    )
    done = ecoach("cohort", "rotate-codes", "--cohort", created["coach_code"], "--which", "coach", "--json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rotated = json.loads(done.stdout)
    assert rotated["alumni_code"] == created["alumni_code"] and CODE.match(rotated["coach_code"])
    assert rotated["coach_code"] != created["coach_code"]
    again = ecoach("cohort", "rotate-codes", "--cohort", created["coach_code"], "--which", "both", env=env, cwd=tmp_path)
    assert again.returncode == 2 and "no cohort has the code or the name" in again.stderr  # the old code is gone
    by_name = ecoach("cohort", "rotate-codes", "--cohort", "Angkatan V", "--which", "alumni", "--json", env=env, cwd=tmp_path)
    assert json.loads(by_name.stdout)["alumni_code"] != created["alumni_code"]

    assert ecoach("coach", "list", env=env, cwd=tmp_path).stdout.strip() == "no coaches yet"
    missing = ecoach("coach", "revoke", "--id", "99", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "no coach has the id 99" in missing.stderr

    out = tmp_path / "audit.csv"
    assert ecoach("audit", "--out", str(out), env=env, cwd=tmp_path).returncode == 0
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("at,action,actor_telegram_id") and [r.split(",")[1:3] for r in rows[1:]] == [
        ["codes_rotated", ""],
        ["codes_rotated", ""],
    ]


def test_report_by_name_for_every_cohort_and_into_a_folder(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "ECOACH_BOT_USERNAME": "ecoach_demo_bot"}
    for name in ("Angkatan I 2026", "Angkatan II 2026", "Angkatan III 2026"):
        created = ecoach("cohort", "create", "--name", name, "--training-end", "2026-10-15", "--months", "6", env=env, cwd=tmp_path)
        assert created.returncode == 0
    by_name = ecoach("report", "--cohort", "Angkatan II 2026", "--format", "json", env=env, cwd=tmp_path)
    assert by_name.returncode == 0, by_name.stderr
    assert json.loads(by_name.stdout)["cohort"]["name"] == "Angkatan II 2026"

    folder = tmp_path / "laporan"
    folder.mkdir()
    done = ecoach("report", "--all", "--out", str(folder), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [written] = list(folder.iterdir())
    assert re.fullmatch(r"laporan-semua-angkatan-\d{4}-\d{2}-\d{2}\.xlsx", written.name) and done.stdout.strip() == str(written)
    from openpyxl import load_workbook

    assert load_workbook(written).sheetnames == ["Ringkasan", "Angkatan I 2026", "Angkatan II 2026", "Angkatan III 2026"]
    english = ecoach("report", "--all", "--format", "csv", "--lang", "en", env=env, cwd=tmp_path)
    assert english.stdout.lstrip("\ufeff").startswith("Cohort,Name,NIP,Agency")

    for args, says in [
        (("--cohort", "Angkatan IX"), "no cohort has the code or the name 'Angkatan IX'"),
        (("--all", "--out", str(tmp_path / "missing" / "r.xlsx")), "does not exist; create it first"),
    ]:
        failed = ecoach("report", *args, env=env, cwd=tmp_path)
        assert failed.returncode == 2 and failed.stderr.count("\n") == 1 and says in failed.stderr and "Traceback" not in failed.stderr


@pytest.mark.parametrize(
    ("env", "args", "says"),
    [
        ({"DATABASE_URL": "garbage"}, ("db", "upgrade"), "DATABASE_URL is invalid: not a database URL; write sqlite+aiosqlite:///"),
        ({"DATABASE_URL": "postgresql://u@127.0.0.1/x"}, ("db", "upgrade"), "write postgresql+asyncpg://"),
        (
            {"DATABASE_URL": "postgresql+asyncpg://u:hunter2@127.0.0.1:1/x", "ECOACH_BOT_USERNAME": "ecoach_demo_bot"},
            ("cohort", "list"),
            "cannot reach the database at 127.0.0.1:1/x (connection refused)",
        ),
        ({"ECOACH_DATA_DIR": "/proc/ecoach"}, ("run",), "ECOACH_DATA_DIR '/proc/ecoach' cannot be created or written"),
        ({"ECOACH_DATA_DIR": "/proc/ecoach"}, ("db", "upgrade"), "cannot open the SQLite database '/proc/ecoach/ecoach.sqlite3'"),
        ({"TELEGRAM_API_URL": "http://127.0.0.1:1"}, ("run",), "cannot reach the Bot API at http://127.0.0.1:1: check the network"),
        ({"ECOACH_SWEEP_SECONDS": "often"}, ("run",), "ECOACH_SWEEP_SECONDS is invalid: Input should be a valid number"),
        ({}, ("worker",), "several processes need PostgreSQL (DATABASE_URL): on SQLite run one `ecoach run`"),
        ({}, ("run", "--receive-only"), "--receive-only goes with --webhook"),
        ({"ECOACH_SENDING_PROCESSES": "0"}, ("run",), "ECOACH_SENDING_PROCESSES is invalid"),
    ],
)
def test_every_bad_setting_is_one_line_and_exit_2(tmp_path: Path, env: dict[str, str], args: tuple[str, ...], says: str) -> None:
    done = ecoach(*args, env={"TELEGRAM_BOT_TOKEN": TOKEN, **env}, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Value error" not in done.stderr and "hunter2" not in done.stderr
    assert TOKEN not in done.stderr + done.stdout
