"""Who may do what, decided in one place, always by numeric Telegram user id.

`@requires_alumna` hands the handler her Person; `@requires_person` anyone stored; `@requires_coach`
the cohort this chat speaks for; `@requires_admin` lets organizers (ECOACH_ADMIN_IDS) through.
Everyone else is told why, once.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatType

from bot.kernel.context import EcoachContext
from db.coaching import coached_cohort, is_coach, linked_cohort
from db.drafts import ONBOARDING_FLOW, find_draft
from db.enrolment import membership
from db.models import Cohort, Person, Role
from db.people import person_by_telegram_id

Handler = Callable[[Update, EcoachContext], Awaitable[None]]


def is_admin(update: Update, context: EcoachContext) -> bool:
    return update.effective_user is not None and update.effective_user.id in context.runtime.settings.admin_ids


def in_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def answer_button(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Stop a pressed button's spinner (with a short note, or an alert); cosmetic, so a failure
    changes nothing."""
    if update.callback_query is not None:
        with contextlib.suppress(Exception):  # best effort by design: the work is already stored
            await update.callback_query.answer(text, show_alert=alert)


async def not_enrolled(update: Update, context: EcoachContext) -> None:
    """Tell someone without a PAP how to join, or how to finish joining."""
    assert update.effective_user is not None
    draft = await find_draft(session=context.session, telegram_id=update.effective_user.id, flow=ONBOARDING_FLOW)
    await context.reply(update, "start.finish_onboarding" if draft else "start.not_enrolled")


def requires_alumna(handler: Callable[[Update, EcoachContext, Person], Awaitable[None]]) -> Handler:
    """Only an enrolled alumna gets through; she is handed to the handler."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: EcoachContext) -> None:
        assert update.effective_user is not None
        member = await membership(session=context.session, telegram_id=update.effective_user.id, role=Role.ALUMNI)
        if member is None:
            await answer_button(update)
            await not_enrolled(update, context)
            return
        await handler(update, context, member.person)

    return guarded


def requires_person(handler: Callable[[Update, EcoachContext, Person], Awaitable[None]]) -> Handler:
    """Anyone the bot stores (an alumna, a coach): her data rights do not depend on her role."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: EcoachContext) -> None:
        assert update.effective_user is not None
        person = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
        if person is None:
            await answer_button(update)
            await not_enrolled(update, context)
            return
        await handler(update, context, person)

    return guarded


async def chat_cohort(update: Update, context: EcoachContext) -> Cohort | None:
    """The cohort this chat speaks for, if the person may see it; otherwise say why and return None.

    In a coach's private chat: the cohort she coaches (her latest). In a group: the cohort linked to
    it, for that cohort's coaches and organizers only.
    """
    assert update.effective_user is not None and update.effective_chat is not None
    session = context.session
    if in_private(update):
        cohort = await coached_cohort(session=session, telegram_id=update.effective_user.id)
        if cohort is None:
            await context.reply(update, "coach.only_coaches")
        return cohort
    cohort = await linked_cohort(session=session, chat_id=update.effective_chat.id)
    if cohort is None:
        await context.reply(update, "coach.group_not_linked")
        return None
    if not await may_coach(update, context, cohort.id):
        await context.reply(update, "coach.only_coaches")
        return None
    return cohort


async def may_coach(update: Update, context: EcoachContext, cohort_id: int) -> bool:
    """An organizer, or a coach of this cohort."""
    assert update.effective_user is not None
    return is_admin(update, context) or await is_coach(session=context.session, telegram_id=update.effective_user.id, cohort_id=cohort_id)


def requires_coach(handler: Callable[[Update, EcoachContext, Cohort], Awaitable[None]]) -> Handler:
    """Only a coach of the chat's cohort, or an organizer; the cohort is handed to the handler."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: EcoachContext) -> None:
        cohort = await chat_cohort(update, context)
        if cohort is not None:
            await handler(update, context, cohort)

    return guarded


def requires_admin(handler: Handler) -> Handler:
    """Only organizers (ECOACH_ADMIN_IDS)."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: EcoachContext) -> None:
        if not is_admin(update, context):
            await answer_button(update)
            await context.reply(update, "admin.only")
            return
        await handler(update, context)

    return guarded
