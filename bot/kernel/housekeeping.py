"""Housekeeping: forget, on schedule, what is kept only for a while (once an hour is plenty).

Processed-update records and handled webhook updates after 48 hours (Telegram cannot redeliver
older ones), sent notices after a week, dead letters after 30 days; and once a day, evidence files
that no entry or conversation points to any more (a conversation replaced or abandoned, a crash
between download and commit).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from telegram import Bot

from bot.kernel.context import Runtime
from bot.kernel.storage import remove_orphans
from db import notices, updates
from db.logbook import evidence_paths_in_use

EVERY = timedelta(hours=1)
ORPHANS_EVERY = timedelta(days=1)


async def sweep_housekeeping(runtime: Runtime, bot: Bot) -> int:
    now = runtime.clock.now()
    if runtime.last_housekeeping is not None and now - runtime.last_housekeeping < EVERY:
        return 0
    async with runtime.open_session() as session:
        await updates.prune(session=session, now=now)
        await notices.prune(session=session, now=now)
        await session.commit()
    runtime.last_housekeeping = now
    if runtime.last_orphan_sweep is None or now - runtime.last_orphan_sweep >= ORPHANS_EVERY:
        async with runtime.open_session() as session:
            in_use = await evidence_paths_in_use(session=session)
        await asyncio.to_thread(remove_orphans, runtime.settings.data_dir, in_use, time.time())
        runtime.last_orphan_sweep = now
    return 1
