"""/umpan_balik (/feedback): her feedback rounds, released only once closed with three raters or more."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import FeedbackAction
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, requires_alumna
from conversations.rater import send_rater_links
from db.models import Person
from db.raters import MIN_RATERS, close_round, open_round, released


@requires_alumna
async def feedback_command(update: Update, context: EcoachContext, person: Person) -> None:
    """Her open round (its links, and a button to close it) and her latest closed round's result."""
    await _show(update, context, person)


async def _show(update: Update, context: EcoachContext, person: Person) -> None:
    now = context.runtime.clock.now()
    current = await open_round(session=context.session, person_id=person.id, now=now)
    results = await released(session=context.session, person_id=person.id, now=now)
    result = next((r for r in results if r.averages is not None), None)
    too_few = bool(results) and results[0].averages is None and (result is None or results[0].round_id != result.round_id)
    averages = (
        [{"question": context.text(f"rater.label_{q}"), "score": score} for q, score in (result.averages or {}).items()] if result else []
    )
    action = FeedbackAction("close") if current else FeedbackAction("open")
    button = action.key(context.text("rater.button_close" if current else "rater.button_open"))
    body = context.text("rater.view", open=current, result=result, too_few=too_few, minimum=MIN_RATERS, averages=averages)
    await context.send(update, body, InlineKeyboardMarkup([[button]]))
    if current:
        await send_rater_links(update, context, person)


@requires_alumna
async def on_feedback_button(update: Update, context: EcoachContext, person: Person) -> None:
    pressed = FeedbackAction.parse(update.callback_query.data if update.callback_query else None)
    if pressed is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    now = context.runtime.clock.now()
    if pressed.action == "open":
        await send_rater_links(update, context, person)  # opens a round when none is open
    elif pressed.action == "close":
        markup = InlineKeyboardMarkup(
            [[FeedbackAction("close_confirmed").key(context.text("rater.button_close_confirmed")),
              FeedbackAction("cancel").key(context.text("input.button_cancel"))]]
        )  # fmt: skip
        await context.reply(update, "rater.confirm_close", minimum=MIN_RATERS, reply_markup=markup)
    elif pressed.action == "close_confirmed":
        if await close_round(session=context.session, person_id=person.id, now=now) is not None:
            await context.reply(update, "rater.closed")
        await _show(update, context, person)
    else:
        await context.reply(update, "cancel.done")
