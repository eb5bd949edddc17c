"""/logbook (/log), /logbook_saya (/mylog), stray files, and the coaches' side of each entry."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.kernel.context import EcoachContext
from bot.evidence import Refused, attachment, keep_copy
from conversations import logbook, logbook_followups
from db.logbook import coaches_of, delete_entry, editable, entry_for_coach, notice_groups, own_entry, recent_entries, verify_entry
from db.models import Feedback, LogEntry, Pap
from db.plans import current_pap
from handlers.plan import not_enrolled

log = logging.getLogger(__name__)


async def start_logbook(update: Update, context: EcoachContext) -> None:
    assert update.effective_user is not None
    pap = await current_pap(session=context.session, telegram_id=update.effective_user.id)
    if pap is None:
        await not_enrolled(update, context)
        return
    await logbook.begin(context, update, pap)


async def on_stray_file(update: Update, context: EcoachContext) -> bool:
    """A photo or document outside a conversation: keep it, and ask where it belongs."""
    assert update.effective_user is not None and update.message is not None
    try:
        item = attachment(update.message)
    except Refused as refused:
        await context.reply(update, refused.key)
        return True
    if item is None:
        return False
    pap = await current_pap(session=context.session, telegram_id=update.effective_user.id)
    if pap is None:
        await not_enrolled(update, context)
        return True
    kept = await keep_copy(context.bot, context.runtime.settings.data_dir, pap.person_id, item)
    await logbook_followups.begin_attach(context, update, pap.person_id, kept.as_dict())
    return True


async def my_log(update: Update, context: EcoachContext) -> None:
    """Her recent entries; those under 24 hours old can be edited or deleted."""
    assert update.effective_user is not None
    pap = await current_pap(session=context.session, telegram_id=update.effective_user.id)
    if pap is None:
        await not_enrolled(update, context)
        return
    entries = await recent_entries(session=context.session, person_id=pap.person_id)
    if not entries:
        await context.reply(update, "logbook.none")
        return
    now = context.runtime.clock.now()
    rows = []
    for number, entry in enumerate(entries, 1):
        if editable(entry, now):
            rows.append([
                InlineKeyboardButton(context.text("logbook.button_edit", number=number), callback_data=f"lged|{entry.id}"),
                InlineKeyboardButton(context.text("logbook.button_delete", number=number), callback_data=f"lgdl|{entry.id}"),
            ])
    body = context.text("logbook.list", entries=[_summary(e) for e in entries])
    await context.send(update, body, InlineKeyboardMarkup(rows) if rows else None)


def _summary(entry: LogEntry) -> dict[str, object]:
    return {
        "date": entry.created_at.date(), "milestone": entry.milestone.title if entry.milestone else None,
        "progress": entry.progress, "text": entry.text, "evidence": len(entry.evidence),
        "feedback": len(entry.feedback), "verified": entry.verified_at is not None,
    }


async def on_my_log_button(update: Update, context: EcoachContext) -> None:
    """Edit, delete, or confirm the deletion of one of her own entries, inside the 24 hours."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    action, _, raw_id = (query.data or "").partition("|")
    pap = await current_pap(session=context.session, telegram_id=update.effective_user.id)
    entry = None
    if pap is not None and raw_id.isdigit():
        entry = await own_entry(session=context.session, person_id=pap.person_id, entry_id=int(raw_id))
    if entry is None:
        await query.answer(context.text("input.stale_button"))
        return
    await query.answer()
    if not editable(entry, context.runtime.clock.now()):
        await context.reply(update, "logbook.edit_closed")
        return
    if action == "lged":
        await logbook_followups.begin_edit(context, update, pap.person_id, entry.id, entry.text)
    elif action == "lgdl":
        confirm = InlineKeyboardMarkup([[InlineKeyboardButton(context.text("logbook.button_confirm_delete"), callback_data=f"lgdx|{entry.id}")]])
        await context.reply(update, "logbook.confirm_delete", text=entry.text, reply_markup=confirm)
    else:  # lgdx: confirmed
        paths = await delete_entry(session=context.session, entry=entry)
        await context.reply(update, "logbook.deleted")
        logbook.remove_files(context.runtime.settings.data_dir, paths)


async def announce_entry(context: EcoachContext, entry_id: int) -> None:
    """Tell her cohort's coaches privately; a coach group that asked gets name, milestone and progress only."""
    entry = await context.session.scalar(
        select(LogEntry).where(LogEntry.id == entry_id).options(selectinload(LogEntry.milestone), selectinload(LogEntry.evidence))
    )
    assert entry is not None
    pap = await context.session.scalar(select(Pap).where(Pap.id == entry.pap_id).options(selectinload(Pap.person), selectinload(Pap.cohort)))
    assert pap is not None
    texts = context.runtime.texts
    values = {"name": pap.person.name, "milestone": entry.milestone.title if entry.milestone else None, "progress": entry.progress}
    first_line = entry.text.strip().splitlines()[0][:200]
    for coach in await coaches_of(session=context.session, cohort_id=pap.cohort_id):
        buttons = InlineKeyboardMarkup([[
            InlineKeyboardButton(texts.render(coach.locale, "feedback.button"), callback_data=f"lgfb|{entry.id}"),
            InlineKeyboardButton(texts.render(coach.locale, "feedback.verify_button"), callback_data=f"lgvf|{entry.id}"),
        ]])
        body = texts.render(coach.locale, "feedback.notice", first_line=first_line, evidence=len(entry.evidence), **values)
        await send_quietly(context, coach.telegram_id, body, buttons)
    for chat_id in await notice_groups(session=context.session, cohort=pap.cohort):
        await send_quietly(context, chat_id, texts.render(context.runtime.settings.default_locale, "feedback.group_notice", **values))


async def send_quietly(context: EcoachContext, chat_id: int, body: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A notice that cannot be delivered (a coach blocked the bot) must not undo the entry."""
    try:
        await context.bot.send_message(chat_id, body, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:
        log.warning("notice to chat %s not delivered: %s", chat_id, exc.__class__.__name__)


async def on_coach_button(update: Update, context: EcoachContext) -> None:
    """Give feedback on, or verify, an entry: only a coach of that entry's cohort may."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    action, _, raw_id = (query.data or "").partition("|")
    found = None
    if raw_id.isdigit():
        found = await entry_for_coach(session=context.session, entry_id=int(raw_id), coach_telegram_id=update.effective_user.id)
    if found is None:
        await query.answer(context.text("coach.not_your_cohort"))
        return
    entry, coach = found
    await query.answer()
    if action == "lgfb":
        alumna = await context.session.scalar(select(Pap).where(Pap.id == entry.pap_id).options(selectinload(Pap.person)))
        await logbook_followups.begin_feedback(context, update, entry.id, alumna.person.name if alumna else "")
        return
    newly = await verify_entry(session=context.session, entry=entry, coach=coach, now=context.runtime.clock.now())
    await context.reply(update, "feedback.verified" if newly else "feedback.already_verified")
    if newly:
        pap = await context.session.scalar(select(Pap).where(Pap.id == entry.pap_id).options(selectinload(Pap.person)))
        assert pap is not None
        body = context.runtime.texts.render(pap.person.locale, "feedback.verified_alumna", coach=coach.name, date=entry.created_at.date())
        await send_quietly(context, pap.person.telegram_id, body)


async def deliver_feedback(context: EcoachContext, feedback_id: int) -> None:
    feedback = await context.session.scalar(
        select(Feedback).where(Feedback.id == feedback_id).options(selectinload(Feedback.entry), selectinload(Feedback.coach))
    )
    assert feedback is not None
    pap = await context.session.scalar(select(Pap).where(Pap.id == feedback.entry.pap_id).options(selectinload(Pap.person)))
    assert pap is not None
    person = pap.person
    body = context.runtime.texts.render(
        person.locale, "feedback.to_alumna", coach=feedback.coach.name, text=feedback.text,
        date=feedback.entry.created_at.date(), entry=feedback.entry.text.strip().splitlines()[0][:120],
    )
    await send_quietly(context, person.telegram_id, body)
