"""Two-way contact with her coaches, kept as a thread: she writes (with /tanya_coach, or by just typing
outside a conversation and confirming), each coach of her cohort gets it privately with a Reply button,
and a coach's reply reaches her with a Reply button of her own."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import AskCoach, CoachReply
from bot.kernel.context import EcoachContext
from bot.kernel.notices import notify
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, TextStep, Turn
from db.coaching import alumna_in_cohort, cohort_of_alumna, is_coach
from db.contact import save_message
from db.logbook import coaches_of
from db.models import Person

MESSAGE_LIMIT = 1000


class ConfirmStep(ChoiceStep):
    async def prompt(self, turn: Turn) -> Prompt:
        prompt = await super().prompt(turn)
        prompt.values["text"] = turn.data["text"]
        return prompt

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        if value == "no":
            await turn.session.delete(turn.draft)
            await turn.context.reply(turn.update, "contact.not_sent")
            return engine.END
        return engine.DONE


class AskCoachFlow(Flow):
    code = "ask"

    async def finish(self, turn: Turn) -> None:
        person = await turn.session.get(Person, turn.data["person_id"])
        cohort = await cohort_of_alumna(session=turn.session, person_id=turn.data["person_id"])
        coaches = await coaches_of(session=turn.session, cohort_id=cohort.id) if cohort else []
        if person is None or cohort is None or not coaches:
            await turn.context.reply(turn.update, "contact.no_coach")
            return
        await save_message(session=turn.session, person_id=person.id, text=turn.data["text"], now=turn.now)
        texts = turn.context.runtime.texts
        user = turn.update.effective_user
        for coach in coaches:
            body = texts.render(
                coach.locale, "contact.to_coach", name=person.name, username=user.username if user else None, cohort=cohort.name,
                text=turn.data["text"],
            )  # fmt: skip
            reply = InlineKeyboardMarkup([[CoachReply(person.id).key(texts.render(coach.locale, "contact.button_reply"))]])
            await notify(turn.context, coach.telegram_id, body, reply, about=person.id)
        await turn.context.reply(turn.update, "contact.sent", coaches=[c.name for c in coaches])


ASK_COACH = engine.register(
    AskCoachFlow(
        [
            TextStep("text", key="contact.ask", limit=MESSAGE_LIMIT),
            ConfirmStep("confirm", key="contact.confirm", options=["yes", "no"], labels="choices.send_to_coach", per_row=1),
        ]
    )
)


class CoachReplyFlow(Flow):
    code = "rpl"

    async def finish(self, turn: Turn) -> None:
        alumna = await _alumna_for(turn.context, turn.telegram_id, turn.data["person_id"])
        coach = await turn.session.get(Person, turn.data["coach_id"])
        if alumna is None or coach is None:  # her coach no longer, or she is gone
            await turn.context.reply(turn.update, "coach.only_coaches")
            return
        await save_message(session=turn.session, person_id=alumna.id, coach_id=coach.id, text=turn.data["text"], now=turn.now)
        texts = turn.context.runtime.texts
        body = texts.render(alumna.locale, "contact.to_alumna", coach=coach.name, text=turn.data["text"])
        reply = InlineKeyboardMarkup([[AskCoach().key(texts.render(alumna.locale, "contact.button_reply"))]])
        await notify(turn.context, alumna.telegram_id, body, reply, about=alumna.id)
        await turn.context.reply(turn.update, "contact.reply_sent", name=alumna.name)


COACH_REPLY = engine.register(CoachReplyFlow([TextStep("text", key="contact.reply_prompt", limit=MESSAGE_LIMIT, shows=("name",))]))


async def _alumna_for(context: EcoachContext, coach_telegram_id: int, person_id: int) -> Person | None:
    """The alumna, when this person coaches her cohort (by numeric id)."""
    cohort = await cohort_of_alumna(session=context.session, person_id=person_id)
    if cohort is None or not await is_coach(session=context.session, telegram_id=coach_telegram_id, cohort_id=cohort.id):
        return None
    return await alumna_in_cohort(session=context.session, person_id=person_id, cohort_id=cohort.id)


async def begin_ask(context: EcoachContext, update: Update, person: Person, text: str | None = None) -> None:
    """Ask what to send; or, with `text` she already typed, only whether to send it."""
    data = {"person_id": person.id, **({"text": text} if text else {})}
    await engine.start(context, update, ASK_COACH, data, step="confirm" if text else None)


async def begin_reply(context: EcoachContext, update: Update, coach: Person, person_id: int) -> bool:
    """A coach answers her; False when this person does not coach her."""
    alumna = await _alumna_for(context, coach.telegram_id, person_id)
    if alumna is None:
        return False
    await engine.start(context, update, COACH_REPLY, {"person_id": alumna.id, "coach_id": coach.id, "name": alumna.name})
    return True
