"""/dasbor (/dashboard): a one-time login link to the web dashboard, for organizers and coaches."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.guards import in_private
from db.web import LINK_LIFETIME, issue_link, may_log_in


async def dashboard_command(update: Update, context: EcoachContext) -> None:
    """Send her a login link valid for ten minutes, in her private chat only: it opens her session."""
    assert update.effective_user is not None
    settings = context.runtime.settings
    if not in_private(update):
        await context.reply(update, "web.link_private")
        return
    if settings.web_base_url is None:
        await context.reply(update, "web.link_off")
        return
    telegram_id = update.effective_user.id
    if not await may_log_in(session=context.session, telegram_id=telegram_id, organizers=settings.admin_ids):
        await context.reply(update, "web.link_refused")
        return
    token = await issue_link(session=context.session, telegram_id=telegram_id, now=context.runtime.clock.now())
    url = f"{settings.web_base_url}/masuk?t={token}" + ("&lang=en" if context.locale == "en" else "")  # its page in her language
    await context.reply(update, "web.link", url=url, minutes=int(LINK_LIFETIME.total_seconds() // 60))
