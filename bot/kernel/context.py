"""The per-update unit of work and the CallbackContext every handler receives."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackContext, ExtBot

from bot.kernel.telegram import send_html

if TYPE_CHECKING:
    from bot.app import EcoachApplication, Runtime


@dataclass
class UpdateScope:
    """What one update shares across its handlers: one session and the user's locale."""

    session: AsyncSession
    locale: str


# Set by EcoachApplication.process_update for the task that handles one update.
current_scope: ContextVar[UpdateScope | None] = ContextVar("ecoach_update_scope", default=None)


class EcoachContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with the update's session, the user's locale and a reply helper."""

    application: EcoachApplication

    @property
    def runtime(self) -> Runtime:
        return self.application.runtime

    @property
    def scope(self) -> UpdateScope:
        scope = current_scope.get()
        if scope is None:
            raise RuntimeError("no update scope: only handlers of an update have a session")
        return scope

    @property
    def session(self) -> AsyncSession:
        return self.scope.session

    @property
    def locale(self) -> str:
        return self.scope.locale

    @locale.setter
    def locale(self, value: str) -> None:
        self.scope.locale = value

    def text(self, key: str, **values: Any) -> str:
        return self.runtime.texts.render(self.locale, key, **values)

    async def reply(
        self,
        update: Update,
        key: str,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        **values: Any,
    ) -> Message:
        """Render `key` for her, commit, then answer in the update's chat."""
        return await self.send(update, self.text(key, **values), reply_markup)

    async def send(self, update: Update, body: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        """Commit, then send `body` in the update's chat: nothing is confirmed before it is stored."""
        await self.session.commit()
        chat = update.effective_chat
        assert chat is not None, "send() needs an update with a chat"
        return await send_html(self.bot, chat.id, body, markup)
