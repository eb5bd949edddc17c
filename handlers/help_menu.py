"""/bantuan (/help): the command list in her language."""

from __future__ import annotations

from telegram import Update

from bot.commands import HELP, MENU
from bot.context import EcoachContext


async def show_help(update: Update, context: EcoachContext) -> None:
    """List the commands under the names of her language."""
    english = context.locale == "en"
    commands = [
        {"name": c.en if english else c.id, "description": context.text(f"commands.{c.key}")}
        for c in MENU
    ]
    await context.reply(update, "help.text", commands=commands, alias_example=HELP.id if english else HELP.en)
