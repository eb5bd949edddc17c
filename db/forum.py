"""The community group as a forum: the bot opens its topics once, and posts each kind of broadcast
into its topic.

createForumTopic has no idempotency key, so a topic's row is planned first and claimed under a lease
before the call; its thread id is stored as soon as Telegram answers. Only a call that timed out
after Telegram may have taken it can leave a second topic behind: the lease runs out and it is tried
again (Telegram offers no way to list a chat's topics).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BroadcastKind, CopChat, CopTopic, ForumTopic

TOPIC_OF: dict[BroadcastKind, ForumTopic] = {
    BroadcastKind.GENERAL: ForumTopic.ANNOUNCEMENTS,
    BroadcastKind.JOB: ForumTopic.JOBS,
    BroadcastKind.TALENT_POOL: ForumTopic.JOBS,
    BroadcastKind.EVENT: ForumTopic.AGENDA,
    BroadcastKind.EVENT_REMINDER: ForumTopic.AGENDA,
    BroadcastKind.TIP: ForumTopic.TIPS,
}
RETRY_AFTER_REFUSAL = timedelta(hours=1)  # no right to manage topics, or no longer a forum: tried again later


async def claim_topics_to_create(*, session: AsyncSession, now: datetime, lease: timedelta) -> list[CopTopic]:
    """Plan the missing topics of every forum community group, and claim those still to be created."""
    forums = list(await session.scalars(select(CopChat.chat_id).where(CopChat.is_forum)))
    if not forums:
        return []
    planned = set((await session.execute(select(CopTopic.chat_id, CopTopic.topic).where(CopTopic.chat_id.in_(forums)))).all())
    missing = [{"chat_id": chat_id, "topic": topic} for chat_id in forums for topic in ForumTopic if (chat_id, topic) not in planned]
    if missing:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        await session.execute(insert(CopTopic).values(missing).on_conflict_do_nothing())  # another process planned them
    free = (CopTopic.lease_until.is_(None)) | (CopTopic.lease_until <= now)
    candidates = (
        select(CopTopic.id)
        .where(CopTopic.chat_id.in_(forums), CopTopic.thread_id.is_(None), free)
        .order_by(CopTopic.id)
        .with_for_update(skip_locked=True)
    )
    claimed = list(
        await session.scalars(
            update(CopTopic)
            .where(CopTopic.id.in_(candidates.scalar_subquery()), CopTopic.thread_id.is_(None), free)
            .values(lease_until=now + lease)
            .returning(CopTopic.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return []
    return list(await session.scalars(select(CopTopic).where(CopTopic.id.in_(claimed)).order_by(CopTopic.id)))


async def topic_created(*, session: AsyncSession, topic_id: int, thread_id: int, now: datetime) -> None:
    await session.execute(update(CopTopic).where(CopTopic.id == topic_id).values(thread_id=thread_id, created_at=now, lease_until=None))


async def topic_refused(*, session: AsyncSession, topic_id: int, now: datetime) -> None:
    await session.execute(update(CopTopic).where(CopTopic.id == topic_id).values(lease_until=now + RETRY_AFTER_REFUSAL))


async def thread_for(*, session: AsyncSession, chat_id: int, kind: BroadcastKind) -> int | None:
    """The topic a broadcast of this kind goes to in this chat; None outside a forum (or before its topic exists)."""
    return await session.scalar(
        select(CopTopic.thread_id).where(CopTopic.chat_id == chat_id, CopTopic.topic == TOPIC_OF[kind], CopTopic.thread_id.is_not(None))
    )
