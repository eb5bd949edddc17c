"""Notices: single messages a feature owes someone besides her answer (a coach's notice of her entry,
a coaching request, feedback delivered to her). They go through an outbox.

`notify` queues one in the update's own transaction, so it is stored exactly when the answer that
caused it is. Right after that commit the update's process sends what it queued; if the process dies
first, the sweep sends it once the lease runs out. A notice that may have arrived (a timeout after
Telegram took it) is not sent again: it goes to one person.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode

from bot.kernel.context import EcoachContext, Runtime
from bot.kernel.sending import Verdict, attempt, retry_at
from bot.kernel.telegram import send_html
from db.models import Notice, SendStatus
from db.notices import Later, claim_due, enqueue, settle

log = logging.getLogger(__name__)


async def notify(
    context: EcoachContext,
    chat_id: int,
    body: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    about: int | None = None,
    later: Later | None = None,
    attachment: tuple[str, str] | None = None,
) -> None:
    """Queue a notice to `chat_id` in this update's transaction. `about` names the alumna it concerns,
    whose erasure removes it with her; `later` makes it a scheduled one; `attachment` (file name,
    text) goes with it as a document, the body its caption."""
    notice = await enqueue(
        session=context.session,
        chat_id=chat_id,
        text=body,
        markup=markup.to_dict() if markup else None,
        about_id=about,
        now=context.runtime.clock.now(),
        later=later,
        attachment=attachment,
    )
    if later is None or later.due_at <= context.runtime.clock.now():
        context.scope.notices.append(notice.id)


async def send_notices(runtime: Runtime, bot: Bot, ids: list[int] | None = None) -> int:
    """Send due notices (only `ids`, if given) one by one, recording each outcome; return how many went."""
    sent = 0
    while not runtime.stopping:
        now = runtime.clock.now()
        async with runtime.open_session() as session:
            batch = await claim_due(session=session, now=now, lease=runtime.settings.lease, ids=ids)
            await session.commit()
        if not batch:
            return sent
        for notice in batch:
            markup = InlineKeyboardMarkup.de_json(notice.markup, bot) if notice.markup else None
            failure = await attempt(_send(bot, notice, markup))
            if failure is None or failure.may_have_arrived:
                status, again = SendStatus.SENT, None
                sent += 1
            elif failure.verdict is Verdict.RETRY and (again := retry_at(failure, notice.attempts, now)) is not None:
                status = SendStatus.PENDING
            else:
                status, again = (SendStatus.SKIPPED if failure.verdict is Verdict.UNDELIVERABLE else SendStatus.FAILED), None
                log.warning("notice %s ended %s (%s)", notice.id, status.value, failure.kind)
            async with runtime.open_session() as session:
                await settle(session=session, notice_id=notice.id, status=status, now=runtime.clock.now(), retry_at=again)
                await session.commit()
        if ids is not None:
            ids = [i for i in ids if i not in {n.id for n in batch}]
            if not ids:
                return sent
    return sent


async def _send(bot: Bot, notice: Notice, markup: InlineKeyboardMarkup | None) -> object:
    if notice.attachment is None or notice.attachment_name is None:
        return await send_html(bot, notice.chat_id, notice.text, markup)
    document = InputFile(notice.attachment.encode(), filename=notice.attachment_name)
    return await bot.send_document(notice.chat_id, document, caption=notice.text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def sweep_notices(runtime: Runtime, bot: Bot) -> int:
    """The sweep's share: notices whose process died before sending them, and retries."""
    return await send_notices(runtime, bot)
