"""Coaches, organizers, re-enrolment, /pap and its edits, /batal and /bahasa, in-process."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.kernel.callbacks import FlowChoice
from db.models import Cohort, Draft, Membership, Milestone, MilestoneStatus, Pap, Person, Role
from devtools.double import FakeUser
from tests.support.bots import InProcessBot
from tests.support.inprocess import PAP, PROFILE, SMART, make_cohort, onboard_until_milestones, say, tap


async def onboard(bot: InProcessBot, user: FakeUser, code: str) -> None:
    await onboard_until_milestones(bot, user, code)
    for title, due in (("Pemetaan proses", "2026-03-15"), ("Uji coba", "2026-05-15")):
        await say(bot, user, title)
        await say(bot, user, due)
    await tap(bot, user, "Selesai")
    await tap(bot, user, "Jumat")
    await tap(bot, user, "15.00")
    reply = await tap(bot, user, "Simpan")
    assert reply.text.startswith("Tersimpan!")


async def test_coach_enrolment(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    admin = bot.double.user(900001, "Penyelenggara")
    budi = bot.double.user(4001, "Budi")
    reply = await say(bot, budi, f"/start {cohort.coach_code}")
    assert "Coach" in reply.text and "nama lengkap" in reply.text
    reply = await say(bot, budi, "Dr. Budi Santoso")
    assert "menjadi coach di Angkatan I 2026 sudah diteruskan" in reply.text and "Santoso 🙏" in reply.text
    await tap(bot, admin, "Setujui")
    async with bot.app.runtime.open_session() as session:
        member = await session.scalar(select(Membership).join(Person).where(Person.telegram_id == 4001))
        assert member.role == Role.COACH and member.cohort_id == cohort.id
        assert (await session.get(Person, member.person_id)).name == "Dr. Budi Santoso"
    budi.skip_read()
    reply = await say(bot, budi, f"/start {cohort.coach_code}")
    assert "sudah terdaftar sebagai coach" in reply.text


async def test_not_enrolled_user_is_told_how_to_join(bot: InProcessBot) -> None:
    stranger = bot.double.user(4002, "Tamu")
    for command in ("/pap", "/plan"):
        reply = await say(bot, stranger, command)
        assert "tautan undangan" in reply.text
    reply = await say(bot, stranger, "halo")
    assert "/bantuan" in reply.text
    for command in ("/refleksi", "/reflect", "/refleksi_saya", "/pengingat"):
        reply = await say(bot, stranger, command)
        assert "tautan undangan" in reply.text
    reply = await say(bot, stranger, "/tidakada")
    assert "tidak saya kenal" in reply.text


async def test_pap_shows_exactly_what_was_entered_and_edits_are_stored(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(4003, "Sari")
    await onboard(bot, sari, cohort.alumni_code)
    view = await say(bot, sari, "/pap")
    for value in PAP + SMART:
        assert value in view.text
    assert "1. ▫️ Pemetaan proses — 15 Maret 2026 (belum mulai, 0%)" in view.text
    assert "selesai 20 Agustus 2026" in view.text

    # change a field
    await tap(bot, sari, "Ubah isian PAP")
    reply = await tap(bot, sari, "Target")
    assert "1 hari" in reply.text
    reply = await say(bot, sari, "x" * 300)
    assert "batasnya 200" in reply.text
    reply = await say(bot, sari, "2 hari")
    assert reply.text == "Tersimpan. ✅"
    view = sari.next_message()
    assert "14 hari → 2 hari" in view.text

    # her NIP, a profile field, is changed here too: a wrong one is refused and nothing changes
    sari.press("Ubah isian PAP", view)
    await bot.run_pending()
    sari.next_message()
    reply = await tap(bot, sari, "NIP")
    assert "19850312" in reply.text and "18 angka" in reply.text
    assert "18 angka" in (await say(bot, sari, "1985031220100120")).text
    assert (await say(bot, sari, "19900101-201501-2-001")).text == "Tersimpan. ✅"
    view = sari.next_message()
    async with bot.app.runtime.open_session() as session:
        assert await session.scalar(select(Person.nip).where(Person.telegram_id == 4003)) == "199001012015012001"

    # add a milestone
    sari.press("Tambah tahapan", view)
    await bot.run_pending()
    sari.next_message()
    await say(bot, sari, "Evaluasi")
    reply = await say(bot, sari, "01-08-2026")
    view = sari.next_message()
    assert "3. ▫️ Evaluasi — 1 Agustus 2026" in view.text

    # rename, move and complete one
    sari.press("Kelola tahapan", view)
    await bot.run_pending()
    sari.next_message()
    await tap(bot, sari, "Uji coba")
    await tap(bot, sari, "Ganti nama")
    await say(bot, sari, "Uji coba terbatas")
    view = sari.next_message()
    sari.press("Kelola tahapan", view)
    await bot.run_pending()
    sari.next_message()
    await tap(bot, sari, "Uji coba terbatas")
    await tap(bot, sari, "Ubah tanggal")
    reply = await say(bot, sari, "30-09-2026")
    assert "harus di antara" in reply.text  # after the PAP's end
    await say(bot, sari, "20-06-2026")
    view = sari.next_message()
    sari.press("Kelola tahapan", view)
    await bot.run_pending()
    sari.next_message()
    await tap(bot, sari, "Pemetaan proses")
    await tap(bot, sari, "Tandai selesai")
    view = sari.next_message()
    assert "1. ☑️ Pemetaan proses — 15 Maret 2026 (selesai)" in view.text
    assert "2. ▫️ Uji coba terbatas — 20 Juni 2026" in view.text
    assert "kemajuan 33%" in view.text

    async with bot.app.runtime.open_session() as session:
        pap = await session.scalar(select(Pap))
        assert pap.target == "2 hari"
        milestones = (await session.scalars(select(Milestone).order_by(Milestone.due_date))).all()
        assert [(m.title, m.due_date, m.status) for m in milestones] == [
            ("Pemetaan proses", date(2026, 3, 15), MilestoneStatus.DONE),
            ("Uji coba terbatas", date(2026, 6, 20), MilestoneStatus.PLANNED),
            ("Evaluasi", date(2026, 8, 1), MilestoneStatus.PLANNED),
        ]


async def test_another_alumnas_milestone_cannot_be_touched(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(4004, "Sari")
    rina = bot.double.user(4005, "Rina")
    await onboard(bot, sari, cohort.alumni_code)
    await onboard(bot, rina, cohort.alumni_code)
    async with bot.app.runtime.open_session() as session:
        sari_milestone = await session.scalar(select(Milestone.id).join(Pap).join(Person).where(Person.telegram_id == 4004))
    view = await say(bot, rina, "/pap")
    rina.press("Kelola tahapan", view)
    await bot.run_pending()
    picker = rina.next_message()
    rina.press_data(FlowChoice("pe", "pick", str(sari_milestone)).encode(), picker)
    await bot.run_pending()
    assert "Mohon pilih salah satu tombol" in rina.next_message().text
    async with bot.app.runtime.open_session() as session:
        assert (await session.scalar(select(Draft.data).where(Draft.telegram_id == 4005))).get("milestone_id") is None


async def test_enrolled_alumna_opening_another_cohort_is_asked_first(bot: InProcessBot) -> None:
    first = await make_cohort(bot, "Angkatan I")
    second = await make_cohort(bot, "Angkatan II", training_end=date(2026, 2, 25))
    sari = bot.double.user(4006, "Sari")
    await onboard(bot, sari, first.alumni_code)
    reply = await say(bot, sari, f"/start {first.alumni_code}")
    assert "sudah terdaftar" in reply.text
    reply = await say(bot, sari, f"/start {second.alumni_code}")
    assert "terdaftar di <b>" not in reply.text and "terdaftar di Angkatan I\n" in reply.text and "PAP baru" in reply.text
    reply = await tap(bot, sari, "Tidak")
    assert "tetap di Angkatan I" in reply.text
    async with bot.app.runtime.open_session() as session:
        assert await session.scalar(select(func.count()).select_from(Membership)) == 1
    await say(bot, sari, f"/start {second.alumni_code}")
    reply = await tap(bot, sari, "Ya, bergabung")
    assert "UU 27/2022" in reply.text and "Angkatan II" in reply.text


async def test_cancel_pauses_onboarding_and_start_resumes_it(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(4007, "Sari")
    await say(bot, sari, f"/start {cohort.alumni_code}")
    await tap(bot, sari, "setuju")
    await say(bot, sari, PROFILE[0])
    reply = await say(bot, sari, "/batal")
    assert "dihentikan sementara" in reply.text
    reply = await say(bot, sari, "Dinas yang diketik setelah batal")
    assert "/bantuan" in reply.text  # not taken as an answer
    reply = await say(bot, sari, "/start")
    assert "lanjutkan" in reply.text
    assert "nama panggilan" in sari.next_message().text
    reply = await say(bot, sari, "/cancel")
    assert "dihentikan sementara" in reply.text
    reply = await say(bot, sari, f"/start {cohort.alumni_code}")
    assert "nama panggilan" in sari.next_message().text
    async with bot.app.runtime.open_session() as session:
        assert (await session.scalar(select(Draft))).data["name"] == PROFILE[0]
    reply = await say(bot, bot.double.user(4008, "Lain"), "/batal")
    assert "Tidak ada isian" in reply.text


async def test_language_switch_at_any_time(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(4009, "Sari", language_code="id")
    await say(bot, sari, f"/start {cohort.alumni_code}")
    await tap(bot, sari, "setuju")
    await say(bot, sari, "/bahasa")
    reply = await tap(bot, sari, "English")
    assert reply.text == "All right, I will use English."
    reply = await say(bot, sari, "Sari W")
    assert "What should I call you?" in reply.text
    reply = await say(bot, sari, "/language")
    reply = await tap(bot, sari, "Bahasa Indonesia")
    assert reply.text.startswith("Baik")
    async with bot.app.runtime.open_session() as session:
        assert await session.scalar(select(Person.locale)) == "id"


async def test_admin_creates_a_cohort_and_others_cannot(bot: InProcessBot) -> None:
    guest = bot.double.user(4010, "Tamu")
    reply = await say(bot, guest, "/angkatan_baru")
    assert "hanya untuk penyelenggara" in reply.text
    admin = bot.double.user(900001, "Panitia")
    reply = await say(bot, admin, "/newcohort")
    assert "nama angkatan" in reply.text
    await say(bot, admin, "Angkatan V 2026")
    reply = await say(bot, admin, "15-13-2026")
    assert "tidak ada di kalender" in reply.text
    await say(bot, admin, "15-10-2026")
    reply = await tap(bot, admin, "4 bulan")
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort))
    assert (cohort.name, cohort.training_end, cohort.monitoring_months) == ("Angkatan V 2026", date(2026, 10, 15), 4)
    await say(bot, admin, "/angkatan_baru")
    refused = await say(bot, admin, "ANGKATAN V 2026")
    assert "Nama ANGKATAN V 2026 sudah dipakai angkatan lain" in refused.text
    assert "Apa nama angkatan baru ini?" in refused.text  # asked again
    async with bot.app.runtime.open_session() as session:
        assert len(list(await session.scalars(select(Cohort)))) == 1
    assert f"https://t.me/ecoach_test_bot?start={cohort.alumni_code}" in reply.text
    assert f"https://t.me/ecoach_test_bot?start={cohort.coach_code}" in reply.text


async def test_a_redelivered_update_is_applied_once(bot: InProcessBot) -> None:
    from sqlalchemy import update as sql_update
    from telegram import Update

    from db.models import ProcessedUpdate

    cohort = await make_cohort(bot)
    sari = bot.double.user(4011, "Sari")
    await say(bot, sari, f"/start {cohort.alumni_code}")
    await tap(bot, sari, "setuju")
    update = sari.send("Sari Redelivered")
    await bot.run_pending()
    assert "nama panggilan" in sari.next_message().text
    before = len(sari.messages())
    await bot.app.process_update(Update.de_json(update, bot.app.bot))  # finished before: ignored
    assert len(sari.messages()) == before
    async with bot.app.runtime.open_session() as session:  # as if the process died before it finished
        await session.execute(sql_update(ProcessedUpdate).where(ProcessedUpdate.update_id == update["update_id"]).values(completed=False))
        await session.commit()
    await bot.app.process_update(Update.de_json(update, bot.app.bot))
    assert "nama panggilan" in sari.next_message().text  # asked again, not taken as her agency
    async with bot.app.runtime.open_session() as session:
        draft = await session.scalar(select(Draft))
        assert draft.step == "short_name" and "short_name" not in draft.data


async def test_a_redelivery_is_answered_in_her_language(bot: InProcessBot) -> None:
    """Her stored locale comes with the update's claim; a redelivery finds the claim made and reads it apart."""
    from sqlalchemy import update as sql_update
    from telegram import Update

    from db.models import ProcessedUpdate
    from tests.support import factories

    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, bot.clock.now())
        await factories.alumna(session, bot.clock.now(), cohort, 4021, name="Maya", locale="en")
        await session.commit()
    maya = bot.double.user(4021, "Maya")  # her Telegram speaks Indonesian; she chose English here
    update = maya.send("/pap")
    await bot.run_pending()
    first = maya.next_message().text
    assert "Problem:" in first
    async with bot.app.runtime.open_session() as session:  # as if the process died before it finished
        await session.execute(sql_update(ProcessedUpdate).where(ProcessedUpdate.update_id == update["update_id"]).values(completed=False))
        await session.commit()
    await bot.app.process_update(Update.de_json(update, bot.app.bot))
    assert maya.next_message().text == first


async def test_edited_message_is_not_a_new_answer(bot: InProcessBot) -> None:
    cohort = await make_cohort(bot)
    sari = bot.double.user(4012, "Sari")
    await say(bot, sari, f"/start {cohort.alumni_code}")
    await tap(bot, sari, "setuju")
    original = sari.send("Sari")
    await bot.run_pending()
    sari.next_message()
    sari.edit(original, "Sari Edited")
    await bot.run_pending()
    async with bot.app.runtime.open_session() as session:
        draft = await session.scalar(select(Draft))
        assert draft.step == "short_name" and "short_name" not in draft.data
