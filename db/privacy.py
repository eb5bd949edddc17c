"""Her personal data under UU 27/2022: everything of hers, export, deletion, and withdrawal of consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload

from db.contact import thread
from db.engine import is_sqlite
from db.models import (
    AnonymousOutcome,
    AuditEvent,
    Booking,
    CareerEvent,
    CareerEventKind,
    CheckIn,
    CheckInStatus,
    CoachingMessage,
    CoachingSlot,
    CoachRequest,
    Cohort,
    CohortChat,
    ConsentRefusal,
    CopChat,
    Delivery,
    DeliveryStatus,
    Draft,
    Evidence,
    ForumDay,
    GalleryEntry,
    LogEntry,
    Membership,
    MentorDialogue,
    MentoringOffer,
    MentoringPair,
    MentorLink,
    Notice,
    Pap,
    Person,
    QuizAnswer,
    RaterLink,
    RaterResponse,
    Reflection,
    Replication,
    Role,
    SendStatus,
)
from db.raters import RoundResult, released
from db.schedule import add_months


@dataclass
class PersonalData:
    """Everything stored about her, loaded once for the portfolio and the export."""

    person: Person
    paps: list[Pap]
    entries: list[LogEntry]
    reflections: list[Reflection]
    checkins: list[CheckIn]
    career: list[CareerEvent]
    feedback: list[RoundResult]  # her closed rounds; averages and comments only where three or more answered
    rater_links: list[RaterLink]
    quiz_answers: list[QuizAnswer]
    coaching_thread: list[CoachingMessage]
    sessions: list[Booking]  # her 1-on-1 coaching sessions, with their GROW notes and agreed actions
    mentors: list[MentorLink]
    mentor_dialogues: list[MentorDialogue]
    forum_days: list[ForumDay]  # the days she posted or replied in the community group, when she agreed to count them
    network: dict[str, list[Any]]  # her library entries, replication requests, mentoring offer and pairs


async def personal_data(*, session: AsyncSession, person: Person, now: datetime) -> PersonalData:
    paps = list(
        await session.scalars(
            select(Pap)
            .where(Pap.person_id == person.id)
            .options(selectinload(Pap.milestones), selectinload(Pap.cohort))
            .order_by(Pap.created_at)
        )
    )
    entries = list(
        await session.scalars(
            select(LogEntry)
            .where(LogEntry.person_id == person.id)
            .options(selectinload(LogEntry.evidence), selectinload(LogEntry.milestone), selectinload(LogEntry.feedback))
            .order_by(LogEntry.created_at)
        )
    )
    reflections = list(
        await session.scalars(select(Reflection).where(Reflection.person_id == person.id).order_by(Reflection.week_year, Reflection.week))
    )
    checkins = list(await session.scalars(select(CheckIn).where(CheckIn.person_id == person.id).order_by(CheckIn.sequence)))
    career = list(await session.scalars(select(CareerEvent).where(CareerEvent.person_id == person.id).order_by(CareerEvent.event_date)))
    feedback = await released(session=session, person_id=person.id, now=now)
    links = list(await session.scalars(select(RaterLink).where(RaterLink.person_id == person.id)))
    quizzes = list(await session.scalars(select(QuizAnswer).where(QuizAnswer.person_id == person.id)))
    messages = await thread(session=session, person_id=person.id, limit=None)
    sessions = list(
        await session.scalars(
            select(Booking)
            .where(Booking.person_id == person.id)
            .order_by(Booking.booked_at)
            .options(selectinload(Booking.slot).selectinload(CoachingSlot.coach), selectinload(Booking.actions))
        )
    )
    mentors = list(await session.scalars(select(MentorLink).where(MentorLink.person_id == person.id).order_by(MentorLink.id)))
    dialogues = list(await session.scalars(select(MentorDialogue).where(MentorDialogue.person_id == person.id).order_by(MentorDialogue.id)))
    forum_days = list(await session.scalars(select(ForumDay).where(ForumDay.person_id == person.id).order_by(ForumDay.day)))
    network: dict[str, list[Any]] = {
        "gallery_entries": list(await session.scalars(select(GalleryEntry).where(GalleryEntry.person_id == person.id))),
        "replications": list(
            await session.scalars(select(Replication).where(or_(Replication.requester_id == person.id, Replication.author_id == person.id)))
        ),
        "mentoring_offers": list(await session.scalars(select(MentoringOffer).where(MentoringOffer.person_id == person.id))),
        "mentoring_pairs": list(
            await session.scalars(
                select(MentoringPair).where(or_(MentoringPair.mentor_id == person.id, MentoringPair.mentee_id == person.id))
            )
        ),
    }
    return PersonalData(
        person,
        paps,
        entries,
        reflections,
        checkins,
        career,
        feedback,
        links,
        quizzes,
        messages,
        sessions,
        mentors,
        dialogues,
        forum_days,
        network,
    )


def _plain(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row's columns as JSON-ready values."""
    data = {}
    for column in obj.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(obj, column.key)
        data[column.key] = value.isoformat() if hasattr(value, "isoformat") else (value.value if hasattr(value, "value") else value)
    return data


def export_dict(data: PersonalData) -> dict[str, Any]:
    return {
        "person": _plain(data.person),
        "paps": [{**_plain(p), "milestones": [_plain(m) for m in p.milestones]} for p in data.paps],
        "logbook": [
            {**_plain(e), "evidence": [_plain(x) for x in e.evidence], "feedback": [_plain(f, ("coach_id",)) for f in e.feedback]}
            for e in data.entries
        ],
        "reflections": [_plain(r) for r in data.reflections],
        "checkins": [_plain(c) for c in data.checkins],
        "career_events": [_plain(c) for c in data.career],
        "feedback_from_raters": [
            {
                "opened_at": r.opened_at.isoformat(),
                "closed_at": r.closed_at.isoformat(),
                "raters": r.raters,
                "averages": r.averages,
                "comments": r.comments,
            }
            for r in data.feedback
        ],
        "rater_links": [_plain(link) for link in data.rater_links],
        "quiz_answers": [_plain(q) for q in data.quiz_answers],
        "coaching_thread": [
            {
                "created_at": m.created_at.isoformat(),
                "from": m.coach.name if m.coach else ("coach" if m.from_coach else "me"),
                "text": m.text,
            }
            for m in data.coaching_thread
        ],
        "coaching_sessions": [
            {
                "starts_at": b.slot.starts_at.isoformat(),
                "minutes": b.slot.minutes,
                "coach": b.slot.coach.name,
                **_plain(b, ("id", "slot_id", "person_id", "ended_by")),
                "agreed_actions": [_plain(a, ("booking_id", "person_id")) for a in b.actions],
            }
            for b in data.sessions
        ],
        "mentors": [_plain(link, ("code", "person_id", "mentor_telegram_id", "locale")) for link in data.mentors],
        "mentor_dialogues": [_plain(d, ("person_id",)) for d in data.mentor_dialogues],
        "community_group_days": [_plain(d, ("id", "person_id")) for d in data.forum_days],
        **{name: [_plain(row, ("body",)) for row in rows] for name, rows in data.network.items()},
    }


async def withdraw_consent(*, session: AsyncSession, person: Person, now: datetime) -> None:
    """No more reminders, check-ins or broadcasts: every sweep checks consent before sending. Scheduled
    notices to her (a session's reminders, an action's follow-up) are dropped too."""
    person.consent_at = None
    person.updated_at = now
    await session.execute(
        update(Delivery)
        .where(Delivery.person_id == person.id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SKIPPED)
    )
    await session.execute(
        update(Notice)
        .where(Notice.chat_id == person.telegram_id, Notice.topic.is_not(None), Notice.status == SendStatus.PENDING)
        .values(status=SendStatus.SKIPPED)
    )


async def delete_personal_data(*, session: AsyncSession, person: Person, now: datetime) -> list[str]:
    """Delete her and everything of hers; cohorts keep an anonymous count of her outcomes.

    Returns her evidence files' paths (relative to ECOACH_DATA_DIR) for the caller to remove.
    """
    telegram_id = person.telegram_id
    paths = [
        path
        for path in await session.scalars(
            select(Evidence.local_path).join(LogEntry).where(LogEntry.person_id == person.id, Evidence.local_path.is_not(None))
        )
        if path
    ]
    for cohort_id in await session.scalars(
        select(Membership.cohort_id).where(Membership.person_id == person.id, Membership.role == Role.ALUMNI)
    ):
        session.add(await _anonymous_outcome(session, person.id, cohort_id, now))
    # Rows that name her by Telegram id instead of by a foreign key.
    await session.execute(delete(Draft).where(Draft.telegram_id == telegram_id))
    await session.execute(delete(ConsentRefusal).where(ConsentRefusal.telegram_id == telegram_id))
    await session.execute(
        update(RaterResponse).where(RaterResponse.rater_telegram_id == telegram_id).values(rater_telegram_id=-RaterResponse.id)
    )
    await session.execute(update(CohortChat).where(CohortChat.linked_by == telegram_id).values(linked_by=0))
    await session.execute(update(CopChat).where(CopChat.linked_by == telegram_id).values(linked_by=0))
    await session.execute(delete(Delivery).where(Delivery.chat_id == telegram_id))
    await session.execute(delete(CoachRequest).where(CoachRequest.telegram_id == telegram_id))
    # The audit log keeps that something was granted or linked, no longer to whom or by whom.
    await session.execute(update(AuditEvent).where(AuditEvent.subject_telegram_id == telegram_id).values(subject_telegram_id=None))
    await session.execute(update(AuditEvent).where(AuditEvent.actor_telegram_id == telegram_id).values(actor_telegram_id=None))
    await session.delete(person)  # everything else cascades
    await session.flush()
    return paths


async def clear_deleted(engine: AsyncEngine) -> None:
    """After an erasure, leave no copy of her rows in the database files. SQLite overwrites deleted
    rows (secure_delete) but keeps the old pages in its write-ahead log until a checkpoint; PostgreSQL
    keeps dead tuples until a VACUUM."""
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if is_sqlite(str(engine.url)):
            await autocommit.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        else:
            await autocommit.execute(text("VACUUM"))


async def _anonymous_outcome(session: AsyncSession, person_id: int, cohort_id: int, now: datetime) -> AnonymousOutcome:
    cohort = await session.get(Cohort, cohort_id)
    assert cohort is not None
    window = (cohort.training_end, add_months(cohort.training_end, 12))
    promoted = await session.scalar(
        select(func.count())
        .select_from(CareerEvent)
        .where(
            CareerEvent.person_id == person_id,
            CareerEvent.kind.in_((CareerEventKind.PROMOTED, CareerEventKind.STRATEGIC_ASSIGNMENT)),
            CareerEvent.event_date.between(*window),
        )
    )
    checkins = list(
        await session.scalars(
            select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.cohort_id == cohort_id).order_by(CheckIn.sequence)
        )
    )
    answered = [c for c in checkins if c.status == CheckInStatus.ANSWERED]
    due = [c for c in checkins if c.status in (CheckInStatus.ANSWERED, CheckInStatus.MISSED, CheckInStatus.SENT, CheckInStatus.REMINDED)]
    latest = answered[-1] if answered else None
    return AnonymousOutcome(
        cohort_id=cohort_id,
        promoted_or_assigned=bool(promoted),
        pap_implemented=bool(
            latest and ((latest.implementation or 0) >= 75 or (latest.pap_status and latest.pap_status.value == "completed"))
        ),
        checkins_due=len(due),
        checkins_answered=len(answered),
        forum_participant=any(c.forums for c in answered),
        recorded_on=now.date(),
    )
