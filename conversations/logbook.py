"""The PAP logbook's conversations: an entry with evidence in about a minute, her edit of it, a
coach's feedback on it, and a file sent outside any conversation; and the notices that follow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from telegram import InlineKeyboardMarkup, Message, Update

from bot.kernel.callbacks import CoachOnEntry
from bot.kernel.context import EcoachContext
from bot.kernel.notices import notify
from bot.kernel.parsing import Invalid, read_percent
from conversations import engine, gallery
from conversations.engine import END, STAY, ChoiceStep, Flow, OptionalTextStep, Prompt, Step, TextStep, Turn
from conversations.evidence import Refused, attachment, keep_copy, links
from db.logbook import (
    EvidenceItem,
    add_evidence,
    add_feedback,
    coaches_of,
    create_entry,
    editable,
    entry_for_coach,
    latest_entry,
    notice_groups,
    own_entry,
)
from db.models import EvidenceKind, Feedback, LogEntry, Milestone, MilestoneStatus, Pap
from db.plans import current_pap

TEXT_LIMIT = 2000
NOTE_LIMIT = 1000
FEEDBACK_LIMIT = 2000
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
            raise Invalid(refused.key, **refused.values) from None
        if item is None:
            raise Invalid("logbook.evidence_expected")
        items = turn.data.get("evidence", [])
        if any(i.get("file_unique_id") == item.file_unique_id for i in items):
            raise Invalid("logbook.duplicate")
        settings = turn.context.runtime.settings
        if sum(1 for i in items if i.get("file_unique_id")) >= settings.max_files_per_entry:
            raise Invalid("logbook.too_many_files", limit=settings.max_files_per_entry)
        try:
            kept = await keep_copy(turn.context.bot, settings.data_dir, turn.data["person_id"], item, settings.max_evidence_mb)
        except Refused as refused:  # not what an evidence file may be, or past her quota
            raise Invalid(refused.key, **refused.values) from None
        turn.set("evidence", [*items, kept.as_dict()])
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
        data = turn.data
        pap = await _pap(turn)
        entry = await create_entry(
            session=turn.session,
            pap=pap,
            milestone_id=data.get("milestone_id"),
            text=data["text"],
            progress=data.get("progress"),
            milestone_done=bool(data.get("milestone_done")),
            obstacles=data.get("obstacles"),
            support=data.get("support"),
            evidence=[EvidenceItem.from_dict(d) for d in data.get("evidence", [])],
            now=turn.now,
        )
        await announce_entry(turn.context, entry.id)  # queued in the same transaction as the entry
        await turn.context.reply(
            turn.update,
            "logbook.saved",
            evidence=len(entry.evidence),
            milestone_done=bool(data.get("milestone_done")),
            milestone=data.get("milestone_title"),
        )
        if data.get("milestone_done"):
            await gallery.offer_when_finished(turn.context, turn.update, pap)


LOGBOOK = engine.register(
    Logbook(
        [
            MilestoneStep(),
            TextStep("text", key="logbook.text", limit=TEXT_LIMIT, shows=("milestone_title",)),
            ProgressStep(),
            ConfirmDoneStep("confirm_done", key="logbook.confirm_done", options=["yes", "no"], labels="choices.confirm_done", per_row=1),
            OptionalTextStep("obstacles", key="logbook.obstacles", limit=NOTE_LIMIT),
            OptionalTextStep("support", key="logbook.support", limit=NOTE_LIMIT),
            EvidenceStep(),
        ]
    )
)


async def begin(
    context: EcoachContext, update: Update, pap: Pap, evidence: list[dict[str, Any]] | None = None, milestone: Milestone | None = None
) -> None:
    """A new entry; with `milestone` (from its deadline reminder) the question which one is skipped."""
    data: dict[str, Any] = {"pap_id": pap.id, "person_id": pap.person_id, "evidence": evidence or []}
    if milestone is not None:
        data |= {"milestone_id": milestone.id, "milestone_title": milestone.title}
    await engine.start(context, update, LOGBOOK, data, step="text" if milestone else None)


# ----- around an entry: her edit, a coach's feedback, a stray file --------------------------------


class EntryEdit(Flow):
    """She rewrites what was done, within 24 hours of the entry."""

    code = "le"

    async def finish(self, turn: Turn) -> None:
        entry = await own_entry(session=turn.session, person_id=turn.data["person_id"], entry_id=turn.data["entry_id"])
        if entry is None or not editable(entry, turn.now):
            await turn.context.reply(turn.update, "logbook.edit_closed")
            return
        entry.text, entry.updated_at = turn.data["text"], turn.now
        await turn.context.reply(turn.update, "logbook.edited")


ENTRY_EDIT = engine.register(EntryEdit([TextStep("text", key="logbook.edit_text", limit=TEXT_LIMIT)]))


class CoachFeedback(Flow):
    """A coach writes feedback on an entry; it is stored and delivered to the alumna."""

    code = "cf"

    async def finish(self, turn: Turn) -> None:
        found = await entry_for_coach(session=turn.session, entry_id=turn.data["entry_id"], coach_telegram_id=turn.telegram_id)
        if found is None:
            await turn.context.reply(turn.update, "coach.not_your_cohort")
            return
        entry, coach = found
        feedback = await add_feedback(session=turn.session, entry=entry, coach=coach, text=turn.data["text"], now=turn.now)
        await deliver_feedback(turn.context, feedback.id)
        await turn.context.reply(turn.update, "feedback.sent")


COACH_FEEDBACK = engine.register(CoachFeedback([TextStep("text", key="feedback.prompt", limit=FEEDBACK_LIMIT)]))


class AttachWhereStep(ChoiceStep):
    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        item = EvidenceItem.from_dict(turn.data["item"])
        if value == "new":
            pap = await current_pap(session=turn.session, telegram_id=turn.telegram_id)
            if pap is None:
                raise Invalid("plan.gone")
            await turn.session.delete(turn.draft)
            await begin(turn.context, turn.update, pap, [item.as_dict()])
            return END
        entry = await latest_entry(session=turn.session, person_id=turn.data["person_id"])
        if entry is None:
            raise Invalid("logbook.no_entry_yet")
        limit = turn.context.runtime.settings.max_files_per_entry
        if sum(1 for e in entry.evidence if e.file_unique_id) >= limit:
            raise Invalid("logbook.too_many_files_latest", limit=limit)
        added = await add_evidence(session=turn.session, entry=entry, item=item, now=turn.now)
        await turn.session.delete(turn.draft)
        await turn.context.reply(turn.update, "logbook.attached" if added else "logbook.duplicate", when=entry.created_at.date())
        return END


class AttachStray(Flow):
    """A photo or document sent outside a conversation: a new entry, or her latest one?"""

    code = "ea"


ATTACH_STRAY = engine.register(
    AttachStray([AttachWhereStep("where", key="logbook.stray", options=["new", "latest"], labels="choices.attach", per_row=1)])
)


async def begin_edit(context: EcoachContext, update: Update, person_id: int, entry_id: int, current: str) -> None:
    await engine.start(context, update, ENTRY_EDIT, {"person_id": person_id, "entry_id": entry_id, "text": current}, step="text")


async def begin_feedback(context: EcoachContext, update: Update, entry_id: int, alumna: str) -> None:
    await engine.start(context, update, COACH_FEEDBACK, {"entry_id": entry_id, "alumna": alumna})


async def begin_attach(context: EcoachContext, update: Update, person_id: int, item: dict[str, Any]) -> None:
    await engine.start(context, update, ATTACH_STRAY, {"person_id": person_id, "item": item})


# ----- what follows an entry -------------------------------------------------------------------------


async def announce_entry(context: EcoachContext, entry_id: int) -> None:
    """Tell her cohort's coaches privately; a coach group that asked gets name, milestone and progress only."""
    entry = await context.session.scalar(
        select(LogEntry).where(LogEntry.id == entry_id).options(selectinload(LogEntry.milestone), selectinload(LogEntry.evidence))
    )
    assert entry is not None
    pap = await context.session.scalar(
        select(Pap).where(Pap.id == entry.pap_id).options(selectinload(Pap.person), selectinload(Pap.cohort))
    )
    assert pap is not None
    texts = context.runtime.texts
    values = {"name": pap.person.name, "milestone": entry.milestone.title if entry.milestone else None, "progress": entry.progress}
    first_line = entry.text.strip().splitlines()[0][:200]
    for coach in await coaches_of(session=context.session, cohort_id=pap.cohort_id):
        feedback = CoachOnEntry("feedback", entry.id).key(texts.render(coach.locale, "feedback.button"))
        if entry.evidence:  # verification comes after the evidence is seen
            first = CoachOnEntry("evidence", entry.id).key(
                texts.render(coach.locale, "feedback.evidence_button", count=len(entry.evidence))
            )
            buttons = InlineKeyboardMarkup([[first, feedback]])
        else:
            buttons = InlineKeyboardMarkup(
                [[feedback, CoachOnEntry("verify", entry.id).key(texts.render(coach.locale, "feedback.verify_button"))]]
            )
        body = texts.render(coach.locale, "feedback.notice", first_line=first_line, evidence=len(entry.evidence), **values)
        await notify(context, coach.telegram_id, body, buttons, about=pap.person.id)
    for chat_id in await notice_groups(session=context.session, cohort=pap.cohort):
        await notify(
            context, chat_id, texts.render(context.runtime.settings.default_locale, "feedback.group_notice", **values), about=pap.person.id
        )


async def deliver_feedback(context: EcoachContext, feedback_id: int) -> None:
    feedback = await context.session.scalar(
        select(Feedback).where(Feedback.id == feedback_id).options(selectinload(Feedback.entry), selectinload(Feedback.coach))
    )
    assert feedback is not None
    pap = await context.session.scalar(select(Pap).where(Pap.id == feedback.entry.pap_id).options(selectinload(Pap.person)))
    assert pap is not None
    person = pap.person
    body = context.runtime.texts.render(
        person.locale,
        "feedback.to_alumna",
        coach=feedback.coach.name,
        text=feedback.text,
        date=feedback.entry.created_at.date(),
        entry=feedback.entry.text.strip().splitlines()[0][:120],
    )
    await notify(context, person.telegram_id, body, about=person.id)
