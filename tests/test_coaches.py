"""Coach commands in a group chat and in private, with a seeded cohort and a controlled clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.callbacks import CoachOnAlumna
from db.enrolment import enrol_coach
from db.logbook import create_entry
from db.models import CheckIn, CheckInStatus, CompetencyDomain, MilestoneStatus, Pap
from db.reflections import ReflectionAnswers, save_reflection
from devtools.double import Sent
from tests import factories
from tests.conftest import InProcessBot
from tests.test_onboarding import say

NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)  # training ended 2026-02-20: 40 days ago
GROUP = -100777


async def seed(bot: InProcessBot, extra_stalled: int = 0) -> dict[str, int]:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        ids = await seed_cohort(session, extra_stalled)
        await session.commit()
    for telegram_id in (7100, 7200, *range(7000, 7005 + extra_stalled)):
        bot.double.user(telegram_id, f"user {telegram_id}")
    return ids


async def seed_cohort(session: AsyncSession, extra_stalled: int = 0) -> dict[str, Any]:
    """Ani active; Budi silent since training; Citra overdue; Dewi missed two check-ins; Eka done."""
    ids: dict[str, int] = {}
    cohort = await factories.cohort(session, NOW - timedelta(days=60))
    other = await factories.cohort(session, NOW, name="Angkatan Lain")
    await enrol_coach(session=session, telegram_id=7100, cohort=cohort, name="Coach Rina", locale="id", timezone="Asia/Jakarta", now=NOW)
    await enrol_coach(session=session, telegram_id=7200, cohort=other, name="Coach Lain", locale="id", timezone="Asia/Jakarta", now=NOW)
    for number, name in enumerate(["Ani", "Budi", "Citra", "Dewi", "Eka", *[f"Zed {n:02d}" for n in range(extra_stalled)]]):
        person = await factories.alumna(session, NOW - timedelta(days=50), cohort, 7000 + number, name=name)
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
                now=NOW - timedelta(days=2),
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
                now=NOW - timedelta(days=5),
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
                        due_at=NOW - timedelta(days=40 - sequence * 10),
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
                now=NOW,
            )
            await save_reflection(
                session=session,
                person=person,
                week_year=2026,
                week=12,
                answers=ReflectionAnswers("Sangat pribadi sekali", None, None, CompetencyDomain.SOFT_SKILLS, 2, None, False),
                now=NOW,
            )
    ids["cohort_code"], ids["other_code"] = cohort.coach_code, other.coach_code
    return ids


async def in_group(bot: InProcessBot, user_id: int, text: str) -> list[Sent]:
    group = bot.double.group(GROUP, "Coaching Angkatan I")
    before = len(bot.double.sent(GROUP))
    bot.double.user(user_id, "x").send(text, chat=group, mention=True)
    await bot.run_pending()
    return bot.double.sent(GROUP)[before:]


async def test_linking_is_for_the_cohorts_coaches_only(bot: InProcessBot) -> None:
    ids = await seed(bot)
    [reply] = await in_group(bot, 7000, f"/hubungkan {ids['cohort_code']}")  # an alumna
    assert "hanya dapat dihubungkan oleh coach" in reply.text
    [reply] = await in_group(bot, 7200, f"/link {ids['cohort_code']}")  # a coach of another cohort
    assert "hanya dapat dihubungkan oleh coach" in reply.text
    [reply] = await in_group(bot, 7100, "/mandek")
    assert "belum terhubung" in reply.text
    [reply] = await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    assert "terhubung ke Angkatan I 2026" in reply.text
    [reply] = await in_group(bot, 7200, "/stalled")
    assert "hanya untuk coach angkatan ini" in reply.text
    [reply] = await in_group(bot, 7000, "/ringkasan")
    assert "hanya untuk coach angkatan ini" in reply.text


async def test_stalled_lists_exactly_the_expected_alumnae_with_reasons(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    [reply] = await in_group(bot, 7100, "/mandek")
    lines = [line for line in reply.text.splitlines() if line[:2] in ("1.", "2.", "3.", "4.", "5.")]
    assert [line.split(" · ")[0] for line in lines] == ["1. Budi", "2. Citra", "3. Dewi"]
    assert "40 hari sejak aktivitas terakhir · tanpa logbook ≥14 hari, kemajuan tetap ≥30 hari" in reply.text
    assert "5 hari sejak aktivitas terakhir · tahapan lewat tenggat ≥7 hari" in reply.text
    assert "2 check-in terakhir terlewat" in reply.text
    assert reply.button_texts == ["🔔 Ingatkan 1", "🔎 Detail 1", "🔔 Ingatkan 2", "🔎 Detail 2", "🔔 Ingatkan 3", "🔎 Detail 3"]
    for private in ("Rapat rahasia", "Konflik pribadi", "Sangat pribadi", "Dibagikan ke coach"):
        assert private not in reply.text
    [reply] = await in_group(bot, 7100, "/mandek 3")
    assert "1. Budi" in reply.text and "Ani" not in reply.text  # Ani wrote 2 days ago
    [reply] = await in_group(bot, 7100, "/mandek 1")
    assert "Ani" in reply.text
    [reply] = await in_group(bot, 7100, "/mandek kemarin")
    assert "harus angka" in reply.text


async def test_detail_opens_privately_and_shows_only_shared_reflections(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    [listing] = await in_group(bot, 7100, "/mandek 1")
    coach = bot.double.user(7100, "Rina")
    coach.skip_read()
    coach.press_data(CoachOnAlumna("detail", ids["Ani"]).encode(), listing)
    await bot.run_pending()
    detail = coach.next_message()
    assert detail.chat_id == 7100 and "👤 Ani" in detail.text and "PAP Ani" in detail.text
    assert "Dibagikan ke coach" in detail.text and "Sangat pribadi" not in detail.text
    assert len(bot.double.sent(GROUP)) == 2  # the link reply and the list: nothing new in the group
    outsider = bot.double.user(7200, "Lain")
    outsider.press_data(CoachOnAlumna("detail", ids["Ani"]).encode(), listing)
    await bot.run_pending()
    assert "hanya untuk coach" in bot.double.answered_callbacks[-1]["text"]
    assert outsider.messages() == []


async def test_a_long_list_is_paged_by_editing_one_message(bot: InProcessBot) -> None:
    ids = await seed(bot, extra_stalled=15)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    [listing] = await in_group(bot, 7100, "/mandek")
    assert "Halaman 1/3 · total 18" in listing.text and "▶️" in listing.button_texts
    bot.double.user(7100, "Rina").press("▶️", listing)
    await bot.run_pending()
    [edit] = bot.double.sent(GROUP)[2:]
    assert edit.method == "editMessageText" and edit.message_id == listing.message_id
    assert "Halaman 2/3" in edit.text and "9. Zed" in edit.text


async def test_summary_arrives_as_a_photo(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    [photo] = await in_group(bot, 7100, "/ringkasan")
    assert photo.method == "sendPhoto" and photo.file is not None and photo.file.data.startswith(b"\x89PNG")
    assert "5 alumni" in photo.text
    assert "✅ 1 sesuai rencana · ⏳ 0 terlambat · 🧱 3 mandek · 🏁 1 selesai" in photo.text
    assert "Check-in dijawab: 33% (1/3)" in photo.text
    assert "Logbook: 2 minggu ini, 1 minggu lalu" in photo.text


async def test_nudge_limit_holds(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    budi = bot.double.user(7001, "Budi")
    [reply] = await in_group(bot, 7100, "/ingatkan Budi")
    assert "Diingatkan: Budi" in reply.text
    assert "Coach Ibu menanyakan kabar PAP" in budi.next_message().text
    [reply] = await in_group(bot, 7100, "/nudge mandek")
    assert "Diingatkan: Citra, Dewi" in reply.text and "Dilewati" in reply.text and "Budi" in reply.text.split("Dilewati")[1]
    assert len(budi.messages()) == 1
    bot.clock.set(NOW + timedelta(days=3, minutes=1))
    [reply] = await in_group(bot, 7100, "/ingatkan budi")
    assert "Diingatkan: Budi" in reply.text
    assert len(budi.messages()) == 2


async def test_member_works_in_private_only(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    [reply] = await in_group(bot, 7100, "/alumni Ani")
    assert "chat pribadi" in reply.text and "PAP Ani" not in reply.text
    coach = bot.double.user(7100, "Rina")
    coach.skip_read()
    detail = await say(bot, coach, "/alumni ani")
    assert "👤 Ani" in detail.text and "Rapat rahasia internal" in detail.text and "📎 0" in detail.text
    other = bot.double.user(7200, "Lain")
    other.skip_read()
    assert "Tidak ada alumni yang cocok" in (await say(bot, other, "/member Ani")).text


async def test_group_logbook_notices_can_be_turned_on(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    [reply] = await in_group(bot, 7000, "/notifikasi on")
    assert "hanya untuk coach" in reply.text
    [reply] = await in_group(bot, 7100, "/notifikasi on")
    assert "kini <b>" not in reply.text and "kini aktif" in reply.text
    async with bot.app.runtime.open_session() as session:
        from db.models import Cohort

        assert (await session.scalar(select(Cohort.group_entry_notices).where(Cohort.coach_code == ids["cohort_code"]))) is True


async def test_an_undelivered_nudge_does_not_use_up_the_three_days(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    bot.double.block(7001)
    [reply] = await in_group(bot, 7100, "/ingatkan Budi")
    assert "Dilewati" in reply.text and "Diingatkan" not in reply.text
    bot.double.block(7001, False)
    [reply] = await in_group(bot, 7100, "/ingatkan Budi")
    assert "Diingatkan: Budi" in reply.text
