"""A coach opens the coach invite link: her or his name, then a request that an organizer approves.

The link alone grants nothing: it is shared in chats and may reach anyone. Each organizer
(ECOACH_ADMIN_IDS) gets the request in a private chat with Approve and Decline buttons.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update

from bot.kernel.callbacks import CoachDecision
from bot.kernel.context import EcoachContext
from bot.kernel.notices import notify
from conversations import engine
from conversations.engine import Flow, TextStep, Turn
from db.access import request_coach
from db.enrolment import membership
from db.models import Cohort, Role
from db.people import stored_locale

NAME_LIMIT = 120
log = logging.getLogger(__name__)


class CoachEnrolment(Flow):
    code = "co"

    async def finish(self, turn: Turn) -> None:
        cohort = await turn.session.get(Cohort, turn.data["cohort_id"])
        if cohort is None:
            await turn.context.reply(turn.update, "start.unknown_code")
            return
        made = await request_coach(
            session=turn.session, cohort=cohort, telegram_id=turn.telegram_id, name=turn.data["name"], locale=turn.context.locale,
            now=turn.now,
        )  # fmt: skip
        if made is None:
            await turn.context.reply(turn.update, "coach.request_waiting", cohort=cohort.name)
            return
        alumna = await membership(session=turn.session, telegram_id=turn.telegram_id, role=Role.ALUMNI)
        user = turn.update.effective_user
        settings = turn.context.runtime.settings
        for admin_id in settings.admin_ids:
            locale = await stored_locale(session=turn.session, telegram_id=admin_id) or settings.default_locale
            texts = turn.context.runtime.texts
            body = texts.render(
                locale, "admin.coach_request", name=made.name, telegram_id=made.telegram_id, username=user.username if user else None,
                cohort=cohort.name, alumna_of=alumna.cohort.name if alumna else None,
            )  # fmt: skip
            buttons = InlineKeyboardMarkup(
                [[CoachDecision(made.id, 1).key(texts.render(locale, "admin.button_approve")),
                  CoachDecision(made.id, 0).key(texts.render(locale, "admin.button_decline"))]]
            )  # fmt: skip
            await notify(turn.context, admin_id, body, buttons)
        if not settings.admin_ids:
            log.warning("coach request %s waits: no organizer is configured (ECOACH_ADMIN_IDS)", made.id)
        await turn.context.reply(turn.update, "coach.requested", name=made.name, cohort=cohort.name)


COACH_ENROLMENT = engine.register(CoachEnrolment([TextStep("name", key="coach.name", limit=NAME_LIMIT)]))


async def begin(context: EcoachContext, update: Update, cohort: Cohort) -> None:
    await engine.start(context, update, COACH_ENROLMENT, {"cohort_id": cohort.id, "cohort_name": cohort.name})
