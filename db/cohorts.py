"""Cohort services: create, list, and find by invite code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Cohort, Role

MIN_MONTHS, MAX_MONTHS = 3, 6
NAME_MAX = 200


class CohortError(ValueError):
    """Input for a cohort is not acceptable; the message says why."""


def new_invite_code() -> str:
    """12 characters of A-Za-z0-9_-, as deep-link payloads allow (about 71 random bits), starting with a letter
    or digit: a code that began with '-' would be read as an option by `ecoach … --cohort CODE`."""
    while (code := secrets.token_urlsafe(9))[0] in "-_":
        pass
    return code


async def _checked(session: AsyncSession, name: str, months: int, cohort_id: int | None = None) -> str:
    """The name as stored, or CohortError: empty, too long, months out of range, or a name another
    cohort has (ignoring case and spaces): two "Angkatan I 2026" would be told apart by no one."""
    name = " ".join(name.split())
    if not name:
        raise CohortError("the cohort name is empty")
    if len(name) > NAME_MAX:
        raise CohortError(f"the cohort name is longer than {NAME_MAX} characters")
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise CohortError(f"monitoring months must be from {MIN_MONTHS} to {MAX_MONTHS}")
    if await name_taken(session=session, name=name, cohort_id=cohort_id):
        raise CohortError(f"a cohort named {name!r} exists already")
    return name


async def name_taken(*, session: AsyncSession, name: str, cohort_id: int | None = None) -> bool:
    """Another cohort (not `cohort_id`) has this name, ignoring case and spaces."""
    same = select(Cohort.id).where(func.lower(Cohort.name) == " ".join(name.split()).lower())
    if cohort_id is not None:
        same = same.where(Cohort.id != cohort_id)
    return await session.scalar(same.limit(1)) is not None


async def create_cohort(*, session: AsyncSession, name: str, training_end: date, months: int, now: datetime) -> Cohort:
    name = await _checked(session, name, months)
    cohort = Cohort(
        name=name,
        alumni_code=new_invite_code(),
        coach_code=new_invite_code(),
        training_end=training_end,
        monitoring_months=months,
        created_at=now,
    )
    session.add(cohort)
    await session.flush()
    return cohort


async def edit_cohort(*, session: AsyncSession, cohort: Cohort, name: str, training_end: date, months: int) -> Cohort:
    """Rename it or move its dates. Check-ins already planned keep their dates; new joiners get the new ones."""
    cohort.name = await _checked(session, name, months, cohort.id)
    cohort.training_end, cohort.monitoring_months = training_end, months
    await session.flush()
    return cohort


def set_closed(cohort: Cohort, closed: bool, now: datetime) -> None:
    """Closed: its alumni link and personal links enrol nobody more; everyone enrolled carries on."""
    cohort.closed_at = now if closed else None


def set_archived(cohort: Cohort, archived: bool, now: datetime) -> None:
    """Archived: out of the dashboard's lists and closed to joins; nothing of it is deleted."""
    cohort.archived_at = now if archived else None
    if archived and cohort.closed_at is None:
        cohort.closed_at = now


async def list_cohorts(*, session: AsyncSession) -> list[Cohort]:
    result = await session.scalars(select(Cohort).order_by(Cohort.training_end.desc(), Cohort.id))
    return list(result)


@dataclass(frozen=True)
class Invite:
    cohort: Cohort
    role: Role


async def find_invite(*, session: AsyncSession, code: str) -> Invite | None:
    """The cohort and role an invite code stands for, or None for an unknown code."""
    cohort = await session.scalar(select(Cohort).where(or_(Cohort.alumni_code == code, Cohort.coach_code == code)))
    if cohort is None:
        return None
    return Invite(cohort, Role.ALUMNI if cohort.alumni_code == code else Role.COACH)


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"
