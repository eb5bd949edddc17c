"""The one error handler: log with the update id, apologise in her language, tell organizers (rarely)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.constants import ParseMode

from bot.kernel.context import EcoachContext, current_scope

log = logging.getLogger(__name__)
ADMIN_NOTICE_EVERY = timedelta(minutes=1)
_DATABASE_DOWN = (OperationalError, DBAPIError, ConnectionError, OSError)


async def on_error(update: object, context: EcoachContext) -> None:
    """Roll back the update's work, log it, tell the person briefly, and notify organizers."""
    scope = current_scope.get()
    if scope is not None:
        try:
            await scope.session.rollback()
        except Exception:  # noqa: BLE001 - the database may be the very thing that failed
            log.warning("rollback failed after an error")
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    runtime = context.runtime
    await _notify_admins(context, update_id)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    locale = scope.locale if scope else runtime.texts.locale_for(user.language_code if user else None)
    key = "errors.try_again" if isinstance(context.error, _DATABASE_DOWN) else "errors.apology"
    try:
        await context.bot.send_message(update.effective_chat.id, runtime.texts.render(locale, key), parse_mode=ParseMode.HTML)
    except Exception:  # noqa: BLE001 - the apology is best effort; the failure is already logged
        log.warning("could not send the apology for update %s", update_id)


async def _notify_admins(context: EcoachContext, update_id: int | None) -> None:
    """At most one notice a minute, naming the kind of error only: no token, no private text."""
    runtime = context.runtime
    now = runtime.clock.now()
    last = runtime.last_admin_notice
    if last is not None and now - last < ADMIN_NOTICE_EVERY:
        return
    runtime.last_admin_notice = now
    kind = type(context.error).__name__ if context.error else "Error"
    for admin_id in runtime.settings.admin_ids:
        body = runtime.texts.render(runtime.settings.default_locale, "errors.admin_notice", update_id=update_id, kind=kind)
        try:
            await context.bot.send_message(admin_id, body, parse_mode=ParseMode.HTML)
        except Exception:  # noqa: BLE001 - a notice to organizers is best effort
            log.warning("could not notify admin %s", admin_id)
