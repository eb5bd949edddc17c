"""Reflection reminders as rows: plan the next one, claim due ones exactly once, decide each."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Exists, and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.claims import CLAIM_BATCH, due_or_held_by_the_dead
from db.models import Membership, Person, Reflection, Reminder, ReminderKind, Role, SendStatus
from db.schedule import iso_week, next_slot, outside_quiet_hours, week_closes_at, week_opened_at

FOLLOW_UP_AFTER = timedelta(hours=48)
STALE_FOLLOW_UP = timedelta(days=1)


def _week_reminded(person: Person, kind: ReminderKind, year: int, week: int) -> Exists:
    return exists().where(Reminder.person_id == person.id, Reminder.kind == kind, Reminder.week_year == year, Reminder.week == week)


async def plan_reflection_reminder(*, session: AsyncSession, person: Person, after: datetime, look_back: bool = False) -> Reminder | None:
    """Add her next weekly reminder after `after` (or after a pause), skipping weeks already reminded.

    `look_back` (after downtime) starts from her current week instead: a slot that passed while the
    bot was down is still reminded of, at once, as long as its week is open.
    """
    if not person.reminders_on or person.consent_at is None:
        return None
    start = week_opened_at(after, person.timezone) - timedelta(microseconds=1) if look_back else after
    start = max(start, person.reminders_paused_until or start)
    slot = next_slot(start, person.reflection_weekday, person.reflection_time, person.timezone)
    for _ in range(60):  # a week is reminded once; look ahead at most a year
        year, week = iso_week(slot, person.timezone)
        if not await session.scalar(select(_week_reminded(person, ReminderKind.REFLECTION, year, week))):
            break
        slot += timedelta(days=7)
    else:
        return None
    reminder = Reminder(
        person_id=person.id,
        kind=ReminderKind.REFLECTION,
        week_year=year,
        week=week,
        due_at=outside_quiet_hours(max(slot, after), person.timezone),
        status=SendStatus.PENDING,
    )
    session.add(reminder)
    await session.flush()
    return reminder


async def replan_reflection_reminders(*, session: AsyncSession, person: Person, now: datetime) -> Reminder | None:
    """Her slot, zone, pause or switch changed: drop what is pending and plan afresh."""
    await session.execute(delete(Reminder).where(Reminder.person_id == person.id, Reminder.status == SendStatus.PENDING))
    return await plan_reflection_reminder(session=session, person=person, after=now)


async def plan_missing_reminders(*, session: AsyncSession, now: datetime, limit: int = 1000) -> int:
    """Self-healing: every active alumna with reminders on has a pending reminder."""
    pending = exists().where(
        Reminder.person_id == Person.id,
        Reminder.kind == ReminderKind.REFLECTION,
        Reminder.status.in_((SendStatus.PENDING, SendStatus.SENDING)),
    )
    alumna = exists().where(Membership.person_id == Person.id, Membership.role == Role.ALUMNI)
    people = await session.scalars(
        select(Person).where(Person.active, Person.reminders_on, Person.consent_at.is_not(None), alumna, ~pending).limit(limit)
    )
    planned = 0
    for person in people:
        planned += await plan_reflection_reminder(session=session, person=person, after=now) is not None
    return planned


async def due_reminders(*, session: AsyncSession, now: datetime, limit: int = CLAIM_BATCH) -> list[Reminder]:
    """The oldest due reminders, or ones a dead process left in SENDING (lease run out), with their
    alumnae; locked so no other process takes them (PostgreSQL)."""
    rows = await session.scalars(
        select(Reminder)
        .where(due_or_held_by_the_dead(Reminder, now))
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Reminder)
        .options(selectinload(Reminder.person))
    )
    return list(rows)


class Decision(enum.Enum):
    SEND = "send"
    SKIP = "skip"
    LATER = "later"


async def decide(*, session: AsyncSession, reminder: Reminder, now: datetime) -> Decision:
    """Settle a reminder the sweep claimed (SENDING): send it now, drop it, or move it out of the night."""
    person = reminder.person
    zone = person.timezone
    if not (person.active and person.reminders_on and person.consent_at is not None):
        return _skip(reminder)
    if person.reminders_paused_until and person.reminders_paused_until > now:
        _skip(reminder)
        await plan_reflection_reminder(session=session, person=person, after=now)
        return Decision.SKIP
    weeks = {(reminder.week_year, reminder.week)}
    if reminder.kind == ReminderKind.REFLECTION and now >= week_closes_at(reminder.week_year, reminder.week, zone):
        _skip(reminder)  # its week is over (the bot was down): nothing to remind of any more for that week...
        await plan_reflection_reminder(session=session, person=person, after=now, look_back=True)  # ...but this week's is due
        return Decision.SKIP
    if reminder.kind == ReminderKind.REFLECTION_FOLLOWUP:
        if now - reminder.due_at > STALE_FOLLOW_UP:
            return _skip(reminder)  # it fell due while the bot was down: a nudge about a past week helps nobody
        weeks.add(iso_week(now, zone))  # a reflection written since then counts too
    written = or_(*(and_(Reflection.week_year == year, Reflection.week == week) for year, week in weeks))
    if await session.scalar(select(exists().where(Reflection.person_id == person.id, written))):
        _skip(reminder)
        if reminder.kind == ReminderKind.REFLECTION:
            await plan_reflection_reminder(session=session, person=person, after=now)
        return Decision.SKIP
    deliverable = outside_quiet_hours(now, zone)
    if deliverable > now:
        reminder.status, reminder.due_at, reminder.lease_until = SendStatus.PENDING, deliverable, None
        return Decision.LATER
    reminder.attempts += 1  # the sweep has claimed it: status is SENDING
    follow_up_planned = await session.scalar(
        select(_week_reminded(person, ReminderKind.REFLECTION_FOLLOWUP, reminder.week_year, reminder.week))
    )
    if reminder.kind == ReminderKind.REFLECTION and not follow_up_planned:
        follow_up = Reminder(
            person_id=person.id,
            kind=ReminderKind.REFLECTION_FOLLOWUP,
            week_year=reminder.week_year,
            week=reminder.week,
            due_at=outside_quiet_hours(now + FOLLOW_UP_AFTER, zone),
            status=SendStatus.PENDING,
        )
        session.add(follow_up)
        await plan_reflection_reminder(session=session, person=person, after=now)
    return Decision.SEND


def _skip(reminder: Reminder) -> Decision:
    reminder.status = SendStatus.SKIPPED
    return Decision.SKIP


async def mark_sent(*, session: AsyncSession, reminder_id: int, now: datetime) -> None:
    reminder = await session.get(Reminder, reminder_id)
    assert reminder is not None
    reminder.status = SendStatus.SENT
    reminder.sent_at = now
    reminder.lease_until = None


async def mark_failed(*, session: AsyncSession, reminder_id: int, retry_at: datetime | None, blocked: bool) -> None:
    """A failed send: try again at `retry_at`, or stop for good (None); a block makes her inactive."""
    reminder = await session.get(Reminder, reminder_id, options=[selectinload(Reminder.person)])
    assert reminder is not None
    if blocked:
        reminder.person.active = False
    if retry_at is not None and not blocked:
        reminder.status = SendStatus.PENDING
        reminder.due_at = retry_at
        reminder.lease_until = None
    else:
        reminder.status = SendStatus.FAILED


async def pending_reminders(*, session: AsyncSession, person_id: int) -> list[Reminder]:
    rows = await session.scalars(
        select(Reminder).where(Reminder.person_id == person_id, Reminder.status == SendStatus.PENDING).order_by(Reminder.due_at)
    )
    return list(rows)
