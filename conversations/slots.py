"""/jadwal (/slots) → Tambah slot: a coach publishes coaching slots in her own time zone."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import SlotAction
from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid, clean_text, read_date, read_time
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, TextStep, Turn
from db.bookings import BOOK_UNTIL, LENGTHS, LINK_MAX, MAX_WEEKS, PLACE_MAX, publish_slots, slot_starts
from db.people import person_by_telegram_id

AHEAD = timedelta(days=180)  # slots are published at most half a year ahead
MEETING_LINK = re.compile(r"^https://\S+$", re.IGNORECASE)
WEEKS = ("1", "2", "4", "8", str(MAX_WEEKS))


async def _zone(turn: Turn) -> str:
    person = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
    return person.timezone if person else "Asia/Jakarta"


class DayStep(Step):
    name = "day"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("slots.day", {})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        today = turn.now.date()
        turn.set("day", read_date(text, today, today + AHEAD).isoformat())
        return None


class StartStep(Step):
    """The time on her clock; the first session must still be bookable."""

    name = "start"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("slots.start", {"day": turn.data["day"]})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        at = read_time(text)
        first = slot_starts(day=date.fromisoformat(turn.data["day"]), at=time.fromisoformat(at), zone=await _zone(turn), weeks=1)[0]
        if first <= turn.now + BOOK_UNTIL:
            raise Invalid("slots.too_soon")
        turn.set("start", at)
        return None


class LinkStep(TextStep):
    """A meeting link people can open: https only, one word."""

    def __init__(self) -> None:
        super().__init__("link", key="slots.link", limit=LINK_MAX)

    async def on_text(self, turn: Turn, text: str) -> str | None:
        link = clean_text(text, LINK_MAX)
        if not MEETING_LINK.match(link):
            raise Invalid("slots.bad_link")
        turn.set("link", link)
        return None


class Slots(Flow):
    code = "sl"

    def after(self, turn: Turn, step: str) -> str:
        if step == "mode":
            return "link" if turn.data["mode"] == "online" else "place"
        if step in ("link", "place"):
            return engine.DONE
        return super().after(turn, step)

    async def finish(self, turn: Turn) -> None:
        coach = await person_by_telegram_id(session=turn.session, telegram_id=turn.telegram_id)
        if coach is None:
            await turn.context.reply(turn.update, "coach.only_coaches")
            return
        data = turn.data
        starts = slot_starts(
            day=date.fromisoformat(data["day"]), at=time.fromisoformat(data["start"]), zone=coach.timezone, weeks=int(data["weeks"])
        )
        made, clashing = await publish_slots(
            session=turn.session, coach=coach, starts=starts, minutes=int(data["minutes"]),
            link=data.get("link") if data["mode"] == "online" else None, place=data.get("place") if data["mode"] != "online" else None,
            now=turn.now,
        )  # fmt: skip
        more = InlineKeyboardMarkup([[SlotAction("add", 0).key(turn.text("slots.button_add"))]])
        await turn.context.reply(
            turn.update, "slots.published", made=[slot.starts_at for slot in made], clashing=clashing, zone=coach.timezone,
            minutes=int(data["minutes"]), reply_markup=more,
        )  # fmt: skip


SLOTS = engine.register(
    Slots(
        [
            DayStep(),
            StartStep(),
            ChoiceStep("minutes", key="slots.minutes", options=[str(m) for m in LENGTHS], labels="choices.session_minutes", per_row=3),
            ChoiceStep("weeks", key="slots.weeks", options=WEEKS, labels="choices.slot_weeks", per_row=3),
            ChoiceStep("mode", key="slots.mode", options=["online", "in_person"], labels="choices.session_mode"),
            LinkStep(),
            TextStep("place", key="slots.place", limit=PLACE_MAX),
        ]
    )
)


async def begin(context: EcoachContext, update: Update) -> None:
    await engine.start(context, update, SLOTS, {})
