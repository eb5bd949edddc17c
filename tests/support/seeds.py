"""Cohorts whose numbers tests know in advance: one for the coach views, one for the report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.enrolment import enrol_coach
from db.logbook import EvidenceItem, create_entry
from db.models import (
    CareerEvent,
    CareerEventKind,
    CheckIn,
    CheckInStatus,
    Cohort,
    CompetencyDomain,
    EvidenceKind,
    FeedbackRound,
    MilestoneStatus,
    Pap,
    Person,
    QuizAnswer,
    QuizPoll,
    RaterLink,
    RaterResponse,
    RaterRole,
)
from db.reflections import ReflectionAnswers, save_reflection
from tests.support import factories

COACHING_NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)  # training ended 2026-02-20: 40 days ago
GROUP = -100777
REPORT_NOW = datetime(2026, 8, 1, 3, 0, tzinfo=UTC)


async def coaching_cohort(session: AsyncSession, extra_stalled: int = 0) -> dict[str, Any]:
    """Ani active; Budi silent since training; Citra overdue; Dewi missed two check-ins; Eka done."""
    ids: dict[str, int] = {}
    cohort = await factories.cohort(session, COACHING_NOW - timedelta(days=60))
    other = await factories.cohort(session, COACHING_NOW, name="Angkatan Lain")
    await enrol_coach(
        session=session, telegram_id=7100, cohort=cohort, name="Coach Rina", locale="id", timezone="Asia/Jakarta", now=COACHING_NOW
    )
    await enrol_coach(
        session=session, telegram_id=7200, cohort=other, name="Coach Lain", locale="id", timezone="Asia/Jakarta", now=COACHING_NOW
    )
    for number, name in enumerate(["Ani", "Budi", "Citra", "Dewi", "Eka", *[f"Zed {n:02d}" for n in range(extra_stalled)]]):
        person = await factories.alumna(session, COACHING_NOW - timedelta(days=50), cohort, 7000 + number, name=name, reminders=False)
        ids[name] = person.id
        pap = await session.scalar(select(Pap).where(Pap.person_id == person.id))
        await session.refresh(pap, ["milestones"])
        first, second = sorted(pap.milestones, key=lambda m: m.due_date)
        if name in ("Ani", "Dewi"):
            await create_entry(
                session=session,
                pap=pap,
                milestone_id=first.id,
                text="Rapat rahasia internal",
                progress=40,
                milestone_done=False,
                obstacles="Konflik pribadi",
                support=None,
                evidence=[],
                now=COACHING_NOW - timedelta(days=2),
            )
            first.due_date = second.due_date = date(2026, 6, 1)
        if name == "Citra":
            await create_entry(
                session=session,
                pap=pap,
                milestone_id=second.id,
                text="Sosialisasi",
                progress=20,
                milestone_done=False,
                obstacles=None,
                support=None,
                evidence=[],
                now=COACHING_NOW - timedelta(days=5),
            )
            first.due_date = date(2026, 3, 20)  # 12 days overdue
        if name == "Budi":
            first.due_date = second.due_date = date(2026, 6, 1)
        if name == "Eka":
            for milestone in (first, second):
                milestone.status, milestone.progress = MilestoneStatus.DONE, 100
        if name == "Dewi":
            for sequence, status in ((1, CheckInStatus.ANSWERED), (2, CheckInStatus.MISSED), (3, CheckInStatus.MISSED)):
                session.add(
                    CheckIn(
                        person_id=person.id,
                        cohort_id=cohort.id,
                        sequence=sequence,
                        kind="regular",
                        month=sequence,
                        due_at=COACHING_NOW - timedelta(days=40 - sequence * 10),
                        status=status,
                    )
                )
        if name == "Ani":
            await save_reflection(
                session=session,
                person=person,
                week_year=2026,
                week=13,
                answers=ReflectionAnswers("Dibagikan ke coach", None, None, CompetencyDomain.SOFT_SKILLS, 4, None, True),
                now=COACHING_NOW,
            )
            await save_reflection(
                session=session,
                person=person,
                week_year=2026,
                week=12,
                answers=ReflectionAnswers("Sangat pribadi sekali", None, None, CompetencyDomain.SOFT_SKILLS, 2, None, False),
                now=COACHING_NOW,
            )
    ids["cohort_code"], ids["other_code"], ids["cohort_id"] = cohort.coach_code, other.coach_code, cohort.id
    return ids


async def report_cohort(session: AsyncSession, data_dir: Path) -> Cohort:
    """Four alumnae whose indicators are known (see test_report_indicators), and A's evidence photo."""
    cohort = await factories.cohort(session, REPORT_NOW, training_end=date(2026, 1, 1), months=6)
    people = {
        name: await factories.alumna(session, datetime(2026, 1, 2, tzinfo=UTC), cohort, 6100 + n, name=name, reminders=False)
        for n, name in enumerate("ABCD")
    }

    def checkin(
        person: Person,
        sequence: int,
        status: CheckInStatus,
        implementation: int | None = None,
        forums: list[str] | None = None,
        answered: datetime | None = None,
    ) -> None:
        session.add(
            CheckIn(
                person_id=person.id,
                cohort_id=cohort.id,
                sequence=sequence,
                kind="regular",
                month=sequence,
                due_at=REPORT_NOW - timedelta(days=90 - sequence),
                status=status,
                implementation=implementation,
                forums=forums,
                answered_at=answered,
                pap_status="on_track" if implementation else None,
            )
        )

    a, b, c, d = people["A"], people["B"], people["C"], people["D"]
    checkin(a, 1, CheckInStatus.ANSWERED, 80, ["cop"], datetime(2026, 6, 1, tzinfo=UTC))
    checkin(b, 1, CheckInStatus.ANSWERED, 50, [], datetime(2026, 4, 1, tzinfo=UTC))
    checkin(b, 2, CheckInStatus.MISSED)
    checkin(c, 1, CheckInStatus.MISSED)
    checkin(d, 1, CheckInStatus.ANSWERED, 75, [], datetime(2026, 7, 20, tzinfo=UTC))
    checkin(d, 2, CheckInStatus.SENT)
    session.add(CareerEvent(person_id=a.id, kind=CareerEventKind.PROMOTED, event_date=date(2026, 5, 1), created_at=REPORT_NOW))
    session.add(CareerEvent(person_id=b.id, kind=CareerEventKind.STRATEGIC_ASSIGNMENT, event_date=date(2025, 12, 1), created_at=REPORT_NOW))
    paps = {name: await session.scalar(select(Pap).where(Pap.person_id == person.id)) for name, person in people.items()}
    april, july = datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 7, 20, tzinfo=UTC)
    for pap, (progress, done, answered) in zip(
        paps.values(), ((80, False, None), (50, False, april), (100, True, None), (75, False, july)), strict=True
    ):
        await session.refresh(pap, ["milestones"])
        for milestone in pap.milestones:  # the progress their check-ins report, on their milestones
            milestone.progress = progress
            milestone.status = MilestoneStatus.DONE if done else MilestoneStatus.IN_PROGRESS
        pap.last_activity_at = answered  # as answering the check-in would have recorded it
    pap_a = paps["A"]
    evidence = EvidenceItem(EvidenceKind.PHOTO, "f1", "u1", None, "image/jpeg", 10, local_path=f"evidence/{a.id}/u1.jpg")
    await create_entry(
        session=session,
        pap=pap_a,
        milestone_id=pap_a.milestones[0].id,
        text="Sosialisasi layanan di kelurahan",
        progress=80,
        milestone_done=False,
        obstacles=None,
        support=None,
        evidence=[evidence],
        now=datetime(2026, 7, 25, tzinfo=UTC),
    )
    for week, confidence in ((20, 3), (21, 4)):
        await save_reflection(
            session=session,
            person=a,
            week_year=2026,
            week=week,
            now=REPORT_NOW,
            answers=ReflectionAnswers(f"Refleksi minggu {week}", None, None, CompetencyDomain.SOFT_SKILLS, confidence, None, False),
        )
    session.add(QuizPoll(poll_id="p1", person_id=a.id, tip_slug="x", correct_option=1, sent_at=REPORT_NOW))
    await session.flush()
    session.add(QuizAnswer(poll_id="p1", person_id=a.id, option=1, correct=True, answered_at=REPORT_NOW))
    opened = REPORT_NOW - timedelta(days=40)  # a round that closed ten days ago, with three raters
    feedback_round = FeedbackRound(person_id=a.id, opened_at=opened, closes_at=opened + timedelta(days=30))
    session.add(feedback_round)
    await session.flush()
    link = RaterLink(
        person_id=a.id,
        round_id=feedback_round.id,
        role=RaterRole.PEER,
        code="r_test",
        created_at=opened,
        expires_at=feedback_round.closes_at,
    )
    session.add(link)
    await session.flush()
    for rater, overall in ((1, 4), (2, 5), (3, 3)):
        session.add(
            RaterResponse(
                link_id=link.id,
                round_id=feedback_round.id,
                comment="Sangat membantu" if rater == 2 else None,
                rater_telegram_id=7700 + rater,
                communication=4,
                collaboration=4,
                initiative=5,
                service_effect=3,
                overall=overall,
                created_at=REPORT_NOW,
            )
        )
    await session.commit()
    photo = data_dir / f"evidence/{a.id}/u1.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    Image.new("RGB", (40, 30), (142, 59, 138)).save(photo, "JPEG")
    return cohort
