"""Delivery in-process, with a controlled clock: leases bring back what a dead process held, a timeout
after Telegram took a message is not sent twice, notices go through their outbox, and nothing
retries forever."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from telegram import Update

from bot.kernel.notices import sweep_notices
from bot.polling import handle_batch
from db.broadcasts import create_broadcast
from db.enrolment import enrol_coach
from db.models import BroadcastKind, CheckIn, CheckInStatus, Delivery, DeliveryStatus, Notice, QuizPoll, Reminder, ReminderKind, SendStatus
from handlers.checkins import sweep_checkins
from handlers.community import sweep_broadcasts
from handlers.reflection import sweep_reminders
from tests.support import factories
from tests.support.bots import TOKEN, InProcessBot
from tests.support.inprocess import say, seed_alumnae, tap

FRIDAY_1500_WIB = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=120)  # the default ECOACH_LEASE_SECONDS


async def rows(bot: InProcessBot, statement: Any) -> list[Any]:
    async with bot.app.runtime.open_session() as session:
        return list((await session.execute(statement)).all())


async def run(bot: InProcessBot, statement: Any) -> None:
    async with bot.app.runtime.open_session() as session:
        await session.execute(statement)
        await session.commit()


def texts(bot: InProcessBot, chat_id: int) -> list[str]:
    return [sent.text for sent in bot.double.sent(chat_id) if not sent.is_edit]


# ----- leases: a dead process's claim comes back, a live one's does not ------------------------------


async def test_a_reminder_left_sending_by_a_dead_process_is_sent_once_its_lease_runs_out(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY_1500_WIB - timedelta(days=2))
    [sari] = await seed_alumnae(bot, {"telegram_id": 6101})
    claimed_at = FRIDAY_1500_WIB + timedelta(seconds=5)  # the dead process claimed it, then died before sending
    await run(bot, update(Reminder).values(status=SendStatus.SENDING, lease_until=claimed_at + LEASE))
    bot.clock.set(claimed_at + LEASE - timedelta(seconds=1))
    assert await sweep_reminders(bot.app.runtime, bot.app.bot) == 0  # its lease still holds: another process may be sending it
    assert texts(bot, sari.telegram_id) == []
    bot.clock.set(claimed_at + LEASE + timedelta(seconds=1))
    assert await sweep_reminders(bot.app.runtime, bot.app.bot) == 1
    assert await sweep_reminders(bot.app.runtime, bot.app.bot) == 0
    assert [t for t in texts(bot, sari.telegram_id) if "refleksi mingguan" in t] != []
    assert len(texts(bot, sari.telegram_id)) == 1
    [(status, lease)] = await rows(
        bot, select(Reminder.status, Reminder.lease_until).where(Reminder.kind == ReminderKind.REFLECTION, Reminder.week == 10)
    )
    assert (status, lease) == (SendStatus.SENT, None)


async def checkin_for(bot: InProcessBot, telegram_id: int, **values: Any) -> int:
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, bot.clock.now(), training_end=date(2026, 2, 1), months=3)
        person = await factories.alumna(session, bot.clock.now(), cohort, telegram_id, reminders=False)
        checkin = CheckIn(person_id=person.id, cohort_id=cohort.id, sequence=1, kind="regular", month=1, **values)
        session.add(checkin)
        await session.commit()
    bot.double.user(telegram_id, "Rina")
    return checkin.id


async def test_a_checkin_left_sending_is_sent_after_the_lease_and_its_reminder_survives_a_429(bot: InProcessBot) -> None:
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB
    bot.clock.set(now)
    checkin_id = await checkin_for(
        bot, 6201, due_at=now - LEASE, status=CheckInStatus.SENDING, lease_until=now - timedelta(seconds=1), attempts=1
    )
    assert await sweep_checkins(bot.app.runtime, bot.app.bot) == 1
    assert ["check-in monitoring" in t for t in texts(bot, 6201)] == [True]
    # Three days on, her reminder meets a 429: it is tried again after Telegram's wait, and arrives.
    bot.clock.set(now + timedelta(days=3, minutes=1))
    bot.double.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5, chat_id=6201)
    await sweep_checkins(bot.app.runtime, bot.app.bot)
    [(status,)] = await rows(bot, select(CheckIn.status).where(CheckIn.id == checkin_id))
    assert status == CheckInStatus.SENT and len(texts(bot, 6201)) == 1
    bot.clock.set(now + timedelta(days=3, minutes=1, seconds=6))
    await sweep_checkins(bot.app.runtime, bot.app.bot)
    [(status,)] = await rows(bot, select(CheckIn.status).where(CheckIn.id == checkin_id))
    assert status == CheckInStatus.REMINDED
    assert len(texts(bot, 6201)) == 2 and "check-in" in texts(bot, 6201)[1]


# ----- timeouts after Telegram took the message --------------------------------------------------------


async def test_a_reminder_that_timed_out_after_it_arrived_is_not_sent_again(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY_1500_WIB - timedelta(days=2))
    [sari] = await seed_alumnae(bot, {"telegram_id": 6301})
    bot.double.lose_answer_next("sendMessage", chat_id=sari.telegram_id)
    bot.clock.set(FRIDAY_1500_WIB + timedelta(minutes=1))
    await sweep_reminders(bot.app.runtime, bot.app.bot)
    for minutes in (2, 10, 60):
        bot.clock.set(FRIDAY_1500_WIB + timedelta(minutes=minutes))
        await sweep_reminders(bot.app.runtime, bot.app.bot)
    assert len(texts(bot, sari.telegram_id)) == 1  # in her chat once: Telegram took it, and it was never repeated


async def test_a_reply_that_timed_out_after_it_arrived_is_not_repeated_and_she_goes_on(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY_1500_WIB)
    [sari] = await seed_alumnae(bot, {"telegram_id": 6302})
    user = bot.double.user(sari.telegram_id, "Sari")
    bot.double.lose_answer_next("sendMessage", chat_id=sari.telegram_id)
    user.send("/refleksi")
    await bot.run_pending()
    first = user.next_message()
    assert "1/7" in first.text  # the question arrived; its answer was lost on the way back
    assert [t for t in texts(bot, sari.telegram_id) if "Mohon maaf" in t] == []  # no apology, no repeat
    assert "2/7" in (await say(bot, user, "Rapat lancar")).text


async def test_a_broadcast_that_timed_out_is_left_to_its_lease(bot: InProcessBot) -> None:
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    bot.clock.set(now)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, now)
        person = await factories.alumna(session, now, cohort, 6401, reminders=False)
        await create_broadcast(session=session, kind=BroadcastKind.GENERAL, cohort_id=None, title="Info", body="Isi", now=now)
        await session.commit()
    bot.double.user(person.telegram_id, "Sari")
    bot.double.lose_answer_next("sendMessage", chat_id=person.telegram_id)
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)
    [(status,)] = await rows(bot, select(Delivery.status))
    assert status == DeliveryStatus.SENDING  # Telegram may have it: neither confirmed nor sent again yet
    bot.clock.set(now + LEASE + timedelta(seconds=1))
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)
    [(status,)] = await rows(bot, select(Delivery.status))
    assert status == DeliveryStatus.SENT
    assert len(texts(bot, person.telegram_id)) == 2  # at least once: the one duplicate this window allows


async def test_a_tips_quiz_that_meets_a_429_is_sent_alone_later(bot: InProcessBot) -> None:
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    bot.clock.set(now)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, now)
        person = await factories.alumna(session, now, cohort, 6501, reminders=False)
        await create_broadcast(session=session, kind=BroadcastKind.TIP, cohort_id=None, tip_slug="02-data-terpilah", now=now)
        await session.commit()
    bot.double.user(person.telegram_id, "Sari")
    bot.double.fail_next("sendPoll", 429, "Too Many Requests: retry after 3", retry_after=3)
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)
    [(status, stage)] = await rows(bot, select(Delivery.status, Delivery.stage))
    assert (status, stage) == (DeliveryStatus.PENDING, 1)
    bot.clock.set(now + timedelta(seconds=4))
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)
    sent = bot.double.sent(person.telegram_id)
    assert [s.method for s in sent] == ["sendMessage", "sendPoll"]  # the tip's text once, then its quiz
    assert len(await rows(bot, select(QuizPoll.poll_id))) == 1


# ----- notices: stored with the answer, sent after the commit, retried by the sweep -----------------


async def test_a_coach_notice_is_stored_with_the_entry_and_resent_by_the_sweep_after_a_502(bot: InProcessBot) -> None:
    now = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    bot.clock.set(now)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, now)
        await factories.alumna(session, now, cohort, 6601, reminders=False)
        await enrol_coach(session=session, telegram_id=6699, cohort=cohort, name="Coach", locale="id", timezone="Asia/Jakarta", now=now)
        await session.commit()
    sari, coach = bot.double.user(6601, "Sari"), bot.double.user(6699, "Coach")
    bot.double.fail_next("sendMessage", 502, "Bad Gateway", chat_id=coach.id)
    await say(bot, sari, "/logbook")
    await tap(bot, sari, "Tahap 1")
    await say(bot, sari, "Rapat tim")
    await tap(bot, sari, "50%")
    await tap(bot, sari, "Lewati")
    await tap(bot, sari, "Lewati")
    saved = await tap(bot, sari, "Selesai")
    assert "tersimpan" in saved.text
    assert coach.messages() == []  # the 502: not delivered yet, but stored
    [(status,)] = await rows(bot, select(Notice.status))
    assert status == SendStatus.PENDING
    bot.clock.set(now + timedelta(minutes=2))
    await sweep_notices(bot.app.runtime, bot.app.bot)
    [notice] = coach.messages()
    assert "Sari" in notice.text and "Rapat tim" in notice.text
    await sweep_notices(bot.app.runtime, bot.app.bot)
    assert len(coach.messages()) == 1


# ----- updates: a new sequence of ids is not mistaken for redeliveries ---------------------------------


async def test_a_new_update_id_sequence_is_handled_and_a_redelivery_is_not(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY_1500_WIB)
    rina = bot.double.user(6701, "Rina")
    for _ in range(3):
        rina.send("/bantuan")
    await bot.run_pending()
    assert len(rina.messages()) == 3
    bot.double.call(TOKEN, "getUpdates", {"offset": 4, "timeout": 0})  # all three confirmed
    bot.double.restart_update_ids(1)  # a new token, or a week without updates: ids start again
    wati = bot.double.user(6702, "Wati")
    wati.send("/start")
    status, body = bot.double.call(TOKEN, "getUpdates", {"timeout": 0})
    [raw] = body["result"]
    assert status == 200 and raw["update_id"] == 1  # the id of Rina's first /bantuan, already processed
    await handle_batch(bot.app, [Update.de_json(raw, bot.app.bot)], concurrency=1)
    assert wati.next_message().text.startswith("Selamat datang")
    await handle_batch(bot.app, [Update.de_json(raw, bot.app.bot)], concurrency=1)  # the same update again
    assert len(wati.messages()) == 1  # a redelivery is applied once


async def test_a_failing_cosmetic_edit_does_not_stop_onboarding(bot: InProcessBot) -> None:
    bot.clock.set(datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, bot.clock.now())
        await session.commit()
    sari = bot.double.user(6801, "Sari")
    await say(bot, sari, f"/start {cohort.alumni_code}")
    bot.double.fail_next("editMessageText", 429, "Too Many Requests: retry after 30", retry_after=30)
    assert "nama lengkap" in (await tap(bot, sari, "Saya setuju")).text
    await say(bot, sari, "Sari")
    await tap(bot, sari, "Panggil saya Sari")
    for answer in ("Dinas A", "Bidang B", "198503122010012004"):
        await say(bot, sari, answer)
    bot.double.fail_next("editMessageText", 502, "Bad Gateway")
    bot.double.fail_next("answerCallbackQuery", 502, "Bad Gateway")
    assert "zona waktu" in (await tap(bot, sari, "Pengawas")).text


async def test_reminders_look_back_to_this_weeks_slot_after_downtime(bot: InProcessBot) -> None:
    """Her slot is Friday 15:00 WITA. Down from a Saturday to an hour after her slot two weeks later:
    the stale week's reminder is dropped, and this week's (still open) is sent once, at once."""
    saturday_week_48 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    bot.clock.set(saturday_week_48)
    [sari] = await seed_alumnae(bot, {"telegram_id": 6901, "zone": "Asia/Makassar", "weekday": 4, "at": time(15, 0)})
    [(week,)] = await rows(bot, select(Reminder.week).where(Reminder.status == SendStatus.PENDING))
    assert week == 49
    bot.clock.set(datetime(2026, 12, 11, 8, 0, tzinfo=UTC))  # Friday of week 50, 16:00 WITA
    assert await sweep_reminders(bot.app.runtime, bot.app.bot) == 1
    assert await sweep_reminders(bot.app.runtime, bot.app.bot) == 0
    weeks = await rows(bot, select(Reminder.week, Reminder.status).where(Reminder.kind == ReminderKind.REFLECTION).order_by(Reminder.week))
    assert weeks[:2] == [(49, SendStatus.SKIPPED), (50, SendStatus.SENT)]
    assert len(texts(bot, sari.telegram_id)) == 1
