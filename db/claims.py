"""Claiming a scheduled row exactly once at a time, on SQLite and PostgreSQL, by one process or several.

A claim is a lease: the row moves to its sending status with `lease_until` set. A process that dies
before recording the outcome leaves the row claimed; once its lease has run out, the next sweep may
claim it again and send it again (at least once). Rows being sent stay claimable only then.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SendStatus


def lease_expired(model: Any, now: datetime) -> ColumnElement[bool]:
    """The row's lease is gone: never set, or run out."""
    return or_(model.lease_until.is_(None), model.lease_until <= now)


async def claim(
    *,
    session: AsyncSession,
    model: Any,
    row_id: int,
    from_status: enum.Enum,
    to_status: enum.Enum,
    expired_at: datetime | None = None,
    **values: Any,
) -> bool:
    """Move one row from `from_status` to `to_status`; False when another sweep got there first.

    With `expired_at`, only a row whose lease has run out by then is taken: two sweeps that both saw
    an expired lease cannot both renew it. The conditional UPDATE is the guarantee on both databases;
    PostgreSQL's SKIP LOCKED in the candidate query only keeps sweeps from queueing behind one row.
    """
    condition = [model.id == row_id, model.status == from_status]
    if expired_at is not None:
        condition.append(lease_expired(model, expired_at))
    result = await session.execute(
        update(model)
        .where(*condition)
        .values(status=to_status, **values)
        .execution_options(synchronize_session="evaluate")  # a loaded row sees its new status
    )
    return cast("CursorResult[Any]", result).rowcount == 1


async def hold_for_sending(*, session: AsyncSession, row: Any, now: datetime, lease: timedelta) -> bool:
    """Claim a due reminder row (pending, or sending with its lease run out) for this sweep's send.
    False, with the session rolled back, when another process took it first."""
    held = await claim(
        session=session, model=type(row), row_id=row.id, from_status=row.status, to_status=SendStatus.SENDING,
        expired_at=now, lease_until=now + lease,
    )  # fmt: skip
    if not held:
        await session.rollback()
    return held
