"""Check-ins and rater feedback end to end: the real process, its clock moved, SIGKILL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from db.engine import create_engine, session_factory
from db.models import CareerEvent, CheckIn, CheckInStatus, Draft, RaterResponse
from devtools.double import BotApiDouble, FakeUser
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import query, say, tap

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

START = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB


def seed(database_url: str, double: BotApiDouble, *, checkins: bool = True) -> FakeUser:
    async def run() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            cohort = await factories.cohort(session, START, training_end=date(2026, 2, 1), months=3)
            # Her reminders are off without check-ins: on today's clock this week's reminder could come mid-test.
            await factories.alumna(session, START, cohort, 9801, name="Sari", checkins=checkins, reminders=checkins)
            await session.commit()
        await engine.dispose()

    asyncio.run(run())
    return double.user(9801, "Sari")


def begin_checkin(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> FakeUser:
    live_bot.stop()
    sari = seed(database_url, double)
    live_bot.start(fake_time="2026-06-01 03:00:30")
    invitation = sari.next_message(timeout=20)
    assert "check-in monitoring" in invitation.text
    assert "status PAP" in tap(sari, "Mulai check-in").text
    return sari


def test_a_complete_checkin_over_http(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    sari = begin_checkin(live_bot, double, database_url)
    tap(sari, "Sesuai rencana")
    assert "kendala" in say(sari, "80%").text
    tap(sari, "Dukungan atasan")
    tap(sari, "Lewati")
    tap(sari, "Tidak untuk saat ini")
    tap(sari, "Promosi")
    assert "Promosi ke jabatan lebih tinggi — 2 Mei 2026" in say(sari, "2 Mei 2026").text
    tap(sari, "Selesai")
    tap(sari, "lintas instansi")
    tap(sari, "Selesai")
    assert "check-in tersimpan" in tap(sari, "5").text
    [(status, implementation, satisfaction, late)] = query(
        database_url, select(CheckIn.status, CheckIn.implementation, CheckIn.satisfaction, CheckIn.late).where(CheckIn.sequence == 1)
    )
    assert (status, implementation, satisfaction, late) == (CheckInStatus.ANSWERED, 80, 5, False)
    assert query(database_url, select(CareerEvent.event_date)) == [(date(2026, 5, 2),)]


def test_sigkill_during_a_checkin_keeps_the_answers(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    sari = begin_checkin(live_bot, double, database_url)
    tap(sari, "Mandek")
    say(sari, "30")
    live_bot.kill()
    live_bot.start(fake_time="2026-06-01 03:05:00")
    [(data,)] = query(database_url, select(Draft.data))
    assert (data["status"], data["implementation"]) == ("stuck", 30)
    assert "Ceritakan singkat" in tap(sari, "Waktu").text
    assert len([m for m in sari.messages() if "check-in monitoring" in m.text]) == 1  # not sent again


def test_feedback_round_with_three_raters_over_http(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    # No check-ins: the bot runs on today's clock, and her June check-in would come due mid-test.
    sari = seed(database_url, double, checkins=False)
    assert "Belum ada putaran" in say(sari, "/umpan_balik").text
    links = tap(sari, "Mulai putaran baru")
    codes = [line.split("start=")[1] for line in links.text.splitlines() if "start=" in line]
    assert len(codes) == 3
    for number, code in enumerate(codes):
        rater = double.user(9810 + number, f"Penilai {number}", language_code="en" if number == 2 else "id")
        first = say(rater, f"/start {code}")  # the welcome and the first question, in one message
        assert "Sari" in first.text and "1/5" in first.text
        for score in ("4", "4", "5", "3"):
            tap(rater, score)
        tap(rater, "2")
        thanks = tap(rater, "Lewati" if number < 2 else "Skip")
        assert ("Terima kasih" if number < 2 else "Thank you") in thanks.text
    again = double.user(9810, "Penilai 0")
    again.skip_read()
    assert "sudah memberi umpan balik" in say(again, f"/start {codes[1]}").text  # another role's link: still one rater
    assert len(query(database_url, select(RaterResponse.id))) == 3

    before = say(sari, "/feedback")
    assert "setelah putaran ditutup" in before.text and "Komunikasi" not in before.text
    assert "Tautan umpan balik" in sari.next_message().text  # the links, again below the view
    assert "Tutup putaran sekarang?" in tap(sari, "Tutup putaran sekarang").text
    assert "Putaran ditutup" in tap(sari, "Ya, tutup").text
    aggregate = sari.next_message()
    assert "3 penilai" in aggregate.text
    assert "• Komunikasi: 4.0" in aggregate.text and "• Kepuasan keseluruhan: 2.0" in aggregate.text

    latecomer = double.user(9830, "Terlambat")
    assert "sudah ditutup" in say(latecomer, f"/start {codes[1]}").text
