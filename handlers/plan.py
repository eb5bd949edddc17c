"""/pap (/plan): her PAP with milestones, and the buttons that change it."""

from __future__ import annotations

from telegram import Update

from bot.kernel.callbacks import PlanAction
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, not_enrolled, requires_alumna
from conversations import plan
from db.models import Person
from db.plans import current_pap


@requires_alumna
async def show_plan(update: Update, context: EcoachContext, person: Person) -> None:
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pap is None:
        await not_enrolled(update, context)
        return
    await plan.show_plan(update, context, pap)


@requires_alumna
async def on_plan_button(update: Update, context: EcoachContext, person: Person) -> None:
    """A button under /pap: start the matching change."""
    assert update.callback_query is not None
    action = PlanAction.parse(update.callback_query.data)
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pap is None or action is None or action.action not in plan.ENTRY_STEPS:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    await plan.begin(context, update, pap, action.action)
