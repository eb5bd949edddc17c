"""The mentor's three conversations: her consent (a step of her own draft, so only the person who
opened the link can answer it), the monthly dialogue's two questions, and a message of support."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.notices import notify
from conversations import engine
from conversations.engine import ChoiceStep, Flow, OptionalTextStep, Prompt, TextStep, Turn
from db.coaching import cohort_of_alumna
from db.logbook import coaches_of
from db.mentors import OBSTACLE_MAX, SUPPORT_MAX, answer, consent, link_of_mentor, open_dialogue
from db.models import MentorLink, Person


async def _tell(context: EcoachContext, person: Person, key: str, **values: Any) -> None:
    await notify(context, person.telegram_id, context.runtime.texts.render(person.locale, key, **values), about=person.id)


class Consent(Flow):
    code = "mc"

    async def finish(self, turn: Turn) -> None:
        link = await turn.session.get(MentorLink, turn.data["link_id"])
        if link is None or link.ended_at is not None:
            await turn.context.reply(turn.update, "mentor.refused_unknown")
            return
        alumna = await turn.session.get(Person, link.person_id)
        assert alumna is not None
        if turn.data["answer"] != "agree":
            await _tell(turn.context, alumna, "mentor.declined_to_alumna")
            await turn.context.reply(turn.update, "mentor.declined", name=alumna.name)
            return
        user = turn.update.effective_user
        assert user is not None
        name = user.full_name
        if not await consent(
            session=turn.session, link=link, telegram_id=turn.telegram_id, name=name, locale=turn.context.locale, now=turn.now
        ):
            await turn.context.reply(turn.update, "mentor.refused_taken")
            return
        await _tell(turn.context, alumna, "mentor.linked_to_alumna", mentor=name)
        await turn.context.reply(turn.update, "mentor.welcome", name=alumna.name, next_at=link.next_dialogue_at)


class ConsentStep(ChoiceStep):
    """Exactly what she will see, and what she never will, before she agrees."""

    def __init__(self) -> None:
        super().__init__("answer", key="mentor.consent", options=["agree", "decline"], labels="choices.mentor_consent", per_row=1)

    async def prompt(self, turn: Turn) -> Prompt:
        prompt = await super().prompt(turn)
        prompt.values["name"] = turn.data["name"]
        return prompt


CONSENT = engine.register(Consent([ConsentStep()]))


class Dialogue(Flow):
    code = "md"

    def after(self, turn: Turn, step: str) -> str:
        if step == "opportunity" and turn.data["opportunity"] == "no":
            return engine.DONE
        return super().after(turn, step)

    async def finish(self, turn: Turn) -> None:
        dialogue = await open_dialogue(session=turn.session, dialogue_id=turn.data["dialogue_id"], telegram_id=turn.telegram_id)
        if dialogue is None:
            await turn.context.reply(turn.update, "mentor.dialogue_gone")
            return
        data, alumna = turn.data, dialogue.link.person
        opportunity = data["opportunity"] == "yes"
        await answer(
            session=turn.session, dialogue=dialogue, obstacle=data.get("obstacle"), opportunity=opportunity,
            detail=data.get("detail") if opportunity else None, now=turn.now,
        )  # fmt: skip
        told = {"mentor": dialogue.link.mentor_name or "", "d": dialogue, "name": alumna.name}
        await _tell(turn.context, alumna, "mentor.answers", to_alumna=True, **told)
        cohort = await cohort_of_alumna(session=turn.session, person_id=alumna.id)
        for coach in await coaches_of(session=turn.session, cohort_id=cohort.id) if cohort else []:
            body = turn.context.runtime.texts.render(coach.locale, "mentor.answers", to_alumna=False, **told)
            await notify(turn.context, coach.telegram_id, body, about=alumna.id)
        await turn.context.reply(turn.update, "mentor.thanks", name=alumna.name)


DIALOGUE = engine.register(
    Dialogue(
        [
            OptionalTextStep("obstacle", key="mentor.q_obstacle", limit=OBSTACLE_MAX, shows=("name",)),
            ChoiceStep("opportunity", key="mentor.q_opportunity", options=["yes", "no"], labels="choices.yes_no"),
            OptionalTextStep("detail", key="mentor.q_detail", limit=OBSTACLE_MAX),
        ]
    )
)


class SupportStep(TextStep):
    def __init__(self) -> None:
        super().__init__("text", key="mentor.support_prompt", limit=SUPPORT_MAX, shows=("name",))


class Support(Flow):
    code = "ms"

    async def finish(self, turn: Turn) -> None:
        link = await link_of_mentor(session=turn.session, link_id=turn.data["link_id"], telegram_id=turn.telegram_id)
        if link is None:
            await turn.context.reply(turn.update, "mentor.dialogue_gone")
            return
        await _tell(turn.context, link.person, "mentor.support", mentor=link.mentor_name or "", text=turn.data["text"])
        await turn.context.reply(turn.update, "mentor.support_sent", name=link.person.name)


SUPPORT = engine.register(Support([SupportStep()]))


async def begin_consent(context: EcoachContext, update: Update, link: MentorLink) -> None:
    await engine.start(context, update, CONSENT, {"link_id": link.id, "name": link.person.name})


async def begin_dialogue(context: EcoachContext, update: Update, dialogue_id: int, name: str) -> None:
    await engine.start(context, update, DIALOGUE, {"dialogue_id": dialogue_id, "name": name})


async def begin_support(context: EcoachContext, update: Update, link: MentorLink) -> None:
    await engine.start(context, update, SUPPORT, {"link_id": link.id, "name": link.person.name})
