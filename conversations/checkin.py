"""The monitoring check-in: PAP status, implementation, obstacle, coaching, career, forums, satisfaction."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import CoachReply
from bot.kernel.context import EcoachContext
from bot.kernel.notices import notify
from bot.kernel.parsing import Invalid, read_date, read_percent
from conversations import engine
from conversations.engine import STAY, ChoiceStep, Flow, OptionalTextStep, Prompt, Step, Turn
from conversations.rater import send_rater_links
from db.checkins import CheckInAnswers, record_answers
from db.logbook import coaches_of
from db.models import CareerEventKind, CheckIn, ObstacleCategory, PapStatus, Person

FORUMS = ("internal", "cross_agency", "cop")
OBSTACLE_TEXT_LIMIT = 1000
PERCENTS = ["0", "25", "50", "75", "100"]


class ImplementationStep(Step):
    name = "implementation"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("checkin.implementation", {}, [[(f"{p}%", p) for p in PERCENTS]])

    async def on_text(self, turn: Turn, text: str) -> str | None:
        return await self.on_choice(turn, str(read_percent(text)))

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        turn.set("implementation", read_percent(value))
        return None


class ObstacleStep(ChoiceStep):
    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        return "coaching" if value == ObstacleCategory.NONE else "obstacle_text"


class CareerStep(Step):
    """A loop: an event and its date, as many as happened, then Done."""

    name = "career"

    async def prompt(self, turn: Turn) -> Prompt:
        buttons = [[(turn.text(f"choices.career.{kind.value}"), kind.value)] for kind in CareerEventKind]
        events = turn.data.get("career", [])
        buttons.append([(turn.text("checkin.career_done" if events else "checkin.career_none"), "done")])
        return Prompt(
            "checkin.career", {"events": [{"kind": turn.text(f"choices.career.{e['kind']}"), "day": e["day"]} for e in events]}, buttons
        )

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "done":
            return None
        if value not in {kind.value for kind in CareerEventKind}:
            raise Invalid("input.use_buttons")
        turn.set("career_kind", value)
        return "career_date"


class CareerDateStep(Step):
    name = "career_date"

    def window(self, turn: Turn) -> tuple[date, date]:
        training_end = date.fromisoformat(turn.data["training_end"])
        return training_end - timedelta(days=365), turn.now.date()

    async def prompt(self, turn: Turn) -> Prompt:
        earliest, latest = self.window(turn)
        return Prompt("checkin.career_date", {"kind": turn.data["career_kind"], "earliest": earliest, "latest": latest})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        day = read_date(text, *self.window(turn))
        turn.set("career", [*turn.data.get("career", []), {"kind": turn.data["career_kind"], "day": day.isoformat()}])
        turn.pop("career_kind")
        return "career"


class ForumsStep(Step):
    """Tick the forums she took part in, then Done."""

    name = "forums"

    async def prompt(self, turn: Turn) -> Prompt:
        chosen = set(turn.data.get("forums", []))
        buttons = [[(("✅ " if forum in chosen else "▫️ ") + turn.text(f"choices.forum.{forum}"), forum)] for forum in FORUMS]
        buttons.append([(turn.text("checkin.forums_done"), "done")])
        return Prompt("checkin.forums", {}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "done":
            return None
        if value not in FORUMS:
            raise Invalid("input.use_buttons")
        chosen = list(turn.data.get("forums", []))
        turn.set("forums", [f for f in chosen if f != value] if value in chosen else [*chosen, value])
        return STAY


class CheckInFlow(Flow):
    code = "ci"

    def after(self, turn: Turn, step: str) -> str:
        following = super().after(turn, step)
        return "forums" if following == "career_date" else following  # the date follows a chosen event only

    async def finish(self, turn: Turn) -> None:
        data = turn.data
        checkin = await turn.session.get(CheckIn, data["checkin_id"])
        assert checkin is not None
        answers = CheckInAnswers(
            pap_status=PapStatus(data["status"]),
            implementation=int(data["implementation"]),
            obstacle=ObstacleCategory(data["obstacle"]),
            obstacle_text=data.get("obstacle_text"),
            wants_coaching=data["coaching"] == "yes",
            career=[(CareerEventKind(e["kind"]), date.fromisoformat(e["day"])) for e in data.get("career", [])],
            forums=list(data.get("forums", [])),
            satisfaction=int(data["satisfaction"]),
        )
        if not await record_answers(session=turn.session, checkin=checkin, answers=answers, now=turn.now):
            await turn.context.reply(turn.update, "checkin.already")
            return
        await tell_coaches(
            turn.context, checkin, turn.update.effective_user.username if turn.update.effective_user else None
        )  # queued in the same transaction as her answers
        await turn.context.reply(turn.update, "checkin.saved", late=checkin.late, coaching=answers.wants_coaching)
        if checkin.with_feedback:
            person = await turn.session.get(Person, checkin.person_id)
            assert person is not None
            await send_rater_links(turn.update, turn.context, person)


CHECKIN = engine.register(
    CheckInFlow(
        [
            ChoiceStep("status", key="checkin.status", options=[s.value for s in PapStatus], labels="choices.pap_status", per_row=1),
            ImplementationStep(),
            ObstacleStep(
                "obstacle", key="checkin.obstacle", options=[o.value for o in ObstacleCategory], labels="choices.obstacle", per_row=2
            ),
            OptionalTextStep("obstacle_text", key="checkin.obstacle_text", limit=OBSTACLE_TEXT_LIMIT),
            ChoiceStep("coaching", key="checkin.coaching", options=["yes", "no"], labels="choices.coaching", per_row=1),
            CareerStep(),
            CareerDateStep(),
            ForumsStep(),
            ChoiceStep(
                "satisfaction", key="checkin.satisfaction", options=[str(n) for n in range(1, 6)], labels="choices.confidence", per_row=5
            ),
        ]
    )
)


async def begin(context: EcoachContext, update: Update, checkin: CheckIn, training_end: date) -> None:
    data = {"checkin_id": checkin.id, "month": checkin.month, "training_end": training_end.isoformat(), "forums": []}
    await engine.start(context, update, CHECKIN, data)


async def tell_coaches(context: EcoachContext, checkin: CheckIn, username: str | None) -> None:
    """She asks for coaching: her cohort's coaches are told privately, with her @username and a Reply button."""
    if not checkin.wants_coaching:
        return
    person = await context.session.get(Person, checkin.person_id)
    assert person is not None and checkin.pap_status is not None and checkin.obstacle is not None
    texts = context.runtime.texts
    for coach in await coaches_of(session=context.session, cohort_id=checkin.cohort_id):
        body = texts.render(
            coach.locale,
            "checkin.coaching_request",
            name=person.name,
            month=checkin.month,
            status=texts.render(coach.locale, f"choices.pap_status.{checkin.pap_status.value}"),
            obstacle=texts.render(coach.locale, f"choices.obstacle.{checkin.obstacle.value}"),
            username=username,
        )
        reply = InlineKeyboardMarkup([[CoachReply(person.id).key(texts.render(coach.locale, "contact.button_reply"))]])
        await notify(context, coach.telegram_id, body, reply, about=person.id)
