"""The framework's ceiling: a bare python-telegram-bot echo bot, as its own examples write one.

Started by bench/inbound.py with TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL pointing at the double.
It answers every message with its text and every button press with its data: one reply per update.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.message.reply_text(update.callback_query.data or "-")
    elif update.message:
        await update.message.reply_text(update.message.text or "photo")


def main() -> None:
    api = os.environ["TELEGRAM_API_URL"]
    application = (
        ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot").build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
