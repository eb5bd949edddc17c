"""Milestone reminders: 3 days before, on the day and a week after, at 08:00 her time, exactly once each."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from db.models import Milestone, MilestoneReminder, MilestoneStatus, Pap, Person, SendStatus
from handlers.plan import sweep_deadline_reminders
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import say

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
ZONES = {9001: "Asia/Jakarta", 9002: "Asia/Makassar", 9003: "Asia/Jayapura"}  # WIB, WITA, WIT


async def seed(bot: InProcessBot) -> None:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW)
        for telegram_id, zone in ZONES.items():
            await factories.alumna(session, NOW, cohort, telegram_id, name=f"Ratna {telegram_id}", zone=zone, reminders=False)
        await session.commit()


async def run_hourly(bot: InProcessBot, start: datetime, end: datetime) -> dict[int, list[tuple[datetime, str]]]:
    """Sweep every hour (twice, as a second process would), and note when each message arrived, her time."""
    users = {telegram_id: bot.double.user(telegram_id, "Ratna") for telegram_id in ZONES}
    seen = {telegram_id: len(user.messages()) for telegram_id, user in users.items()}
    arrived: dict[int, list[tuple[datetime, str]]] = {telegram_id: [] for telegram_id in ZONES}
    moment = start
    while moment <= end:
        bot.clock.set(moment)
        await sweep_deadline_reminders(bot.app.runtime, bot.app.bot)
        await sweep_deadline_reminders(bot.app.runtime, bot.app.bot)
        for telegram_id, user in users.items():
            for message in user.messages()[seen[telegram_id] :]:
                arrived[telegram_id].append((moment.astimezone(ZoneInfo(ZONES[telegram_id])), message.text))
            seen[telegram_id] = len(user.messages())
        moment += timedelta(hours=1)
    return arrived


async def test_three_reminders_at_eight_her_time_in_every_zone(bot: InProcessBot) -> None:
    await seed(bot)
    arrived = await run_hourly(bot, datetime(2026, 3, 10, 0, 0, tzinfo=UTC), datetime(2026, 3, 25, 0, 0, tzinfo=UTC))
    for telegram_id in ZONES:
        when = [(moment.date(), moment.hour) for moment, _ in arrived[telegram_id]]
        assert when == [(date(2026, 3, 12), 8), (date(2026, 3, 15), 8), (date(2026, 3, 22), 8)], ZONES[telegram_id]
        before, due, overdue = (text for _, text in arrived[telegram_id])
        assert "Ibu Ratna, tahapan Tahap 1 jatuh tempo 15 Maret 2026, 3 hari lagi." in before
        assert "hari ini tenggat tahapan Tahap 1" in due
        assert "melewati tenggatnya (15 Maret 2026) sepekan lalu" in overdue
    user = bot.double.user(9002, "Ratna")
    assert user.messages()[-1].button_texts == ["📒 Catat kemajuan", "🗓️ Ubah tanggal"]
    async with bot.app.runtime.open_session() as session:
        statuses = list(await session.scalars(select(MilestoneReminder.status)))
    assert statuses == [SendStatus.SENT] * 9


async def test_done_or_moved_milestones_follow_her_plan(bot: InProcessBot) -> None:
    await seed(bot)
    wib = bot.double.user(9001, "Ratna")
    await run_hourly(bot, datetime(2026, 3, 12, 0, 0, tzinfo=UTC), datetime(2026, 3, 12, 2, 0, tzinfo=UTC))
    reminder = wib.messages()[-1]
    assert "3 hari lagi" in reminder.text
    wib.skip_read()

    wib.press("Ubah tanggal", reminder)  # she needs more time
    await bot.run_pending()
    assert "Tahap 1" in wib.next_message().text
    for bad in ["31/02/2026", "besok", "🙂"]:
        assert "tanggal" in (await say(bot, wib, bad)).text.lower()
    saved = await say(bot, wib, "05/04/2026")
    assert "tersimpan" in saved.text.lower()

    wita_done = bot.double.user(9002, "Ratna")
    async with bot.app.runtime.open_session() as session:
        done = select(Milestone).join(Pap).join(Person).where(Milestone.title == "Tahap 1", Person.telegram_id == 9002)
        for milestone in await session.scalars(done):
            milestone.status = MilestoneStatus.DONE
        await session.commit()

    arrived = await run_hourly(bot, datetime(2026, 3, 12, 3, 0, tzinfo=UTC), datetime(2026, 4, 6, 0, 0, tzinfo=UTC))
    texts = [text for _, text in arrived[9001]]
    assert [m.date() for m, _ in arrived[9001]] == [date(2026, 4, 2), date(2026, 4, 5)]  # the new date's, not the old one's
    assert "jatuh tempo 5 April 2026, 3 hari lagi" in texts[0] and "hari ini tenggat tahapan Tahap 1" in texts[1]
    assert arrived[9002] == [] and len(wita_done.messages()) == 1  # done: nothing more about it
    assert len(arrived[9003]) == 2  # the one who did nothing gets the day and the week after


async def test_log_progress_opens_the_logbook_on_that_milestone(bot: InProcessBot) -> None:
    await seed(bot)
    wib = bot.double.user(9001, "Ratna")
    await run_hourly(bot, datetime(2026, 3, 15, 0, 0, tzinfo=UTC), datetime(2026, 3, 15, 2, 0, tzinfo=UTC))
    wib.skip_read()
    wib.press("Catat kemajuan", wib.messages()[-1])
    await bot.run_pending()
    question = wib.next_message()
    assert "Apa yang sudah Ibu kerjakan untuk tahapan Tahap 1?" in question.text
    reply = await say(bot, wib, "Rapat koordinasi selesai")
    assert "Berapa kemajuan tahapan Tahap 1 sekarang?" in reply.text
