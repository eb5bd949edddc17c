"""Polling batches: people are served side by side, each one's answers stay in her order."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from telegram import Update

from bot.polling import handle_batch
from db.models import Draft, ProcessedUpdate, Reflection
from tests.support.bots import TOKEN, InProcessBot
from tests.support.inprocess import seed_alumnae

FRIDAY = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)


async def fetch_batch(bot: InProcessBot) -> list[Update]:
    status, body = bot.double.call(TOKEN, "getUpdates", {"timeout": 0})
    assert status == 200
    return [Update.de_json(data, bot.app.bot) for data in body["result"]]


async def test_one_batch_from_twelve_alumnae_keeps_each_ones_answers_in_order(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY)
    people = await seed_alumnae(bot, *({"telegram_id": 7100 + n, "name": f"Alumna {n}"} for n in range(12)))
    users = [bot.double.user(person.telegram_id, person.name) for person in people]
    # Each sends three messages before any answer comes back, and the twelve interleave.
    for text in ("/refleksi", "Baik {}", "Tantangan {}"):
        for user in users:
            user.send(text.format(user.id))
    batch = await fetch_batch(bot)
    assert len(batch) == 36

    await handle_batch(bot.app, batch, concurrency=8)

    async with bot.app.runtime.open_session() as session:
        drafts = {draft.telegram_id: draft for draft in await session.scalars(select(Draft).where(Draft.flow == "rf"))}
        completed = await session.scalar(select(func.count()).select_from(ProcessedUpdate).where(ProcessedUpdate.completed.is_(True)))
    for user in users:
        draft = drafts[user.id]
        assert (draft.data["went_well"], draft.data["challenge"]) == (f"Baik {user.id}", f"Tantangan {user.id}")
        assert draft.step == "learned"
        assert "pelajari" in user.messages()[-1].text  # she sees the third question, after the first two
    assert completed == 36


async def test_a_batch_finishes_each_alumnas_reflection(bot: InProcessBot) -> None:
    bot.clock.set(FRIDAY)
    people = await seed_alumnae(bot, *({"telegram_id": 7200 + n, "name": f"Alumna {n}"} for n in range(6)))
    users = [bot.double.user(person.telegram_id, person.name) for person in people]
    for user in users:
        for text in ("/refleksi", f"Rapat {user.id}", "Waktu sempit", "Belajar delegasi"):
            user.send(text)
    await handle_batch(bot.app, await fetch_batch(bot), concurrency=4)
    for user in users:
        user.press("Etika")
    await handle_batch(bot.app, await fetch_batch(bot), concurrency=4)
    for user in users:
        user.press("4")
        user.send(f"Langkah {user.id}")
    await handle_batch(bot.app, await fetch_batch(bot), concurrency=4)
    for user in users:
        user.press("Simpan pribadi")
    await handle_batch(bot.app, await fetch_batch(bot), concurrency=4)

    async with bot.app.runtime.open_session() as session:
        rows = (await session.execute(select(Reflection.went_well, Reflection.next_step, Reflection.confidence))).all()
    assert sorted(rows) == sorted((f"Rapat {user.id}", f"Langkah {user.id}", 4) for user in users)
    latest = [user.messages(include_edits=False)[-1] for user in users]
    assert all("tersimpan" in sent.text for sent in latest)  # then the edit marking her last tap
