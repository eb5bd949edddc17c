"""The notice outbox: single messages queued in the transaction that caused them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.claims import lease_expired
from db.models import Notice, SendStatus

KEEP_SENT = timedelta(days=7)  # a sent notice's text is not kept longer than needed


@dataclass(frozen=True)
class Later:
    """A notice owed later (a session's reminder): when it is due, what may withdraw it, until when it helps."""

    due_at: datetime
    topic: str | None = None
    expires_at: datetime | None = None


async def enqueue(
    *,
    session: AsyncSession,
    chat_id: int,
    text: str,
    markup: dict[str, Any] | None,
    about_id: int | None,
    now: datetime,
    later: Later | None = None,
    attachment: tuple[str, str] | None = None,
) -> Notice:
    """Queue a notice, due now or `later`; `attachment` is a (file name, text) sent with it as a document."""
    notice = Notice(
        chat_id=chat_id, text=text, markup=markup, about_id=about_id, status=SendStatus.PENDING, attempts=0,
        due_at=later.due_at if later else now, topic=later.topic if later else None, expires_at=later.expires_at if later else None,
        attachment_name=attachment[0] if attachment else None, attachment=attachment[1] if attachment else None, created_at=now,
    )  # fmt: skip
    session.add(notice)
    await session.flush()
    return notice


async def withdraw(*, session: AsyncSession, topic: str) -> None:
    """Drop what is still pending under `topic`: a cancelled session's reminders, a done action's follow-up.
    One already claimed by a sender goes out: it was due."""
    await session.execute(delete(Notice).where(Notice.topic == topic, Notice.status == SendStatus.PENDING))


async def claim_due(
    *, session: AsyncSession, now: datetime, lease: timedelta, ids: list[int] | None = None, limit: int = 20
) -> list[Notice]:
    """Claim up to `limit` notices that are due, or whose sender died (lease run out); `ids` limits
    the claim to those."""
    if ids is None:  # the sweep's claim; an update's own notices are due now and never expire
        await session.execute(
            update(Notice)
            .where(Notice.status == SendStatus.PENDING, Notice.expires_at <= now)
            .values(status=SendStatus.SKIPPED)
            .execution_options(synchronize_session=False)
        )  # the bot was down past the moment it spoke of (an "in one hour" after the session began)
    due = or_(
        and_(Notice.status == SendStatus.PENDING, Notice.due_at <= now),
        and_(Notice.status == SendStatus.SENDING, lease_expired(Notice, now)),
    )
    candidates = select(Notice.id).where(due).order_by(Notice.due_at, Notice.id).limit(limit).with_for_update(skip_locked=True)
    if ids is not None:
        candidates = candidates.where(Notice.id.in_(ids))
    claimed = list(
        await session.scalars(
            update(Notice)
            .where(Notice.id.in_(candidates.scalar_subquery()), due)
            .values(status=SendStatus.SENDING, lease_until=now + lease, attempts=Notice.attempts + 1)
            .returning(Notice.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return []
    rows = await session.scalars(select(Notice).where(Notice.id.in_(claimed)).order_by(Notice.id).execution_options(populate_existing=True))
    return list(rows)


async def settle(*, session: AsyncSession, notice_id: int, status: SendStatus, now: datetime, retry_at: datetime | None = None) -> None:
    """Record the outcome of a send: sent, final (failed or skipped), or pending again at `retry_at`."""
    values: dict[str, Any] = {"status": status, "lease_until": None}
    if status == SendStatus.SENT:
        values["sent_at"] = now
    if status == SendStatus.PENDING and retry_at is not None:
        values["due_at"] = retry_at
    await session.execute(update(Notice).where(Notice.id == notice_id, Notice.status == SendStatus.SENDING).values(**values))


async def prune(*, session: AsyncSession, now: datetime) -> None:
    final = (SendStatus.SENT, SendStatus.FAILED, SendStatus.SKIPPED)
    await session.execute(delete(Notice).where(Notice.status.in_(final), Notice.created_at < now - KEEP_SENT))
