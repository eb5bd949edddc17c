"""1-on-1 coaching and the mentor end to end: the real process over HTTP, its clock moved by libfaketime
and restarted at each moment that matters (24 h and 1 h before the session, its end, the actions' dates,
a month after the mentor's consent)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.models import AgreedAction, CareerEvent, Cohort, Reflection
from db.report import cohort_report
from devtools.double import BotApiDouble, FakeUser, Sent
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import query, run, say, tap

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

FIRST = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # Thursday 10:00 WITA, 09:00 WIB
COACH, RATNA, BOSS = 9100, 9001, 9300
SECRET = "RAHASIA-REFLEKSI-RATNA"


def seed(database_url: str, double: BotApiDouble) -> tuple[FakeUser, FakeUser]:
    async def run() -> None:
        now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            cohort = await factories.cohort(session, now)
            ratna = await factories.alumna(session, now, cohort, RATNA, name="Ratna", zone="Asia/Jakarta", reminders=False)
            await enrol_coach(
                session=session, telegram_id=COACH, cohort=cohort, name="Coach Ayu", locale="id", timezone="Asia/Makassar", now=now
            )
            session.add(Reflection(person_id=ratna.id, week_year=2026, week=49, went_well=SECRET, domain="soft_skills", confidence=4,
                                   created_at=now, updated_at=now))  # fmt: skip
            await session.commit()
        await engine.dispose()

    asyncio.run(run())
    return double.user(COACH, "Ayu"), double.user(RATNA, "Ratna")


def play(user: FakeUser, *moves: str) -> Sent:
    reply = None
    for move in moves:
        reply = tap(user, move[1:-1]) if move.startswith("[") else say(user, move)
    assert reply is not None
    return reply


def start_at(live_bot: BotProcess, moment: str) -> None:
    live_bot.stop()
    live_bot.start(fake_time=moment)


def ics_start(sent: Sent) -> datetime:
    assert sent.file is not None
    [event] = icalendar.Calendar.from_ical(sent.file.data).walk("VEVENT")
    return event.decoded("dtstart")


def test_book_in_wib_from_wita_slots_with_reminders_notes_and_follow_ups(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    live_bot.stop()
    coach, ratna = seed(database_url, double)
    live_bot.start(fake_time="2026-12-01 02:00:00")
    tap_after = say(coach, "/jadwal")
    assert "Belum ada slot" in tap_after.text
    tap(coach, "Tambah slot")
    assert "1 slot terbit" in play(coach, "3 Desember 2026", "10.00", "[60 menit]", "[Sekali saja]", "[Daring]", "https://zoom.us/j/1").text
    tap(coach, "Tambah slot")
    published = play(coach, "3-12-2026", "14.00", "[30 menit]", "[2 minggu]", "[Tatap muka]", "Aula Dinas")
    assert "2 slot terbit" in published.text

    offer = say(ratna, "/sesi_coaching")
    assert offer.button_texts == ["Kam 3 Des · 09.00 · Coach Ayu", "Kam 3 Des · 13.00 · Coach Ayu", "Kam 10 Des · 13.00 · Coach Ayu"]
    mine = tap(ratna, "Kam 3 Des · 09.00")
    theirs = coach.next_message()
    assert "09.00 WIB" in mine.text and "10.00 WITA" in theirs.text
    assert ics_start(mine) == ics_start(theirs) == FIRST

    start_at(live_bot, "2026-12-02 01:59:55")  # 24 hours before, less five seconds
    assert "Besok: sesi coaching dengan Coach Ayu" in ratna.next_message(timeout=30).text
    assert "Besok: sesi coaching dengan Ratna" in coach.next_message(timeout=30).text
    start_at(live_bot, "2026-12-03 00:59:55")  # one hour before
    assert "Satu jam lagi" in ratna.next_message(timeout=30).text
    assert "Satu jam lagi" in coach.next_message(timeout=30).text
    start_at(live_bot, "2026-12-03 03:00:05")  # the session has ended: the coach is asked for notes
    assert "Sesi dengan Ratna sudah selesai" in coach.next_message(timeout=30).text
    for user in (ratna, coach):
        assert len([m for m in user.messages() if "⏰" in m.text]) == 2  # each reminder exactly once, across restarts

    tap(coach, "Catatan GROW")
    saved = play(
        coach, "SOP layanan KTP", "[Lewati]", "[Lewati]", "Rapat kepala bidang", "7-12-2026", "Kirim draf SOP", "14-12-2026", "[Selesai]"
    )
    assert "dengan 2 tindakan" in saved.text
    notes = ratna.next_message()
    assert "1. Rapat kepala bidang — 7 Desember 2026" in notes.text and "2. Kirim draf SOP — 14 Desember 2026" in notes.text

    start_at(live_bot, "2026-12-07 00:59:55")  # 08:00 WIB on the first action's date
    first = ratna.next_message(timeout=30)
    assert "Rapat kepala bidang" in first.text
    assert "Tercatat selesai" in tap(ratna, "Sudah").text
    start_at(live_bot, "2026-12-14 00:59:55")
    assert "Kirim draf SOP" in ratna.next_message(timeout=30).text
    actions = query(database_url, select(AgreedAction.text, AgreedAction.done_at.is_not(None)).order_by(AgreedAction.id))
    assert actions == [("Rapat kepala bidang", True), ("Kirim draf SOP", False)]


def test_a_mentor_gets_the_monthly_summary_never_her_reflections(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    live_bot.stop()
    coach, ratna = seed(database_url, double)
    live_bot.start(fake_time="2026-12-01 02:00:00")
    say(ratna, "/mentor")
    invited = tap(ratna, "Undang atasan")
    code = next(word for word in invited.text.split() if "start=" in word).split("start=")[1]
    boss = double.user(BOSS, "Budi")
    assert "judul PAP, statusnya, tahapan, dan persentase kemajuan" in say(boss, f"/start {code}").text
    assert "kini mentor PAP Ratna" in tap(boss, "Saya bersedia").text

    start_at(live_bot, "2026-12-31 02:00:05")  # a month after her consent
    monthly = boss.next_message(timeout=30)
    assert "Dialog bulanan mentor" in monthly.text and "PAP Ratna" in monthly.text
    tap(boss, "Jawab")
    say(boss, "Perlu SK tim dari kepala dinas")
    tap(boss, "Ya")
    assert "sudah disampaikan" in say(boss, "Plt. Kabid mulai Maret").text
    assert "Perlu SK tim dari kepala dinas" in coach.next_message(timeout=30).text
    assert query(database_url, select(CareerEvent.dialogue_id.is_not(None))) == [(True,)]
    for sent in double.sent(BOSS):
        assert SECRET not in sent.text


def test_moving_cancelling_and_a_no_show_over_http(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    live_bot.stop()
    coach, ratna = seed(database_url, double)
    live_bot.start(fake_time="2026-12-01 02:00:00")
    say(coach, "/jadwal")
    tap(coach, "Tambah slot")
    published = play(coach, "3-12-2026", "10.00", "[30 menit]", "[4 minggu]", "[Daring]", "https://meet.google.com/x")
    assert "4 slot terbit" in published.text
    say(ratna, "/sesi_coaching")
    tap(ratna, "Kam 3 Des · 09.00")
    assert "Sesi coaching terjadwal" in coach.next_message(timeout=20).text
    say(ratna, "/sesi_coaching")
    tap(ratna, "Pindah Kam 3 Des")
    moved = tap(ratna, "Kam 10 Des · 09.00")
    assert "Sesi coaching dipindahkan" in moved.text
    assert "Kamis, 10 Desember 2026 · 10.00 WITA" in coach.next_message(timeout=20).text
    say(coach, "/jadwal")
    tap(coach, "Batal Kam 10 Des")
    assert "dibatalkan" in tap(coach, "Ya, batalkan").text
    assert "Coach Ayu membatalkan sesi coaching" in ratna.next_message(timeout=20).text

    say(ratna, "/sesi_coaching")
    tap(ratna, "Kam 17 Des · 09.00")
    start_at(live_bot, "2026-12-17 02:40:00")  # forty minutes into the session
    coach.skip_read()
    say(coach, "/jadwal")
    assert "Tercatat: Ratna tidak hadir" in tap(coach, "Ratna tidak hadir").text
    assert "karena Bapak/Ibu tidak hadir" in ratna.next_message(timeout=20).text

    async def no_shows(session: AsyncSession) -> tuple[int, int]:
        cohort = await session.scalar(select(Cohort))
        assert cohort is not None
        indicators, _ = await cohort_report(session=session, cohort=cohort, now=datetime(2026, 12, 17, 3, 0, tzinfo=UTC))
        return indicators.no_shows, indicators.coaching_sessions

    assert run(database_url, no_shows) == (1, 0)
