"""/pap (/plan): her PAP with milestones, the buttons that change it, and the reminders of milestone due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, Update

from bot.kernel.callbacks import DeadlineAction, PlanAction
from bot.kernel.context import EcoachContext, Runtime
from bot.kernel.guards import answer_button, not_enrolled, requires_alumna
from bot.kernel.sending import Verdict, attempt, one_by_one, retry_at, send_claimed
from bot.kernel.telegram import send_html
from conversations import logbook, plan
from db.claims import hold_due
from db.deadlines import Deadline, decide, due_reminders, plan_deadline_reminders, settle
from db.models import MilestoneNotice, MilestoneReminder, MilestoneStatus, Person
from db.plans import current_pap, milestone_of


@requires_alumna
async def show_plan(update: Update, context: EcoachContext, person: Person) -> None:
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pap is None:
        await not_enrolled(update, context)
        return
    await plan.show_plan(update, context, pap)


@requires_alumna
async def on_plan_button(update: Update, context: EcoachContext, person: Person) -> None:
    """A button under /pap: start the matching change."""
    assert update.callback_query is not None
    action = PlanAction.parse(update.callback_query.data)
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    if pap is None or action is None or action.action not in plan.ENTRY_STEPS:
        await answer_button(update, context.text("input.stale_button"))
        return
    await answer_button(update)
    await plan.begin(context, update, pap, action.action)


@requires_alumna
async def on_deadline_button(update: Update, context: EcoachContext, person: Person) -> None:
    """'Catat kemajuan' or 'Ubah tanggal' under a milestone reminder."""
    assert update.callback_query is not None
    pressed = DeadlineAction.parse(update.callback_query.data)
    pap = await current_pap(session=context.session, telegram_id=person.telegram_id)
    milestone = milestone_of(pap, pressed.milestone_id) if pap and pressed else None
    if pap is None or pressed is None or milestone is None or milestone.status == MilestoneStatus.DONE:
        await answer_button(update, context.text("plan.gone"))
        return
    await answer_button(update)
    if pressed.action == "move":
        await plan.begin_move(context, update, pap, milestone)
    else:
        await logbook.begin(context, update, pap, milestone=milestone)


async def sweep_deadline_reminders(runtime: Runtime, bot: Bot) -> int:
    """Send every due milestone reminder; return how many went out (claimed under a lease, as the others)."""
    now = runtime.clock.now()
    async with runtime.open_session() as session:
        await plan_deadline_reminders(session=session, now=now)
        await session.commit()
    return await send_claimed(
        one_by_one(lambda: hold_due(runtime.open_session, now, runtime.settings.lease, due_reminders, _settle)),
        lambda due: _send_deadline_reminder(runtime, bot, due, now),
        lambda: runtime.stopping,
    )


@dataclass(frozen=True)
class _Due:
    """A milestone reminder the sweep holds under its lease, and what sending it needs."""

    reminder_id: int
    kind: MilestoneNotice
    attempts: int
    person: Person
    deadline: Deadline


async def _settle(session: AsyncSession, reminder: MilestoneReminder, now: datetime) -> _Due | None:
    """What a held milestone reminder sends, or None when it is not needed (settled here)."""
    deadline = await decide(session=session, reminder=reminder, now=now)
    return _Due(reminder.id, reminder.kind, reminder.attempts, reminder.person, deadline) if deadline else None


async def _send_deadline_reminder(runtime: Runtime, bot: Bot, due: _Due, now: datetime) -> int:
    texts, person, deadline = runtime.texts, due.person, due.deadline
    body = texts.render(person.locale, f"plan.deadline_{due.kind.value}", name=person.called, d=deadline)
    markup = InlineKeyboardMarkup(
        [[DeadlineAction("log", deadline.milestone_id).key(texts.render(person.locale, "plan.button_log_progress")),
          DeadlineAction("move", deadline.milestone_id).key(texts.render(person.locale, "plan.button_move_date"))]]
    )  # fmt: skip
    failure = await attempt(send_html(bot, person.telegram_id, body, markup))
    delivered = failure is None or failure.may_have_arrived
    async with runtime.open_session() as session:
        await settle(
            session=session, reminder_id=due.reminder_id, now=runtime.clock.now(), sent=delivered,
            retry_at=retry_at(failure, due.attempts, now) if failure else None,
            blocked=failure is not None and failure.verdict is Verdict.UNDELIVERABLE,
        )  # fmt: skip
        await session.commit()
    return int(delivered)
