"""The community group as a forum: its topics opened once, each announcement kind posted into its topic,
a group without topics served as before; and her activity there counted only with her consent, never
what she wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from db.broadcasts import create_broadcast
from db.models import Base, BroadcastKind, Cohort, CopTopic, ForumDay, Person
from db.report import cohort_report
from handlers.community import sweep_broadcasts, sweep_forum_topics
from tests.support import factories
from tests.support.bots import InProcessBot
from tests.support.inprocess import say, tap

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
FORUM, PLAIN, ORGANIZER = -100500, -100600, 900001
TOPICS = ["Pengumuman", "Lowongan & Talent Pool", "Agenda", "Tips", "Galeri PAP", "Tanya Jawab"]


async def link(bot: InProcessBot, chat_id: int, *, forum: bool) -> None:
    bot.clock.set(NOW)
    async with bot.app.runtime.open_session() as session:
        cohort = await factories.cohort(session, NOW)
        await factories.alumna(session, NOW, cohort, 8501, name="Sari", reminders=False)
        await session.commit()
    bot.double.user(8501, "Sari")
    group = bot.double.group(chat_id, "Komunitas Alumni", forum=forum)
    organizer = bot.double.user(ORGANIZER, "Penyelenggara")
    organizer.send("/hubungkan_cop", chat=group)
    await bot.run_pending()
    assert "Komunitas Alumni" in bot.double.sent(chat_id)[-1].text


async def announce(bot: InProcessBot, kind: BroadcastKind, title: str) -> None:
    async with bot.app.runtime.open_session() as session:
        await create_broadcast(session=session, kind=kind, cohort_id=None, now=NOW, title=title, body="Info lengkap di tautan.")
        await session.commit()
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)


async def test_a_forum_gets_its_topics_once_and_each_kind_lands_in_its_topic(bot: InProcessBot) -> None:
    await link(bot, FORUM, forum=True)
    assert await sweep_forum_topics(bot.app.runtime, bot.app.bot) == 6
    assert await sweep_forum_topics(bot.app.runtime, bot.app.bot) == 0  # the next sweep, or a restart: none again
    created = [m for m in bot.double.sent(FORUM) if m.method == "createForumTopic"]
    assert [m.raw_text for m in created] == TOPICS
    threads = {m.raw_text: m.thread_id for m in created}

    await announce(bot, BroadcastKind.JOB, "Lowongan Kepala Bidang Pelayanan")
    await announce(bot, BroadcastKind.GENERAL, "Libur nasional")
    posts = {m.text.split("\n")[0]: m.thread_id for m in bot.double.sent(FORUM) if m.method == "sendMessage" and "Info lengkap" in m.text}
    assert [thread for title, thread in posts.items() if "Lowongan Kepala Bidang" in title] == [threads["Lowongan & Talent Pool"]]
    assert [thread for title, thread in posts.items() if "Libur nasional" in title] == [threads["Pengumuman"]]
    sari = [m for m in bot.double.sent(8501) if "Lowongan Kepala Bidang" in m.text]
    assert [m.thread_id for m in sari] == [None]  # her private chat has no topics


async def test_a_group_without_topics_is_served_as_before(bot: InProcessBot) -> None:
    await link(bot, PLAIN, forum=False)
    assert await sweep_forum_topics(bot.app.runtime, bot.app.bot) == 0
    await announce(bot, BroadcastKind.JOB, "Lowongan Kepala Bidang Pelayanan")
    [post] = [m for m in bot.double.sent(PLAIN) if "Lowongan Kepala Bidang" in m.text]
    assert post.thread_id is None
    assert not [m for m in bot.double.sent(PLAIN) if m.method == "createForumTopic"]


async def test_a_refused_topic_is_tried_again_later_not_every_sweep(bot: InProcessBot) -> None:
    """Without the right to manage topics Telegram answers 400: the bot waits an hour before asking again."""
    await link(bot, FORUM, forum=True)
    bot.double.fail_next("createForumTopic", 400, "Bad Request: not enough rights to create a topic", times=6)
    assert await sweep_forum_topics(bot.app.runtime, bot.app.bot) == 0
    assert await sweep_forum_topics(bot.app.runtime, bot.app.bot) == 0  # within the hour: not asked again
    bot.clock.set(NOW.replace(hour=3, minute=1))
    assert await sweep_forum_topics(bot.app.runtime, bot.app.bot) == 6
    async with bot.app.runtime.open_session() as session:
        assert len([t for t in await session.scalars(select(CopTopic)) if t.thread_id]) == 6


async def everything_stored(bot: InProcessBot) -> str:
    """Every value of every row of every table, as one text: what the database keeps."""
    async with bot.app.runtime.open_session() as session:
        rows = [await session.execute(select(table)) for table in Base.metadata.sorted_tables]
    return "\n".join(repr(row) for result in rows for row in result.all())


async def test_a_consenting_alumna_is_counted_by_day_and_kind_and_her_words_are_kept_nowhere(bot: InProcessBot) -> None:
    await link(bot, FORUM, forum=True)
    await sweep_forum_topics(bot.app.runtime, bot.app.bot)
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort))
        assert cohort is not None
        await factories.alumna(session, NOW, cohort, 8502, name="Dewi", reminders=False)
        await session.commit()
    sari, dewi = bot.double.user(8501, "Sari"), bot.double.user(8502, "Dewi")
    overview = await say(bot, sari, "/privasi")
    assert "Keaktifan di grup komunitas: tidak dihitung" in overview.text
    assert "tidak pernah disimpan" in (await tap(bot, sari, "Hitung keaktifan saya")).text
    forum = bot.double.group(FORUM, "Komunitas Alumni", forum=True)
    questions = next(m.thread_id for m in bot.double.sent(FORUM) if m.raw_text == "Tanya Jawab")
    first = sari.send("RAHASIA-PESAN-1 Ada yang punya SOP layanan KTP?", chat=forum, thread=questions)
    dewi.send("RAHASIA-PESAN-2 Saya punya, Bu.", chat=forum, reply_to=first["message"])  # Dewi did not agree: not counted
    sari.send("RAHASIA-PESAN-3 Terima kasih!", chat=forum, reply_to=first["message"])
    await bot.run_pending()
    async with bot.app.runtime.open_session() as session:
        days = list(await session.execute(select(ForumDay.person_id, ForumDay.day, ForumDay.posts, ForumDay.replies)))
        sari_id = await session.scalar(select(Person.id).where(Person.telegram_id == 8501))
    assert days == [(sari_id, date(2026, 12, 1), 1, 1)]  # her post in a topic is a post; her answer to Sari's is a reply
    stored = await everything_stored(bot)
    assert "RAHASIA-PESAN" not in stored
    assert bot.double.sent(FORUM)[-1].method == "createForumTopic"  # the bot said nothing in the group

    assert "Keaktifan di grup komunitas: dihitung" in (await say(bot, sari, "/privasi")).text
    assert "sudah dihapus" in (await tap(bot, sari, "Berhenti menghitung")).text
    sari.send("RAHASIA-PESAN-4", chat=forum)
    await bot.run_pending()
    async with bot.app.runtime.open_session() as session:
        assert list(await session.scalars(select(ForumDay))) == []


async def test_the_report_counts_the_share_active_in_the_community_group(bot: InProcessBot) -> None:
    await link(bot, PLAIN, forum=False)
    sari = bot.double.user(8501, "Sari")
    await say(bot, sari, "/privasi")
    await tap(bot, sari, "Hitung keaktifan saya")
    sari.send("Selamat pagi, Ibu-ibu", chat=bot.double.group(PLAIN, "Komunitas Alumni"))
    await bot.run_pending()
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort))
        assert cohort is not None
        await factories.alumna(session, NOW, cohort, 8502, name="Dewi", reminders=False)
        await session.commit()
        indicators, rows = await cohort_report(session=session, cohort=cohort, now=NOW)
    assert indicators.network.forum_active == 0.5  # Sari of the two
    assert [(r.name, r.forum_days) for r in rows] == [("Dewi", 0), ("Sari", 1)]
