"""Short conversations around logbook entries: her edit, a coach's feedback, a stray file."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import engine
from bot.kernel.parsing import Invalid
from conversations.engine import END, ChoiceStep, Flow, TextStep, Turn
from conversations.logbook import TEXT_LIMIT
from db.logbook import EvidenceItem, add_evidence, add_feedback, editable, entry_for_coach, latest_entry, own_entry
from db.plans import current_pap

FEEDBACK_LIMIT = 2000


class EntryEdit(Flow):
    """She rewrites what was done, within 24 hours of the entry."""

    code = "le"

    async def finish(self, turn: Turn) -> None:
        entry = await own_entry(session=turn.session, person_id=turn.data["person_id"], entry_id=turn.data["entry_id"])
        if entry is None or not editable(entry, turn.now):
            await turn.context.reply(turn.update, "logbook.edit_closed")
            return
        entry.text, entry.updated_at = turn.data["text"], turn.now
        await turn.context.reply(turn.update, "logbook.edited")


ENTRY_EDIT = engine.register(EntryEdit([TextStep("text", key="logbook.edit_text", limit=TEXT_LIMIT)]))


class CoachFeedback(Flow):
    """A coach writes feedback on an entry; it is stored and delivered to the alumna."""

    code = "cf"

    async def finish(self, turn: Turn) -> None:
        from handlers.logbook import deliver_feedback

        found = await entry_for_coach(session=turn.session, entry_id=turn.data["entry_id"], coach_telegram_id=turn.telegram_id)
        if found is None:
            await turn.context.reply(turn.update, "coach.not_your_cohort")
            return
        entry, coach = found
        feedback = await add_feedback(session=turn.session, entry=entry, coach=coach, text=turn.data["text"], now=turn.now)
        await turn.context.reply(turn.update, "feedback.sent")
        await deliver_feedback(turn.context, feedback.id)


COACH_FEEDBACK = engine.register(CoachFeedback([TextStep("text", key="feedback.prompt", limit=FEEDBACK_LIMIT)]))


class AttachWhereStep(ChoiceStep):
    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        item = EvidenceItem.from_dict(turn.data["item"])
        if value == "new":
            from conversations import logbook

            pap = await current_pap(session=turn.session, telegram_id=turn.telegram_id)
            if pap is None:
                raise Invalid("plan.gone")
            await turn.session.delete(turn.draft)
            await logbook.begin(turn.context, turn.update, pap, [item.as_dict()])
            return END
        entry = await latest_entry(session=turn.session, person_id=turn.data["person_id"])
        if entry is None:
            raise Invalid("logbook.no_entry_yet")
        added = await add_evidence(session=turn.session, entry=entry, item=item, now=turn.now)
        await turn.session.delete(turn.draft)
        await turn.context.reply(turn.update, "logbook.attached" if added else "logbook.duplicate", when=entry.created_at.date())
        return END


class AttachStray(Flow):
    """A photo or document sent outside a conversation: a new entry, or her latest one?"""

    code = "ea"


ATTACH_STRAY = engine.register(
    AttachStray([AttachWhereStep("where", key="logbook.stray", options=["new", "latest"], labels="choices.attach", per_row=1)])
)


async def begin_edit(context: EcoachContext, update: Update, person_id: int, entry_id: int, current: str) -> None:
    await engine.start(context, update, ENTRY_EDIT, {"person_id": person_id, "entry_id": entry_id, "text": current}, step="text")


async def begin_feedback(context: EcoachContext, update: Update, entry_id: int, alumna: str) -> None:
    await engine.start(context, update, COACH_FEEDBACK, {"entry_id": entry_id, "alumna": alumna})


async def begin_attach(context: EcoachContext, update: Update, person_id: int, item: dict[str, Any]) -> None:
    await engine.start(context, update, ATTACH_STRAY, {"person_id": person_id, "item": item})


