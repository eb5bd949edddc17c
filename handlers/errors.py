"""The one error handler: log by kind, keep the update as a dead letter, apologise in her language,
and tell organizers (rarely)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.kernel.context import EcoachContext, current_scope
from bot.kernel.incidents import database_down, keep_dead_letter, tell_organizers
from bot.kernel.telegram import send_html

log = logging.getLogger(__name__)


async def on_error(update: object, context: EcoachContext) -> None:
    """Roll back the update's work, log it, tell the person briefly, and notify organizers."""
    scope = current_scope.get()
    if scope is not None:
        try:
            await scope.session.rollback()
        except Exception:  # noqa: BLE001 - the database may be the very thing that failed
            log.warning("rollback failed after an error")
    update_id = update.update_id if isinstance(update, Update) else None
    kind = type(context.error).__name__ if context.error else "Error"
    log.error("update %s failed: %s", update_id, kind, exc_info=context.error)
    runtime = context.runtime
    down = database_down(context.error)
    if isinstance(update, Update) and not down:  # a poison update, not an outage: keep it for diagnosis
        user = update.effective_user
        await keep_dead_letter(runtime, context.bot.id, update.to_dict(), kind, update_id=update_id, telegram_id=user.id if user else None)
    await tell_organizers(runtime, context.bot, "errors.admin_notice", update_id=update_id, kind=kind)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    locale = scope.locale if scope else runtime.texts.locale_for(user.language_code if user else None)
    try:
        await send_html(
            context.bot, update.effective_chat.id, runtime.texts.render(locale, "errors.try_again" if down else "errors.apology")
        )
    except Exception:  # noqa: BLE001 - the apology is best effort; the failure is already logged
        log.warning("could not send the apology for update %s", update_id)
