"""/umumkan (/announce): an organizer or coach announces to a cohort or the community, after a preview."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid, read_date, read_time
from conversations import engine
from conversations.engine import ChoiceStep, Flow, Prompt, Step, TextStep, Turn
from db.broadcasts import create_broadcast
from db.coaching import is_coach
from db.models import BroadcastKind, Cohort, Event

TITLE_LIMIT = 150
BODY_LIMIT = 1500
PLACE_LIMIT = 300
KINDS = ["event", "job", "talent_pool", "general"]
REMINDER_AT = time(8, 0)  # the day before an event, in the default time zone
EVENT_WINDOW = timedelta(days=730)


class AudienceStep(Step):
    name = "audience"

    async def prompt(self, turn: Turn) -> Prompt:
        buttons = [[(turn.text("announce.everyone"), "all")]] if turn.data.get("everyone") else []
        buttons += [[(name, str(cohort_id))] for cohort_id, name in turn.data["cohorts"]]
        return Prompt("announce.audience", {}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        allowed = {str(cohort_id) for cohort_id, _ in turn.data["cohorts"]} | ({"all"} if turn.data.get("everyone") else set())
        if value not in allowed:
            raise Invalid("input.use_buttons")
        turn.set("audience", value)
        return None


class KindStep(ChoiceStep):
    async def on_choice(self, turn: Turn, value: str) -> str | None:
        await super().on_choice(turn, value)
        return None


class EventDateStep(Step):
    name = "event_date"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("announce.event_date", {})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        today = turn.now.date()
        turn.set("event_date", read_date(text, today, today + EVENT_WINDOW).isoformat())
        return None


class EventTimeStep(Step):
    name = "event_time"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt("announce.event_time", {})

    async def on_text(self, turn: Turn, text: str) -> str | None:
        turn.set("event_time", read_time(text))
        return None


class PreviewStep(Step):
    name = "preview"

    async def prompt(self, turn: Turn) -> Prompt:
        data = turn.data
        audience = (
            turn.text("announce.everyone") if data["audience"] == "all" else dict((str(i), n) for i, n in data["cohorts"])[data["audience"]]
        )
        preview = turn.text(
            "broadcast.announcement",
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            event={"title": data["title"], "place": data.get("place")} if data["kind"] == "event" else None,
            when=_starts_at(turn).astimezone(ZoneInfo(turn.context.runtime.settings.default_timezone)) if data["kind"] == "event" else None,
        )
        buttons = [[(turn.text("announce.send"), "send")], [(turn.text("announce.cancel"), "cancel")]]
        return Prompt("announce.preview", {"audience": audience, "preview": preview}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "send":
            return engine.DONE
        if value == "cancel":
            await turn.session.delete(turn.draft)
            await turn.context.reply(turn.update, "cancel.done")
            return engine.END
        raise Invalid("input.use_buttons")


def _starts_at(turn: Turn) -> datetime:
    zone = ZoneInfo(turn.context.runtime.settings.default_timezone)
    day = datetime.fromisoformat(turn.data["event_date"]).date()
    return datetime.combine(day, time.fromisoformat(turn.data["event_time"]), tzinfo=zone).astimezone(UTC)


class Announce(Flow):
    code = "an"

    def after(self, turn: Turn, step: str) -> str:
        following = super().after(turn, step)
        if following == "event_date" and turn.data.get("kind") != "event":
            return "preview"  # date, time and place belong to events only
        return following

    async def finish(self, turn: Turn) -> None:
        data = turn.data
        cohort_id = None if data["audience"] == "all" else int(data["audience"])
        if cohort_id is not None and await turn.session.get(Cohort, cohort_id) is None:
            raise Invalid("plan.gone")
        admin = turn.telegram_id in turn.context.runtime.settings.admin_ids
        if not admin and (cohort_id is None or not await is_coach(session=turn.session, telegram_id=turn.telegram_id, cohort_id=cohort_id)):
            await turn.context.reply(turn.update, "coach.only_coaches")  # her rights ended while she wrote it
            return
        now = turn.now
        event = None
        if data["kind"] == "event":
            event = Event(
                cohort_id=cohort_id,
                title=data["title"],
                starts_at=_starts_at(turn),
                place=data["place"],
                created_by=data.get("person_id"),
                created_at=now,
            )
            turn.session.add(event)
            await turn.session.flush()
        broadcast = await create_broadcast(
            session=turn.session,
            kind=BroadcastKind(data["kind"]),
            cohort_id=cohort_id,
            title=data["title"],
            body=data["body"],
            event_id=event.id if event else None,
            created_by=data.get("person_id"),
            now=now,
        )
        if event is not None:
            zone = ZoneInfo(turn.context.runtime.settings.default_timezone)
            eve = datetime.combine(event.starts_at.astimezone(zone).date() - timedelta(days=1), REMINDER_AT, tzinfo=zone).astimezone(UTC)
            if eve > now:
                await create_broadcast(
                    session=turn.session,
                    kind=BroadcastKind.EVENT_REMINDER,
                    cohort_id=cohort_id,
                    title=data["title"],
                    event_id=event.id,
                    created_by=data.get("person_id"),
                    now=now,
                    due_at=eve,
                )
        await turn.context.reply(turn.update, "announce.queued", broadcast=broadcast.id)


ANNOUNCE = engine.register(
    Announce(
        [
            AudienceStep(),
            KindStep("kind", key="announce.kind", options=KINDS, labels="choices.announcement", per_row=2),
            TextStep("title", key="announce.title", limit=TITLE_LIMIT),
            TextStep("body", key="announce.body", limit=BODY_LIMIT),
            EventDateStep(),
            EventTimeStep(),
            TextStep("place", key="announce.place", limit=PLACE_LIMIT),
            PreviewStep(),
        ]
    )
)


async def begin(context: EcoachContext, update: Update, cohorts: list[tuple[int, str]], person_id: int | None, *, everyone: bool) -> None:
    """`everyone`: the whole community is offered too (organizers only)."""
    await engine.start(context, update, ANNOUNCE, {"cohorts": cohorts, "person_id": person_id, "everyone": everyone})
