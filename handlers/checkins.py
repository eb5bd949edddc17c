"""/checkin, the check-in button, /umpan_balik (/feedback), and what follows a check-in."""

from __future__ import annotations

from telegram import Update

from bot.kernel.context import EcoachContext
from conversations import checkin as checkin_flow
from db.checkins import next_planned, open_checkin
from db.logbook import coaches_of
from db.models import CheckIn, Cohort, Person
from db.raters import MIN_RATERS, aggregate, issue_links
from db.schedule import local
from db.cohorts import invite_link
from handlers.logbook import send_quietly
from handlers.plan import enrolled_alumna


async def start_checkin(update: Update, context: EcoachContext) -> None:
    """Answer the open check-in, a missed one too (it is then recorded as late)."""
    person = await enrolled_alumna(update, context)
    if person is None:
        return
    checkin = await open_checkin(session=context.session, person_id=person.id)
    if checkin is None:
        upcoming = await next_planned(session=context.session, person_id=person.id)
        await context.reply(update, "checkin.none_open", next_day=local(upcoming.due_at, person.timezone).date() if upcoming else None)
        return
    cohort = await context.session.get(Cohort, checkin.cohort_id)
    assert cohort is not None
    await checkin_flow.begin(context, update, checkin, cohort.training_end)


async def on_checkin_button(update: Update, context: EcoachContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    await start_checkin(update, context)


async def after_checkin(context: EcoachContext, update: Update, checkin: CheckIn) -> None:
    """Tell her coaches privately when she asks for coaching; at 3 months, send the rater links."""
    person = await context.session.get(Person, checkin.person_id)
    assert person is not None
    if checkin.wants_coaching:
        for coach in await coaches_of(session=context.session, cohort_id=checkin.cohort_id):
            body = context.runtime.texts.render(
                coach.locale, "checkin.coaching_request", name=person.name, month=checkin.month,
                status=context.runtime.texts.render(coach.locale, f"choices.pap_status.{checkin.pap_status.value}"),
                obstacle=context.runtime.texts.render(coach.locale, f"choices.obstacle.{checkin.obstacle.value}"),
            )
            await send_quietly(context, coach.telegram_id, body)
    if checkin.with_feedback:
        await send_rater_links(update, context, person)


async def send_rater_links(update: Update, context: EcoachContext, person: Person) -> None:
    links = await issue_links(session=context.session, person_id=person.id, now=context.runtime.clock.now())
    username = context.bot.username
    rows = [
        {"role": context.text(f"choices.rater_role.{link.role.value}"), "url": invite_link(username, link.code), "expires": local(link.expires_at, person.timezone).date()}
        for link in links
    ]
    await context.reply(update, "rater.links", links=rows)


async def feedback_command(update: Update, context: EcoachContext) -> None:
    """Her links to forward, and the aggregate once at least three raters answered."""
    person = await enrolled_alumna(update, context)
    if person is None:
        return
    result = await aggregate(session=context.session, person_id=person.id)
    averages = None
    if result.averages:
        averages = [{"question": context.text(f"rater.label_{q}"), "score": score} for q, score in result.averages.items()]
    await context.reply(update, "rater.aggregate", raters=result.raters, minimum=MIN_RATERS, averages=averages)
    await send_rater_links(update, context, person)
