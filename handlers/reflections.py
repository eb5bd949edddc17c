"""/refleksi (/reflect), the reminder's button, and /refleksi_saya (/myreflections)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.kernel.charts import confidence_chart
from bot.kernel.context import EcoachContext
from conversations import reflection
from db.enrolment import membership
from db.models import Role
from db.reflections import recent_reflections
from db.schedule import week_start
from handlers.plan import not_enrolled


async def start_reflection(update: Update, context: EcoachContext) -> None:
    await reflection.begin(update, context)


async def on_reminder_button(update: Update, context: EcoachContext) -> None:
    """The button under a reminder opens this week's reflection."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    await reflection.begin(update, context)


async def my_reflections(update: Update, context: EcoachContext) -> None:
    """Her past weeks, newest last, and her confidence trend as a chart."""
    assert update.effective_user is not None and update.effective_chat is not None
    member = await membership(session=context.session, telegram_id=update.effective_user.id, role=Role.ALUMNI)
    if member is None:
        await not_enrolled(update, context)
        return
    reflections = await recent_reflections(session=context.session, person_id=member.person.id)
    if not reflections:
        await context.reply(update, "reflection.none")
        return
    weeks = [
        {"week": r.week, "monday": week_start(r.week_year, r.week), "confidence": r.confidence,
         "domain": context.text(f"choices.domain.{r.domain.value}"), "shared": r.shared, "next_step": r.next_step}
        for r in reflections
    ]
    await context.reply(update, "reflection.list", weeks=weeks)
    if len(reflections) >= 2:
        labels = [context.text("reflection.week_label", week=r.week) for r in reflections]
        png = await asyncio.to_thread(confidence_chart, labels, [r.confidence for r in reflections], context.text("reflection.chart_title"))
        await context.bot.send_photo(update.effective_chat.id, png, caption=context.text("reflection.chart_caption"))
