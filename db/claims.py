"""Claiming a scheduled row exactly once at a time, on SQLite and PostgreSQL, by one process or several.

A claim is a lease: the row moves to its sending status with `lease_until` set. A process that dies
before recording the outcome leaves the row claimed; once its lease has run out, the next sweep may
claim it again and send it again (at least once). Rows being sent stay claimable only then.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from db.models import SendStatus

R = TypeVar("R")
T = TypeVar("T")


def lease_expired(model: Any, now: datetime) -> ColumnElement[bool]:
    """The row's lease is gone: never set, or run out."""
    return or_(model.lease_until.is_(None), model.lease_until <= now)


async def claim(*, session: AsyncSession, model: Any, row_id: int, from_status: enum.Enum, to_status: enum.Enum, **values: Any) -> bool:
    """Move one row from `from_status` to `to_status`; False when another sweep got there first.

    The conditional UPDATE is the guarantee on both databases; PostgreSQL's SKIP LOCKED in the
    candidate query only keeps sweeps from queueing behind one row. A sweep's batch is held with
    `hold_all`, which also takes a row only while its lease has run out.
    """
    result = await session.execute(
        update(model)
        .where(model.id == row_id, model.status == from_status)
        .values(status=to_status, **values)
        .execution_options(synchronize_session="evaluate")  # a loaded row sees its new status
    )
    return cast("CursorResult[Any]", result).rowcount == 1


CLAIM_BATCH = 10  # rows a sweep claims in one statement: a third of a second at Telegram's pace


def due_or_held_by_the_dead(model: Any, now: datetime) -> ColumnElement[bool]:
    """A reminder row to send: pending and due, or left in SENDING by a process that died (lease run out)."""
    return or_(
        and_(model.status == SendStatus.PENDING, model.due_at <= now), and_(model.status == SendStatus.SENDING, lease_expired(model, now))
    )


async def hold_all(
    *,
    session: AsyncSession,
    rows: Sequence[Any],
    still_due: ColumnElement[bool],
    to_status: enum.Enum,
    now: datetime,
    lease: timedelta,
    **values: Any,
) -> list[Any]:
    """Claim a sweep's batch of `rows` (of one model) in one statement: `to_status` under a lease,
    with `values` (SQL expressions allowed). Only rows `still_due` are taken, so two sweeps that saw
    the same rows cannot both hold one; the rows held are returned, up to date."""
    if not rows:
        return []
    model, lease_until = type(rows[0]), now + lease
    taken = await session.execute(
        update(model)
        .where(model.id.in_([row.id for row in rows]), still_due)
        .values(status=to_status, lease_until=lease_until, **values)
        .returning(model.id, *(getattr(model, name) for name in values))
        .execution_options(synchronize_session=False)
    )
    stored = {row.id: row for row in taken}
    held = [row for row in rows if row.id in stored]
    for row in held:  # as stored: the loaded rows would otherwise be written again at the commit
        set_committed_value(row, "status", to_status)
        set_committed_value(row, "lease_until", lease_until)
        for name in values:
            set_committed_value(row, name, getattr(stored[row.id], name))
    return held


async def hold_for_sending(*, session: AsyncSession, rows: Sequence[Any], now: datetime, lease: timedelta) -> list[Any]:
    """Claim a sweep's batch of due reminder rows (pending and due, or left in SENDING by a dead
    process) for its sends; the rows held are returned."""
    if not rows:
        return []
    still_due = due_or_held_by_the_dead(type(rows[0]), now)
    return await hold_all(session=session, rows=rows, still_due=still_due, to_status=SendStatus.SENDING, now=now, lease=lease)


async def hold_due(
    open_session: Callable[[], AsyncSession],
    now: datetime,
    lease: timedelta,
    find: Callable[..., Awaitable[Sequence[R]]],
    settle: Callable[[AsyncSession, R, datetime], Awaitable[T | None]],
) -> list[T]:
    """The next batch of due reminder rows a sweep holds (SENDING, under a lease), in one transaction:
    `find(session=, now=)` gives the candidates, and `settle(session, row, now)` each held row, what
    to send or None when it needs no send (it settles the row itself). [] when none is due."""
    while True:
        async with open_session() as session:
            candidates = await find(session=session, now=now)
            if not candidates:
                return []
            ready = []
            for row in await hold_for_sending(session=session, rows=candidates, now=now, lease=lease):
                due = await settle(session, row, now)
                if due is not None:
                    ready.append(due)
            await session.commit()
        if ready:
            return ready
