"""Benchmark: the Friday peak, N reflection reminders or N check-ins falling due in the same minute.

    .venv/bin/python bench/friday_peak.py [--alumnae 20000] [--kinds reminders checkins]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

A fresh database holds one cohort of N enrolled alumnae, each with one reflection reminder (or one
check-in) due a minute ago. The real `ecoach run` process starts at its default pace (30 calls a
second; its clock set to Friday 09:00 in Jakarta through libfaketime) against the double, which
answers 429 above 30 sends a second as Telegram does. Reported: the time from the first send to
the last against N / 30 s, Telegram's own floor (target: at most 1.1), lost (no message) and
duplicated (more than one) per alumna (targets 0), and the 429 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import POSTGRES_HELP, analyze, bulk_cohort, throwaway_postgres
from sqlalchemy import delete, insert

from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import CheckIn, CheckInKind, CheckInStatus, Milestone, Reminder, ReminderKind, SendStatus
from devtools.double import BotApiDouble, DoubleServer
from devtools.double.core import Sent
from devtools.process import BotProcess

TOKEN = "7000014:PEAK-" + "p" * 30
NOW = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # Friday 09:00 in Jakarta, ISO week 10
BASE_ID = 30_000_000
TELEGRAM_RATE = 30
MARK = {"reminders": "refleksi mingguan", "checkins": "check-in monitoring"}  # in the text of the send measured


async def seed(url: str, alumnae: int, kind: str) -> None:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        cohort, ids = await bulk_cohort(
            session, random.Random(7), name="Angkatan Jumat", alumnae=alumnae, first_telegram_id=BASE_ID, now=NOW, entries=0,
            reminders_on=kind == "reminders",
        )  # fmt: skip
        await session.execute(delete(Milestone))  # no milestone reminders sharing the pace: only the kind measured goes out
        due = NOW - timedelta(minutes=1)
        if kind == "reminders":
            rows = [
                {
                    "person_id": p,
                    "kind": ReminderKind.REFLECTION,
                    "week_year": 2026,
                    "week": 10,
                    "due_at": due,
                    "status": SendStatus.PENDING,
                }
                for p in ids
            ]
            await session.execute(insert(Reminder), rows)
        else:
            rows = [
                {
                    "person_id": p,
                    "cohort_id": cohort.id,
                    "sequence": 1,
                    "kind": CheckInKind.REGULAR,
                    "month": 1,
                    "due_at": due,
                    "status": CheckInStatus.PLANNED,
                    "late": False,
                    "with_feedback": False,
                }
                for p in ids
            ]
            await session.execute(insert(CheckIn), rows)
        await session.commit()
    await analyze(engine)
    await engine.dispose()


def mine(double: BotApiDouble, number: int, kind: str) -> list[Sent]:
    return [s for s in double.sent(BASE_ID + number) if MARK[kind] in s.text]


def run(label: str, url: str, alumnae: int, kind: str, folder: Path) -> None:
    upgrade(url)
    asyncio.run(seed(url, alumnae, kind))
    double = BotApiDouble(TOKEN, rate_limit_per_second=TELEGRAM_RATE)
    for i in range(alumnae):
        double.user(BASE_ID + i, f"Alumna {i:05d}")
    env = {"DATABASE_URL": url, "ECOACH_DATA_DIR": str(folder / "data"), "ECOACH_SWEEP_SECONDS": "5", "ECOACH_WEEKLY_TIPS": "false"}
    with DoubleServer(double) as server:
        process = BotProcess(double, server.url, env, folder / "bot.log").start(fake_time=NOW.strftime("%Y-%m-%d %H:%M:%S"))
        try:
            deadline = time.monotonic() + alumnae / TELEGRAM_RATE * 3 + 120
            reached = 0
            while time.monotonic() < deadline:
                reached = sum(1 for i in range(alumnae) if mine(double, i, kind))
                if reached == alumnae:
                    break
                time.sleep(5)
            time.sleep(10)  # anything sent twice has had time to show
        finally:
            process.stop()
    per_chat = [len(mine(double, i, kind)) for i in range(alumnae)]
    sends = sorted(s.at for i in range(alumnae) for s in mine(double, i, kind))
    elapsed = sends[-1] - sends[0] if len(sends) > 1 else float("nan")
    floor = alumnae / TELEGRAM_RATE
    print(
        f"{label}, {alumnae} {kind}: all out in {elapsed:.0f} s against {floor:.0f} s at 30/s = {elapsed / floor:.2f} (target <= 1.1); "
        f"{(len(sends) - 1) / elapsed:.1f} msg/s; lost {sum(1 for c in per_chat if c == 0)}, "
        f"duplicated {sum(c - 1 for c in per_chat if c > 1)}; 429s answered {double.rate_limited()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumnae", type=int, default=20_000)
    parser.add_argument("--kinds", nargs="+", choices=["reminders", "checkins"], default=["reminders", "checkins"])
    parser.add_argument("--postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    for kind in args.kinds:
        folder = Path(tempfile.mkdtemp(prefix="ecoach-peak-"))
        run("SQLite", f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}", args.alumnae, kind, folder)
        if args.postgres:
            with throwaway_postgres(args.postgres) as url:
                run("PostgreSQL", url, args.alumnae, kind, folder)


if __name__ == "__main__":
    main()
