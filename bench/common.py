"""What the benchmarks share: a throwaway PostgreSQL database, percentiles, a seeded cohort."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.clock import SystemClock
from db.engine import create_engine, session_factory

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `tests.factories` seeds enrolled alumnae as the tests do

POSTGRES_HELP = "a PostgreSQL server URL (postgresql+asyncpg://postgres@127.0.0.1:5432/postgres); a throwaway database is made there"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _admin(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextlib.contextmanager
def throwaway_postgres(server_url: str) -> Iterator[str]:
    """Create an empty database on that server, yield its URL, drop it afterwards."""
    name = f"ecoach_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def seed_enrolled(url: str, first_telegram_id: int, alumnae: int) -> None:
    """One cohort of enrolled alumnae, as the tests make them: consent, profile, a PAP with
    milestones "Tahap 1" and "Tahap 2", and a reflection reminder planned."""
    from tests import factories

    async def run() -> None:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            now = SystemClock().now()
            cohort = await factories.cohort(session, now)
            for n in range(alumnae):
                await factories.alumna(session, now, cohort, first_telegram_id + n, name=f"Alumna {n}")
            await session.commit()
        await engine.dispose()

    asyncio.run(run())
