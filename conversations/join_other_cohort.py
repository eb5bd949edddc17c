"""An enrolled alumna opens another cohort's invite: say what will happen, and ask."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import engine, onboarding
from bot.kernel.parsing import Invalid
from conversations.engine import END, Flow, Prompt, Step, Turn
from db.cohorts import Cohort


class ConfirmStep(Step):
    name = "confirm"

    async def prompt(self, turn: Turn) -> Prompt:
        buttons = [[(turn.text("join.yes"), "yes")], [(turn.text("join.no"), "no")]]
        return Prompt("join.confirm", {"current": turn.data["current_name"], "new": turn.data["cohort_name"]}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "yes":
            return engine.DONE
        if value == "no":
            await turn.session.delete(turn.draft)
            await turn.context.reply(turn.update, "join.kept", current=turn.data["current_name"])
            return END
        raise Invalid("input.use_buttons")


class JoinOtherCohort(Flow):
    code = "jc"

    async def finish(self, turn: Turn) -> None:
        cohort = await turn.session.get(Cohort, turn.data["cohort_id"])
        assert cohort is not None
        await onboarding.begin(turn.context, turn.update, cohort)


JOIN_OTHER_COHORT = engine.register(JoinOtherCohort([ConfirmStep()]))


async def begin(context: EcoachContext, update: Update, cohort: Cohort, current: Cohort) -> None:
    data = {"cohort_id": cohort.id, "cohort_name": cohort.name, "current_name": current.name}
    await engine.start(context, update, JOIN_OTHER_COHORT, data)
