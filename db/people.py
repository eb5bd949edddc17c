"""Person services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Person


async def person_by_telegram_id(*, session: AsyncSession, telegram_id: int) -> Person | None:
    return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def stored_locale(*, session: AsyncSession, telegram_id: int) -> str | None:
    """The locale a person chose, or None if the bot has not stored her."""
    return await session.scalar(select(Person.locale).where(Person.telegram_id == telegram_id))
