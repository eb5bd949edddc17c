"""The community group as a forum: its topics opened once, each announcement kind posted into its topic,
and a group without topics served as before."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from db.broadcasts import create_broadcast
from db.models import BroadcastKind, CopTopic
from handlers.community import sweep_broadcasts, sweep_forum_topics
from tests.support import factories
from tests.support.bots import InProcessBot

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
