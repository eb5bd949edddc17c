"""What coaches see: which cohort a chat belongs to, stalled projects, the cohort summary, nudges."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.audit import record
from db.models import (
    AuditAction,
    CareerEvent,
    ChatPurpose,
    CheckIn,
    CheckInStatus,
    Cohort,
    CohortChat,
    LogEntry,
    Membership,
    Milestone,
    MilestoneStatus,
    Nudge,
    Pap,
    PapStatus,
    Person,
    Role,
)

DEFAULT_STALLED_DAYS = 14
OVERDUE_DAYS = 7
NO_PROGRESS_DAYS = 30
NUDGE_EVERY = timedelta(days=3)
DUE_CHECKIN = (CheckInStatus.SENT, CheckInStatus.REMINDED, CheckInStatus.MISSED, CheckInStatus.ANSWERED)


async def is_coach(*, session: AsyncSession, telegram_id: int, cohort_id: int) -> bool:
    return (
        await session.scalar(
            select(Membership.id)
            .join(Person)
            .where(Person.telegram_id == telegram_id, Membership.cohort_id == cohort_id, Membership.role == Role.COACH)
            .limit(1)
        )
        is not None
    )


async def coached_cohort(*, session: AsyncSession, telegram_id: int) -> Cohort | None:
    """The cohort a coach works with most recently, for commands in her private chat."""
    return await session.scalar(
        select(Cohort)
        .join(Membership)
        .join(Person)
        .where(Person.telegram_id == telegram_id, Membership.role == Role.COACH)
        .order_by(Membership.joined_at.desc())
        .limit(1)
    )


async def linked_cohort(*, session: AsyncSession, chat_id: int, purpose: ChatPurpose = ChatPurpose.COACH_GROUP) -> Cohort | None:
    return await session.scalar(select(Cohort).join(CohortChat).where(CohortChat.chat_id == chat_id, CohortChat.purpose == purpose))


async def link_chat(*, session: AsyncSession, cohort: Cohort, chat_id: int, purpose: ChatPurpose, by: int, now: datetime) -> None:
    """Link a chat to a cohort, in the audit log; a chat serves one cohort per purpose, so a relink moves it.

    Who may relink is the caller's decision (an organizer, or a coach of the cohort it is linked to)."""
    existing = await session.scalar(select(CohortChat).where(CohortChat.chat_id == chat_id, CohortChat.purpose == purpose))
    moved_from = existing.cohort_id if existing is not None else None
    if existing is None:
        session.add(CohortChat(cohort_id=cohort.id, chat_id=chat_id, purpose=purpose, linked_by=by, linked_at=now))
    else:
        existing.cohort_id, existing.linked_by, existing.linked_at = cohort.id, by, now
    detail = f"chat {chat_id}" + (f", moved from cohort {moved_from}" if moved_from not in (None, cohort.id) else "")
    await record(session=session, action=AuditAction.GROUP_LINKED, actor=by, now=now, cohort_id=cohort.id, detail=detail)
    await session.flush()


@dataclass
class AlumnaStatus:
    """One alumna as a coach sees her in lists: never her private words."""

    person_id: int
    telegram_id: int
    name: str
    locale: str
    pap_title: str
    last_activity: date
    idle_days: int
    reasons: list[str] = field(default_factory=list)
    overdue_days: int = 0
    completed: bool = False
    delayed: bool = False

    @property
    def stalled(self) -> bool:
        return bool(self.reasons) and not self.completed

    @property
    def severity(self) -> tuple[int, int, int]:
        return (len(self.reasons), self.idle_days, self.overdue_days)


async def cohort_statuses(
    *, session: AsyncSession, cohort: Cohort, today: date, stalled_days: int = DEFAULT_STALLED_DAYS
) -> list[AlumnaStatus]:
    """Every alumna of the cohort with the reasons her PAP counts as stalled, in a few set-based queries."""
    paps = (
        await session.execute(
            select(Pap.id, Pap.title, Pap.progress_changed_at, Person.id, Person.telegram_id, Person.name, Person.locale)
            .join(Person, Pap.person_id == Person.id)
            .join(
                Membership, (Membership.person_id == Person.id) & (Membership.cohort_id == Pap.cohort_id) & (Membership.role == Role.ALUMNI)
            )
            .where(Pap.cohort_id == cohort.id)
        )
    ).all()
    if not paps:
        return []
    cohort_paps = select(Pap.id).where(Pap.cohort_id == cohort.id).scalar_subquery()
    last_entry = dict(
        (
            await session.execute(
                select(LogEntry.pap_id, func.max(LogEntry.created_at)).where(LogEntry.pap_id.in_(cohort_paps)).group_by(LogEntry.pap_id)
            )
        ).all()
    )
    not_done = Milestone.status != MilestoneStatus.DONE
    milestones = {
        pap_id: (earliest_open, total, done)
        for pap_id, earliest_open, total, done in (
            await session.execute(
                select(
                    Milestone.pap_id,
                    func.min(Milestone.due_date).filter(not_done),
                    func.count(Milestone.id),
                    func.count(Milestone.id).filter(Milestone.status == MilestoneStatus.DONE),
                )
                .where(Milestone.pap_id.in_(cohort_paps))
                .group_by(Milestone.pap_id)
            )
        ).all()
    }
    checkins: dict[int, list[tuple[CheckInStatus, PapStatus | None]]] = defaultdict(list)
    for person_id, checkin_status, pap_status in (
        await session.execute(
            select(CheckIn.person_id, CheckIn.status, CheckIn.pap_status)
            .where(CheckIn.cohort_id == cohort.id, CheckIn.status.in_(DUE_CHECKIN))
            .order_by(CheckIn.person_id, CheckIn.sequence)
        )
    ).all():
        checkins[person_id].append((checkin_status, pap_status))

    statuses = []
    for pap_id, title, progress_changed, person_id, telegram_id, name, locale in paps:
        last = last_entry.get(pap_id)
        last_activity = max(cohort.training_end, last.date() if last else cohort.training_end)
        status = AlumnaStatus(person_id, telegram_id, name, locale, title, last_activity, (today - last_activity).days)
        if status.idle_days >= stalled_days:
            status.reasons.append("no_entry")
        earliest_open, total, done = milestones.get(pap_id, (None, 0, 0))
        status.overdue_days = max(0, (today - earliest_open).days) if earliest_open else 0
        if status.overdue_days >= OVERDUE_DAYS:
            status.reasons.append("overdue")
        recent = checkins[person_id][-2:]
        if len(recent) == 2 and all(s == CheckInStatus.MISSED for s, _ in recent):
            status.reasons.append("missed_checkins")
        moved = max(cohort.training_end, progress_changed.date() if progress_changed else cohort.training_end)
        if (today - moved).days >= NO_PROGRESS_DAYS:
            status.reasons.append("no_progress")
        answered = [p for s, p in checkins[person_id] if s == CheckInStatus.ANSWERED and p is not None]
        status.completed = (total > 0 and done == total) or (bool(answered) and answered[-1] == PapStatus.COMPLETED)
        status.delayed = status.overdue_days > 0 or (bool(answered) and answered[-1] in (PapStatus.DELAYED, PapStatus.STUCK))
        statuses.append(status)
    return statuses


def stalled(statuses: list[AlumnaStatus]) -> list[AlumnaStatus]:
    """The stalled ones, most severe first: most reasons, then longest silence, then most overdue."""
    return sorted((s for s in statuses if s.stalled), key=lambda s: (tuple(-x for x in s.severity), s.name))


@dataclass(frozen=True)
class CohortSummary:
    alumnae: int
    on_track: int
    delayed: int
    stalled: int
    completed: int
    checkins_due: int
    checkins_answered: int
    entries_this_week: int
    entries_last_week: int
    career_events: int

    @property
    def response_rate(self) -> int:
        return round(100 * self.checkins_answered / self.checkins_due) if self.checkins_due else 0


async def cohort_summary(*, session: AsyncSession, cohort: Cohort, today: date, week_start: datetime) -> CohortSummary:
    statuses = await cohort_statuses(session=session, cohort=cohort, today=today)
    completed = sum(s.completed for s in statuses)
    stalled_count = sum(s.stalled for s in statuses)
    delayed = sum(1 for s in statuses if not s.completed and not s.stalled and s.delayed)
    due, answered = (
        await session.execute(
            select(func.count(CheckIn.id), func.count(CheckIn.id).filter(CheckIn.status == CheckInStatus.ANSWERED)).where(
                CheckIn.cohort_id == cohort.id, CheckIn.status.in_(DUE_CHECKIN)
            )
        )
    ).one()
    cohort_paps = select(Pap.id).where(Pap.cohort_id == cohort.id).scalar_subquery()
    this_week, last_week = (
        await session.execute(
            select(
                func.count(LogEntry.id).filter(LogEntry.created_at >= week_start),
                func.count(LogEntry.id).filter(LogEntry.created_at < week_start),
            ).where(LogEntry.pap_id.in_(cohort_paps), LogEntry.created_at >= week_start - timedelta(days=7))
        )
    ).one()
    cohort_people = select(Membership.person_id).where(Membership.cohort_id == cohort.id, Membership.role == Role.ALUMNI).scalar_subquery()
    career = await session.scalar(select(func.count(CareerEvent.id)).where(CareerEvent.person_id.in_(cohort_people)))
    return CohortSummary(
        alumnae=len(statuses),
        on_track=len(statuses) - completed - stalled_count - delayed,
        delayed=delayed,
        stalled=stalled_count,
        completed=completed,
        checkins_due=due,
        checkins_answered=answered,
        entries_this_week=this_week,
        entries_last_week=last_week,
        career_events=career or 0,
    )


async def nudge(*, session: AsyncSession, person_id: int, coach_id: int | None, now: datetime) -> Nudge | None:
    """Record a nudge unless she had one in the last 3 days; None when she may not be nudged now."""
    recent = await session.scalar(select(Nudge.id).where(Nudge.person_id == person_id, Nudge.sent_at > now - NUDGE_EVERY).limit(1))
    if recent is not None:
        return None
    record = Nudge(person_id=person_id, coach_id=coach_id, sent_at=now)
    session.add(record)
    await session.flush()
    return record


async def find_alumnae(*, session: AsyncSession, cohort_id: int, name: str) -> list[Person]:
    """Alumnae of the cohort whose name contains `name`, case-insensitively."""
    rows = await session.scalars(
        select(Person)
        .join(Membership)
        .where(
            Membership.cohort_id == cohort_id,
            Membership.role == Role.ALUMNI,
            func.lower(Person.name).contains(name.strip().lower(), autoescape=True),
        )
        .order_by(Person.name)
        .limit(10)
    )
    return list(rows)


async def alumna_in_cohort(*, session: AsyncSession, person_id: int, cohort_id: int) -> Person | None:
    return await session.scalar(
        select(Person).join(Membership).where(Person.id == person_id, Membership.cohort_id == cohort_id, Membership.role == Role.ALUMNI)
    )


async def cohort_of_alumna(*, session: AsyncSession, person_id: int) -> Cohort | None:
    return await session.scalar(
        select(Cohort)
        .join(Membership)
        .where(Membership.person_id == person_id, Membership.role == Role.ALUMNI)
        .order_by(Membership.joined_at.desc())
        .limit(1)
    )
