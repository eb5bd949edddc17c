"""The workers on PostgreSQL through a restart or a failover: still rung when any process stores an
update after the server dropped the connection that listens, and still taking updates once the
database is back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.webhook import Doorbell, work
from db import inbox
from db.engine import create_engine, session_factory
from tests.support.bots import PG_URL, InProcessBot, database_outage

pytestmark = pytest.mark.skipif(not PG_URL, reason="LISTEN and NOTIFY are PostgreSQL's; on SQLite only this process stores")

LISTENING = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")


async def store(engine: AsyncEngine, update_id: int) -> None:
    async with session_factory(engine)() as session:
        payload = {"update_id": update_id, "message": {"chat": {"id": 7}, "text": "halo"}}
        assert await inbox.store(session=session, bot_id=1, payload=payload, now=datetime.now(UTC))
        await session.commit()


async def rung(rings: asyncio.Queue[None]) -> None:
    async with asyncio.timeout(10):
        await rings.get()


async def test_the_workers_are_rung_again_after_the_server_drops_the_listening_connection(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox, "RELISTEN_FIRST", 0.05)
    engine = create_engine(database_url)
    rings: asyncio.Queue[None] = asyncio.Queue()
    listener = await inbox.listen(engine, lambda: rings.put_nowait(None))
    assert listener is not None
    try:
        await store(engine, 1)
        await rung(rings)
        async with engine.connect() as connection:  # the server ends the listening session, as a restart would
            listening = (await connection.execute(LISTENING)).scalars().all()
            assert len(listening) == 1
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listening[0]})
        await rung(rings)  # listening again: one ring, for what came while nobody listened
        async with engine.connect() as connection:
            again = (await connection.execute(LISTENING)).scalars().all()
        assert len(again) == 1 and again != listening
        await store(engine, 2)
        await rung(rings)  # and the next update stored rings, as before the drop
        await asyncio.sleep(0.2)
        assert rings.empty()  # one ring each, none from the drop itself
    finally:
        await listener.close()
        await engine.dispose()


async def test_a_worker_takes_updates_again_once_the_database_is_back(
    bot: InProcessBot, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A restart of PostgreSQL must not leave a worker process up but taking nothing, which no
    service manager would notice."""
    name = make_url(database_url).database
    stop = asyncio.Event()
    worker = asyncio.create_task(work(bot.app, stop, Doorbell(1)))
    try:
        await database_outage(name, down=True)
        for _ in range(100):  # its next look for work, within a second, finds the database away
            if any("could not take" in record.getMessage() for record in caplog.records):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)  # and it looked again, at least once
        assert [r.getMessage() for r in caplog.records if "could not take" in r.getMessage()] == [
            "inbox: could not take the next update (DBAPIError); looking again every 1 s"
        ]  # said once, not once a second
        assert not worker.done()
        await database_outage(name, down=False)
        user = bot.double.user(4242, "Sari")
        async with bot.app.runtime.open_session() as session:
            await inbox.store(session=session, bot_id=bot.app.bot.id, payload=user.send("/bantuan"), now=bot.clock.now())
            await session.commit()
        reply = await asyncio.to_thread(user.next_message, 10)
        assert "Bantuan" in reply.text
    finally:
        stop.set()
        await asyncio.wait_for(worker, 5)
