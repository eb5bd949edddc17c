"""One truth about progress: the status table (facts → status), and one alumna's story read in every view."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.coaching import cohort_statuses, stalled, stalled_page, status_counts
from db.enrolment import enrol_coach
from db.models import CheckIn, CheckInKind, CheckInStatus, Cohort, Milestone, MilestoneStatus, Pap, PapStatus
from db.report import cohort_report
from db.status import Facts, MilestoneFact, ProjectStatus, assess, gather, standing_from_row, standing_select
from handlers.checkins import sweep_checkins
from handlers.report import CohortReport, to_xlsx
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import play, say

TODAY = date(2026, 6, 1)


def facts(
    *, dues: tuple[tuple[str, bool, int], ...] = (("2026-07-01", False, 30),), idle: int = 2, moved: int = 2,
    said: PapStatus | None = None, missed: bool = False,
) -> Facts:  # fmt: skip
    return Facts(
        milestones=tuple(MilestoneFact(date.fromisoformat(due), done, progress) for due, done, progress in dues),
        last_activity=date.fromordinal(TODAY.toordinal() - idle),
        progress_changed=date.fromordinal(TODAY.toordinal() - moved),
        self_assessment=said,
        missed_last_two=missed,
    )


CASES = [
    # (what happened, facts, status, reasons, her word differs)
    ("active, nothing due", facts(), ProjectStatus.ON_TRACK, (), False),
    ("she says on track and it is", facts(said=PapStatus.ON_TRACK), ProjectStatus.ON_TRACK, (), False),
    ("a milestone passed yesterday", facts(dues=(("2026-05-31", False, 40),)), ProjectStatus.LATE, ("overdue",), False),
    (
        "a milestone passed, she says on track",
        facts(dues=(("2026-05-20", False, 40),), said=PapStatus.ON_TRACK),
        ProjectStatus.LATE,
        ("overdue",),
        True,
    ),
    ("she says late, nothing overdue", facts(said=PapStatus.DELAYED), ProjectStatus.LATE, ("says_late",), False),
    ("14 days without any activity", facts(idle=14), ProjectStatus.STALLED, ("inactive",), False),
    ("13 days without activity", facts(idle=13), ProjectStatus.ON_TRACK, (), False),
    ("her last two check-ins missed", facts(missed=True), ProjectStatus.STALLED, ("missed_checkins",), False),
    ("she says stuck", facts(said=PapStatus.STUCK), ProjectStatus.STALLED, ("says_stalled",), False),
    ("she stopped the project", facts(said=PapStatus.ABANDONED), ProjectStatus.STALLED, ("says_stalled",), False),
    (
        "overdue and no progress for 30 days, though active",
        facts(dues=(("2026-05-01", False, 10),), moved=30),
        ProjectStatus.STALLED,
        ("no_progress",),
        False,
    ),
    ("no progress for 30 days, nothing overdue", facts(moved=45), ProjectStatus.ON_TRACK, (), False),
    ("overdue 2 days, never any progress", facts(dues=(("2026-05-30", False, 0),), moved=140), ProjectStatus.LATE, ("overdue",), False),
    ("every milestone done", facts(dues=(("2026-03-01", True, 100), ("2026-05-01", True, 100))), ProjectStatus.DONE, (), False),
    ("she says done, a milestone still open", facts(said=PapStatus.COMPLETED), ProjectStatus.DONE, (), False),
    ("done, long silent since", facts(dues=(("2026-03-01", True, 100),), idle=60), ProjectStatus.DONE, (), False),
    (
        "idle and overdue: both reasons",
        facts(dues=(("2026-04-01", False, 0),), idle=40, moved=40),
        ProjectStatus.STALLED,
        ("inactive", "no_progress"),
        False,
    ),
    ("she says on track, silent for weeks", facts(idle=20, said=PapStatus.ON_TRACK), ProjectStatus.STALLED, ("inactive",), True),
    ("no milestones at all", facts(dues=()), ProjectStatus.ON_TRACK, (), False),
]


async def _random_cohort(session: AsyncSession, rng: random.Random, alumnae: int) -> Cohort:
    """A cohort whose facts hit every rule and its edges: activity just before and after the training's
    end and near midnight UTC, milestones due around today, every kind of check-in history."""
    now = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    cohort = await factories.cohort(session, now, training_end=date(2026, 2, 20))
    for number in range(alumnae):
        await factories.alumna(session, now, cohort, 50_000 + number, name=f"Alumna {number:03d}", reminders=False)
    paps = list(await session.scalars(select(Pap).where(Pap.cohort_id == cohort.id)))
    days = [date(2026, 2, 10) + timedelta(days=k) for k in range(120)]

    def moment() -> datetime | None:
        if rng.random() < 0.15:
            return None
        return datetime.combine(rng.choice(days), rng.choice([time(0, 0), time(12, 0), time(23, 59)]), tzinfo=UTC)

    checkins = []
    for pap in paps:
        pap.last_activity_at, pap.progress_changed_at = moment(), moment()
        for milestone in await session.scalars(select(Milestone).where(Milestone.pap_id == pap.id)):
            if rng.random() < 0.1:
                await session.delete(milestone)
                continue
            milestone.due_date = rng.choice(days)
            milestone.status = rng.choice(list(MilestoneStatus))
            milestone.progress = rng.choice([0, 25, 50, 75, 100])
        for sequence in range(1, rng.randint(0, 5) + 1):
            status = rng.choice(list(CheckInStatus))
            said = rng.choice([*PapStatus, None]) if status == CheckInStatus.ANSWERED else None
            checkins.append(
                {
                    "person_id": pap.person_id,
                    "cohort_id": cohort.id,
                    "sequence": sequence,
                    "kind": CheckInKind.REGULAR,
                    "month": sequence,
                    "due_at": now,
                    "status": status,
                    "pap_status": said,
                    "late": False,
                    "with_feedback": False,
                }
            )
    if checkins:
        await session.execute(insert(CheckIn), checkins)
    await session.commit()
    return cohort


async def test_the_database_and_python_read_the_same_status(session: AsyncSession) -> None:
    """/mandek and /ringkasan let the database apply the rules; on the same facts they give what
    `assess` gives, in the same order, for several days and thresholds."""
    cohort = await _random_cohort(session, random.Random(20), 150)
    for today, days in [(date(2026, 3, 20), 14), (date(2026, 4, 15), 14), (date(2026, 5, 30), 7), (date(2026, 6, 30), 30)]:
        python = await cohort_statuses(session=session, cohort=cohort, today=today, stalled_days=days)
        rows = (await session.execute(standing_select(cohort=cohort, today=today, stalled_days=days))).all()
        assert {row.pap_id: standing_from_row(row, today) for row in rows} == {s.pap_id: s.standing for s in python}
        expected = stalled(python)
        found = await stalled_page(session=session, cohort=cohort, today=today, stalled_days=days)
        assert found.total == len(expected) > 0
        assert [s.name for s in found.rows] == [s.name for s in expected]
        assert [s.standing for s in found.rows] == [s.standing for s in expected]
        pages = [await stalled_page(session=session, cohort=cohort, today=today, stalled_days=days, page=k, size=7) for k in range(3)]
        assert [s.name for p in pages for s in p.rows] == [s.name for s in expected[:21]]
        assert pages[0].pages == -(-len(expected) // 7)
        if days == 14:
            counted = await status_counts(session=session, cohort=cohort, today=today)
            assert counted == {status: sum(1 for s in python if s.status == status) for status in ProjectStatus}
            assert all(counted.values()), counted  # every status occurs: the comparison covers each rule


async def test_her_check_in_facts_on_the_pap_follow_every_write_to_her_check_ins(session: AsyncSession) -> None:
    """The database keeps her latest word and her last two missed on the PAP (migration 0020's
    triggers), whatever writes her check-ins: an ORM insert or change, a Core UPDATE as the sweeps'
    claims make, a delete. After each write they equal what `gather` reads from the check-ins."""
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    cohort = await factories.cohort(session, now)
    sari = await factories.alumna(session, now, cohort, 61_001, name="Sari", checkins=True)
    other = await factories.alumna(session, now, cohort, 61_002, name="Dewi", checkins=True)
    await session.commit()
    pap = await session.scalar(select(Pap).where(Pap.person_id == sari.id))
    assert pap is not None
    rows = list(await session.scalars(select(CheckIn).where(CheckIn.person_id == sari.id).order_by(CheckIn.sequence)))
    assert len(rows) >= 4

    async def holds(said: PapStatus | None, missed: bool) -> None:
        await session.commit()
        stored = (await session.execute(select(Pap.checkin_said, Pap.checkins_missed_last_two).where(Pap.id == pap.id))).one()
        read = (await gather(session=session, cohort=cohort, pap_ids=[pap.id]))[pap.id]
        assert (stored.checkin_said, stored.checkins_missed_last_two) == (read.self_assessment, read.missed_last_two) == (said, missed)

    await holds(None, False)  # all planned
    for checkin in rows[:2]:
        await session.execute(update(CheckIn).where(CheckIn.id == checkin.id).values(status=CheckInStatus.SENT))
    await holds(None, False)
    await session.execute(update(CheckIn).where(CheckIn.id.in_([rows[0].id, rows[1].id])).values(status=CheckInStatus.MISSED))
    await holds(None, True)  # her last two went unanswered
    rows[0].status, rows[0].pap_status = CheckInStatus.ANSWERED, PapStatus.STUCK  # answered late, through the ORM
    await holds(PapStatus.STUCK, False)
    await session.execute(update(CheckIn).where(CheckIn.id == rows[2].id).values(status=CheckInStatus.MISSED))
    await holds(PapStatus.STUCK, True)
    await session.execute(
        update(CheckIn).where(CheckIn.id == rows[3].id).values(status=CheckInStatus.ANSWERED, pap_status=PapStatus.DELAYED)
    )
    await holds(PapStatus.DELAYED, False)
    await session.execute(delete(CheckIn).where(CheckIn.id == rows[3].id))
    await holds(PapStatus.STUCK, True)
    other_pap = await session.scalar(select(Pap).where(Pap.person_id == other.id))
    assert other_pap is not None and (other_pap.checkin_said, other_pap.checkins_missed_last_two) == (None, False)  # hers only


async def test_a_page_past_the_end_shows_the_last_page(session: AsyncSession) -> None:
    cohort = await _random_cohort(session, random.Random(3), 30)
    found = await stalled_page(session=session, cohort=cohort, today=date(2026, 6, 30), page=99, size=10)
    assert found.page == found.pages - 1 and found.rows
    assert found.total == len(stalled(await cohort_statuses(session=session, cohort=cohort, today=date(2026, 6, 30))))


@pytest.mark.parametrize(("case", "given", "status", "reasons", "differs"), CASES, ids=[c[0] for c in CASES])
def test_status_table(case: str, given: Facts, status: ProjectStatus, reasons: tuple[str, ...], differs: bool) -> None:
    standing = assess(given, TODAY)
    assert (standing.status, standing.reasons, standing.disagrees) == (status, reasons, differs), case


def test_progress_is_the_mean_of_the_milestones() -> None:
    standing = assess(facts(dues=(("2026-07-01", False, 30), ("2026-08-01", False, 60), ("2026-09-01", True, 100))), TODAY)
    assert standing.progress == 63


async def test_one_alumna_reads_the_same_in_every_view(bot: InProcessBot) -> None:
    """She answers a check-in 'Sesuai rencana', writes a reflection, then lets a milestone pass."""
    bot.clock.set(datetime(2026, 2, 11, 3, 0, tzinfo=UTC))
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, bot.clock.now(), training_end=date(2026, 1, 10), months=3)
        await factories.alumna(session, bot.clock.now(), cohort, 9801, name="Ratna", checkins=True)
        await enrol_coach(
            session=session, telegram_id=9899, cohort=cohort, name="Coach Budi", locale="id", timezone="Asia/Jakarta", now=bot.clock.now()
        )
        await session.commit()
        first = await session.scalar(select(CheckIn).order_by(CheckIn.due_at))
        assert first is not None
    ratna, coach = bot.double.user(9801, "Ratna"), bot.double.user(9899, "Budi")
    bot.clock.set(first.due_at)
    await sweep_checkins(bot.app.runtime, bot.app.bot)
    ratna.skip_read()
    moves = [
        "/checkin",
        "[Sesuai rencana]",
        "40",
        "[Dukungan atasan]",
        "[Lewati]",
        "[Tidak untuk saat ini]",
        "[Tidak ada]",
        "[Selesai]",
        "[5]",
    ]
    assert "check-in tersimpan" in (await play(bot, ratna, *moves)).text

    bot.clock.set(datetime(2026, 3, 13, 9, 0, tzinfo=UTC))  # a Friday: she reflects
    moves = ["/refleksi", "Rapat koordinasi lancar", "[Lewati]", "Lebih sabar", "[inklusif]", "[4]", "Presentasi", "[Simpan pribadi]"]
    assert "tersimpan" in (await play(bot, ratna, *moves)).text

    bot.clock.set(datetime(2026, 3, 17, 3, 0, tzinfo=UTC))  # Tahap 1 was due on 15 March
    ratna.skip_read()
    plan = (await say(bot, ratna, "/pap")).text
    assert "⏳ Terlambat · kemajuan 0% · tahapan lewat tenggat 2 hari" in plan
    assert "Menurut check-in terakhir: ✅ Sesuai rencana (berbeda dari status di atas)" in plan
    assert "1. ⚠️ Tahap 1 — 15 Maret 2026 (lewat tenggat, 0%)" in plan

    coach.skip_read()
    member = (await say(bot, coach, "/alumni Ratna")).text
    assert "⏳ Terlambat · kemajuan 0% · tahapan lewat tenggat 2 hari" in member
    assert "Menurut check-in terakhir: ✅ Sesuai rencana (berbeda" in member
    stalled = (await say(bot, coach, "/mandek")).text
    assert "Ratna" not in stalled  # a reflection four days ago: active, so late and not stalled
    async with bot.app.runtime.open_session() as session:
        cohort = await session.get(Cohort, cohort.id)
        assert cohort is not None
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=bot.clock.now())
    assert (rows[0].status, rows[0].self_assessment, rows[0].progress) == ("late", "on_track", 0)
    sheet = load_workbook(io.BytesIO(to_xlsx(bot.app.runtime.texts, "id", [CohortReport(cohort, indicators, rows)], date(2026, 3, 17))))[
        "Alumni"
    ]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("Status PAP")] == "Terlambat" and row[header.index("Menurut check-in terakhir")] == "Sesuai rencana"
