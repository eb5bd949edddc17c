"""/refleksi (/reflect): the weekly reflection, one question at a time, about two minutes."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import engine
from bot.kernel.parsing import Invalid
from conversations.engine import ChoiceStep, Flow, Prompt, TextStep, Turn
from db.models import CompetencyDomain, Person
from db.reflections import ReflectionAnswers, reflection_for_week, save_reflection
from db.schedule import iso_week, week_start

ANSWER_LIMIT = 1000
OPEN_QUESTIONS = ("went_well", "challenge", "learned", "next_step")


class OpenQuestion(TextStep):
    """A free-text question she may skip; when editing, she may keep her earlier answer."""

    def __init__(self, name: str) -> None:
        super().__init__(name, key=f"reflection.{name}", limit=ANSWER_LIMIT)

    async def prompt(self, turn: Turn) -> Prompt:
        prompt = await super().prompt(turn)
        if turn.data.get("editing") and turn.data.get(self.name):
            prompt.buttons = [[(turn.text("reflection.keep"), "keep")]]
        else:
            prompt.buttons = [[(turn.text("input.skip"), "skip")]]
        prompt.values["week"] = turn.data["week"]
        return prompt

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "skip":
            turn.set(self.name, None)
        elif value != "keep":
            raise Invalid("input.use_buttons")
        return None


class ExistingStep(ChoiceStep):
    """She already reflected this week: edit that reflection, or leave it as it is."""

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        if value == "keep":
            await turn.session.delete(turn.draft)
            await turn.context.reply(turn.update, "reflection.kept")
            return engine.END
        return None


class Reflection(Flow):
    code = "rf"

    async def finish(self, turn: Turn) -> None:
        data = turn.data
        person = await turn.session.get(Person, data["person_id"])
        assert person is not None
        answers = ReflectionAnswers(
            went_well=data.get("went_well"), challenge=data.get("challenge"), learned=data.get("learned"),
            domain=CompetencyDomain(data["domain"]), confidence=int(data["confidence"]),
            next_step=data.get("next_step"), shared=data["share"] == "share",
        )
        await save_reflection(session=turn.session, person=person, week_year=data["week_year"], week=data["week"], answers=answers, now=turn.now)
        await turn.context.reply(turn.update, "reflection.saved", shared=answers.shared, next_step=answers.next_step)


REFLECTION = engine.register(
    Reflection(
        [
            ExistingStep("existing", key="reflection.existing", options=["edit", "keep"], labels="choices.existing", per_row=1),
            OpenQuestion("went_well"),
            OpenQuestion("challenge"),
            OpenQuestion("learned"),
            ChoiceStep("domain", key="reflection.domain", options=[d.value for d in CompetencyDomain], labels="choices.domain", per_row=1),
            ChoiceStep("confidence", key="reflection.confidence", options=[str(n) for n in range(1, 6)], labels="choices.confidence", per_row=5),
            OpenQuestion("next_step"),
            ChoiceStep("share", key="reflection.share", options=["private", "share"], labels="choices.share", per_row=1),
        ]
    )
)


async def begin(update: Update, context: EcoachContext) -> None:
    """Start this week's reflection, or offer to edit it if she already wrote one."""
    from handlers.plan import enrolled_alumna  # handlers import conversations, not the other way round at load

    person = await enrolled_alumna(update, context)
    if person is None:
        return
    year, week = iso_week(context.runtime.clock.now(), person.timezone)
    data: dict[str, Any] = {"person_id": person.id, "week_year": year, "week": week, "monday": week_start(year, week).isoformat()}
    existing = await reflection_for_week(session=context.session, person_id=person.id, week_year=year, week=week)
    if existing is None:
        await engine.start(context, update, REFLECTION, data, step="went_well")
        return
    data.update({name: getattr(existing, name) for name in OPEN_QUESTIONS})
    data.update(editing=True, domain=existing.domain.value, confidence=str(existing.confidence), share="share" if existing.shared else "private")
    await engine.start(context, update, REFLECTION, data, step="existing")

