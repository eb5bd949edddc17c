"""1-on-1 coaching sessions: a coach's slots, an alumna's bookings, GROW notes and the actions agreed.

A slot is booked at most once: the database's partial unique index on live bookings decides between
two presses at the same moment, not a read before the write.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Exists, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from db.models import AgreedAction, Booking, BookingEnd, CoachingSlot, Membership, Person, Role

LENGTHS = (30, 45, 60)  # minutes a session may last
MAX_WEEKS = 12  # a slot repeated weekly, at most this many times
CHANGE_UNTIL = timedelta(hours=2)  # either side may move or cancel a session up to this long before it
BOOK_UNTIL = timedelta(hours=1)  # a slot starting sooner is no longer offered
MAX_UPCOMING = 2  # bookings one alumna may hold at once: the slots are her cohort-mates' too
SHOWN = 8  # free slots offered at once
REMINDERS = (timedelta(hours=24), timedelta(hours=1))  # before the session, to both sides
PLACE_MAX, LINK_MAX, ACTION_MAX, NOTE_MAX = 200, 500, 300, 2000


class Refusal(enum.StrEnum):
    """Why a booking, move or cancellation did not happen; each has its text `sessions.refused_<value>`."""

    TAKEN = "taken"  # someone booked it first
    GONE = "gone"  # cancelled, started, or not her coach's
    TOO_LATE = "too_late"  # less than CHANGE_UNTIL before the session
    TOO_MANY = "too_many"  # she holds MAX_UPCOMING already
    NOT_YET = "not_yet"  # a no-show before the session began
    YOURS = "yours"  # she holds this slot already (the same press, delivered again after a crash)


def slot_starts(*, day: date, at: time, zone: str, weeks: int) -> list[datetime]:
    """The session starts, in UTC, of a slot repeated weekly in her zone (1 = just this one)."""
    first = datetime.combine(day, at, tzinfo=ZoneInfo(zone))
    return [(first + timedelta(weeks=week)).astimezone(UTC) for week in range(weeks)]


def _overlaps(start: datetime, minutes: int, other: CoachingSlot) -> bool:
    return start < other.starts_at + timedelta(minutes=other.minutes) and other.starts_at < start + timedelta(minutes=minutes)


async def publish_slots(
    *, session: AsyncSession, coach: Person, starts: list[datetime], minutes: int, link: str | None, place: str | None, now: datetime
) -> tuple[list[CoachingSlot], list[datetime]]:
    """Her new slots, and the starts left out because they overlap a slot she already offers."""
    assert minutes in LENGTHS and (link is None) != (place is None)
    mine = list(await session.scalars(select(CoachingSlot).where(CoachingSlot.coach_id == coach.id, _live_slot(now))))
    made: list[CoachingSlot] = []
    clashing: list[datetime] = []
    for start in starts:
        if any(_overlaps(start, minutes, other) for other in mine + made):
            clashing.append(start)
            continue
        made.append(CoachingSlot(coach_id=coach.id, starts_at=start, minutes=minutes, link=link, place=place, created_at=now))
    session.add_all(made)
    await session.flush()
    return made, clashing


def _live_slot(now: datetime) -> ColumnElement[bool]:
    return (CoachingSlot.cancelled_at.is_(None)) & (CoachingSlot.starts_at > now)


def _live_booking() -> ColumnElement[bool]:
    return Booking.ended.is_(None)


@dataclass(frozen=True)
class SlotView:
    slot: CoachingSlot
    booking: Booking | None  # the live booking of it, with her person


async def coach_schedule(*, session: AsyncSession, coach: Person, now: datetime, since: timedelta = timedelta(days=7)) -> list[SlotView]:
    """Her slots from a week ago on, with who booked each: past ones still take notes and no-shows."""
    rows = await session.execute(
        select(CoachingSlot, Booking)
        .outerjoin(Booking, (Booking.slot_id == CoachingSlot.id) & _live_booking())
        .where(CoachingSlot.coach_id == coach.id, CoachingSlot.cancelled_at.is_(None), CoachingSlot.starts_at > now - since)
        .order_by(CoachingSlot.starts_at, CoachingSlot.id)
        .options(selectinload(Booking.person))
    )
    return [SlotView(slot, booking) for slot, booking in rows]


async def slot_of_coach(*, session: AsyncSession, coach: Person, slot_id: int) -> CoachingSlot | None:
    return await session.scalar(select(CoachingSlot).where(CoachingSlot.id == slot_id, CoachingSlot.coach_id == coach.id))


async def cancel_slot(*, session: AsyncSession, slot: CoachingSlot, now: datetime) -> Booking | Refusal | None:
    """Withdraw a slot; its live booking (returned, to tell her) is cancelled with it. Within two hours
    of a booked session it is too late, as for her."""
    booking = await _live_booking_of(session, slot.id)
    if slot.cancelled_at is not None or slot.starts_at <= now:
        return Refusal.GONE
    if booking is not None:
        if slot.starts_at - now < CHANGE_UNTIL:
            return Refusal.TOO_LATE
        booking.ended, booking.ended_at, booking.ended_by = BookingEnd.CANCELLED, now, slot.coach_id
    slot.cancelled_at = now
    return booking


async def _live_booking_of(session: AsyncSession, slot_id: int) -> Booking | None:
    return await session.scalar(
        select(Booking).where(Booking.slot_id == slot_id, _live_booking()).options(selectinload(Booking.person), selectinload(Booking.slot))
    )


def _coaches_of(alumna: Person) -> Exists:
    """Coaches of a cohort she is an alumna of."""
    hers, theirs = aliased(Membership), aliased(Membership)
    return exists().where(
        hers.person_id == alumna.id,
        hers.role == Role.ALUMNI,
        theirs.cohort_id == hers.cohort_id,
        theirs.role == Role.COACH,
        theirs.person_id == CoachingSlot.coach_id,
    )


async def free_slots(*, session: AsyncSession, alumna: Person, now: datetime, coach_id: int | None = None) -> list[CoachingSlot]:
    """Her cohort coaches' slots nobody has booked, soonest first (only `coach_id`'s, for a move)."""
    query = (
        select(CoachingSlot)
        .where(
            CoachingSlot.cancelled_at.is_(None),
            CoachingSlot.starts_at > now + BOOK_UNTIL,
            _coaches_of(alumna),
            ~exists().where(Booking.slot_id == CoachingSlot.id, _live_booking()),
        )
        .order_by(CoachingSlot.starts_at, CoachingSlot.id)
        .limit(SHOWN)
        .options(selectinload(CoachingSlot.coach))
    )
    if coach_id is not None:
        query = query.where(CoachingSlot.coach_id == coach_id)
    return list(await session.scalars(query))


async def _bookable(session: AsyncSession, alumna: Person, slot_id: int, now: datetime) -> CoachingSlot | None:
    return await session.scalar(
        select(CoachingSlot)
        .where(
            CoachingSlot.id == slot_id, CoachingSlot.cancelled_at.is_(None), CoachingSlot.starts_at > now + BOOK_UNTIL, _coaches_of(alumna)
        )
        .options(selectinload(CoachingSlot.coach))
    )


async def _upcoming_count(session: AsyncSession, alumna: Person, now: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Booking)
            .join(CoachingSlot)
            .where(Booking.person_id == alumna.id, _live_booking(), CoachingSlot.starts_at > now)
        )
        or 0
    )


async def book(*, session: AsyncSession, alumna: Person, slot_id: int, now: datetime) -> Booking | Refusal:
    """Book a slot for her; the unique index settles a race, inside a savepoint so her update goes on."""
    slot = await _bookable(session, alumna, slot_id, now)
    if slot is None:
        return Refusal.GONE
    held = await _live_booking_of(session, slot.id)
    if held is not None:
        return Refusal.YOURS if held.person_id == alumna.id else Refusal.TAKEN
    if await _upcoming_count(session, alumna, now) >= MAX_UPCOMING:
        return Refusal.TOO_MANY
    booking = Booking(slot_id=slot.id, person_id=alumna.id, booked_at=now)
    try:
        async with session.begin_nested():
            session.add(booking)
    except IntegrityError:
        return Refusal.TAKEN
    booking.slot, booking.person = slot, alumna
    return booking


async def booking_of(*, session: AsyncSession, booking_id: int, person: Person) -> Booking | None:
    """A booking she made, or one of the slots she coaches: nobody else's."""
    booking = await session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(selectinload(Booking.slot).selectinload(CoachingSlot.coach), selectinload(Booking.person), selectinload(Booking.actions))
    )
    if booking is None or person.id not in (booking.person_id, booking.slot.coach_id):
        return None
    return booking


async def my_bookings(*, session: AsyncSession, alumna: Person, now: datetime, since: timedelta = timedelta(days=7)) -> list[Booking]:
    """Her live bookings from a week ago on, soonest first."""
    rows = await session.scalars(
        select(Booking)
        .join(CoachingSlot)
        .where(Booking.person_id == alumna.id, _live_booking(), CoachingSlot.starts_at > now - since)
        .order_by(CoachingSlot.starts_at)
        .options(selectinload(Booking.slot).selectinload(CoachingSlot.coach))
    )
    return list(rows)


async def cancel_booking(*, session: AsyncSession, booking: Booking, by: Person, now: datetime) -> Refusal | None:
    if booking.ended is not None or booking.slot.starts_at <= now:
        return Refusal.GONE
    if booking.slot.starts_at - now < CHANGE_UNTIL:
        return Refusal.TOO_LATE
    booking.ended, booking.ended_at, booking.ended_by = BookingEnd.CANCELLED, now, by.id
    return None


async def move_booking(*, session: AsyncSession, booking: Booking, slot_id: int, now: datetime) -> Refusal | None:
    """Move a session to another free slot of the same coach; the old slot is free again."""
    if booking.ended is not None or booking.slot.starts_at <= now:
        return Refusal.GONE
    if booking.slot.starts_at - now < CHANGE_UNTIL:
        return Refusal.TOO_LATE
    if slot_id == booking.slot_id:
        return Refusal.YOURS
    target = await _bookable(session, booking.person, slot_id, now)
    if target is None or target.coach_id != booking.slot.coach_id:
        return Refusal.GONE
    old = booking.slot_id
    try:
        async with session.begin_nested():
            booking.slot_id = target.id
    except IntegrityError:
        booking.slot_id = old
        return Refusal.TAKEN
    booking.slot = target
    return None


async def mark_absent(*, session: AsyncSession, booking: Booking, by: Person, now: datetime) -> Refusal | None:
    """A no-show, marked by the side that came: the coach marks her absent, she marks the coach."""
    if booking.ended is not None:
        return Refusal.GONE
    if booking.slot.starts_at > now:
        return Refusal.NOT_YET
    booking.ended = BookingEnd.ALUMNA_ABSENT if by.id == booking.slot.coach_id else BookingEnd.COACH_ABSENT
    booking.ended_at, booking.ended_by = now, by.id
    return None


def ends_at(booking: Booking) -> datetime:
    return booking.slot.starts_at + timedelta(minutes=booking.slot.minutes)


@dataclass(frozen=True)
class Notes:
    goal: str | None
    reality: str | None
    options: str | None
    actions: list[tuple[str, date]]  # the Will: what she agreed to do, by when


async def save_notes(*, session: AsyncSession, booking: Booking, notes: Notes, now: datetime) -> list[AgreedAction]:
    """Store the GROW notes once; the agreed actions become follow-ups of hers."""
    booking.goal, booking.reality, booking.options, booking.noted_at = notes.goal, notes.reality, notes.options, now
    actions = [
        AgreedAction(booking_id=booking.id, person_id=booking.person_id, text=text, due_date=due, first_due_date=due, created_at=now)
        for text, due in notes.actions
    ]
    session.add_all(actions)
    await session.flush()
    return actions


async def action_of(*, session: AsyncSession, action_id: int, alumna: Person) -> AgreedAction | None:
    return await session.scalar(select(AgreedAction).where(AgreedAction.id == action_id, AgreedAction.person_id == alumna.id))


async def notes_of(*, session: AsyncSession, person: Person, limit: int = 5) -> list[Booking]:
    """Her latest sessions with notes, newest first, with their actions and coach."""
    rows = await session.scalars(
        select(Booking)
        .join(CoachingSlot)
        .where(Booking.person_id == person.id, Booking.noted_at.is_not(None))
        .order_by(CoachingSlot.starts_at.desc())
        .limit(limit)
        .options(selectinload(Booking.slot).selectinload(CoachingSlot.coach), selectinload(Booking.actions))
    )
    return list(rows)


def on_time(action: AgreedAction, zone: str) -> bool:
    """Done by the end of the day first agreed, on her calendar."""
    return action.done_at is not None and action.done_at.astimezone(ZoneInfo(zone)).date() <= action.first_due_date
