"""Monitoring check-ins: /checkin and the invitation's button, and the sweep that sends each check-in
when it falls due, reminds her once after 3 days, and marks it missed after 7."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from telegram import Bot, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import CheckInNow
from bot.kernel.context import EcoachContext, Runtime
from bot.kernel.guards import answer_button, requires_alumna
from bot.kernel.sending import Verdict, attempt, one_by_one, retry_at, send_claimed
from bot.kernel.telegram import send_html
from conversations import checkin as checkin_flow
from db.checkins import REMIND_AFTER, deliverable, due_invitations, due_reminders, hold, next_planned, next_to_miss, open_checkin, release
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
    """Send due check-ins, remind once after 3 days, mark missed after 7; return how many were sent.

    Each send is claimed under a lease: a check-in left in SENDING or REMINDING by a process that
    died is taken again once the lease runs out, so it is sent (at least once) rather than lost.
    """
    now = runtime.clock.now()
    invited: set[int] = set()
    sent = await send_claimed(
        one_by_one(lambda: _claim_invitations(runtime, now, invited)),
        lambda checkin: _send_invitation(runtime, bot, checkin, now),
        lambda: runtime.stopping,
    )
    reminded: set[int] = set()
    await send_claimed(
        one_by_one(lambda: _claim_reminders(runtime, now, reminded)),
        lambda checkin: _send_reminder(runtime, bot, checkin, now),
        lambda: runtime.stopping,
    )
    while True:
        async with runtime.open_session() as session:
            missed = await next_to_miss(session=session, now=now)
            if missed is None:
                return sent
            await claim(session=session, model=CheckIn, row_id=missed.id, from_status=missed.status, to_status=CheckInStatus.MISSED)
            await session.commit()


async def _claim_invitations(runtime: Runtime, now: datetime, passed_over: set[int]) -> list[CheckIn]:
    """The next invitations this sweep holds (SENDING, under a lease), a batch in one transaction;
    [] when none is due. Those that cannot go now are settled or passed over on the way."""
    while True:
        async with runtime.open_session() as session:
            candidates = await due_invitations(session=session, now=now, passed_over=passed_over)
            if not candidates:
                return []
            ready = []
            for checkin in candidates:
                person = checkin.person
                if not (person.active and person.consent_at is not None):
                    await claim(
                        session=session, model=CheckIn, row_id=checkin.id, from_status=checkin.status, to_status=CheckInStatus.SKIPPED
                    )
                elif deliverable(person, now) > now:  # her night: try again in the morning
                    if checkin.status == CheckInStatus.PLANNED:
                        checkin.due_at = deliverable(person, now)
                    else:
                        passed_over.add(checkin.id)  # still selectable: not again in this sweep
                else:
                    ready.append(checkin)
            held = await hold(session=session, rows=ready, to=CheckInStatus.SENDING, now=now, lease=runtime.settings.lease)
            await session.commit()
        if held:
            return held


async def _send_invitation(runtime: Runtime, bot: Bot, checkin: CheckIn, now: datetime) -> int:
    person = checkin.person
    body = runtime.texts.render(person.locale, "checkin.invitation", name=person.called, month=checkin.month, kind=checkin.kind.value)
    failure = await attempt(send_html(bot, person.telegram_id, body, _button(runtime, person)))
    async with runtime.open_session() as session:
        if failure is None or failure.may_have_arrived:  # she may have it: never sent twice
            sent_at = runtime.clock.now()
            await release(
                session=session,
                checkin_id=checkin.id,
                held=CheckInStatus.SENDING,
                to=CheckInStatus.SENT,
                sent_at=sent_at,
                due_at=sent_at + REMIND_AFTER,
                attempts=0,
            )
        elif failure.verdict is Verdict.UNDELIVERABLE:
            await release(session=session, checkin_id=checkin.id, held=CheckInStatus.SENDING, to=CheckInStatus.SKIPPED)
            await session.execute(update(Person).where(Person.id == person.id).values(active=False))
        elif (again := retry_at(failure, checkin.attempts, now)) is not None:
            await release(session=session, checkin_id=checkin.id, held=CheckInStatus.SENDING, to=CheckInStatus.PLANNED, due_at=again)
        else:  # a bug, or still failing after every attempt: a final state, never retried
            await release(session=session, checkin_id=checkin.id, held=CheckInStatus.SENDING, to=CheckInStatus.FAILED)
        await session.commit()
    return int(failure is None or failure.may_have_arrived)


async def _claim_reminders(runtime: Runtime, now: datetime, passed_over: set[int]) -> list[CheckIn]:
    """The next reminders this sweep holds (REMINDING, under a lease), a batch in one transaction."""
    while True:
        async with runtime.open_session() as session:
            candidates = await due_reminders(session=session, now=now, passed_over=passed_over)
            if not candidates:
                return []
            ready = []
            for checkin in candidates:
                if deliverable(checkin.person, now) > now or not checkin.person.active:
                    passed_over.add(checkin.id)  # still selectable: not again in this sweep
                else:
                    ready.append(checkin)
            held = await hold(session=session, rows=ready, to=CheckInStatus.REMINDING, now=now, lease=runtime.settings.lease)
            await session.commit()
        if held:
            return held


async def _send_reminder(runtime: Runtime, bot: Bot, checkin: CheckIn, now: datetime) -> int:
    """Remind her once; a reminder that can be retried goes back to SENT with a later due time."""
    person = checkin.person
    body = runtime.texts.render(person.locale, "checkin.reminder", name=person.called)
    failure = await attempt(send_html(bot, person.telegram_id, body, _button(runtime, person)))
    async with runtime.open_session() as session:
        again = retry_at(failure, checkin.attempts, now) if failure is not None and not failure.may_have_arrived else None
        if again is not None:
            await release(session=session, checkin_id=checkin.id, held=CheckInStatus.REMINDING, to=CheckInStatus.SENT, due_at=again)
        else:  # reminded, or a reminder that cannot go: either way her invitation stands, and 7 days make it missed
            reminded_at = runtime.clock.now()
            await release(
                session=session, checkin_id=checkin.id, held=CheckInStatus.REMINDING, to=CheckInStatus.REMINDED, reminded_at=reminded_at
            )
        await session.commit()
    return int(failure is None or failure.may_have_arrived)
