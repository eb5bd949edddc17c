"""Monitoring check-ins: /checkin and the invitation's button, and the sweep that sends each check-in
when it falls due, reminds her once after 3 days, and marks it missed after 7."""

from __future__ import annotations

from sqlalchemy import update
from telegram import Bot, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import CheckInNow
from bot.kernel.context import EcoachContext, Runtime
from bot.kernel.guards import answer_button, requires_alumna
from bot.kernel.sending import Verdict, attempt, retry_at
from bot.kernel.telegram import send_html
from conversations import checkin as checkin_flow
from db.checkins import deliverable, next_due, next_planned, next_to_miss, next_to_remind, open_checkin
from db.claims import claim
from db.models import CheckIn, CheckInStatus, Cohort, Person
from db.schedule import local


@requires_alumna
async def start_checkin(update: Update, context: EcoachContext, person: Person) -> None:
    """Answer the open check-in, a missed one too (it is then recorded as late)."""
    await answer_button(update)
    checkin = await open_checkin(session=context.session, person_id=person.id)
    if checkin is None:
        upcoming = await next_planned(session=context.session, person_id=person.id)
        await context.reply(update, "checkin.none_open", next_day=local(upcoming.due_at, person.timezone).date() if upcoming else None)
        return
    cohort = await context.session.get(Cohort, checkin.cohort_id)
    assert cohort is not None
    await checkin_flow.begin(context, update, checkin, cohort.training_end)


def _button(runtime: Runtime, person: Person) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[CheckInNow().key(runtime.texts.render(person.locale, "checkin.button"))]])


async def sweep_checkins(runtime: Runtime, bot: Bot) -> int:
    """Send due check-ins once, remind once after 3 days, mark missed after 7; return how many were sent."""
    now = runtime.clock.now()
    texts = runtime.texts
    sent = 0
    passed_over: set[int] = set()
    while True:
        async with runtime.open_session() as session:
            checkin = await next_due(session=session, now=now, passed_over=passed_over)
            if checkin is None:
                break
            person = checkin.person
            if not (person.active and person.consent_at is not None):
                await claim(
                    session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.PLANNED, to_status=CheckInStatus.SKIPPED
                )
                await session.commit()
                continue
            if deliverable(person, now) > now:  # her night: try again in the morning
                checkin.due_at = deliverable(person, now)
                passed_over.add(checkin.id)
                await session.commit()
                continue
            attempts = checkin.attempts + 1
            claimed = await claim(
                session=session,
                model=CheckIn,
                row_id=checkin.id,
                from_status=CheckInStatus.PLANNED,
                to_status=CheckInStatus.SENDING,
                attempts=attempts,
            )
            await session.commit()
        if not claimed:
            continue
        body = texts.render(person.locale, "checkin.invitation", name=person.name, month=checkin.month, kind=checkin.kind.value)
        failure = await attempt(send_html(bot, person.telegram_id, body, _button(runtime, person)))
        async with runtime.open_session() as session:
            if failure is None or failure.may_have_arrived:
                await claim(
                    session=session,
                    model=CheckIn,
                    row_id=checkin.id,
                    from_status=CheckInStatus.SENDING,
                    to_status=CheckInStatus.SENT,
                    sent_at=runtime.clock.now(),
                )
                sent += 1
            elif failure.verdict is Verdict.UNDELIVERABLE:
                await claim(
                    session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.SENDING, to_status=CheckInStatus.SKIPPED
                )
                await session.execute(update(Person).where(Person.id == person.id).values(active=False))
            elif (again := retry_at(failure, attempts, now)) is not None:
                await claim(
                    session=session,
                    model=CheckIn,
                    row_id=checkin.id,
                    from_status=CheckInStatus.SENDING,
                    to_status=CheckInStatus.PLANNED,
                    due_at=again,
                )
            else:  # a bug, or still failing after every attempt: a final state, never retried
                await claim(
                    session=session, model=CheckIn, row_id=checkin.id, from_status=CheckInStatus.SENDING, to_status=CheckInStatus.FAILED
                )
            await session.commit()

    passed_over = set()
    while True:
        async with runtime.open_session() as session:
            checkin = await next_to_remind(session=session, now=now, passed_over=passed_over)
            if checkin is None:
                break
            person = checkin.person
            passed_over.add(checkin.id)
            if deliverable(person, now) > now or not person.active:
                continue
            claimed = await claim(
                session=session,
                model=CheckIn,
                row_id=checkin.id,
                from_status=CheckInStatus.SENT,
                to_status=CheckInStatus.REMINDED,
                reminded_at=now,
            )
            await session.commit()
        if claimed:
            await attempt(
                send_html(
                    bot, person.telegram_id, texts.render(person.locale, "checkin.reminder", name=person.name), _button(runtime, person)
                )
            )

    while True:
        async with runtime.open_session() as session:
            checkin = await next_to_miss(session=session, now=now)
            if checkin is None:
                break
            await claim(session=session, model=CheckIn, row_id=checkin.id, from_status=checkin.status, to_status=CheckInStatus.MISSED)
            await session.commit()
    return sent
