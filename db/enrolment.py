"""Joining a cohort: consent, refusal, the alumna's profile and PAP, coaches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from db.models import Cohort, ConsentRefusal, Membership, Milestone, Pap, Person, PositionLevel, Role


async def membership(*, session: AsyncSession, telegram_id: int, role: Role, cohort_id: int | None = None) -> Membership | None:
    """Her latest membership in that role (in that cohort, if given), with person and cohort loaded in
    the same statement (every update an alumna sends starts here)."""
    query = (
        select(Membership)
        .join(Person)
        .where(Person.telegram_id == telegram_id, Membership.role == role)
        .options(contains_eager(Membership.person), joinedload(Membership.cohort, innerjoin=True))
        .order_by(Membership.joined_at.desc(), Membership.id.desc())
        .limit(1)
    )
    if cohort_id is not None:
        query = query.where(Membership.cohort_id == cohort_id)
    return await session.scalar(query)


async def give_consent(*, session: AsyncSession, telegram_id: int, name: str, locale: str, timezone: str, now: datetime) -> Person:
    """Store her consent, creating her record on first consent."""
    person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    if person is None:
        person = Person(telegram_id=telegram_id, name=name, locale=locale, timezone=timezone, created_at=now, updated_at=now)
        session.add(person)
    person.consent_at = now
    person.active = True
    person.updated_at = now
    await session.flush()
    return person


async def refuse_consent(*, session: AsyncSession, telegram_id: int, cohort_id: int, now: datetime) -> None:
    session.add(ConsentRefusal(telegram_id=telegram_id, cohort_id=cohort_id, refused_at=now))


@dataclass(frozen=True)
class MilestonePlan:
    title: str
    due_date: date


@dataclass(frozen=True)
class AlumnaPlan:
    """Everything the onboarding asked, ready to be stored at once."""

    name: str
    agency: str
    work_unit: str
    position_level: PositionLevel
    timezone: str
    title: str
    problem: str
    goal: str
    indicator: str
    baseline: str
    target: str
    resources: str
    relevance: str
    end_date: date
    milestones: list[MilestonePlan]
    reflection_weekday: int
    reflection_time: time
    short_name: str | None = None  # nama panggilan; None: her first name
    nip: str | None = None


async def enrol_alumna(*, session: AsyncSession, telegram_id: int, cohort: Cohort, plan: AlumnaPlan, now: datetime) -> Pap:
    """Save her profile, membership and PAP with milestones in one transaction."""
    person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    if person is None or person.consent_at is None:
        raise PermissionError("no consent on record")
    person.name = plan.name
    person.short_name = plan.short_name
    person.agency = plan.agency
    person.work_unit = plan.work_unit
    person.nip = plan.nip or person.nip  # skipped on a second enrolment: the one she gave stays
    person.position_level = plan.position_level
    person.timezone = plan.timezone
    person.reflection_weekday = plan.reflection_weekday
    person.reflection_time = plan.reflection_time
    person.updated_at = now
    existing = await session.scalar(
        select(Membership).where(Membership.person_id == person.id, Membership.cohort_id == cohort.id, Membership.role == Role.ALUMNI)
    )
    if existing is None:
        session.add(Membership(person=person, cohort=cohort, role=Role.ALUMNI, joined_at=now))
    pap = await session.scalar(select(Pap).where(Pap.person_id == person.id, Pap.cohort_id == cohort.id))
    if pap is not None:  # joining the same cohort again replaces the earlier plan
        await session.delete(pap)
        await session.flush()
    pap = Pap(
        person=person,
        cohort=cohort,
        title=plan.title,
        problem=plan.problem,
        goal=plan.goal,
        indicator=plan.indicator,
        baseline=plan.baseline,
        target=plan.target,
        resources=plan.resources,
        relevance=plan.relevance,
        end_date=plan.end_date,
        created_at=now,
        updated_at=now,
        milestones=[Milestone(title=m.title, due_date=m.due_date) for m in plan.milestones],
    )
    session.add(pap)
    await session.flush()
    return pap


async def enrol_coach(
    *, session: AsyncSession, telegram_id: int, cohort: Cohort, name: str, locale: str, timezone: str, now: datetime
) -> Membership:
    person = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
    if person is None:
        person = Person(
            telegram_id=telegram_id, name=name, locale=locale, timezone=timezone, consent_at=now, created_at=now, updated_at=now
        )
        session.add(person)
        await session.flush()
    else:
        person.name = name
        person.consent_at = person.consent_at or now
        person.updated_at = now
    existing = await membership(session=session, telegram_id=telegram_id, role=Role.COACH, cohort_id=cohort.id)
    if existing is not None:
        return existing
    joined = Membership(person=person, cohort=cohort, role=Role.COACH, joined_at=now)
    session.add(joined)
    await session.flush()
    return joined
