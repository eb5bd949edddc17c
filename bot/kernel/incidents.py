"""When something goes wrong: dead letters kept for diagnosis, and organizers told, rarely.

Organizers hear of an error at most once a minute, by its kind only: never the token, never what
anyone wrote. An update that cannot be read, or whose handling raised, is kept as a dead letter.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Bot

from bot.kernel.context import Runtime
from bot.kernel.telegram import send_html
from db.updates import add_dead_letter

log = logging.getLogger(__name__)
ADMIN_NOTICE_EVERY = timedelta(minutes=1)
# The database is down or unreachable: the person is asked to try again shortly, and it is not a poison update.
DATABASE_DOWN = (OperationalError, DBAPIError, ConnectionRefusedError, ConnectionResetError, TimeoutError)


def database_down(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_DOWN)


async def tell_organizers(runtime: Runtime, bot: Bot, key: str, **values: Any) -> None:
    """One notice to every organizer, at most once a minute across all kinds."""
    now = runtime.clock.now()
    if runtime.last_admin_notice is not None and now - runtime.last_admin_notice < ADMIN_NOTICE_EVERY:
        return
    runtime.last_admin_notice = now
    body = runtime.texts.render(runtime.settings.default_locale, key, **values)
    for admin_id in runtime.settings.admin_ids:
        try:
            await send_html(bot, admin_id, body)
        except Exception:  # noqa: BLE001 - a notice to organizers is best effort
            log.warning("could not notify an organizer")


async def keep_dead_letter(
    runtime: Runtime, bot_id: int, payload: dict[str, Any] | None, kind: str, *, update_id: int | None, telegram_id: int | None
) -> None:
    """Store an update that could not be read or handled; a failure to store it is only logged."""
    try:
        async with runtime.open_session() as session:
            await add_dead_letter(
                session=session, bot_id=bot_id, update_id=update_id, telegram_id=telegram_id, kind=kind, payload=payload,
                now=runtime.clock.now(),
            )  # fmt: skip
            await session.commit()
    except Exception:  # noqa: BLE001 - the database may be what failed
        log.warning("could not keep update %s as a dead letter", update_id)
