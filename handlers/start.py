"""/start, with or without an invite code from a deep link."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import coach_enrolment, engine, mentor, onboarding, rater
from db import mentors
from db.access import waiting_request
from db.cohorts import find_invite
from db.drafts import ONBOARDING_FLOW, find_draft, resume_draft
from db.enrolment import membership
from db.models import Cohort, Role, RosterEntry
from db.raters import CODE_PREFIX, LinkRefused, open_link
from db.roster import claim_entry, entry_by_code


async def start(update: Update, context: EcoachContext) -> None:
    """Greet her, or open the invite she followed, or pick up where she stopped."""
    user = update.effective_user
    assert user is not None
    code = context.args[0] if context.args else None
    if code is None:
        if await _resume_onboarding(update, context):
            return
        enrolled = await membership(session=context.session, telegram_id=user.id, role=Role.ALUMNI)
        if enrolled:
            await context.reply(update, "start.welcome_back", name=enrolled.person.called)
        else:
            await context.reply(update, "start.welcome", name=user.first_name)
        return

    if code.startswith(CODE_PREFIX) and await _open_rater_link(update, context, code):
        return
    if code.startswith(mentors.CODE_PREFIX):
        await _open_mentor_link(update, context, code)
        return
    invite = await find_invite(session=context.session, code=code)
    if invite is None:
        entry = await entry_by_code(session=context.session, code=code)
        if entry is None:
            await context.reply(update, "start.unknown_code")
        else:
            await _open_personal_link(update, context, entry)
        return
    if invite.role == Role.ALUMNI and invite.cohort.closed_at is not None:
        await context.reply(update, "start.cohort_closed", cohort=invite.cohort.name)
        return
    if invite.role == Role.COACH:
        if await membership(session=context.session, telegram_id=user.id, role=Role.COACH, cohort_id=invite.cohort.id):
            await context.reply(update, "coach.already", cohort=invite.cohort.name)
        elif await waiting_request(session=context.session, cohort_id=invite.cohort.id, telegram_id=user.id):
            await context.reply(update, "coach.request_waiting", cohort=invite.cohort.name)
        else:
            await coach_enrolment.begin(context, update, invite.cohort)
        return

    if await membership(session=context.session, telegram_id=user.id, role=Role.ALUMNI, cohort_id=invite.cohort.id):
        await context.reply(update, "start.already_enrolled", cohort=invite.cohort.name)
        return
    draft = await find_draft(session=context.session, telegram_id=user.id, flow=ONBOARDING_FLOW)
    if draft is not None and draft.data.get("cohort_id") == invite.cohort.id:
        await _resume_onboarding(update, context)
        return
    current = await membership(session=context.session, telegram_id=user.id, role=Role.ALUMNI)
    if current is not None:
        await onboarding.begin_move(context, update, invite.cohort, current.cohort)
        return
    await onboarding.begin(context, update, invite.cohort)


async def _open_mentor_link(update: Update, context: EcoachContext, code: str) -> None:
    """Her supervisor's invitation: the consent screen, which says exactly what a mentor sees."""
    assert update.effective_user is not None
    link = await mentors.open_invitation(session=context.session, code=code, telegram_id=update.effective_user.id)
    if isinstance(link, mentors.Refusal):
        await context.reply(update, f"mentor.refused_{link.value}")
    elif link.consented_at is not None:
        await context.reply(update, "mentor.already", name=link.person.name)
    else:
        await mentor.begin_consent(context, update, link)


async def _open_personal_link(update: Update, context: EcoachContext, entry: RosterEntry) -> None:
    """Her own link from the class list: the cohort's onboarding, her profile filled in from the list."""
    assert update.effective_user is not None
    telegram_id = update.effective_user.id
    cohort = await context.session.get(Cohort, entry.cohort_id)
    assert cohort is not None
    if await membership(session=context.session, telegram_id=telegram_id, role=Role.ALUMNI, cohort_id=cohort.id):
        await context.reply(update, "start.already_enrolled", cohort=cohort.name)
        return
    if cohort.closed_at is not None:
        await context.reply(update, "start.cohort_closed", cohort=cohort.name)
        return
    if not await claim_entry(session=context.session, entry=entry, telegram_id=telegram_id, now=context.runtime.clock.now()):
        await context.reply(update, "start.link_taken")
        return
    draft = await find_draft(session=context.session, telegram_id=telegram_id, flow=ONBOARDING_FLOW)
    if draft is not None and draft.data.get("cohort_id") == cohort.id:
        await _resume_onboarding(update, context)
        return
    await context.reply(update, "start.personal_link", name=entry.name)
    known = {"name": entry.name, "nip": entry.nip or "", "agency": entry.agency or "", "work_unit": entry.work_unit or ""}
    await onboarding.begin(context, update, cohort, known)


async def _resume_onboarding(update: Update, context: EcoachContext) -> bool:
    assert update.effective_user is not None
    draft = await find_draft(session=context.session, telegram_id=update.effective_user.id, flow=ONBOARDING_FLOW)
    if draft is None:
        return False
    await resume_draft(session=context.session, draft=draft, now=context.runtime.clock.now())
    await context.reply(update, "onboarding.resumed")
    return await engine.reprompt(update, context)


async def _open_rater_link(update: Update, context: EcoachContext, code: str) -> bool:
    """A supervisor, peer or colleague opened her link: no enrolment needed.

    False for an unknown code: an invite code may happen to start the same way.
    """
    assert update.effective_user is not None
    try:
        link = await open_link(
            session=context.session, code=code, rater_telegram_id=update.effective_user.id, now=context.runtime.clock.now()
        )
    except LinkRefused as refused:
        if str(refused) == "rater.unknown":
            return False
        await context.reply(update, str(refused))
        return True
    await rater.begin(context, update, link)
    return True
