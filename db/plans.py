"""Her Project Action Plan: read it, and change fields and milestones."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from db.models import LogEntry, Milestone, MilestoneStatus, Pap, Person

MAX_MILESTONES = 8
TEXT_FIELDS = ("title", "problem", "goal", "indicator", "baseline", "target", "resources", "relevance")


async def current_pap(*, session: AsyncSession, telegram_id: int) -> Pap | None:
    """Her newest PAP, with milestones and cohort loaded."""
    return await session.scalar(
        select(Pap)
        .join(Person)
        .where(Person.telegram_id == telegram_id)
        .options(selectinload(Pap.milestones), joinedload(Pap.cohort, innerjoin=True))
        .order_by(Pap.created_at.desc(), Pap.id.desc())
        .limit(1)
    )


async def set_field(*, session: AsyncSession, pap: Pap, field: str, value: str | date, now: datetime) -> None:
    if field not in (*TEXT_FIELDS, "end_date"):
        raise ValueError(f"not an editable field: {field}")
    setattr(pap, field, value)
    pap.updated_at = now


async def add_milestone(*, session: AsyncSession, pap: Pap, title: str, due_date: date, now: datetime) -> Milestone:
    if len(pap.milestones) >= MAX_MILESTONES:
        raise ValueError("a PAP has at most 8 milestones")
    milestone = Milestone(title=title, due_date=due_date)
    pap.milestones.append(milestone)
    pap.updated_at = now
    await session.flush()
    return milestone


def milestone_of(pap: Pap, milestone_id: int) -> Milestone | None:
    """Only a milestone of this PAP: ids from a button are never trusted across people."""
    return next((m for m in pap.milestones if m.id == milestone_id), None)


async def complete_milestone(*, session: AsyncSession, milestone: Milestone, now: datetime) -> None:
    milestone.status = MilestoneStatus.DONE
    milestone.progress = 100
    milestone.done_at = now
    milestone.pap.updated_at = milestone.pap.progress_changed_at = now


async def has_begun(*, session: AsyncSession, pap: Pap) -> bool:
    """Work is recorded on it: a milestone moved, a logbook entry, or her word in a check-in. A plan not
    begun may still be replaced by another; one begun never is (its record would then describe another project)."""
    if pap.checkin_said is not None or any(m.progress or m.status != MilestoneStatus.PLANNED for m in pap.milestones):
        return True
    return await session.scalar(select(LogEntry.id).where(LogEntry.pap_id == pap.id).limit(1)) is not None


async def replace_plan(
    *, session: AsyncSession, pap: Pap, fields: dict[str, str], end_date: date, milestones: list[tuple[str, date]], now: datetime
) -> None:
    """Her plan not yet begun becomes another: every field and milestone, in the same PAP (her cohort's one)."""
    for field in TEXT_FIELDS:
        setattr(pap, field, fields[field])
    pap.end_date = end_date
    pap.milestones.clear()
    await session.flush()
    pap.milestones.extend(Milestone(title=title, due_date=due) for title, due in milestones)
    pap.updated_at = now
    await session.flush()


def overall_progress(pap: Pap) -> int:
    """The PAP's progress: the mean of its milestones' progress."""
    if not pap.milestones:
        return 0
    return round(sum(m.progress for m in pap.milestones) / len(pap.milestones))
