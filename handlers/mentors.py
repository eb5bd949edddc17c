"""/mentor: an alumna invites her direct supervisor as mentor, sees or replaces her, or ends the link;
a mentor sees the PAPs she follows and sends support. The monthly dialogue's sweep lives here too."""

from __future__ import annotations

from datetime import date

from telegram import Bot, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import MentorAction, MentorAnswer
from bot.kernel.context import EcoachContext, Runtime
from bot.kernel.guards import answer_button, in_private
from bot.kernel.i18n import Texts
from bot.kernel.notices import notify, send_notices
from bot.kernel.standing import milestone_lines
from conversations import mentor
from db.cohorts import invite_link
from db.enrolment import membership
from db.mentors import (
    MentorView,
    claim_due_dialogues,
    current_link,
    dialogues_of,
    end,
    invite,
    link_of_mentor,
    mentor_view,
    mentored_by,
    open_dialogue,
)
from db.models import MentorLink, Person, Role
from db.notices import enqueue
from db.schedule import local


def summary(texts: Texts, locale: str, view: MentorView, today: date) -> str:
    """What a mentor reads of her PAP: title, status, milestones, progress. Nothing else."""
    status = view.standing.status.value if view.standing else None
    return texts.render(
        locale, "mentor.summary", v=view, status=texts.render(locale, f"status.{status}") if status else None,
        icon=texts.render(locale, f"status.icon_{status}") if status else None,
        milestones=milestone_lines(texts, locale, view.milestones, today),
    )  # fmt: skip


async def mentor_command(update: Update, context: EcoachContext) -> None:
    """/mentor, in a private chat: her mentor, or the PAPs a mentor follows."""
    if not in_private(update):
        await context.reply(update, "mentor.private_only")
        return
    assert update.effective_user is not None
    member = await membership(session=context.session, telegram_id=update.effective_user.id, role=Role.ALUMNI)
    if member is not None:
        await _show_hers(update, context, member.person)
        return
    links = await mentored_by(session=context.session, telegram_id=update.effective_user.id)
    if not links:
        await context.reply(update, "mentor.no_mentees")
        return
    await _show_mentees(update, context, links)


async def _show_hers(update: Update, context: EcoachContext, alumna: Person) -> None:
    link = await current_link(session=context.session, alumna=alumna)
    if link is None:
        markup = InlineKeyboardMarkup([[MentorAction("invite", 0).key(context.text("mentor.button_invite"))]])
        await context.reply(update, "mentor.none", reply_markup=markup)
        return
    if link.consented_at is None:
        markup = InlineKeyboardMarkup(
            [[MentorAction("invite", link.id).key(context.text("mentor.button_new_link"))],
             [MentorAction("end_ok", link.id).key(context.text("mentor.button_withdraw"))]]
        )  # fmt: skip
        await context.reply(update, "mentor.invited", link=invite_link(context.bot.username, link.code), reply_markup=markup)
        return
    markup = InlineKeyboardMarkup(
        [[MentorAction("invite", link.id).key(context.text("mentor.button_replace"))],
         [MentorAction("end", link.id).key(context.text("mentor.button_end"))]]
    )  # fmt: skip
    answers = await dialogues_of(session=context.session, alumna=alumna)
    await context.reply(update, "mentor.linked", link=link, answers=answers, zone=alumna.timezone, reply_markup=markup)


async def _show_mentees(update: Update, context: EcoachContext, links: list[MentorLink]) -> None:
    today = local(context.runtime.clock.now(), context.runtime.settings.default_timezone).date()
    for link in links:
        view = await mentor_view(session=context.session, alumna=link.person, today=today)
        markup = InlineKeyboardMarkup(
            [[MentorAction("support", link.id).key(context.text("mentor.button_support", name=link.person.called))]]
        )
        await context.send(update, summary(context.runtime.texts, context.locale, view, today), markup)


async def on_mentor_button(update: Update, context: EcoachContext) -> None:
    """Her buttons under /mentor (invite, replace, end), or a mentor's Send support."""
    assert update.callback_query is not None and update.effective_user is not None
    pressed = MentorAction.parse(update.callback_query.data)
    if pressed is not None and pressed.action == "support":
        link = await link_of_mentor(session=context.session, link_id=pressed.link_id, telegram_id=update.effective_user.id)
        if link is None:
            await answer_button(update, context.text("input.stale_button"))
            return
        await answer_button(update)
        await mentor.begin_support(context, update, link)
        return
    member = await membership(session=context.session, telegram_id=update.effective_user.id, role=Role.ALUMNI)
    link = await current_link(session=context.session, alumna=member.person) if member else None
    if pressed is None or member is None or (pressed.link_id and (link is None or link.id != pressed.link_id)):
        await answer_button(update, context.text("input.stale_button"))
        return
    now = context.runtime.clock.now()
    if pressed.action == "end_ok" and link is not None:
        await end(session=context.session, link=link, now=now)
        await _tell_mentor_ended(context, link, member.person)
    elif pressed.action == "invite":
        _, replaced = await invite(session=context.session, alumna=member.person, now=now)
        if replaced is not None:
            await _tell_mentor_ended(context, replaced, member.person)
    await context.session.commit()  # stored before she is told
    await answer_button(update)
    context.mark_chosen(update)
    if pressed.action == "end":
        markup = InlineKeyboardMarkup(
            [[MentorAction("end_ok", pressed.link_id).key(context.text("mentor.button_end_confirm")),
              MentorAction("keep", pressed.link_id).key(context.text("mentor.button_keep"))]]
        )  # fmt: skip
        await context.reply(update, "mentor.end_confirm", mentor=link.mentor_name if link else "", reply_markup=markup)
    elif pressed.action == "end_ok" and link is not None:
        await context.reply(update, "mentor.ended", consented=link.consented_at is not None)
    elif pressed.action == "invite":
        await _show_hers(update, context, member.person)


async def _tell_mentor_ended(context: EcoachContext, link: MentorLink, alumna: Person) -> None:
    if link.mentor_telegram_id is not None and link.consented_at is not None:
        body = context.runtime.texts.render(
            link.locale or context.runtime.settings.default_locale, "mentor.ended_to_mentor", name=alumna.name
        )
        await notify(context, link.mentor_telegram_id, body, about=alumna.id)


async def on_answer_button(update: Update, context: EcoachContext) -> None:
    """Jawab, under the monthly summary: only her own dialogue, while she is still the mentor."""
    assert update.callback_query is not None and update.effective_user is not None
    pressed = MentorAnswer.parse(update.callback_query.data)
    dialogue = (
        await open_dialogue(session=context.session, dialogue_id=pressed.dialogue_id, telegram_id=update.effective_user.id)
        if pressed
        else None
    )
    if dialogue is None:
        await answer_button(update, context.text("mentor.dialogue_gone"))
        return
    await answer_button(update)
    await mentor.begin_dialogue(context, update, dialogue.id, dialogue.link.person.name)


async def sweep_mentor_dialogues(runtime: Runtime, bot: Bot) -> int:
    """Each month's summary and two questions to each mentor: claimed, and queued as a notice, in one
    transaction; the notice outbox sends it once."""
    ids: list[int] = []
    texts, zone = runtime.texts, runtime.settings.default_timezone
    while not runtime.stopping:
        now = runtime.clock.now()
        async with runtime.open_session() as session:
            dialogues = await claim_due_dialogues(session=session, now=now)
            for dialogue in dialogues:
                link, alumna = dialogue.link, dialogue.link.person
                locale = link.locale or runtime.settings.default_locale
                today = local(now, zone).date()
                view = await mentor_view(session=session, alumna=alumna, today=today)
                body = texts.render(locale, "mentor.monthly", name=alumna.name, summary=summary(texts, locale, view, today))
                markup = InlineKeyboardMarkup([[MentorAnswer(dialogue.id).key(texts.render(locale, "mentor.button_answer"))]])
                assert link.mentor_telegram_id is not None
                notice = await enqueue(
                    session=session, chat_id=link.mentor_telegram_id, text=body, markup=markup.to_dict(), about_id=alumna.id, now=now
                )
                ids.append(notice.id)
            await session.commit()
        if not dialogues:
            break
    return await send_notices(runtime, bot, ids) if ids else 0
