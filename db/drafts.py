"""Drafts of conversations in progress: saved at every step, at most one active per person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Draft

# The code of the one flow whose draft means she is still joining: onboarding. It pauses instead of
# ending on /batal, and every "not enrolled" answer tells her to finish it.
ONBOARDING_FLOW = "ob"


async def active_draft(*, session: AsyncSession, telegram_id: int) -> Draft | None:
    return await session.scalar(select(Draft).where(Draft.telegram_id == telegram_id, Draft.paused.is_(False)))


async def find_draft(*, session: AsyncSession, telegram_id: int, flow: str) -> Draft | None:
    return await session.scalar(select(Draft).where(Draft.telegram_id == telegram_id, Draft.flow == flow))


async def open_draft(
    *, session: AsyncSession, telegram_id: int, flow: str, step: str, data: dict[str, Any], locale: str | None, now: datetime
) -> Draft:
    """Start `flow` afresh (replacing an old draft of it) and pause any other conversation."""
    await pause_drafts(session=session, telegram_id=telegram_id)
    await session.execute(delete(Draft).where(Draft.telegram_id == telegram_id, Draft.flow == flow))
    draft = Draft(telegram_id=telegram_id, flow=flow, step=step, data=data, locale=locale, paused=False, updated_at=now)
    session.add(draft)
    await session.flush()
    return draft


async def resume_draft(*, session: AsyncSession, draft: Draft, now: datetime) -> None:
    await pause_drafts(session=session, telegram_id=draft.telegram_id)
    draft.paused = False
    draft.updated_at = now


async def pause_drafts(*, session: AsyncSession, telegram_id: int) -> None:
    await session.execute(update(Draft).where(Draft.telegram_id == telegram_id, Draft.paused.is_(False)).values(paused=True))


async def has_draft(*, session: AsyncSession, telegram_id: int) -> bool:
    """Whether she is in the middle of a conversation (onboarding, a rater's questions)."""
    return await session.scalar(select(Draft.id).where(Draft.telegram_id == telegram_id).limit(1)) is not None


async def stored_draft_locale(*, session: AsyncSession, telegram_id: int) -> str | None:
    """The language chosen during a conversation, before she has a profile."""
    return await session.scalar(
        select(Draft.locale).where(Draft.telegram_id == telegram_id, Draft.locale.is_not(None)).order_by(Draft.updated_at.desc()).limit(1)
    )
