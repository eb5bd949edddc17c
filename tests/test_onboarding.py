"""Onboarding in-process: every step, its bad inputs, saving as she goes, and the summary edits."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from bot.kernel.callbacks import FlowChoice
from db.models import ConsentRefusal, Draft, Membership, Milestone, Pap, Person, PositionLevel, Role
from tests.support.bots import InProcessBot
from tests.support.inprocess import NIP, PAP, PROFILE, SMART, count, make_cohort, onboard_until_milestones, say, tap


async def test_complete_onboarding_in_indonesian(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3001, "Sari", language_code="id")
    await onboard_until_milestones(bot, sari, cohort.alumni_code)
    await say(bot, sari, "Pemetaan proses layanan")
    reply = await say(bot, sari, "15-03-2026")
    assert "tahapan 2" in reply.text
    await say(bot, sari, "Uji coba layanan")
    reply = await say(bot, sari, "15 Mei 2026")
    assert "Selesai" in reply.button_texts[0]
    reply = await tap(bot, sari, "Selesai")
    assert "Hari apa" in reply.text
    reply = await tap(bot, sari, "Jumat")
    reply = await tap(bot, sari, "15.00")
    assert "Periksa kembali" in reply.text
    assert "Pemetaan proses layanan — 15 Maret 2026" in reply.text
    assert "setiap Jumat, pukul 15.00" in reply.text
    assert f"NIP {NIP}" in reply.text  # typed with spaces, kept as its 18 digits
    reply = await tap(bot, sari, "Simpan")
    assert reply.text.startswith("Tersimpan!")

    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 3001))
        assert person.name == PROFILE[0] and person.agency == PROFILE[1] and person.work_unit == PROFILE[2]
        assert person.nip == NIP
        assert person.position_level == PositionLevel.PENGAWAS and person.timezone == "Asia/Makassar"
        assert (person.reflection_weekday, person.reflection_time) == (4, time(15, 0))
        assert person.consent_at is not None and person.locale == "id"
        pap = await session.scalar(select(Pap))
        assert (pap.title, pap.problem, pap.goal, pap.indicator) == (*PAP, SMART[0], SMART[1])
        assert (pap.baseline, pap.target, pap.resources, pap.relevance) == tuple(SMART[2:])
        assert pap.end_date == date(2026, 8, 20)
        milestones = (await session.scalars(select(Milestone).order_by(Milestone.due_date))).all()
        assert [(m.title, m.due_date) for m in milestones] == [
            ("Pemetaan proses layanan", date(2026, 3, 15)),
            ("Uji coba layanan", date(2026, 5, 15)),
        ]
        role = await session.scalar(select(Membership.role).where(Membership.person_id == person.id))
        assert role == Role.ALUMNI
    assert await count(bot, Draft) == 0


async def test_decline_stores_nothing_but_the_refusal(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    rina = bot.double.user(3002, "Rina")
    await say(bot, rina, f"/start {cohort.alumni_code}")
    reply = await tap(bot, rina, "Tidak setuju")
    assert "Tidak ada data Ibu yang kami simpan" in reply.text
    assert await count(bot, Person) == 0
    assert await count(bot, Draft) == 0
    assert await count(bot, ConsentRefusal) == 1
    reply = await say(bot, rina, f"/start {cohort.alumni_code}")  # she can start again later
    assert "UU 27/2022" in reply.text


@pytest.mark.parametrize("code", ["nope1234", "' OR 1=1 --", "x" * 64])
async def test_unknown_code_creates_nothing(bot: InProcessBot, code: str) -> None:
    await make_cohort(bot)
    rina = bot.double.user(3003, "Rina")
    reply = await say(bot, rina, f"/start {code}")
    assert "kode undangan itu tidak dikenal" in reply.text
    assert await count(bot, Person) == 0 and await count(bot, Draft) == 0


async def test_bad_text_inputs_are_refused_and_re_asked(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3004, "Sari")
    await say(bot, sari, f"/start {cohort.alumni_code}")
    await tap(bot, sari, "setuju")
    reply = await say(bot, sari, "a" * 5000)
    assert "5000 karakter; batasnya 120 karakter" in reply.text and "nama lengkap" in reply.text
    sari.send_sticker()
    await bot.run_pending()
    reply = sari.next_message()
    assert "bukan stiker" in reply.text and "nama lengkap" in reply.text
    sari.send_voice()
    await bot.run_pending()
    assert "bukan stiker, pesan suara" in sari.next_message().text
    sari.send_photo(b"\xff\xd8jpeg")
    await bot.run_pending()
    assert "nama lengkap" in sari.next_message().text
    reply = await say(bot, sari, "   ")
    assert "masih kosong" in reply.text
    reply = await say(bot, sari, "<b>Sari</b> & Co 🌷")
    assert "nama panggilan" in reply.text and reply.button_texts == ["Panggil saya <b>Sari</b>"]
    reply = await say(bot, sari, "Bu " + "x" * 60)
    assert "batasnya 40 karakter" in reply.text and "nama panggilan" in reply.text
    assert "masih kosong" in (await say(bot, sari, "")).text
    reply = await say(bot, sari, "Sari 🌷")
    assert "instansi" in reply.text
    async with bot.app.runtime.open_session() as session:
        draft = await session.scalar(select(Draft))
        assert draft.data["name"] == "<b>Sari</b> & Co 🌷"  # verbatim
        assert draft.data["short_name"] == "Sari 🌷"
        assert draft.step == "agency"


async def test_html_is_echoed_escaped_in_the_summary(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3005, "Sari")
    reply = await say(bot, sari, f"/start {cohort.alumni_code}")
    await tap(bot, sari, "setuju")
    await say(bot, sari, "<script>alert(1)</script> & <b>")
    await tap(bot, sari, "Panggil saya")
    await say(bot, sari, "Dinas A")
    await say(bot, sari, "Unit B")
    await tap(bot, sari, "Lewati")  # no NIP: the summary leaves the line out
    await tap(bot, sari, "Pelaksana")
    await tap(bot, sari, "WIB")
    for answer in PAP + SMART:
        await say(bot, sari, answer)
    await tap(bot, sari, "Pakai")
    for title, due in (("T1", "2026-03-01"), ("T2", "01/04/2026")):
        await say(bot, sari, title)
        await say(bot, sari, due)
    await tap(bot, sari, "Selesai")
    await tap(bot, sari, "Senin")
    reply = await tap(bot, sari, "09.00")
    assert "<script>alert(1)</script> & <b>" in reply.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in (reply.raw_text or "")
    assert "NIP" not in reply.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("besok", "Format tanggal belum dikenali"),
        ("31-02-2026", "tidak ada di kalender"),
        ("2025-01-01", "harus di antara"),
        ("01-01-2028", "harus di antara"),
    ],
)
async def test_bad_dates_are_refused(bot: InProcessBot, typed: str, message: str) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3006, "Sari")
    await onboard_until_milestones(bot, sari, cohort.alumni_code)
    await say(bot, sari, "Tahap satu")
    reply = await say(bot, sari, typed)
    assert message in reply.text
    assert "Kapan target <b>" not in reply.text and "Kapan target Tahap satu" in reply.text  # re-asked
    reply = await say(bot, sari, "15 Juni 2026")
    assert "tahapan 2" in reply.text


async def test_milestones_need_two_and_stop_at_eight(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3007, "Sari")
    await onboard_until_milestones(bot, sari, cohort.alumni_code)
    for number in range(1, 9):
        await say(bot, sari, f"Tahap {number}")
        reply = await say(bot, sari, f"{number:02d}-03-2026")
    assert "Hari apa" in reply.text  # the eighth ends the loop by itself
    async with bot.app.runtime.open_session() as session:
        draft = await session.scalar(select(Draft))
        assert len(draft.data["milestones"]) == 8


async def test_done_while_a_date_is_asked_says_the_date_is_missing(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3017, "Sari")
    await onboard_until_milestones(bot, sari, cohort.alumni_code)
    for title, due in (("Tahap 1", "01-03-2026"), ("Tahap 2", "01-04-2026")):
        await say(bot, sari, title)
        more = await say(bot, sari, due)
    assert more.button_texts == ["✅ Selesai"]
    asked = await say(bot, sari, "Tahap 3")
    assert "Kapan target Tahap 3 selesai?" in asked.text
    sari.press("Selesai", more)  # the button above, pressed while the date of Tahap 3 is asked
    await bot.run_pending()
    reply = sari.next_message()
    assert "Tahapan Tahap 3 belum bertanggal" in reply.text and "minimal 2 tahapan" not in reply.text
    assert "Tahapan Tahap 3 belum bertanggal" in (await say(bot, sari, "selesai")).text
    assert "tahapan 4" in (await say(bot, sari, "01-05-2026")).text.lower()


async def test_stale_and_forged_buttons_change_nothing(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3008, "Sari")
    consent = await say(bot, sari, f"/start {cohort.alumni_code}")
    await tap(bot, sari, "setuju")
    sari.press_data(FlowChoice("ob", "consent", "decline").encode(), consent)  # the old consent button, tapped again
    sari.press_data(FlowChoice("ob", "level", "pimpinan_tinggi").encode(), consent)  # a step she is not at
    sari.press_data("garbage", consent)
    sari.press_data("f|ob|name|" + "x" * 200, consent)
    await bot.run_pending()
    answers = bot.double.answered_callbacks[-4:]
    assert all("tidak berlaku" in a.get("text", "") for a in answers[:3])
    assert "Mohon pilih salah satu tombol" in sari.messages()[-1].text  # the name question, asked again
    assert await count(bot, ConsentRefusal) == 0
    async with bot.app.runtime.open_session() as session:
        assert (await session.scalar(select(Draft))).step == "name"


async def test_edit_a_section_from_the_summary(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(3009, "Sari")
    await onboard_until_milestones(bot, sari, cohort.alumni_code)
    for title, due in (("T1", "2026-03-01"), ("T2", "2026-04-01")):
        await say(bot, sari, title)
        await say(bot, sari, due)
    await tap(bot, sari, "Selesai")
    await tap(bot, sari, "Rabu")
    await tap(bot, sari, "07.00")
    reply = await tap(bot, sari, "✏️ PAP")
    assert "judul" in reply.text
    await say(bot, sari, "Judul Baru")
    reply = await say(bot, sari, "Masalah baru")
    assert "Periksa kembali" in reply.text and "Judul Baru" in reply.text
    reply = await tap(bot, sari, "✏️ Pengingat")
    await tap(bot, sari, "Kamis")
    reply = await say(bot, sari, "22.30")
    assert "06.00" in reply.text  # no reminders at night
    reply = await say(bot, sari, "16:45")
    assert "setiap Kamis, pukul 16.45" in reply.text
    reply = await tap(bot, sari, "Simpan")
    async with bot.app.runtime.open_session() as session:
        assert (await session.scalar(select(Pap.title))) == "Judul Baru"
        assert (await session.scalar(select(Person.reflection_time))) == time(16, 45)


async def test_complete_onboarding_in_english(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    maya = bot.double.user(3010, "Maya", language_code="en")
    reply = await say(bot, maya, f"/start {cohort.alumni_code}")
    assert "Personal Data Protection" in reply.text
    reply = await tap(bot, maya, "I agree")
    assert "full name" in reply.text
    assert "What should I call you?" in (await say(bot, maya, "Maya Sari")).text
    await tap(bot, maya, "Call me Maya")
    for answer in ("Ministry X", "Unit Y"):
        await say(bot, maya, answer)
    assert "18 digits" in (await say(bot, maya, "12345")).text
    await tap(bot, maya, "Skip")
    await tap(bot, maya, "Functional")
    await tap(bot, maya, "WIT")
    for answer in PAP + SMART:
        reply = await say(bot, maya, answer)
    reply = await say(bot, maya, "15 January 2027")
    assert "milestone 1" in reply.text
    for title, due in (("Mapping", "2026-03-01"), ("Pilot", "1 June 2026")):
        await say(bot, maya, title)
        await say(bot, maya, due)
    await tap(bot, maya, "Done")
    await tap(bot, maya, "Friday")
    reply = await tap(bot, maya, "15.00")
    assert "Check your answers" in reply.text and "ends 15 January 2027" in reply.text
    reply = await tap(bot, maya, "Save")
    assert reply.text.startswith("Saved!")
    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person))
        assert (person.locale, person.timezone) == ("en", "Asia/Jayapura")
