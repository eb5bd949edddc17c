"""Reflections and reminders end to end: the real process over HTTP, SIGKILL, and downtime."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.kernel.clock import SystemClock
from db.engine import create_engine, session_factory
from db.models import Cohort, Draft, Reflection, Reminder, ReminderKind, SendStatus
from devtools.double import BotApiDouble, FakeUser
from devtools.process import BotProcess
from tests.support import factories
from tests.support.live import query, say, tap, wait_until

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out


def seed(database_url: str, double: BotApiDouble, *telegram_ids: int, now: datetime | None = None) -> list[FakeUser]:
    async def run() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            moment = now or SystemClock().now()
            # A second seed adds to the cohort the first made: one name, one cohort.
            cohort = await session.scalar(select(Cohort).where(Cohort.name == "Angkatan I 2026")) or await factories.cohort(session, moment)
            for telegram_id in telegram_ids:
                await factories.alumna(session, moment, cohort, telegram_id, name=f"Alumna {telegram_id}")
            await session.commit()
        await engine.dispose()

    asyncio.run(run())
    return [double.user(telegram_id, f"Alumna {telegram_id}") for telegram_id in telegram_ids]


def test_complete_and_edit_a_reflection_over_http(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari] = seed(database_url, double, 8001)
    assert "Refleksi" in say(sari, "/refleksi").text
    say(sari, "Rapat lancar")
    say(sari, "Waktu sempit")
    tap(sari, "Lewati")
    tap(sari, "Etika")
    tap(sari, "3")
    say(sari, "Delegasi tugas")
    assert "tersimpan" in tap(sari, "Bagikan").text
    assert "sudah menulis" in say(sari, "/refleksi").text
    tap(sari, "Ubah")
    tap(sari, "Tetap")
    say(sari, "Waktu sangat sempit")
    tap(sari, "Lewati")
    tap(sari, "Etika")
    tap(sari, "4")
    tap(sari, "Tetap")
    tap(sari, "Simpan pribadi")
    rows = query(database_url, select(Reflection.went_well, Reflection.challenge, Reflection.confidence, Reflection.shared))
    assert rows == [("Rapat lancar", "Waktu sangat sempit", 4, False)]


def test_bad_input_at_every_free_text_step_over_http(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari] = seed(database_url, double, 8002)
    say(sari, "/refleksi")
    answers = []
    for number in range(4):
        if number == 3:
            tap(sari, "Soft skills")
            tap(sari, "5")
        assert "batasnya 1000" in say(sari, "x" * 5000).text
        sari.send_voice()
        assert "pesan suara" in sari.next_message().text
        answer = f"<i>jawaban {number}</i> & 🌷"
        say(sari, answer)
        answers.append(answer)
    tap(sari, "Simpan pribadi")
    rows = query(database_url, select(Reflection.went_well, Reflection.challenge, Reflection.learned, Reflection.next_step))
    assert rows == [tuple(answers)]


def test_sigkill_in_the_middle_of_a_reflection_keeps_the_answers(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari] = seed(database_url, double, 8003)
    say(sari, "/refleksi")
    say(sari, "Yang baik")
    say(sari, "Tantangannya")
    live_bot.kill()
    live_bot.start()
    assert "5/7" not in say(sari, "Pelajarannya").text  # continues at question 4
    [(data,)] = query(database_url, select(Draft.data))
    assert (data["went_well"], data["challenge"], data["learned"]) == ("Yang baik", "Tantangannya", "Pelajarannya")
    tap(sari, "Hard skills")
    tap(sari, "2")
    tap(sari, "Lewati")
    tap(sari, "Simpan pribadi")
    assert query(database_url, select(Reflection.went_well, Reflection.learned)) == [("Yang baik", "Pelajarannya")]


def test_a_reminder_due_while_the_bot_was_down_is_sent_once_after_restart(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    live_bot.stop()  # the bot is down across Friday 15:00 WIB
    [sari, rina] = seed(database_url, double, 8004, 8005, now=datetime(2026, 3, 4, 0, 0, tzinfo=UTC))
    live_bot.start(fake_time="2026-03-06 09:00:00")  # back one hour after the reminders fell due
    first = sari.next_message(timeout=20)
    assert "refleksi mingguan" in first.text
    rina.next_message(timeout=20)
    week_10 = select(Reminder.status).where(Reminder.kind == ReminderKind.REFLECTION, Reminder.week == 10)
    wait_until(lambda: sorted(status for (status,) in query(database_url, week_10)) == [SendStatus.SENT] * 2)
    live_bot.kill()  # after both sends were recorded: nothing is left for a lease to bring back
    live_bot.start(fake_time="2026-03-06 09:05:00")
    # Let sweeps run after the restart: a new alumna's due reminder arrives, and Sari's does not again.
    [wati] = seed(database_url, double, 8006, now=datetime(2026, 3, 4, 0, 0, tzinfo=UTC))
    assert "refleksi mingguan" in wati.next_message(timeout=20).text
    time.sleep(2)  # two more sweeps at ECOACH_SWEEP_SECONDS=1
    assert len(sari.messages()) == 1 and len(rina.messages()) == 1
    wait_until(lambda: sorted(status for (status,) in query(database_url, week_10)) == [SendStatus.SENT] * 3)
