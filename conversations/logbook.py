"""/logbook (/log): a PAP logbook entry with evidence, in about a minute."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Message, Update

from bot.kernel.context import EcoachContext
from bot.evidence import Refused, attachment, keep_copy, links
from conversations import engine
from bot.kernel.parsing import Invalid, read_percent
from conversations.engine import STAY, ChoiceStep, Flow, OptionalTextStep, Prompt, Step, TextStep, Turn
from db.logbook import EvidenceItem, create_entry
from db.models import EvidenceKind, MilestoneStatus, Pap
from db.plans import current_pap

TEXT_LIMIT = 2000
NOTE_LIMIT = 1000
PROGRESS_STEPS = ["0", "25", "50", "75", "100"]
GENERAL = "general"


async def _pap(turn: Turn) -> Pap:
    pap = await current_pap(session=turn.session, telegram_id=turn.telegram_id)
    if pap is None or pap.id != turn.data["pap_id"]:
        raise Invalid("plan.gone")
    return pap


class MilestoneStep(Step):
    name = "milestone"

    async def prompt(self, turn: Turn) -> Prompt:
        pap = await _pap(turn)
        open_ones = [m for m in pap.milestones if m.status != MilestoneStatus.DONE]
        buttons = [[(f"🪜 {m.title[:40]} ({m.progress}%)", str(m.id))] for m in open_ones]
        buttons.append([(turn.text("logbook.general"), GENERAL)])
        return Prompt("logbook.milestone", {"title": pap.title}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == GENERAL:
            turn.set("milestone_id", None)
            return None
        pap = await _pap(turn)
        milestone = next((m for m in pap.milestones if str(m.id) == value and m.status != MilestoneStatus.DONE), None)
        if milestone is None:
            raise Invalid("input.use_buttons")
        turn.set("milestone_id", milestone.id)
        turn.set("milestone_title", milestone.title)
        return None


class ProgressStep(Step):
    name = "progress"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("logbook.progress", {"milestone": turn.data["milestone_title"]}, [[(f"{p}%", p) for p in PROGRESS_STEPS]])

    async def on_text(self, turn: Turn, text: str) -> str | None:
        return await self.on_choice(turn, str(read_percent(text)))

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        progress = read_percent(value)
        turn.set("progress", progress)
        turn.set("milestone_done", False)
        return "confirm_done" if progress == 100 else "obstacles"


class ConfirmDoneStep(ChoiceStep):
    async def prompt(self, turn: Turn) -> Prompt:
        prompt = await super().prompt(turn)
        prompt.values["milestone"] = turn.data["milestone_title"]
        return prompt

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        if value == "yes":
            turn.set("milestone_done", True)
            return "obstacles"
        return "progress"


class EvidenceStep(Step):
    """Any number of photos, documents and links, until she taps Done."""

    name = "evidence"

    async def prompt(self, turn: Turn) -> Prompt:
        items = [EvidenceItem.from_dict(d) for d in turn.data.get("evidence", [])]
        counts = {kind.value: sum(1 for i in items if i.kind == kind) for kind in EvidenceKind}
        return Prompt(
            "logbook.evidence",
            {"counts": counts, "total": len(items), "last": turn.data.get("last_received")},
            [[(turn.text("logbook.evidence_done"), "done")]],
        )

    async def on_text(self, turn: Turn, text: str) -> str | None:
        found = links(text)
        if not found:
            raise Invalid("logbook.evidence_expected")
        items = turn.data.get("evidence", [])
        known = {i.get("url") for i in items}
        items = items + [i.as_dict() for i in found if i.url not in known]
        turn.set("evidence", items)
        turn.set("last_received", {"kind": "link", "count": len(found)})
        return STAY

    async def on_media(self, turn: Turn, message: Message) -> str | None:
        try:
            item = attachment(message)
        except Refused as refused:
            raise Invalid(refused.key) from None
        if item is None:
            raise Invalid("logbook.evidence_expected")
        items = turn.data.get("evidence", [])
        if any(i.get("file_unique_id") == item.file_unique_id for i in items):
            raise Invalid("logbook.duplicate")
        runtime = turn.context.runtime
        kept = await keep_copy(turn.context.bot, runtime.settings.data_dir, turn.data["person_id"], item)
        turn.set("evidence", items + [kept.as_dict()])
        turn.set("last_received", {"kind": kept.kind.value, "name": kept.name, "too_big": kept.local_path is None})
        return STAY

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value != "done":
            raise Invalid("input.use_buttons")
        return engine.DONE


class Logbook(Flow):
    code = "lb"

    def after(self, turn: Turn, step: str) -> str:
        following = super().after(turn, step)
        if following == "progress" and turn.data.get("milestone_id") is None:
            return "obstacles"  # a general entry moves no milestone
        return following

    async def finish(self, turn: Turn) -> None:
        from handlers.logbook import announce_entry  # notices to coaches live with the handlers

        data = turn.data
        pap = await _pap(turn)
        entry = await create_entry(
            session=turn.session, pap=pap, milestone_id=data.get("milestone_id"), text=data["text"],
            progress=data.get("progress"), milestone_done=bool(data.get("milestone_done")),
            obstacles=data.get("obstacles"), support=data.get("support"),
            evidence=[EvidenceItem.from_dict(d) for d in data.get("evidence", [])], now=turn.now,
        )
        await turn.context.reply(turn.update, "logbook.saved", evidence=len(entry.evidence), milestone_done=bool(data.get("milestone_done")), milestone=data.get("milestone_title"))
        await announce_entry(turn.context, entry.id)


LOGBOOK = engine.register(
    Logbook(
        [
            MilestoneStep(),
            TextStep("text", key="logbook.text", limit=TEXT_LIMIT),
            ProgressStep(),
            ConfirmDoneStep("confirm_done", key="logbook.confirm_done", options=["yes", "no"], labels="choices.confirm_done", per_row=1),
            OptionalTextStep("obstacles", key="logbook.obstacles", limit=NOTE_LIMIT),
            OptionalTextStep("support", key="logbook.support", limit=NOTE_LIMIT),
            EvidenceStep(),
        ]
    )
)


async def begin(context: EcoachContext, update: Update, pap: Pap, evidence: list[dict[str, Any]] | None = None) -> None:
    data = {"pap_id": pap.id, "person_id": pap.person_id, "evidence": evidence or []}
    await engine.start(context, update, LOGBOOK, data)


def remove_files(data_dir: Path, paths: list[str]) -> None:
    """Delete evidence copies from disk; a file already gone is fine."""
    for relative in paths:
        (data_dir / relative).unlink(missing_ok=True)
