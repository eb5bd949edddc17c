"""Weekly reflections: one per ISO week in her time zone, private unless shared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CompetencyDomain, Person, Reflection
from db.status import mark_activity


@dataclass(frozen=True)
class ReflectionAnswers:
    went_well: str | None
    challenge: str | None
    learned: str | None
    domain: CompetencyDomain
    confidence: int
    next_step: str | None
    shared: bool


async def reflection_for_week(*, session: AsyncSession, person_id: int, week_year: int, week: int) -> Reflection | None:
    return await session.scalar(
        select(Reflection).where(Reflection.person_id == person_id, Reflection.week_year == week_year, Reflection.week == week)
    )


async def save_reflection(
    *, session: AsyncSession, person: Person, week_year: int, week: int, answers: ReflectionAnswers, now: datetime
) -> Reflection:
    """Store that week's reflection, replacing her earlier answers for the same week."""
    if not 1 <= answers.confidence <= 5:
        raise ValueError("confidence is from 1 to 5")
    reflection = await reflection_for_week(session=session, person_id=person.id, week_year=week_year, week=week)
    if reflection is None:
        reflection = Reflection(person_id=person.id, week_year=week_year, week=week, created_at=now)
        session.add(reflection)
    for name, value in vars(answers).items():
        setattr(reflection, name, value)
    reflection.updated_at = now
    await mark_activity(session=session, person_id=person.id, now=now)
    await session.flush()
    return reflection


async def recent_reflections(*, session: AsyncSession, person_id: int, limit: int = 12) -> list[Reflection]:
    """Her latest reflections, oldest first."""
    rows = await session.scalars(
        select(Reflection)
        .where(Reflection.person_id == person_id)
        .order_by(Reflection.week_year.desc(), Reflection.week.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
