"""/pengingat (/reminders): her reminder day and time, a pause of 1–4 weeks, off and on."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.kernel.context import EcoachContext
from conversations import reminder_slot
from conversations.onboarding import ZONES
from db.reminders import pending_reminders, replan_reflection_reminders
from db.schedule import local
from handlers.plan import enrolled_alumna

ZONE_NAMES = {zone: name for name, zone in ZONES.items()}
PAUSE_WEEKS = (1, 2, 3, 4)


async def show_reminders(update: Update, context: EcoachContext, *, saved: bool = False) -> None:
    """Her settings and the next reminder, with buttons to change them."""
    person = await enrolled_alumna(update, context)
    if person is None:
        return
    now = context.runtime.clock.now()
    paused = person.reminders_paused_until if person.reminders_paused_until and person.reminders_paused_until > now else None
    upcoming = await pending_reminders(session=context.session, person_id=person.id)
    body = context.text(
        "reminders.status", saved=saved, on=person.reminders_on, weekday=person.reflection_weekday,
        time=person.reflection_time.strftime("%H.%M"), zone=context.text(f"choices.zone.{ZONE_NAMES.get(person.timezone, 'wib')}"),
        paused_until=local(paused, person.timezone).date() if paused else None,
        next_at=local(upcoming[0].due_at, person.timezone) if upcoming and person.reminders_on else None,
    )
    rows = [[InlineKeyboardButton(context.text("reminders.button_change"), callback_data="rem|change")]]
    if person.reminders_on:
        rows.append([InlineKeyboardButton(context.text("reminders.button_pause", weeks=n), callback_data=f"rem|pause|{n}") for n in PAUSE_WEEKS])
        if paused:
            rows.append([InlineKeyboardButton(context.text("reminders.button_resume"), callback_data="rem|resume")])
        rows.append([InlineKeyboardButton(context.text("reminders.button_off"), callback_data="rem|off")])
    else:
        rows.append([InlineKeyboardButton(context.text("reminders.button_on"), callback_data="rem|on")])
    await context.send(update, body, InlineKeyboardMarkup(rows))


async def on_reminders_button(update: Update, context: EcoachContext) -> None:
    query = update.callback_query
    assert query is not None
    person = await enrolled_alumna(update, context)
    if person is None:
        await query.answer()
        return
    _, action, *rest = (query.data or "").split("|")
    now = context.runtime.clock.now()
    if action == "change":
        await query.answer()
        await reminder_slot.begin(context, update, person)
        return
    if action == "pause" and rest and rest[0].isdigit() and int(rest[0]) in PAUSE_WEEKS:
        person.reminders_paused_until = now + timedelta(weeks=int(rest[0]))
    elif action == "resume":
        person.reminders_paused_until = None
    elif action in ("off", "on"):
        person.reminders_on = action == "on"
    else:
        await query.answer(context.text("input.stale_button"))
        return
    person.updated_at = now
    await replan_reflection_reminders(session=context.session, person=person, now=now)
    await query.answer()
    await show_reminders(update, context, saved=True)
