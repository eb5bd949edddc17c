"""Which Telegram updates were already applied, so a redelivered one is not applied twice; and the
updates kept as dead letters."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import dialect_insert
from db.models import DeadLetter, InboxStatus, InboxUpdate, Person, ProcessedUpdate
from db.people import stored_locale

KEEP_PROCESSED = timedelta(hours=48)  # Telegram keeps an unconfirmed update no longer than a day
KEEP_DEAD = timedelta(days=30)


class Delivery(enum.Enum):
    FIRST = "first"  # apply it
    DONE = "done"  # applied and answered before: ignore it
    UNFINISHED = "unfinished"  # applied, but the process died before it finished answering


@dataclass(frozen=True)
class Claim:
    delivery: Delivery
    locale: str | None  # the locale the sender chose, None if the bot has not stored her


def digest(payload: dict[str, Any]) -> str:
    """A fingerprint of an update without its id: a redelivery has the same one, a new update that
    reuses an old id (a new sequence) has another."""
    content = {key: value for key, value in payload.items() if key != "update_id"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def claim_update(
    *, session: AsyncSession, bot_id: int, update_id: int, fingerprint: str, now: datetime, sender: int | None = None
) -> Claim:
    """Record the update in this transaction, or tell how far an earlier delivery of it got; with the
    locale of `sender` (a Telegram user id), which every update needs first.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING her locale: a first delivery, nearly every update,
    costs one statement.
    """
    locale = select(Person.locale).where(Person.telegram_id == sender).scalar_subquery()
    inserted = (
        await session.execute(
            dialect_insert(session)(ProcessedUpdate)
            .values(bot_id=bot_id, update_id=update_id, digest=fingerprint, processed_at=now, completed=False)
            .on_conflict_do_nothing()
            .returning(locale)
        )
    ).first()
    if inserted is not None:
        return Claim(Delivery.FIRST, inserted[0])
    return Claim(
        await _earlier_delivery(session=session, bot_id=bot_id, update_id=update_id, fingerprint=fingerprint, now=now),
        None if sender is None else await stored_locale(session=session, telegram_id=sender),
    )


async def _earlier_delivery(*, session: AsyncSession, bot_id: int, update_id: int, fingerprint: str, now: datetime) -> Delivery:
    row = (
        await session.execute(
            select(ProcessedUpdate.digest, ProcessedUpdate.completed).where(
                ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id == update_id
            )
        )
    ).one()
    if row.digest != fingerprint:  # a new update that reuses an id of an older sequence
        await session.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id == update_id)
            .values(digest=fingerprint, processed_at=now, completed=False)
        )
        return Delivery.FIRST
    return Delivery.DONE if row.completed else Delivery.UNFINISHED


async def finish_update(*, session: AsyncSession, bot_id: int, update_id: int) -> None:
    await session.execute(
        update(ProcessedUpdate).where(ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id == update_id).values(completed=True)
    )


async def add_dead_letter(
    *,
    session: AsyncSession,
    bot_id: int,
    update_id: int | None,
    telegram_id: int | None,
    kind: str,
    payload: dict[str, Any] | None,
    now: datetime,
) -> None:
    session.add(DeadLetter(bot_id=bot_id, update_id=update_id, telegram_id=telegram_id, kind=kind[:200], payload=payload, created_at=now))


async def prune(*, session: AsyncSession, now: datetime) -> None:
    """Forget what only guarded against redelivery, once Telegram can no longer redeliver it."""
    await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - KEEP_PROCESSED))
    await session.execute(delete(InboxUpdate).where(InboxUpdate.status == InboxStatus.DONE, InboxUpdate.received_at < now - KEEP_PROCESSED))
    await session.execute(delete(DeadLetter).where(DeadLetter.created_at < now - KEEP_DEAD))
