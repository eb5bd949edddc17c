"""1-on-1 coaching sessions in-process: a coach's slots in her zone, booking in hers, the .ics, the
reminders, moving and cancelling, no-shows, and the GROW notes with their follow-ups."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import icalendar
from pypdf import PdfReader
from sqlalchemy import select

from bot.kernel.notices import sweep_notices
from bot.kernel.settings import Settings
from db.bookings import Refusal, book
from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.models import AgreedAction, Booking, BookingEnd, CoachingSlot, Cohort, Notice, Person
from db.privacy import export_dict, personal_data, withdraw_consent
from db.report import cohort_report
from devtools.double import FakeUser, Sent
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.dashboard import cohort_and_alumna_pages
from tests.support.inprocess import play, say, tap

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 09:00 WIB, 10:00 WITA
FIRST = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # Thursday 10:00 WITA = 09:00 WIB
COACH, RATNA, DEWI = 9100, 9001, 9002


async def seed(bot: InProcessBot) -> tuple[FakeUser, FakeUser, FakeUser]:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW)
        await factories.alumna(session, NOW, cohort, RATNA, name="Ratna Kusumawati", zone="Asia/Jakarta", reminders=False)
        await factories.alumna(session, NOW, cohort, DEWI, name="Dewi", zone="Asia/Jakarta", reminders=False)
        await enrol_coach(
            session=session, telegram_id=COACH, cohort=cohort, name="Coach Ayu", locale="id", timezone="Asia/Makassar", now=NOW
        )
        await session.commit()
    return bot.double.user(COACH, "Ayu"), bot.double.user(RATNA, "Ratna"), bot.double.user(DEWI, "Dewi")


async def publish(bot: InProcessBot, coach: FakeUser) -> None:
    """Three slots in WITA: Thursday 10:00 once, and 14:00 for two weeks."""
    assert "Belum ada slot" in (await say(bot, coach, "/jadwal")).text
    assert "Tanggal berapa" in (await tap(bot, coach, "Tambah slot")).text
    done = await play(bot, coach, "3 Desember 2026", "10.00", "[60 menit]", "[Sekali saja]", "[Daring]", "https://zoom.us/j/123")
    assert "1 slot terbit" in done.text and "Kamis, 3 Desember 2026 · 10.00 WITA" in done.text
    await tap(bot, coach, "Tambah slot")
    done = await play(bot, coach, "03-12-2026", "14.00", "[45 menit]", "[2 minggu]", "[Tatap muka]", "Ruang Rapat Lt. 2 <Gedung A>")
    assert "2 slot terbit" in done.text
    assert "Kamis, 10 Desember 2026 · 14.00 WITA" in done.text


def ics_of(sent: Sent) -> icalendar.Event:
    assert sent.file is not None and sent.method == "sendDocument"
    calendar = icalendar.Calendar.from_ical(sent.file.data)
    [event] = calendar.walk("VEVENT")
    return event


async def sweep_at(bot: InProcessBot, moment: datetime) -> int:
    bot.clock.set(moment)
    return await sweep_notices(bot.app.runtime, bot.app.bot)


async def book_first(bot: InProcessBot, coach: FakeUser, ratna: FakeUser) -> tuple[Sent, Sent]:
    await publish(bot, coach)
    coach.skip_read()
    offer = await say(bot, ratna, "/sesi_coaching")
    assert offer.button_texts == ["Kam 3 Des · 09.00 · Coach Ayu", "Kam 3 Des · 13.00 · Coach Ayu", "Kam 10 Des · 13.00 · Coach Ayu"]
    assert "waktu WIB" in offer.text
    confirmation = await tap(bot, ratna, "Kam 3 Des · 09.00")
    return confirmation, coach.next_message()


async def test_a_slot_published_in_wita_is_booked_in_wib_with_an_ics_both_sides_read_back(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    mine, theirs = await book_first(bot, coach, ratna)
    assert "Sesi coaching terjadwal" in mine.text and "Kamis, 3 Desember 2026 · 09.00 WIB" in mine.text and "Coach Ayu" in mine.text
    assert "Kamis, 3 Desember 2026 · 10.00 WITA" in theirs.text and "Ratna Kusumawati" in theirs.text
    assert "https://zoom.us/j/123" in mine.text
    for sent in (mine, theirs):
        event = ics_of(sent)
        assert event.decoded("dtstart") == FIRST  # the same instant, in UTC, for both
        assert event.decoded("dtend") == FIRST + timedelta(minutes=60)
        assert str(event["location"]) == "https://zoom.us/j/123"
    assert ics_of(mine)["uid"] == ics_of(theirs)["uid"]
    zones = [str(icalendar.Calendar.from_ical(sent.file.data)["x-wr-timezone"]) for sent in (mine, theirs) if sent.file]
    assert zones == ["Asia/Jakarta", "Asia/Makassar"]  # the same instant, each in her own zone
    schedule = await say(bot, coach, "/jadwal")
    assert "Kamis, 3 Desember 2026 · 10.00 WITA · 60 mnt · 👤 Ratna Kusumawati" in schedule.text


async def test_reminders_arrive_24_and_1_hour_before_exactly_once(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    await sweep_at(bot, FIRST - timedelta(hours=24, minutes=1))
    assert [m for m in ratna.messages() if "⏰" in m.text] == []
    await sweep_at(bot, FIRST - timedelta(hours=24))
    await sweep_at(bot, FIRST - timedelta(hours=23))  # a later sweep sends nothing again
    day_before = ratna.next_message()
    assert "Besok: sesi coaching dengan Coach Ayu" in day_before.text and "09.00 WIB" in day_before.text
    assert "Besok: sesi coaching dengan Ratna Kusumawati" in coach.next_message().text
    await sweep_at(bot, FIRST - timedelta(hours=1))
    await sweep_at(bot, FIRST - timedelta(minutes=30))
    assert "Satu jam lagi" in ratna.next_message().text
    assert "Satu jam lagi" in coach.next_message().text
    reminders = [m.text for m in ratna.messages() if "⏰" in m.text]
    assert len(reminders) == 2 and len([m for m in coach.messages() if "⏰" in m.text]) == 2
    await sweep_at(bot, FIRST + timedelta(minutes=60))  # the session ended: the coach is asked for notes
    assert coach.next_message().button_texts == ["📝 Catatan GROW · Ratna", "🚫 Ratna tidak hadir"]
    assert len([m for m in ratna.messages() if "⏰" in m.text]) == 2


async def test_a_reminder_past_its_session_is_not_sent_late(bot: InProcessBot) -> None:
    """The bot was down from two days before until after the session: no "in one hour" afterwards."""
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    ratna.skip_read()
    await sweep_at(bot, FIRST + timedelta(minutes=5))
    assert [m for m in ratna.messages() if "⏰" in m.text] == []


async def test_the_second_press_on_a_taken_slot_is_told_and_shown_the_rest(bot: InProcessBot) -> None:
    coach, ratna, dewi = await seed(bot)
    await publish(bot, coach)
    await say(bot, ratna, "/sesi_coaching")
    offer = await say(bot, dewi, "/sesi_coaching")
    await tap(bot, ratna, "Kam 3 Des · 09.00")
    dewi.press("Kam 3 Des · 09.00", offer)
    await bot.run_pending()
    refused = dewi.next_message()
    assert "baru saja diambil" in refused.text
    assert refused.button_texts == ["Kam 3 Des · 13.00 · Coach Ayu", "Kam 10 Des · 13.00 · Coach Ayu"]
    async with bot.app.runtime.open_session() as session:
        assert len(list(await session.scalars(select(Booking)))) == 1


async def test_twenty_simultaneous_bookings_of_one_slot_give_one(bot: InProcessBot, database_url: str) -> None:
    """Twenty alumnae press the same slot at the same moment, each in her own session and connection."""
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW)
        coach = (
            await enrol_coach(
                session=session, telegram_id=COACH, cohort=cohort, name="Coach", locale="id", timezone="Asia/Makassar", now=NOW
            )
        ).person
        alumnae = [await factories.alumna(session, NOW, cohort, 9500 + n, name=f"Alumna {n}", reminders=False) for n in range(20)]
        slot = CoachingSlot(coach_id=coach.id, starts_at=FIRST, minutes=30, link="https://meet.google.com/x", created_at=NOW)
        session.add(slot)
        await session.commit()
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    start = asyncio.Event()

    async def press(alumna: Person) -> Booking | Refusal:
        async with sessions() as session:
            await start.wait()
            outcome = await book(session=session, alumna=await session.get(Person, alumna.id), slot_id=slot.id, now=NOW)
            await session.commit()
            return outcome

    tasks = [asyncio.create_task(press(alumna)) for alumna in alumnae]
    await asyncio.sleep(0.05)
    start.set()
    outcomes = await asyncio.gather(*tasks)
    await engine.dispose()
    assert len([o for o in outcomes if isinstance(o, Booking)]) == 1
    assert {o for o in outcomes if isinstance(o, Refusal)} == {Refusal.TAKEN}
    async with bot.app.runtime.open_session() as session:
        assert len(list(await session.scalars(select(Booking)))) == 1


async def test_moving_and_cancelling_tell_the_other_side_and_withdraw_the_reminders(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    view = await say(bot, ratna, "/sesi_coaching")
    assert "↔️ Pindah Kam 3 Des · 09.00" in view.button_texts
    choices = await tap(bot, ratna, "Pindah Kam 3 Des")
    assert choices.button_texts == ["Kam 3 Des · 13.00 · Coach Ayu", "Kam 10 Des · 13.00 · Coach Ayu"]
    moved = await tap(bot, ratna, "Kam 10 Des · 13.00")
    told = coach.next_message()
    assert "Sesi coaching dipindahkan" in moved.text and "Kamis, 10 Desember 2026 · 13.00 WIB" in moved.text
    assert "Kamis, 10 Desember 2026 · 14.00 WITA" in told.text and "📍 Ruang Rapat Lt. 2 <Gedung A>" in told.text
    assert ics_of(told).decoded("dtstart") == datetime(2026, 12, 10, 6, 0, tzinfo=UTC)
    assert str(ics_of(told)["description"]) == "Tempat: Ruang Rapat Lt. 2 <Gedung A>"  # plain text, not HTML entities
    assert str(ics_of(told)["location"]) == "Ruang Rapat Lt. 2 <Gedung A>"
    await sweep_at(bot, FIRST - timedelta(hours=1))  # the old time's reminders were withdrawn
    assert [m for m in ratna.messages() if "⏰" in m.text] == []

    bot.clock.set(NOW)
    await say(bot, coach, "/jadwal")
    confirm = await tap(bot, coach, "Batal Kam 10 Des")
    assert "Batalkan sesi dengan Ratna Kusumawati" in confirm.text
    done = await tap(bot, coach, "Ya, batalkan")
    assert "dibatalkan" in done.text
    assert "Coach Ayu membatalkan sesi coaching pada Kamis, 10 Desember 2026 · 13.00 WIB" in ratna.next_message().text
    await sweep_at(bot, datetime(2026, 12, 10, 5, 0, tzinfo=UTC))
    assert [m for m in ratna.messages() if "⏰" in m.text] == []
    async with bot.app.runtime.open_session() as session:
        [booking] = list(await session.scalars(select(Booking)))
        assert booking.ended == BookingEnd.CANCELLED
    bot.clock.set(NOW)
    assert "Kam 10 Des · 13.00 · Coach Ayu" in (await say(bot, ratna, "/sesi_coaching")).button_texts  # free again


async def test_no_changes_within_two_hours_and_no_show_only_after_the_start(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    bot.clock.set(FIRST - timedelta(minutes=90))
    await say(bot, ratna, "/sesi_coaching")
    await tap(bot, ratna, "Batal Kam 3 Des")
    ratna.press("Ya, batalkan")
    await bot.run_pending()
    assert "Kurang dari 2 jam" in bot.double.answered_callbacks[-1]["text"]
    bot.clock.set(FIRST + timedelta(minutes=20))
    view = await say(bot, ratna, "/sesi_coaching")
    assert view.button_texts[0] == "🚫 Coach tidak hadir (Kam 3 Des · 09.00)"
    marked = await tap(bot, ratna, "Coach tidak hadir")
    assert "Tercatat: Coach Ayu tidak hadir" in marked.text
    assert "tidak berlangsung karena Bapak/Ibu tidak hadir" in coach.next_message().text
    async with bot.app.runtime.open_session() as session:
        [booking] = list(await session.scalars(select(Booking)))
        assert booking.ended == BookingEnd.COACH_ABSENT
        cohort = await session.scalar(select(Cohort))
        assert cohort is not None
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=bot.clock.now())
    assert (indicators.no_shows, indicators.coaching_sessions) == (1, 0)
    assert [(r.name, r.no_shows, r.coaching_sessions) for r in rows] == [("Dewi", 0, 0), ("Ratna Kusumawati", 1, 0)]


async def test_grow_notes_with_two_actions_reach_her_and_are_followed_up_on_their_dates(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    await sweep_at(bot, FIRST + timedelta(minutes=61))
    coach.skip_read()
    ratna.skip_read()
    prompt = await tap(bot, coach, "Catatan GROW")
    assert "Goal" in prompt.text
    await say(bot, coach, "Menuntaskan SOP layanan KTP")
    await tap(bot, coach, "Lewati")  # Reality skipped
    will = await say(bot, coach, "Uji coba di 2 kecamatan, atau langsung semua")
    assert "Will" in will.text
    assert "Sampai tanggal berapa" in (await say(bot, coach, "Rapat dengan kepala bidang")).text
    again = await say(bot, coach, "7-12-2026")
    assert "1 tindakan tercatat" in again.text
    await say(bot, coach, "Kirim draf SOP ke sekretaris dinas")
    assert "Sampai tanggal berapa" in (await say(bot, coach, "minggu depan")).text  # not a date: asked again
    await say(bot, coach, "14 Desember 2026")
    saved = await tap(bot, coach, "Selesai")
    assert "tersimpan, dengan 2 tindakan" in saved.text
    notes = ratna.next_message()
    assert "Catatan sesi coaching" in notes.text and "Goal: Menuntaskan SOP layanan KTP" in notes.text and "Reality" not in notes.text
    assert "1. Rapat dengan kepala bidang — 7 Desember 2026" in notes.text
    detail = await say(bot, coach, "/alumni Ratna")
    assert "• 3 Desember 2026 · Coach Ayu · Goal: Menuntaskan SOP layanan KTP" in detail.text
    assert "⏳ Rapat dengan kepala bidang (7 Desember 2026)" in detail.text
    assert "2. Kirim draf SOP ke sekretaris dinas — 14 Desember 2026" in notes.text

    await sweep_at(bot, datetime(2026, 12, 7, 0, 59, tzinfo=UTC))  # 07:59 WIB: not yet
    assert [m for m in ratna.messages() if "🎯" in m.text] == []
    await sweep_at(bot, datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    first = ratna.next_message()
    assert "Rapat dengan kepala bidang" in first.text and first.button_texts == ["✅ Sudah", "⏳ Belum", "📅 Ubah tanggal"]
    done = await tap(bot, ratna, "Sudah")
    assert "Tercatat selesai: Rapat dengan kepala bidang" in done.text
    await sweep_at(bot, datetime(2026, 12, 14, 1, 0, tzinfo=UTC))
    second = ratna.next_message()
    assert "Kirim draf SOP" in second.text
    await tap(bot, ratna, "Belum")
    await sweep_at(bot, datetime(2026, 12, 17, 1, 0, tzinfo=UTC))
    assert "Kirim draf SOP" in ratna.next_message().text  # asked again three days later
    async with bot.app.runtime.open_session() as session:
        actions = list(await session.scalars(select(AgreedAction).order_by(AgreedAction.id)))
        assert [(a.text, a.done_at is not None) for a in actions] == [
            ("Rapat dengan kepala bidang", True),
            ("Kirim draf SOP ke sekretaris dinas", False),
        ]
        assert actions[0].first_due_date == date(2026, 12, 7)
        follow_ups = list(await session.scalars(select(Notice).where(Notice.topic == f"action:{actions[0].id}")))
        assert [n.status.value for n in follow_ups] == ["sent"]
        person = await session.scalar(select(Person).where(Person.telegram_id == RATNA))
        assert person is not None
        [exported] = export_dict(await personal_data(session=session, person=person, now=bot.clock.now()))["coaching_sessions"]
    assert (exported["coach"], exported["goal"], exported["starts_at"]) == ("Coach Ayu", "Menuntaskan SOP layanan KTP", FIRST.isoformat())
    assert [a["text"] for a in exported["agreed_actions"]] == ["Rapat dengan kepala bidang", "Kirim draf SOP ke sekretaris dinas"]
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort))
        assert cohort is not None
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=bot.clock.now())
    # One held session; of the two actions due by 17 December, the first was done on its date, the second not yet.
    assert (indicators.coaching_sessions, indicators.sessions_per_alumna, indicators.actions_on_time) == (1, 0.5, 0.5)
    assert [(r.name, r.coaching_sessions, r.actions_on_time) for r in rows] == [("Dewi", 0, "0/0"), ("Ratna Kusumawati", 1, "1/2")]


async def test_bad_inputs_while_publishing_slots_are_refused_and_asked_again(bot: InProcessBot) -> None:
    coach, _, _ = await seed(bot)
    await say(bot, coach, "/jadwal")
    await tap(bot, coach, "Tambah slot")
    refused = await say(bot, coach, "besok 🙂")
    assert "Tanggal berapa" in refused.text and refused.text != "Tanggal berapa"
    coach.send_sticker()
    await bot.run_pending()
    assert "Tanggal berapa" in coach.next_message().text
    await say(bot, coach, "1 Desember 2026")
    assert "kurang dari 1 jam" in (await say(bot, coach, "10.30")).text  # today, 10:30 WITA is 30 minutes away
    assert "Berapa lama" in (await say(bot, coach, "13.00")).text
    await tap(bot, coach, "30 menit")
    await tap(bot, coach, "Sekali saja")
    await tap(bot, coach, "Daring")
    assert "belum terbaca" in (await say(bot, coach, "zoom.us/j/1 <b>ok</b>")).text
    assert "1 slot terbit" in (await say(bot, coach, "https://meet.google.com/abc-defg-hij")).text
    assert "kosong" in (await say(bot, coach, "/jadwal")).text


async def test_the_dashboard_shows_her_sessions_notes_and_the_cohorts_coaching_numbers(bot: InProcessBot, settings: Settings) -> None:
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    await sweep_at(bot, FIRST + timedelta(minutes=61))
    await tap(bot, coach, "Catatan GROW")
    await play(bot, coach, "Menuntaskan SOP", "[Lewati]", "[Lewati]", "Rapat dengan kepala bidang", "7-12-2026", "[Selesai]")
    cohort_page, alumna_page = await cohort_and_alumna_pages(bot, settings, RATNA)
    assert '<dd class="num" data-fact="sessions">1</dd>' in cohort_page and '<dd class="num" data-fact="per-alumna">0.5</dd>' in cohort_page
    assert '<dd class="num" data-fact="no-shows">0</dd>' in cohort_page
    assert "<h3>3 Desember 2026 · Coach Ayu</h3>" in alumna_page and "<strong>Goal:</strong> Menuntaskan SOP" in alumna_page
    assert "<li>Rapat dengan kepala bidang · 7 Desember 2026 · belum</li>" in alumna_page


async def test_the_same_press_delivered_again_after_a_crash_books_nothing_twice(bot: InProcessBot) -> None:
    """A crash after the booking was stored but before the update was marked done: Telegram gives the
    press again, and she is told the slot is hers, not that someone else took it; nothing is sent twice."""
    coach, ratna, _ = await seed(bot)
    await publish(bot, coach)
    offer = await say(bot, ratna, "/sesi_coaching")
    await tap(bot, ratna, "Kam 3 Des · 09.00")
    async with bot.app.runtime.open_session() as session:
        alumna = await session.scalar(select(Person).where(Person.telegram_id == RATNA))
        slot = await session.scalar(select(CoachingSlot).order_by(CoachingSlot.starts_at))
        assert alumna is not None and slot is not None
        assert await book(session=session, alumna=alumna, slot_id=slot.id, now=NOW) == Refusal.YOURS
    ratna.press("Kam 3 Des · 09.00", offer)
    await bot.run_pending()
    assert "sudah Ibu pesan" in ratna.next_message().text
    assert len([m for m in ratna.messages() if m.method == "sendDocument"]) == 1


async def test_her_portfolio_carries_the_session_notes_only_when_she_chooses(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    await sweep_at(bot, FIRST + timedelta(minutes=61))
    await tap(bot, coach, "Catatan GROW")
    await play(bot, coach, "Menuntaskan SOP", "[Lewati]", "[Lewati]", "Rapat dengan kepala bidang", "7-12-2026", "[Selesai]")
    ratna.skip_read()

    def pdf_text(sent: Sent) -> str:
        assert sent.file is not None
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(sent.file.data)).pages)

    assert "catatan sesi coaching" in (await say(bot, ratna, "/portofolio")).text
    await tap(bot, ratna, "Tanpa refleksi pribadi")
    assert "Menuntaskan SOP" not in pdf_text(ratna.next_message())
    await say(bot, ratna, "/portofolio")
    await tap(bot, ratna, "Sertakan refleksi pribadi")
    with_notes = pdf_text(ratna.next_message())
    assert "Catatan sesi coaching 1-on-1" in with_notes and "Menuntaskan SOP" in with_notes and "Rapat dengan kepala bidang" in with_notes


async def test_withdrawing_consent_drops_her_scheduled_reminders(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    await book_first(bot, coach, ratna)
    async with bot.app.runtime.open_session() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == RATNA))
        assert person is not None
        await withdraw_consent(session=session, person=person, now=bot.clock.now())
        await session.commit()
    ratna.skip_read()
    await sweep_at(bot, FIRST - timedelta(hours=1))
    assert not [m for m in ratna.messages() if "⏰" in m.text]
    assert len([m for m in coach.messages() if "⏰" in m.text]) == 2  # the coach's own reminders stay


async def test_the_notes_prompt_of_an_evening_session_waits_for_the_coachs_morning(bot: InProcessBot) -> None:
    coach, ratna, _ = await seed(bot)
    await say(bot, coach, "/jadwal")
    await tap(bot, coach, "Tambah slot")
    await play(bot, coach, "3 Desember 2026", "20.30", "[45 menit]", "[Sekali saja]", "[Daring]", "https://zoom.us/j/9")
    await say(bot, ratna, "/sesi_coaching")
    await tap(bot, ratna, "Kam 3 Des · 19.30")
    coach.skip_read()
    await sweep_at(bot, datetime(2026, 12, 3, 13, 16, tzinfo=UTC))  # 21:16 WITA: the session has just ended
    assert not [m for m in coach.messages() if "sudah selesai" in m.text]
    await sweep_at(bot, datetime(2026, 12, 3, 22, 0, tzinfo=UTC))  # 06:00 WITA the next morning
    assert "Sesi dengan Ratna Kusumawati sudah selesai" in coach.next_message().text
