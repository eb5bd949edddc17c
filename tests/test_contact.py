"""The coaching thread: her question reaches her coaches privately, a coach's reply reaches her, both are kept."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.kernel.callbacks import CoachReply
from db.enrolment import enrol_coach
from db.models import ChatPurpose, CoachingMessage, CohortChat, Person
from db.privacy import export_dict, personal_data
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import count, say, tap

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
GROUP = -100900


async def seed(bot: InProcessBot, *, coaches: int = 1) -> None:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW)
        await factories.alumna(session, NOW, cohort, 9001, name="Dr. Ratna Kusumawati, S.E., M.A.P.")
        await factories.alumna(session, NOW, cohort, 9002, name="Dewi")
        for number in range(coaches):
            await enrol_coach(
                session=session, telegram_id=9100 + number, cohort=cohort, name=f"Coach {'AB'[number]}", locale="id",
                timezone="Asia/Jakarta", now=NOW,
            )  # fmt: skip
        session.add(CohortChat(cohort_id=cohort.id, chat_id=GROUP, purpose=ChatPurpose.COACH_GROUP, linked_by=9100, linked_at=NOW))
        await session.commit()


async def test_a_question_and_its_reply_make_a_thread(bot: InProcessBot) -> None:
    await seed(bot, coaches=2)
    ratna, coach, other_coach = bot.double.user(9001, "Ratna", username="ratna_k"), bot.double.user(9100, "A"), bot.double.user(9101, "B")
    bot.double.group(GROUP, "Coach Angkatan I")

    offer = await say(bot, ratna, "halo, saya mau tanya jadwal coaching")
    assert "Kirim pesan ini ke coach Ibu?" in offer.text and "halo, saya mau tanya jadwal coaching" in offer.text
    assert "belum menangkap" not in offer.text
    sent = await tap(bot, ratna, "Kirim ke coach")
    assert "📨 Terkirim ke Coach A, Coach B\nBalasannya" in sent.text

    question = coach.next_message()
    assert question.chat_id == 9100  # privately, never in the group
    assert "Pesan dari Dr. Ratna Kusumawati, S.E., M.A.P. (@ratna_k)" in question.text
    assert "halo, saya mau tanya jadwal coaching" in question.text
    assert question.button_texts == ["↩️ Balas"]
    assert "halo" in other_coach.next_message().text
    assert bot.double.sent(GROUP) == []

    coach.press("Balas", question)
    await bot.run_pending()
    assert "Pesan dikirim ke chat pribadi Dr. Ratna" in coach.next_message().text
    done = await say(bot, coach, "Kamis pukul 10.00 lewat Zoom, Bu.")
    assert "📨 Terkirim ke Dr. Ratna" in done.text
    answer = ratna.next_message()
    assert "Balasan dari Coach A" in answer.text and "Kamis pukul 10.00 lewat Zoom, Bu." in answer.text
    assert answer.button_texts == ["↩️ Balas"]
    assert bot.double.sent(GROUP) == []

    async with bot.app.runtime.open_session() as session:
        rows = list(await session.scalars(select(CoachingMessage).order_by(CoachingMessage.id)))
        ratna_row = await session.scalar(select(Person).where(Person.telegram_id == 9001))
        assert ratna_row is not None
        exported = export_dict(await personal_data(session=session, person=ratna_row, now=bot.clock.now()))
    assert [(r.from_coach, r.text) for r in rows] == [
        (False, "halo, saya mau tanya jadwal coaching"),
        (True, "Kamis pukul 10.00 lewat Zoom, Bu."),
    ]
    assert [(m["from"], m["text"]) for m in exported["coaching_thread"]] == [
        ("me", "halo, saya mau tanya jadwal coaching"),
        ("Coach A", "Kamis pukul 10.00 lewat Zoom, Bu."),
    ]

    detail = await say(bot, other_coach, "/alumni Ratna")
    assert "Percakapan dengan coach" in detail.text
    thread = detail.text.split("Percakapan dengan coach")[1]
    assert "Dr. Ratna Kusumawati, S.E., M.A.P.: halo, saya mau tanya jadwal coaching" in thread
    assert "Coach A: Kamis pukul 10.00 lewat Zoom, Bu." in thread


async def test_she_may_decline_and_nothing_is_sent(bot: InProcessBot) -> None:
    await seed(bot)
    ratna, coach = bot.double.user(9001, "Ratna"), bot.double.user(9100, "A")
    await say(bot, ratna, "terima kasih banyak")
    reply = await tap(bot, ratna, "Tidak usah")
    assert "pesan tidak dikirim" in reply.text
    assert coach.messages() == [] and await count(bot, CoachingMessage) == 0
    reply = await say(bot, ratna, "/tanya_coach")
    assert "Apa yang ingin Ibu sampaikan" in reply.text
    for bad, says in [("<b>" + "x" * 1200, "dipersingkat"), ("   ", "kosong")]:
        assert says in (await say(bot, ratna, bad)).text.lower()
    assert "Kirim pesan ini" in (await say(bot, ratna, "Bolehkah saya minta <b>contoh</b> laporan? 🙏")).text
    await tap(bot, ratna, "Kirim ke coach")
    assert "Bolehkah saya minta <b>contoh</b> laporan? 🙏" in coach.next_message().text  # her HTML stays text


async def test_only_her_coach_may_reply(bot: InProcessBot) -> None:
    await seed(bot)
    stranger = bot.double.user(9300, "Orang lain")
    async with bot.app.runtime.open_session() as session:
        ratna_id = await session.scalar(select(Person.id).where(Person.telegram_id == 9001))
    assert ratna_id is not None
    welcome = await say(bot, stranger, "/start")
    stranger.press_data(CoachReply(ratna_id).encode(), welcome)
    await bot.run_pending()
    assert "bukan dari angkatan" in bot.double.answered_callbacks[-1]["text"]
    assert await say(bot, stranger, "Saya coach-nya, ini balasannya") and await count(bot, CoachingMessage) == 0
    assert bot.double.user(9001, "Ratna").messages() == []


async def test_without_a_coach_her_text_gets_the_usual_hint(bot: InProcessBot) -> None:
    await seed(bot, coaches=0)
    ratna = bot.double.user(9001, "Ratna")
    reply = await say(bot, ratna, "halo")
    assert "Kirim pesan ini" not in reply.text
    reply = await say(bot, ratna, "/tanya_coach")
    assert "belum memiliki coach" in reply.text
