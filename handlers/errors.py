"""The one error handler: log with the update id, apologise in her language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode

from bot.context import EcoachContext, current_scope

log = logging.getLogger(__name__)


async def on_error(update: object, context: EcoachContext) -> None:
    """Roll back the update's work, log it, and tell the person briefly."""
    scope = current_scope.get()
    if scope is not None:
        await scope.session.rollback()
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    runtime = context.application.runtime  # type: ignore[attr-defined]
    user = update.effective_user
    locale = scope.locale if scope else runtime.texts.locale_for(user.language_code if user else None)
    try:
        await context.bot.send_message(
            update.effective_chat.id, runtime.texts.render(locale, "errors.apology"), parse_mode=ParseMode.HTML
        )
    except Exception:  # the apology is best effort; the failure is already logged
        log.warning("could not send the apology for update %s", update_id)
