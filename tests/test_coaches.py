"""Coach commands in a group chat and in private, with a seeded cohort and a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.kernel.callbacks import CoachOnAlumna, CohortChoice
from db.models import Person
from devtools.double import Sent
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, tap
from tests.support.seeds import COACHING_NOW, GROUP, coaching_cohort


async def seed(bot: InProcessBot, extra_stalled: int = 0) -> dict[str, int]:
    bot.clock.set(COACHING_NOW)
    async with bot.app.runtime.open_session() as session:
        ids = await coaching_cohort(session, extra_stalled)
        await session.commit()
    for telegram_id in (7100, 7200, *range(7000, 7005 + extra_stalled)):
        bot.double.user(telegram_id, f"user {telegram_id}")
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
    assert [line.split(" · ")[0] for line in lines] == ["1. Budi", "2. Dewi"]  # Citra is late, not stalled: she is active
    assert "kemajuan 0% · 40 hari tanpa aktivitas" in reply.text
    assert "kemajuan 20% · 2 check-in terakhir tidak dijawab" in reply.text
    assert reply.button_texts == ["🔔 Ingatkan 1", "🔎 Detail 1", "🔔 Ingatkan 2", "🔎 Detail 2"]
    for private in ("Rapat rahasia", "Konflik pribadi", "Sangat pribadi", "Dibagikan ke coach"):
        assert private not in reply.text
    [reply] = await in_group(bot, 7100, "/mandek 3")
    assert "1. Budi" in reply.text and "Ani" not in reply.text  # Ani wrote 2 days ago
    [reply] = await in_group(bot, 7100, "/mandek 1")
    assert "Ani" not in reply.text and "1. Dewi" in reply.text  # Ani answered her check-in today
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
    assert "Halaman 1/3 · total 17" in listing.text and "▶️" in listing.button_texts
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
    assert "✅ 1 sesuai rencana · ⏳ 1 terlambat · 🧱 2 mandek · 🏁 1 selesai" in photo.text
    assert "Check-in dijawab: 33% (1 dari 3)" in photo.text
    assert "Logbook: 2 minggu ini, 1 minggu lalu" in photo.text


async def test_nudge_limit_holds(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    budi = bot.double.user(7001, "Budi")
    [reply] = await in_group(bot, 7100, "/ingatkan Budi")
    assert "Diingatkan: Budi" in reply.text
    nudge = budi.next_message()
    assert "Coach Ibu, Coach Rina, menanyakan kabar PAP Ibu" in nudge.text
    assert "/checkin" not in nudge.text  # no check-in is open: only what she can do now
    assert nudge.button_texts == ["✏️ Tulis ke coach"]
    [reply] = await in_group(bot, 7100, "/nudge mandek")
    assert "Diingatkan: Dewi" in reply.text and "Dilewati" in reply.text and "Budi" in reply.text.split("Dilewati")[1]
    assert len(budi.messages()) == 1
    bot.clock.set(COACHING_NOW + timedelta(days=3, minutes=1))
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
    assert "👤 Ani" in detail.text and "1. " in detail.text and "Rapat rahasia internal" in detail.text and "📎" not in detail.text
    other = bot.double.user(7200, "Lain")
    other.skip_read()
    assert "Tidak ada alumni yang cocok" in (await say(bot, other, "/member Ani")).text


async def test_group_logbook_notices_can_be_turned_on(bot: InProcessBot) -> None:
    ids = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    [reply] = await in_group(bot, 7000, "/notifikasi on")
    assert "hanya untuk coach" in reply.text
    [reply] = await in_group(bot, 7100, "/notifikasi aktif")
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


async def test_a_name_matching_two_alumnae_asks_which_one(bot: InProcessBot) -> None:
    ids = await seed(bot, extra_stalled=2)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    zed0, zed1 = bot.double.user(7005, "Zed 00"), bot.double.user(7006, "Zed 01")
    [question] = await in_group(bot, 7100, "/ingatkan zed")
    assert "Ada beberapa alumni yang cocok dengan “zed”" in question.text
    assert question.button_texts == ["Zed 00", "Zed 01"]
    assert zed0.messages() == [] and zed1.messages() == []  # nobody nudged while the coach chooses
    bot.double.user(7100, "Rina").press("Zed 01", question)
    await bot.run_pending()
    assert "Zed 01 sudah diingatkan" in bot.double.answered_callbacks[-1]["text"]
    assert zed0.messages() == [] and len(zed1.messages()) == 1


async def test_nudging_the_stalled_says_why_each_one_was_skipped(bot: InProcessBot) -> None:
    ids = await seed(bot, extra_stalled=2)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    await in_group(bot, 7100, "/ingatkan Budi")
    async with bot.app.runtime.open_session() as session:
        dewi = await session.scalar(select(Person).where(Person.name == "Dewi"))
        assert dewi is not None
        dewi.consent_at = None  # she withdrew consent
        await session.commit()
    bot.double.block(7005)  # Zed 00 blocked the bot
    [reply] = await in_group(bot, 7100, "/ingatkan mandek")
    assert "Diingatkan: Zed 01\n" in reply.text
    skipped = reply.text.split("Dilewati:")[1]
    assert "• Budi: sudah diingatkan dalam 3 hari terakhir" in skipped
    assert "• Dewi: telah menarik persetujuannya" in skipped
    assert "• Zed 00: memblokir bot" in skipped


async def test_a_coach_of_two_cohorts_chooses_which_one_her_chat_shows(bot: InProcessBot) -> None:
    ids = await seed(bot)
    async with bot.app.runtime.open_session() as session:
        from db.enrolment import enrol_coach
        from db.models import Cohort

        other = await session.scalar(select(Cohort).where(Cohort.name == "Angkatan Lain"))
        assert other is not None
        await enrol_coach(
            session=session, telegram_id=7100, cohort=other, name="Coach Rina", locale="id", timezone="Asia/Jakarta",
            now=COACHING_NOW + timedelta(minutes=1),
        )  # fmt: skip
        await session.commit()
    rina = bot.double.user(7100, "Rina")
    rina.skip_read()
    assert "Angkatan Lain" in (await say(bot, rina, "/mandek")).text  # her latest
    assert "Tidak ada alumni yang cocok" in (await say(bot, rina, "/alumni Budi")).text
    choice = await say(bot, rina, "/angkatan")
    assert "menampilkan: Angkatan Lain" in choice.text
    assert choice.button_texts == ["✅ Angkatan Lain", "Angkatan I 2026"]
    assert "kini /mandek" in (await tap(bot, rina, "Angkatan I 2026")).text.lower()
    assert "PAP mandek · Angkatan I 2026" in (await say(bot, rina, "/mandek")).text
    detail = await say(bot, rina, "/alumni Budi")
    assert "👤 Budi · Angkatan I 2026" in detail.text

    outsider = bot.double.user(7200, "Lain")  # coaches Angkatan Lain only
    outsider.skip_read()
    listing = await say(bot, outsider, "/angkatan")
    assert listing.button_texts == []
    outsider.press_data(CohortChoice(ids["cohort_id"]).encode(), listing)  # forged: a cohort she does not coach
    await bot.run_pending()
    assert "hanya untuk coach" in bot.double.answered_callbacks[-1]["text"]
    assert "Angkatan Lain" in (await say(bot, outsider, "/mandek")).text
