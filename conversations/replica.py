"""A replication begun as her PAP: a draft pre-filled from the library PAP she agreed with its author to
replicate, which she checks and changes one part at a time before it replaces her plan not yet begun."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid, clean_text, read_date
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, Turn
from conversations.onboarding import LIMITS, EndDateStep, MilestonesStep, check_milestones_within, pap_end
from db.gallery import replication_to_start, start_replica
from db.models import Pap, Replication
from db.people import person_by_telegram_id
from db.plans import MAX_MILESTONES, TEXT_FIELDS, current_pap, has_begun

PARTS = [*TEXT_FIELDS, "end_date", "milestones"]


def _milestones(original: Pap, start: date, end: date) -> list[dict[str, str]]:
    """The original's milestones on her own timeline: the same share of the way from training to the end."""
    origin = original.cohort.training_end
    span, hers = max((original.end_date - origin).days, 1), (end - start).days

    def due(day: date) -> str:
        return min(end, max(start, start + timedelta(days=round((day - origin).days * hers / span)))).isoformat()

    return [{"title": m.title[: LIMITS["milestone"]], "due": due(m.due_date)} for m in original.milestones[:MAX_MILESTONES]]


class ReplicaSummaryStep(Step):
    name = "summary"

    async def prompt(self, turn: Turn) -> Prompt:
        data = turn.data
        values = {key: data[key] for key in (*TEXT_FIELDS, "end_date", "milestones", "original", "author", "current")}
        buttons = [[(turn.text("replica.save"), "save")], [(turn.text("replica.change"), "change")]]
        return Prompt("replica.summary", values, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "change":
            return "part"
        if value != "save":
            raise Invalid("input.use_buttons")
        check_milestones_within(turn, "replica.milestones_outside")
        return engine.DONE


class PartStep(ChoiceStep):
    """Which part to change; the milestones are written again, from the first."""

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        if value == "milestones":
            turn.set("milestones", [])
            turn.pop("pending_milestone")
            return "milestones"
        return "value"


class PartValueStep(Step):
    name = "value"

    async def prompt(self, turn: Turn) -> Prompt:
        part = turn.data["part"]
        values = {"field": turn.text(f"choices.pap_field.{part}"), "current": turn.data[part], "is_date": part == "end_date"}
        return Prompt("plan.new_value", {**values, "is_nip": False, "limit": LIMITS.get(part, 0)})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        part = turn.data["part"]
        if part == "end_date":
            turn.set(part, read_date(text, *EndDateStep.window(turn)).isoformat())
        else:
            turn.set(part, clean_text(text, LIMITS[part]))
        return "summary"


class Replica(Flow):
    code = "rr"

    def after(self, turn: Turn, step: str) -> str:
        return "summary"  # every change goes back to the whole draft (a step that goes on says where)

    async def finish(self, turn: Turn) -> None:
        data, session = turn.data, turn.session
        person = await person_by_telegram_id(session=session, telegram_id=turn.telegram_id)
        replication = (
            await replication_to_start(session=session, replication_id=data["replication_id"], requester=person) if person else None
        )
        if replication is None:  # the author withdrew her PAP, or erased her data, while the draft waited
            await turn.context.reply(turn.update, "replica.gone")
            return
        pap = await current_pap(session=session, telegram_id=turn.telegram_id)
        if pap is None or pap.id != data["pap_id"] or await has_begun(session=session, pap=pap):
            await turn.context.reply(turn.update, "replica.begun", title=pap.title if pap else data["current"])
            return
        milestones = [(m["title"], date.fromisoformat(m["due"])) for m in data["milestones"]]
        await start_replica(
            session=session, replication=replication, pap=pap, fields={key: data[key] for key in TEXT_FIELDS},
            end_date=pap_end(turn), milestones=milestones, now=turn.now,
        )  # fmt: skip
        await turn.context.reply(turn.update, "replica.saved", title=pap.title, original=data["original"])


REPLICA = engine.register(
    Replica(
        [
            ReplicaSummaryStep(),
            PartStep("part", key="replica.pick_part", options=PARTS, labels="choices.pap_field"),
            PartValueStep(),
            MilestonesStep(),
        ]
    )
)


async def begin(context: EcoachContext, update: Update, replication: Replication, pap: Pap) -> None:
    """Her draft, pre-filled from the original; `pap` is her plan not yet begun, which it will replace."""
    original = replication.original
    assert original is not None and replication.author is not None
    start, end = pap.cohort.training_end, pap.end_date
    data: dict[str, Any] = {
        **{key: getattr(original, key)[: LIMITS[key]] for key in TEXT_FIELDS},
        "milestones": _milestones(original, start, end),
        "end_date": end.isoformat(),
        "training_end": start.isoformat(),
        "replication_id": replication.id,
        "pap_id": pap.id,
        "original": original.title,
        "author": replication.author.name,
        "current": pap.title,
    }
    await engine.start(context, update, REPLICA, data)
