"""Alumni mentoring: choosing topics (competency domains and PAP themes) to offer or to ask for."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import MentoringAsk
from bot.kernel.context import EcoachContext
from bot.kernel.i18n import Texts, without_icon
from bot.kernel.parsing import Invalid
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, Turn
from db.mentoring import CAPACITIES, TOPICS, save_offer, save_request, suggest
from db.models import GalleryTheme
from db.people import person_by_telegram_id


def topic_label(texts: Texts, locale: str, topic: str) -> str:
    """A competency domain (seed 3.2) or a PAP theme, in words, without the button's icon."""
    themes = {t.value for t in GalleryTheme}
    return without_icon(str(texts.render(locale, f"choices.gallery_theme_short.{topic}" if topic in themes else f"choices.domain.{topic}")))


class TopicsStep(Step):
    """Topics tapped on and off, at least one; then Selesai."""

    name = "topics"

    def __init__(self, key: str) -> None:
        self.key = key

    async def prompt(self, turn: Turn) -> Prompt:
        chosen = set(turn.data.get("topics", []))
        rows = [
            [(("✅ " if topic in chosen else "") + topic_label(turn.context.runtime.texts, turn.context.locale, topic), topic)]
            for topic in TOPICS
        ]
        rows.append([(turn.text("mentoring.button_topics_done"), "done")])
        return Prompt(self.key, {"count": len(chosen)}, rows)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        chosen = list(turn.data.get("topics", []))
        if value == "done":
            if not chosen:
                raise Invalid("mentoring.no_topic")
            return None
        if value not in TOPICS:
            raise Invalid("input.use_buttons")
        if value in chosen:
            chosen.remove(value)
        else:
            chosen.append(value)
        turn.set("topics", chosen)
        return engine.STAY


class Offer(Flow):
    code = "mo"

    async def finish(self, turn: Turn) -> None:
        person = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
        if person is None:
            await turn.context.reply(turn.update, "plan.gone")
            return
        offer = await save_offer(
            session=turn.session, person=person, topics=turn.data["topics"], capacity=int(turn.data["capacity"]), now=turn.now
        )
        await turn.context.reply(
            turn.update,
            "mentoring.offered",
            topics=[topic_label(turn.context.runtime.texts, turn.context.locale, t) for t in offer.topics],
            capacity=offer.capacity,
        )


OFFER = engine.register(
    Offer(
        [
            TopicsStep("mentoring.offer_topics"),
            ChoiceStep("capacity", key="mentoring.capacity", options=[str(c) for c in CAPACITIES], labels="choices.capacity", per_row=4),
        ]
    )
)


class Find(Flow):
    code = "mf"

    async def finish(self, turn: Turn) -> None:
        person = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
        if person is None:
            await turn.context.reply(turn.update, "plan.gone")
            return
        await save_request(session=turn.session, person=person, topics=turn.data["topics"], now=turn.now)
        matches = await suggest(session=turn.session, mentee=person, topics=turn.data["topics"])
        texts, locale = turn.context.runtime.texts, turn.context.locale
        lines = [
            turn.text("mentoring.match_line", number=n, name=m.offer.person.name, agency=m.offer.person.agency,
                      topics=[topic_label(texts, locale, t) for t in m.shared], level=m.higher_or_same, zone=m.same_zone, room=m.room)
            for n, m in enumerate(matches, 1)
        ]  # fmt: skip
        markup = InlineKeyboardMarkup(
            [[MentoringAsk(m.offer.person_id).key(turn.text("mentoring.button_ask", name=m.offer.person.called))] for m in matches]
        )
        await turn.context.reply(turn.update, "mentoring.matches", lines=lines, reply_markup=markup if matches else None)


FIND = engine.register(Find([TopicsStep("mentoring.find_topics")]))


async def begin_offer(context: EcoachContext, update: Update) -> None:
    await engine.start(context, update, OFFER, {})


async def begin_find(context: EcoachContext, update: Update) -> None:
    await engine.start(context, update, FIND, {})
