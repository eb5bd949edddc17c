"""The webhook inbox: updates stored before Telegram gets its 200, taken by workers one chat at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from db.claims import lease_expired
from db.engine import dialect_insert, on_postgres
from db.models import InboxStatus, InboxUpdate

MAX_ATTEMPTS = 3  # an update that took its worker down this often is a dead letter, not a retry
CHANNEL = "ecoach_inbox"  # PostgreSQL's NOTIFY channel: an update was stored, workers in any process wake
RELISTEN_FIRST, RELISTEN_MOST = 1.0, 30.0  # seconds before listening again after a dropped connection, doubling

log = logging.getLogger(__name__)


def chat_key(payload: dict[str, Any]) -> int:
    """Whose updates must stay in order: the chat's id, else the user's (a poll answer), else 0."""
    for value in payload.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
            for who in ("from", "user"):
                person = value.get(who)
                if isinstance(person, dict) and isinstance(person.get("id"), int):
                    return int(person["id"])
    return 0


async def store(*, session: AsyncSession, bot_id: int, payload: dict[str, Any], now: datetime) -> bool:
    """Keep the update; False when it was already kept (Telegram sent it again). On PostgreSQL the
    workers listening are told at the commit."""
    insert = dialect_insert(session)
    result = await session.execute(
        insert(InboxUpdate)
        .values(
            bot_id=bot_id, update_id=int(payload["update_id"]), chat_key=chat_key(payload), payload=payload,
            status=InboxStatus.PENDING, attempts=0, received_at=now,
        )
        .on_conflict_do_nothing()
    )  # fmt: skip
    if on_postgres(session):
        await session.execute(text(f"NOTIFY {CHANNEL}"))  # delivered at the commit, never before
    return cast("CursorResult[Any]", result).rowcount == 1


class Listener:
    """PostgreSQL's LISTEN on a connection of its own, kept up: when the server drops it (a restart, a
    failover, an idle-session timeout) it listens again on a new one, and rings once on its return for
    what was stored while nobody listened. In the gap the workers still look every idle wait."""

    def __init__(self, engine: AsyncEngine, on_arrival: Callable[[], None]) -> None:
        self._engine, self._on_arrival = engine, on_arrival
        self._connection: AsyncConnection | None = None
        self._keeping: asyncio.Task[None] | None = None

    async def start(self) -> None:
        lost = await self._connect()
        self._keeping = asyncio.create_task(self._keep(lost))

    async def close(self) -> None:
        if self._keeping is not None:
            self._keeping.cancel()
            await asyncio.gather(self._keeping, return_exceptions=True)
        if self._connection is not None:
            await self._connection.invalidate()  # closed, not pooled: it would keep listening

    async def _connect(self) -> asyncio.Event:
        """Listen on a new connection; the event is set when the server drops it."""
        connection = await self._engine.connect()
        try:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            lost = asyncio.Event()
            driver.add_termination_listener(lambda *_: lost.set())
            await driver.add_listener(CHANNEL, lambda *_: self._on_arrival())
        except BaseException:
            await connection.invalidate()
            raise
        self._connection = connection
        return lost

    async def _keep(self, lost: asyncio.Event) -> None:
        while True:
            await lost.wait()
            log.warning("inbox: the LISTEN connection was dropped; listening again")
            if self._connection is not None:
                await self._connection.invalidate()  # not back into the pool: it is gone
                self._connection = None
            delay = RELISTEN_FIRST
            while True:
                await asyncio.sleep(delay)
                try:
                    lost = await self._connect()
                    break
                except Exception as exc:  # noqa: BLE001 - whatever kept it from listening, try again later
                    delay = min(delay * 2, RELISTEN_MOST)
                    log.warning("inbox: LISTEN failed again (%s); next try in %.0f s", type(exc).__name__, delay)
            self._on_arrival()


async def listen(engine: AsyncEngine, on_arrival: Callable[[], None]) -> Listener | None:
    """Call `on_arrival` whenever any process stores an update, until the listener is closed; None
    on SQLite, where only this process stores."""
    if engine.dialect.name != "postgresql":
        return None
    listener = Listener(engine, on_arrival)
    await listener.start()
    return listener


@dataclass(frozen=True)
class Taken:
    """An inbox update a worker holds under its lease."""

    id: int
    update_id: int
    payload: dict[str, Any]
    attempts: int


async def claim_next(*, session: AsyncSession, bot_id: int, now: datetime, lease: timedelta) -> Taken | None:
    """The oldest update no worker holds whose chat has no earlier update waiting or being handled;
    held under a lease, so a worker that dies gives it back. One statement: an UPDATE of the row a
    SKIP LOCKED subquery picks, returning it."""
    takeable = or_(
        InboxUpdate.status == InboxStatus.PENDING, and_(InboxUpdate.status == InboxStatus.HANDLING, lease_expired(InboxUpdate, now))
    )
    earlier = aliased(InboxUpdate)
    blocked = exists().where(
        earlier.bot_id == InboxUpdate.bot_id,
        earlier.chat_key == InboxUpdate.chat_key,
        earlier.id < InboxUpdate.id,
        earlier.status.in_((InboxStatus.PENDING, InboxStatus.HANDLING)),
    )
    candidate = (
        select(InboxUpdate.id)
        .where(InboxUpdate.bot_id == bot_id, takeable, ~blocked)
        .order_by(InboxUpdate.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    taken = await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.id == candidate, takeable)  # again: a worker that took it first leaves nothing here
        .values(status=InboxStatus.HANDLING, lease_until=now + lease, attempts=InboxUpdate.attempts + 1)
        .returning(InboxUpdate.id, InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.attempts)
    )
    row = taken.first()
    return None if row is None else Taken(id=row.id, update_id=row.update_id, payload=row.payload, attempts=row.attempts)


async def finish(*, session: AsyncSession, row_id: int, status: InboxStatus, now: datetime) -> None:
    """Record the outcome; a handled update keeps its id (against Telegram's redelivery), not its content:
    what people wrote is not kept in the inbox once it is handled."""
    values: dict[str, Any] = {"status": status, "lease_until": None, "handled_at": now}
    if status == InboxStatus.DONE:
        values["payload"] = {}
    await session.execute(update(InboxUpdate).where(InboxUpdate.id == row_id).values(**values))
