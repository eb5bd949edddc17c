"""Benchmark: one broadcast to many recipients through the real `ecoach run` and the Bot API double.

    .venv/bin/python bench/broadcast.py [--recipients 10000]

First pass: the double answers 429 (retry_after 1) above 30 sends a second, as Telegram does, and
the bot runs at its default pace; the achieved rate is divided by 30 (target at least 0.95).
Second pass: both limits lifted, to show the bot's own ceiling. Each pass reports lost and
duplicated deliveries (target 0), how many 429s the double answered, and the duplicate window:
from the moment Telegram (the double) accepted a message to the moment the bot recorded it as sent.
A kill inside that window is the only way a delivery goes out twice.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from db.broadcasts import create_broadcast
from db.cohorts import create_cohort
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import BroadcastKind, Cohort, Delivery, DeliveryStatus, Membership, Person, Role
from devtools.double import BotApiDouble, DoubleServer
from devtools.process import BotProcess

TOKEN = "7000009:BENCH-" + "b" * 30
BASE_ID = 50_000_000


async def seed(url: str, recipients: int) -> None:
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with session_factory(engine)() as session:
        cohort = await create_cohort(session=session, name="Bench", training_end=now.date(), months=3, now=now)
        await session.execute(
            insert(Person),
            [
                dict(
                    telegram_id=BASE_ID + i,
                    name=f"A{i}",
                    locale="id",
                    timezone="Asia/Jakarta",
                    consent_at=now,
                    active=True,
                    reminders_on=False,
                    created_at=now,
                    updated_at=now,
                )
                for i in range(recipients)
            ],
        )
        ids = list(await session.scalars(select(Person.id)))
        await session.execute(insert(Membership), [dict(person_id=p, cohort_id=cohort.id, role=Role.ALUMNI, joined_at=now) for p in ids])
        await session.commit()
    await engine.dispose()


async def broadcast(url: str, *, only_recipients: bool = False) -> None:
    """An announcement to everyone, or with `only_recipients` to the seeded recipients' cohort alone."""
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        cohort_id = await session.scalar(select(Cohort.id).where(Cohort.name == "Bench")) if only_recipients else None
        await create_broadcast(
            session=session, kind=BroadcastKind.GENERAL, cohort_id=cohort_id, title="Bench", body="Pengumuman uji", now=datetime.now(UTC)
        )
        await session.commit()
    await engine.dispose()


async def pending(url: str) -> int:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        count = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
        )
    await engine.dispose()
    return count or 0


def run_pass(recipients: int, limited: bool) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    asyncio.run(seed(url, recipients))
    double = BotApiDouble(TOKEN, rate_limit_per_second=30 if limited else None)
    for i in range(recipients):
        double.user(BASE_ID + i, f"A{i}")
    with DoubleServer(double) as server:
        env = {
            "DATABASE_URL": url,
            "ECOACH_DATA_DIR": str(folder),
            "ECOACH_SWEEP_SECONDS": "1",
            "ECOACH_WEEKLY_TIPS": "false",
            "ECOACH_SEND_RATE": "30" if limited else "0",
        }
        process = BotProcess(double, server.url, env, folder / "bot.log").start()
        try:
            asyncio.run(broadcast(url))
            deadline = time.monotonic() + recipients / 5 + 120
            while asyncio.run(pending(url)) and time.monotonic() < deadline:
                time.sleep(1)
        finally:
            process.stop()
    recorded = asyncio.run(sent_at(url))
    windows = sorted(recorded[s.chat_id] - s.wall for i in range(recipients) for s in double.sent(BASE_ID + i) if s.chat_id in recorded)
    sends = sorted(s.at for i in range(recipients) for s in double.sent(BASE_ID + i))
    per_chat = [len(double.sent(BASE_ID + i)) for i in range(recipients)]
    elapsed = sends[-1] - sends[0] if len(sends) > 1 else float("nan")
    return {
        "rate": (len(sends) - 1) / elapsed,
        "seconds": elapsed,
        "lost": sum(1 for c in per_chat if c == 0),
        "duplicated": sum(c - 1 for c in per_chat if c > 1),
        "throttled": double.rate_limited(),
        "window_p50": windows[len(windows) // 2] * 1000,
        "window_p99": windows[int(len(windows) * 0.99)] * 1000,
        "window_max": windows[-1] * 1000,
    }


async def sent_at(url: str) -> dict[int, float]:
    """When the bot recorded each delivery as sent (wall clock, seconds)."""
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        rows = (await session.execute(select(Delivery.chat_id, Delivery.sent_at).where(Delivery.sent_at.is_not(None)))).all()
    await engine.dispose()
    return {chat_id: moment.timestamp() for chat_id, moment in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    args = parser.parse_args()
    limited = run_pass(args.recipients, limited=True)
    print(
        f"Telegram-like limit: {limited['rate']:.2f} msg/s over {limited['seconds']:.0f} s = {limited['rate'] / 30:.3f} of 30 msg/s "
        f"(target >= 0.95); lost {limited['lost']}, duplicated {limited['duplicated']}, 429s answered {limited['throttled']}"
    )
    print(
        f"  duplicate window (accepted by Telegram -> recorded as sent): p50 {limited['window_p50']:.1f} ms, "
        f"p99 {limited['window_p99']:.1f} ms, max {limited['window_max']:.1f} ms"
    )
    ceiling = run_pass(args.recipients, limited=False)
    print(f"Limits lifted: {ceiling['rate']:.1f} msg/s (the bot's own ceiling); lost {ceiling['lost']}, duplicated {ceiling['duplicated']}")


if __name__ == "__main__":
    main()
