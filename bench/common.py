"""What the benchmarks share: a throwaway PostgreSQL database, percentiles, seeded cohorts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.kernel.clock import SystemClock
from db.cohorts import create_cohort
from db.engine import create_engine, is_sqlite, session_factory
from db.models import Cohort, CompetencyDomain, LogEntry, Membership, Milestone, Pap, Person, Reflection, Role
from devtools.process import BotProcess

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `tests.support.factories` seeds enrolled alumnae as the tests do

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


def cpu_seconds(process: BotProcess) -> float:
    """CPU the process has spent so far (user + system)."""
    assert process.process is not None
    return stat_cpu(Path(f"/proc/{process.process.pid}/stat").read_text())[1]


def stat_cpu(stat: str) -> tuple[str, float]:
    """The command name and the CPU seconds (user + system) in the text of a /proc/<pid>/stat."""
    name, rest = stat.split(" (", 1)[1].rsplit(")", 1)
    fields = rest.split()
    return name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    from tests.support import factories

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


CHUNK = 20_000  # rows per bulk INSERT


async def bulk_cohort(
    session: AsyncSession,
    rng: random.Random,
    *,
    name: str,
    alumnae: int,
    first_telegram_id: int,
    now: datetime,
    entries: int,
    reflections: int = 0,
    reminders_on: bool = True,
) -> tuple[Cohort, list[int]]:
    """A cohort of `alumnae` enrolled alumnae in bulk, each with a PAP of three milestones,
    `entries` logbook entries over the last 90 days and `reflections` weekly reflections.
    Returns the cohort and the alumnae's person ids."""
    cohort = await create_cohort(session=session, name=name, training_end=date(2026, 2, 1), months=6, now=now)
    await session.flush()
    for start in range(0, alumnae, CHUNK):
        await session.execute(
            insert(Person),
            [
                {
                    "telegram_id": first_telegram_id + i,
                    "name": f"Alumna {i:05d}",
                    "locale": "id",
                    "timezone": "Asia/Jakarta",
                    "consent_at": now,
                    "active": True,
                    "reminders_on": reminders_on,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(start, min(alumnae, start + CHUNK))
            ],
        )
    ids = list(
        await session.scalars(
            select(Person.id).where(Person.telegram_id >= first_telegram_id, Person.telegram_id < first_telegram_id + alumnae)
        )
    )
    await session.execute(
        insert(Membership), [{"person_id": p, "cohort_id": cohort.id, "role": Role.ALUMNI, "joined_at": now} for p in ids]
    )
    await session.execute(
        insert(Pap),
        [
            {
                "person_id": p,
                "cohort_id": cohort.id,
                "title": f"PAP {p}",
                "problem": "-",
                "goal": "-",
                "indicator": "-",
                "baseline": "-",
                "target": "-",
                "resources": "-",
                "relevance": "-",
                "end_date": date(2026, 8, 1),
                "created_at": now,
                "updated_at": now,
                "progress_changed_at": now - timedelta(days=rng.randint(0, 60)),
            }
            for p in ids
        ],
    )
    paps = dict((await session.execute(select(Pap.person_id, Pap.id).where(Pap.cohort_id == cohort.id))).all())
    await session.execute(
        insert(Milestone),
        [
            {
                "pap_id": paps[p],
                "title": f"Tahap {k + 1}",
                "due_date": date(2026, 3, 1) + timedelta(days=30 * k + rng.randint(0, 20)),
                "status": "planned",
                "progress": 0,
            }
            for p in ids
            for k in range(3)
        ],
    )
    per_chunk = max(1, CHUNK // max(entries, reflections, 1))
    for start in range(0, len(ids), per_chunk):
        people = ids[start : start + per_chunk]
        if entries:
            await session.execute(
                insert(LogEntry),
                [
                    {
                        "person_id": p,
                        "pap_id": paps[p],
                        "milestone_id": None,
                        "text": "Kegiatan",
                        "progress": None,
                        "updated_at": now,
                        "created_at": now - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1440)),
                    }
                    for p in people
                    for _ in range(entries)
                ],
            )
        if reflections:
            await session.execute(
                insert(Reflection),
                [
                    {
                        "person_id": p,
                        "week_year": 2026,
                        "week": 5 + w,
                        "went_well": "Rapat lancar",
                        "challenge": None,
                        "learned": None,
                        "domain": CompetencyDomain.SOFT_SKILLS,
                        "confidence": rng.randint(1, 5),
                        "next_step": None,
                        "shared": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for p in people
                    for w in range(reflections)
                ],
            )
    return cohort, ids


async def analyze(engine: AsyncEngine) -> None:
    """On PostgreSQL, gather statistics: a live database has them, a bulk load does not yet."""
    if is_sqlite(str(engine.url)):
        return
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
