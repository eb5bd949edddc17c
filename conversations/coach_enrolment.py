"""A coach joins a cohort with the coach invite link: her or his name, then done."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import engine
from conversations.engine import Flow, TextStep, Turn
from db.enrolment import enrol_coach
from db.models import Cohort

NAME_LIMIT = 120


class CoachEnrolment(Flow):
    code = "co"

    async def finish(self, turn: Turn) -> None:
        cohort = await turn.session.get(Cohort, turn.data["cohort_id"])
        assert cohort is not None
        await enrol_coach(
            session=turn.session,
            telegram_id=turn.telegram_id,
            cohort=cohort,
            name=turn.data["name"],
            locale=turn.context.locale,
            timezone=turn.context.runtime.settings.default_timezone,
            now=turn.now,
        )
        await turn.context.reply(turn.update, "coach.enrolled", name=turn.data["name"], cohort=cohort.name)


COACH_ENROLMENT = engine.register(CoachEnrolment([TextStep("name", key="coach.name", limit=NAME_LIMIT)]))


async def begin(context: EcoachContext, update: Update, cohort: Cohort) -> None:
    await engine.start(context, update, COACH_ENROLMENT, {"cohort_id": cohort.id, "cohort_name": cohort.name})
