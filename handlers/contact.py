"""/tanya_coach (/ask_coach), what she types outside a conversation, and the Reply buttons on both sides."""

from __future__ import annotations

from telegram import Update

from bot.kernel.callbacks import CoachReply
from bot.kernel.context import EcoachContext
from bot.kernel.guards import answer_button, requires_alumna
from bot.kernel.parsing import Invalid, clean_text
from conversations import contact
from db.coaching import cohort_of_alumna
from db.enrolment import membership
from db.logbook import coaches_of
from db.models import Person, Role
from db.people import person_by_telegram_id


@requires_alumna
async def ask_coach(update: Update, context: EcoachContext, person: Person) -> None:
    """/tanya_coach, or Reply under a coach's message: write to her coaches."""
    await answer_button(update)
    if not await _has_coach(context, person):
        await context.reply(update, "contact.no_coach")
        return
    await contact.begin_ask(context, update, person)


async def on_free_text(update: Update, context: EcoachContext) -> bool:
    """Text from an alumna that answers no question: offer to send it to her coach. False otherwise."""
    assert update.effective_user is not None and update.message is not None
    if update.message.text is None or update.message.text.startswith("/"):
        return False
    member = await membership(session=context.session, telegram_id=update.effective_user.id, role=Role.ALUMNI)
    if member is None or not await _has_coach(context, member.person):
        return False
    try:
        text = clean_text(update.message.text, contact.MESSAGE_LIMIT)
    except Invalid as invalid:
        await context.reply(update, invalid.key, **invalid.values)
        return True
    await contact.begin_ask(context, update, member.person, text)
    return True


async def on_reply_button(update: Update, context: EcoachContext) -> None:
    """A coach presses Reply under an alumna's message or coaching request."""
    assert update.effective_user is not None
    pressed = CoachReply.parse(update.callback_query.data if update.callback_query else None)
    coach = await person_by_telegram_id(session=context.session, telegram_id=update.effective_user.id)
    if pressed is None or coach is None or not await contact.begin_reply(context, update, coach, pressed.person_id):
        await answer_button(update, context.text("coach.not_your_cohort"))
        return
    await answer_button(update)


async def _has_coach(context: EcoachContext, person: Person) -> bool:
    cohort = await cohort_of_alumna(session=context.session, person_id=person.id)
    return cohort is not None and bool(await coaches_of(session=context.session, cohort_id=cohort.id))
