"""The PAP logbook: entries with evidence, milestone progress, and the coach's feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    ChatPurpose,
    Cohort,
    CohortChat,
    Draft,
    Evidence,
    EvidenceKind,
    Feedback,
    LogEntry,
    Membership,
    MilestoneStatus,
    Pap,
    Person,
    Role,
)
from db.plans import milestone_of

EDIT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence as received; `local_path` is None when the file was too big to fetch."""

    kind: EvidenceKind
    file_id: str | None = None
    file_unique_id: str | None = None
    name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    url: str | None = None
    local_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {key: (value.value if isinstance(value, EvidenceKind) else value) for key, value in vars(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceItem:
        return cls(**{**data, "kind": EvidenceKind(data["kind"])})


def draft_evidence_paths(data: dict[str, Any]) -> list[str]:
    """The files a conversation in progress holds on disk: a logbook entry's evidence, or a stray file."""
    items = [*data.get("evidence", []), *([data["item"]] if isinstance(data.get("item"), dict) else [])]
    return [item["local_path"] for item in items if isinstance(item, dict) and item.get("local_path")]


async def evidence_paths_in_use(*, session: AsyncSession) -> set[str]:
    """Every evidence file some row still points to: entries' evidence, and drafts' files."""
    stored = set(await session.scalars(select(Evidence.local_path).where(Evidence.local_path.is_not(None))))
    for data in await session.scalars(select(Draft.data)):
        stored.update(draft_evidence_paths(data))
    return {path for path in stored if path}


def _evidence_row(item: EvidenceItem, now: datetime) -> Evidence:
    return Evidence(
        kind=item.kind,
        file_id=item.file_id,
        file_unique_id=item.file_unique_id,
        name=item.name,
        mime_type=item.mime_type,
        size=item.size,
        url=item.url,
        local_path=item.local_path,
        created_at=now,
    )


async def create_entry(
    *,
    session: AsyncSession,
    pap: Pap,
    milestone_id: int | None,
    text: str,
    progress: int | None,
    milestone_done: bool,
    obstacles: str | None,
    support: str | None,
    evidence: list[EvidenceItem],
    now: datetime,
) -> LogEntry:
    """Store an entry and its evidence, and move the milestone's progress with it."""
    milestone = milestone_of(pap, milestone_id) if milestone_id is not None else None
    unique = {item.file_unique_id or f"link:{index}": item for index, item in enumerate(evidence)}
    entry = LogEntry(
        person_id=pap.person_id,
        pap_id=pap.id,
        milestone_id=milestone.id if milestone else None,
        text=text,
        progress=progress if milestone else None,
        obstacles=obstacles,
        support=support,
        created_at=now,
        updated_at=now,
        evidence=[_evidence_row(item, now) for item in unique.values()],
        feedback=[],
    )
    if milestone is not None and progress is not None:
        if progress != milestone.progress or milestone_done:
            pap.progress_changed_at = now
        milestone.progress = progress
        if milestone_done:
            milestone.status, milestone.done_at = MilestoneStatus.DONE, now
        elif milestone.status != MilestoneStatus.DONE:
            milestone.status = MilestoneStatus.IN_PROGRESS if progress > 0 else MilestoneStatus.PLANNED
    pap.updated_at = pap.last_activity_at = now
    session.add(entry)
    await session.flush()
    return entry


async def add_evidence(*, session: AsyncSession, entry: LogEntry, item: EvidenceItem, now: datetime) -> bool:
    """Attach to an existing entry; False when that file is already attached to it."""
    if item.file_unique_id and any(e.file_unique_id == item.file_unique_id for e in entry.evidence):
        return False
    entry.evidence.append(_evidence_row(item, now))
    await session.flush()
    return True


def _entries_of(person_id: int) -> Select[LogEntry]:
    return (
        select(LogEntry)
        .where(LogEntry.person_id == person_id)
        .options(selectinload(LogEntry.evidence), selectinload(LogEntry.milestone), selectinload(LogEntry.feedback))
        .order_by(LogEntry.created_at.desc(), LogEntry.id.desc())
    )


async def latest_entry(*, session: AsyncSession, person_id: int) -> LogEntry | None:
    return await session.scalar(_entries_of(person_id).limit(1))


async def recent_entries(*, session: AsyncSession, person_id: int, limit: int = 5) -> list[LogEntry]:
    return list(await session.scalars(_entries_of(person_id).limit(limit)))


async def own_entry(*, session: AsyncSession, person_id: int, entry_id: int) -> LogEntry | None:
    """Her entry by id; another alumna's id finds nothing."""
    return await session.scalar(_entries_of(person_id).where(LogEntry.id == entry_id))


def editable(entry: LogEntry, now: datetime) -> bool:
    return now - entry.created_at <= EDIT_WINDOW


async def delete_entry(*, session: AsyncSession, entry: LogEntry) -> list[str]:
    """Delete the entry; return the local evidence files the caller should remove from disk."""
    paths = [e.local_path for e in entry.evidence if e.local_path]
    await session.delete(entry)
    await session.flush()
    return paths


async def coaches_of(*, session: AsyncSession, cohort_id: int) -> list[Person]:
    rows = await session.scalars(
        select(Person).join(Membership).where(Membership.cohort_id == cohort_id, Membership.role == Role.COACH, Person.active)
    )
    return list(rows)


async def notice_groups(*, session: AsyncSession, cohort: Cohort) -> list[int]:
    """Coach group chats that asked for logbook notices."""
    if not cohort.group_entry_notices:
        return []
    rows = await session.scalars(
        select(CohortChat.chat_id).where(CohortChat.cohort_id == cohort.id, CohortChat.purpose == ChatPurpose.COACH_GROUP)
    )
    return list(rows)


async def entry_for_coach(*, session: AsyncSession, entry_id: int, coach_telegram_id: int) -> tuple[LogEntry, Person] | None:
    """The entry and the coach, only when this person coaches the entry's cohort (by numeric id)."""
    entry = await session.scalar(select(LogEntry).where(LogEntry.id == entry_id).options(selectinload(LogEntry.milestone)))
    if entry is None:
        return None
    coach = await session.scalar(
        select(Person)
        .join(Membership)
        .join(Pap, Pap.cohort_id == Membership.cohort_id)
        .where(Pap.id == entry.pap_id, Person.telegram_id == coach_telegram_id, Membership.role == Role.COACH)
    )
    return (entry, coach) if coach is not None else None


async def add_feedback(*, session: AsyncSession, entry: LogEntry, coach: Person, text: str, now: datetime) -> Feedback:
    feedback = Feedback(entry_id=entry.id, coach_id=coach.id, text=text, created_at=now)
    session.add(feedback)
    await session.flush()
    return feedback


async def verify_entry(*, session: AsyncSession, entry: LogEntry, coach: Person, now: datetime) -> bool:
    """Mark verified; False when it already was."""
    if entry.verified_at is not None:
        return False
    entry.verified_at, entry.verified_by = now, coach.id
    return True
