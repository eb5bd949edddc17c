"""Post-training monitoring: the check-in plan, sending states, answers and career events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.claims import CLAIM_BATCH, claim, hold_all, lease_expired
from db.models import CareerEvent, CareerEventKind, CheckIn, CheckInKind, CheckInStatus, Cohort, ObstacleCategory, PapStatus, Person
from db.schedule import add_months, local, outside_quiet_hours
from db.status import mark_activity

SEND_AT = time(9, 0)  # her local time on the due day
REMIND_AFTER = timedelta(days=3)
MISSED_AFTER = timedelta(days=7)
OUTCOME_MONTHS = (6, 12)
FEEDBACK_MONTH = 3
MERGE_WITHIN = timedelta(days=7)  # two check-ins this close become one
# She can answer these; SENDING too, as her tap on the button may beat the sweep's own bookkeeping.
OPEN = (CheckInStatus.SENDING, CheckInStatus.SENT, CheckInStatus.REMINDING, CheckInStatus.REMINDED, CheckInStatus.MISSED)


@dataclass(frozen=True)
class PlannedCheckIn:
    day: date
    kind: CheckInKind


def plan_dates(cohort: Cohort, joined: date, today: date) -> list[PlannedCheckIn]:
    """Every 4 weeks (the cohort's interval) from the later of training end and her join date,
    a final one at the end of monitoring, outcomes at 6 and 12 months; dates already past
    collapse into one check-in today, so she is never sent a pile at once."""
    start = max(cohort.training_end, joined)
    end = add_months(cohort.training_end, cohort.monitoring_months)
    step = timedelta(weeks=cohort.checkin_interval_weeks)
    planned: list[PlannedCheckIn] = []
    day = start + step
    while day <= end - MERGE_WITHIN:
        planned.append(PlannedCheckIn(day, CheckInKind.REGULAR))
        day += step
    planned.append(PlannedCheckIn(end, CheckInKind.FINAL))
    for months in OUTCOME_MONTHS:
        outcome = add_months(cohort.training_end, months)
        near = next((p for p in planned if abs(p.day - outcome) <= MERGE_WITHIN), None)
        if near is None:
            planned.append(PlannedCheckIn(outcome, CheckInKind.OUTCOME))
        elif near.kind == CheckInKind.REGULAR:
            planned[planned.index(near)] = PlannedCheckIn(near.day, CheckInKind.OUTCOME)
    planned.sort(key=lambda p: p.day)
    past = [p for p in planned if p.day < today]
    future = [p for p in planned if p.day >= today]
    if past:
        future.insert(0, PlannedCheckIn(today, past[-1].kind))
    return future


def _month(cohort: Cohort, day: date) -> int:
    return max(1, round((day - cohort.training_end).days / 30.44))


async def plan_checkins(*, session: AsyncSession, person: Person, cohort: Cohort, now: datetime) -> list[CheckIn]:
    """Make her monitoring plan for this cohort (once: a second call changes nothing)."""
    existing = await session.scalar(select(CheckIn.id).where(CheckIn.person_id == person.id, CheckIn.cohort_id == cohort.id).limit(1))
    if existing is not None:
        return []
    today = local(now, person.timezone).date()
    dates = plan_dates(cohort, today, today)
    feedback_day = add_months(cohort.training_end, FEEDBACK_MONTH)
    nearest = min(dates, key=lambda p: abs(p.day - feedback_day)) if dates else None
    rows = []
    for sequence, planned in enumerate(dates, 1):
        due = datetime.combine(planned.day, SEND_AT, tzinfo=ZoneInfo(person.timezone)).astimezone(UTC)
        rows.append(
            CheckIn(
                person_id=person.id,
                cohort_id=cohort.id,
                sequence=sequence,
                kind=planned.kind,
                month=_month(cohort, planned.day),
                with_feedback=planned is nearest and abs(planned.day - feedback_day) <= timedelta(weeks=3),
                due_at=max(due, now) if planned.day == today else due,
                status=CheckInStatus.PLANNED,
            )
        )
    session.add_all(rows)
    await session.flush()
    return rows


def _candidates(condition: ColumnElement[bool], passed_over: set[int], limit: int = 1) -> Select[CheckIn]:
    query = (
        select(CheckIn)
        .where(condition)
        .options(selectinload(CheckIn.person))
        .order_by(CheckIn.due_at, CheckIn.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=CheckIn)
    )
    return query.where(CheckIn.id.not_in(passed_over)) if passed_over else query


def _held_by_the_dead(status: CheckInStatus, now: datetime) -> ColumnElement[bool]:
    """Claimed by a process that never confirmed the send: its lease ran out."""
    return and_(CheckIn.status == status, lease_expired(CheckIn, now))


def _invitation_due(now: datetime) -> ColumnElement[bool]:
    """An invitation to send: due, or left in SENDING by a process that died."""
    return or_(and_(CheckIn.status == CheckInStatus.PLANNED, CheckIn.due_at <= now), _held_by_the_dead(CheckInStatus.SENDING, now))


def _reminder_due(now: datetime) -> ColumnElement[bool]:
    """A reminder to send: 3 days after the invitation (due_at then says when), before it counts as
    missed; or one left in REMINDING by a process that died."""
    due = and_(
        CheckIn.status == CheckInStatus.SENT,
        CheckIn.due_at <= now,
        CheckIn.sent_at <= now - REMIND_AFTER,
        CheckIn.sent_at > now - MISSED_AFTER,
    )
    return or_(due, _held_by_the_dead(CheckInStatus.REMINDING, now))


async def due_invitations(*, session: AsyncSession, now: datetime, passed_over: set[int], limit: int = CLAIM_BATCH) -> list[CheckIn]:
    """The next invitations to send, oldest first, with their alumnae; locked so no other process
    takes them (PostgreSQL)."""
    return list(await session.scalars(_candidates(_invitation_due(now), passed_over, limit)))


async def due_reminders(*, session: AsyncSession, now: datetime, passed_over: set[int], limit: int = CLAIM_BATCH) -> list[CheckIn]:
    return list(await session.scalars(_candidates(_reminder_due(now), passed_over, limit)))


async def hold(*, session: AsyncSession, rows: list[CheckIn], to: CheckInStatus, now: datetime, lease: timedelta) -> list[CheckIn]:
    """Claim a batch for this sweep's sends in one statement: `to` (SENDING or REMINDING) under a
    lease, one more attempt; the rows held are returned."""
    still_due = _invitation_due(now) if to == CheckInStatus.SENDING else _reminder_due(now)
    attempts = CheckIn.attempts + 1
    return await hold_all(session=session, rows=rows, still_due=still_due, to_status=to, now=now, lease=lease, attempts=attempts)


async def next_to_miss(*, session: AsyncSession, now: datetime) -> CheckIn | None:
    unanswered = CheckIn.status.in_((CheckInStatus.SENT, CheckInStatus.REMINDED))
    late = or_(unanswered, _held_by_the_dead(CheckInStatus.REMINDING, now))
    return await session.scalar(_candidates(and_(late, CheckIn.sent_at <= now - MISSED_AFTER), set()))


async def release(*, session: AsyncSession, checkin_id: int, held: CheckInStatus, to: CheckInStatus, **values: Any) -> None:
    """Record the outcome of a send the sweep held under its lease, and give the lease back."""
    await claim(session=session, model=CheckIn, row_id=checkin_id, from_status=held, to_status=to, lease_until=None, **values)


def deliverable(person: Person, now: datetime) -> datetime:
    return outside_quiet_hours(now, person.timezone)


async def open_checkin(*, session: AsyncSession, person_id: int) -> CheckIn | None:
    """The oldest check-in she can answer now: sent, reminded, or missed (answered late)."""
    return await session.scalar(
        select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.status.in_(OPEN)).order_by(CheckIn.sequence).limit(1)
    )


async def next_planned(*, session: AsyncSession, person_id: int) -> CheckIn | None:
    return await session.scalar(
        select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.status == CheckInStatus.PLANNED).order_by(CheckIn.due_at).limit(1)
    )


@dataclass(frozen=True)
class CheckInAnswers:
    pap_status: PapStatus
    implementation: int
    obstacle: ObstacleCategory
    obstacle_text: str | None
    wants_coaching: bool
    career: list[tuple[CareerEventKind, date]]
    forums: list[str]
    satisfaction: int


async def record_answers(*, session: AsyncSession, checkin: CheckIn, answers: CheckInAnswers, now: datetime) -> bool:
    """Store her answers; a missed check-in answered now counts as late. False if already answered."""
    if checkin.status not in OPEN:
        return False
    checkin.late = checkin.status == CheckInStatus.MISSED
    checkin.status, checkin.answered_at = CheckInStatus.ANSWERED, now
    checkin.pap_status, checkin.implementation = answers.pap_status, answers.implementation
    checkin.obstacle, checkin.obstacle_text = answers.obstacle, answers.obstacle_text
    checkin.wants_coaching, checkin.forums, checkin.satisfaction = answers.wants_coaching, answers.forums, answers.satisfaction
    for kind, day in answers.career:
        session.add(CareerEvent(person_id=checkin.person_id, checkin_id=checkin.id, kind=kind, event_date=day, created_at=now))
    await mark_activity(session=session, person_id=checkin.person_id, now=now)
    await session.flush()
    return True


async def checkins_of(*, session: AsyncSession, person_id: int) -> list[CheckIn]:
    return list(await session.scalars(select(CheckIn).where(CheckIn.person_id == person_id).order_by(CheckIn.sequence)))


async def career_events_of(*, session: AsyncSession, person_id: int) -> list[CareerEvent]:
    return list(await session.scalars(select(CareerEvent).where(CareerEvent.person_id == person_id).order_by(CareerEvent.event_date)))
