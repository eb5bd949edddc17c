"""The PAP logbook: /logbook (/log), /logbook_saya (/mylog) with edit and delete, files sent outside a
conversation, and the coach's feedback and verification buttons."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import CoachOnEntry, MyEntry
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, not_enrolled, requires_alumna
from bot.kernel.notices import notify
from bot.kernel.telegram import send_html
from conversations import logbook
from conversations.evidence import Refused, attachment, keep_copy, remove_files, send_evidence
from db.logbook import delete_entry, editable, entry_for_coach, own_entry, recent_entries, verify_entry
from db.models import Evidence, EvidenceKind, LogEntry, Pap, Person
from db.plans import current_pap


@requires_alumna
async def start_logbook(update: Update, context: EcoachContext, person: Person) -> None:
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pap is None:
        await not_enrolled(update, context)
        return
    await logbook.begin(context, update, pap)


async def on_stray_file(update: Update, context: EcoachContext) -> bool:
    """A photo or document outside a conversation: keep it, and ask where it belongs. False when the
    message carries no file."""
    assert update.effective_user is not None and update.message is not None
    try:
        item = attachment(update.message)
    except Refused as refused:
        await context.send(update, context.text(refused.key, **refused.values))
        return True
    if item is None:
        return False
    pap = await current_pap(session=context.session, telegram_id=update.effective_user.id)
    if pap is None:
        await not_enrolled(update, context)
        return True
    settings = context.runtime.settings
    try:
        kept = await keep_copy(context.bot, settings.data_dir, pap.person_id, item, settings.max_evidence_mb)
    except Refused as refused:
        await context.send(update, context.text(refused.key, **refused.values))
        return True
    await logbook.begin_attach(context, update, pap.person_id, kept.as_dict())
    return True


@requires_alumna
async def my_log(update: Update, context: EcoachContext, person: Person) -> None:
    """Her recent entries; those under 24 hours old can be edited or deleted."""
    entries = await recent_entries(session=context.session, person_id=person.id)
    if not entries:
        await context.reply(update, "logbook.none")
        return
    now = context.runtime.clock.now()
    rows = [
        [
            MyEntry("edit", entry.id).key(context.text("logbook.button_edit", number=number)),
            MyEntry("delete", entry.id).key(context.text("logbook.button_delete", number=number)),
        ]
        for number, entry in enumerate(entries, 1)
        if editable(entry, now)
    ]
    body = context.text("logbook.list", entries=[_summary(e) for e in entries])
    await context.send(update, body, InlineKeyboardMarkup(rows) if rows else None)


def _summary(entry: LogEntry) -> dict[str, object]:
    return {
        "date": entry.created_at.date(),
        "milestone": entry.milestone.title if entry.milestone else None,
        "progress": entry.progress,
        "text": entry.text,
        "evidence": len(entry.evidence),
        "feedback": len(entry.feedback),
        "verified": entry.verified_at is not None,
    }


@requires_alumna
async def on_my_entry_button(update: Update, context: EcoachContext, person: Person) -> None:
    """Edit, delete, or confirm the deletion of one of her own entries, inside the 24 hours."""
    pressed = MyEntry.parse(update.callback_query.data if update.callback_query else None)
    entry = await own_entry(session=context.session, person_id=person.id, entry_id=pressed.entry_id) if pressed else None
    if pressed is None or entry is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    if pressed.action == "keep":
        await context.reply(update, "logbook.kept")
        return
    if not editable(entry, context.runtime.clock.now()):
        await context.reply(update, "logbook.edit_closed")
        return
    if pressed.action == "edit":
        await logbook.begin_edit(context, update, person.id, entry.id, entry.text)
    elif pressed.action == "delete":
        confirm = InlineKeyboardMarkup(
            [[MyEntry("confirm_delete", entry.id).key(context.text("logbook.button_confirm_delete")),
              MyEntry("keep", entry.id).key(context.text("input.button_cancel"))]]
        )  # fmt: skip
        await context.reply(update, "logbook.confirm_delete", text=entry.text, reply_markup=confirm)
    elif pressed.action == "confirm_delete":
        paths = await delete_entry(session=context.session, entry=entry)
        await context.reply(update, "logbook.deleted")
        remove_files(context.runtime.settings.data_dir, paths)


async def on_coach_button(update: Update, context: EcoachContext) -> None:
    """See the evidence of, give feedback on, or verify an entry: only a coach of that entry's cohort may."""
    assert update.effective_user is not None
    pressed = CoachOnEntry.parse(update.callback_query.data if update.callback_query else None)
    found = None
    if pressed is not None:
        found = await entry_for_coach(session=context.session, entry_id=pressed.entry_id, coach_telegram_id=update.effective_user.id)
    if pressed is None or found is None:
        await answer_button(update, context.text("coach.not_your_cohort"))
        return
    entry, coach = found
    await answer_button(update)
    pap = await context.session.scalar(select(Pap).where(Pap.id == entry.pap_id).options(selectinload(Pap.person)))
    assert pap is not None
    if pressed.action == "feedback":
        await logbook.begin_feedback(context, update, entry.id, pap.person.name)
        return
    if pressed.action == "evidence":
        await _show_evidence(update, context, entry, pap.person.name)
        return
    newly = await verify_entry(session=context.session, entry=entry, coach=coach, now=context.runtime.clock.now())
    if newly:
        body = context.runtime.texts.render(pap.person.locale, "feedback.verified_alumna", coach=coach.name, date=entry.created_at.date())
        await notify(context, pap.person.telegram_id, body, about=pap.person.id)
    await context.reply(update, "feedback.verified" if newly else "feedback.already_verified")


async def _show_evidence(update: Update, context: EcoachContext, entry: LogEntry, name: str) -> None:
    """The entry's files in the coach's private chat, then its links, and then the offer to verify."""
    assert update.effective_user is not None
    chat_id = update.effective_user.id  # never the group, whichever chat the button was in
    items = list(await context.session.scalars(select(Evidence).where(Evidence.entry_id == entry.id).order_by(Evidence.id)))
    await context.session.commit()
    await send_evidence(context.bot, chat_id, items)
    buttons = [[CoachOnEntry("feedback", entry.id).key(context.text("feedback.button"))]]
    if entry.verified_at is None:
        buttons[0].append(CoachOnEntry("verify", entry.id).key(context.text("feedback.verify_button")))
    body = context.text(
        "feedback.evidence_shown",
        name=name,
        date=entry.created_at.date(),
        photos=sum(1 for i in items if i.kind == EvidenceKind.PHOTO),
        documents=sum(1 for i in items if i.kind == EvidenceKind.DOCUMENT),
        links=[i.url for i in items if i.kind == EvidenceKind.LINK and i.url],
        verified=entry.verified_at is not None,
    )
    await send_html(context.bot, chat_id, body, InlineKeyboardMarkup(buttons), patient=True)
