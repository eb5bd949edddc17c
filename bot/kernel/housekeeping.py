"""Housekeeping: forget, on schedule, what is kept only for a while (once an hour is plenty).

Processed-update records and handled webhook updates after 48 hours (Telegram cannot redeliver
older ones), sent notices after a week, dead letters after 30 days.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot

from bot.kernel.context import Runtime
from db import notices, updates

EVERY = timedelta(hours=1)


async def sweep_housekeeping(runtime: Runtime, bot: Bot) -> int:
    now = runtime.clock.now()
    if runtime.last_housekeeping is not None and now - runtime.last_housekeeping < EVERY:
        return 0
    async with runtime.open_session() as session:
        await updates.prune(session=session, now=now)
        await notices.prune(session=session, now=now)
        await session.commit()
    runtime.last_housekeeping = now
    return 1
