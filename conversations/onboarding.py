"""Joining a cohort: consent, profile, a SMART PAP with milestones, and the reflection reminder slot;
and, for an alumna already enrolled elsewhere, the question whether to move."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from telegram import Update

from bot.kernel.context import EcoachContext
from bot.kernel.parsing import Invalid, clean_text, read_date, read_nip
from conversations import engine
from conversations.engine import END, STAY, ChoiceStep, Flow, OptionalTextStep, Prompt, Step, TextStep, Turn
from conversations.reflection import ReminderTimeStep
from db.checkins import plan_checkins
from db.drafts import ONBOARDING_FLOW
from db.enrolment import AlumnaPlan, MilestonePlan, enrol_alumna, give_consent, refuse_consent
from db.models import Cohort, PositionLevel, first_name
from db.plans import MAX_MILESTONES
from db.reminders import replan_reflection_reminders
from db.schedule import ZONES, add_months

MIN_MILESTONES = 2
LATEST_END_MONTHS = 12  # a PAP may run at most a year past the training

# Limits keep the whole summary readable on a phone (and each part under Telegram's 4096).
LIMITS = {"name": 120, "short_name": 40, "agency": 150, "work_unit": 150, "title": 150, "problem": 800, "goal": 800,
          "indicator": 400, "baseline": 200, "target": 200, "resources": 800, "relevance": 800,
          "milestone": 150}  # fmt: skip

SECTIONS = {  # section -> its first step; a section runs until the next one starts
    "profile": "name",
    "pap": "title",
    "smart": "goal",
    "milestones": "milestones",
    "reminder": "weekday",
}


def training_end(turn: Turn) -> date:
    return date.fromisoformat(turn.data["training_end"])


def pap_end(turn: Turn) -> date:
    return date.fromisoformat(turn.data["end_date"])


def check_milestones_within(turn: Turn, key: str) -> None:
    """Before saving: every milestone between the training's end and the PAP's (a changed end date may
    leave one behind); `key` says so, naming the first outside."""
    late = [m for m in turn.data.get("milestones", []) if not training_end(turn) <= date.fromisoformat(m["due"]) <= pap_end(turn)]
    if late:
        raise Invalid(key, title=late[0]["title"], latest=pap_end(turn))


class ConsentStep(Step):
    name = "consent"

    async def prompt(self, turn: Turn) -> Prompt:
        return Prompt(
            "onboarding.consent",
            {"cohort": turn.data["cohort_name"]},
            [[(turn.text("onboarding.consent_agree"), "agree")], [(turn.text("onboarding.consent_decline"), "decline")]],
        )

    async def on_text(self, turn: Turn, text: str) -> str | None:
        raise Invalid("input.use_buttons")

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "agree":
            user = turn.update.effective_user
            assert user is not None
            await give_consent(
                session=turn.session,
                telegram_id=user.id,
                name=user.full_name[: LIMITS["name"]],
                locale=turn.context.locale,
                timezone=turn.context.runtime.settings.default_timezone,
                now=turn.now,
            )
            return None
        if value == "decline":
            await refuse_consent(session=turn.session, telegram_id=turn.telegram_id, cohort_id=turn.data["cohort_id"], now=turn.now)
            await turn.session.delete(turn.draft)  # nothing of hers is kept beyond the refusal
            await turn.context.reply(turn.update, "onboarding.declined")
            return END
        raise Invalid("input.use_buttons")


class ShortNameStep(Step):
    """Her nama panggilan, for greetings; her first name (without titles) is one tap away."""

    name = "short_name"

    async def prompt(self, turn: Turn) -> Prompt:
        suggested = first_name(turn.data["name"])
        label = f"{turn.text('onboarding.short_name_use')} {suggested}"  # a button is plain text: her name is not escaped
        return Prompt("onboarding.short_name", {}, [[(label, "first")]])

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value != "first":
            raise Invalid("input.use_buttons")
        turn.set(self.name, first_name(turn.data["name"]))
        return None

    async def on_text(self, turn: Turn, text: str) -> str | None:
        turn.set(self.name, clean_text(text, LIMITS[self.name]))
        return None


class NipStep(OptionalTextStep):
    """Her NIP, for the e-portfolio's header; she may skip it and add it later in /pap."""

    def __init__(self) -> None:
        super().__init__("nip", key="onboarding.nip", limit=len("19850312 201001 2 004"))

    async def on_text(self, turn: Turn, text: str) -> str | None:
        turn.set(self.store, read_nip(text))
        return None


class EndDateStep(Step):
    name = "end_date"

    async def prompt(self, turn: Turn) -> Prompt:
        default = date.fromisoformat(turn.data["default_end"])
        earliest, latest = self.window(turn)
        label = turn.text("onboarding.end_date_default", day=default)
        return Prompt("onboarding.end_date", {"default": default, "earliest": earliest, "latest": latest}, [[(label, "default")]])

    @staticmethod
    def window(turn: Turn) -> tuple[date, date]:
        return training_end(turn) + timedelta(days=1), add_months(training_end(turn), LATEST_END_MONTHS)

    async def on_text(self, turn: Turn, text: str) -> str | None:
        turn.set("end_date", read_date(text, *self.window(turn)).isoformat())
        return None

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value != "default":
            raise Invalid("input.use_buttons")
        turn.set("end_date", turn.data["default_end"])
        return None


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class MilestonesStep(Step):
    """A loop: a title, then its due date, two to eight times."""

    name = "milestones"

    async def prompt(self, turn: Turn) -> Prompt:
        items = turn.data.get("milestones", [])
        pending = turn.data.get("pending_milestone")
        number = len(items) + 1
        if pending:
            return Prompt(
                "onboarding.milestone_due", {"number": number, "title": pending, "earliest": training_end(turn), "latest": pap_end(turn)}
            )
        if len(items) < MIN_MILESTONES:
            return Prompt("onboarding.milestone_title", {"number": number, "minimum": MIN_MILESTONES, "maximum": MAX_MILESTONES})
        done = turn.text("onboarding.milestones_done")
        return Prompt("onboarding.milestone_more", {"milestones": items, "number": number, "maximum": MAX_MILESTONES}, [[(done, "done")]])

    async def on_text(self, turn: Turn, text: str) -> str | None:
        items = list(turn.data.get("milestones", []))
        pending = turn.data.get("pending_milestone")
        if pending:
            if _letters(text) == _letters(turn.text("onboarding.milestones_done")):  # "selesai" typed, without the ✅
                raise Invalid("onboarding.milestone_date_missing", title=pending)
            due = read_date(text, training_end(turn), pap_end(turn))
            items.append({"title": pending, "due": due.isoformat()})
            turn.set("milestones", items)
            turn.pop("pending_milestone")
            return None if len(items) >= MAX_MILESTONES else STAY
        turn.set("pending_milestone", clean_text(text, LIMITS["milestone"]))
        return STAY

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if pending := turn.data.get("pending_milestone"):  # an earlier "Selesai", pressed while its date is asked
            raise Invalid("onboarding.milestone_date_missing", title=pending)
        if value == "done" and len(turn.data.get("milestones", [])) >= MIN_MILESTONES:
            return None
        raise Invalid("onboarding.milestones_need", minimum=MIN_MILESTONES)


class SummaryStep(Step):
    name = "summary"

    async def prompt(self, turn: Turn) -> Prompt:
        data = turn.data
        values = {key: data.get(key) for key in LIMITS if key != "milestone"}
        values.update(
            level=turn.text(f"choices.level.{data['level']}"),
            zone=turn.text(f"choices.zone.{data['zone']}"),
            end_date=data["end_date"],
            milestones=data.get("milestones", []),
            weekday=int(data["weekday"]),
            time=data["time"].replace(":", "."),
            cohort=data["cohort_name"],
            nip=data.get("nip"),
        )

        def edit(section: str) -> tuple[str, str]:
            return turn.text(f"onboarding.edit_{section}"), f"edit_{section}"

        buttons = [
            [(turn.text("onboarding.save"), "save")],
            [edit("profile"), edit("pap")],
            [edit("smart"), edit("milestones")],
            [edit("reminder")],
        ]
        return Prompt("onboarding.summary", values, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "save":
            check_milestones_within(turn, "onboarding.milestones_outside")
            return engine.DONE
        section = value.removeprefix("edit_")
        if section not in SECTIONS:
            raise Invalid("input.use_buttons")
        turn.set("editing", section)
        if section == "milestones":
            turn.set("milestones", [])
            turn.pop("pending_milestone")
        return SECTIONS[section]


def _text(name: str, store: str | None = None) -> TextStep:
    return TextStep(name, key=f"onboarding.{name}", limit=LIMITS[store or name], store=store)


class Onboarding(Flow):
    code = ONBOARDING_FLOW
    keep_on_cancel = True

    def after(self, turn: Turn, step: str) -> str:
        following = super().after(turn, step)
        # What her personal link's class list already says is not asked again (she sees it in the summary).
        while following in turn.data.get("prefilled", ()) and not turn.data.get("editing"):
            following = super().after(turn, following)
        # While changing one section from the summary, go back to the summary when it ends.
        if turn.data.get("editing") and (following in SECTIONS.values() or following == "summary"):
            turn.pop("editing")
            return "summary"
        return following

    async def finish(self, turn: Turn) -> None:
        data = turn.data
        plan = AlumnaPlan(
            name=data["name"],
            short_name=data.get("short_name"),  # drafts begun before the question existed have none
            nip=data.get("nip"),
            agency=data["agency"],
            work_unit=data["work_unit"],
            position_level=PositionLevel(data["level"]),
            timezone=ZONES[data["zone"]],
            title=data["title"],
            problem=data["problem"],
            goal=data["goal"],
            indicator=data["indicator"],
            baseline=data["baseline"],
            target=data["target"],
            resources=data["resources"],
            relevance=data["relevance"],
            end_date=pap_end(turn),
            milestones=[MilestonePlan(m["title"], date.fromisoformat(m["due"])) for m in data["milestones"]],
            reflection_weekday=int(data["weekday"]),
            reflection_time=time.fromisoformat(data["time"]),
        )
        cohort = await turn.session.get(Cohort, data["cohort_id"])
        assert cohort is not None
        pap = await enrol_alumna(session=turn.session, telegram_id=turn.telegram_id, cohort=cohort, plan=plan, now=turn.now)
        await replan_reflection_reminders(session=turn.session, person=pap.person, now=turn.now)
        await plan_checkins(session=turn.session, person=pap.person, cohort=cohort, now=turn.now)
        await turn.context.reply(turn.update, "onboarding.saved", name=pap.person.called, title=plan.title)


ONBOARDING = engine.register(
    Onboarding(
        [
            ConsentStep(),
            _text("name"),
            ShortNameStep(),
            _text("agency"),
            _text("work_unit"),
            NipStep(),
            ChoiceStep("level", key="onboarding.level", options=[level.value for level in PositionLevel], labels="choices.level"),
            ChoiceStep("zone", key="onboarding.zone", options=list(ZONES), labels="choices.zone", per_row=3),
            _text("title"),
            _text("problem"),
            _text("goal"),
            _text("indicator"),
            _text("baseline"),
            _text("target"),
            _text("resources"),
            _text("relevance"),
            EndDateStep(),
            MilestonesStep(),
            ChoiceStep("weekday", key="onboarding.weekday", options=[str(day) for day in range(7)], labels="choices.weekday", per_row=4),
            ReminderTimeStep(),
            SummaryStep(),
        ]
    )
)


async def begin(context: EcoachContext, update: Update, cohort: Cohort, known: dict[str, str] | None = None) -> None:
    """Start her onboarding into `cohort`, from the consent question. `known`: her profile from the
    class list her personal link came from (name, nip, agency, work_unit), not asked again."""
    default_end = add_months(cohort.training_end, cohort.monitoring_months)
    prefilled = {key: value[: LIMITS.get(key, len(value))] for key, value in (known or {}).items() if value}
    data: dict[str, Any] = {
        "cohort_id": cohort.id,
        "cohort_name": cohort.name,
        "training_end": cohort.training_end.isoformat(),
        "default_end": default_end.isoformat(),
        "milestones": [],
        **prefilled,
        "prefilled": sorted(prefilled),
    }
    await engine.start(context, update, ONBOARDING, data)


class ConfirmMoveStep(Step):
    """She is enrolled in another cohort: say what will happen, and ask."""

    name = "confirm"

    async def prompt(self, turn: Turn) -> Prompt:
        buttons = [[(turn.text("join.yes"), "yes")], [(turn.text("join.no"), "no")]]
        return Prompt("join.confirm", {"current": turn.data["current_name"], "new": turn.data["cohort_name"]}, buttons)

    async def on_choice(self, turn: Turn, value: str) -> str | None:
        if value == "yes":
            return engine.DONE
        if value == "no":
            await turn.session.delete(turn.draft)
            await turn.context.reply(turn.update, "join.kept", current=turn.data["current_name"])
            return END
        raise Invalid("input.use_buttons")


class JoinOtherCohort(Flow):
    code = "jc"

    async def finish(self, turn: Turn) -> None:
        cohort = await turn.session.get(Cohort, turn.data["cohort_id"])
        assert cohort is not None
        await begin(turn.context, turn.update, cohort)


JOIN_OTHER_COHORT = engine.register(JoinOtherCohort([ConfirmMoveStep()]))


async def begin_move(context: EcoachContext, update: Update, cohort: Cohort, current: Cohort) -> None:
    """An alumna of `current` opened the invite of `cohort`."""
    data = {"cohort_id": cohort.id, "cohort_name": cohort.name, "current_name": current.name}
    await engine.start(context, update, JOIN_OTHER_COHORT, data)
