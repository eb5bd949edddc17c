"""Benchmark: database time of /mandek and /ringkasan as the program grows.

    .venv/bin/python bench/coach_queries.py [--sizes 2000 20000]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

For each size N, a fresh database (migrations first) gets N alumnae in one cohort, each with a PAP
of three milestones, 50 logbook entries, 12 weekly reflections and three check-ins, plus one
usual cohort of 40 alumnae seeded the same way. It then times what /mandek runs (`stalled_page`:
the count and the first page, filtered and sorted by the database) and what /ringkasan runs
(`cohort_summary`) for the whole N-alumnae cohort (the worst case: one coach group over every
alumna) and for the cohort of 40 (a coach group over one intake, with N others in the database),
and prints p50 and p99 in ms and how they grow from the smallest size. SQLite always; PostgreSQL too with --postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import POSTGRES_HELP, analyze, bulk_cohort, percentile, throwaway_postgres
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.coaching import cohort_summary, stalled_page
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import CheckIn, CheckInKind, CheckInStatus, Cohort
from handlers.coaches import PAGE_SIZE

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
ENTRIES, REFLECTIONS, USUAL_COHORT = 50, 12, 40


async def seed_cohort(session: AsyncSession, rng: random.Random, name: str, alumnae: int, first_telegram_id: int) -> int:
    cohort, ids = await bulk_cohort(
        session, rng, name=name, alumnae=alumnae, first_telegram_id=first_telegram_id, now=NOW, entries=ENTRIES, reflections=REFLECTIONS
    )
    await session.execute(
        insert(CheckIn),
        [
            {
                "person_id": p,
                "cohort_id": cohort.id,
                "sequence": k,
                "kind": CheckInKind.REGULAR,
                "month": k,
                "due_at": NOW - timedelta(days=28 * (4 - k)),
                "status": rng.choice([CheckInStatus.ANSWERED, CheckInStatus.MISSED]),
                "late": False,
                "with_feedback": False,
            }
            for p in ids
            for k in (1, 2, 3)
        ],
    )
    return cohort.id


async def seed(url: str, alumnae: int) -> tuple[int, int]:
    """The N-alumnae cohort and the usual one; return both cohort ids."""
    engine = create_engine(url)
    rng = random.Random(7)
    async with session_factory(engine)() as session:
        whole = await seed_cohort(session, rng, "Seluruh alumni", alumnae, 10_000_000)
        usual = await seed_cohort(session, rng, "Angkatan biasa", USUAL_COHORT, 90_000_000)
        await session.commit()
    await analyze(engine)
    await engine.dispose()
    return whole, usual


async def measure(url: str, cohort_id: int, runs: int) -> dict[str, list[float]]:
    engine = create_engine(url)
    timings: dict[str, list[float]] = {"/mandek": [], "/ringkasan": []}
    async with session_factory(engine)() as session:
        cohort = await session.get(Cohort, cohort_id)
        for _ in range(runs):
            started = time.perf_counter()
            await stalled_page(session=session, cohort=cohort, today=NOW.date(), size=PAGE_SIZE)
            timings["/mandek"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await cohort_summary(session=session, cohort=cohort, today=NOW.date(), week_start=NOW - timedelta(days=3))
            timings["/ringkasan"].append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return timings


def run_size(label: str, url: str, alumnae: int, runs: int, baseline: dict[tuple[str, str], float]) -> None:
    upgrade(url)
    started = time.perf_counter()
    whole, usual = asyncio.run(seed(url, alumnae))
    print(
        f"{label}: seeded {alumnae + USUAL_COHORT} alumnae, {(alumnae + USUAL_COHORT) * ENTRIES} logbook entries, "
        f"{(alumnae + USUAL_COHORT) * REFLECTIONS} reflections in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    for shape, cohort_id in ((f"one cohort of {alumnae}", whole), (f"a cohort of {USUAL_COHORT}", usual)):
        for command, values in asyncio.run(measure(url, cohort_id, runs)).items():
            p50 = statistics.median(values)
            key = (shape.split(" of ")[0] + (" whole" if cohort_id == whole else ""), command)
            growth = f"x{p50 / baseline[key]:.1f} from the first size" if key in baseline else ""
            baseline.setdefault(key, p50)
            print(f"  {shape:22} {command:11} p50 {p50:7.1f} ms   p99 {percentile(values, 0.99):7.1f} ms   {growth}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20_000])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    print("target: under 200 ms at 20,000 alumnae", flush=True)
    baselines: dict[str, dict[tuple[str, str], float]] = {"SQLite": {}, "PostgreSQL": {}}
    for size in args.sizes:
        run_size(
            f"SQLite, {size}", f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}", size, args.runs, baselines["SQLite"]
        )
        if args.postgres:
            with throwaway_postgres(args.postgres) as url:
                run_size(f"PostgreSQL, {size}", url, size, args.runs, baselines["PostgreSQL"])


if __name__ == "__main__":
    main()
