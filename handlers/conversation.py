"""Private messages and buttons that belong to a conversation, /batal, and what falls outside."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button
from conversations import engine
from conversations.evidence import remove_files
from db.drafts import active_draft
from db.logbook import draft_evidence_paths

# A feature's answer to a private message outside any conversation; True when it took the message.
Fallback = Callable[[Update, EcoachContext], Awaitable[bool]]


def private_messages(fallbacks: Sequence[Fallback]) -> Callable[[Update, EcoachContext], Coroutine[Any, Any, None]]:
    """The handler of private messages: her conversation first, then each feature's fallback in turn
    (such as a stray photo for the logbook); if none takes it, point to the commands."""

    async def on_private_message(update: Update, context: EcoachContext) -> None:
        if await engine.on_message(update, context):
            return
        for fallback in fallbacks:
            if await fallback(update, context):
                return
        await context.reply(update, "input.no_conversation")

    return on_private_message


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
        files = draft_evidence_paths(draft.data)  # a cancelled entry's evidence goes with it
        await context.session.delete(draft)
        await context.reply(update, "cancel.done")
        remove_files(context.runtime.settings.data_dir, files)


async def on_unknown_button(update: Update, context: EcoachContext) -> None:
    """Old, foreign or forged button data: answer, and change nothing."""
    await answer_button(update, context.text("input.stale_button"))


async def on_unknown_command(update: Update, context: EcoachContext) -> None:
    await context.reply(update, "input.unknown_command")
