"""Fixtures: a fresh migrated database per test, the Bot API double, the bot in-process and live."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.clock import FrozenClock
from bot.kernel.settings import Settings
from db.engine import create_engine, session_factory
from db.migrate import upgrade
from db.models import Cohort
from devtools.double import BotApiDouble, DoubleServer
from devtools.process import BotProcess
from tests.support.bots import PG_URL, TOKEN, InProcessBot, pg_admin, running
from tests.support.live import bot_env, new_cohort


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per run; each test then gets a copy of this template."""
    if PG_URL:
        name = f"ecoach_tpl_{secrets.token_hex(4)}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield name
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{path}")
        yield str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test: SQLite by default, PostgreSQL in CI."""
    if PG_URL:
        name = f"ecoach_t_{secrets.token_hex(6)}"
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{database_template}"'))
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path / "ecoach.sqlite3"
        shutil.copyfile(database_template, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))  # a Monday, 10:00 WIB


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        TELEGRAM_BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        ECOACH_DATA_DIR=str(tmp_path / "data"),
        ECOACH_ADMIN_IDS="900001",
        ECOACH_SEND_RATE=0,  # in-process tests need not keep Telegram's pace; the live process and bench/ do
        ECOACH_UPDATES_PER_MINUTE=0,  # tests type faster than any person; tests/test_throttle.py turns it on
    )


@pytest.fixture
def double() -> BotApiDouble:
    return BotApiDouble(TOKEN)


@pytest.fixture
async def bot(settings: Settings, double: BotApiDouble, clock: FrozenClock) -> AsyncIterator[InProcessBot]:
    async with running(settings, double, clock) as bot:
        yield bot


@pytest.fixture
def api_server(double: BotApiDouble) -> Iterator[DoubleServer]:
    with DoubleServer(double) as server:
        yield server


@pytest.fixture
def live_bot(api_server: DoubleServer, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    """The real `ecoach run` process, polling the double over loopback HTTP."""
    process = BotProcess(api_server.double, api_server.url, bot_env(database_url, tmp_path), tmp_path / "bot.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def cohort(database_url: str) -> Cohort:
    """One cohort, stored before the bot process starts."""
    return new_cohort(database_url, "Angkatan I 2026", training_end=date(2026, 2, 20), months=6)


@pytest.fixture(autouse=True)
def no_bot_outlives_its_test() -> Iterator[None]:
    """A test that fails before stopping its bot process would leave it polling (and using CPU) for
    the rest of the run: whatever is still running after the test's own teardown is stopped."""
    yield
    BotProcess.stop_all()


@pytest.fixture(scope="session", autouse=True)
def no_token_in_any_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the whole run: every log the real bot process wrote is searched for the token."""
    yield
    logs = list(tmp_path_factory.getbasetemp().rglob("*.log"))
    leaked = [str(path) for path in logs if TOKEN.split(":", 1)[1] in path.read_text(errors="replace")]
    print(f"\nsecret scan: {len(logs)} bot logs searched, token found in {len(leaked)}")
    assert not leaked, f"the bot token appears in {leaked}"
