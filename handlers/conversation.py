"""Private messages and buttons that belong to a conversation, /batal, and what falls outside."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import engine
from db.drafts import active_draft


async def on_private_message(update: Update, context: EcoachContext) -> None:
    """Hand her message to the conversation she is in; outside one, point to the commands."""
    from handlers.logbook import on_stray_file

    if await engine.on_message(update, context) or await on_stray_file(update, context):
        return
    await context.reply(update, "input.no_conversation")


async def cancel(update: Update, context: EcoachContext) -> None:
    """Leave the current conversation. Onboarding is only paused, so no answer is lost."""
    assert update.effective_user is not None
    draft = await active_draft(session=context.session, telegram_id=update.effective_user.id)
    if draft is None:
        await context.reply(update, "cancel.nothing")
        return
    flow = engine.FLOWS.get(draft.flow)
    if flow is not None and flow.keep_on_cancel:
        draft.paused = True
        await context.reply(update, "cancel.paused")
    else:
        await context.session.delete(draft)
        await context.reply(update, "cancel.done")


async def on_unknown_button(update: Update, context: EcoachContext) -> None:
    """Old, foreign or forged button data: answer, and change nothing."""
    assert update.callback_query is not None
    await update.callback_query.answer(context.text("input.stale_button"))


async def on_unknown_command(update: Update, context: EcoachContext) -> None:
    await context.reply(update, "input.unknown_command")
