"""Monitoring check-ins with a controlled clock, exactly once, and supervisor/peer feedback."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.kernel.clock import FrozenClock
from bot.kernel.context import Runtime
from db.checkins import plan_dates
from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.models import CareerEvent, CareerEventKind, CheckIn, CheckInKind, CheckInStatus, Cohort, Person, RaterLink
from devtools.double import FakeUser
from handlers.checkins import sweep_checkins
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, tap

TODAY = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 09:00 WIB


async def seed(bot: InProcessBot, *, training_end: date, months: int = 6, people: int = 1, coach: bool = False) -> list[Person]:
    bot.clock.set(TODAY)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, TODAY, training_end=training_end, months=months)
        made = [await factories.alumna(session, TODAY, cohort, 9700 + n, name=f"Alumna {n}", checkins=True) for n in range(people)]
        if coach:
            await enrol_coach(
                session=session, telegram_id=9799, cohort=cohort, name="Coach Budi", locale="id", timezone="Asia/Jakarta", now=TODAY
            )
        await session.commit()
    for person in made:
        bot.double.user(person.telegram_id, person.name)
    return made


async def checkins(bot: InProcessBot) -> list[CheckIn]:
    async with bot.app.runtime.open_session() as session:
        return list(await session.scalars(select(CheckIn).order_by(CheckIn.person_id, CheckIn.sequence)))


async def sweep_at(bot: InProcessBot, moment: datetime) -> int:
    bot.clock.set(moment)
    return await sweep_checkins(bot.app.runtime, bot.app.bot)


async def test_plan_for_a_late_joiner_100_days_after_training(bot: InProcessBot) -> None:
    training_end = (TODAY - timedelta(days=100)).date()  # 2026-02-21
    await seed(bot, training_end=training_end, months=6)
    plan = [(c.kind, c.due_at.date(), c.month) for c in await checkins(bot)]
    assert plan == [
        (CheckInKind.REGULAR, date(2026, 6, 29), 4),  # every 4 weeks from her join date...
        (CheckInKind.REGULAR, date(2026, 7, 27), 5),
        (CheckInKind.FINAL, date(2026, 8, 21), 6),  # ...to the end of monitoring, which is also the 6-month outcome
        (CheckInKind.OUTCOME, date(2027, 2, 21), 12),
    ]
    assert all(c.due_at.hour == 2 for c in await checkins(bot))  # 09:00 WIB
    assert await sweep_at(bot, TODAY + timedelta(hours=1)) == 0  # nothing is dumped on her today


def test_dates_already_past_collapse_into_one_today() -> None:
    cohort = Cohort(training_end=date(2026, 1, 1), monitoring_months=3, checkin_interval_weeks=4)
    planned = plan_dates(cohort, joined=date(2026, 1, 1), today=date(2026, 5, 1))
    assert [(p.day, p.kind) for p in planned] == [
        (date(2026, 5, 1), CheckInKind.FINAL),
        (date(2026, 7, 1), CheckInKind.OUTCOME),
        (date(2027, 1, 1), CheckInKind.OUTCOME),
    ]
    on_time = plan_dates(cohort, joined=date(2025, 12, 20), today=date(2025, 12, 20))
    assert [p.kind for p in on_time] == [
        CheckInKind.REGULAR,
        CheckInKind.REGULAR,
        CheckInKind.FINAL,
        CheckInKind.OUTCOME,
        CheckInKind.OUTCOME,
    ]
    assert [p.day for p in on_time][-2:] == [date(2026, 7, 1), date(2027, 1, 1)]  # outcomes at 6 and 12 months


async def test_due_sent_reminded_missed_then_answered_late(bot: InProcessBot) -> None:
    [person] = await seed(bot, training_end=date(2026, 5, 1), months=3)
    alumna = bot.double.user(person.telegram_id, person.name)
    first = (await checkins(bot))[0]
    due = first.due_at
    assert await sweep_at(bot, due - timedelta(minutes=1)) == 0
    assert await sweep_at(bot, due) == 1
    assert "check-in monitoring" in alumna.next_message().text
    assert await sweep_at(bot, due + timedelta(minutes=5)) == 0  # never twice
    await sweep_at(bot, due + timedelta(days=3))
    assert "belum terisi" in alumna.next_message().text
    await sweep_at(bot, due + timedelta(days=4))
    assert alumna.messages()[-1].text.startswith(person.name) and len(alumna.messages()) == 2  # one reminder only
    await sweep_at(bot, due + timedelta(days=7))
    assert (await checkins(bot))[0].status == CheckInStatus.MISSED

    await answer_checkin(bot, alumna, coaching=False)
    row = (await checkins(bot))[0]
    assert (row.status, row.late, row.implementation, row.satisfaction) == (CheckInStatus.ANSWERED, True, 60, 4)
    assert row.forums == ["cop", "internal"]


async def answer_checkin(bot: InProcessBot, alumna: FakeUser, *, coaching: bool) -> None:
    reply = await say(bot, alumna, "/checkin")
    assert "status PAP" in reply.text
    await tap(bot, alumna, "Terlambat")
    reply = await say(bot, alumna, "60")
    assert "kendala utama" in reply.text
    await tap(bot, alumna, "Anggaran")
    await say(bot, alumna, "Anggaran baru cair bulan depan")
    await tap(bot, alumna, "Ya, saya ingin" if coaching else "Tidak untuk saat ini")
    await tap(bot, alumna, "Masuk talent pool")
    reply = await say(bot, alumna, "2099-01-01")
    assert "harus di antara" in reply.text
    reply = await say(bot, alumna, "15-05-2026")
    assert "talent pool — 15 Mei 2026" in reply.text
    await tap(bot, alumna, "Selesai")
    await tap(bot, alumna, "Komunitas praktik")
    await tap(bot, alumna, "kepemimpinan internal")
    reply = await tap(bot, alumna, "Selesai")
    assert "puas" in reply.text
    reply = await tap(bot, alumna, "4")
    assert "check-in tersimpan" in reply.text


async def test_a_complete_checkin_asks_the_coach_and_stores_career_events(bot: InProcessBot) -> None:
    [person] = await seed(bot, training_end=date(2026, 5, 1), months=3, coach=True)
    alumna, coach = bot.double.user(person.telegram_id, person.name), bot.double.user(9799, "Budi")
    await sweep_at(bot, (await checkins(bot))[0].due_at)
    alumna.skip_read()
    await answer_checkin(bot, alumna, coaching=True)
    request = coach.next_message()
    assert "meminta sesi coaching" in request.text and "Anggaran" in request.text
    assert "cair bulan depan" not in request.text
    async with bot.app.runtime.open_session() as session:
        [event] = (await session.scalars(select(CareerEvent))).all()
    assert (event.kind, event.event_date) == (CareerEventKind.TALENT_POOL, date(2026, 5, 15))
    reply = await say(bot, alumna, "/checkin")
    assert "Belum ada check-in yang perlu diisi" in reply.text


async def test_two_sweeps_at_once_send_each_checkin_exactly_once(bot: InProcessBot, database_url: str) -> None:
    people = await seed(bot, training_end=date(2026, 5, 1), months=3, people=30)
    due = max(c.due_at for c in await checkins(bot) if c.sequence == 1)
    clock = FrozenClock(due)

    async def one_process() -> int:
        engine = create_engine(database_url)
        runtime = Runtime(
            settings=bot.app.runtime.settings, clock=clock, texts=bot.app.runtime.texts, engine=engine, sessions=session_factory(engine)
        )
        try:
            return await sweep_checkins(runtime, bot.app.bot)
        finally:
            await engine.dispose()

    counts = await asyncio.gather(one_process(), one_process())
    assert sum(counts) == 30
    for person in people:
        assert len(bot.double.user(person.telegram_id, person.name).messages()) == 1
    firsts = [c for c in await checkins(bot) if c.sequence == 1]
    assert {c.status for c in firsts} == {CheckInStatus.SENT}


async def test_feedback_round_with_three_raters(bot: InProcessBot) -> None:
    [person] = await seed(bot, training_end=date(2026, 5, 1))
    alumna = bot.double.user(person.telegram_id, person.name)
    reply = await say(bot, alumna, "/umpan_balik")
    assert "Sudah 0 penilai menjawab" in reply.text
    links = alumna.next_message()
    urls = [line for line in links.text.splitlines() if line.startswith("https://t.me/")]
    assert len(urls) == 3
    codes = [url.split("start=")[1] for url in urls]

    for number, code in enumerate(codes):
        rater = bot.double.user(9900 + number, f"Penilai {number}", language_code="id")
        reply = await say(bot, rater, f"/start {code}")
        assert "rata-rata" in reply.text
        for score in ("5", "4", "4", "3", str(3 + number % 2)):
            rater.skip_read()
            await tap(bot, rater, score)
        rater.skip_read()
        reply = await tap(bot, rater, "Lewati")
        assert "Terima kasih" in reply.text
        if number < 2:
            assert "Rata-rata ditampilkan" in (await say(bot, alumna, "/feedback")).text
            alumna.skip_read()
    reply = await say(bot, alumna, "/umpan_balik")
    assert "Dari 3 penilai" in reply.text
    assert "• Komunikasi: 5.0\n• Kolaborasi: 4.0" in reply.text and "• Kepuasan keseluruhan: 3.3" in reply.text

    again = bot.double.user(9900, "Penilai 0")
    again.skip_read()
    alumna.skip_read()
    assert "sudah memberi umpan balik" in (await say(bot, again, f"/start {codes[0]}")).text
    assert "tautan umpan balik Ibu sendiri" in (await say(bot, alumna, f"/start {codes[1]}")).text

    async with bot.app.runtime.open_session() as session:
        for link in (await session.scalars(select(RaterLink))).all():
            link.expires_at = TODAY - timedelta(seconds=1)
        await session.commit()
    late = bot.double.user(9950, "Terlambat")
    assert "kedaluwarsa" in (await say(bot, late, f"/start {codes[2]}")).text
