"""Community of practice: /tips, /agenda, /umumkan, /status_siaran, /hubungkan_cop, quiz answers, blocks."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.kernel.context import EcoachContext
from conversations import announce
from db.broadcasts import recent_broadcasts, record_quiz_answer, stop_sending_to, upcoming_events
from db.models import Cohort, CopChat, Membership, Person, QuizPoll, Role
from db.people import person_by_telegram_id
from db.schedule import local
from handlers.plan import enrolled_alumna, not_enrolled


def _is_admin(update: Update, context: EcoachContext) -> bool:
    return update.effective_user is not None and update.effective_user.id in context.runtime.settings.admin_ids


async def _coach_cohorts(context: EcoachContext, telegram_id: int) -> list[Cohort]:
    rows = await context.session.scalars(
        select(Cohort).join(Membership).join(Person).where(Person.telegram_id == telegram_id, Membership.role == Role.COACH).order_by(Cohort.name)
    )
    return list(rows)


async def tips_command(update: Update, context: EcoachContext) -> None:
    """/tips: her weekly microlearning tip, on or off."""
    person = await enrolled_alumna(update, context)
    if person is None:
        return
    choice = context.args[0].lower() if context.args else ""
    if choice in ("on", "off"):
        person.tips_on = choice == "on"
    toggle = "off" if person.tips_on else "on"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(context.text(f"tips.button_{toggle}"), callback_data=f"tip|{toggle}")]])
    await context.reply(update, "tips.status", on=person.tips_on, reply_markup=markup)


async def on_tips_button(update: Update, context: EcoachContext) -> None:
    query = update.callback_query
    assert query is not None
    context.args = [(query.data or "").partition("|")[2]]
    await query.answer()
    await tips_command(update, context)


async def agenda(update: Update, context: EcoachContext) -> None:
    """/agenda: upcoming events for her cohort and the whole community."""
    assert update.effective_user is not None
    telegram_id = update.effective_user.id
    person = await person_by_telegram_id(session=context.session, telegram_id=telegram_id)
    cohort_ids: list[int] | None
    if _is_admin(update, context):
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
    """/umumkan: organizers to anyone; coaches to their cohorts or the whole community."""
    assert update.effective_user is not None
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        await context.reply(update, "coach.member_private")
        return
    if _is_admin(update, context):
        cohorts = list(await context.session.scalars(select(Cohort).order_by(Cohort.training_end.desc()).limit(20)))
    else:
        cohorts = await _coach_cohorts(context, update.effective_user.id)
        if not cohorts:
            await context.reply(update, "coach.only_coaches")
            return
    person = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    await announce.begin(context, update, [(c.id, c.name) for c in cohorts], person.id if person else None)


async def broadcast_status(update: Update, context: EcoachContext) -> None:
    """/status_siaran: sent, pending, failed and blocked counts of recent broadcasts."""
    assert update.effective_user is not None
    if _is_admin(update, context):
        cohort_ids = None
    else:
        cohorts = await _coach_cohorts(context, update.effective_user.id)
        if not cohorts:
            await context.reply(update, "coach.only_coaches")
            return
        cohort_ids = [c.id for c in cohorts]
    statuses = await recent_broadcasts(session=context.session, cohort_ids=cohort_ids)
    rows = [
        {"id": s.broadcast.id, "kind": context.text(f"choices.announcement.{s.broadcast.kind.value}"), "title": s.broadcast.title or s.broadcast.tip_slug,
         "counts": {k.value: v for k, v in s.counts.items()}}
        for s in statuses
    ]
    await context.reply(update, "broadcast.status", broadcasts=rows)


async def link_cop(update: Update, context: EcoachContext) -> None:
    """/hubungkan_cop in the community group (or with a channel's @name or id, privately): organizers only."""
    assert update.effective_user is not None and update.effective_chat is not None
    if not _is_admin(update, context):
        await context.reply(update, "admin.only")
        return
    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        if not context.args:
            await context.reply(update, "cop.usage")
            return
        target = context.args[0]
        try:
            chat = await context.bot.get_chat(int(target) if target.lstrip("-").isdigit() else target)
        except TelegramError:
            await context.reply(update, "cop.not_found")
            return
    existing = await context.session.scalar(select(CopChat).where(CopChat.chat_id == chat.id))
    if existing is None:
        context.session.add(CopChat(chat_id=chat.id, title=chat.title, linked_by=update.effective_user.id, linked_at=context.runtime.clock.now()))
    await context.reply(update, "cop.linked", title=chat.title or str(chat.id))


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
    for attempt in range(POLL_LOOKUPS):
        if await record_quiz_answer(session=session, poll_id=answer.poll_id, telegram_id=answer.user.id, option=answer.option_ids[0], now=context.runtime.clock.now()):
            await session.commit()
            return
        if await session.scalar(select(QuizPoll.poll_id).where(QuizPoll.poll_id == answer.poll_id)):
            return  # known poll: a repeat answer, or someone else's poll
        await session.commit()  # ends the transaction (keeping the update's record) before waiting
        await asyncio.sleep(0.2 * (attempt + 1))


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
