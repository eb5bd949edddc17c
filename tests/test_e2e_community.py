"""Community of practice end to end: the real process, its clock moved, the double over HTTP."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.kernel.sending import IN_FLIGHT
from db.broadcasts import create_broadcast
from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.models import BroadcastKind, Delivery, DeliveryStatus, Person, QuizAnswer
from devtools.double import BotApiDouble, FakeUser
from devtools.process import BotProcess
from handlers.community import CLAIM_AHEAD
from tests.support import factories
from tests.support.live import query, say, tap, wait_until

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out

SEEDED = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def seed(database_url: str, double: BotApiDouble, alumnae: int = 2) -> list[FakeUser]:
    async def run() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            cohort = await factories.cohort(session, SEEDED)
            for n in range(alumnae):
                await factories.alumna(session, SEEDED, cohort, 8800 + n, name=f"Alumna {n}", reminders=False)
            await enrol_coach(
                session=session, telegram_id=8899, cohort=cohort, name="Coach", locale="id", timezone="Asia/Jakarta", now=SEEDED
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(run())
    return [double.user(8800 + n, f"Alumna {n}") for n in range(alumnae)]


def restart_at(live_bot: BotProcess, moment: str, *, tips: bool = False) -> None:
    live_bot.stop()
    live_bot.env["ECOACH_WEEKLY_TIPS"] = "true" if tips else "false"
    live_bot.start(fake_time=moment)


def test_tips_rotate_over_several_weeks(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari, _] = seed(database_url, double)
    titles = []
    for monday in ("2026-03-02", "2026-03-09", "2026-03-16"):
        restart_at(live_bot, f"{monday} 01:00:05", tips=True)  # Monday 08:00 WIB
        tip = sari.next_message(timeout=20)
        while tip.method == "sendPoll":  # the quiz of the week before
            tip = sari.next_message(timeout=20)
        assert tip.text.startswith("💡")
        titles.append(tip.text.splitlines()[0])
    assert len(set(titles)) == 3


def test_quiz_answer_is_stored(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari, _] = seed(database_url, double)
    restart_at(live_bot, "2026-03-02 01:00:05", tips=True)
    sari.next_message(timeout=20)
    restart_at(live_bot, "2026-03-09 01:00:05", tips=True)  # the second tip carries a quiz
    deadline = time.monotonic() + 20
    while not any(m.method == "sendPoll" for m in sari.messages()) and time.monotonic() < deadline:
        time.sleep(0.1)
    [poll] = [m for m in sari.messages() if m.method == "sendPoll"]
    sari.answer_poll(poll.message["poll"]["id"], 1)
    deadline = time.monotonic() + 10
    while not query(database_url, select(QuizAnswer.option, QuizAnswer.correct)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert query(database_url, select(QuizAnswer.option, QuizAnswer.correct)) == [(1, True)]


def test_an_event_is_in_the_agenda_and_reminded(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari, _] = seed(database_url, double)
    restart_at(live_bot, "2026-03-02 03:00:00")
    coach = double.user(8899, "Coach")
    say(coach, "/umumkan")
    tap(coach, "Angkatan I 2026")
    tap(coach, "Kegiatan")
    say(coach, "Kelas berbagi PAP")
    say(coach, "Tiga alumni berbagi praktik baik.")
    say(coach, "10-03-2026")
    say(coach, "13.30")
    say(coach, "Aula BKD lt. 2")
    assert "dijadwalkan" in tap(coach, "Kirim").text
    assert "Kegiatan: Kelas berbagi PAP" in sari.next_message(timeout=20).text
    agenda = say(sari, "/agenda")
    assert "Kelas berbagi PAP" in agenda.text and "10 Maret 2026, pukul 13.30" in agenda.text
    restart_at(live_bot, "2026-03-09 01:00:30")  # 08:00 WIB the day before
    reminder = sari.next_message(timeout=20)
    assert reminder.text.startswith("⏰ Besok: Kelas berbagi PAP")


def broadcast_to_all(database_url: str) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        async with session_factory(engine)() as session:
            await create_broadcast(
                session=session,
                kind=BroadcastKind.GENERAL,
                cohort_id=None,
                title="Info",
                body="Isi pengumuman",
                now=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
            )
            await session.commit()
        await engine.dispose()

    asyncio.run(run())


def test_blocked_recipient_is_marked_and_a_429_is_retried(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    [sari, maya, rina] = seed(database_url, double, alumnae=3)
    restart_at(live_bot, "2026-03-02 03:00:00")
    double.block(maya.id)
    double.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2, chat_id=rina.id)
    broadcast_to_all(database_url)
    assert "Isi pengumuman" in sari.next_message(timeout=20).text
    assert "Isi pengumuman" in rina.next_message(timeout=20).text  # after its retry_after
    wait_until(lambda: query(database_url, select(Person.active).where(Person.telegram_id == maya.id)) == [(False,)])
    statuses = dict(query(database_url, select(Person.telegram_id, Delivery.status).join(Person, Delivery.person_id == Person.id)))
    assert statuses == {sari.id: DeliveryStatus.SENT, maya.id: DeliveryStatus.BLOCKED, rina.id: DeliveryStatus.SENT}
    broadcast_to_all(database_url)
    sari.next_message(timeout=20)
    assert double.sent(maya.id) == []  # skipped from now on
    assert len(query(database_url, select(Delivery.id).where(Delivery.person_id.is_not(None)))) == 5


def test_a_restart_mid_broadcast_resumes_without_duplicates(live_bot: BotProcess, double: BotApiDouble, database_url: str) -> None:
    people = seed(database_url, double, alumnae=150)
    restart_at(live_bot, "2026-03-02 03:00:00")
    broadcast_to_all(database_url)
    wait_until(lambda: sum(len(double.sent(p.id)) for p in people) >= 40)
    live_bot.kill()
    received_before = sum(len(double.sent(p.id)) for p in people)
    assert received_before < 150, "the broadcast finished before the kill; the test proves nothing"
    sending = select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENDING)
    unconfirmed = query(database_url, sending)[0][0]  # claimed by the killed process, never sent again
    assert unconfirmed <= IN_FLIGHT + CLAIM_AHEAD  # at most those being sent and those claimed next
    restart_at(live_bot, "2026-03-02 03:00:30")
    sent = select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENT)
    wait_until(lambda: query(database_url, sent)[0][0] == 150 - unconfirmed, timeout=40)
    counts = [len(double.sent(p.id)) for p in people]
    assert max(counts) == 1  # no duplicates
    assert sum(counts) >= 150 - unconfirmed


def test_a_forum_group_gets_its_topics_once_across_a_restart_and_a_job_lands_in_its_topic(
    live_bot: BotProcess, double: BotApiDouble, database_url: str
) -> None:
    seed(database_url, double)
    restart_at(live_bot, "2026-03-02 03:00:00")
    forum = double.group(-100700, "Forum Alumni", forum=True)
    organizer = double.user(900001, "Penyelenggara")
    organizer.send("/hubungkan_cop", chat=forum)
    wait_until(lambda: len([m for m in double.sent(forum.id) if m.method == "createForumTopic"]) == 6)
    restart_at(live_bot, "2026-03-02 03:05:00")
    time.sleep(3)  # several sweeps of the restarted process
    created = [m for m in double.sent(forum.id) if m.method == "createForumTopic"]
    assert len(created) == 6  # not one more after the restart
    jobs = next(m.thread_id for m in created if m.raw_text == "Lowongan & Talent Pool")
    say(organizer, "/umumkan")
    tap(organizer, "Seluruh komunitas alumni")
    tap(organizer, "Lowongan jabatan")
    say(organizer, "Kepala Bidang Pelayanan")
    say(organizer, "Pendaftaran sampai 20 Maret.")
    assert "dijadwalkan" in tap(organizer, "Kirim").text
    wait_until(lambda: any("Kepala Bidang Pelayanan" in m.text for m in double.sent(forum.id)))
    [post] = [m for m in double.sent(forum.id) if "Kepala Bidang Pelayanan" in m.text]
    assert post.thread_id == jobs
