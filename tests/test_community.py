"""Community of practice in-process: the tip library, weekly rotation, quizzes, announcements, delivery."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kernel.tips import TIPS_DIR, check_library, tip_library
from db.broadcasts import create_broadcast, next_tip
from db.enrolment import enrol_coach
from db.models import BroadcastKind, Delivery, DeliveryStatus, Person, QuizAnswer, TipWeek
from handlers.community import sweep_broadcasts, sweep_tips
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, tap

MONDAY_0800_WIB = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_the_shipped_library_is_valid_and_large_enough() -> None:
    count, problems = check_library()
    assert problems == []
    assert count >= 24
    library = tip_library()
    assert sum(1 for slug in library.slugs() if library.get(slug, "id").quiz) >= 5


def test_the_checker_finds_broken_tips(tmp_path: Path) -> None:
    shutil.copytree(TIPS_DIR, tmp_path / "tips")
    tips = tmp_path / "tips"
    (tips / "01-rapat-inklusif.en.md").unlink()
    broken = tips / "02-data-terpilah.id.md"
    broken.write_text(
        broken.read_text().replace('domain = "hard_skills"', 'domain = "cooking"').replace("<b>data terpilah</b>", "<b>data terpilah")
        + "x" * 5000
    )
    _, problems = check_library(tips)
    assert any("01-rapat-inklusif.id.md: the en version is missing" in p for p in problems)
    assert any("02-data-terpilah.id.md: domain 'cooking'" in p for p in problems)
    assert any("02-data-terpilah.id.md: Telegram would refuse the markup" in p for p in problems)


async def seed(bot: InProcessBot, alumnae: int = 2) -> list[Person]:
    bot.clock.set(MONDAY_0800_WIB - timedelta(days=1))
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, bot.clock.now())
        made = [
            await factories.alumna(session, bot.clock.now(), cohort, 8500 + n, name=f"Alumna {n}", locale="en" if n == 1 else "id")
            for n in range(alumnae)
        ]
        await enrol_coach(
            session=session, telegram_id=8599, cohort=cohort, name="Coach", locale="id", timezone="Asia/Jakarta", now=bot.clock.now()
        )
        await session.commit()
    for person in made:
        bot.double.user(person.telegram_id, person.name)
    return made


async def run_sweeps(bot: InProcessBot, moment: datetime) -> None:
    bot.clock.set(moment)
    await sweep_tips(bot.app.runtime, bot.app.bot)
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)


async def test_weekly_tips_rotate_without_repeats(bot: InProcessBot) -> None:
    await seed(bot)
    sari = bot.double.user(8500, "Sari")
    await run_sweeps(bot, MONDAY_0800_WIB - timedelta(minutes=1))
    assert sari.messages() == []
    titles = []
    for week in range(3):
        await run_sweeps(bot, MONDAY_0800_WIB + timedelta(weeks=week))
        await run_sweeps(bot, MONDAY_0800_WIB + timedelta(weeks=week, hours=5))  # a later sweep sends nothing more
        tips = [m for m in sari.messages() if m.text.startswith("💡")]
        assert len(tips) == week + 1
        titles.append(tips[-1].text.splitlines()[0])
    assert len(set(titles)) == 3
    english = [m for m in bot.double.user(8501, "Maya").messages() if m.text.startswith("💡")]
    assert "Module I" in english[0].text
    async with bot.app.runtime.open_session() as session:
        assert [w.slug for w in (await session.scalars(select(TipWeek).order_by(TipWeek.week))).all()] == tip_library().slugs()[:3]


async def test_a_tip_missed_by_a_whole_day_of_downtime_is_skipped(bot: InProcessBot) -> None:
    await seed(bot)
    sari = bot.double.user(8500, "Sari")
    await run_sweeps(bot, MONDAY_0800_WIB + timedelta(hours=23, minutes=59))  # back within the day: sent
    assert len(sari.messages()) == 1
    await run_sweeps(bot, MONDAY_0800_WIB + timedelta(weeks=1, hours=24))  # down all of next Monday: skipped
    await run_sweeps(bot, MONDAY_0800_WIB + timedelta(weeks=1, days=3))
    assert len(sari.messages()) == 1
    await run_sweeps(bot, MONDAY_0800_WIB + timedelta(weeks=2))
    assert len([m for m in sari.messages() if m.text.startswith("💡")]) == 2


async def test_rotation_starts_a_new_cycle_only_when_the_library_is_used_up(session: AsyncSession) -> None:
    from db.models import Broadcast

    slugs = ["a", "b", "c"]
    for week, expected in enumerate(["a", "b", "c", "a", "b"], start=1):
        slug, cycle = await next_tip(session=session, slugs=slugs)
        assert slug == expected
        broadcast = Broadcast(kind=BroadcastKind.TIP, created_at=MONDAY_0800_WIB)
        session.add(broadcast)
        await session.flush()
        session.add(TipWeek(week_year=2026, week=week, slug=slug, cycle=cycle, broadcast_id=broadcast.id))
        await session.flush()


async def test_a_quiz_answer_is_stored(bot: InProcessBot) -> None:
    await seed(bot)
    sari = bot.double.user(8500, "Sari")
    await run_sweeps(bot, MONDAY_0800_WIB)
    await run_sweeps(bot, MONDAY_0800_WIB + timedelta(weeks=1))  # the second tip carries a quiz
    [poll] = [m for m in sari.messages() if m.method == "sendPoll"]
    assert poll.message["poll"]["type"] == "quiz" and poll.message["poll"]["correct_option_ids"] == [1]
    sari.answer_poll(poll.message["poll"]["id"], 1)
    bot.double.user(8501, "Maya").answer_poll(poll.message["poll"]["id"], 0)  # not her poll: ignored
    await bot.run_pending()
    async with bot.app.runtime.open_session() as session:
        [answer] = (await session.scalars(select(QuizAnswer))).all()
    assert (answer.option, answer.correct) == (1, True)


async def test_announced_event_is_in_the_agenda_and_reminded_the_day_before(bot: InProcessBot) -> None:
    await seed(bot)
    coach = bot.double.user(8599, "Coach")
    reply = await say(bot, coach, "/umumkan")
    assert "Untuk siapa" in reply.text
    await tap(bot, coach, "Angkatan I 2026")
    await tap(bot, coach, "Kegiatan")
    await say(bot, coach, "Temu alumni <Makassar>")
    await say(bot, coach, "Berbagi praktik baik PAP & jejaring.")
    await say(bot, coach, "10-03-2026")
    await say(bot, coach, "09.00")
    preview = await say(bot, coach, "https://zoom.example.id/temu")
    assert "Pratinjau" in preview.text and "Temu alumni <Makassar>" in preview.text and "10 Maret 2026, pukul 09.00" in preview.text
    reply = await tap(bot, coach, "Kirim")
    assert "dijadwalkan" in reply.text
    await run_sweeps(bot, bot.clock.now())
    sari = bot.double.user(8500, "Sari")
    [announcement] = [m for m in sari.messages() if "Kegiatan:" in m.text]
    assert "Berbagi praktik baik PAP & jejaring." in announcement.text
    agenda = await say(bot, sari, "/agenda")
    assert "Temu alumni <Makassar>" in agenda.text and "10 Maret 2026, pukul 09.00" in agenda.text
    await run_sweeps(bot, datetime(2026, 3, 9, 0, 59, tzinfo=UTC))
    assert not any("Besok" in m.text for m in sari.messages())
    await run_sweeps(bot, datetime(2026, 3, 9, 1, 0, tzinfo=UTC))  # 08:00 WIB the day before
    assert [m.text.splitlines()[0] for m in sari.messages() if "Besok" in m.text] == ["⏰ Besok: Temu alumni <Makassar>"]
    status = await say(bot, coach, "/status_siaran")
    assert "✅ 2 terkirim" in status.text


async def test_blocked_recipient_is_marked_and_skipped_until_she_unblocks(bot: InProcessBot) -> None:
    people = await seed(bot, alumnae=3)
    sari = bot.double.user(8500, "Sari")
    sari.block_bot()
    await bot.run_pending()  # the my_chat_member update
    bot.double.block(8501)  # Maya blocked too, but the bot has not been told yet: it learns from the 403
    await run_sweeps(bot, MONDAY_0800_WIB)
    async with bot.app.runtime.open_session() as session:
        statuses = dict((await session.execute(select(Delivery.person_id, Delivery.status))).all())
        active = dict((await session.execute(select(Person.telegram_id, Person.active))).all())
    assert people[0].id not in statuses  # inactive: no delivery at all
    assert statuses[people[1].id] == DeliveryStatus.BLOCKED and statuses[people[2].id] == DeliveryStatus.SENT
    assert (active[8500], active[8501], active[8502]) == (False, False, True)
    sari.block_bot(False)
    await bot.run_pending()
    await run_sweeps(bot, MONDAY_0800_WIB + timedelta(weeks=1))
    assert any(m.text.startswith("💡") for m in sari.messages())


async def test_a_429_is_requeued_and_sent_later_never_lost(bot: InProcessBot) -> None:
    await seed(bot)
    bot.double.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3, chat_id=8500)
    await run_sweeps(bot, MONDAY_0800_WIB)
    sari = bot.double.user(8500, "Sari")
    assert sari.messages() == []
    await run_sweeps(bot, MONDAY_0800_WIB + timedelta(seconds=3))
    assert len([m for m in sari.messages() if m.text.startswith("💡")]) == 1
    async with bot.app.runtime.open_session() as session:
        assert set(await session.scalars(select(Delivery.status))) == {DeliveryStatus.SENT}


async def test_two_sweeps_never_send_a_delivery_twice(bot: InProcessBot) -> None:
    import asyncio

    await seed(bot, alumnae=40)
    bot.clock.set(MONDAY_0800_WIB)
    async with bot.app.runtime.open_session() as session:
        await create_broadcast(session=session, kind=BroadcastKind.GENERAL, cohort_id=None, title="Halo", body="Isi", now=bot.clock.now())
        await session.commit()
    await asyncio.gather(sweep_broadcasts(bot.app.runtime, bot.app.bot), sweep_broadcasts(bot.app.runtime, bot.app.bot))
    for n in range(40):
        assert len(bot.double.user(8500 + n, "x").messages()) == 1
    async with bot.app.runtime.open_session() as session:
        assert await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENT)) == 40


async def test_tips_can_be_turned_off(bot: InProcessBot) -> None:
    await seed(bot)
    sari = bot.double.user(8500, "Sari")
    reply = await say(bot, sari, "/tips")
    assert "aktif" in reply.text
    reply = await tap(bot, sari, "Matikan tips")
    assert "nonaktif" in reply.text
    await run_sweeps(bot, MONDAY_0800_WIB)
    assert not any(m.text.startswith("💡") for m in sari.messages())
    assert any(m.text.startswith("💡") for m in bot.double.user(8501, "Maya").messages())
