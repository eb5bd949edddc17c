"""One truth about a PAP's progress: its status, computed in one place from the same facts for every
view (/pap, /mandek, /ringkasan, /alumni, nudges, the report).

The rules are written twice, and a test holds the two equal on the same facts: `assess` in Python
reads one PAP's facts for its own view, and `standing_select` states them in SQL so that a list over
a cohort of 20,000 (/mandek, /ringkasan) is filtered, counted and paged by the database.

The facts: the milestones' due dates and completion, the progress (the mean of the milestones'
progress, the one number shown everywhere), her last activity (any logbook entry, check-in answer or
reflection) and her own word in her latest check-in. Her word is an input and is also kept apart:
views show it beside the computed status, and say so when the two differ.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, case, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from db.models import CheckInStatus, Cohort, Membership, Milestone, MilestoneStatus, Pap, PapStatus, Person, Role

STALLED_DAYS = 14  # without any activity
NO_PROGRESS_DAYS = 30  # a milestone overdue this long without any progress since its due date
DUE_CHECKIN = (CheckInStatus.SENT, CheckInStatus.REMINDED, CheckInStatus.MISSED, CheckInStatus.ANSWERED)


class ProjectStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    LATE = "late"
    STALLED = "stalled"
    DONE = "done"


class MilestoneState(enum.StrEnum):
    DONE = "done"
    OVERDUE = "overdue"
    IN_PROGRESS = "in_progress"
    PLANNED = "planned"


# What her own check-in answer says, in the same terms.
SAYS = {
    PapStatus.ON_TRACK: ProjectStatus.ON_TRACK,
    PapStatus.DELAYED: ProjectStatus.LATE,
    PapStatus.STUCK: ProjectStatus.STALLED,
    PapStatus.ABANDONED: ProjectStatus.STALLED,
    PapStatus.COMPLETED: ProjectStatus.DONE,
}


@dataclass(frozen=True)
class MilestoneFact:
    due: date
    done: bool
    progress: int


@dataclass(frozen=True)
class Facts:
    milestones: tuple[MilestoneFact, ...]
    last_activity: date
    progress_changed: date
    self_assessment: PapStatus | None = None  # her latest check-in answer
    missed_last_two: bool = False  # her last two check-ins went unanswered


@dataclass(frozen=True)
class Standing:
    status: ProjectStatus
    reasons: tuple[str, ...]  # why late or stalled: keys of `status.reason_*` in the catalogs
    progress: int
    idle_days: int
    overdue_days: int
    self_assessment: PapStatus | None

    @property
    def says(self) -> ProjectStatus | None:
        return SAYS[self.self_assessment] if self.self_assessment else None

    @property
    def disagrees(self) -> bool:
        """Her own word and the computed status differ (shown, so that the coach asks)."""
        return self.says is not None and self.says != self.status


def milestone_state(status: MilestoneStatus, due: date, today: date) -> MilestoneState:
    if status == MilestoneStatus.DONE:
        return MilestoneState.DONE
    if due < today:
        return MilestoneState.OVERDUE
    return MilestoneState.IN_PROGRESS if status == MilestoneStatus.IN_PROGRESS else MilestoneState.PLANNED


def progress_of(milestones: Sequence[MilestoneFact]) -> int:
    """The PAP's progress: the mean of its milestones' progress."""
    return round(sum(m.progress for m in milestones) / len(milestones)) if milestones else 0


def assess(facts: Facts, today: date, stalled_days: int = STALLED_DAYS) -> Standing:
    """The status these facts give, with its reasons. Done beats stalled beats late beats on track."""
    progress = progress_of(facts.milestones)
    idle = max(0, (today - facts.last_activity).days)
    open_dues = [m.due for m in facts.milestones if not m.done]
    overdue = max(0, (today - min(open_dues)).days) if open_dues else 0

    def standing(status: ProjectStatus, reasons: list[str]) -> Standing:
        return Standing(status, tuple(reasons), progress, idle, overdue, facts.self_assessment)

    if (facts.milestones and not open_dues) or facts.self_assessment == PapStatus.COMPLETED:
        return standing(ProjectStatus.DONE, [])
    stalled = []
    if idle >= stalled_days:
        stalled.append("inactive")
    if facts.missed_last_two:
        stalled.append("missed_checkins")
    if facts.self_assessment in (PapStatus.STUCK, PapStatus.ABANDONED):
        stalled.append("says_stalled")
    if open_dues and overdue > 0 and (today - max(facts.progress_changed, min(open_dues))).days >= NO_PROGRESS_DAYS:
        stalled.append("no_progress")  # overdue this long, and nothing moved since it fell due
    if stalled:
        return standing(ProjectStatus.STALLED, stalled)
    late = (["overdue"] if overdue > 0 else []) + (["says_late"] if facts.self_assessment == PapStatus.DELAYED else [])
    return standing(ProjectStatus.LATE if late else ProjectStatus.ON_TRACK, late)


async def gather(*, session: AsyncSession, cohort: Cohort, pap_ids: list[int] | None = None) -> dict[int, Facts]:
    """The facts of the cohort's PAPs (or just `pap_ids`), by PAP id, in two set-based queries: her
    check-in facts are kept on the PAP by triggers (migration 0020)."""
    where: ColumnElement[bool] = Pap.cohort_id == cohort.id
    if pap_ids is not None:
        where = where & Pap.id.in_(pap_ids)
    paps = (
        await session.execute(
            select(Pap.id, Pap.last_activity_at, Pap.progress_changed_at, Pap.checkin_said, Pap.checkins_missed_last_two).where(where)
        )
    ).all()
    chosen = select(Pap.id).where(where).scalar_subquery()
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    for pap_id, due, milestone_status, progress in await session.execute(
        select(Milestone.pap_id, Milestone.due_date, Milestone.status, Milestone.progress)
        .where(Milestone.pap_id.in_(chosen))
        .order_by(Milestone.due_date, Milestone.id)
    ):
        milestones[pap_id].append(MilestoneFact(due, milestone_status == MilestoneStatus.DONE, progress))
    return {
        pap_id: Facts(
            milestones=tuple(milestones[pap_id]),
            last_activity=_day(last_activity, cohort.training_end),
            progress_changed=_day(progress_changed, cohort.training_end),
            self_assessment=said,
            missed_last_two=missed,
        )
        for pap_id, last_activity, progress_changed, said, missed in paps
    }


def _day(moment: datetime | None, training_end: date) -> date:
    """A PAP starts counting at the training's end: nothing before it is late or idle."""
    return max(training_end, moment.date()) if moment else training_end


class utc_day(FunctionElement[date]):
    """The UTC calendar day of a stored moment, as `_day` takes it."""

    type = Date()
    inherit_cache = True


@compiles(utc_day)
@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"  # stored as UTC text: its first 10 characters


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


REASONS = ("inactive", "missed_checkins", "says_stalled", "no_progress")  # in the order `assess` gives them


def standing_select(*, cohort: Cohort, today: date, stalled_days: int = STALLED_DAYS) -> Select[Any]:
    """`assess` in SQL: one row per alumna's PAP in the cohort, with who she is, the status, each reason
    as 0 or 1 (columns named as REASONS), how many there are, the progress as a sum and a count, her
    latest word (`said`), and the two days her place in /mandek is sorted by (`idle_from`, `overdue_from`).
    `standing_from_row` turns a row into the Standing `assess` would give."""
    start = literal(cohort.training_end, Date)

    def counted_from(moment: Any) -> ColumnElement[date]:  # `_day`: nothing before the training's end counts
        day = utc_day(moment)
        return case((day > start, day), else_=start)

    open_due = case((Milestone.status != MilestoneStatus.DONE, Milestone.due_date))
    milestones = (
        select(
            Milestone.pap_id,
            func.count().label("count"),
            func.sum(Milestone.progress).label("progress_sum"),
            func.min(open_due).label("first_open_due"),
        )
        .where(Milestone.pap_id.in_(select(Pap.id).where(Pap.cohort_id == cohort.id)))
        .group_by(Milestone.pap_id)
        .subquery()
    )
    said, first_due = Pap.checkin_said, milestones.c.first_open_due  # her check-in facts, kept on the PAP
    active_day = counted_from(Pap.last_activity_at)
    moved_from = counted_from(Pap.progress_changed_at)
    quiet_since, stuck_since = today - timedelta(days=stalled_days), today - timedelta(days=NO_PROGRESS_DAYS)
    reasons = [
        case((condition, 1), else_=0).label(name)
        for name, condition in zip(
            REASONS,
            [
                active_day <= quiet_since,
                Pap.checkins_missed_last_two,
                said.in_([PapStatus.STUCK, PapStatus.ABANDONED]),
                (first_due <= stuck_since) & (moved_from <= stuck_since),
            ],
            strict=True,
        )
    ]
    reason_count = sum((reason.element for reason in reasons), literal(0))
    done = ((func.coalesce(milestones.c.count, 0) > 0) & first_due.is_(None)) | (said == PapStatus.COMPLETED)
    late = (first_due < today) | (said == PapStatus.DELAYED)
    status = case(
        (done, ProjectStatus.DONE.value),
        (reason_count > 0, ProjectStatus.STALLED.value),
        (late, ProjectStatus.LATE.value),
        else_=ProjectStatus.ON_TRACK.value,
    )
    return (
        select(
            Pap.id.label("pap_id"),
            Pap.title.label("title"),
            Person.id.label("person_id"),
            Person.telegram_id.label("telegram_id"),
            Person.name.label("name"),
            Person.locale.label("locale"),
            status.label("status"),
            *reasons,
            reason_count.label("reasons"),
            func.coalesce(milestones.c.progress_sum, 0).label("progress_sum"),
            func.coalesce(milestones.c.count, 0).label("milestones"),
            said.label("said"),
            case((active_day > today, literal(today, Date)), else_=active_day).label("idle_from"),  # idle is never below 0 days
            case((first_due < today, first_due), else_=literal(today, Date)).label("overdue_from"),
        )
        .join(Person, Pap.person_id == Person.id)
        .join(Membership, (Membership.person_id == Person.id) & (Membership.cohort_id == Pap.cohort_id) & (Membership.role == Role.ALUMNI))
        .outerjoin(milestones, milestones.c.pap_id == Pap.id)
        .where(Pap.cohort_id == cohort.id)
    )


def standing_from_row(row: Any, today: date) -> Standing:
    """The Standing of one row of `standing_select`: what `assess` gives on the same facts."""
    status, said = ProjectStatus(row.status), PapStatus(row.said) if row.said else None
    overdue = (today - row.overdue_from).days
    if status == ProjectStatus.STALLED:
        reasons = tuple(name for name in REASONS if getattr(row, name))
    elif status == ProjectStatus.LATE:
        reasons = (("overdue",) if overdue > 0 else ()) + (("says_late",) if said == PapStatus.DELAYED else ())
    else:
        reasons = ()
    return Standing(
        status=status,
        reasons=reasons,
        progress=round(row.progress_sum / row.milestones) if row.milestones else 0,
        idle_days=(today - row.idle_from).days,
        overdue_days=overdue,
        self_assessment=said,
    )


async def standing_of(*, session: AsyncSession, pap: Pap, today: date) -> Standing:
    facts = await gather(session=session, cohort=pap.cohort, pap_ids=[pap.id])
    return assess(facts[pap.id], today)


async def mark_activity(*, session: AsyncSession, person_id: int, now: datetime) -> None:
    """She did something for her project (a logbook entry, a check-in answer, a reflection)."""
    await session.execute(update(Pap).where(Pap.person_id == person_id).values(last_activity_at=now))
