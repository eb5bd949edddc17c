"""/bantuan (/help): the command list in her language; /id_saya (/my_id): her numeric Telegram id."""

from __future__ import annotations

from telegram import Update

from bot.kernel.commands import ADMIN_MENU, COACH_MENU, HELP, MENU
from bot.kernel.context import EcoachContext
from bot.kernel.guards import in_private, is_admin
from db.coaching import coached_cohort


async def show_help(update: Update, context: EcoachContext) -> None:
    """List the commands under the names of her language; organizers also see theirs."""
    assert update.effective_user is not None
    english = context.locale == "en"
    admin = is_admin(update, context)
    coach = admin or await coached_cohort(session=context.session, telegram_id=update.effective_user.id) is not None
    shown = MENU + (COACH_MENU if coach else []) + (ADMIN_MENU if admin else [])
    commands = [{"name": c.en if english else c.id, "description": context.text(f"commands.{c.key}")} for c in shown]
    await context.reply(update, "help.text", commands=commands, alias_example=HELP.id if english else HELP.en)


async def my_id(update: Update, context: EcoachContext) -> None:
    """Her numeric Telegram id, which the program office puts in ECOACH_ADMIN_IDS; said in private only."""
    assert update.effective_user is not None
    if not in_private(update):
        await context.reply(update, "help.my_id_private")
        return
    await context.reply(update, "help.my_id", telegram_id=update.effective_user.id)
