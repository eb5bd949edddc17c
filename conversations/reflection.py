"""The weekly reflection, one question at a time (about two minutes), and the weekly reminder's slot:
the flows, and the /pengingat view they end on."""

from __future__ import annotations

from datetime import time
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import ReminderAction
from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid, read_time
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, TextStep, Turn
from db.models import CompetencyDomain, Person
from db.reflections import ReflectionAnswers, reflection_for_week, save_reflection
from db.reminders import pending_reminders, replan_reflection_reminders
from db.schedule import ZONES, iso_week, local, week_start

ANSWER_LIMIT = 1000
OPEN_QUESTIONS = ("went_well", "challenge", "learned", "next_step")
REMINDER_TIMES = ["07:00", "09:00", "13:00", "15:00", "16:00", "19:00"]
EARLIEST_REMINDER, LATEST_REMINDER = time(6, 0), time(20, 59)
PAUSE_WEEKS = (1, 2, 3, 4)
ZONE_NAMES = {zone: name for name, zone in ZONES.items()}


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
        prompt.values["monday"] = turn.data["monday"]
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
            went_well=data.get("went_well"),
            challenge=data.get("challenge"),
            learned=data.get("learned"),
            domain=CompetencyDomain(data["domain"]),
            confidence=int(data["confidence"]),
            next_step=data.get("next_step"),
            shared=data["share"] == "share",
        )
        await save_reflection(
            session=turn.session, person=person, week_year=data["week_year"], week=data["week"], answers=answers, now=turn.now
        )
        await turn.context.reply(turn.update, "reflection.saved", shared=answers.shared, next_step=answers.next_step)


REFLECTION = engine.register(
    Reflection(
        [
            ExistingStep("existing", key="reflection.existing", options=["edit", "keep"], labels="choices.existing", per_row=1),
            OpenQuestion("went_well"),
            OpenQuestion("challenge"),
            OpenQuestion("learned"),
            ChoiceStep("domain", key="reflection.domain", options=[d.value for d in CompetencyDomain], labels="choices.domain", per_row=1),
            ChoiceStep(
                "confidence", key="reflection.confidence", options=[str(n) for n in range(1, 6)], labels="choices.confidence", per_row=5
            ),
            OpenQuestion("next_step"),
            ChoiceStep("share", key="reflection.share", options=["private", "share"], labels="choices.share", per_row=1),
        ]
    )
)


async def begin(update: Update, context: EcoachContext, person: Person) -> None:
    """Start this week's reflection, or offer to edit it if she already wrote one."""
    year, week = iso_week(context.runtime.clock.now(), person.timezone)
    data: dict[str, Any] = {"person_id": person.id, "week_year": year, "week": week, "monday": week_start(year, week).isoformat()}
    existing = await reflection_for_week(session=context.session, person_id=person.id, week_year=year, week=week)
    if existing is None:
        await engine.start(context, update, REFLECTION, data, step="went_well")
        return
    data.update({name: getattr(existing, name) for name in OPEN_QUESTIONS})
    data.update(
        editing=True, domain=existing.domain.value, confidence=str(existing.confidence), share="share" if existing.shared else "private"
    )
    await engine.start(context, update, REFLECTION, data, step="existing")


# ----- the reminder's slot ---------------------------------------------------------------------------


class ReminderTimeStep(Step):
    name = "time"

    async def prompt(self, turn: Turn) -> Prompt:
        buttons = [(slot.replace(":", "."), slot) for slot in REMINDER_TIMES]
        return Prompt("onboarding.time", {"weekday": int(turn.data["weekday"])}, [buttons[:3], buttons[3:]])

    async def on_text(self, turn: Turn, text: str) -> str | None:
        return await self.on_choice(turn, read_time(text))

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        chosen = read_time(value)
        if not EARLIEST_REMINDER <= time.fromisoformat(chosen) <= LATEST_REMINDER:
            raise Invalid("onboarding.time_range")
        turn.set("time", chosen)
        return None


class ReminderSlot(Flow):
    code = "rs"

    async def finish(self, turn: Turn) -> None:
        person = await turn.session.get(Person, turn.data["person_id"])
        assert person is not None
        person.reflection_weekday = int(turn.data["weekday"])
        person.reflection_time = time.fromisoformat(turn.data["time"])
        person.updated_at = turn.now
        await replan_reflection_reminders(session=turn.session, person=person, now=turn.now)
        await show_reminders(turn.update, turn.context, person, saved=True)


REMINDER_SLOT = engine.register(
    ReminderSlot(
        [
            ChoiceStep("weekday", key="reminders.weekday", options=[str(day) for day in range(7)], labels="choices.weekday", per_row=4),
            ReminderTimeStep(),
        ]
    )
)


async def change_slot(context: EcoachContext, update: Update, person: Person) -> None:
    await engine.start(context, update, REMINDER_SLOT, {"person_id": person.id})


async def show_reminders(update: Update, context: EcoachContext, person: Person, *, saved: bool = False) -> None:
    """Her reminder settings and the next reminder, with buttons to change them."""
    now = context.runtime.clock.now()
    paused = person.reminders_paused_until if person.reminders_paused_until and person.reminders_paused_until > now else None
    upcoming = await pending_reminders(session=context.session, person_id=person.id)
    body = context.text(
        "reminders.status",
        saved=saved,
        on=person.reminders_on,
        weekday=person.reflection_weekday,
        time=person.reflection_time.strftime("%H.%M"),
        zone=context.text(f"choices.zone.{ZONE_NAMES.get(person.timezone, 'wib')}"),
        paused_until=local(paused, person.timezone).date() if paused else None,
        next_at=local(upcoming[0].due_at, person.timezone) if upcoming and person.reminders_on else None,
    )
    rows = [[ReminderAction("change").key(context.text("reminders.button_change"))]]
    if person.reminders_on:
        rows.append([ReminderAction("pause", n).key(context.text("reminders.button_pause", weeks=n)) for n in PAUSE_WEEKS])
        if paused:
            rows.append([ReminderAction("resume").key(context.text("reminders.button_resume"))])
        rows.append([ReminderAction("off").key(context.text("reminders.button_off"))])
    else:
        rows.append([ReminderAction("on").key(context.text("reminders.button_on"))])
    await context.send(update, body, InlineKeyboardMarkup(rows))
