"""/start: greet a person and say how to join."""

from __future__ import annotations

from telegram import Update

from bot.context import EcoachContext


async def start(update: Update, context: EcoachContext) -> None:
    """Greet her, say what the bot is for, and that she needs her program's invite link."""
    user = update.effective_user
    await context.reply(update, "start.welcome", name=user.first_name if user else "")
