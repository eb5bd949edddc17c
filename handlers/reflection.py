"""The weekly reflection: /refleksi (/reflect), the reminder's button, /refleksi_saya (/myreflections),
/pengingat (/reminders) with its buttons, and the sweep that sends the reminders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import ReflectNow, ReminderAction
from bot.kernel.charts import confidence_chart
from bot.kernel.context import EcoachContext, Runtime
from bot.kernel.guards import answer_button, requires_alumna
from bot.kernel.sending import Verdict, attempt, one_by_one, retry_at, send_claimed
from bot.kernel.telegram import send_html
from conversations import reflection
from db.claims import hold_due
from db.models import Person, Reminder, ReminderKind
from db.reflections import recent_reflections
from db.reminders import Decision, decide, due_reminders, mark_failed, mark_sent, plan_missing_reminders, replan_reflection_reminders


@requires_alumna
async def start_reflection(update: Update, context: EcoachContext, person: Person) -> None:
    """/refleksi and the button under a reminder: this week's reflection."""
    await answer_button(update)
    await reflection.begin(update, context, person)


@requires_alumna
async def my_reflections(update: Update, context: EcoachContext, person: Person) -> None:
    """Her past weeks, newest last, and her confidence trend as a chart."""
    assert update.effective_chat is not None
    reflections = await recent_reflections(session=context.session, person_id=person.id)
    if not reflections:
        await context.reply(update, "reflection.none")
        return
    weeks = [
        {
            "monday": r.monday,
            "confidence": r.confidence,
            "domain": context.text(f"choices.domain.{r.domain.value}"),
            "shared": r.shared,
            "next_step": r.next_step,
        }
        for r in reflections
    ]
    await context.reply(update, "reflection.list", weeks=weeks)
    if len(reflections) >= 2:
        labels = [context.text("reflection.week_label", monday=r.monday) for r in reflections]
        png = await asyncio.to_thread(confidence_chart, labels, [r.confidence for r in reflections], context.text("reflection.chart_title"))
        await context.bot.send_photo(update.effective_chat.id, png, caption=context.text("reflection.chart_caption"))


@requires_alumna
async def show_reminders(update: Update, context: EcoachContext, person: Person) -> None:
    """/pengingat: her reminder day and time, a pause of 1–4 weeks, off and on."""
    await reflection.show_reminders(update, context, person)


@requires_alumna
async def on_reminders_button(update: Update, context: EcoachContext, person: Person) -> None:
    assert update.callback_query is not None
    action = ReminderAction.parse(update.callback_query.data)
    now = context.runtime.clock.now()
    if action is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    if action.action == "change":
        await answer_button(update)
        await reflection.change_slot(context, update, person)
        return
    if action.action == "pause" and action.weeks in reflection.PAUSE_WEEKS:
        person.reminders_paused_until = now + timedelta(weeks=action.weeks)
    elif action.action == "resume":
        person.reminders_paused_until = None
    elif action.action in ("off", "on"):
        person.reminders_on = action.action == "on"
    else:
        await answer_button(update, context.text("input.stale_button"))
        return
    person.updated_at = now
    await replan_reflection_reminders(session=context.session, person=person, now=now)
    await answer_button(update)
    await reflection.show_reminders(update, context, person, saved=True)


async def sweep_reminders(runtime: Runtime, bot: Bot) -> int:
    """Send every due reflection reminder; return how many went out.

    Each is claimed under a lease: one left in SENDING by a process that died is sent once the lease
    runs out. One that may have arrived (a timeout after Telegram took it) is never sent again.
    """
    now = runtime.clock.now()
    async with runtime.open_session() as session:
        await plan_missing_reminders(session=session, now=now)
        await session.commit()
    return await send_claimed(
        one_by_one(lambda: hold_due(runtime.open_session, now, runtime.settings.lease, due_reminders, _settle)),
        lambda due: _send_reminder(runtime, bot, due, now),
        lambda: runtime.stopping,
    )


@dataclass(frozen=True)
class _Due:
    """A reminder the sweep holds under its lease, and what sending it needs."""

    reminder_id: int
    kind: ReminderKind
    attempts: int
    person: Person


async def _settle(session: AsyncSession, reminder: Reminder, now: datetime) -> _Due | None:
    """What a held reminder sends, or None when it needs no send (settled here)."""
    if await decide(session=session, reminder=reminder, now=now) is not Decision.SEND:
        return None
    return _Due(reminder.id, reminder.kind, reminder.attempts, reminder.person)  # the attempt decide counted


async def _send_reminder(runtime: Runtime, bot: Bot, due: _Due, now: datetime) -> int:
    texts, person = runtime.texts, due.person
    key = "reminders.reflection" if due.kind == ReminderKind.REFLECTION else "reminders.followup"
    markup = InlineKeyboardMarkup([[ReflectNow().key(texts.render(person.locale, "reminders.button"))]])
    failure = await attempt(send_html(bot, person.telegram_id, texts.render(person.locale, key, name=person.called), markup))
    async with runtime.open_session() as session:
        if failure is None or failure.may_have_arrived:
            await mark_sent(session=session, reminder_id=due.reminder_id, now=runtime.clock.now())
        else:
            await mark_failed(
                session=session,
                reminder_id=due.reminder_id,
                retry_at=retry_at(failure, due.attempts, now),
                blocked=failure.verdict is Verdict.UNDELIVERABLE,
            )
        await session.commit()
    return int(failure is None or failure.may_have_arrived)
