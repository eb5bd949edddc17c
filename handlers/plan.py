"""/pap (/plan): her PAP with milestones, and the buttons that change it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.kernel.context import EcoachContext
from conversations import pap_edit
from db.drafts import find_draft
from db.enrolment import membership
from db.models import MilestoneStatus, Person, Role
from db.plans import current_pap, overall_progress
from conversations.onboarding import ONBOARDING


async def show_plan(update: Update, context: EcoachContext) -> None:
    """Show exactly what she entered, milestone statuses, and what she can change."""
    assert update.effective_user is not None
    pap = await current_pap(session=context.session, telegram_id=update.effective_user.id)
    if pap is None:
        await not_enrolled(update, context)
        return
    today = context.runtime.clock.now().date()
    milestones = [
        {"title": m.title, "due": m.due_date, "status": m.status.value,
         "overdue": m.status != MilestoneStatus.DONE and m.due_date < today}
        for m in sorted(pap.milestones, key=lambda m: (m.due_date, m.id))
    ]
    body = context.text("plan.view", pap=pap, milestones=milestones, progress=overall_progress(pap), cohort=pap.cohort.name)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(context.text("plan.button_edit"), callback_data="pap|edit")],
            [InlineKeyboardButton(context.text("plan.button_add"), callback_data="pap|add"),
             InlineKeyboardButton(context.text("plan.button_milestones"), callback_data="pap|milestones")],
        ]
    )
    await context.send(update, body, markup)


async def on_plan_button(update: Update, context: EcoachContext) -> None:
    """A button under /pap: start the matching change."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    action = (query.data or "").partition("|")[2]
    pap = await current_pap(session=context.session, telegram_id=update.effective_user.id)
    if pap is None or action not in pap_edit.ENTRY_STEPS:
        await query.answer(context.text("input.stale_button"))
        return
    await query.answer()
    await pap_edit.begin(context, update, pap, action)


async def enrolled_alumna(update: Update, context: EcoachContext) -> Person | None:
    """Her record when she is an enrolled alumna; otherwise tell her how to join and return None."""
    assert update.effective_user is not None
    member = await membership(session=context.session, telegram_id=update.effective_user.id, role=Role.ALUMNI)
    if member is None:
        await not_enrolled(update, context)
        return None
    return member.person


async def not_enrolled(update: Update, context: EcoachContext) -> None:
    """Tell someone without a PAP how to join, or how to finish joining."""
    assert update.effective_user is not None
    draft = await find_draft(session=context.session, telegram_id=update.effective_user.id, flow=ONBOARDING.code)
    await context.reply(update, "start.finish_onboarding" if draft else "start.not_enrolled")
