"""Milestone deadlines as reminder rows: 3 days before, on the day, and a week after when still open.

Rows are planned for the date a milestone is due now, claimed and sent once by the sweep, and skipped
when they no longer apply (done, moved, a newer PAP, consent withdrawn).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from db.claims import CLAIM_BATCH, due_or_held_by_the_dead
from db.engine import dialect_insert
from db.models import Milestone, MilestoneNotice, MilestoneReminder, MilestoneStatus, Pap, Person, SendStatus
from db.schedule import local, outside_quiet_hours

REMIND_AT = time(8, 0)  # her morning
OFFSET = {MilestoneNotice.BEFORE: -3, MilestoneNotice.DUE: 0, MilestoneNotice.OVERDUE: 7}  # days from the due date
STALE_AFTER = {MilestoneNotice.BEFORE: -1, MilestoneNotice.DUE: 0, MilestoneNotice.OVERDUE: 10}  # the last day each still helps
PLAN_AHEAD = 4  # days: rows are planned only for dates this close, so editing a far date plans nothing yet


def _at(day: date, zone: str) -> datetime:
    return outside_quiet_hours(datetime.combine(day, REMIND_AT, tzinfo=ZoneInfo(zone)).astimezone(UTC), zone)


async def plan_deadline_reminders(*, session: AsyncSession, now: datetime, limit: int = 500) -> int:
    """Self-healing: each open milestone due soon (or a week ago) has its rows for its current date."""
    today = now.date()
    planned = exists().where(MilestoneReminder.milestone_id == Milestone.id, MilestoneReminder.for_date == Milestone.due_date)
    later = aliased(Pap)
    newer = exists().where(later.person_id == Person.id, later.id > Milestone.pap_id)
    rows = await session.execute(
        select(Milestone.id, Milestone.due_date, Person.id, Person.timezone)
        .join(Pap, Milestone.pap_id == Pap.id)
        .join(Person, Pap.person_id == Person.id)
        .where(
            Milestone.status != MilestoneStatus.DONE,
            Milestone.due_date.between(today - timedelta(days=OFFSET[MilestoneNotice.OVERDUE] + 1), today + timedelta(days=PLAN_AHEAD)),
            Person.active,
            Person.consent_at.is_not(None),
            ~planned,
            ~newer,
        )
        .limit(limit)
    )
    insert = dialect_insert(session)
    count = 0
    for milestone_id, due, person_id, zone in rows:
        values = [
            {
                "milestone_id": milestone_id, "person_id": person_id, "kind": kind, "for_date": due,
                "due_at": _at(due + timedelta(days=days), zone), "status": SendStatus.PENDING, "attempts": 0,
            }
            for kind, days in OFFSET.items()
        ]  # fmt: skip
        await session.execute(insert(MilestoneReminder).values(values).on_conflict_do_nothing())  # another process planned it
        count += 1
    return count


async def due_reminders(*, session: AsyncSession, now: datetime, limit: int = CLAIM_BATCH) -> list[MilestoneReminder]:
    """The oldest due rows, or ones a dead process left in SENDING (lease run out); locked so no
    other process takes them (PostgreSQL)."""
    rows = await session.scalars(
        select(MilestoneReminder)
        .where(due_or_held_by_the_dead(MilestoneReminder, now))
        .order_by(MilestoneReminder.due_at, MilestoneReminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=MilestoneReminder)
        .options(selectinload(MilestoneReminder.person), selectinload(MilestoneReminder.milestone).selectinload(Milestone.pap))
    )
    return list(rows)


@dataclass(frozen=True)
class Deadline:
    """What one reminder says: which milestone, of which project, due when, and how many days are left."""

    milestone_id: int
    title: str
    project: str
    due: date
    days_left: int  # negative when overdue


async def decide(*, session: AsyncSession, reminder: MilestoneReminder, now: datetime) -> Deadline | None:
    """Settle a claimed row: what to send now, or None (skipped, or moved out of the night)."""
    person, milestone = reminder.person, reminder.milestone
    today = local(now, person.timezone).date()
    newer = await session.scalar(select(exists().where(Pap.person_id == person.id, Pap.id > milestone.pap_id)))
    stale = (today - reminder.for_date).days > STALE_AFTER[reminder.kind]
    if (
        not (person.active and person.consent_at is not None)
        or milestone.status == MilestoneStatus.DONE
        or milestone.due_date != reminder.for_date  # moved: the new date has rows of its own
        or newer
        or stale  # the bot was down past the day it speaks of
    ):
        reminder.status = SendStatus.SKIPPED
        return None
    deliverable = outside_quiet_hours(now, person.timezone)
    if deliverable > now:
        reminder.status, reminder.due_at, reminder.lease_until = SendStatus.PENDING, deliverable, None
        return None
    reminder.attempts += 1
    return Deadline(milestone.id, milestone.title, milestone.pap.title, milestone.due_date, (milestone.due_date - today).days)


async def settle(*, session: AsyncSession, reminder_id: int, now: datetime, sent: bool, retry_at: datetime | None, blocked: bool) -> None:
    """Record a send: sent, to try again at `retry_at`, or failed for good (a block makes her inactive)."""
    reminder = await session.get(MilestoneReminder, reminder_id, options=[selectinload(MilestoneReminder.person)])
    assert reminder is not None
    reminder.lease_until = None
    if sent:
        reminder.status, reminder.sent_at = SendStatus.SENT, now
    elif retry_at is not None and not blocked:
        reminder.status, reminder.due_at = SendStatus.PENDING, retry_at
    else:
        reminder.status = SendStatus.FAILED
        reminder.person.active = reminder.person.active and not blocked
