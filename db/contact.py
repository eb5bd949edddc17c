"""The coaching thread: what she asks her cohort's coaches, and what they answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import CoachingMessage

THREAD_SHOWN = 6


async def save_message(*, session: AsyncSession, person_id: int, text: str, now: datetime, coach_id: int | None = None) -> CoachingMessage:
    """Her message (no coach), or a coach's reply to her."""
    message = CoachingMessage(person_id=person_id, coach_id=coach_id, from_coach=coach_id is not None, text=text, created_at=now)
    session.add(message)
    await session.flush()
    return message


async def thread(*, session: AsyncSession, person_id: int, limit: int | None = THREAD_SHOWN) -> list[CoachingMessage]:
    """The latest messages of her thread, oldest first."""
    query = (
        select(CoachingMessage)
        .where(CoachingMessage.person_id == person_id)
        .options(selectinload(CoachingMessage.coach))
        .order_by(CoachingMessage.created_at.desc(), CoachingMessage.id.desc())
    )
    rows = list(await session.scalars(query.limit(limit) if limit else query))
    return list(reversed(rows))
