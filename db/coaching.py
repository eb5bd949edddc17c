"""What coaches see: which cohort a chat belongs to, stalled projects, the cohort summary, nudges."""

from __future__ import annotations

import enum
from dataclasses import dataclass
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
    Nudge,
    Pap,
    Person,
    Role,
)
from db.status import DUE_CHECKIN, STALLED_DAYS, ProjectStatus, Standing, assess, gather, standing_from_row, standing_select

NUDGE_EVERY = timedelta(days=3)


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


async def coached_cohorts(*, session: AsyncSession, telegram_id: int) -> list[Cohort]:
    """Every cohort she coaches, latest first."""
    rows = await session.scalars(
        select(Cohort)
        .join(Membership)
        .join(Person)
        .where(Person.telegram_id == telegram_id, Membership.role == Role.COACH)
        .order_by(Membership.joined_at.desc(), Membership.id.desc())
    )
    return list(rows)


async def coached_cohort(*, session: AsyncSession, telegram_id: int) -> Cohort | None:
    """The cohort her private-chat commands show: the one she chose with /angkatan, else her latest."""
    cohorts = await coached_cohorts(session=session, telegram_id=telegram_id)
    chosen = await session.scalar(select(Person.coaching_cohort_id).where(Person.telegram_id == telegram_id))
    return next((c for c in cohorts if c.id == chosen), cohorts[0] if cohorts else None)


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
    """One alumna as a coach sees her in lists: her PAP's standing, never her private words."""

    person_id: int
    telegram_id: int
    name: str
    locale: str
    pap_title: str
    standing: Standing
    pap_id: int

    @property
    def status(self) -> ProjectStatus:
        return self.standing.status

    @property
    def stalled(self) -> bool:
        return self.standing.status == ProjectStatus.STALLED

    @property
    def severity(self) -> tuple[int, int, int]:
        return (len(self.standing.reasons), self.standing.idle_days, self.standing.overdue_days)


async def cohort_statuses(*, session: AsyncSession, cohort: Cohort, today: date, stalled_days: int = STALLED_DAYS) -> list[AlumnaStatus]:
    """Every alumna of the cohort with her PAP's standing (db/status.py), in a few set-based queries."""
    paps = (
        await session.execute(
            select(Pap.id, Pap.title, Person.id, Person.telegram_id, Person.name, Person.locale)
            .join(Person, Pap.person_id == Person.id)
            .join(
                Membership, (Membership.person_id == Person.id) & (Membership.cohort_id == Pap.cohort_id) & (Membership.role == Role.ALUMNI)
            )
            .where(Pap.cohort_id == cohort.id)
        )
    ).all()
    if not paps:
        return []
    facts = await gather(session=session, cohort=cohort)
    return [
        AlumnaStatus(person_id, telegram_id, name, locale, title, assess(facts[pap_id], today, stalled_days), pap_id)
        for pap_id, title, person_id, telegram_id, name, locale in paps
    ]


def stalled(statuses: list[AlumnaStatus]) -> list[AlumnaStatus]:
    """The stalled ones, most severe first: most reasons, then longest silence, then most overdue."""
    return sorted((s for s in statuses if s.stalled), key=lambda s: (tuple(-x for x in s.severity), s.name))


@dataclass(frozen=True)
class StalledList:
    total: int  # stalled in the cohort
    page: int  # the page shown, from 0, within the pages there are
    pages: int
    rows: list[AlumnaStatus]  # that page, in the order of `stalled`


async def stalled_page(
    *, session: AsyncSession, cohort: Cohort, today: date, stalled_days: int = STALLED_DAYS, page: int = 0, size: int | None = None
) -> StalledList:
    """One page of the stalled, most severe first (`size` None: all of them), in one query: the database
    applies the rules, sorts and pages, so a cohort of 20,000 builds one page of statuses, not 20,000."""
    rows = standing_select(cohort=cohort, today=today, stalled_days=stalled_days).subquery()
    query = (
        select(rows, func.count().over().label("total"))
        .where(rows.c.status == ProjectStatus.STALLED.value)
        .order_by(rows.c.reasons.desc(), rows.c.idle_from, rows.c.overdue_from, rows.c.name, rows.c.pap_id)
    )
    found = (await session.execute(query.offset(page * (size or 0)).limit(size))).all()
    if not found and page > 0:  # past the end (the list shrank since the page was shown): the last page
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
        return await stalled_page(
            session=session, cohort=cohort, today=today, stalled_days=stalled_days, page=_pages(total, size) - 1, size=size
        )
    total = found[0].total if found else 0
    shown = [
        AlumnaStatus(row.person_id, row.telegram_id, row.name, row.locale, row.title, standing_from_row(row, today), row.pap_id)
        for row in found
    ]
    return StalledList(total, page, _pages(total, size), shown)


def _pages(total: int, size: int | None) -> int:
    return max(1, -(-total // size)) if size else 1


async def status_counts(*, session: AsyncSession, cohort: Cohort, today: date) -> dict[ProjectStatus, int]:
    """How many alumnae of the cohort stand in each status, counted by the database."""
    rows = standing_select(cohort=cohort, today=today).subquery()
    counted = {status: count for status, count in await session.execute(select(rows.c.status, func.count()).group_by(rows.c.status))}
    return {status: counted.get(status.value, 0) for status in ProjectStatus}


@dataclass(frozen=True)
class CohortSummary:
    alumnae: int
    on_track: int
    late: int
    stalled: int
    done: int
    checkins_due: int
    checkins_answered: int
    entries_this_week: int
    entries_last_week: int
    career_events: int

    @property
    def response_rate(self) -> int:
        return round(100 * self.checkins_answered / self.checkins_due) if self.checkins_due else 0


async def cohort_summary(*, session: AsyncSession, cohort: Cohort, today: date, week_start: datetime) -> CohortSummary:
    counts = await status_counts(session=session, cohort=cohort, today=today)
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
        alumnae=sum(counts.values()),
        on_track=counts[ProjectStatus.ON_TRACK],
        late=counts[ProjectStatus.LATE],
        stalled=counts[ProjectStatus.STALLED],
        done=counts[ProjectStatus.DONE],
        checkins_due=due,
        checkins_answered=answered,
        entries_this_week=this_week,
        entries_last_week=last_week,
        career_events=career or 0,
    )


class NudgeSkip(enum.StrEnum):
    """Why a coach's nudge was not sent to her."""

    RECENT = "recent"  # nudged less than 3 days ago
    BLOCKED = "blocked"  # she blocked the bot, or never opened a chat with it
    NO_CONSENT = "no_consent"  # she withdrew her consent: the bot writes to her only when she writes first
    UNREACHABLE = "unreachable"  # Telegram did not take it this time


async def nudge(*, session: AsyncSession, person: Person, coach_id: int | None, now: datetime) -> Nudge | NudgeSkip:
    """Record a nudge, or say why she may not be nudged now."""
    if person.consent_at is None:
        return NudgeSkip.NO_CONSENT
    if not person.active:
        return NudgeSkip.BLOCKED
    recent = await session.scalar(select(Nudge.id).where(Nudge.person_id == person.id, Nudge.sent_at > now - NUDGE_EVERY).limit(1))
    if recent is not None:
        return NudgeSkip.RECENT
    record = Nudge(person_id=person.id, coach_id=coach_id, sent_at=now)
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
