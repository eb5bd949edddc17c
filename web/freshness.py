"""The programme overview, recomputed at most once a minute per set of cohorts, in the background.

At 20,000 alumnae the overview aggregates some 300,000 rows (statuses, check-ins, a year of
activity): about 0.7 s of database work (BENCHMARKS.md). Its numbers move slowly, so a page is
served from the last computation while a newer one is made beside it (stale-while-revalidate); the
page says when its numbers were counted. Only the first view after a start waits for the count.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from db.dashboard import Overview

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(seconds=60)
FORGET_AFTER = timedelta(minutes=30)  # a scope nobody looked at for this long leaves memory


@dataclass
class _Kept:
    overview: Overview
    counted_at: datetime
    seen_at: datetime
    refresh: asyncio.Task[None] | None = field(default=None, repr=False)


class OverviewCache:
    def __init__(self) -> None:
        self._kept: dict[tuple[int, ...], _Kept] = {}

    async def get(self, scope: tuple[int, ...], now: datetime, count: Callable[[], Awaitable[Overview]]) -> tuple[Overview, datetime]:
        """The overview of these cohorts and when it was counted; `count` makes a new one."""
        for key in [k for k, kept in self._kept.items() if now - kept.seen_at > FORGET_AFTER]:
            del self._kept[key]
        kept = self._kept.get(scope)
        if kept is None:
            kept = self._kept[scope] = _Kept(await count(), now, now)
        elif now - kept.counted_at > FRESH_FOR and (kept.refresh is None or kept.refresh.done()):
            kept.refresh = asyncio.create_task(self._recount(kept, now, count))
        kept.seen_at = now
        return kept.overview, kept.counted_at

    @staticmethod
    async def _recount(kept: _Kept, now: datetime, count: Callable[[], Awaitable[Overview]]) -> None:
        try:
            kept.overview, kept.counted_at = await count(), now
        except Exception:  # the page goes on with the last numbers; the next view tries again
            log.exception("recounting the overview failed")
