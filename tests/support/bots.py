"""The bot as tests hold it: its token, the PostgreSQL switch, and the real Application fed in-process."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url
from telegram import Update

from bot.app import EcoachApplication, build_application, post_init, post_shutdown
from bot.kernel.clock import FrozenClock
from bot.kernel.settings import Settings
from devtools.double import BotApiDouble, DoubleRequest

PG_URL = os.environ.get("ECOACH_TEST_DATABASE_URL")
TOKEN = "7000001:TEST-" + "x" * 30  # fixed so a test can search logs for it


async def pg_admin(sql: str) -> None:
    """Run `sql` as the PostgreSQL server's operator, from outside any test's database."""
    assert PG_URL is not None
    connection = await asyncpg.connect(make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def database_outage(database: str, *, down: bool) -> None:
    """Take a test's PostgreSQL database away (refuse new connections, end the open ones), or give it back."""
    if down:
        await pg_admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await pg_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'")
    else:
        await pg_admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


@dataclass
class InProcessBot:
    """The real Application, fed updates from the double without HTTP."""

    app: EcoachApplication
    double: BotApiDouble
    clock: FrozenClock
    _offset: int = 0

    async def run_pending(self) -> int:
        """Process every update the double's users have sent so far; return how many."""
        status, body = self.double.call(TOKEN, "getUpdates", {"offset": self._offset, "timeout": 0})
        assert status == 200, body
        for data in body["result"]:
            await self.app.process_update(Update.de_json(data, self.app.bot))
            self._offset = data["update_id"] + 1
        return len(body["result"])


@asynccontextmanager
async def running(settings: Settings, double: BotApiDouble, clock: FrozenClock) -> AsyncIterator[InProcessBot]:
    """The real Application with `settings`, started as `ecoach run` starts it, and shut down after."""
    app = build_application(settings, clock=clock, request=DoubleRequest(double))
    await app.initialize()
    await post_init(app)
    try:
        yield InProcessBot(app, double, clock)
    finally:
        await post_shutdown(app)
        await app.shutdown()
