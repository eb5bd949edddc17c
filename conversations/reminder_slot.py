"""Changing the weekly reflection reminder's day and time, from /pengingat."""

from __future__ import annotations

from datetime import time

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Turn
from conversations.onboarding import ReminderTimeStep
from db.models import Person
from db.reminders import replan_reflection_reminders


class ReminderSlot(Flow):
    code = "rs"

    async def finish(self, turn: Turn) -> None:
        person = await turn.session.get(Person, turn.data["person_id"])
        assert person is not None
        person.reflection_weekday = int(turn.data["weekday"])
        person.reflection_time = time.fromisoformat(turn.data["time"])
        person.updated_at = turn.now
        await replan_reflection_reminders(session=turn.session, person=person, now=turn.now)
        from handlers.reminders import show_reminders  # the view lives with the /pengingat command

        await show_reminders(turn.update, turn.context, saved=True)


REMINDER_SLOT = engine.register(
    ReminderSlot(
        [
            ChoiceStep("weekday", key="reminders.weekday", options=[str(day) for day in range(7)], labels="choices.weekday", per_row=4),
            ReminderTimeStep(),
        ]
    )
)


async def begin(context: EcoachContext, update: Update, person: Person) -> None:
    await engine.start(context, update, REMINDER_SLOT, {"person_id": person.id})
