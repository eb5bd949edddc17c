"""Benchmark: the web dashboard's server-side time for the programme overview at 20,000 alumnae and
for one cohort page of 2,000.

    .venv/bin/python bench/dashboard.py [--cohorts 10] [--per-cohort 2000] [--runs 20]
        [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

A fresh database (migrations first) gets `cohorts` cohorts of `per-cohort` alumnae each (20,000 by
default), each alumna with a PAP of three milestones, 10 logbook entries over 90 days, 4 reflections
and three check-ins. An organizer's session is opened through a real login link; then each page is
requested through the Starlette app in this process (httpx's ASGI transport: the full request, from
the session check through the SQL to the rendered HTML, without a network in between), and p50 and
p99 in ms are printed. SQLite always; PostgreSQL too with --postgres. Target: under 300 ms each.
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

import httpx
from common import POSTGRES_HELP, analyze, bulk_cohort, percentile, throwaway_postgres
from sqlalchemy import insert

from bot.kernel.clock import FrozenClock
from bot.kernel.i18n import Texts
from bot.kernel.settings import Settings
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import CheckIn, CheckInKind, CheckInStatus
from db.web import issue_link, redeem_link
from web.app import COOKIE, Web, build_web

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
ORGANIZER = 900001


async def seed(url: str, cohorts: int, per_cohort: int) -> list[int]:
    engine = create_engine(url)
    rng = random.Random(11)
    ids = []
    async with session_factory(engine)() as session:
        for number in range(cohorts):
            cohort, people = await bulk_cohort(
                session,
                rng,
                name=f"Angkatan {number + 1}",
                alumnae=per_cohort,
                first_telegram_id=10_000_000 + number * per_cohort,
                now=NOW,
                entries=10,
                reflections=4,
            )
            statuses = [CheckInStatus.ANSWERED, CheckInStatus.ANSWERED, CheckInStatus.MISSED]
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
                        "answered_at": NOW - timedelta(days=28 * (4 - k) - 1),
                        "status": rng.choice(statuses),
                        "late": False,
                        "with_feedback": False,
                        "forums": ["cop"] if k == 1 else [],
                    }
                    for p in people
                    for k in (1, 2, 3)
                ],
            )
            ids.append(cohort.id)
        await session.commit()
    await analyze(engine)
    await engine.dispose()
    return ids


async def measure(url: str, cohort_id: int, runs: int, data_dir: Path) -> dict[str, list[float]]:
    """Each page `runs` times. The overview four ways: counted for its first view (a new app each
    time, nothing counted before), the first view after the start's count, served while its numbers
    are under a minute old, and served with the clock moved past that minute each time, so that every
    view starts a recount beside the next one."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    settings = Settings(_env_file=None, DATABASE_URL=url, ECOACH_ADMIN_IDS=str(ORGANIZER), ECOACH_DATA_DIR=str(data_dir))
    clock = FrozenClock(NOW)
    async with sessions() as session:
        token = await redeem_link(
            session=session, token=await issue_link(session=session, telegram_id=ORGANIZER, now=NOW), locale="id", now=NOW
        )
        await session.commit()
    assert token is not None

    async def client(*, warmed: bool = False) -> httpx.AsyncClient:
        app = build_web(Web(settings=settings, texts=Texts(), clock=clock, sessions=sessions))
        if warmed:
            await app.state.warm()  # as `ecoach web` does when it starts
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard", cookies={COOKIE: token})

    async def timed(web: httpx.AsyncClient, path: str) -> float:
        started = time.perf_counter()
        answer = await web.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        return (time.perf_counter() - started) * 1000

    cohort = f"/angkatan/{cohort_id}"
    timings: dict[str, list[float]] = {
        "overview, first view, cold": [],
        "overview, first view after start": [],
        "overview, counted < 1 min ago": [],
        "overview, recounting": [],
        "cohort page": [],
        "cohort page, stalled": [],
    }
    for _ in range(runs):
        async with await client() as fresh:
            timings["overview, first view, cold"].append(await timed(fresh, "/"))
        async with await client(warmed=True) as started:
            timings["overview, first view after start"].append(await timed(started, "/"))
    async with await client() as web:
        await timed(web, "/")
        for _ in range(runs):
            timings["overview, counted < 1 min ago"].append(await timed(web, "/"))
            timings["cohort page"].append(await timed(web, cohort))
            timings["cohort page, stalled"].append(await timed(web, f"{cohort}?status=stalled"))
        for _ in range(runs):
            clock.advance(timedelta(seconds=61))
            timings["overview, recounting"].append(await timed(web, "/"))
            await asyncio.sleep(0.05)  # a person reads the page: the recount runs on meanwhile
    await engine.dispose()
    return timings


def run(label: str, url: str, cohorts: int, per_cohort: int, runs: int) -> None:
    upgrade(url)
    started = time.perf_counter()
    ids = asyncio.run(seed(url, cohorts, per_cohort))
    print(f"{label}: seeded {cohorts} cohorts of {per_cohort} alumnae in {time.perf_counter() - started:.0f} s", flush=True)
    for name, values in asyncio.run(measure(url, ids[0], runs, Path(tempfile.mkdtemp()))).items():
        print(f"  {name:34} p50 {statistics.median(values):7.1f} ms   p99 {percentile(values, 0.99):7.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohorts", type=int, default=10)
    parser.add_argument("--per-cohort", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", help=POSTGRES_HELP)
    args = parser.parse_args()
    print("target: under 300 ms each, server-side", flush=True)
    run("SQLite", f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}", args.cohorts, args.per_cohort, args.runs)
    if args.postgres:
        with throwaway_postgres(args.postgres) as url:
            run("PostgreSQL", url, args.cohorts, args.per_cohort, args.runs)


if __name__ == "__main__":
    main()
