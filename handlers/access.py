"""Organizers decide who may coach: coach requests, /daftar_coach (list, revoke), /ganti_kode (rotate a
cohort's invite codes) and /audit (the log of all of it, as CSV).

A coach link shared too widely, or an ex-coach, is closed from here: a rotated code stops working at
once, and a revoked coach is refused by every coach command on her next message.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import CoachDecision, CoachListPage, CoachRevoke, CodeRotation
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, in_private, requires_admin
from bot.kernel.notices import notify
from db.access import coaches, decide, find_request, pending_requests, revoke, rotate_codes
from db.audit import audit_csv
from db.cohorts import find_invite, invite_link, list_cohorts
from db.models import Cohort
from db.people import stored_locale

PAGE_SIZE = 8
PENDING_SHOWN = 5
COHORTS_SHOWN = 10
WHICH = ("alumni", "coach", "both")


async def _tell(context: EcoachContext, telegram_id: int, key: str, fallback_locale: str | None = None, **values: object) -> None:
    """A notice to someone else, in her own language."""
    locale = await stored_locale(session=context.session, telegram_id=telegram_id)
    body = context.runtime.texts.render(locale or fallback_locale or context.runtime.settings.default_locale, key, **values)
    await notify(context, telegram_id, body)


# ----- coach requests --------------------------------------------------------------------------------


@requires_admin
async def on_coach_decision(update: Update, context: EcoachContext) -> None:
    pressed = CoachDecision.parse(update.callback_query.data if update.callback_query else None)
    request = await find_request(session=context.session, request_id=pressed.request_id) if pressed else None
    if pressed is None or request is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    assert update.effective_user is not None
    approve = bool(pressed.approve)
    decided = await decide(
        session=context.session, request=request, approve=approve, by=update.effective_user.id,
        timezone=context.runtime.settings.default_timezone, now=context.runtime.clock.now(),
    )  # fmt: skip
    await answer_button(update)
    if not decided:
        await context.reply(update, "admin.already_decided", name=request.name, cohort=request.cohort.name, status=request.status.value)
        return
    key = "approved" if approve else "declined"
    await _tell(context, request.telegram_id, f"coach.{key}", request.locale, name=request.name, cohort=request.cohort.name)
    await context.reply(update, f"admin.{key}", name=request.name, cohort=request.cohort.name)


# ----- /daftar_coach: the coaches, and revoking one --------------------------------------------------


@requires_admin
async def coaches_command(update: Update, context: EcoachContext) -> None:
    """/daftar_coach: every coach by cohort, with a revoke button each, and the requests waiting."""
    if not in_private(update):
        await context.reply(update, "coach.member_private")
        return
    await _coach_page(update, context, 0)


@requires_admin
async def on_coach_page(update: Update, context: EcoachContext) -> None:
    pressed = CoachListPage.parse(update.callback_query.data if update.callback_query else None)
    await answer_button(update)
    await _coach_page(update, context, pressed.page if pressed else 0)


async def _coach_page(update: Update, context: EcoachContext, page: int) -> None:
    everyone = await coaches(session=context.session)
    pages = max(1, -(-len(everyone) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = everyone[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    waiting = (await pending_requests(session=context.session))[:PENDING_SHOWN]
    letters = "ABCDEFGHIJ"
    rows: list[list[InlineKeyboardButton]] = []
    numbered = [{"number": page * PAGE_SIZE + index, "name": c.name, "cohort": c.cohort} for index, c in enumerate(shown, 1)]
    revokes = [
        CoachRevoke(c.membership_id, "ask").key(context.text("admin.button_revoke", number=line["number"]))
        for c, line in zip(shown, numbered, strict=True)
    ]
    rows += [revokes[i : i + 4] for i in range(0, len(revokes), 4)]
    for letter, request in zip(letters, waiting, strict=False):
        rows.append(
            [CoachDecision(request.id, 1).key(context.text("admin.button_approve_n", letter=letter)),
             CoachDecision(request.id, 0).key(context.text("admin.button_decline_n", letter=letter))]
        )  # fmt: skip
    pager = []
    if page > 0:
        pager.append(CoachListPage(page - 1).key("◀️"))
    if page < pages - 1:
        pager.append(CoachListPage(page + 1).key("▶️"))
    if pager:
        rows.append(pager)
    pending = [{"letter": letter, "name": r.name, "cohort": r.cohort.name} for letter, r in zip(letters, waiting, strict=False)]
    body = context.text("admin.coaches", total=len(everyone), page=page + 1, pages=pages, coaches=numbered, pending=pending)
    await context.send(update, body, InlineKeyboardMarkup(rows) if rows else None)


@requires_admin
async def on_revoke_button(update: Update, context: EcoachContext) -> None:
    pressed = CoachRevoke.parse(update.callback_query.data if update.callback_query else None)
    if pressed is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    if pressed.step == "cancel":
        await context.reply(update, "cancel.done")
        return
    found = [c for c in await coaches(session=context.session) if c.membership_id == pressed.membership_id]
    if not found:
        await context.reply(update, "admin.revoke_gone")
        return
    coach = found[0]
    if pressed.step == "ask":
        markup = InlineKeyboardMarkup(
            [[CoachRevoke(coach.membership_id, "confirmed").key(context.text("admin.button_revoke_confirmed")),
              CoachRevoke(coach.membership_id, "cancel").key(context.text("input.button_cancel"))]]
        )  # fmt: skip
        await context.reply(update, "admin.confirm_revoke", name=coach.name, cohort=coach.cohort, reply_markup=markup)
        return
    assert update.effective_user is not None
    await revoke(session=context.session, membership_id=coach.membership_id, by=update.effective_user.id, now=context.runtime.clock.now())
    await _tell(context, coach.telegram_id, "coach.revoked", cohort=coach.cohort)
    await context.reply(update, "admin.revoked", name=coach.name, cohort=coach.cohort)


# ----- /ganti_kode: new invite codes for a cohort ----------------------------------------------------


@requires_admin
async def rotate_codes_command(update: Update, context: EcoachContext) -> None:
    """/ganti_kode [code]: pick the cohort (by one of its codes, or from the latest), then which codes."""
    if not in_private(update):
        await context.reply(update, "coach.member_private")
        return
    if context.args:
        invite = await find_invite(session=context.session, code=context.args[0])
        if invite is None:
            await context.reply(update, "start.unknown_code")
            return
        await _ask_which(update, context, invite.cohort)
        return
    cohorts = (await list_cohorts(session=context.session))[:COHORTS_SHOWN]
    if not cohorts:
        await context.reply(update, "admin.no_cohorts")
        return
    markup = InlineKeyboardMarkup([[CodeRotation(c.id, "").key(c.name)] for c in cohorts])
    await context.reply(update, "admin.rotate_choose_cohort", reply_markup=markup)


async def _ask_which(update: Update, context: EcoachContext, cohort: Cohort) -> None:
    markup = InlineKeyboardMarkup(
        [[CodeRotation(cohort.id, which).key(context.text(f"admin.which_{which}")) for which in WHICH],
         [CodeRotation(cohort.id, "cancel").key(context.text("input.button_cancel"))]]
    )  # fmt: skip
    await context.reply(update, "admin.rotate_choose_which", cohort=cohort.name, reply_markup=markup)


@requires_admin
async def on_rotation_button(update: Update, context: EcoachContext) -> None:
    pressed = CodeRotation.parse(update.callback_query.data if update.callback_query else None)
    cohort = await context.session.get(Cohort, pressed.cohort_id) if pressed else None
    if pressed is None or cohort is None or pressed.which not in ("", "cancel", *WHICH):
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    if pressed.which == "":
        await _ask_which(update, context, cohort)
        return
    if pressed.which == "cancel":
        await context.reply(update, "cancel.done")
        return
    assert update.effective_user is not None
    await rotate_codes(
        session=context.session, cohort=cohort, which=pressed.which, by=update.effective_user.id, now=context.runtime.clock.now()
    )
    username = context.bot.username
    await context.reply(
        update,
        "admin.rotated",
        cohort=cohort.name,
        alumni_link=invite_link(username, cohort.alumni_code) if pressed.which in ("alumni", "both") else None,
        coach_link=invite_link(username, cohort.coach_code) if pressed.which in ("coach", "both") else None,
    )


# ----- /audit ----------------------------------------------------------------------------------------


@requires_admin
async def audit_command(update: Update, context: EcoachContext) -> None:
    """/audit: every grant, decline, revoke, rotation and group link, as CSV."""
    assert update.effective_chat is not None
    if not in_private(update):
        await context.reply(update, "coach.member_private")
        return
    data = await audit_csv(session=context.session)
    await context.session.commit()
    await context.bot.send_document(
        update.effective_chat.id, data, filename=context.text("files.audit"), caption=context.text("admin.audit_caption")
    )
