"""Coach commands, in a linked group or a coach's private chat: link, stalled, summary, nudge, member.

Authorisation is by numeric user id: a coach of the cohort in question, or an organizer. Group
output carries names, PAP titles, numbers and reason labels only, never private words.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.kernel.callbacks import AskCoach, CoachOnAlumna, CoachOnEntry, CoachReply, CohortChoice, GalleryAction, StalledPage
from bot.kernel.charts import cohort_chart
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, in_private, may_coach, requires_coach
from bot.kernel.notices import notify
from bot.kernel.parsing import SWITCH
from bot.kernel.sending import Verdict, attempt
from bot.kernel.standing import milestone_lines, status_line
from bot.kernel.telegram import send_html
from db.bookings import notes_of
from db.checkins import checkins_of, open_checkin
from db.coaching import (
    NudgeSkip,
    alumna_in_cohort,
    coached_cohort,
    coached_cohorts,
    cohort_of_alumna,
    cohort_summary,
    find_alumnae,
    link_chat,
    linked_cohort,
    nudge,
    stalled_page,
)
from db.cohorts import find_invite
from db.contact import thread
from db.gallery import publishable
from db.logbook import recent_entries
from db.mentors import current_link, dialogues_of
from db.models import ChatPurpose, Cohort, Person, Reflection, Role
from db.people import person_by_telegram_id
from db.plans import current_pap
from db.raters import latest_result
from db.report import cohort_network
from db.schedule import local
from db.status import STALLED_DAYS, ProjectStatus, standing_of

log = logging.getLogger(__name__)
PAGE_SIZE = 8
MAX_DAYS = 365


async def link_group(update: Update, context: EcoachContext) -> None:
    """/hubungkan <coach_code> in a group: link it to that cohort (coaches of it and organizers only).
    A group already linked to another cohort moves only for an organizer or a coach of that cohort."""
    assert update.effective_user is not None and update.effective_chat is not None
    if in_private(update):
        await context.reply(update, "coach.link_in_group")
        return
    code = context.args[0] if context.args else ""
    invite = await find_invite(session=context.session, code=code) if code else None
    allowed = invite is not None and invite.role == Role.COACH and await may_coach(update, context, invite.cohort.id)
    if invite is None or not allowed:  # the same answer for a wrong code and a wrong person: nothing to probe
        await context.reply(update, "coach.link_refused")
        return
    current = await linked_cohort(session=context.session, chat_id=update.effective_chat.id)
    if current is not None and current.id != invite.cohort.id and not await may_coach(update, context, current.id):
        await context.reply(update, "coach.relink_refused")  # a group is not taken over by another cohort's coach
        return
    await link_chat(
        session=context.session,
        cohort=invite.cohort,
        chat_id=update.effective_chat.id,
        purpose=ChatPurpose.COACH_GROUP,
        by=update.effective_user.id,
        now=context.runtime.clock.now(),
    )
    await context.reply(update, "coach.linked", cohort=invite.cohort.name)


@requires_coach
async def group_notices(update: Update, context: EcoachContext, cohort: Cohort) -> None:
    """/notifikasi aktif|nonaktif (on|off) in the linked group: logbook notices (name, milestone, progress) here."""
    if in_private(update):
        await context.reply(update, "coach.link_in_group")
        return
    choice = SWITCH.get(context.args[0].lower() if context.args else "")
    if choice is None:
        await context.reply(update, "coach.notices_usage", on=cohort.group_entry_notices)
        return
    cohort.group_entry_notices = choice
    await context.reply(update, "coach.notices_set", on=cohort.group_entry_notices)


def _days(context: EcoachContext) -> int | None:
    if not context.args:
        return STALLED_DAYS
    raw = context.args[0]
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_DAYS else None


async def _stalled_page(context: EcoachContext, cohort: Cohort, days: int, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    today = local(context.runtime.clock.now(), context.runtime.settings.default_timezone).date()
    found = await stalled_page(session=context.session, cohort=cohort, today=today, stalled_days=days, page=page, size=PAGE_SIZE)
    page, pages, shown = found.page, found.pages, found.rows
    lines = [
        {
            "number": page * PAGE_SIZE + index,
            "name": s.name,
            "title": s.pap_title[:40],
            "progress": s.standing.progress,
            "reasons": [context.text(f"status.reason_{reason}", s=s.standing) for reason in s.standing.reasons],
        }
        for index, s in enumerate(shown, 1)
    ]
    body = context.text("coach.stalled", cohort=cohort.name, days=days, total=found.total, lines=lines, page=page + 1, pages=pages)
    buttons = [
        [
            CoachOnAlumna("nudge", s.person_id).key(context.text("coach.button_nudge", number=line["number"])),
            CoachOnAlumna("detail", s.person_id).key(context.text("coach.button_detail", number=line["number"])),
        ]
        for line, s in zip(lines, shown, strict=True)
    ]
    pager = []
    if page > 0:
        pager.append(StalledPage(cohort.id, days, page - 1).key("◀️"))
    if page < pages - 1:
        pager.append(StalledPage(cohort.id, days, page + 1).key("▶️"))
    if pager:
        buttons.append(pager)
    return body, InlineKeyboardMarkup(buttons) if buttons else None


@requires_coach
async def stalled_command(update: Update, context: EcoachContext, cohort: Cohort) -> None:
    """/mandek [hari]: whose PAP has stalled, most severe first, paged in one message."""
    days = _days(context)
    if days is None:
        await context.reply(update, "coach.bad_days", maximum=MAX_DAYS)
        return
    body, markup = await _stalled_page(context, cohort, days, 0)
    await context.session.commit()
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, body, parse_mode=ParseMode.HTML, reply_markup=markup)


@requires_coach
async def summary_command(update: Update, context: EcoachContext, cohort: Cohort) -> None:
    """/ringkasan: the cohort at a glance, as a chart with a short caption."""
    now = context.runtime.clock.now()
    zone = ZoneInfo(context.runtime.settings.default_timezone)
    today = local(now, context.runtime.settings.default_timezone).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(0), tzinfo=zone).astimezone(UTC)
    summary = await cohort_summary(session=context.session, cohort=cohort, today=today, week_start=monday)
    labels = [context.text(f"status.{status.value}") for status in ProjectStatus]
    values = [summary.on_track, summary.late, summary.stalled, summary.done]
    png = await asyncio.to_thread(cohort_chart, labels, values, context.text("coach.chart_title", cohort=cohort.name))
    network = await cohort_network(session=context.session, cohort=cohort, now=now)
    caption = context.text("coach.summary", s=summary, rate=summary.response_rate, cohort=cohort.name, n=network)
    await context.session.commit()
    assert update.effective_chat is not None
    await context.bot.send_photo(update.effective_chat.id, png, caption=caption, parse_mode=ParseMode.HTML)


@requires_coach
async def nudge_command(update: Update, context: EcoachContext, cohort: Cohort) -> None:
    """/ingatkan <name> | mandek: a friendly private nudge, at most one per alumna every 3 days."""
    target = " ".join(context.args or []).strip()
    if not target:
        await context.reply(update, "coach.nudge_usage")
        return
    if target.lower() in ("mandek", "stalled"):
        today = local(context.runtime.clock.now(), context.runtime.settings.default_timezone).date()
        ids = [s.person_id for s in (await stalled_page(session=context.session, cohort=cohort, today=today)).rows]
        people = [p for p in [await context.session.get(Person, i) for i in ids] if p is not None]
    else:
        people = await find_alumnae(session=context.session, cohort_id=cohort.id, name=target)
        if len(people) > 1:  # never guess which one
            choices = InlineKeyboardMarkup([[CoachOnAlumna("nudge", p.id).key(p.name)] for p in people])
            await context.reply(update, "coach.choose_nudge", name=target, reply_markup=choices)
            return
    if not people:
        await context.reply(update, "coach.nobody", name=target)
        return
    nudged, skipped = await _nudge_all(update, context, people)
    await context.reply(update, "coach.nudged", nudged=nudged, skipped=skipped)


async def _nudge_all(update: Update, context: EcoachContext, people: list[Person]) -> tuple[list[str], list[tuple[str, str]]]:
    """Nudge each; the names nudged, and (name, why) for each one skipped."""
    assert update.effective_user is not None
    coach = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    now = context.runtime.clock.now()
    texts = context.runtime.texts
    nudged: list[str] = []
    skipped: list[tuple[str, str]] = []
    for person in people:
        record = await nudge(session=context.session, person=person, coach_id=coach.id if coach else None, now=now)
        if isinstance(record, NudgeSkip):
            skipped.append((person.name, context.text(f"coach.skip_{record.value}")))
            continue
        open_now = await open_checkin(session=context.session, person_id=person.id) is not None
        await context.session.commit()  # recorded before it is sent: never twice within 3 days
        body = texts.render(person.locale, "coach.nudge_message", name=person.called, coach=coach.name if coach else None, checkin=open_now)
        reply = InlineKeyboardMarkup([[AskCoach().key(texts.render(person.locale, "contact.button_write_coach"))]])
        failure = await attempt(send_html(context.bot, person.telegram_id, body, reply))
        if failure is None or failure.may_have_arrived:
            nudged.append(person.name)
            continue
        await context.session.delete(record)  # not delivered: it must not count against the next try
        why = NudgeSkip.BLOCKED if failure.verdict is Verdict.UNDELIVERABLE else NudgeSkip.UNREACHABLE
        skipped.append((person.name, context.text(f"coach.skip_{why.value}")))
    return nudged, skipped


async def on_stalled_page(update: Update, context: EcoachContext) -> None:
    """◀️ ▶️ under /mandek: the page is edited in place, so the group gets no new message."""
    query = update.callback_query
    assert query is not None
    pressed = StalledPage.parse(query.data)
    cohort = await context.session.get(Cohort, pressed.cohort_id) if pressed else None
    if pressed is None or cohort is None or not await may_coach(update, context, cohort.id):
        await answer_button(update, context.text("coach.only_coaches"))
        return
    body, markup = await _stalled_page(context, cohort, pressed.days, pressed.page)
    await context.session.commit()
    try:
        await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=markup)
    except TelegramError as exc:  # the page stays as it was; she may press again
        log.info("a /mandek page could not be shown (%s)", type(exc).__name__)
        await answer_button(update, context.text("errors.try_again"))
        return
    await answer_button(update)


async def on_alumna_button(update: Update, context: EcoachContext) -> None:
    """Nudge and Detail under /mandek and /alumni; each checks the presser against the alumna's cohort."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    pressed = CoachOnAlumna.parse(query.data)
    if pressed is None or pressed.action not in ("nudge", "detail", "suggest"):
        await answer_button(update, context.text("input.stale_button"))
        return
    cohort = await cohort_of_alumna(session=context.session, person_id=pressed.person_id)
    person = await alumna_in_cohort(session=context.session, person_id=pressed.person_id, cohort_id=cohort.id) if cohort else None
    if person is None or cohort is None or not await may_coach(update, context, cohort.id):
        await answer_button(update, context.text("coach.only_coaches"))
        return
    if pressed.action == "suggest":
        await _suggest_gallery(update, context, person)
        return
    if pressed.action == "nudge":
        nudged, skipped = await _nudge_all(update, context, [person])
        said = context.text("coach.nudge_done", name=person.name) if nudged else f"{person.name}: {skipped[0][1]}"
        await answer_button(update, said, alert=True)
        return
    body, markup = await member_detail(context, person)
    await context.session.commit()
    failure = await attempt(send_html(context.bot, update.effective_user.id, body, markup))  # the coach's private chat, never the group
    if failure is not None and failure.verdict is Verdict.UNDELIVERABLE:  # she has not opened a chat with the bot yet
        await answer_button(update, context.text("coach.open_private", bot=context.bot.username))
        return
    delivered = failure is None or failure.may_have_arrived
    await answer_button(update, context.text("coach.detail_sent" if delivered else "errors.try_again"))


async def _suggest_gallery(update: Update, context: EcoachContext, person: Person) -> None:
    """A coach suggests her finished PAP for the library; only she publishes it."""
    assert update.effective_user is not None
    coach = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    texts = context.runtime.texts
    markup = InlineKeyboardMarkup([[GalleryAction("publish").key(texts.render(person.locale, "gallery.button_offer_publish"))]])
    body = texts.render(person.locale, "gallery.suggested", coach=coach.name if coach else texts.render(person.locale, "gallery.a_coach"))
    await notify(context, person.telegram_id, body, markup, about=person.id)
    await context.session.commit()
    await answer_button(update, context.text("coach.suggested_gallery", name=person.called), alert=True)


async def cohort_command(update: Update, context: EcoachContext) -> None:
    """/angkatan (/cohort), private chat: which cohort her commands show, and a button for each she coaches."""
    assert update.effective_user is not None
    if not in_private(update):
        await context.reply(update, "coach.member_private")
        return
    cohorts = await coached_cohorts(session=context.session, telegram_id=update.effective_user.id)
    current = await coached_cohort(session=context.session, telegram_id=update.effective_user.id)
    if current is None:
        await context.reply(update, "coach.only_coaches")
        return
    keys = [[CohortChoice(c.id).key(("✅ " if c.id == current.id else "") + c.name)] for c in cohorts] if len(cohorts) > 1 else None
    await context.reply(update, "coach.cohort_current", cohort=current.name, several=len(cohorts) > 1,
                        reply_markup=InlineKeyboardMarkup(keys) if keys else None)  # fmt: skip


async def on_cohort_choice(update: Update, context: EcoachContext) -> None:
    """A coach picks the cohort her private chat shows; only a cohort she coaches counts."""
    assert update.effective_user is not None
    pressed = CohortChoice.parse(update.callback_query.data if update.callback_query else None)
    coach = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    cohorts = await coached_cohorts(session=context.session, telegram_id=update.effective_user.id)
    chosen = next((c for c in cohorts if pressed and c.id == pressed.cohort_id), None)
    if coach is None or chosen is None:
        await answer_button(update, context.text("coach.only_coaches"))
        return
    coach.coaching_cohort_id, coach.updated_at = chosen.id, context.runtime.clock.now()
    await answer_button(update)
    await context.reply(update, "coach.cohort_chosen", cohort=chosen.name)


async def member_command(update: Update, context: EcoachContext) -> None:
    """/alumni <name>, private chat only: everything a coach may see of one alumna."""
    if not in_private(update):
        await context.reply(update, "coach.member_private")
        return
    await _member(update, context)


@requires_coach
async def _member(update: Update, context: EcoachContext, cohort: Cohort) -> None:
    name = " ".join(context.args or []).strip()
    if not name:
        await context.reply(update, "coach.member_usage")
        return
    found = await find_alumnae(session=context.session, cohort_id=cohort.id, name=name)
    if not found:
        await context.reply(update, "coach.nobody", name=name)
        return
    if len(found) > 1:
        choices = InlineKeyboardMarkup([[CoachOnAlumna("detail", p.id).key(p.name)] for p in found])
        await context.reply(update, "coach.choose_member", reply_markup=choices)
        return
    body, markup = await member_detail(context, found[0])
    await context.session.commit()
    assert update.effective_chat is not None
    await send_html(context.bot, update.effective_chat.id, body, markup)


async def member_detail(context: EcoachContext, person: Person) -> tuple[str, InlineKeyboardMarkup | None]:
    """Everything a coach may see of one alumna, and a button to see each recent entry's evidence."""
    session = context.session
    pap = await current_pap(session=session, telegram_id=person.telegram_id)
    entries = await recent_entries(session=session, person_id=person.id, limit=5)
    shared = list(
        await session.scalars(
            select(Reflection)
            .where(Reflection.person_id == person.id, Reflection.shared)
            .order_by(Reflection.week_year.desc(), Reflection.week.desc())
            .limit(5)
        )
    )
    checkins = [c for c in await checkins_of(session=session, person_id=person.id) if c.answered_at or c.status.value == "missed"]
    feedback = await latest_result(session=session, person_id=person.id, now=context.runtime.clock.now())
    texts, locale = context.runtime.texts, context.locale
    today = local(context.runtime.clock.now(), context.runtime.settings.default_timezone).date()
    standing = await standing_of(session=session, pap=pap, today=today) if pap else None
    body = context.text(
        "coach.member",
        person=person,
        pap=pap,
        status=status_line(texts, locale, standing) if standing else None,
        milestones=milestone_lines(texts, locale, pap.milestones, today) if pap else [],
        entries=entries,
        reflections=shared,
        checkins=checkins,
        said={c.id: texts.render(locale, f"choices.pap_status.{c.pap_status.value}") if c.pap_status else "-" for c in checkins},
        feedback=feedback,
        thread=await thread(session=session, person_id=person.id),
        sessions=await notes_of(session=session, person=person, limit=3),
        mentor=await current_link(session=session, alumna=person),
        dialogues=await dialogues_of(session=session, alumna=person, limit=1),
        cohort=cohort.name if (cohort := await cohort_of_alumna(session=session, person_id=person.id)) else "-",
    )
    keys = [
        CoachOnEntry("evidence", e.id).key(context.text("coach.button_evidence", number=number))
        for number, e in enumerate(entries, 1)
        if e.evidence
    ]
    rows = [keys[i : i + 3] for i in range(0, len(keys), 3)]
    rows.append([CoachReply(person.id).key(context.text("contact.button_write"))])
    if pap is not None and standing is not None and await publishable(session=session, pap=pap, standing=standing):
        rows.append([CoachOnAlumna("suggest", person.id).key(context.text("coach.button_suggest_gallery"))])
    return body, InlineKeyboardMarkup(rows)
