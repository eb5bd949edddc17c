"""The composition root: build_application() wires settings, database, texts, handlers and sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import BotCommand, BotCommandScopeAllGroupChats, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot, JobQueue
from telegram.request import BaseRequest

from bot.kernel.clock import Clock, SystemClock
from bot.kernel.commands import COACH_MENU, MENU
from bot.kernel.context import EcoachContext, Runtime, UpdateScope, current_scope, runtime_of
from bot.kernel.i18n import Texts
from bot.kernel.lanes import GROUP_RATE, Lanes
from bot.kernel.notices import send_notices
from bot.kernel.settings import Settings
from bot.kernel.telegram import send_html
from bot.kernel.throttle import Admission
from bot.scheduler import schedule_sweeps, stop_sweeps
from conversations.engine import reprompt
from db.drafts import has_draft, stored_draft_locale
from db.engine import create_engine, session_factory
from db.updates import Claim, Delivery, claim_update, digest, finish_update
from handlers import register_handlers

log = logging.getLogger(__name__)


class EcoachApplication(Application[ExtBot[None], EcoachContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[EcoachContext]]):
    """Runs every update inside one database session, committed when its handlers are done."""

    def __init__(self, *, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = runtime

    async def process_update(self, update: object, *, before_commit: Callable[[AsyncSession], Awaitable[None]] | None = None) -> None:
        """Handle the update in one session; `before_commit` joins its last transaction (a webhook
        worker marks the inbox row done there), and is not called when the update is dropped or fails."""
        if not await self._admitted(update):
            return
        try:
            async with self.runtime.open_session() as session:
                claim = await self._claim(session, update)
                locale, known = await self._who(session, update, claim.locale)
                scope = UpdateScope(session, locale)
                token = current_scope.set(scope)
                try:
                    if claim.delivery is Delivery.FIRST and (known or self._may_answer_stranger(update)):
                        await super().process_update(update)
                    elif claim.delivery is Delivery.UNFINISHED:
                        await self._after_redelivery(update)
                    if isinstance(update, Update):
                        await finish_update(session=session, bot_id=self.bot.id, update_id=update.update_id)
                    if before_commit is not None:
                        await before_commit(session)
                    await session.commit()
                    await self._after_commit(scope)
                finally:
                    current_scope.reset(token)
        except Exception as exc:  # noqa: BLE001 - a failure outside any handler (the database is down) goes to the error handler
            await self.process_error(update, exc)

    async def _after_commit(self, scope: UpdateScope) -> None:
        """What waited for the update's commit: the edits showing her choices, then the notices it queued.
        Still in her scope, so they go in the lane of replies: queued behind a broadcast's sends, they
        would hold every update after hers for as long."""
        for touch in scope.cosmetic:
            await touch()
        if scope.notices:
            await self._send_notices(scope.notices)

    async def _claim(self, session: AsyncSession, update: object) -> Claim:
        """Telegram redelivers updates a killed process had not confirmed; apply each once. The same
        statement reads the sender's stored locale."""
        if not isinstance(update, Update):
            return Claim(Delivery.FIRST, None)
        return await claim_update(
            session=session,
            bot_id=self.bot.id,
            update_id=update.update_id,
            fingerprint=digest(update.to_dict()),
            now=self.runtime.clock.now(),
            sender=update.effective_user.id if update.effective_user else None,
        )

    async def _send_notices(self, ids: list[int]) -> None:
        """The notices this update queued, now that they are stored; what fails here, the sweep retries."""
        try:
            await send_notices(self.runtime, self.bot, ids)
        except Exception:
            log.warning("sending this update's notices failed; the sweep will", exc_info=True)

    async def _after_redelivery(self, update: object) -> None:
        """The process died after storing what this update did but before it finished answering. In a
        conversation, ask her current question again; otherwise answer the update again: outside a
        conversation, handlers are safe to repeat (a view, or a change that is already made)."""
        assert isinstance(update, Update)
        if update.effective_chat is not None and update.effective_chat.type == "private":
            context = self.context_types.context.from_update(update, self)
            if await reprompt(update, context):
                return
        await super().process_update(update)

    async def _admitted(self, update: object) -> bool:
        """Her message or button press within her rate (bot/kernel/throttle.py); past it she is told
        once, in a private chat, to slow down, and the rest is dropped before any database work."""
        if not isinstance(update, Update) or update.effective_user is None:
            return True
        if update.message is None and update.edited_message is None and update.callback_query is None:
            return True  # poll answers, blocks and unblocks are not hers to flood with
        admission = self.runtime.throttle.admit(update.effective_user.id, time.monotonic())
        if admission is Admission.WARN and update.effective_chat is not None and update.effective_chat.type == "private":
            body = self.runtime.texts.render(self.runtime.texts.locale_for(update.effective_user.language_code), "input.slow_down")
            with contextlib.suppress(TelegramError):  # best effort: she is refused either way
                await send_html(self.bot, update.effective_chat.id, body)
        return admission is Admission.ADMIT

    def _may_answer_stranger(self, update: object) -> bool:
        """Someone the bot does not know gets a few replies a minute; organizers are always answered."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None or user.id in self.runtime.settings.admin_ids:
            return True
        return self.runtime.strangers.admit(user.id, time.monotonic()) is Admission.ADMIT

    async def _who(self, session: AsyncSession, update: object, stored: str | None) -> tuple[str, bool]:
        """Her locale, and whether the bot knows her (a stored person, or a conversation begun).
        `stored` is the locale stored with her person, read with the update's claim."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            return self.runtime.settings.default_locale, True
        if stored is not None:
            return stored, True
        chosen = await stored_draft_locale(session=session, telegram_id=user.id)
        known = chosen is not None or await has_draft(session=session, telegram_id=user.id)
        return chosen or self.runtime.texts.locale_for(user.language_code), known


async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Open the database, schedule the sweeps, and publish the command menu in both languages (in the
    background: a failing setMyCommands is tried again, and never keeps the bot from answering)."""
    runtime = runtime_of(application)
    runtime.engine = create_engine(runtime.settings.database_url)
    runtime.sessions = session_factory(runtime.engine)
    schedule_sweeps(application)
    runtime.background.add(asyncio.create_task(publish_commands(application)))


async def publish_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menus, in Indonesian and English, for private chats and for groups; tried again
    with a growing pause until Telegram takes them."""
    runtime = runtime_of(application)
    pause = 5.0
    for locale, language_code in (("id", None), ("en", "en")):
        for menu, scope in ((MENU, None), (COACH_MENU, BotCommandScopeAllGroupChats())):
            commands = [
                BotCommand(command.en if locale == "en" else command.id, runtime.texts.render(locale, f"commands.{command.key}"))
                for command in menu
            ]
            while True:
                try:
                    await application.bot.set_my_commands(commands, scope=scope, language_code=language_code)
                    break
                except TelegramError as exc:
                    log.warning("setMyCommands failed (%s); trying again in %.0f s", type(exc).__name__, pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 300)


async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    runtime = runtime_of(application)
    for task in runtime.background:
        task.cancel()
    runtime.background.clear()
    if runtime.engine is not None:
        await runtime.engine.dispose()
        runtime.engine = runtime.sessions = None


async def stop_application(application: EcoachApplication) -> None:
    """The end both run modes share, once the updates in hand are done: jobs, sweeps, database, PTB."""
    if application.job_queue is not None:
        await application.job_queue.stop(wait=False)
    await stop_sweeps(application.runtime)
    await post_shutdown(application)
    await application.shutdown()
    log.info("Application stopped")


def build_application(settings: Settings, *, clock: Clock | None = None, request: BaseRequest | None = None) -> EcoachApplication:
    """Build the bot. Production passes settings only; tests may pass a clock and a request."""
    runtime = Runtime(settings=settings, clock=clock or SystemClock(), texts=Texts(settings.default_locale))
    api = settings.telegram_api_url
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .application_class(EcoachApplication, kwargs={"runtime": runtime})
        .token(settings.token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=EcoachContext))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.send_rate:
        # Telegram's pace, this process's share of it, in all chats and in each group, and each private chat's; replies before bulk sends
        share = settings.sending_processes
        builder = builder.rate_limiter(Lanes(settings.send_rate / share, group_rate=GROUP_RATE / share, chat_burst=settings.chat_burst))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    assert isinstance(application, EcoachApplication)
    register_handlers(application)
    return application
