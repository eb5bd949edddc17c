"""Talking to the in-process bot: say, tap, count rows, seed alumnae, and onboard up to the milestones."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from db.cohorts import create_cohort
from db.models import Person
from devtools.double import FakeUser, Sent
from tests.support import factories
from tests.support.bots import InProcessBot


async def make_cohort(bot: InProcessBot, name: str = "Angkatan I 2026", training_end: date = date(2026, 2, 20), months: int = 6):
    async with bot.app.runtime.open_session() as session:
        cohort = await create_cohort(session=session, name=name, training_end=training_end, months=months, now=bot.clock.now())
        await session.commit()
    return cohort


async def say(bot: InProcessBot, user: FakeUser, text: str) -> Sent:
    user.send(text)
    await bot.run_pending()
    return user.next_message()


async def tap(bot: InProcessBot, user: FakeUser, label: str) -> Sent:
    user.press(label)
    await bot.run_pending()
    return user.next_message()


async def play(bot: InProcessBot, user: FakeUser, *moves: str) -> Sent:
    """Answer a conversation: "[label]" presses a button, anything else is typed. The last reply."""
    reply = None
    for move in moves:
        reply = await (tap(bot, user, move[1:-1]) if move.startswith("[") and move.endswith("]") else say(bot, user, move))
    assert reply is not None
    return reply


async def count(bot: InProcessBot, model: type) -> int:
    async with bot.app.runtime.open_session() as session:
        return await session.scalar(select(func.count()).select_from(model))


NIP = "198503122010012004"
PROFILE = [
    "Dr. Sari Wulandari, M.Si.",
    "Dinas Kependudukan Kota Makassar",
    "Bidang Pelayanan",
    "19850312 201001 2 004",
]  # the NIP as people write it
PAP = ["Layanan KTP Satu Hari", "Antrean layanan KTP rata-rata 14 hari."]
SMART = [
    "Memangkas waktu layanan KTP",
    "Waktu layanan KTP",
    "14 hari",
    "1 hari",
    "Dukungan kepala dinas, 2 operator",
    "Sesuai mandat pelayanan; mempermudah ibu bekerja",
]


async def onboard_until_milestones(bot: InProcessBot, user: FakeUser, code: str) -> None:
    reply = await say(bot, user, f"/start {code}")
    assert "UU 27/2022" in reply.text
    reply = await tap(bot, user, "setuju")
    assert "nama lengkap" in reply.text
    reply = await say(bot, user, PROFILE[0])
    assert "nama panggilan" in reply.text
    await tap(bot, user, "Panggil saya Sari")
    for answer in PROFILE[1:]:
        reply = await say(bot, user, answer)
    assert "tingkat jabatan" in reply.text
    reply = await tap(bot, user, "Pengawas")
    assert "zona waktu" in reply.text
    reply = await tap(bot, user, "WITA")
    for answer in PAP + SMART:
        reply = await say(bot, user, answer)
    assert "Berbatas waktu" in reply.text
    assert "20 Agustus 2026" in reply.text  # training end + 6 months
    reply = await tap(bot, user, "Pakai")
    assert "tahapan 1" in reply.text


async def seed_alumnae(bot: InProcessBot, *people: dict[str, Any]) -> list[Person]:
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, bot.clock.now())
        made = [await factories.alumna(session, bot.clock.now(), cohort, **person) for person in people]
        await session.commit()
    for person in made:  # she has talked to the bot, so her private chat exists
        bot.double.user(person.telegram_id, person.name)
    return made
