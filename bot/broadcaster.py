"""Broadcast delivery and the weekly tip: the outbox is swept in batches at Telegram's pace.

PTB's AIORateLimiter (set in build_application) keeps every send of the process within about 30
messages a second and 20 a minute per group; this sweep only claims batches and records outcomes.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, Poll
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.app import Runtime
from bot.sweeps import retry_delay
from bot.tips import TipLibrary, tip_message
from db.broadcasts import claim_batch, schedule_tip_week, settle, stop_sending_to
from db.models import BroadcastKind, Delivery, DeliveryStatus, QuizPoll
from db.schedule import iso_week, local, next_slot

log = logging.getLogger(__name__)
BATCH = 30
MAX_ATTEMPTS = 5
RETRY_AFTER_ERROR = timedelta(seconds=30)
TIP_CATCH_UP = timedelta(hours=24)  # a tip missed by downtime still goes out within a day, not later

_library: TipLibrary | None = None


def tip_library() -> TipLibrary:
    global _library
    if _library is None:
        _library = TipLibrary()
    return _library


def render(runtime: Runtime, delivery: Delivery) -> str | None:
    """The message for one recipient in her language; None when there is nothing to send any more."""
    person = delivery.person
    locale = person.locale if person else runtime.settings.default_locale
    zone = person.timezone if person else runtime.settings.default_timezone
    broadcast = delivery.broadcast
    if broadcast.kind == BroadcastKind.TIP:
        library = tip_library()
        return tip_message(runtime.texts, library, library.get(broadcast.tip_slug or "", locale))
    event = broadcast.event
    when = local(event.starts_at, zone) if event else None
    if broadcast.kind == BroadcastKind.EVENT_REMINDER and event is None:
        return None  # the event was withdrawn
    return runtime.texts.render(
        locale, f"broadcast.{'event_reminder' if broadcast.kind == BroadcastKind.EVENT_REMINDER else 'announcement'}",
        kind=broadcast.kind.value, title=broadcast.title, body=broadcast.body, event=event, when=when,
    )


async def _deliver(runtime: Runtime, bot: Bot, delivery: Delivery) -> tuple[DeliveryStatus, datetime | None]:
    """Send one delivery; return its new status and, to requeue it, a retry time."""
    now = runtime.clock.now()
    person = delivery.person
    if person is not None and (person.consent_at is None or not person.active):
        return DeliveryStatus.SKIPPED, None  # she withdrew consent or blocked the bot since it was queued
    text = render(runtime, delivery)
    if text is None:
        return DeliveryStatus.FAILED, None
    try:
        await bot.send_message(delivery.chat_id, text, parse_mode=ParseMode.HTML)
        tip = delivery.broadcast.tip_slug
        if delivery.broadcast.kind == BroadcastKind.TIP and delivery.person is not None and tip:
            quiz_text = tip_library().get(tip, delivery.person.locale).quiz
            if quiz_text is not None:
                message = await bot.send_poll(
                    delivery.chat_id, quiz_text.question, quiz_text.options, is_anonymous=False, type=Poll.QUIZ,
                    correct_option_ids=[quiz_text.correct], explanation=quiz_text.explanation,
                )
                assert message.poll is not None
                # Stored at once, not with the batch: she may answer within a second of seeing it.
                async with runtime.open_session() as session:
                    session.add(QuizPoll(poll_id=message.poll.id, person_id=delivery.person.id, tip_slug=tip, correct_option=quiz_text.correct, sent_at=now))
                    await session.commit()
        return DeliveryStatus.SENT, None
    except Forbidden:
        return DeliveryStatus.BLOCKED, None
    except RetryAfter as exc:
        return DeliveryStatus.PENDING, now + retry_delay(exc)  # requeued, never lost
    except BadRequest as exc:
        log.warning("delivery %s refused: %s", delivery.id, exc.message)
        return DeliveryStatus.FAILED, None
    except TelegramError:
        if delivery.attempts >= MAX_ATTEMPTS:
            return DeliveryStatus.FAILED, None
        return DeliveryStatus.PENDING, now + RETRY_AFTER_ERROR


async def sweep_broadcasts(runtime: Runtime, bot: Bot) -> int:
    """Send every due delivery once, a batch at a time; return how many were sent."""
    sent = 0
    while True:
        now = runtime.clock.now()
        async with runtime.open_session() as session:
            batch = await claim_batch(session=session, now=now, size=BATCH)
            await session.commit()
        if not batch:
            return sent
        outcomes = await asyncio.gather(*(_deliver(runtime, bot, delivery) for delivery in batch))
        async with runtime.open_session() as session:
            for delivery, (status, retry_at) in zip(batch, outcomes, strict=True):
                await settle(session=session, delivery_id=delivery.id, status=status, now=runtime.clock.now(), retry_at=retry_at)
                if status == DeliveryStatus.BLOCKED and delivery.person_id is not None:
                    await stop_sending_to(session=session, person_id=delivery.person_id)
                sent += status == DeliveryStatus.SENT
            await session.commit()


async def sweep_tips(runtime: Runtime, bot: Bot) -> int:
    """In the day after this week's tip slot, schedule the week's tip for every subscriber (once)."""
    settings = runtime.settings
    if not settings.weekly_tips:
        return 0
    now = runtime.clock.now()
    zone = settings.default_timezone
    year, week = iso_week(now, zone)
    monday = datetime.combine(datetime.fromisocalendar(year, week, 1).date(), settings.tip_time, tzinfo=ZoneInfo(zone))
    slot = next_slot(monday.astimezone(UTC) - timedelta(seconds=1), settings.tip_weekday, settings.tip_time, zone)
    if not slot <= now < slot + TIP_CATCH_UP:
        return 0  # not yet; or the bot was down for the whole day, and that week's tip is skipped
    async with runtime.open_session() as session:
        broadcast = await schedule_tip_week(session=session, week_year=year, week=week, slugs=tip_library().slugs(), now=now)
        await session.commit()
    return 1 if broadcast else 0
