"""What the web dashboard shows, counted by the database: the programme's tiles, each cohort's
statuses, the weekly activity, one page of a cohort's alumnae, and one alumna's record.

The tiles use the report's definitions (db/report.py) over several cohorts at once; a test holds the
two to the same numbers, so the dashboard and `ecoach report` never disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, case, cast, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    AnonymousOutcome,
    Booking,
    BookingEnd,
    CareerEvent,
    CheckIn,
    CheckInStatus,
    CoachingMessage,
    CoachingSlot,
    Cohort,
    Evidence,
    Feedback,
    FeedbackRound,
    LogEntry,
    Membership,
    MentorDialogue,
    MentorLink,
    Nudge,
    Pap,
    Person,
    QuizAnswer,
    RaterLink,
    RaterResponse,
    RaterRole,
    Reflection,
    Role,
)
from db.raters import released_rounds
from db.report import CAREER_KINDS, IMPLEMENTED_FROM, Coaching, alumnae_of, coaching_numbers
from db.schedule import add_months
from db.status import DUE_CHECKIN, ProjectStatus, Standing, standing_from_row, standing_select, utc_day

TREND_WEEKS = 12
PAGE_SIZE = 100


@dataclass
class Tally:
    """Numerators and denominators, so that cohorts add up before any share is taken."""

    alumnae: int = 0
    promoted: int = 0
    implemented: int = 0
    checkins_due: int = 0
    checkins_answered: int = 0
    forum: int = 0
    quiz: int = 0
    enrolled: int = 0  # alumnae still in the database (quiz shares are of them; erased ones left no answers)
    statuses: dict[ProjectStatus, int] = field(default_factory=lambda: dict.fromkeys(ProjectStatus, 0))

    def add(self, other: Tally) -> None:
        for name in ("alumnae", "promoted", "implemented", "checkins_due", "checkins_answered", "forum", "quiz", "enrolled"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, count in other.statuses.items():
            self.statuses[status] += count


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@dataclass
class CohortLine:
    cohort: Cohort
    tally: Tally


@dataclass
class Overview:
    total: Tally
    cohorts: list[CohortLine]
    perception: dict[RaterRole, float | None]  # overall 1–5 by rater role, closed rounds only
    weeks: list[tuple[date, int]]  # Monday, activities that week (logbook entries, reflections, check-in answers)


def _alumnae(cohort_id: int) -> Any:
    return select(Membership.person_id).where(Membership.cohort_id == cohort_id, Membership.role == Role.ALUMNI).scalar_subquery()


async def cohort_tally(*, session: AsyncSession, cohort: Cohort, now: datetime) -> Tally:
    """One cohort's numbers for the tiles, by the report's rules, in a handful of aggregate queries."""
    today = now.date()
    rows = standing_select(cohort=cohort, today=today).subquery()
    # round(progress) >= 75 as Python rounds half to even: progress > 74.5
    implemented = (rows.c.status == ProjectStatus.DONE.value) | (
        (rows.c.milestones > 0) & (2 * rows.c.progress_sum > (2 * IMPLEMENTED_FROM - 1) * rows.c.milestones)
    )
    tally = Tally()
    for status, count, done in await session.execute(
        select(rows.c.status, func.count(), func.count().filter(implemented)).group_by(rows.c.status)
    ):
        tally.statuses[ProjectStatus(status)] = count
        tally.implemented += done
    members = _alumnae(cohort.id)
    tally.enrolled = await session.scalar(select(func.count()).select_from(Person).where(Person.id.in_(members))) or 0
    due, answered = (
        await session.execute(
            select(func.count(), func.count().filter(CheckIn.status == CheckInStatus.ANSWERED)).where(
                CheckIn.cohort_id == cohort.id, CheckIn.person_id.in_(members), CheckIn.status.in_(DUE_CHECKIN)
            )
        )
    ).one()
    forums = cast(CheckIn.forums, String)
    tally.forum = (
        await session.scalar(
            select(func.count(func.distinct(CheckIn.person_id))).where(
                CheckIn.cohort_id == cohort.id,
                CheckIn.person_id.in_(members),
                CheckIn.status == CheckInStatus.ANSWERED,
                CheckIn.forums.is_not(None),
                forums.not_in(["[]", "null"]),
            )
        )
        or 0
    )
    window = (cohort.training_end, add_months(cohort.training_end, 12))
    tally.promoted = (
        await session.scalar(
            select(func.count(func.distinct(CareerEvent.person_id))).where(
                CareerEvent.person_id.in_(members), CareerEvent.kind.in_(CAREER_KINDS), CareerEvent.event_date.between(*window)
            )
        )
        or 0
    )
    tally.quiz = await session.scalar(select(func.count(func.distinct(QuizAnswer.person_id))).where(QuizAnswer.person_id.in_(members))) or 0
    anonymous = (
        await session.execute(
            select(
                func.count(AnonymousOutcome.id),
                func.count().filter(AnonymousOutcome.promoted_or_assigned),
                func.count().filter(AnonymousOutcome.pap_implemented),
                func.coalesce(func.sum(AnonymousOutcome.checkins_due), 0),
                func.coalesce(func.sum(AnonymousOutcome.checkins_answered), 0),
                func.count().filter(AnonymousOutcome.forum_participant),
            ).where(AnonymousOutcome.cohort_id == cohort.id)
        )
    ).one()
    gone, gone_promoted, gone_implemented, gone_due, gone_answered, gone_forum = anonymous
    tally.alumnae = tally.enrolled + gone
    tally.promoted += gone_promoted
    tally.implemented += gone_implemented
    tally.checkins_due = due + gone_due
    tally.checkins_answered = answered + gone_answered
    tally.forum += gone_forum
    return tally


async def overview(*, session: AsyncSession, cohorts: list[Cohort], now: datetime) -> Overview:
    total, lines = Tally(), []
    for cohort in cohorts:
        tally = await cohort_tally(session=session, cohort=cohort, now=now)
        total.add(tally)
        lines.append(CohortLine(cohort, tally))
    ids = [c.id for c in cohorts]
    members = select(Membership.person_id).where(Membership.cohort_id.in_(ids), Membership.role == Role.ALUMNI).scalar_subquery()
    perception: dict[RaterRole, float | None] = dict.fromkeys(RaterRole)
    for role, average in await session.execute(
        select(RaterLink.role, func.avg(RaterResponse.overall))
        .join(RaterLink, RaterResponse.link_id == RaterLink.id)
        .join(FeedbackRound, RaterResponse.round_id == FeedbackRound.id)
        .where(FeedbackRound.person_id.in_(members), FeedbackRound.id.in_(released_rounds(now)))
        .group_by(RaterLink.role)
    ):
        perception[RaterRole(role)] = round(float(average), 2)
    return Overview(total, lines, perception, await weekly_activity(session=session, cohort_ids=ids, now=now))


async def weekly_activity(*, session: AsyncSession, cohort_ids: list[int], now: datetime) -> list[tuple[date, int]]:
    """Activities per week over the last TREND_WEEKS weeks (UTC), counted per day by the database."""
    first = now.date() - timedelta(days=now.date().weekday() + 7 * (TREND_WEEKS - 1))
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    members = select(Membership.person_id).where(Membership.cohort_id.in_(cohort_ids), Membership.role == Role.ALUMNI).scalar_subquery()
    per_day: dict[date, int] = {}
    sources: list[tuple[Any, Any]] = [
        (LogEntry.created_at, LogEntry.pap_id.in_(select(Pap.id).where(Pap.cohort_id.in_(cohort_ids)))),
        (Reflection.created_at, Reflection.person_id.in_(members)),
        (CheckIn.answered_at, CheckIn.cohort_id.in_(cohort_ids)),
    ]
    for moment, scope in sources:
        day = utc_day(moment)
        for when, count in await session.execute(select(day, func.count()).where(scope, moment >= since).group_by(day)):
            when = date.fromisoformat(when) if isinstance(when, str) else when
            per_day[when] = per_day.get(when, 0) + count
    weeks = [first + timedelta(weeks=n) for n in range(TREND_WEEKS)]
    return [(monday, sum(per_day.get(monday + timedelta(days=d), 0) for d in range(7))) for monday in weeks]


class Sort(enum.StrEnum):
    STATUS = "status"  # stalled first, most reasons first
    NAME = "name"
    PROGRESS = "progress"
    IDLE = "idle"


@dataclass
class AlumnaLine:
    person_id: int
    name: str
    nip: str | None
    agency: str | None
    pap_title: str
    standing: Standing


@dataclass
class CohortPage:
    rows: list[AlumnaLine]
    total: int
    page: int
    pages: int
    agencies: list[str]


NO_COACH = 0


def coached_by(coach_id: int | None) -> Any:
    """The alumnae a coach has worked with: answered in her coaching thread, responded to a logbook
    entry, or nudged. None: worked with by any coach."""

    def by(column: Any) -> Any:
        return column.is_not(None) if coach_id is None else column == coach_id

    return union(
        select(CoachingMessage.person_id).where(by(CoachingMessage.coach_id)),
        select(LogEntry.person_id).join(Feedback, Feedback.entry_id == LogEntry.id).where(by(Feedback.coach_id)),
        select(Nudge.person_id).where(by(Nudge.coach_id)),
    )


async def cohort_coaches(*, session: AsyncSession, cohort_id: int) -> list[tuple[int, str]]:
    """Her cohort's coaches as (person id, name), for the coach filter."""
    query = (
        select(Person.id, Person.name)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.cohort_id == cohort_id, Membership.role == Role.COACH)
        .order_by(Person.name)
    )
    return [(person_id, name) for person_id, name in await session.execute(query)]


STATUS_ORDER = [ProjectStatus.STALLED, ProjectStatus.LATE, ProjectStatus.ON_TRACK, ProjectStatus.DONE]


async def cohort_page(
    *,
    session: AsyncSession,
    cohort: Cohort,
    today: date,
    status: ProjectStatus | None = None,
    agency: str | None = None,
    sort: Sort = Sort.STATUS,
    page: int = 0,
    coach: int | None = None,
) -> CohortPage:
    """One page of the cohort's alumnae by the shared status model: filtered, sorted and paged in SQL.
    `coach`: a coach's person id (the alumnae she has worked with), or NO_COACH (nobody has yet)."""
    rows = standing_select(cohort=cohort, today=today).add_columns(Person.nip.label("nip"), Person.agency.label("agency")).subquery()
    rank = case(*((rows.c.status == s.value, n) for n, s in enumerate(STATUS_ORDER)), else_=len(STATUS_ORDER))
    progress = case((rows.c.milestones > 0, rows.c.progress_sum * 1.0 / rows.c.milestones), else_=0)
    orders: dict[Sort, list[Any]] = {
        Sort.STATUS: [rank, rows.c.reasons.desc(), rows.c.idle_from, rows.c.overdue_from, rows.c.name],  # /mandek's order
        Sort.NAME: [rows.c.name],
        Sort.PROGRESS: [progress.desc(), rows.c.name],
        Sort.IDLE: [rows.c.idle_from, rows.c.name],
    }
    order = orders[sort]
    query = select(rows, func.count().over().label("total"))
    if status is not None:
        query = query.where(rows.c.status == status.value)
    if agency:
        query = query.where(rows.c.agency == agency)
    if coach == NO_COACH:
        query = query.where(rows.c.person_id.not_in(coached_by(None)))
    elif coach is not None:
        query = query.where(rows.c.person_id.in_(coached_by(coach)))
    found = (await session.execute(query.order_by(*order, rows.c.pap_id).offset(page * PAGE_SIZE).limit(PAGE_SIZE))).all()
    total = found[0].total if found else 0
    agencies = [
        a
        for a in await session.scalars(
            select(Person.agency).where(Person.id.in_(_alumnae(cohort.id)), Person.agency.is_not(None)).distinct().order_by(Person.agency)
        )
        if a
    ]
    lines = [AlumnaLine(r.person_id, r.name, r.nip, r.agency, r.title, standing_from_row(r, today)) for r in found]
    return CohortPage(lines, total, page, max(1, -(-total // PAGE_SIZE)), agencies)


@dataclass
class Record:
    person: Person
    cohort: Cohort
    pap: Pap | None
    standing: Standing | None
    entries: list[LogEntry]
    checkins: list[CheckIn]
    careers: list[CareerEvent]
    shared: list[Reflection]
    feedback: dict[str, float | None]  # overall 1–5 by rater role, closed rounds only
    raters: int
    thread: list[CoachingMessage]
    sessions: list[Booking]  # her 1-on-1 sessions, newest first, with their GROW notes and agreed actions
    mentor: MentorLink | None  # her supervisor-mentor, once consented
    dialogues: list[MentorDialogue]  # the mentor's answered monthly dialogues, newest first


async def cohort_coaching(*, session: AsyncSession, cohort: Cohort, now: datetime) -> Coaching:
    """The cohort's 1-on-1 sessions, agreed actions and mentors, for its page."""
    return await coaching_numbers(session=session, alumnae=alumnae_of(cohort), now=now)


async def alumna_record(*, session: AsyncSession, person_id: int, now: datetime) -> Record | None:
    """Everything about one alumna that her coaches may see: never her private reflections."""
    found = (
        await session.execute(
            select(Person, Cohort)
            .join(Membership, Membership.person_id == Person.id)
            .join(Cohort, Membership.cohort_id == Cohort.id)
            .where(Person.id == person_id, Membership.role == Role.ALUMNI)
            .order_by(Cohort.training_end.desc())
            .limit(1)
        )
    ).first()
    if found is None:
        return None
    person, cohort = found
    pap = await session.scalar(
        select(Pap)
        .where(Pap.person_id == person.id, Pap.cohort_id == cohort.id)
        .options(selectinload(Pap.milestones), selectinload(Pap.cohort))
    )
    standing = None
    if pap is not None:
        row = (await session.execute(standing_select(cohort=cohort, today=now.date()).where(Pap.id == pap.id))).one()
        standing = standing_from_row(row, now.date())
    entries = list(
        await session.scalars(
            select(LogEntry)
            .where(LogEntry.person_id == person.id)
            .order_by(LogEntry.created_at.desc())
            .options(selectinload(LogEntry.evidence), selectinload(LogEntry.milestone), selectinload(LogEntry.feedback))
        )
    )
    checkins = list(await session.scalars(select(CheckIn).where(CheckIn.person_id == person.id).order_by(CheckIn.sequence)))
    careers = list(await session.scalars(select(CareerEvent).where(CareerEvent.person_id == person.id).order_by(CareerEvent.event_date)))
    shared = list(
        await session.scalars(
            select(Reflection).where(Reflection.person_id == person.id, Reflection.shared).order_by(Reflection.week_year, Reflection.week)
        )
    )
    feedback: dict[str, float | None] = dict.fromkeys([r.value for r in RaterRole])
    raters = 0
    for role, average, count in await session.execute(
        select(RaterLink.role, func.avg(RaterResponse.overall), func.count())
        .join(RaterLink, RaterResponse.link_id == RaterLink.id)
        .join(FeedbackRound, RaterResponse.round_id == FeedbackRound.id)
        .where(FeedbackRound.person_id == person.id, FeedbackRound.id.in_(released_rounds(now)))
        .group_by(RaterLink.role)
    ):
        feedback[str(role)] = round(float(average), 1)
        raters += count
    thread = list(
        await session.scalars(
            select(CoachingMessage)
            .where(CoachingMessage.person_id == person.id)
            .order_by(CoachingMessage.created_at)
            .options(selectinload(CoachingMessage.coach))
        )
    )
    sessions = list(
        await session.scalars(
            select(Booking)
            .join(CoachingSlot)
            .where(Booking.person_id == person.id, Booking.ended.is_distinct_from(BookingEnd.CANCELLED))
            .order_by(CoachingSlot.starts_at.desc())
            .options(selectinload(Booking.slot).selectinload(CoachingSlot.coach), selectinload(Booking.actions))
        )
    )
    mentor = await session.scalar(
        select(MentorLink).where(MentorLink.person_id == person.id, MentorLink.consented_at.is_not(None), MentorLink.ended_at.is_(None))
    )
    dialogues = list(
        await session.scalars(
            select(MentorDialogue)
            .where(MentorDialogue.person_id == person.id, MentorDialogue.answered_at.is_not(None))
            .order_by(MentorDialogue.answered_at.desc())
        )
    )
    return Record(person, cohort, pap, standing, entries, checkins, careers, shared, feedback, raters, thread, sessions, mentor, dialogues)


async def evidence_of(*, session: AsyncSession, evidence_id: int) -> tuple[Evidence, int] | None:
    """An evidence item with the cohort of the PAP it belongs to: what decides who may open it."""
    row = (
        await session.execute(
            select(Evidence, Pap.cohort_id)
            .join(LogEntry, Evidence.entry_id == LogEntry.id)
            .join(Pap, LogEntry.pap_id == Pap.id)
            .where(Evidence.id == evidence_id)
        )
    ).first()
    return (row[0], row[1]) if row else None
