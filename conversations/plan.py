"""Her PAP after onboarding: the /pap view, and changing a field, a new milestone, or one milestone's
title, date or status."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import GalleryAction, PlanAction
from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid, clean_text, read_date, read_nip
from bot.kernel.standing import milestone_lines, status_line
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, Turn
from conversations.onboarding import LATEST_END_MONTHS, LIMITS
from db.gallery import publishable, replicated_from
from db.models import Milestone, Pap, Person
from db.plans import MAX_MILESTONES, TEXT_FIELDS, add_milestone, complete_milestone, current_pap, milestone_of, set_field
from db.schedule import add_months, local
from db.status import standing_of

FIELDS = [*TEXT_FIELDS, "end_date", "nip"]  # her NIP lives in her profile, and is changed here too


async def _pap(turn: Turn) -> Pap:
    pap = await current_pap(session=turn.session, telegram_id=turn.telegram_id)
    if pap is None or pap.id != turn.data["pap_id"]:
        raise Invalid("plan.gone")
    return pap


async def _person(turn: Turn, pap: Pap) -> Person:
    """Her profile, for the one field of it changed here (the NIP)."""
    person = await turn.session.get(Person, pap.person_id)
    assert person is not None
    return person


def _milestone_window(pap: Pap) -> tuple[date, date]:
    return pap.cohort.training_end, pap.end_date


class FieldValueStep(Step):
    name = "value"

    async def prompt(self, turn: Turn) -> Prompt:
        pap = await _pap(turn)
        field = turn.data["field"]
        return Prompt(
            "plan.new_value",
            {
                "field": turn.text(f"choices.pap_field.{field}"),
                "current": (await _person(turn, pap)).nip if field == "nip" else getattr(pap, field),
                "is_date": field == "end_date",
                "is_nip": field == "nip",
                "limit": LIMITS.get(field, 0),
            },
        )

    async def on_text(self, turn: Turn, text: str) -> str | None:
        pap = await _pap(turn)
        field = turn.data["field"]
        if field == "nip":
            person = await _person(turn, pap)
            person.nip, person.updated_at = read_nip(text), turn.now
            return engine.DONE
        if field == "end_date":
            latest_milestone = max((m.due_date for m in pap.milestones), default=pap.cohort.training_end)
            earliest = max(pap.cohort.training_end + timedelta(days=1), latest_milestone)
            value: str | date = read_date(text, earliest, add_months(pap.cohort.training_end, LATEST_END_MONTHS))
        else:
            value = clean_text(text, LIMITS[field])
        await set_field(session=turn.session, pap=pap, field=field, value=value, now=turn.now)
        return engine.DONE


class MilestoneTitleStep(Step):
    """The title of a new milestone, or the new title of one."""

    def __init__(self, name: str, next_step: str | None) -> None:
        self.name, self.next_step = name, next_step

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("plan.milestone_title", {"current": turn.data.get("current_title")})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        title = clean_text(text, LIMITS["milestone"])
        if self.next_step:  # a new milestone: its date comes next
            turn.set("title", title)
            return self.next_step
        pap = await _pap(turn)
        milestone = milestone_of(pap, int(turn.data["milestone_id"]))
        if milestone is None:
            raise Invalid("plan.gone")
        milestone.title = title
        pap.updated_at = turn.now
        return engine.DONE


class MilestoneDateStep(Step):
    """The due date of a new milestone, or the new date of one."""

    def __init__(self, name: str, new: bool) -> None:
        self.name, self.new = name, new

    async def prompt(self, turn: Turn) -> Prompt:
        pap = await _pap(turn)
        earliest, latest = _milestone_window(pap)
        return Prompt(
            "plan.milestone_due",
            {"title": turn.data.get("title") or turn.data.get("current_title"), "earliest": earliest, "latest": latest},
        )

    async def on_text(self, turn: Turn, text: str) -> str | None:
        pap = await _pap(turn)
        due = read_date(text, *_milestone_window(pap))
        if self.new:
            if len(pap.milestones) >= MAX_MILESTONES:
                raise Invalid("plan.too_many", maximum=MAX_MILESTONES)
            await add_milestone(session=turn.session, pap=pap, title=turn.data["title"], due_date=due, now=turn.now)
        else:
            milestone = milestone_of(pap, int(turn.data["milestone_id"]))
            if milestone is None:
                raise Invalid("plan.gone")
            milestone.due_date = due
            pap.updated_at = turn.now
        return engine.DONE


class PickMilestoneStep(Step):
    name = "pick"

    async def prompt(self, turn: Turn) -> Prompt:
        pap = await _pap(turn)
        buttons = [[(f"{index}. {m.title[:40]}", str(m.id))] for index, m in enumerate(pap.milestones, 1)]
        return Prompt("plan.pick_milestone", {}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        pap = await _pap(turn)
        milestone = milestone_of(pap, int(value)) if value.isdigit() else None
        if milestone is None:
            raise Invalid("input.use_buttons")
        turn.set("milestone_id", milestone.id)
        turn.set("current_title", milestone.title)
        return "action"


class MilestoneActionStep(ChoiceStep):
    async def prompt(self, turn: Turn) -> Prompt:
        prompt = await super().prompt(turn)
        prompt.values["title"] = turn.data["current_title"]
        return prompt

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        if value == "complete":
            pap = await _pap(turn)
            milestone = milestone_of(pap, int(turn.data["milestone_id"]))
            if milestone is None:
                raise Invalid("plan.gone")
            await complete_milestone(session=turn.session, milestone=milestone, now=turn.now)
            return engine.DONE
        return {"rename": "rename", "move": "move"}[value]


class PapEdit(Flow):
    code = "pe"

    async def finish(self, turn: Turn) -> None:
        await turn.session.flush()
        await turn.context.reply(turn.update, "plan.saved")
        pap = await _pap(turn)
        await show_plan(turn.update, turn.context, pap)


PAP_EDIT = engine.register(
    PapEdit(
        [
            ChoiceStep("field", key="plan.pick_field", options=FIELDS, labels="choices.pap_field"),
            FieldValueStep(),
            MilestoneTitleStep("new_title", next_step="new_due"),
            MilestoneDateStep("new_due", new=True),
            PickMilestoneStep(),
            MilestoneActionStep(
                "action", key="plan.milestone_action", options=["rename", "move", "complete"], labels="choices.milestone_action", per_row=1
            ),
            MilestoneTitleStep("rename", next_step=None),
            MilestoneDateStep("move", new=False),
        ]
    )
)

ENTRY_STEPS = {"edit": "field", "add": "new_title", "milestones": "pick"}


async def begin(context: EcoachContext, update: Update, pap: Pap, action: str) -> None:
    if action == "add" and len(pap.milestones) >= MAX_MILESTONES:
        await context.reply(update, "plan.too_many", maximum=MAX_MILESTONES)
        return
    await engine.start(context, update, PAP_EDIT, {"pap_id": pap.id}, step=ENTRY_STEPS[action])


async def begin_move(context: EcoachContext, update: Update, pap: Pap, milestone: Milestone) -> None:
    """'Ubah tanggal' under a deadline reminder: straight to this milestone's new date."""
    data = {"pap_id": pap.id, "milestone_id": milestone.id, "current_title": milestone.title}
    await engine.start(context, update, PAP_EDIT, data, step="move")


async def show_plan(update: Update, context: EcoachContext, pap: Pap) -> None:
    """Exactly what she entered, milestone statuses, and what she can change."""
    texts, locale = context.runtime.texts, context.locale
    today = local(context.runtime.clock.now(), context.runtime.settings.default_timezone).date()
    standing = await standing_of(session=context.session, pap=pap, today=today)
    origin = await replicated_from(session=context.session, pap=pap)
    body = context.text(
        "plan.view",
        pap=pap,
        milestones=milestone_lines(texts, locale, pap.milestones, today),
        status=status_line(texts, locale, standing),
        cohort=pap.cohort.name,
        origin=origin.title if origin else None,
    )
    rows = [
        [PlanAction("edit").key(context.text("plan.button_edit"))],
        [PlanAction("add").key(context.text("plan.button_add")), PlanAction("milestones").key(context.text("plan.button_milestones"))],
    ]
    if await publishable(session=context.session, pap=pap, standing=standing):
        rows.append([GalleryAction("publish").key(context.text("gallery.button_offer_publish"))])  # a finished PAP can inspire others
    await context.send(update, body, InlineKeyboardMarkup(rows))
