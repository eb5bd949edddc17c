"""The program's indicators (seed, section 8) and one row per alumna, for organizers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.bookings import on_time as is_on_time
from db.coaching import cohort_statuses
from db.models import (
    AgreedAction,
    AnonymousOutcome,
    Booking,
    BookingEnd,
    CareerEvent,
    CareerEventKind,
    CheckIn,
    CheckInStatus,
    CoachingSlot,
    Cohort,
    FeedbackRound,
    ForumDay,
    LogEntry,
    Membership,
    MentorDialogue,
    MentoringPair,
    MentorLink,
    PairStatus,
    Pap,
    Person,
    QuizAnswer,
    RaterResponse,
    Reflection,
    Replication,
    ReplicationStatus,
    Role,
)
from db.raters import QUESTIONS, released_rounds
from db.schedule import add_months, local
from db.status import ProjectStatus

IMPLEMENTED_FROM = 75  # % implemented that counts as an implemented PAP
PROMOTION_TARGET = "25–30%"
ACTIVE_DAYS = 30
CAREER_KINDS = (CareerEventKind.PROMOTED, CareerEventKind.STRATEGIC_ASSIGNMENT)


@dataclass
class AlumnaRow:
    name: str
    nip: str | None  # text, never a number: 18 digits lose their tail as an Excel number
    agency: str | None
    work_unit: str | None
    position_level: str | None
    pap_title: str
    status: str  # db/status.ProjectStatus: on_track, late, stalled, done
    progress: int  # the one progress number: the mean of the milestones'
    self_assessment: str | None  # her latest check-in answer (PapStatus), kept apart
    logbook_entries: int
    reflections: int
    checkins_answered: int
    checkins_missed: int
    career_events: int
    feedback_overall: float | None  # closed rounds with at least three raters only
    rater_comments: str  # theirs, without names, sorted: never in the order they came
    last_activity: date
    reasons: list[str]  # why late or stalled: db/status reason codes
    coaching_sessions: int  # 1-on-1 sessions held (booked, begun, not missed)
    no_shows: int  # booked sessions one side missed
    actions_on_time: str  # agreed actions done by the date agreed, of those due so far: "2/3"
    mentor: str  # her supervisor-mentor's name, when one consented and she has not ended it
    mentor_reported: int  # strategic assignments or promotions her mentor reported (counted in career events too)
    forum_days: int  # days in the last 30 she posted or replied in the community group (counted only if she agreed)


# Columns whose values are codes, and the catalog prefix that names them in a person's language.
LABELLED = {"status": "status.", "self_assessment": "status.said_", "position_level": "choices.level.", "reasons": "status.reason_word_"}


@dataclass
class Indicators:
    alumnae: int
    promoted_or_assigned: float  # share within 12 months of the training end
    promoted_target: str
    pap_implementation: float
    checkin_response: float
    forum_participation: float  # share who named a forum they take part in, in a check-in
    perception: dict[str, float | None]  # averages 1–5 of supervisor, peer and unit raters
    cop_engagement: float  # share who answered at least one tip quiz
    quiz_answers: int
    active_30_days: float
    coaching_sessions: int  # 1-on-1 sessions held
    sessions_per_alumna: float
    no_shows: int
    actions_on_time: float  # share of agreed actions due so far that were done by the date agreed
    mentors_linked: int  # alumnae whose supervisor consented to mentor them
    mentors_answering: int  # of those mentors, how many answered at least one monthly dialogue
    mentor_obstacles: list[tuple[str, str]]  # (alumna, obstacle) as mentors reported them, newest first
    network: Network


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


async def cohort_report(*, session: AsyncSession, cohort: Cohort, now: datetime) -> tuple[Indicators, list[AlumnaRow]]:
    today = now.date()
    statuses = {s.person_id: s for s in await cohort_statuses(session=session, cohort=cohort, today=today)}
    people = {
        p.id: p
        for p in await session.scalars(
            select(Person).join(Membership).where(Membership.cohort_id == cohort.id, Membership.role == Role.ALUMNI)
        )
    }
    ids = list(people)

    async def per_person(query: Select[*tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
        return {row[0]: tuple(row[1:]) for row in (await session.execute(query)).all()}

    entries = await per_person(
        select(LogEntry.person_id, func.count(), func.max(LogEntry.created_at))
        .join(Pap, LogEntry.pap_id == Pap.id)
        .where(Pap.cohort_id == cohort.id)
        .group_by(LogEntry.person_id)
    )
    reflections = await per_person(
        select(Reflection.person_id, func.count(), func.max(Reflection.created_at))
        .where(Reflection.person_id.in_(ids))
        .group_by(Reflection.person_id)
    )
    career_window = (cohort.training_end, add_months(cohort.training_end, 12))
    careers = await per_person(
        select(
            CareerEvent.person_id,
            func.count(),
            func.count().filter(CareerEvent.kind.in_(CAREER_KINDS), CareerEvent.event_date.between(*career_window)),
        )
        .where(CareerEvent.person_id.in_(ids))
        .group_by(CareerEvent.person_id)
    )
    released = released_rounds(now)
    feedback = await per_person(
        select(FeedbackRound.person_id, func.avg(RaterResponse.overall), func.count())
        .join(RaterResponse, RaterResponse.round_id == FeedbackRound.id)
        .where(FeedbackRound.person_id.in_(ids), FeedbackRound.id.in_(released))
        .group_by(FeedbackRound.person_id)
    )
    comments: dict[int, list[str]] = defaultdict(list)
    for person_id, comment in await session.execute(
        select(FeedbackRound.person_id, RaterResponse.comment)
        .join(RaterResponse, RaterResponse.round_id == FeedbackRound.id)
        .where(FeedbackRound.person_id.in_(ids), FeedbackRound.id.in_(released), RaterResponse.comment.is_not(None))
    ):
        comments[person_id].append(str(comment))
    quizzes = await per_person(
        select(QuizAnswer.person_id, func.count()).where(QuizAnswer.person_id.in_(ids)).group_by(QuizAnswer.person_id)
    )
    coaching = await coaching_numbers(session=session, alumnae=ids, now=now)
    forum_days = await per_person(
        select(ForumDay.person_id, func.count())
        .where(ForumDay.person_id.in_(ids), ForumDay.day > today - timedelta(days=ACTIVE_DAYS))
        .group_by(ForumDay.person_id)
    )
    checkins: dict[int, list[CheckIn]] = defaultdict(list)
    for checkin in await session.scalars(select(CheckIn).where(CheckIn.cohort_id == cohort.id).order_by(CheckIn.sequence)):
        checkins[checkin.person_id].append(checkin)

    rows: list[AlumnaRow] = []
    promoted = implemented = forum = active = answered_total = due_total = 0
    for person_id, person in sorted(people.items(), key=lambda item: item[1].name):
        status = statuses.get(person_id)
        mine = checkins[person_id]
        answered = [c for c in mine if c.status == CheckInStatus.ANSWERED]
        missed = sum(1 for c in mine if c.status == CheckInStatus.MISSED)
        due = len(answered) + missed + sum(1 for c in mine if c.status in (CheckInStatus.SENT, CheckInStatus.REMINDED))
        standing = status.standing if status else None
        is_implemented = standing is not None and (standing.status == ProjectStatus.DONE or standing.progress >= IMPLEMENTED_FROM)
        n_entries, _ = entries.get(person_id, (0, None))
        n_reflections, _ = reflections.get(person_id, (0, None))
        last_activity = today - timedelta(days=standing.idle_days) if standing else cohort.training_end
        promoted += careers.get(person_id, (0, 0))[1] > 0
        implemented += is_implemented
        forum += any(c.forums for c in answered)
        active += standing is not None and standing.idle_days <= ACTIVE_DAYS and last_activity > cohort.training_end
        answered_total += len(answered)
        due_total += due
        rows.append(
            AlumnaRow(
                name=person.name,
                nip=person.nip,
                agency=person.agency,
                work_unit=person.work_unit,
                position_level=person.position_level.value if person.position_level else None,
                pap_title=status.pap_title if status else "",
                status=standing.status.value if standing else "",
                progress=standing.progress if standing else 0,
                self_assessment=standing.self_assessment.value if standing and standing.self_assessment else None,
                logbook_entries=n_entries,
                reflections=n_reflections,
                checkins_answered=len(answered),
                checkins_missed=missed,
                career_events=careers.get(person_id, (0, 0))[0],
                feedback_overall=round(float(feedback[person_id][0]), 1) if person_id in feedback else None,
                rater_comments=" / ".join(sorted(comments[person_id], key=str.casefold)),
                last_activity=last_activity,
                reasons=list(standing.reasons) if standing else [],
                coaching_sessions=coaching.held.get(person_id, 0),
                no_shows=coaching.no_shows.get(person_id, 0),
                actions_on_time=f"{coaching.on_time.get(person_id, 0)}/{coaching.actions_due.get(person_id, 0)}",
                mentor=coaching.mentors.get(person_id, ""),
                mentor_reported=coaching.mentor_reported.get(person_id, 0),
                forum_days=forum_days.get(person_id, (0,))[0],
            )
        )

    anonymous = list(await session.scalars(select(AnonymousOutcome).where(AnonymousOutcome.cohort_id == cohort.id)))
    whole = len(rows) + len(anonymous)
    perception_row = (
        await session.execute(
            select(*(func.avg(getattr(RaterResponse, q)) for q in QUESTIONS))
            .join(FeedbackRound, RaterResponse.round_id == FeedbackRound.id)
            .where(FeedbackRound.person_id.in_(ids), FeedbackRound.id.in_(released))
        )
    ).one()
    indicators = Indicators(
        alumnae=whole,
        promoted_or_assigned=_share(promoted + sum(a.promoted_or_assigned for a in anonymous), whole),
        promoted_target=PROMOTION_TARGET,
        pap_implementation=_share(implemented + sum(a.pap_implemented for a in anonymous), whole),
        checkin_response=_share(
            answered_total + sum(a.checkins_answered for a in anonymous), due_total + sum(a.checkins_due for a in anonymous)
        ),
        forum_participation=_share(forum + sum(a.forum_participant for a in anonymous), whole),
        perception={q: (round(float(v), 2) if v is not None else None) for q, v in zip(QUESTIONS, perception_row, strict=True)},
        cop_engagement=_share(sum(1 for p in ids if p in quizzes), len(rows)),
        quiz_answers=sum(v[0] for v in quizzes.values()),
        active_30_days=_share(active, len(rows)),
        coaching_sessions=coaching.sessions,
        sessions_per_alumna=coaching.per_alumna,
        no_shows=coaching.no_show_count,
        actions_on_time=coaching.on_time_share,
        mentors_linked=len(coaching.mentors),
        mentors_answering=len(coaching.answering),
        mentor_obstacles=coaching.obstacles,
        network=await network_numbers(session=session, alumnae=ids, now=now),
    )
    return indicators, rows


@dataclass(frozen=True)
class Network:
    """The alumni network's indicators (seed, section 8), each with its definition in the catalogs
    (`report.def_<name>`): how the alumnae of a cohort take part beyond their own project."""

    forum_active: float  # share of the alumnae who posted or replied in the community group in the last 30 days (counted with consent)
    mentoring_pairs: int  # alumni mentoring pairs running now with one of these alumnae on either side
    replications: int  # replications of a library PAP that its author agreed to, asked by or of these alumnae
    replications_started: int  # of those, the ones the replicating alumna saved as her PAP
    cross_cohort_contacts: int  # replications agreed and mentoring pairs begun between alumnae of different cohorts


async def _how_many(session: AsyncSession, alumnae: list[int] | Select[int]) -> int:
    if isinstance(alumnae, list):
        return len(alumnae)
    return await session.scalar(select(func.count()).select_from(alumnae.subquery())) or 0


def alumnae_of(cohort: Cohort) -> Select[int]:
    return select(Membership.person_id).where(Membership.cohort_id == cohort.id, Membership.role == Role.ALUMNI)


async def cohort_network(*, session: AsyncSession, cohort: Cohort, now: datetime) -> Network:
    return await network_numbers(session=session, alumnae=alumnae_of(cohort), now=now)


async def network_numbers(*, session: AsyncSession, alumnae: list[int] | Select[int], now: datetime) -> Network:
    ids = alumnae
    whole = await _how_many(session, ids)
    since = now.date() - timedelta(days=ACTIVE_DAYS)
    active = await session.scalar(
        select(func.count(func.distinct(ForumDay.person_id))).where(ForumDay.person_id.in_(ids), ForumDay.day > since)
    )
    agreed = (
        await session.execute(
            select(func.count(), func.count().filter(Replication.cross_cohort), func.count().filter(Replication.pap_id.is_not(None))).where(
                Replication.status == ReplicationStatus.AGREED, or_(Replication.requester_id.in_(ids), Replication.author_id.in_(ids))
            )
        )
    ).one()
    either = or_(MentoringPair.mentor_id.in_(ids), MentoringPair.mentee_id.in_(ids))
    pairs = (
        await session.execute(
            select(
                func.count().filter(MentoringPair.status == PairStatus.ACTIVE),
                func.count().filter(MentoringPair.started_at.is_not(None), MentoringPair.cross_cohort),
            ).where(either)
        )
    ).one()
    return Network(
        forum_active=_share(active or 0, whole),
        mentoring_pairs=pairs[0],
        replications=agreed[0],
        replications_started=agreed[2],
        cross_cohort_contacts=agreed[1] + pairs[1],
    )


@dataclass
class Coaching:
    """1-on-1 sessions, agreed actions and mentors, per alumna (person id)."""

    alumnae: int
    held: dict[int, int]
    no_shows: dict[int, int]
    on_time: dict[int, int]
    actions_due: dict[int, int]
    mentors: dict[int, str]
    answering: set[int]
    mentor_reported: dict[int, int]
    obstacles: list[tuple[str, str]]  # (alumna, obstacle), newest first

    @property
    def sessions(self) -> int:
        return sum(self.held.values())

    @property
    def per_alumna(self) -> float:
        return round(self.sessions / self.alumnae, 2) if self.alumnae else 0.0

    @property
    def no_show_count(self) -> int:
        return sum(self.no_shows.values())

    @property
    def on_time_share(self) -> float:
        return _share(sum(self.on_time.values()), sum(self.actions_due.values()))


async def coaching_numbers(*, session: AsyncSession, alumnae: list[int] | Select[int], now: datetime) -> Coaching:
    """The 1-on-1 sessions, agreed actions and mentors of these alumnae (ids, or a query of them)."""
    ids = alumnae
    held: dict[int, int] = defaultdict(int)
    no_shows: dict[int, int] = defaultdict(int)
    for person_id, ended in await session.execute(
        select(Booking.person_id, Booking.ended)
        .join(CoachingSlot)
        .where(Booking.person_id.in_(ids), CoachingSlot.starts_at <= now, Booking.ended.is_distinct_from(BookingEnd.CANCELLED))
    ):
        if ended is None:
            held[person_id] += 1
        else:
            no_shows[person_id] += 1
    on_time: dict[int, int] = defaultdict(int)
    due: dict[int, int] = defaultdict(int)
    for action, zone in await session.execute(
        select(AgreedAction, Person.timezone).join(Person, Person.id == AgreedAction.person_id).where(AgreedAction.person_id.in_(ids))
    ):
        if action.done_at is not None or local(now, zone).date() > action.first_due_date:
            due[action.person_id] += 1
            on_time[action.person_id] += is_on_time(action, zone)
    linked = (
        await session.execute(
            select(MentorLink.person_id, MentorLink.id, MentorLink.mentor_name).where(
                MentorLink.person_id.in_(ids), MentorLink.consented_at.is_not(None), MentorLink.ended_at.is_(None)
            )
        )
    ).all()
    answered = list(
        (
            await session.execute(
                select(MentorDialogue.person_id, MentorDialogue.link_id, MentorDialogue.obstacle, Person.name)
                .join(Person, Person.id == MentorDialogue.person_id)
                .where(MentorDialogue.person_id.in_(ids), MentorDialogue.answered_at.is_not(None))
                .order_by(MentorDialogue.answered_at.desc())
            )
        ).all()
    )
    reported = dict(
        (
            await session.execute(
                select(CareerEvent.person_id, func.count())
                .where(CareerEvent.person_id.in_(ids), CareerEvent.dialogue_id.is_not(None))
                .group_by(CareerEvent.person_id)
            )
        ).all()
    )
    alumnae_count = await _how_many(session, ids)
    return Coaching(
        alumnae=alumnae_count, held=held, no_shows=no_shows, on_time=on_time, actions_due=due,
        mentors={p: name or "" for p, _, name in linked}, mentor_reported=reported,
        answering={link_id for _, link_id, _, _ in answered} & {link_id for _, link_id, _ in linked},
        obstacles=[(name, obstacle) for _, _, obstacle, name in answered if obstacle],
    )  # fmt: skip


def report_dict(cohort: Cohort, indicators: Indicators, rows: list[AlumnaRow]) -> dict[str, object]:
    return {
        "cohort": {
            "id": cohort.id,
            "name": cohort.name,
            "training_end": cohort.training_end.isoformat(),
            "months": cohort.monitoring_months,
        },
        "indicators": asdict(indicators),
        "alumnae": [{**asdict(row), "last_activity": row.last_activity.isoformat()} for row in rows],
    }
