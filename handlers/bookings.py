"""1-on-1 coaching sessions: /jadwal (/slots) for a coach's slots, /sesi_coaching (/coaching) for her
bookings, the buttons on both sides, and what each side is told (with the .ics, and the reminders 24 h
and 1 h before, queued as notices in the same transaction as the booking)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import BookingAction, BookSlot, FollowUp, MoveBooking, SlotAction
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, in_private, requires_alumna, requires_person
from bot.kernel.ics import invitation
from bot.kernel.notices import notify
from bot.kernel.telegram import html_to_plain
from conversations import grow, slots
from db.bookings import (
    REMINDERS,
    Refusal,
    action_of,
    book,
    booking_of,
    cancel_booking,
    cancel_slot,
    coach_schedule,
    ends_at,
    free_slots,
    mark_absent,
    move_booking,
    my_bookings,
    slot_of_coach,
)
from db.coaching import coached_cohorts
from db.models import Booking, Person
from db.notices import Later, withdraw
from db.schedule import outside_quiet_hours

FOLLOW_UP_AGAIN = timedelta(days=3)  # "Belum": asked again this much later
NOTES_WANTED_FOR = timedelta(days=7)  # the coach's prompt to write notes, after the session


def _topic(booking: Booking) -> str:
    return f"booking:{booking.id}"


def _other(booking: Booking, person: Person) -> Person:
    return booking.person if person.id == booking.slot.coach_id else booking.slot.coach


# ----- the coach's slots --------------------------------------------------------------------------


async def slots_command(update: Update, context: EcoachContext) -> None:
    """/jadwal, in a private chat only: it names the alumnae who booked."""
    if not in_private(update):
        await context.reply(update, "slots.private_only")
        return
    await _slots(update, context)


@requires_person
async def _slots(update: Update, context: EcoachContext, person: Person) -> None:
    """Her slots from a week ago on, with who booked each, and the buttons to change them."""
    if not await coached_cohorts(session=context.session, telegram_id=person.telegram_id):
        await context.reply(update, "coach.only_coaches")
        return
    await _show_schedule(update, context, person)


async def _show_schedule(update: Update, context: EcoachContext, coach: Person) -> None:
    now = context.runtime.clock.now()
    views = await coach_schedule(session=context.session, coach=coach, now=now)
    rows = [[SlotAction("add", 0).key(context.text("slots.button_add"))]]
    for view in views:
        at, booking = context.text("sessions.at_short", at=view.slot.starts_at, zone=coach.timezone), view.booking
        if booking is None and view.slot.starts_at > now:
            rows.append([SlotAction("cancel", view.slot.id).key(context.text("slots.button_cancel", at=at))])
        elif booking is not None and view.slot.starts_at > now:
            rows.append([BookingAction("move", booking.id).key(context.text("sessions.button_move_at", at=at)),
                         BookingAction("cancel", booking.id).key(context.text("sessions.button_cancel_at", at=at))])  # fmt: skip
        elif booking is not None and booking.noted_at is None:
            name = booking.person.called
            rows.append([BookingAction("notes", booking.id).key(context.text("sessions.button_notes", name=name)),
                         BookingAction("absent", booking.id).key(context.text("sessions.button_alumna_absent", name=name))])  # fmt: skip
    await context.reply(update, "slots.schedule", views=views, zone=coach.timezone, now=now, reply_markup=InlineKeyboardMarkup(rows))


@requires_person
async def on_slot_button(update: Update, context: EcoachContext, coach: Person) -> None:
    assert update.callback_query is not None
    pressed = SlotAction.parse(update.callback_query.data)
    if pressed is None or not await coached_cohorts(session=context.session, telegram_id=coach.telegram_id):
        await answer_button(update, context.text("input.stale_button"))
        return
    if pressed.action == "add":
        await answer_button(update)
        await slots.begin(context, update)
        return
    slot = await slot_of_coach(session=context.session, coach=coach, slot_id=pressed.slot_id)
    outcome = await cancel_slot(session=context.session, slot=slot, now=context.runtime.clock.now()) if slot else Refusal.GONE
    if isinstance(outcome, Refusal):
        await answer_button(update, context.text(f"sessions.refused_{outcome.value}"), alert=True)
        return
    if outcome is not None:
        await _tell_cancelled(context, outcome, by=coach)
    await answer_button(update, context.text("slots.cancelled"))
    await _show_schedule(update, context, coach)


# ----- her bookings -------------------------------------------------------------------------------


@requires_alumna
async def coaching_command(update: Update, context: EcoachContext, person: Person) -> None:
    """/sesi_coaching: her sessions, and her coaches' free slots to book."""
    await _show_sessions(update, context, person)


async def _show_sessions(update: Update, context: EcoachContext, alumna: Person, *, note: str | None = None) -> None:
    now = context.runtime.clock.now()
    booked = await my_bookings(session=context.session, alumna=alumna, now=now)
    free = await free_slots(session=context.session, alumna=alumna, now=now)
    rows: list[list[InlineKeyboardButton]] = []
    for booking in booked:
        at = context.text("sessions.at_short", at=booking.slot.starts_at, zone=alumna.timezone)
        if booking.slot.starts_at > now:
            rows.append([BookingAction("move", booking.id).key(context.text("sessions.button_move_at", at=at)),
                         BookingAction("cancel", booking.id).key(context.text("sessions.button_cancel_at", at=at))])  # fmt: skip
        elif booking.noted_at is None:
            rows.append([BookingAction("absent", booking.id).key(context.text("sessions.button_coach_absent", at=at))])
    for slot in free:
        rows.append([BookSlot(slot.id).key(context.text("sessions.button_book", slot=slot, zone=alumna.timezone))])
    await context.reply(
        update, "sessions.mine", booked=booked, free=free, zone=alumna.timezone, now=now, note=note,
        reply_markup=InlineKeyboardMarkup(rows) if rows else None,
    )  # fmt: skip


@requires_alumna
async def on_book(update: Update, context: EcoachContext, alumna: Person) -> None:
    """A free slot pressed: hers if nobody was quicker."""
    assert update.callback_query is not None
    pressed = BookSlot.parse(update.callback_query.data)
    outcome = (
        await book(session=context.session, alumna=alumna, slot_id=pressed.slot_id, now=context.runtime.clock.now())
        if pressed
        else Refusal.GONE
    )
    if isinstance(outcome, Refusal):
        await answer_button(update)
        await _show_sessions(update, context, alumna, note=context.text(f"sessions.refused_{outcome.value}"))
        return
    await _tell_booked(context, outcome, "booked")
    await context.session.commit()  # stored before she is told
    await answer_button(update, context.text("sessions.booked_short"))
    context.mark_chosen(update)


async def _tell_booked(context: EcoachContext, booking: Booking, kind: str) -> None:
    """Both sides get the confirmation (`kind`: booked or moved) with the .ics, and the reminders are
    (re)planned: 24 h and 1 h before to both, and after it, the coach's prompt for notes."""
    await withdraw(session=context.session, topic=_topic(booking))
    slot, alumna, coach = booking.slot, booking.person, booking.slot.coach
    texts, now = context.runtime.texts, context.runtime.clock.now()
    for person in (alumna, coach):
        other = _other(booking, person)
        body = texts.render(person.locale, f"sessions.{kind}", other=other.name, slot=slot, zone=person.timezone, coach=person is coach)
        ics = invitation(
            uid=f"ecoach-booking-{booking.id}", start=slot.starts_at, minutes=slot.minutes,
            summary=html_to_plain(texts.render(person.locale, "sessions.ics_summary", alumna=alumna.name, coach=coach.name)),
            location=slot.link or slot.place or "",
            description=html_to_plain(texts.render(person.locale, "sessions.ics_description", slot=slot)),
            stamp=now, zone=person.timezone,
        )  # fmt: skip
        await notify(context, person.telegram_id, body, about=alumna.id, attachment=(texts.render(person.locale, "files.session"), ics))
        for before in REMINDERS:
            if (due := slot.starts_at - before) > now:
                reminder = texts.render(
                    person.locale,
                    "sessions.reminder",
                    other=other.name,
                    slot=slot,
                    zone=person.timezone,
                    hours=int(before.total_seconds() // 3600),
                )
                await notify(context, person.telegram_id, reminder, about=alumna.id, later=Later(due, _topic(booking), slot.starts_at))
    end = outside_quiet_hours(ends_at(booking), coach.timezone)  # an evening session's prompt waits for her morning
    markup = InlineKeyboardMarkup(
        [[BookingAction("notes", booking.id).key(texts.render(coach.locale, "sessions.button_notes", name=alumna.called)),
          BookingAction("absent", booking.id).key(texts.render(coach.locale, "sessions.button_alumna_absent", name=alumna.called))]]
    )  # fmt: skip
    prompt = texts.render(coach.locale, "sessions.notes_wanted", name=alumna.name)
    await notify(context, coach.telegram_id, prompt, markup, about=alumna.id, later=Later(end, _topic(booking), end + NOTES_WANTED_FOR))


async def _tell_cancelled(context: EcoachContext, booking: Booking, *, by: Person) -> None:
    """The reminders are withdrawn and the other side is told."""
    await withdraw(session=context.session, topic=_topic(booking))
    other = _other(booking, by)
    body = context.runtime.texts.render(other.locale, "sessions.cancelled_by_other", other=by.name, slot=booking.slot, zone=other.timezone)
    await notify(context, other.telegram_id, body, about=booking.person_id)


# ----- either side, on one booking ----------------------------------------------------------------


@requires_person
async def on_booking_button(update: Update, context: EcoachContext, person: Person) -> None:
    assert update.callback_query is not None
    pressed = BookingAction.parse(update.callback_query.data)
    booking = await booking_of(session=context.session, booking_id=pressed.booking_id, person=person) if pressed else None
    if pressed is None or booking is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    now, coach_side = context.runtime.clock.now(), person.id == booking.slot.coach_id
    if pressed.action == "cancel":
        await answer_button(update)
        markup = InlineKeyboardMarkup(
            [[BookingAction("cancel_ok", booking.id).key(context.text("sessions.button_cancel_confirm")),
              BookingAction("keep", booking.id).key(context.text("sessions.button_keep"))]]
        )  # fmt: skip
        await context.reply(
            update,
            "sessions.cancel_confirm",
            other=_other(booking, person).name,
            slot=booking.slot,
            zone=person.timezone,
            reply_markup=markup,
        )
        return
    if pressed.action == "keep":
        await answer_button(update, context.text("sessions.kept"))
        context.mark_chosen(update)
        return
    if pressed.action == "move":
        await answer_button(update)
        await _offer_moves(update, context, booking, person)
        return
    if pressed.action == "notes" and coach_side:
        if booking.noted_at is not None or booking.ended is not None:
            await answer_button(update, context.text("sessions.refused_gone"), alert=True)
            return
        await answer_button(update)
        await grow.begin(context, update, booking)
        return
    refusal: Refusal | None = Refusal.GONE
    if pressed.action == "cancel_ok":
        refusal = await cancel_booking(session=context.session, booking=booking, by=person, now=now)
    elif pressed.action == "absent":
        refusal = await mark_absent(session=context.session, booking=booking, by=person, now=now)
    if refusal is not None:
        await answer_button(update, context.text(f"sessions.refused_{refusal.value}"), alert=True)
        return
    other = _other(booking, person)
    if pressed.action == "cancel_ok":
        await _tell_cancelled(context, booking, by=person)
    else:
        await withdraw(session=context.session, topic=_topic(booking))
        body = context.runtime.texts.render(other.locale, "sessions.absent_told", other=person.name, slot=booking.slot, zone=other.timezone)
        await notify(context, other.telegram_id, body, about=booking.person_id)
    await context.session.commit()  # stored before either side is told
    await answer_button(update)
    context.mark_chosen(update)
    key = "sessions.cancelled" if pressed.action == "cancel_ok" else "sessions.absent_marked"
    await context.reply(update, key, other=other.name, slot=booking.slot, zone=person.timezone, coach=coach_side)


async def _offer_moves(update: Update, context: EcoachContext, booking: Booking, person: Person) -> None:
    """The same coach's other free slots, as buttons."""
    others = [
        s
        for s in await free_slots(
            session=context.session, alumna=booking.person, now=context.runtime.clock.now(), coach_id=booking.slot.coach_id
        )
        if s.id != booking.slot_id
    ]
    if not others:
        await context.reply(update, "sessions.no_other_slots")
        return
    rows = [
        [MoveBooking(booking.id, slot.id).key(context.text("sessions.button_book", slot=slot, zone=person.timezone))] for slot in others
    ]
    await context.reply(update, "sessions.move_to", slot=booking.slot, zone=person.timezone, reply_markup=InlineKeyboardMarkup(rows))


@requires_person
async def on_move(update: Update, context: EcoachContext, person: Person) -> None:
    assert update.callback_query is not None
    pressed = MoveBooking.parse(update.callback_query.data)
    booking = await booking_of(session=context.session, booking_id=pressed.booking_id, person=person) if pressed else None
    if pressed is None or booking is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    refusal = await move_booking(session=context.session, booking=booking, slot_id=pressed.slot_id, now=context.runtime.clock.now())
    if refusal is not None:
        await answer_button(update, context.text(f"sessions.refused_{refusal.value}"), alert=True)
        return
    await _tell_booked(context, booking, "moved")
    await context.session.commit()  # stored before she is told
    await answer_button(update, context.text("sessions.moved_short"))
    context.mark_chosen(update)


# ----- the follow-ups of agreed actions -----------------------------------------------------------


@requires_alumna
async def on_follow_up(update: Update, context: EcoachContext, alumna: Person) -> None:
    """Sudah / Belum / Ubah tanggal under an agreed action's follow-up."""
    assert update.callback_query is not None
    pressed = FollowUp.parse(update.callback_query.data)
    action = await action_of(session=context.session, action_id=pressed.action_id, alumna=alumna) if pressed else None
    if pressed is None or action is None or action.done_at is not None:
        await answer_button(update, context.text("sessions.refused_gone"))
        return
    if pressed.action == "move":
        await answer_button(update)
        await grow.begin_move(context, update, action)
        return
    now = context.runtime.clock.now()
    again = now.date() + FOLLOW_UP_AGAIN
    if pressed.action == "done":
        action.done_at = now
        await withdraw(session=context.session, topic=grow.follow_up_topic(action))
    else:
        await grow.schedule_follow_up(context, action, alumna, on=again)
    await context.session.commit()  # stored before she is told
    await answer_button(update)
    context.mark_chosen(update)
    await context.reply(update, "grow.done" if pressed.action == "done" else "grow.later", action=action.text, day=again)
