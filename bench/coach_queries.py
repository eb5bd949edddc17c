"""Benchmark: database time of /mandek and /ringkasan on a large cohort.

    .venv/bin/python bench/coach_queries.py [--alumnae 2000] [--entries 100000] [--database-url URL]

Seeds one cohort (migrations first), then times `cohort_statuses` + `stalled` (what /mandek runs)
and `cohort_summary` (what /ringkasan runs) over repeated calls, and prints p50 and p99 in ms.
Without --database-url it uses a fresh SQLite file; pass a PostgreSQL URL for the other figure.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from db.coaching import cohort_statuses, cohort_summary, stalled
from db.cohorts import create_cohort
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import CheckIn, CheckInKind, CheckInStatus, LogEntry, Membership, Milestone, Pap, Person, Role

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


async def seed(url: str, alumnae: int, entries: int) -> int:
    engine = create_engine(url)
    rng = random.Random(7)
    async with session_factory(engine)() as session:
        cohort = await create_cohort(session=session, name="Bench", training_end=date(2026, 2, 1), months=6, now=NOW)
        await session.flush()
        base = 10_000_000
        people = [dict(telegram_id=base + i, name=f"Alumna {i:05d}", locale="id", timezone="Asia/Jakarta", consent_at=NOW, active=True,
                       reminders_on=True, created_at=NOW, updated_at=NOW) for i in range(alumnae)]
        await session.execute(insert(Person), people)
        ids = list(await session.scalars(select(Person.id).where(Person.telegram_id >= base).order_by(Person.id)))
        await session.execute(insert(Membership), [dict(person_id=p, cohort_id=cohort.id, role=Role.ALUMNI, joined_at=NOW) for p in ids])
        await session.execute(insert(Pap), [dict(person_id=p, cohort_id=cohort.id, title=f"PAP {p}", problem="-", goal="-", indicator="-", baseline="-",
                                                 target="-", resources="-", relevance="-", end_date=date(2026, 8, 1), created_at=NOW, updated_at=NOW,
                                                 progress_changed_at=NOW - timedelta(days=rng.randint(0, 60))) for p in ids])
        paps = dict((await session.execute(select(Pap.person_id, Pap.id).where(Pap.cohort_id == cohort.id))).all())
        await session.execute(insert(Milestone), [dict(pap_id=paps[p], title=f"T{k}", due_date=date(2026, 3, 1) + timedelta(days=30 * k + rng.randint(0, 20)),
                                                       status="planned", progress=0) for p in ids for k in range(3)])
        for start in range(0, entries, 10_000):
            batch = [dict(person_id=(p := rng.choice(ids)), pap_id=paps[p], milestone_id=None, text="Kegiatan", progress=None,
                          created_at=NOW - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1440)), updated_at=NOW)
                     for _ in range(min(10_000, entries - start))]
            await session.execute(insert(LogEntry), batch)
        await session.execute(insert(CheckIn), [dict(person_id=p, cohort_id=cohort.id, sequence=k, kind=CheckInKind.REGULAR, month=k,
                                                     due_at=NOW - timedelta(days=28 * (4 - k)), status=rng.choice([CheckInStatus.ANSWERED, CheckInStatus.MISSED]),
                                                     late=False, with_feedback=False) for p in ids for k in (1, 2, 3)])
        await session.commit()
    if not url.startswith("sqlite"):
        async with engine.connect() as connection:  # a live database has statistics; a bulk load does not yet
            await connection.execute(text("ANALYZE"))
            await connection.commit()
    await engine.dispose()
    return cohort.id


async def measure(url: str, cohort_id: int, runs: int) -> dict[str, list[float]]:
    from db.models import Cohort

    engine = create_engine(url)
    timings: dict[str, list[float]] = {"/mandek": [], "/ringkasan": []}
    async with session_factory(engine)() as session:
        cohort = await session.get(Cohort, cohort_id)
        for _ in range(runs):
            started = time.perf_counter()
            stalled(await cohort_statuses(session=session, cohort=cohort, today=NOW.date()))
            timings["/mandek"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await cohort_summary(session=session, cohort=cohort, today=NOW.date(), week_start=NOW - timedelta(days=3))
            timings["/ringkasan"].append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumnae", type=int, default=2000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", help="an empty database; default: a temporary SQLite file")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    upgrade(url)
    started = time.perf_counter()
    cohort_id = asyncio.run(seed(url, args.alumnae, args.entries))
    print(f"seeded {args.alumnae} alumnae, {args.entries} logbook entries in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
    timings = asyncio.run(measure(url, cohort_id, args.runs))
    for name, values in timings.items():
        print(f"{name:12} p50 {statistics.median(values):7.1f} ms   p99 {percentile(values, 0.99):7.1f} ms   (target < 200 ms, {len(values)} runs)")


if __name__ == "__main__":
    main()
