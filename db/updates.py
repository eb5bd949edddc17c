"""Which Telegram updates were already applied, so a redelivered one is not applied twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ProcessedUpdate


async def claim_update(*, session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record the update in this transaction; False when it was applied before."""
    if await session.scalar(select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)):
        return False
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    return True
