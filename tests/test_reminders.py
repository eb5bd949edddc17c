"""Reflection reminders with a controlled clock: local slots, follow-ups, quiet hours, pauses, once only."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import event, func, select

from db.models import CompetencyDomain, Person, Reminder, ReminderKind, SendStatus
from db.reflections import ReflectionAnswers, save_reflection
from handlers.reflection import sweep_reminders
from tests.support.bots import InProcessBot
from tests.support.inprocess import seed_alumnae

WED = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)  # ISO week 10 of 2026


async def sweep_at(bot: InProcessBot, moment: datetime) -> int:
    bot.clock.set(moment)
    return await sweep_reminders(bot.app.runtime, bot.app.bot)


async def reflect(bot: InProcessBot, person_id: int, week: int = 10) -> None:
    async with bot.app.runtime.open_session() as session:
        person = await session.get(Person, person_id)
        answers = ReflectionAnswers("baik", None, None, CompetencyDomain.SOFT_SKILLS, 4, None, False)
        await save_reflection(session=session, person=person, week_year=2026, week=week, answers=answers, now=bot.clock.now())
        await session.commit()


async def test_friday_1500_wita_goes_out_at_0700_utc(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6001, "zone": "Asia/Makassar", "weekday": 4, "at": time(15, 0)})
    sari = bot.double.user(6001, "Sari")
    assert await sweep_at(bot, datetime(2026, 3, 6, 6, 59, 59, tzinfo=UTC)) == 0
    assert sari.messages() == []
    assert await sweep_at(bot, datetime(2026, 3, 6, 7, 0, tzinfo=UTC)) == 1
    reminder = sari.next_message()
    assert "refleksi mingguan" in reminder.text and reminder.button_texts == ["✍️ Tulis refleksi"]


async def test_follow_up_48_hours_later_unless_she_reflected(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    _, rina = await seed_alumnae(bot, {"telegram_id": 6002, "name": "Sari"}, {"telegram_id": 6003, "name": "Rina"})
    assert await sweep_at(bot, datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == 2  # Friday 15:00 WIB
    await reflect(bot, rina.id)
    assert await sweep_at(bot, datetime(2026, 3, 8, 7, 59, tzinfo=UTC)) == 0
    assert await sweep_at(bot, datetime(2026, 3, 8, 8, 0, tzinfo=UTC)) == 1
    sari_chat, rina_chat = bot.double.user(6002, "Sari"), bot.double.user(6003, "Rina")
    assert "belum terisi" in sari_chat.messages()[-1].text
    assert len(rina_chat.messages()) == 1  # the reminder only
    assert await sweep_at(bot, datetime(2026, 3, 9, 8, 0, tzinfo=UTC)) == 0  # one follow-up, never two


async def test_a_reminder_due_at_2200_waits_until_0600(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6004, "weekday": 4, "at": time(22, 0)})
    user = bot.double.user(6004, "Sari")
    assert await sweep_at(bot, datetime(2026, 3, 6, 15, 0, tzinfo=UTC)) == 0  # Friday 22:00 WIB
    assert await sweep_at(bot, datetime(2026, 3, 6, 22, 59, tzinfo=UTC)) == 0  # Saturday 05:59 WIB
    assert await sweep_at(bot, datetime(2026, 3, 6, 23, 0, tzinfo=UTC)) == 1  # Saturday 06:00 WIB
    assert "refleksi mingguan" in user.next_message().text


async def test_a_reminder_missed_while_down_at_night_waits_for_morning(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6005})
    assert await sweep_at(bot, datetime(2026, 3, 6, 16, 0, tzinfo=UTC)) == 0  # back at 23:00 WIB: too late at night
    assert await sweep_at(bot, datetime(2026, 3, 6, 23, 0, tzinfo=UTC)) == 1  # 06:00 WIB the next morning
    assert await sweep_at(bot, datetime(2026, 3, 6, 23, 0, tzinfo=UTC)) == 0


async def test_two_zones_each_at_their_own_local_time(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6006, "zone": "Asia/Jakarta"}, {"telegram_id": 6007, "zone": "Asia/Jayapura"})
    wib, wit = bot.double.user(6006, "A"), bot.double.user(6007, "B")
    assert await sweep_at(bot, datetime(2026, 3, 6, 6, 0, tzinfo=UTC)) == 1  # 15:00 WIT
    assert (len(wib.messages()), len(wit.messages())) == (0, 1)
    assert await sweep_at(bot, datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == 1  # 15:00 WIB
    assert (len(wib.messages()), len(wit.messages())) == (1, 1)


async def test_weekly_and_never_twice(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6008})
    user = bot.double.user(6008, "Sari")
    friday = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
    for week in range(3):
        moment = friday + timedelta(weeks=week)
        assert await sweep_at(bot, moment) == 1
        assert await sweep_at(bot, moment + timedelta(minutes=1)) == 0
        await reflect(bot, (await seed_person_id(bot, 6008)), week=10 + week)
    assert len([m for m in user.messages() if "refleksi mingguan" in m.text]) == 3
    async with bot.app.runtime.open_session() as session:
        statuses = (await session.scalars(select(Reminder.status).where(Reminder.kind == ReminderKind.REFLECTION))).all()
    assert statuses.count(SendStatus.SENT) == 3 and statuses.count(SendStatus.PENDING) == 1


async def seed_person_id(bot: InProcessBot, telegram_id: int) -> int:
    async with bot.app.runtime.open_session() as session:
        return await session.scalar(select(Person.id).where(Person.telegram_id == telegram_id))


async def test_pause_and_resume_from_the_reminders_command(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6009})
    sari = bot.double.user(6009, "Sari")
    sari.send("/pengingat")
    await bot.run_pending()
    status = sari.next_message()
    assert "Setiap <b>" not in status.text and "Setiap Jumat, pukul 15.00 WIB" in status.text
    sari.press("Jeda 2 minggu")
    await bot.run_pending()
    assert "dijeda hingga 18 Maret 2026" in sari.next_message().text
    for week in range(2):  # two Fridays pass in silence
        assert await sweep_at(bot, datetime(2026, 3, 6, 8, 0, tzinfo=UTC) + timedelta(weeks=week)) == 0
    assert await sweep_at(bot, datetime(2026, 3, 20, 8, 0, tzinfo=UTC)) == 1  # back after the pause

    bot.clock.set(datetime(2026, 3, 23, 0, 0, tzinfo=UTC))
    sari.skip_read()
    sari.send("/reminders")
    await bot.run_pending()
    sari.next_message()
    sari.press("Jeda 1 minggu")
    await bot.run_pending()
    sari.next_message()
    sari.press("Lanjutkan")
    await bot.run_pending()
    assert "aktif" in sari.next_message().text
    assert await sweep_at(bot, datetime(2026, 3, 27, 8, 0, tzinfo=UTC)) == 1  # resumed: this Friday again

    sari.skip_read()
    sari.send("/pengingat")
    await bot.run_pending()
    sari.next_message()
    sari.press("Matikan")
    await bot.run_pending()
    assert "nonaktif" in sari.next_message().text
    assert await sweep_at(bot, datetime(2026, 4, 3, 8, 0, tzinfo=UTC)) == 0
    sari.press("Nyalakan")
    await bot.run_pending()
    assert await sweep_at(bot, datetime(2026, 4, 10, 8, 0, tzinfo=UTC)) == 1


async def test_change_day_and_time(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6010, "zone": "Asia/Makassar"})
    sari = bot.double.user(6010, "Sari")
    sari.send("/pengingat")
    await bot.run_pending()
    sari.press("Ubah hari")
    await bot.run_pending()
    sari.skip_read()
    sari.press("Kamis")
    await bot.run_pending()
    sari.skip_read()
    sari.send("07.30")
    await bot.run_pending()
    assert "Setiap Kamis, pukul 07.30 WITA" in sari.next_message().text
    assert await sweep_at(bot, datetime(2026, 3, 4, 23, 29, tzinfo=UTC)) == 0
    assert await sweep_at(bot, datetime(2026, 3, 4, 23, 30, tzinfo=UTC)) == 1  # Thursday 07:30 WITA


async def test_blocked_alumna_is_marked_inactive_and_not_retried(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    [sari] = await seed_alumnae(bot, {"telegram_id": 6011})
    bot.double.block(6011)
    assert await sweep_at(bot, datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == 0
    async with bot.app.runtime.open_session() as session:
        assert (await session.get(Person, sari.id)).active is False
        assert (
            await session.scalar(select(Reminder.status).where(Reminder.kind == ReminderKind.REFLECTION).order_by(Reminder.due_at))
            == SendStatus.FAILED
        )
    assert await sweep_at(bot, datetime(2026, 3, 13, 8, 0, tzinfo=UTC)) == 0


async def test_rate_limited_send_is_retried_not_lost(bot: InProcessBot) -> None:
    bot.clock.set(WED)
    await seed_alumnae(bot, {"telegram_id": 6012})
    bot.double.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5, chat_id=6012)
    friday = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
    assert await sweep_at(bot, friday) == 0
    assert await sweep_at(bot, friday + timedelta(seconds=5)) == 1
    assert len(bot.double.user(6012, "Sari").messages()) == 1


async def test_a_friday_sweep_claims_a_batch_at_a_time_and_settles_each_in_it(bot: InProcessBot) -> None:
    """25 reminders due at once: claimed ten at a time, one statement finding each batch (not a
    select, an update and a commit per reminder); in a batch each is still decided on its own."""
    bot.clock.set(WED)
    people = await seed_alumnae(bot, *({"telegram_id": 6100 + n, "name": f"Alumna {n}"} for n in range(25)))
    await reflect(bot, people[3].id)  # she wrote this week's already: hers is dropped, in the middle of a batch
    engine = bot.app.runtime.engine
    assert engine is not None
    looks: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM reminders" in statement and "ORDER BY reminders.due_at" in statement:
            looks.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await sweep_at(bot, datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == 24  # Friday 15:00 WIB
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(looks) == 3 + 1  # three batches (10, 10, 5), then a look that finds none
    received = [len(bot.double.user(6100 + n, f"Alumna {n}").messages()) for n in range(25)]
    assert received == [0 if n == 3 else 1 for n in range(25)]
    async with bot.app.runtime.open_session() as session:
        rows = (
            await session.execute(
                select(Reminder.status, func.count())
                .where(Reminder.kind == ReminderKind.REFLECTION, Reminder.week == 10)
                .group_by(Reminder.status)
            )
        ).all()
        followups = await session.scalar(select(func.count()).where(Reminder.kind == ReminderKind.REFLECTION_FOLLOWUP))
    assert dict(rows) == {SendStatus.SENT: 24, SendStatus.SKIPPED: 1}
    assert followups == 24  # each one sent planned her follow-up, in the batch's one commit
