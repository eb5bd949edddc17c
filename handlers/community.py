"""The community of practice: /tips, /agenda, /umumkan, /status_siaran, /hubungkan_cop, quiz answers,
blocks and unblocks; and the sweeps that schedule the weekly tip and send the outbox in batches at
Telegram's pace.

The rate limiter (bot/kernel/lanes.py) keeps every send of the process within about 30 messages a
second and 20 a minute per group, replies first; the outbox sweep only claims batches and records outcomes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram import Bot, ChatMember, InlineKeyboardMarkup, Poll, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError

from bot.kernel.callbacks import TipsSwitch
from bot.kernel.context import EcoachContext, Runtime
from bot.kernel.guards import answer_button, in_private, is_admin, not_enrolled, requires_admin, requires_alumna
from bot.kernel.parsing import SWITCH
from bot.kernel.sending import MAX_ATTEMPTS, Verdict, attempt, classify, retry_at, send_claimed
from bot.kernel.tips import tip_library, tip_message
from conversations import announce
from db.broadcasts import claim_batch, recent_broadcasts, record_quiz_answer, schedule_tip_week, settle, stop_sending_to, upcoming_events
from db.forum import claim_topics_to_create, count_message, thread_for, topic_created, topic_refused
from db.models import BroadcastKind, Cohort, CopChat, Delivery, DeliveryStatus, Membership, Person, QuizPoll, Role
from db.people import person_by_telegram_id
from db.schedule import iso_week, local, next_slot

log = logging.getLogger(__name__)
CLAIM_AHEAD = 10  # deliveries claimed per round trip: a kill leaves at most IN_FLIGHT + CLAIM_AHEAD to their lease
TIP_CATCH_UP = timedelta(hours=24)  # a tip missed by downtime still goes out within a day, not later


async def _coach_cohorts(context: EcoachContext, telegram_id: int) -> list[Cohort]:
    rows = await context.session.scalars(
        select(Cohort)
        .join(Membership)
        .join(Person)
        .where(Person.telegram_id == telegram_id, Membership.role == Role.COACH)
        .order_by(Cohort.name)
    )
    return list(rows)


@requires_alumna
async def tips_command(update: Update, context: EcoachContext, person: Person) -> None:
    """/tips [aktif|nonaktif]: her weekly microlearning tip, on or off."""
    choice = SWITCH.get(context.args[0].lower() if context.args else "")
    if choice is not None:
        person.tips_on = choice
    await _tips_status(update, context, person)


@requires_alumna
async def on_tips_button(update: Update, context: EcoachContext, person: Person) -> None:
    pressed = TipsSwitch.parse(update.callback_query.data if update.callback_query else None)
    if pressed is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    person.tips_on = bool(pressed.on)
    await answer_button(update)
    await _tips_status(update, context, person)


async def _tips_status(update: Update, context: EcoachContext, person: Person) -> None:
    toggle = "off" if person.tips_on else "on"
    markup = InlineKeyboardMarkup([[TipsSwitch(int(not person.tips_on)).key(context.text(f"tips.button_{toggle}"))]])
    await context.reply(update, "tips.status", on=person.tips_on, reply_markup=markup)


async def agenda(update: Update, context: EcoachContext) -> None:
    """/agenda: upcoming events for her cohort and the whole community."""
    assert update.effective_user is not None
    telegram_id = update.effective_user.id
    person = await person_by_telegram_id(session=context.session, telegram_id=telegram_id)
    cohort_ids: list[int] | None
    if is_admin(update, context):
        cohort_ids = None
    else:
        cohort_ids = list(await context.session.scalars(select(Membership.cohort_id).join(Person).where(Person.telegram_id == telegram_id)))
        if not cohort_ids:
            await not_enrolled(update, context)
            return
    zone = person.timezone if person else context.runtime.settings.default_timezone
    events = await upcoming_events(session=context.session, cohort_ids=cohort_ids, now=context.runtime.clock.now())
    items = [{"title": e.title, "when": local(e.starts_at, zone), "place": e.place} for e in events]
    await context.reply(update, "agenda.list", events=items)


async def start_announce(update: Update, context: EcoachContext) -> None:
    """/umumkan: organizers to a cohort or the whole community; a coach to her own cohorts only."""
    assert update.effective_user is not None
    if not in_private(update):
        await context.reply(update, "coach.member_private")
        return
    if is_admin(update, context):
        cohorts = list(await context.session.scalars(select(Cohort).order_by(Cohort.training_end.desc()).limit(20)))
    else:
        cohorts = await _coach_cohorts(context, update.effective_user.id)
        if not cohorts:
            await context.reply(update, "coach.only_coaches")
            return
    person = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    everyone = is_admin(update, context)
    await announce.begin(context, update, [(c.id, c.name) for c in cohorts], person.id if person else None, everyone=everyone)


async def broadcast_status(update: Update, context: EcoachContext) -> None:
    """/status_siaran: sent, pending, failed and blocked counts of recent broadcasts (a coach: her cohorts' only)."""
    assert update.effective_user is not None
    if is_admin(update, context):
        cohort_ids = None
    else:
        cohorts = await _coach_cohorts(context, update.effective_user.id)
        if not cohorts:
            await context.reply(update, "coach.only_coaches")
            return
        cohort_ids = [c.id for c in cohorts]
    statuses = await recent_broadcasts(session=context.session, cohort_ids=cohort_ids)
    rows = [
        {
            "id": s.broadcast.id,
            "kind": context.text(f"choices.announcement.{s.broadcast.kind.value}"),
            "title": s.broadcast.title or s.broadcast.tip_slug,
            "counts": {k.value: v for k, v in s.counts.items()},
        }
        for s in statuses
    ]
    await context.reply(update, "broadcast.status", broadcasts=rows)


@requires_admin
async def link_cop(update: Update, context: EcoachContext) -> None:
    """/hubungkan_cop in the community group (or with a channel's @name or id, privately): organizers only."""
    assert update.effective_user is not None and update.effective_chat is not None
    chat_id, title, forum = update.effective_chat.id, update.effective_chat.title, bool(update.effective_chat.is_forum)
    if in_private(update):
        if not context.args:
            await context.reply(update, "cop.usage")
            return
        target = context.args[0]
        try:
            found = await context.bot.get_chat(int(target) if target.lstrip("-").isdigit() else target)
        except TelegramError:
            await context.reply(update, "cop.not_found")
            return
        chat_id, title, forum = found.id, found.title, bool(found.is_forum)
    existing = await context.session.scalar(select(CopChat).where(CopChat.chat_id == chat_id))
    if existing is None:
        context.session.add(
            CopChat(chat_id=chat_id, title=title, is_forum=forum, linked_by=update.effective_user.id, linked_at=context.runtime.clock.now())
        )
    else:
        existing.is_forum = forum  # linking again notices a group that became a forum since
    await context.reply(update, "cop.linked", title=title or str(chat_id))


async def on_group_message(update: Update, context: EcoachContext) -> None:
    """A message in a group: in the community group it counts towards her forum participation, when she
    agreed to that in /privasi. Only the day and whether it was a post or a reply; never the text."""
    message = update.message
    if message is None or update.effective_user is None or update.effective_chat is None:
        return
    replied = message.reply_to_message
    reply = replied is not None and replied.forum_topic_created is None  # in a forum, a topic's messages all answer its opening
    await count_message(
        session=context.session, chat_id=update.effective_chat.id, telegram_id=update.effective_user.id, reply=reply,
        now=context.runtime.clock.now(),
    )  # fmt: skip


POLL_LOOKUPS = 5


async def on_poll_answer(update: Update, context: EcoachContext) -> None:
    """A tip quiz answer: stored per alumna as engagement.

    An answer can overtake the sweep's record of the poll it answers by a moment: look again a few
    times, each in a new transaction so the sweep's commit is visible. (A second session here would
    wait on this update's own open transaction on SQLite.)
    """
    answer = update.poll_answer
    if answer is None or answer.user is None or not answer.option_ids:
        return
    session = context.session
    for look in range(POLL_LOOKUPS):
        if await record_quiz_answer(
            session=session,
            poll_id=answer.poll_id,
            telegram_id=answer.user.id,
            option=answer.option_ids[0],
            now=context.runtime.clock.now(),
        ):
            await session.commit()
            return
        if await session.scalar(select(QuizPoll.poll_id).where(QuizPoll.poll_id == answer.poll_id)):
            return  # known poll: a repeat answer, or someone else's poll
        await session.commit()  # ends the transaction (keeping the update's record) before waiting
        await asyncio.sleep(0.2 * (look + 1))


async def on_my_chat_member(update: Update, context: EcoachContext) -> None:
    """She blocked or unblocked the bot in her private chat: stop, or resume, all sending to her."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    person = await person_by_telegram_id(session=context.session, telegram_id=change.chat.id)
    if person is None:
        return
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await stop_sending_to(session=context.session, person_id=person.id)
    elif status == ChatMember.MEMBER:
        person.active = True


# ----- the outbox and the weekly tip --------------------------------------------------------------


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
        locale,
        f"broadcast.{'event_reminder' if broadcast.kind == BroadcastKind.EVENT_REMINDER else 'announcement'}",
        kind=broadcast.kind.value,
        title=broadcast.title,
        body=broadcast.body,
        event=event,
        when=when,
    )


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery; `held` leaves it claimed, for its lease to decide."""

    status: DeliveryStatus
    retry_at: datetime | None = None
    stage: int = 0
    held: bool = False


async def _deliver(runtime: Runtime, bot: Bot, delivery: Delivery) -> Outcome:
    """Send one delivery: its message (stage 0), then a tip's quiz (stage 1)."""
    now = runtime.clock.now()
    person = delivery.person
    if runtime.stopping:
        return Outcome(DeliveryStatus.PENDING, delivery.due_at, stage=delivery.stage)  # not sent: handed back as it was
    if person is not None and (person.consent_at is None or not person.active):
        return Outcome(DeliveryStatus.SKIPPED)  # she withdrew consent or blocked the bot since it was queued
    if delivery.stage == 0:
        text = render(runtime, delivery)
        if text is None:
            return Outcome(DeliveryStatus.FAILED)
        thread = await _thread(runtime, delivery)
        failure = await attempt(bot.send_message(delivery.chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=thread))
        if failure is not None:
            if failure.may_have_arrived and delivery.attempts < MAX_ATTEMPTS:
                return Outcome(DeliveryStatus.SENDING, held=True)  # the lease decides: sent again once it runs out
            if failure.may_have_arrived:
                return await _send_quiz(runtime, bot, delivery, now)  # timed out on every try: taken as arrived
            if failure.verdict is Verdict.UNDELIVERABLE:
                return Outcome(DeliveryStatus.BLOCKED)
            again = retry_at(failure, delivery.attempts, now)
            return Outcome(DeliveryStatus.PENDING, again) if again is not None else Outcome(DeliveryStatus.FAILED)
    return await _send_quiz(runtime, bot, delivery, now)


async def _thread(runtime: Runtime, delivery: Delivery) -> int | None:
    """Its topic, when it goes to a community group that is a forum."""
    if delivery.person_id is not None:
        return None
    async with runtime.open_session() as session:
        return await thread_for(session=session, chat_id=delivery.chat_id, kind=delivery.broadcast.kind)


async def sweep_forum_topics(runtime: Runtime, bot: Bot) -> int:
    """Open the topics of a community group that is a forum, once each; return how many were opened."""
    now = runtime.clock.now()
    async with runtime.open_session() as session:
        topics = await claim_topics_to_create(session=session, now=now, lease=runtime.settings.lease)
        await session.commit()
    opened = 0
    for topic in topics:
        name = runtime.texts.render(runtime.settings.default_locale, f"cop.topic_{topic.topic.value}")
        try:
            created = await bot.create_forum_topic(topic.chat_id, str(name))
        except TelegramError as exc:
            failure = classify(exc)
            log.warning("the forum topic %s of chat %s was not opened (%s)", topic.topic.value, topic.chat_id, failure.kind)
            if not failure.may_have_arrived:  # one that may exist is left to its lease: tried again only once it runs out
                async with runtime.open_session() as session:
                    await topic_refused(session=session, topic_id=topic.id, now=runtime.clock.now())
                    await session.commit()
            continue
        async with runtime.open_session() as session:
            await topic_created(session=session, topic_id=topic.id, thread_id=created.message_thread_id, now=runtime.clock.now())
            await session.commit()
        opened += 1
    return opened


async def _send_quiz(runtime: Runtime, bot: Bot, delivery: Delivery, now: datetime) -> Outcome:
    """A tip's quiz follows its text as a poll, stored at once: she may answer within a second. A quiz
    that must wait (a 429) waits alone: the text is never sent twice."""
    tip, person = delivery.broadcast.tip_slug, delivery.person
    if delivery.broadcast.kind != BroadcastKind.TIP or person is None or not tip:
        return Outcome(DeliveryStatus.SENT)
    quiz = tip_library().get(tip, person.locale).quiz
    if quiz is None:
        return Outcome(DeliveryStatus.SENT)
    try:
        message = await bot.send_poll(
            delivery.chat_id,
            quiz.question,
            quiz.options,
            is_anonymous=False,
            type=Poll.QUIZ,
            correct_option_ids=[quiz.correct],  # type: ignore[list-item]  # PTB wants a literal 0-11; `ecoach tips check` keeps it below 10
            explanation=quiz.explanation,
        )
    except TelegramError as exc:
        failure = classify(exc)
        again = retry_at(failure, delivery.attempts, now) if not failure.may_have_arrived else None
        if again is not None:
            return Outcome(DeliveryStatus.PENDING, again, stage=1)
        log.warning("the quiz of delivery %s was not sent (%s)", delivery.id, failure.kind)
        return Outcome(DeliveryStatus.SENT)
    assert message.poll is not None
    async with runtime.open_session() as session:
        session.add(QuizPoll(poll_id=message.poll.id, person_id=person.id, tip_slug=tip, correct_option=quiz.correct, sent_at=now))
        await session.commit()
    return Outcome(DeliveryStatus.SENT)


async def _deliver_and_settle(runtime: Runtime, bot: Bot, delivery: Delivery) -> bool:
    """Deliver, and record the outcome at once: what Telegram took and was not yet recorded is the only
    thing a kill can send twice, so that window is one send long."""
    outcome = await _deliver(runtime, bot, delivery)
    if outcome.held:
        return False
    async with runtime.open_session() as session:
        await settle(
            session=session,
            delivery_id=delivery.id,
            status=outcome.status,
            now=runtime.clock.now(),
            retry_at=outcome.retry_at,
            stage=outcome.stage,
        )
        if outcome.status == DeliveryStatus.BLOCKED and delivery.person_id is not None:
            await stop_sending_to(session=session, person_id=delivery.person_id)
        await session.commit()
    return outcome.status == DeliveryStatus.SENT


async def sweep_broadcasts(runtime: Runtime, bot: Bot) -> int:
    """Send every due delivery at Telegram's pace; return how many were sent.

    Deliveries are claimed a batch at a time under a lease, and the next batch is claimed while the
    last is still going out (send_claimed), so a broadcast keeps the bulk lane full. Deliveries a dead
    process held are sent again once their lease runs out (at least once), and a send that timed out
    after Telegram may have taken it is left to the lease.
    """
    claimed: deque[Delivery] = deque()

    async def claim_next() -> Delivery | None:
        if not claimed:
            async with runtime.open_session() as session:
                claimed.extend(await claim_batch(session=session, now=runtime.clock.now(), size=CLAIM_AHEAD, lease=runtime.settings.lease))
                await session.commit()
        return claimed.popleft() if claimed else None

    async def send(delivery: Delivery) -> int:
        return int(await _deliver_and_settle(runtime, bot, delivery))

    try:
        return await send_claimed(claim_next, send, lambda: runtime.stopping)
    finally:
        if claimed:  # stopping: what was claimed and not yet sent goes back as it was, not to its lease
            async with runtime.open_session() as session:
                for delivery in claimed:
                    await settle(
                        session=session, delivery_id=delivery.id, status=DeliveryStatus.PENDING, now=runtime.clock.now(),
                        retry_at=delivery.due_at, stage=delivery.stage,
                    )  # fmt: skip
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
