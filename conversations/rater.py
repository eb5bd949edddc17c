"""Feedback from a supervisor, peer or colleague: her personal links, and the five short questions a
rater answers from one."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import engine
from conversations.engine import ChoiceStep, Flow, OptionalTextStep, Prompt, Turn
from db.cohorts import invite_link
from db.models import Person, RaterLink
from db.raters import QUESTIONS, issue_links, save_response
from db.schedule import local

COMMENT_LIMIT = 1000


class ScoreStep(ChoiceStep):
    def __init__(self, question: str, number: int) -> None:
        super().__init__(question, key="rater.question", options=[str(n) for n in range(1, 6)], labels="choices.confidence", per_row=5)
        self.number = number

    async def prompt(self, turn: Turn) -> Prompt:
        prompt = await super().prompt(turn)
        prompt.values.update(number=self.number, question=turn.text(f"rater.q_{self.name}", name=turn.data["name"]))
        if self.number == 1:  # the welcome travels with the first question: one message, sent after the draft is stored
            prompt.values["intro"] = turn.text("rater.intro", name=turn.data["name"], role=turn.data["role"])
            prompt.key = "rater.first_question"
        return prompt


class RaterFlow(Flow):
    code = "rt"

    async def finish(self, turn: Turn) -> None:
        scores = {q: int(turn.data[q]) for q in QUESTIONS}
        saved = await save_response(
            session=turn.session,
            link_id=turn.data["link_id"],
            rater_telegram_id=turn.telegram_id,
            scores=scores,
            comment=turn.data.get("comment"),
            now=turn.now,
        )
        await turn.context.reply(turn.update, "rater.thanks" if saved else "rater.already", name=turn.data["name"])  # already, or closed


RATER = engine.register(
    RaterFlow(
        [*(ScoreStep(q, n) for n, q in enumerate(QUESTIONS, 1)), OptionalTextStep("comment", key="rater.comment", limit=COMMENT_LIMIT)]
    )
)


async def begin(context: EcoachContext, update: Update, link: RaterLink) -> None:
    role = context.text(f"choices.rater_role.{link.role.value}")
    await engine.start(context, update, RATER, {"link_id": link.id, "name": link.person.name, "role": role})


async def send_rater_links(update: Update, context: EcoachContext, person: Person) -> None:
    """Her three links to forward (supervisor, peer, unit), valid 30 days."""
    links = await issue_links(session=context.session, person_id=person.id, now=context.runtime.clock.now())
    username = context.bot.username
    rows = [
        {
            "role": context.text(f"choices.rater_role.{link.role.value}"),
            "url": invite_link(username, link.code),
            "expires": local(link.expires_at, person.timezone).date(),
        }
        for link in links
    ]
    await context.reply(update, "rater.links", links=rows)
