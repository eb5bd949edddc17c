"""What handlers and jobs share: the Runtime, the update's scope, and the CallbackContext every
handler receives."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.kernel.clock import Clock
from bot.kernel.i18n import Texts
from bot.kernel.settings import Settings
from bot.kernel.telegram import mark_chosen, send_html
from bot.kernel.throttle import STRANGER_REPLIES, Throttle


@dataclass
class Runtime:
    """What handlers and jobs share. The engine lives from post_init to post_shutdown."""

    settings: Settings
    clock: Clock
    texts: Texts
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = field(default=None, repr=False)
    last_admin_notice: datetime | None = None  # errors reach organizers at most once a minute
    last_housekeeping: datetime | None = None
    last_orphan_sweep: datetime | None = None
    stopping: bool = False  # set at shutdown: sweeps claim nothing more, and hand back what they did not send
    background: set[asyncio.Task[None]] = field(default_factory=set, repr=False)  # cancelled at shutdown
    throttle: Throttle = field(init=False, repr=False)  # per person, before any database work
    strangers: Throttle = field(init=False, repr=False)  # replies to people the bot does not know

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.settings.updates_per_minute, self.settings.update_burst)
        enabled = self.throttle.enabled
        self.strangers = Throttle(STRANGER_REPLIES if enabled else 0, STRANGER_REPLIES if enabled else 0)

    def open_session(self) -> AsyncSession:
        if self.sessions is None:
            raise RuntimeError("the database is not open: post_init has not run")
        return self.sessions()


class HasRuntime(Protocol):
    runtime: Runtime


def runtime_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The Runtime of the application the composition root built."""
    return cast(HasRuntime, application).runtime


@dataclass
class UpdateScope:
    """What one update shares across its handlers: one session, the user's locale, and what waits for
    its transaction to be committed: the notices it queued, and the cosmetic edits (her tapped choice
    shown) that come after her answer rather than before it."""

    session: AsyncSession
    locale: str
    notices: list[int] = field(default_factory=list)
    cosmetic: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


# Set by EcoachApplication.process_update for the task that handles one update.
current_scope: ContextVar[UpdateScope | None] = ContextVar("ecoach_update_scope", default=None)


class EcoachContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with the update's session, the user's locale and a reply helper."""

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)

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

    def mark_chosen(self, update: Update) -> None:
        """Once the update is answered and finished, drop the buttons of the question she answered and
        show her choice: her next question does not wait for this edit."""
        query = update.callback_query
        if query is not None:
            self.scope.cosmetic.append(functools.partial(mark_chosen, query.message, query.data))

    async def reply(self, update: Update, key: str, *, reply_markup: InlineKeyboardMarkup | None = None, **values: Any) -> Message | None:
        """Render `key` for her, commit, then answer in the update's chat."""
        return await self.send(update, self.text(key, **values), reply_markup)

    async def send(self, update: Update, body: str, markup: InlineKeyboardMarkup | None = None) -> Message | None:
        """Commit, then send `body` in the update's chat: nothing is confirmed before it is stored.
        A short 429 or 5xx is waited out; a timeout after Telegram may have taken it is not resent."""
        await self.session.commit()
        chat = update.effective_chat
        assert chat is not None, "send() needs an update with a chat"
        return await send_html(self.bot, chat.id, body, markup, patient=True)
