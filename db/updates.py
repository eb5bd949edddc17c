"""Which Telegram updates were already applied, so a redelivered one is not applied twice."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProcessedUpdate


class Delivery(enum.Enum):
    FIRST = "first"  # apply it
    DONE = "done"  # applied and answered before: ignore it
    UNFINISHED = "unfinished"  # applied, but the process died before it finished answering


async def claim_update(*, session: AsyncSession, update_id: int, now: datetime) -> Delivery:
    """Record the update in this transaction, or tell how far an earlier delivery got.

    One INSERT ... ON CONFLICT DO NOTHING: a first delivery, nearly every update, costs one statement.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = await session.execute(
        dialect.insert(ProcessedUpdate).values(update_id=update_id, processed_at=now, completed=False).on_conflict_do_nothing()
    )
    if cast("CursorResult[Any]", inserted).rowcount == 1:
        return Delivery.FIRST
    completed = await session.scalar(select(ProcessedUpdate.completed).where(ProcessedUpdate.update_id == update_id))
    return Delivery.DONE if completed else Delivery.UNFINISHED


async def finish_update(*, session: AsyncSession, update_id: int) -> None:
    await session.execute(update(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id).values(completed=True))
