"""Claiming a scheduled row exactly once, on SQLite and PostgreSQL, by one process or several."""

from __future__ import annotations

import enum
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession


async def claim(*, session: AsyncSession, model: Any, row_id: int, from_status: enum.Enum, to_status: enum.Enum, **values: Any) -> bool:
    """Move one row from `from_status` to `to_status`; False when another sweep got there first.

    The conditional UPDATE is the guarantee on both databases; PostgreSQL's SKIP LOCKED in the
    candidate query only keeps two sweeps from queueing behind the same row.
    """
    result = await session.execute(
        update(model)
        .where(model.id == row_id, model.status == from_status)
        .values(status=to_status, **values)
        .execution_options(synchronize_session="evaluate")  # a loaded row sees its new status
    )
    return cast("CursorResult[Any]", result).rowcount == 1
