"""Single-step commands and callbacks, and the one place that orders all handlers."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

from bot.commands import HELP, START
from handlers import errors, help_menu, start


def register_handlers(application: Application) -> None:
    """Register every handler. Order matters: the first matching handler in a group wins."""
    # Group 0: commands. Each has an Indonesian name and an English alias.
    application.add_handler(CommandHandler(START.names, start.start))
    application.add_handler(CommandHandler(HELP.names, help_menu.show_help))
    # The one error handler.
    application.add_error_handler(errors.on_error)
