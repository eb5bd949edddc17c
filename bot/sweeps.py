"""Scheduled work: APScheduler (PTB's JobQueue) runs these sweeps every ECOACH_SWEEP_SECONDS.

Each sweep opens its own sessions, claims due rows one at a time, and records the outcome, so a
restart, downtime or a second process neither loses nor repeats a send.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from sqlalchemy import update

from bot.app import Runtime
from db.checkins import deliverable, next_due, next_to_miss, next_to_remind
from db.claims import claim
from db.models import CheckIn, CheckInStatus, Person, Reminder, ReminderKind, SendStatus
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
            if not await claim(session=session, model=Reminder, row_id=reminder.id, from_status=SendStatus.PENDING, to_status=SendStatus.SENDING):
                await session.rollback()  # another process took it
                continue
            decision = await decide(session=session, reminder=reminder, now=now)
            person, reminder_id, kind = reminder.person, reminder.id, reminder.kind
            await session.commit()
        if decision is not Decision.SEND:
            continue
        key = "reminders.reflection" if kind == ReminderKind.REFLECTION else "reminders.followup"
        button = InlineKeyboardButton(runtime.texts.render(person.locale, "reminders.button"), callback_data="rfgo")
        outcome = await _send(bot, person.telegram_id, runtime.texts.render(person.locale, key, name=person.name), InlineKeyboardMarkup([[button]]))
        async with runtime.open_session() as session:
            if outcome is None:
                await mark_sent(session=session, reminder_id=reminder_id, now=runtime.clock.now())
                sent += 1
            else:
                blocked = outcome == "blocked"
                retry_at = None if blocked else now + outcome  # type: ignore[operator]
                await mark_failed(session=session, reminder_id=reminder_id, now=now, retry_at=retry_at, blocked=blocked)
            await session.commit()


def retry_delay(exc: RetryAfter) -> timedelta:
    """How long Telegram asked us to wait (a timedelta with PTB_TIMEDELTA, else seconds)."""
    return exc.retry_after if isinstance(exc.retry_after, timedelta) else timedelta(seconds=exc.retry_after)


async def _send(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> str | timedelta | None:
    """Send; None when delivered, "blocked" on 403, or how long to wait before trying again."""
    try:
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except Forbidden:
        return "blocked"
    except RetryAfter as exc:
        return retry_delay(exc)
    except TelegramError:
        return RETRY_AFTER_ERROR
    return None


async def sweep_checkins(runtime: Runtime, bot: Bot) -> int:
    """Send due check-ins exactly once, remind once after 3 days, mark missed after 7."""
    now = runtime.clock.now()
    texts = runtime.texts
    sent = 0
    passed_over: set[int] = set()
    while True:
        async with runtime.open_session() as session:
            checkin = await next_due(session=session, now=now, passed_over=passed_over)
            if checkin is None:
                break
            person = checkin.person
            if not (person.active and person.consent_at is not None):
                await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.PLANNED, to_status=CheckInStatus.SKIPPED)
                await session.commit()
                continue
            if deliverable(person, now) > now:  # her night: try again in the morning
                checkin.due_at = deliverable(person, now)
                passed_over.add(checkin.id)
                await session.commit()
                continue
            claimed = await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.PLANNED, to_status=CheckInStatus.SENDING)
            await session.commit()
        if not claimed:
            continue
        button = InlineKeyboardMarkup([[InlineKeyboardButton(texts.render(person.locale, "checkin.button"), callback_data="cigo")]])
        outcome = await _send(bot, person.telegram_id, texts.render(person.locale, "checkin.invitation", name=person.name, month=checkin.month, kind=checkin.kind.value), button)
        async with runtime.open_session() as session:
            if outcome is None:
                await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.SENDING, to_status=CheckInStatus.SENT, sent_at=runtime.clock.now())
                sent += 1
            elif outcome == "blocked":
                await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.SENDING, to_status=CheckInStatus.SKIPPED)
                await session.execute(update(Person).where(Person.id == person.id).values(active=False))
            else:
                await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.SENDING, to_status=CheckInStatus.PLANNED, due_at=now + outcome)
            await session.commit()

    passed_over = set()
    while True:
        async with runtime.open_session() as session:
            checkin = await next_to_remind(session=session, now=now, passed_over=passed_over)
            if checkin is None:
                break
            person = checkin.person
            passed_over.add(checkin.id)
            if deliverable(person, now) > now or not person.active:
                continue
            claimed = await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.SENT, to_status=CheckInStatus.REMINDED, reminded_at=now)
            await session.commit()
        if claimed:
            button = InlineKeyboardMarkup([[InlineKeyboardButton(texts.render(person.locale, "checkin.button"), callback_data="cigo")]])
            await _send(bot, person.telegram_id, texts.render(person.locale, "checkin.reminder", name=person.name), button)

    while True:
        async with runtime.open_session() as session:
            checkin = await next_to_miss(session=session, now=now)
            if checkin is None:
                break
            await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=checkin.status, to_status=CheckInStatus.MISSED)
            await session.commit()
    return sent


def _all_sweeps() -> list[Callable[[Runtime, Bot], Awaitable[int]]]:
    from bot.broadcaster import sweep_broadcasts, sweep_tips

    # Tips are scheduled before the outbox is swept, so this week's tip goes out in the same run.
    return [sweep_reminders, sweep_checkins, sweep_tips, sweep_broadcasts]


_running = asyncio.Lock()


async def run_sweeps(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job."""
    await run_all_sweeps(context.application.runtime, context.bot)  # type: ignore[attr-defined]


async def run_all_sweeps(runtime: Runtime, bot: Bot, *, wait: bool = False) -> None:
    """Run each sweep; one failing does not stop the others.

    A run still busy (a long broadcast) makes the next tick a no-op rather than a second sweep
    beside it: fewer claimed-but-unsent rows if the process is killed. `wait` queues instead.
    """
    if _running.locked() and not wait:
        return
    async with _running:
        for sweep in _all_sweeps():
            try:
                await sweep(runtime, bot)
            except Exception:
                log.exception("sweep %s failed", sweep.__name__)


def schedule_sweeps(application: Application) -> None:
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(run_sweeps, interval=runtime.settings.sweep_seconds, first=1, name="sweeps")
