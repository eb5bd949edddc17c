"""Broadcasts and their outbox: audiences, tip rotation, events, quiz answers, and claiming batches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.claims import lease_expired
from db.models import (
    Broadcast,
    BroadcastKind,
    CopChat,
    Delivery,
    DeliveryStatus,
    Event,
    Membership,
    Person,
    QuizAnswer,
    QuizPoll,
    Role,
    TipWeek,
)

ANNOUNCEMENTS = (BroadcastKind.EVENT, BroadcastKind.JOB, BroadcastKind.TALENT_POOL, BroadcastKind.GENERAL)


def _reachable_alumnae(cohort_id: int | None, *, tips_only: bool) -> Select[int, int]:
    """Active, consenting alumnae of a cohort (or of every cohort); tips go to subscribers only."""
    alumna = exists().where(Membership.person_id == Person.id, Membership.role == Role.ALUMNI)
    if cohort_id is not None:
        alumna = exists().where(Membership.person_id == Person.id, Membership.role == Role.ALUMNI, Membership.cohort_id == cohort_id)
    query = select(Person.id, Person.telegram_id).where(Person.active, Person.consent_at.is_not(None), alumna)
    return query.where(Person.tips_on) if tips_only else query


async def create_broadcast(
    *,
    session: AsyncSession,
    kind: BroadcastKind,
    cohort_id: int | None,
    now: datetime,
    due_at: datetime | None = None,
    title: str | None = None,
    body: str | None = None,
    tip_slug: str | None = None,
    event_id: int | None = None,
    created_by: int | None = None,
) -> Broadcast:
    """A broadcast with one pending delivery per recipient; the whole community also reaches the CoP chats."""
    broadcast = Broadcast(
        kind=kind, cohort_id=cohort_id, title=title, body=body, tip_slug=tip_slug, event_id=event_id, created_by=created_by, created_at=now
    )
    session.add(broadcast)
    await session.flush()
    recipients = [
        (pid, tid) for pid, tid in (await session.execute(_reachable_alumnae(cohort_id, tips_only=kind == BroadcastKind.TIP))).all()
    ]
    rows = [
        dict(broadcast_id=broadcast.id, person_id=pid, chat_id=tid, status=DeliveryStatus.PENDING, attempts=0, due_at=due_at or now)
        for pid, tid in recipients
    ]
    if cohort_id is None and kind != BroadcastKind.EVENT_REMINDER:
        rows += [
            dict(
                broadcast_id=broadcast.id, person_id=None, chat_id=chat_id, status=DeliveryStatus.PENDING, attempts=0, due_at=due_at or now
            )
            for chat_id in await session.scalars(select(CopChat.chat_id))
        ]
    if rows:
        await session.execute(insert(Delivery), rows)
    return broadcast


async def claim_batch(*, session: AsyncSession, now: datetime, size: int, lease: timedelta) -> list[Delivery]:
    """Claim up to `size` due deliveries under a lease: pending ones, and those a dead process left in
    SENDING. A concurrent sweep can never claim the same ones while the lease holds."""
    due = or_(
        and_(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now),
        and_(Delivery.status == DeliveryStatus.SENDING, lease_expired(Delivery, now)),
    )
    candidates = select(Delivery.id).where(due).order_by(Delivery.due_at, Delivery.id).limit(size).with_for_update(skip_locked=True)
    claimed = list(
        await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(candidates.scalar_subquery()), due)
            .values(status=DeliveryStatus.SENDING, attempts=Delivery.attempts + 1, lease_until=now + lease)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return []
    rows = await session.scalars(
        select(Delivery)
        .where(Delivery.id.in_(claimed))
        .order_by(Delivery.id)
        .options(selectinload(Delivery.broadcast).selectinload(Broadcast.event), selectinload(Delivery.person))
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def settle(
    *, session: AsyncSession, delivery_id: int, status: DeliveryStatus, now: datetime, retry_at: datetime | None = None, stage: int = 0
) -> None:
    """Record what became of a claimed delivery; `stage` 1 keeps it pending for its quiz only."""
    values: dict[str, object] = {"status": status, "lease_until": None, "stage": stage}
    if status == DeliveryStatus.SENT:
        values["sent_at"] = now
    if status == DeliveryStatus.PENDING and retry_at is not None:
        values["due_at"] = retry_at
    await session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.SENDING).values(**values))


async def stop_sending_to(*, session: AsyncSession, person_id: int) -> None:
    """She blocked the bot: inactive, and her pending deliveries are dropped as blocked."""
    await session.execute(update(Person).where(Person.id == person_id).values(active=False))
    await session.execute(
        update(Delivery)
        .where(Delivery.person_id == person_id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.BLOCKED)
    )


@dataclass(frozen=True)
class BroadcastStatus:
    broadcast: Broadcast
    counts: dict[DeliveryStatus, int]


async def recent_broadcasts(*, session: AsyncSession, cohort_ids: list[int] | None, limit: int = 5) -> list[BroadcastStatus]:
    """Latest broadcasts with their delivery counts; `cohort_ids` None means all (organizers). A coach's
    view leaves out community-wide ones: their counts span every cohort."""
    query = select(Broadcast).order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)
    if cohort_ids is not None:
        query = query.where(Broadcast.cohort_id.in_(cohort_ids))
    broadcasts = list(await session.scalars(query))
    counts: dict[int, dict[DeliveryStatus, int]] = {b.id: {s: 0 for s in DeliveryStatus} for b in broadcasts}
    for broadcast_id, status, count in (
        await session.execute(
            select(Delivery.broadcast_id, Delivery.status, func.count())
            .where(Delivery.broadcast_id.in_(list(counts)))
            .group_by(Delivery.broadcast_id, Delivery.status)
        )
    ).all():
        counts[broadcast_id][status] = count
    return [BroadcastStatus(b, counts[b.id]) for b in broadcasts]


async def next_tip(*, session: AsyncSession, slugs: list[str]) -> tuple[str, int]:
    """The next tip in rotation and its cycle: no repeat until every tip went out once."""
    cycle = await session.scalar(select(func.max(TipWeek.cycle))) or 1
    used = set(await session.scalars(select(TipWeek.slug).where(TipWeek.cycle == cycle)))
    remaining = [slug for slug in slugs if slug not in used]
    if not remaining:
        return slugs[0], cycle + 1
    return remaining[0], cycle


async def schedule_tip_week(*, session: AsyncSession, week_year: int, week: int, slugs: list[str], now: datetime) -> Broadcast | None:
    """Create this week's tip broadcast once; None when the week already has one."""
    if await session.scalar(select(TipWeek.id).where(TipWeek.week_year == week_year, TipWeek.week == week)):
        return None
    slug, cycle = await next_tip(session=session, slugs=slugs)
    try:
        async with session.begin_nested():
            broadcast = await create_broadcast(session=session, kind=BroadcastKind.TIP, cohort_id=None, tip_slug=slug, now=now)
            session.add(TipWeek(week_year=week_year, week=week, slug=slug, cycle=cycle, broadcast_id=broadcast.id))
    except IntegrityError:  # another process scheduled this week at the same moment
        return None
    return broadcast


async def upcoming_events(*, session: AsyncSession, cohort_ids: list[int] | None, now: datetime, limit: int = 10) -> list[Event]:
    query = select(Event).where(Event.starts_at >= now).order_by(Event.starts_at).limit(limit)
    if cohort_ids is not None:
        query = query.where(Event.cohort_id.in_(cohort_ids) | Event.cohort_id.is_(None))
    return list(await session.scalars(query))


async def record_quiz_answer(*, session: AsyncSession, poll_id: str, telegram_id: int, option: int, now: datetime) -> bool:
    """Store her answer to a tip quiz; False for an unknown poll, another person's poll, or a repeat."""
    poll = await session.scalar(select(QuizPoll).where(QuizPoll.poll_id == poll_id))
    person_id = await session.scalar(select(Person.id).where(Person.telegram_id == telegram_id))
    if poll is None or person_id is None or poll.person_id != person_id:
        return False
    try:
        async with session.begin_nested():
            session.add(
                QuizAnswer(poll_id=poll_id, person_id=person_id, option=option, correct=option == poll.correct_option, answered_at=now)
            )
    except IntegrityError:
        return False
    return True
