"""After a session the coach writes its notes by GROW (Goal, Reality, Options, Will); each part may be
skipped. The Will is a list of actions with due dates: they reach the alumna, and each is followed up
on its date ("Sudah / Belum / Ubah tanggal"). Moving an action's date is a one-step flow of its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import FollowUp
from bot.kernel.context import EcoachContext
from bot.kernel.notices import notify
from bot.kernel.parsing import Invalid, clean_text, read_date
from conversations import engine
from conversations.engine import Flow, OptionalTextStep, Prompt, Step, Turn
from db.bookings import ACTION_MAX, NOTE_MAX, Notes, action_of, booking_of, save_notes
from db.models import AgreedAction, Booking, Person
from db.notices import Later, withdraw
from db.people import person_by_telegram_id
from db.schedule import outside_quiet_hours

MAX_ACTIONS = 8
ACTIONS_AHEAD = timedelta(days=365)
FOLLOW_UP_AT = time(8, 0)  # her morning, on the action's date


def follow_up_topic(action: AgreedAction) -> str:
    return f"action:{action.id}"


async def schedule_follow_up(context: EcoachContext, action: AgreedAction, person: Person, *, on: date | None = None) -> None:
    """Her follow-up of one action, on its date or `on` (replacing one still pending)."""
    await withdraw(session=context.session, topic=follow_up_topic(action))
    at = outside_quiet_hours(
        datetime.combine(on or action.due_date, FOLLOW_UP_AT, tzinfo=ZoneInfo(person.timezone)).astimezone(UTC), person.timezone
    )
    texts = context.runtime.texts
    markup = InlineKeyboardMarkup(
        [[FollowUp("done", action.id).key(texts.render(person.locale, "grow.button_done")),
          FollowUp("later", action.id).key(texts.render(person.locale, "grow.button_later"))],
         [FollowUp("move", action.id).key(texts.render(person.locale, "grow.button_move"))]]
    )  # fmt: skip
    body = texts.render(person.locale, "grow.follow_up", name=person.called, action=action.text, due=action.due_date)
    await notify(
        context,
        person.telegram_id,
        body,
        markup,
        about=person.id,
        later=Later(max(at, context.runtime.clock.now()), follow_up_topic(action)),
    )


class ActionStep(Step):
    """One agreed action, or Selesai when there are no more."""

    name = "action"

    async def prompt(self, turn: Turn) -> Prompt:
        actions = turn.data.get("actions", [])
        return Prompt("grow.action", {"count": len(actions), "limit": ACTION_MAX}, [[(turn.text("grow.button_finish"), "done")]])

    async def on_text(self, turn: Turn, text: str) -> str | None:
        if len(turn.data.get("actions", [])) >= MAX_ACTIONS:
            raise Invalid("grow.too_many", limit=MAX_ACTIONS)
        turn.set("pending", clean_text(text, ACTION_MAX))
        return "action_due"

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value != "done":
            raise Invalid("input.use_buttons")
        return engine.DONE


class ActionDueStep(Step):
    name = "action_due"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("grow.action_due", {"action": turn.data["pending"]})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        today = turn.now.date()
        due = read_date(text, today, today + ACTIONS_AHEAD)
        turn.set("actions", [*turn.data.get("actions", []), [turn.pop("pending"), due.isoformat()]])
        return "action"


class Grow(Flow):
    code = "gr"
    keep_on_cancel = True  # notes half written are kept: /batal pauses them

    async def finish(self, turn: Turn) -> None:
        coach = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
        booking = await booking_of(session=turn.session, booking_id=turn.data["booking_id"], person=coach) if coach else None
        if coach is None or booking is None or booking.slot.coach_id != coach.id or booking.noted_at is not None:
            await turn.context.reply(turn.update, "sessions.gone")
            return
        data = turn.data
        notes = Notes(
            goal=data.get("goal"), reality=data.get("reality"), options=data.get("options"),
            actions=[(text, date.fromisoformat(due)) for text, due in data.get("actions", [])],
        )  # fmt: skip
        actions = await save_notes(session=turn.session, booking=booking, notes=notes, now=turn.now)
        alumna = booking.person
        body = turn.context.runtime.texts.render(
            alumna.locale, "grow.to_alumna", name=alumna.called, coach=coach.name, booking=booking, actions=actions
        )
        await notify(turn.context, alumna.telegram_id, body, about=alumna.id)
        for action in actions:
            await schedule_follow_up(turn.context, action, alumna)
        await turn.context.reply(turn.update, "grow.saved", name=alumna.name, actions=len(actions))


GROW = engine.register(
    Grow(
        [
            OptionalTextStep("goal", key="grow.goal", limit=NOTE_MAX, shows=("name",)),
            OptionalTextStep("reality", key="grow.reality", limit=NOTE_MAX),
            OptionalTextStep("options", key="grow.options", limit=NOTE_MAX),
            ActionStep(),
            ActionDueStep(),
        ]
    )
)


class NewDueStep(Step):
    name = "due"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("grow.new_due", {"action": turn.data["text"]})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        today = turn.now.date()
        turn.set("due", read_date(text, today, today + ACTIONS_AHEAD).isoformat())
        return None


class MoveAction(Flow):
    code = "ga"

    async def finish(self, turn: Turn) -> None:
        person = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
        action = await action_of(session=turn.session, action_id=turn.data["action_id"], alumna=person) if person else None
        if person is None or action is None or action.done_at is not None:
            await turn.context.reply(turn.update, "sessions.gone")
            return
        action.due_date = date.fromisoformat(turn.data["due"])
        await schedule_follow_up(turn.context, action, person)
        await turn.context.reply(turn.update, "grow.moved", action=action.text, due=action.due_date)


MOVE_ACTION = engine.register(MoveAction([NewDueStep()]))


async def begin(context: EcoachContext, update: Update, booking: Booking) -> None:
    await engine.start(context, update, GROW, {"booking_id": booking.id, "name": booking.person.name})


async def begin_move(context: EcoachContext, update: Update, action: AgreedAction) -> None:
    await engine.start(context, update, MOVE_ACTION, {"action_id": action.id, "text": action.text})
