"""Cohort services: create, list, and find by invite code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
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


async def create_cohort(*, session: AsyncSession, name: str, training_end: date, months: int, now: datetime) -> Cohort:
    name = name.strip()
    if not name:
        raise CohortError("the cohort name is empty")
    if len(name) > NAME_MAX:
        raise CohortError(f"the cohort name is longer than {NAME_MAX} characters")
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise CohortError(f"monitoring months must be from {MIN_MONTHS} to {MAX_MONTHS}")
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
