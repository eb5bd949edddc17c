"""The community group as a forum: the bot opens its topics once, and posts each kind of broadcast
into its topic; with her consent, the days an alumna posts or replies there are counted.

createForumTopic has no idempotency key, so a topic's row is planned first and claimed under a lease
before the call; its thread id is stored as soon as Telegram answers. Only a call that timed out
after Telegram may have taken it can leave a second topic behind: the lease runs out and it is tried
again (Telegram offers no way to list a chat's topics).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_insert
from db.models import BroadcastKind, CopChat, CopTopic, ForumDay, ForumTopic, Membership, Person, Role
from db.schedule import local

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
        await session.execute(dialect_insert(session)(CopTopic).values(missing).on_conflict_do_nothing())  # another process planned them
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


async def count_message(*, session: AsyncSession, chat_id: int, telegram_id: int, reply: bool, now: datetime) -> bool:
    """Count one message of hers in the community group, by her day: only when she agreed to it, and
    never what she wrote. False when it is not counted (not the community group, or no consent)."""
    if await session.scalar(select(CopChat.id).where(CopChat.chat_id == chat_id)) is None:
        return False
    found = (
        await session.execute(
            select(Person.id, Person.timezone)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Person.telegram_id == telegram_id,
                Person.consent_at.is_not(None),
                Person.forum_counted_since.is_not(None),
                Membership.role == Role.ALUMNI,
            )
            .limit(1)
        )
    ).first()
    if found is None:
        return False
    person_id, zone = found
    row = dialect_insert(session)(ForumDay).values(
        person_id=person_id, day=local(now, zone).date(), posts=0 if reply else 1, replies=1 if reply else 0
    )
    await session.execute(
        row.on_conflict_do_update(
            index_elements=[ForumDay.person_id, ForumDay.day],
            set_={"posts": ForumDay.posts + row.excluded.posts, "replies": ForumDay.replies + row.excluded.replies},
        )
    )
    return True


async def set_counting(*, session: AsyncSession, person: Person, on: bool, now: datetime) -> None:
    """Her choice in /privasi. Turning it off also forgets the days already counted."""
    person.forum_counted_since = now if on else None
    if not on:
        await session.execute(delete(ForumDay).where(ForumDay.person_id == person.id))
