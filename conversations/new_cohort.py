"""/angkatan_baru (/newcohort): an organizer creates a cohort from the chat."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid, clean_text, read_date
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, TextStep, Turn
from db.cohorts import MAX_MONTHS, MIN_MONTHS, NAME_MAX, create_cohort, invite_link, name_taken


class NameStep(TextStep):
    """Its name, which no other cohort has: two of the same name would be told apart by no one."""

    def __init__(self) -> None:
        super().__init__("name", key="new_cohort.name", limit=NAME_MAX)

    async def on_text(self, turn: Turn, text: str) -> str | None:
        name = clean_text(text, NAME_MAX)
        if await name_taken(session=turn.session, name=name):
            raise Invalid("new_cohort.name_taken", name=name)
        turn.set("name", name)
        return None


class TrainingEndStep(Step):
    name = "training_end"
    window = timedelta(days=730)  # two years either side of today

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("new_cohort.training_end", {"name": turn.data["name"]})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        today = turn.now.date()
        turn.set("training_end", read_date(text, today - self.window, today + self.window).isoformat())
        return None


class NewCohort(Flow):
    code = "nc"

    async def finish(self, turn: Turn) -> None:
        cohort = await create_cohort(
            session=turn.session,
            name=turn.data["name"],
            training_end=date.fromisoformat(turn.data["training_end"]),
            months=int(turn.data["months"]),
            now=turn.now,
        )
        username = turn.context.bot.username
        await turn.context.reply(
            turn.update,
            "new_cohort.created",
            name=cohort.name,
            training_end=cohort.training_end,
            months=cohort.monitoring_months,
            alumni_link=invite_link(username, cohort.alumni_code),
            coach_link=invite_link(username, cohort.coach_code),
        )


NEW_COHORT = engine.register(
    NewCohort(
        [
            NameStep(),
            TrainingEndStep(),
            ChoiceStep(
                "months",
                key="new_cohort.months",
                options=[str(m) for m in range(MIN_MONTHS, MAX_MONTHS + 1)],
                labels="choices.months",
                per_row=4,
            ),
        ]
    )
)


async def begin(context: EcoachContext, update: Update) -> None:
    await engine.start(context, update, NEW_COHORT, {})
