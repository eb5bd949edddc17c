"""The weekly reflection in-process: every question, skipping, editing the week's, bad input, the chart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from db.models import CompetencyDomain, Draft, Reflection
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, seed_alumnae, tap

FRIDAY = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # week 10


async def test_complete_reflection_then_edit_the_same_week(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY)
    await seed_alumnae(bot, {"telegram_id": 7001})
    sari = bot.double.user(7001, "Sari")
    reply = await say(bot, sari, "/refleksi")
    assert "Refleksi 2–8 Maret" in reply.text and "minggu 10" not in reply.text and "Lewati" in reply.button_texts[0]
    await say(bot, sari, "Rapat koordinasi lancar")
    reply = await tap(bot, sari, "Lewati")
    assert "pelajari" in reply.text
    reply = await say(bot, sari, "Saya lebih sabar")
    reply = await tap(bot, sari, "inklusif")
    assert "percaya diri" in reply.text
    reply = await tap(bot, sari, "4")
    reply = await say(bot, sari, "Presentasi ke kepala dinas")
    assert "pribadi" in reply.text
    reply = await tap(bot, sari, "Simpan pribadi")
    assert "tersimpan" in reply.text and "Presentasi ke kepala dinas" in reply.text

    async with bot.app.runtime.open_session() as session:
        [row] = (await session.scalars(select(Reflection))).all()
    assert (row.week_year, row.week, row.went_well, row.challenge, row.learned) == (
        2026,
        10,
        "Rapat koordinasi lancar",
        None,
        "Saya lebih sabar",
    )
    assert (row.domain, row.confidence, row.next_step, row.shared) == (
        CompetencyDomain.INCLUSIVE_LEADERSHIP,
        4,
        "Presentasi ke kepala dinas",
        False,
    )

    bot.clock.set(datetime(2026, 3, 7, 3, 0, tzinfo=UTC))  # Saturday, same week
    reply = await say(bot, sari, "/reflect")
    assert "sudah menulis refleksi minggu ini" in reply.text
    reply = await tap(bot, sari, "Ubah")
    assert "Sebelumnya: Rapat koordinasi lancar" in reply.text and "Tetap" in reply.button_texts[0]
    await tap(bot, sari, "Tetap")
    await say(bot, sari, "Tantangan: anggaran")
    await tap(bot, sari, "Tetap")
    await tap(bot, sari, "Soft skills")
    await tap(bot, sari, "5")
    await tap(bot, sari, "Tetap")
    reply = await tap(bot, sari, "Bagikan")
    assert "Coach Ibu dapat membacanya" in reply.text
    async with bot.app.runtime.open_session() as session:
        [row] = (await session.scalars(select(Reflection))).all()
        assert await session.scalar(select(func.count()).select_from(Draft)) == 0
    assert (row.went_well, row.challenge, row.confidence, row.shared) == ("Rapat koordinasi lancar", "Tantangan: anggaran", 5, True)


async def test_a_button_answer_and_the_step_it_leads_to_are_stored_in_one_commit(bot: InProcessBot) -> None:
    """One commit before her next question is shown (her answer and the step it leads to), one after
    it (the update finished): a crash between the two asks that step again (tests/test_kill_matrix.py).
    The edit showing her choice comes after both: her question does not wait for it, and a crash
    before it costs only the mark."""
    bot.clock.set(FRIDAY)
    await seed_alumnae(bot, {"telegram_id": 7002})
    sari = bot.double.user(7002, "Sari")
    await say(bot, sari, "/refleksi")
    await say(bot, sari, "Rapat koordinasi lancar")
    before = len(sari.messages())
    questions_at_commit: list[int] = []

    def on_commit(_connection: object) -> None:
        questions_at_commit.append(len(sari.messages()) - before)

    assert bot.app.runtime.engine is not None
    engine = bot.app.runtime.engine.sync_engine
    event.listen(engine, "commit", on_commit)
    try:
        reply = await tap(bot, sari, "Lewati")
    finally:
        event.remove(engine, "commit", on_commit)
    assert "pelajari" in reply.text
    assert questions_at_commit == [0, 1]  # the question came between
    [*_, question, mark] = sari.messages()
    assert "pelajari" in question.text
    assert (mark.method, mark.message_id, mark.text) == ("editMessageText", 2, "2/7 · Apa tantangan terbesar minggu ini?\n\n✅ ⏭️ Lewati")
    assert question.message_id == 3 and not mark.buttons  # her choice shown, its buttons gone
    async with bot.app.runtime.open_session() as session:
        draft = await session.scalar(select(Draft))
    assert draft is not None and draft.step == "learned" and draft.data.get("challenge") is None


async def test_keeping_this_weeks_reflection_changes_nothing(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY)
    await seed_alumnae(bot, {"telegram_id": 7002})
    sari = bot.double.user(7002, "Sari")
    await say(bot, sari, "/refleksi")
    for _ in range(3):
        await tap(bot, sari, "Lewati")
    await tap(bot, sari, "Hard skills")
    await tap(bot, sari, "3")
    await tap(bot, sari, "Lewati")
    await tap(bot, sari, "Simpan pribadi")
    await say(bot, sari, "/refleksi")
    reply = await tap(bot, sari, "Biarkan")
    assert "tetap seperti sebelumnya" in reply.text


@pytest.mark.parametrize("step", range(4))
async def test_bad_input_at_each_free_text_question(bot: InProcessBot, step: int) -> None:
    bot.clock.set(FRIDAY)
    await seed_alumnae(bot, {"telegram_id": 7003})
    sari = bot.double.user(7003, "Sari")
    await say(bot, sari, "/refleksi")
    if step == 3:
        for _ in range(3):
            await tap(bot, sari, "Lewati")
        await tap(bot, sari, "Hard skills")
        await tap(bot, sari, "3")
    else:
        for _ in range(step):
            await tap(bot, sari, "Lewati")
    reply = await say(bot, sari, "z" * 5000)
    assert "batasnya 1000 karakter" in reply.text
    sari.send_sticker()
    await bot.run_pending()
    assert "bukan stiker" in sari.next_message().text
    reply = await say(bot, sari, " \n ")
    assert "masih kosong" in reply.text
    await say(bot, sari, "<b>tebal</b> & 🙂")
    async with bot.app.runtime.open_session() as session:
        draft = await session.scalar(select(Draft))
    name = ["went_well", "challenge", "learned", "next_step"][step]
    assert draft.data[name] == "<b>tebal</b> & 🙂"


async def test_my_reflections_lists_weeks_and_sends_a_chart(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY)
    await seed_alumnae(bot, {"telegram_id": 7004})
    sari = bot.double.user(7004, "Sari")
    reply = await say(bot, sari, "/refleksi_saya")
    assert "Belum ada refleksi" in reply.text
    for week, confidence in ((0, "2"), (1, "4")):
        bot.clock.set(FRIDAY.replace(day=6 + 7 * week))
        await say(bot, sari, "/refleksi")
        for _ in range(3):
            await tap(bot, sari, "Lewati")
        await tap(bot, sari, "Hard skills")
        await tap(bot, sari, confidence)
        await tap(bot, sari, "Lewati")
        await tap(bot, sari, "Simpan pribadi")
    reply = await say(bot, sari, "/myreflections")
    assert "• 2–8 Maret: percaya diri 2/5" in reply.text
    assert "• 9–15 Maret: percaya diri 4/5" in reply.text
    chart = sari.next_message()
    assert chart.method == "sendPhoto" and chart.file is not None
    assert chart.file.data.startswith(b"\x89PNG")
