"""Scheduled work: APScheduler (PTB's JobQueue) runs these sweeps every ECOACH_SWEEP_SECONDS.

Each sweep opens its own sessions, claims due rows one at a time, and records the outcome, so a
restart, downtime or a second process neither loses nor repeats a send.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.app import Runtime
from db.models import ReminderKind
from db.reminders import Decision, claim_next_due, decide, mark_failed, mark_sent, plan_missing_reminders

log = logging.getLogger(__name__)
RETRY_AFTER_ERROR = timedelta(minutes=1)


async def sweep_reminders(runtime: Runtime, bot: Bot) -> int:
    """Send every due reflection reminder once; return how many went out."""
    now = runtime.clock.now()
    async with runtime.open_session() as session:
        await plan_missing_reminders(session=session, now=now)
        await session.commit()
    sent = 0
    while True:
        async with runtime.open_session() as session:
            reminder = await claim_next_due(session=session, now=now)
            if reminder is None:
                return sent
            decision = await decide(session=session, reminder=reminder, now=now)
            person, reminder_id, kind = reminder.person, reminder.id, reminder.kind
            await session.commit()
        if decision is not Decision.SEND:
            continue
        key = "reminders.reflection" if kind == ReminderKind.REFLECTION else "reminders.followup"
        button = InlineKeyboardButton(runtime.texts.render(person.locale, "reminders.button"), callback_data="rfgo")
        retry_at, blocked = None, False
        try:
            await bot.send_message(
                person.telegram_id, runtime.texts.render(person.locale, key, name=person.name),
                parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup([[button]]),
            )
        except Forbidden:
            blocked = True
        except RetryAfter as exc:
            retry_at = now + (exc.retry_after if isinstance(exc.retry_after, timedelta) else timedelta(seconds=exc.retry_after))
        except TelegramError:
            log.warning("reminder %s could not be sent; will retry", reminder_id)
            retry_at = now + RETRY_AFTER_ERROR
        async with runtime.open_session() as session:
            if blocked or retry_at:
                await mark_failed(session=session, reminder_id=reminder_id, now=now, retry_at=retry_at, blocked=blocked)
            else:
                await mark_sent(session=session, reminder_id=reminder_id, now=runtime.clock.now())
                sent += 1
            await session.commit()


SWEEPS: list[Callable[[Runtime, Bot], Awaitable[int]]] = [sweep_reminders]


async def run_sweeps(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job: run each sweep; one failing does not stop the others."""
    runtime: Runtime = context.application.runtime  # type: ignore[attr-defined]
    for sweep in SWEEPS:
        try:
            await sweep(runtime, context.bot)
        except Exception:
            log.exception("sweep %s failed", sweep.__name__)


def schedule_sweeps(application: Application) -> None:
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(run_sweeps, interval=runtime.settings.sweep_seconds, first=1, name="sweeps")
