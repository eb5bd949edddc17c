"""Benchmark: 20,000 check-ins due at once, and the bot's peak memory with 20,000 alumnae.

    .venv/bin/python bench/sweep_memory.py [--alumnae 20000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

A fresh database holds one cohort of N alumnae (50 logbook entries each, a PAP of three
milestones) whose check-ins all fell due an hour ago. The real `ecoach run` process starts
(its clock set to a weekday morning in Jakarta through libfaketime, outside quiet hours) and its
sweep claims each check-in and hands it to the sender; the double answers at once (no send-rate
limit), so the figure is the sweep's own pace, to set against the 30 messages a second Telegram
allows. Then a coach asks /mandek and /ringkasan over the whole cohort in a linked group.
Reported: time and rate from the first invitation to the last, lost and duplicated invitations
(targets 0), and the process's peak RSS (VmHWM, target under 200 MB).
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
from sqlalchemy import func, insert, select

from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.migrate import upgrade
from db.models import CheckIn, CheckInKind, CheckInStatus
from devtools.double import BotApiDouble, DoubleServer
from devtools.process import BotProcess

TOKEN = "7000013:SWEEP-" + "s" * 30
NOW = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # Friday 09:00 in Jakarta
BASE_ID, COACH, GROUP = 20_000_000, 19_999_999, -1_009_999_999
ENTRIES = 50
INVITATION = "check-in monitoring"  # in the invitation's text: her PAP's milestone reminders also fall due


async def seed(url: str, alumnae: int) -> str:
    """Return the cohort's coach code."""
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        # No reflection reminders: the sweep then has only the check-ins to send.
        cohort, ids = await bulk_cohort(
            session,
            random.Random(7),
            name="Angkatan Bench",
            alumnae=alumnae,
            first_telegram_id=BASE_ID,
            now=NOW,
            entries=ENTRIES,
            reminders_on=False,
        )
        await enrol_coach(
            session=session, telegram_id=COACH, cohort=cohort, name="Coach Rina", locale="id", timezone="Asia/Jakarta", now=NOW
        )
        await session.execute(
            insert(CheckIn),
            [
                {
                    "person_id": p,
                    "cohort_id": cohort.id,
                    "sequence": 1,
                    "kind": CheckInKind.REGULAR,
                    "month": 1,
                    "due_at": NOW - timedelta(hours=1),
                    "status": CheckInStatus.PLANNED,
                    "late": False,
                    "with_feedback": False,
                }
                for p in ids
            ],
        )
        code = cohort.coach_code
        await session.commit()
    await analyze(engine)
    await engine.dispose()
    return code


def count_sent(url: str) -> int:
    async def run() -> int:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            sent = await session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.status == CheckInStatus.SENT))
        await engine.dispose()
        return sent or 0

    return asyncio.run(run())


def run(label: str, url: str, alumnae: int, folder: Path) -> None:
    upgrade(url)
    started = time.perf_counter()
    code = asyncio.run(seed(url, alumnae))
    print(
        f"{label}: seeded {alumnae} alumnae with {alumnae * ENTRIES} logbook entries and {alumnae} due check-ins in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    double = BotApiDouble(TOKEN)
    for i in range(alumnae):
        double.user(BASE_ID + i, f"Alumna {i:05d}")
    coach = double.user(COACH, "Rina")
    group = double.group(GROUP, "Coaching Angkatan Bench")
    with DoubleServer(double) as server:
        env = {
            "DATABASE_URL": url,
            "ECOACH_DATA_DIR": str(folder / "data"),
            "ECOACH_SWEEP_SECONDS": "5",
            "ECOACH_WEEKLY_TIPS": "false",
            "ECOACH_SEND_RATE": "0",
        }
        process = BotProcess(double, server.url, env, folder / "bot.log").start(fake_time=NOW.strftime("%Y-%m-%d %H:%M:%S"))
        try:
            deadline = time.monotonic() + alumnae / 20 + 120
            while count_sent(url) < alumnae and time.monotonic() < deadline:
                time.sleep(2)
            invitations = [[s for s in double.sent(BASE_ID + i) if INVITATION in s.text] for i in range(alumnae)]
            sends = sorted(s.at for chat in invitations for s in chat)
            per_chat = [len(chat) for chat in invitations]
            replies = []
            for command in (f"/hubungkan {code}", "/mandek", "/ringkasan"):
                before = len(double.sent(GROUP))
                asked = time.monotonic()
                coach.send(command, chat=group, mention=True)
                reply = double.wait_sent(GROUP, before, 120)
                replies.append(f"{command.split()[0]} answered in {time.monotonic() - asked:.2f} s ({reply.method})")
            peak = process.peak_rss_mib()
        finally:
            process.stop()
    elapsed = sends[-1] - sends[0] if len(sends) > 1 else float("nan")
    print(
        f"  {len(sends)} invitations in {elapsed:.1f} s = {(len(sends) - 1) / elapsed:.0f} claimed and sent per second "
        f"({(len(sends) - 1) / elapsed / 30:.1f}x Telegram's 30/s); lost {sum(1 for c in per_chat if c == 0)}, "
        f"duplicated {sum(c - 1 for c in per_chat if c > 1)}",
        flush=True,
    )
    print(f"  coach: {'; '.join(replies)}", flush=True)
    print(f"  peak RSS of the bot process: {peak:.0f} MiB (target under 200 MB = 191 MiB)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumnae", type=int, default=20_000)
    parser.add_argument("--postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ecoach-sweep-"))
    run("SQLite", f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}", args.alumnae, folder)
    if args.postgres:
        with throwaway_postgres(args.postgres) as url:
            run("PostgreSQL", url, args.alumnae, folder)


if __name__ == "__main__":
    main()
