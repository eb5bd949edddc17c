"""The web dashboard's doors: one-time login links, browser sessions, and who may see which cohort.

A link or session token is 32 random bytes shown once; only its SHA-256 is stored, so a copy of the
database opens nothing. A link opens one session, once, within LINK_LIFETIME; a session lasts
SESSION_LIFETIME unless logged out. Organizers (ECOACH_ADMIN_IDS) see every cohort, a coach only
those she coaches, and nobody else gets a link at all.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import record
from db.coaching import coached_cohorts
from db.models import AuditAction, Cohort, WebLogin, WebSession

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Viewer:
    """Who is looking: an organizer sees every cohort; a coach only `cohort_ids`."""

    telegram_id: int
    organizer: bool
    cohort_ids: frozenset[int]
    locale: str
    session_id: int

    def may_see(self, cohort_id: int) -> bool:
        return self.organizer or cohort_id in self.cohort_ids


async def may_log_in(*, session: AsyncSession, telegram_id: int, organizers: frozenset[int]) -> bool:
    return telegram_id in organizers or bool(await coached_cohorts(session=session, telegram_id=telegram_id))


async def issue_link(*, session: AsyncSession, telegram_id: int, now: datetime) -> str:
    """A new one-time login token for her; the caller checked `may_log_in`."""
    token = secrets.token_urlsafe(32)
    session.add(WebLogin(token_hash=_hash(token), telegram_id=telegram_id, created_at=now, expires_at=now + LINK_LIFETIME))
    return token


async def redeem_link(*, session: AsyncSession, token: str, locale: str, now: datetime) -> str | None:
    """Spend a login link: a new session token, or None when the link is unknown, used or expired.

    One UPDATE … WHERE used_at IS NULL marks it, so two browsers opening the same link at once get
    one session between them."""
    spent = await session.execute(
        update(WebLogin)
        .where(WebLogin.token_hash == _hash(token), WebLogin.used_at.is_(None), WebLogin.expires_at > now)
        .values(used_at=now)
        .returning(WebLogin.telegram_id)
    )
    telegram_id = spent.scalar_one_or_none()
    if telegram_id is None:
        return None
    session_token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_hash(session_token), telegram_id=telegram_id, locale=locale, created_at=now, expires_at=now + SESSION_LIFETIME
        )
    )
    await record(session=session, action=AuditAction.WEB_LOGIN, actor=telegram_id, now=now)
    return session_token


async def viewer(*, session: AsyncSession, token: str, organizers: frozenset[int], now: datetime) -> Viewer | None:
    """The person behind a session token, with what she may see today; None when it ended.

    Her rights are read on every request, so a coach revoked a minute ago sees nothing more."""
    row = await session.scalar(
        select(WebSession).where(WebSession.token_hash == _hash(token), WebSession.ended_at.is_(None), WebSession.expires_at > now)
    )
    if row is None:
        return None
    organizer = row.telegram_id in organizers
    cohorts = frozenset(c.id for c in await coached_cohorts(session=session, telegram_id=row.telegram_id))
    if not organizer and not cohorts:
        return None
    return Viewer(telegram_id=row.telegram_id, organizer=organizer, cohort_ids=cohorts, locale=row.locale, session_id=row.id)


async def end_session(*, session: AsyncSession, session_id: int, now: datetime) -> None:
    await session.execute(update(WebSession).where(WebSession.id == session_id).values(ended_at=now))


async def set_locale(*, session: AsyncSession, session_id: int, locale: str) -> None:
    await session.execute(update(WebSession).where(WebSession.id == session_id).values(locale=locale))


async def visible_cohorts(*, session: AsyncSession, who: Viewer, archived: bool = False) -> list[Cohort]:
    """The cohorts she may see, newest first: the current ones, or (`archived`) those put away."""
    query = select(Cohort).where(Cohort.archived_at.is_not(None) if archived else Cohort.archived_at.is_(None))
    query = query.order_by(Cohort.training_end.desc(), Cohort.id.desc())
    if not who.organizer:
        query = query.where(Cohort.id.in_(who.cohort_ids))
    return list(await session.scalars(query))
