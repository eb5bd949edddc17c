"""Benchmark: what caching the draft engine's statements would save, per statement.

    .venv/bin/python bench/draft_statements.py [--runs 2000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

The draft engine reads her active draft and writes the step she moves to on every answer. Today each
read builds its `select` anew and each write goes through the ORM's unit of work. This times, in CPU
of this process per call (the database's own time is not ours to save), the read as the engine
makes it against one statement built once with a bound parameter, and the ORM write against one
Core `UPDATE` built once. SQLite always; PostgreSQL too with --postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from common import POSTGRES_HELP, throwaway_postgres
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.drafts import active_draft
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import Draft

TELEGRAM_ID = 1
READ = select(Draft).where(Draft.telegram_id == bindparam("telegram_id"), Draft.paused.is_(False))
WRITE = update(Draft).where(Draft.id == bindparam("draft_id")).values(step=bindparam("step"), updated_at=bindparam("now"))


async def built_read(session: AsyncSession, n: int) -> None:
    await active_draft(session=session, telegram_id=TELEGRAM_ID)


async def cached_read(session: AsyncSession, n: int) -> None:
    await session.scalar(READ, {"telegram_id": TELEGRAM_ID})


async def orm_write(session: AsyncSession, n: int) -> None:
    draft = await session.scalar(READ, {"telegram_id": TELEGRAM_ID})
    assert draft is not None
    draft.step, draft.updated_at = f"s{n % 7}", datetime.now(UTC)
    await session.flush()


async def core_write(session: AsyncSession, n: int) -> None:
    draft = await session.scalar(READ, {"telegram_id": TELEGRAM_ID})
    assert draft is not None
    await session.execute(WRITE, {"draft_id": draft.id, "step": f"s{n % 7}", "now": datetime.now(UTC)})


async def measure(url: str, runs: int) -> dict[str, float]:
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    make = session_factory(engine)
    async with make() as session:
        session.add(
            Draft(
                telegram_id=TELEGRAM_ID, flow="pe", step="s0", data={"pap_id": 1}, locale="id", paused=False, updated_at=datetime.now(UTC)
            )
        )
        await session.commit()
    figures: dict[str, float] = {}
    ways: list[tuple[str, Callable[[AsyncSession, int], Awaitable[None]]]] = [
        ("read, built each time", built_read), ("read, built once", cached_read),
        ("write, ORM flush (after the read)", orm_write), ("write, Core UPDATE built once (after the read)", core_write),
    ]  # fmt: skip
    for name, way in ways * 2:  # the second round counts: the first warms caches and the JIT-less interpreter alike
        async with make() as session:
            started = time.process_time()
            for n in range(runs):
                await way(session, n)
                session.expunge_all()
            figures[name] = (time.process_time() - started) / runs * 1e6
            await session.rollback()
    await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {"SQLite": asyncio.run(measure(f"sqlite+aiosqlite:///{Path(folder) / 'drafts.db'}", args.runs))}
    if args.postgres:
        with throwaway_postgres(args.postgres) as url:
            results["PostgreSQL"] = asyncio.run(measure(url, args.runs))
    for database, figures in results.items():
        print(f"{database}: CPU of this process per call, {args.runs} calls each")
        for name, micros in figures.items():
            print(f"  {name:50} {micros:7.0f} µs")


if __name__ == "__main__":
    main()
