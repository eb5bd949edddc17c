"""Talking to the real `ecoach run` process over HTTP: say and tap, read the database, seed it, wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import SystemClock
from db.cohorts import create_cohort
from db.engine import create_engine, session_factory
from db.models import Cohort
from devtools.double import FakeUser, Sent
from tests.support.inprocess import PAP, PROFILE, SMART

T = TypeVar("T")


def bot_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a real bot process in a test. Weekly tips are off: a tip falling due would
    interleave with what a test reads."""
    return {
        "DATABASE_URL": database_url,
        "ECOACH_DATA_DIR": str(tmp_path / "data"),
        "ECOACH_SWEEP_SECONDS": "1",
        "ECOACH_WEEKLY_TIPS": "false",
        "ECOACH_ADMIN_IDS": "900001",
        **extra,
    }


def query(database_url: str, statement: Any) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            rows = list((await session.execute(statement)).all())
        await engine.dispose()
        return rows

    return asyncio.run(run())


def say(user: FakeUser, text: str) -> Sent:
    user.send(text)
    return user.next_message()


def tap(user: FakeUser, label: str) -> Sent:
    user.press(label)
    return user.next_message()


def answer_until_milestones(user: FakeUser, code: str, *, english: bool = False) -> None:
    assert ("Personal Data Protection" if english else "UU 27/2022") in say(user, f"/start {code}").text
    tap(user, "I agree" if english else "Saya setuju")
    say(user, PROFILE[0])
    tap(user, "Call me Sari" if english else "Panggil saya Sari")
    for answer in PROFILE[1:]:
        say(user, answer)
    tap(user, "Functional" if english else "Pengawas")
    tap(user, "WIB")
    for answer in PAP + SMART:
        say(user, answer)
    reply = tap(user, "Use" if english else "Pakai")
    assert ("milestone 1" if english else "tahapan 1") in reply.text


def finish_from_milestones(user: FakeUser, *, english: bool = False) -> Sent:
    tap(user, "Done" if english else "Selesai")
    tap(user, "Friday" if english else "Jumat")
    summary = tap(user, "15.00")
    assert ("Check your answers" if english else "Periksa kembali") in summary.text
    return tap(user, "Save" if english else "Simpan")


def new_cohort(database_url: str, name: str, training_end: date = date(2026, 2, 1), months: int = 3) -> Cohort:
    """A cohort made straight in the database."""
    return run(
        database_url,
        lambda session: create_cohort(session=session, name=name, training_end=training_end, months=months, now=SystemClock().now()),
    )


def new_cohort_code(database_url: str, name: str) -> str:
    """A cohort made straight in the database; its alumni invite code."""
    return new_cohort(database_url, name).alumni_code


def run(database_url: str, make: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def inner() -> T:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            result = await make(session)
            await session.commit()
        await engine.dispose()
        return result

    return asyncio.run(inner())


def wait_until(predicate: Callable[[], object], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
