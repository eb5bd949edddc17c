"""/bahasa (/language): switch between Indonesian and English at any time."""

from __future__ import annotations

from sqlalchemy import update as sql_update
from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import ChooseLanguage
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button
from bot.kernel.settings import LOCALES
from db.models import Draft
from db.people import person_by_telegram_id


async def ask_language(update: Update, context: EcoachContext) -> None:
    markup = InlineKeyboardMarkup([[ChooseLanguage(locale).key(context.text(f"language.name_{locale}")) for locale in LOCALES]])
    await context.reply(update, "language.ask", reply_markup=markup)


async def on_language_button(update: Update, context: EcoachContext) -> None:
    assert update.callback_query is not None and update.effective_user is not None
    pressed = ChooseLanguage.parse(update.callback_query.data)
    if pressed is None or pressed.locale not in LOCALES:
        await answer_button(update, context.text("input.stale_button"))
        return
    locale = pressed.locale
    telegram_id = update.effective_user.id
    person = await person_by_telegram_id(session=context.session, telegram_id=telegram_id)
    if person is not None:
        person.locale = locale
    # A conversation in progress keeps the choice too, also before she has a profile.
    await context.session.execute(sql_update(Draft).where(Draft.telegram_id == telegram_id).values(locale=locale))
    context.locale = locale
    await answer_button(update)
    await context.reply(update, "language.set")
