"""Monitoring check-ins with a controlled clock, exactly once, and supervisor/peer feedback."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from bot.kernel.clock import FrozenClock
from bot.kernel.context import Runtime
from db.checkins import CLAIM_BATCH, plan_dates
from db.engine import create_engine, session_factory
from db.enrolment import enrol_coach
from db.models import CareerEvent, CareerEventKind, CheckIn, CheckInKind, CheckInStatus, Cohort, FeedbackRound, Person
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
    assert alumna.messages()[-1].text.startswith(f"Ibu {person.called}") and len(alumna.messages()) == 2  # one reminder only
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


async def test_a_sweep_claims_a_batch_at_a_time_and_each_claim_costs_the_same(bot: InProcessBot) -> None:
    """A sweep of 20,000 check-ins claims a batch after another: one statement finds a batch, not one
    row each (two round trips and a commit per check-in), and the claim must not carry every row
    claimed before it (a NOT IN list of thousands made each claim slower than the last)."""
    await seed(bot, training_end=date(2026, 5, 1), months=3, people=30)
    due = max(c.due_at for c in await checkins(bot) if c.sequence == 1)
    engine = bot.app.runtime.engine
    assert engine is not None
    claims: list[int] = []

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM checkins" in statement and "ORDER BY checkins.due_at" in statement:
            claims.append(len(parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await sweep_at(bot, due) == 30
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    # Three batches of invitations and a look that finds none more; then one look for reminders, one for missed.
    assert len(claims) == 30 // CLAIM_BATCH + 3, claims
    assert max(claims) < 10, claims  # a few parameters each, not one more per row claimed before


async def test_feedback_is_released_per_closed_round_and_nothing_can_be_subtracted(bot: InProcessBot) -> None:
    [person] = await seed(bot, training_end=date(2026, 5, 1), coach=True)
    alumna = bot.double.user(person.telegram_id, person.name)
    assert "Belum ada putaran" in (await say(bot, alumna, "/umpan_balik")).text
    await tap(bot, alumna, "Mulai putaran baru")
    links = alumna.messages()[-1]
    codes = [line.split("start=")[1] for line in links.text.splitlines() if "start=" in line]
    assert len(codes) == 3

    readings = []
    for number in range(4):  # four raters answer in turn, and she looks after each one
        rater = bot.double.user(9900 + number, f"Penilai {number}", language_code="id")
        welcome = await say(bot, rater, f"/start {codes[number % 3]}")
        assert "setelah putaran ditutup" in welcome.text
        for score in ("5", "4", "4", "3", str(1 + number)):
            rater.skip_read()
            await tap(bot, rater, score)
        rater.skip_read()
        thanks = await (say(bot, rater, "Ibu sabar & <b>jelas</b>") if number == 3 else tap(bot, rater, "Lewati"))
        assert "Terima kasih" in thanks.text
        alumna.skip_read()
        readings.append((await say(bot, alumna, "/umpan_balik")).text)
        alumna.skip_read()
    assert all("Komunikasi" not in reading for reading in readings)  # nothing of an open round
    assert len(set(readings)) == 1  # every reading the same: nothing to subtract

    twice = bot.double.user(9900, "Penilai 0")  # the first rater, now with another role's link
    twice.skip_read()
    assert "sudah memberi umpan balik untuk putaran ini" in (await say(bot, twice, f"/start {codes[1]}")).text
    coach = bot.double.user(9799, "Coach Budi")
    assert "coach angkatannya" in (await say(bot, coach, f"/start {codes[2]}")).text
    assert "tautan umpan balik Ibu sendiri" in (await say(bot, alumna, f"/start {codes[0]}")).text

    alumna.skip_read()
    await say(bot, alumna, "/umpan_balik")
    await tap(bot, alumna, "Tutup putaran sekarang")
    await tap(bot, alumna, "Ya, tutup")
    result = alumna.messages()[-1].text if "Putaran" in alumna.messages()[-1].text else alumna.messages()[-2].text
    assert "4 penilai" in result
    assert "• Komunikasi: 5.0\n• Kolaborasi: 4.0" in result and "• Kepuasan keseluruhan: 2.5" in result
    assert "tanpa nama" in result and "• Ibu sabar & <b>jelas</b>" in result and "Penilai" not in result
    late = bot.double.user(9950, "Terlambat")
    assert "sudah ditutup" in (await say(bot, late, f"/start {codes[2]}")).text
    async with bot.app.runtime.open_session() as session:
        assert len(list(await session.scalars(select(FeedbackRound)))) == 1


async def test_a_round_closes_when_its_links_expire_and_two_raters_are_never_shown(bot: InProcessBot) -> None:
    [person] = await seed(bot, training_end=date(2026, 5, 1))
    alumna = bot.double.user(person.telegram_id, person.name)
    await say(bot, alumna, "/umpan_balik")
    await tap(bot, alumna, "Mulai putaran baru")
    codes = [line.split("start=")[1] for line in alumna.messages()[-1].text.splitlines() if "start=" in line]
    for number in range(2):
        rater = bot.double.user(9960 + number, f"Penilai {number}", language_code="id")
        await say(bot, rater, f"/start {codes[number]}")
        for score in ("5", "5", "5", "5", "5"):
            rater.skip_read()
            await tap(bot, rater, score)
        rater.skip_read()
        await tap(bot, rater, "Lewati")

    bot.clock.set(bot.clock.now() + timedelta(days=30, minutes=1))
    late = bot.double.user(9970, "Terlambat", language_code="id")
    assert "sudah ditutup" in (await say(bot, late, f"/start {codes[2]}")).text
    alumna.skip_read()
    view = (await say(bot, alumna, "/umpan_balik")).text
    assert "kurang dari 3 penilai" in view and "5.0" not in view and "🔗 Mulai putaran baru" in alumna.messages()[-1].button_texts
