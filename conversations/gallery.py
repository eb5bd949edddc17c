"""Publishing her finished PAP to the alumni library (Galeri PAP): its theme, its result against the
indicator, up to three evidence items, then a preview of exactly what others will see."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import GalleryAction
from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, TextStep, Turn
from db.gallery import MAX_EVIDENCE, RESULT_MAX, evidence_choices, publish, publishable
from db.models import GalleryTheme, Pap, Person
from db.people import person_by_telegram_id
from db.plans import current_pap
from db.schedule import local
from db.status import standing_of


def preview_values(pap: Pap, person: Person, *, theme: str, result: str, evidence: int) -> dict[str, Any]:
    """What a library entry shows, the same in her preview and for every reader."""
    return {"pap": pap, "milestones": sorted(pap.milestones, key=lambda m: (m.due_date, m.id)), "theme": theme, "result": result,
            "agency": person.agency, "author": person.name, "evidence": evidence}  # fmt: skip


class ResultStep(TextStep):
    def __init__(self) -> None:
        super().__init__("result", key="gallery.result", limit=RESULT_MAX, shows=("indicator", "baseline", "target"))


class EvidenceStep(Step):
    """Up to three of her photos and documents, tapped on and off; then Selesai."""

    name = "evidence"

    async def prompt(self, turn: Turn) -> Prompt:
        picked = set(turn.data.get("picked", []))
        rows = [[(("✅ " if item_id in picked else "") + label, str(item_id))] for item_id, label in turn.data["choices"]]
        rows.append([(turn.text("gallery.button_evidence_done"), "done")])
        return Prompt("gallery.evidence", {"count": len(picked), "limit": MAX_EVIDENCE}, rows)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "done":
            return None
        offered = {str(item_id) for item_id, _ in turn.data["choices"]}
        if value not in offered:
            raise Invalid("input.use_buttons")
        picked = list(turn.data.get("picked", []))
        if int(value) in picked:
            picked.remove(int(value))
        elif len(picked) >= MAX_EVIDENCE:
            raise Invalid("gallery.evidence_full", limit=MAX_EVIDENCE)
        else:
            picked.append(int(value))
        turn.set("picked", picked)
        return engine.STAY


class PreviewStep(Step):
    name = "preview"

    async def prompt(self, turn: Turn) -> Prompt:
        pap = await current_pap(session=turn.session, telegram_id=turn.telegram_id)
        person = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
        if pap is None or person is None:
            raise Invalid("plan.gone")
        theme = turn.text(f"choices.gallery_theme.{turn.data['theme']}")
        entry = turn.text(
            "gallery.entry",
            **preview_values(pap, person, theme=theme, result=turn.data["result"], evidence=len(turn.data.get("picked", []))),
        )
        buttons = [[(turn.text("gallery.button_publish"), "publish")], [(turn.text("input.button_cancel"), "cancel")]]
        return Prompt("gallery.preview", {"entry": entry}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "cancel":
            await turn.session.delete(turn.draft)
            await turn.context.reply(turn.update, "gallery.not_published")
            return engine.END
        if value != "publish":
            raise Invalid("input.use_buttons")
        return engine.DONE


class PublishFlow(Flow):
    code = "gp"

    def after(self, turn: Turn, step: str) -> str:
        following = super().after(turn, step)
        return "preview" if following == "evidence" and not turn.data["choices"] else following

    async def finish(self, turn: Turn) -> None:
        pap = await current_pap(session=turn.session, telegram_id=turn.telegram_id)
        person = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
        if pap is None or person is None or pap.id != turn.data["pap_id"]:
            await turn.context.reply(turn.update, "plan.gone")
            return
        data = turn.data
        await publish(
            session=turn.session, person=person, pap=pap, theme=GalleryTheme(data["theme"]), result=data["result"],
            evidence_ids=list(data.get("picked", [])), now=turn.now,
        )  # fmt: skip
        await turn.context.reply(turn.update, "gallery.published", title=pap.title)


PUBLISH = engine.register(
    PublishFlow(
        [
            ChoiceStep("theme", key="gallery.theme", options=[t.value for t in GalleryTheme], labels="choices.gallery_theme", per_row=1),
            ResultStep(),
            EvidenceStep(),
            PreviewStep(),
        ]
    )
)


async def begin_publish(context: EcoachContext, update: Update, pap: Pap) -> None:
    items = await evidence_choices(session=context.session, pap=pap)
    choices = [
        [item.id, context.text("gallery.evidence_label", number=n, item=item, kind=item.kind.value)] for n, item in enumerate(items, 1)
    ]
    data = {"pap_id": pap.id, "choices": choices, "indicator": pap.indicator, "baseline": pap.baseline, "target": pap.target}
    await engine.start(context, update, PUBLISH, data)


async def offer_when_finished(context: EcoachContext, update: Update, pap: Pap) -> None:
    """Her last milestone is done: ask whether to publish the PAP to the library (once it is done and not there yet)."""
    today = local(context.runtime.clock.now(), context.runtime.settings.default_timezone).date()
    if not await publishable(session=context.session, pap=pap, standing=await standing_of(session=context.session, pap=pap, today=today)):
        return
    markup = InlineKeyboardMarkup([[GalleryAction("publish").key(context.text("gallery.button_offer_publish"))]])
    await context.reply(update, "gallery.finished", reply_markup=markup)
