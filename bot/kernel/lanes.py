"""Telegram's pace, in two lanes: what a person is waiting for goes before bulk sends.

Telegram takes about 30 messages a second from one bot, and 20 a minute in one group. One call
every 1/rate seconds keeps within that (a burst of 30 on top of the last second's 30 is what earns
a 429). With one queue, a broadcast to 10,000 put every reply behind the queued deliveries, and an
alumna waited seconds for her next question. Here the sweeps' calls (broadcasts, tips, reminders,
check-ins) keep a little below the rate, one every 1/(rate - HEADROOM) seconds, and a call made while
an update is handled (a reply, an edit, the next question) goes at once while the last second holds
fewer than rate - 1 calls; only when it is full does it wait, and then before any bulk call. So she
waits for nothing during a broadcast, and Telegram never sees more than the rate in any second.

Only calls to a chat are paced, as in PTB's AIORateLimiter; a 429 is not retried here, since each
sender follows the one send policy (bot/kernel/sending.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import BaseRateLimiter

from bot.kernel.context import current_scope

GROUP_RATE = 20  # messages a minute in one group
HEADROOM = 2  # calls a second the bulk lane leaves free for replies


def interactive() -> bool:
    """True while an update is handled: someone is waiting for this call."""
    return current_scope.get() is not None


class Lanes(BaseRateLimiter[int]):
    """One call every 1/rate seconds, the interactive lane first; 20 a minute per group in both."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.bulk_interval = 1 / max(rate - HEADROOM, rate * 0.9)
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._window: deque[float] = deque()  # loop times of the calls let through in the last second
        self._next_bulk = 0.0  # loop time of the next bulk slot
        self._pacer: asyncio.Task[None] | None = None
        self._groups: dict[int | str, AsyncLimiter] = {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._pacer is not None:
            self._pacer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pacer

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if chat_id is None:  # getUpdates, answerCallbackQuery, getFile: not messages to a chat
            return await callback(*args, **kwargs)
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
        async with self._group(chat_id) if group else contextlib.nullcontext():
            await self.slot(urgent=interactive())
            return await callback(*args, **kwargs)

    def _group(self, chat_id: int | str) -> AsyncLimiter:
        if chat_id not in self._groups:
            self._groups[chat_id] = AsyncLimiter(GROUP_RATE, 60)  # as PTB's: a coach's few replies in a row go at once
        return self._groups[chat_id]

    async def slot(self, *, urgent: bool) -> None:
        """Wait for this call's turn: at once for an urgent call while the last second has room, else in its lane."""
        loop = asyncio.get_running_loop()
        if urgent and not self._urgent and self._room(loop.time()):
            self._window.append(loop.time())
            return
        turn = loop.create_future()
        (self._urgent if urgent else self._bulk).append(turn)
        if self._pacer is None or self._pacer.done():
            self._pacer = asyncio.create_task(self._pace())
        await turn

    def _room(self, now: float) -> bool:
        """Fewer than rate - 1 calls in the last second: one more cannot make Telegram count over the rate,
        even if the network bunches them."""
        while self._window and self._window[0] <= now - 1:
            self._window.popleft()
        return len(self._window) < self.rate - 1

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        while self._urgent or self._bulk:
            now = loop.time()
            if not self._room(now):
                await asyncio.sleep(self._window[0] + 1 - now)
                continue
            if not self._urgent and self._next_bulk > now:
                await asyncio.sleep(min(self._next_bulk - now, 0.005))  # short naps: a reply may come meanwhile
                continue
            queue = self._urgent or self._bulk
            turn = queue.popleft()
            if turn.done():  # its caller was cancelled while waiting
                continue
            turn.set_result(None)
            self._window.append(now)
            if queue is self._bulk:
                # While bulk calls keep coming, the next slot follows this one's slot, not the moment the nap
                # ended: late wake-ups must not add up (~1.4 ms each made 28 a second into 27). After a quiet
                # spell it is a whole interval from now.
                on_time = now - self._next_bulk < self.bulk_interval
                self._next_bulk = (self._next_bulk if on_time else now) + self.bulk_interval
