"""/mentoring: alumni mentoring alumni. An alumna whose PAP is done (or of an earlier cohort) offers to
mentor; a new alumna asks for a mentor and is shown up to three, each with why; the mentor's yes
introduces both, and the pair is asked after 4 and 8 weeks whether it still runs and helps."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import MentoringAsk, MentoringCheck, MentoringMenu, MentoringPairAction
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, requires_alumna
from bot.kernel.notices import notify
from conversations import mentoring
from db.mentoring import ask, may_offer, offer_of, pair_of, pairs_of, withdraw_offer
from db.models import MentoringPair, PairStatus, Person
from db.notices import Later, withdraw
from db.people import person_by_telegram_id
from db.schedule import local, outside_quiet_hours

CHECK_AFTER = (4, 8)  # weeks after the mentor's yes
ANSWERS = ("going_useful", "going", "stopped")


def _topic(pair: MentoringPair) -> str:
    return f"pair:{pair.id}"


@requires_alumna
async def mentoring_command(update: Update, context: EcoachContext, person: Person) -> None:
    """Her pairs, her offer, and the buttons to find a mentor or to offer herself."""
    pairs = await pairs_of(session=context.session, person=person)
    offer = await offer_of(session=context.session, person=person)
    rows: list[list[InlineKeyboardButton]] = [[MentoringMenu("find").key(context.text("mentoring.button_find"))]]
    if offer is not None:
        rows.append([MentoringMenu("withdraw").key(context.text("mentoring.button_withdraw"))])
    elif await may_offer(session=context.session, person=person, today=local(context.runtime.clock.now(), person.timezone).date()):
        rows.append([MentoringMenu("offer").key(context.text("mentoring.button_offer"))])
    for pair in pairs:
        other = pair.mentee if pair.mentor_id == person.id else pair.mentor
        rows.append([MentoringPairAction("end", pair.id).key(context.text("mentoring.button_end", name=other.called))])
    topics = [mentoring.topic_label(context.runtime.texts, context.locale, t) for t in offer.topics] if offer else []
    await context.reply(
        update, "mentoring.overview", pairs=pairs, me=person.id, offer=offer, topics=topics, reply_markup=InlineKeyboardMarkup(rows)
    )


@requires_alumna
async def on_menu(update: Update, context: EcoachContext, person: Person) -> None:
    assert update.callback_query is not None
    pressed = MentoringMenu.parse(update.callback_query.data)
    if pressed is None:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    if pressed.action == "find":
        await mentoring.begin_find(context, update)
    elif pressed.action == "offer":
        await mentoring.begin_offer(context, update)
    else:
        await withdraw_offer(session=context.session, person=person, now=context.runtime.clock.now())
        await context.reply(update, "mentoring.withdrawn")


@requires_alumna
async def on_ask(update: Update, context: EcoachContext, mentee: Person) -> None:
    """She asks one suggested mentor; the mentor is asked, through the bot, for her yes."""
    assert update.callback_query is not None
    pressed = MentoringAsk.parse(update.callback_query.data)
    pair = (
        await ask(session=context.session, mentee=mentee, mentor_id=pressed.mentor_id, now=context.runtime.clock.now()) if pressed else None
    )
    if pair is None:
        await answer_button(update, context.text("mentoring.no_longer"), alert=True)
        return
    mentor, texts = pair.mentor, context.runtime.texts
    markup = InlineKeyboardMarkup(
        [[MentoringPairAction("accept", pair.id).key(texts.render(mentor.locale, "mentoring.button_accept")),
          MentoringPairAction("decline", pair.id).key(texts.render(mentor.locale, "mentoring.button_decline"))]]
    )  # fmt: skip
    body = texts.render(
        mentor.locale, "mentoring.asked_mentor", name=mentee.name, agency=mentee.agency, topics=_labels(context, pair, mentor)
    )
    await notify(context, mentor.telegram_id, body, markup, about=mentor.id)
    await context.session.commit()
    await answer_button(update)
    context.mark_chosen(update)
    await context.reply(update, "mentoring.asked", name=mentor.name)


def _labels(context: EcoachContext, pair: MentoringPair, reader: Person) -> list[str]:
    """The pair's topics in the reader's language (she may read English while the asker reads Indonesian)."""
    return [mentoring.topic_label(context.runtime.texts, reader.locale, t) for t in pair.topics]


async def on_pair_action(update: Update, context: EcoachContext) -> None:
    """The mentor's yes or no; either side ending the pair."""
    assert update.callback_query is not None and update.effective_user is not None
    pressed = MentoringPairAction.parse(update.callback_query.data)
    person = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    pair = await pair_of(session=context.session, pair_id=pressed.pair_id, person=person) if pressed and person else None
    if pressed is None or person is None or pair is None or not _may(pressed.action, pair, person):
        await answer_button(update, context.text("input.stale_button"))
        return
    now, texts = context.runtime.clock.now(), context.runtime.texts
    other = pair.mentee if person.id == pair.mentor_id else pair.mentor
    if pressed.action == "accept":
        pair.status, pair.started_at = PairStatus.ACTIVE, now
        for reader, them in ((pair.mentee, pair.mentor), (pair.mentor, pair.mentee)):
            body = texts.render(reader.locale, "mentoring.introduced", name=them.name, telegram_id=them.telegram_id, agency=them.agency)
            await notify(context, reader.telegram_id, body, about=pair.mentee_id)
            for week in CHECK_AFTER:
                markup = InlineKeyboardMarkup(
                    [
                        [MentoringCheck(pair.id, week, answer).key(texts.render(reader.locale, f"mentoring.check_{answer}"))]
                        for answer in ANSWERS
                    ]
                )
                body = texts.render(reader.locale, "mentoring.check", name=them.name, weeks=week)
                due = outside_quiet_hours(now + timedelta(weeks=week), reader.timezone)  # never in her night
                await notify(context, reader.telegram_id, body, markup, about=pair.mentee_id, later=Later(due, _topic(pair)))
        key = None
    else:
        pair.status, pair.ended_at = (PairStatus.DECLINED if pressed.action == "decline" else PairStatus.ENDED), now
        await withdraw(session=context.session, topic=_topic(pair))
        told = "mentoring.declined_to_mentee" if pressed.action == "decline" else "mentoring.ended_to_other"
        await notify(context, other.telegram_id, texts.render(other.locale, told, name=person.name), about=pair.mentee_id)
        key = "mentoring.declined" if pressed.action == "decline" else "mentoring.ended"
    await context.session.commit()
    await answer_button(update)
    context.mark_chosen(update)
    if key:
        await context.reply(update, key, name=other.name)


def _may(action: str, pair: MentoringPair, person: Person) -> bool:
    if action in ("accept", "decline"):
        return pair.status == PairStatus.ASKED and person.id == pair.mentor_id
    return action == "end" and pair.status in (PairStatus.ASKED, PairStatus.ACTIVE)


async def on_check(update: Update, context: EcoachContext) -> None:
    """The answer to "Masih berjalan? Bermanfaat?", kept on the pair."""
    assert update.callback_query is not None and update.effective_user is not None
    pressed = MentoringCheck.parse(update.callback_query.data)
    person = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    pair = await pair_of(session=context.session, pair_id=pressed.pair_id, person=person) if pressed and person else None
    if pressed is None or pair is None or pressed.week not in CHECK_AFTER or pressed.answer not in ANSWERS:
        await answer_button(update, context.text("input.stale_button"))
        return
    setattr(pair, f"checkin_{pressed.week}w", pressed.answer)
    await context.session.commit()
    await answer_button(update)
    context.mark_chosen(update)
    await context.reply(update, "mentoring.check_thanks")
