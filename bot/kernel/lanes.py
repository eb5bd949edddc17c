"""Telegram's pace, in two lanes: what a person is waiting for goes before bulk sends.

Telegram takes about 30 messages a second from one bot, and 20 a minute in one group. It counts a
call at some moment between the moment it leaves and the moment its answer comes back; so a call
here holds a place in the second from when it leaves until a second after its answer, and no
second Telegram counts can hold more than the rate, however the network bunches calls, with no
place kept as a margin.

With one queue, a broadcast to 10,000 put every reply behind the queued deliveries, and an alumna
waited seconds for her next question. Here the sweeps' calls (broadcasts, tips, reminders,
check-ins) keep a little below the rate, one every 1/(rate - HEADROOM) seconds, and a call made while
an update is handled (a reply, an edit, the next question) goes at once while the second has a
place; only when it is full does it wait, and then before any bulk call. A reply made while bulk
calls wait costs the bulk lane its next slot: the second keeps its spare place for the next reply
instead of the bulk lane filling it again, so bulk sends use what replies leave.

Only calls to a chat are paced, as in PTB's AIORateLimiter; a 429 is not retried here, since each
sender follows the one send policy (bot/kernel/sending.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import BaseRateLimiter

from bot.kernel.context import current_scope

GROUP_RATE = 20  # messages a minute in one group
HEADROOM = 1  # calls a second the bulk lane leaves free for replies


def interactive() -> bool:
    """True while an update is handled: someone is waiting for this call."""
    return current_scope.get() is not None


class Lanes(BaseRateLimiter[int]):
    """At most `rate` calls in any second Telegram counts, the interactive lane first; `group_rate` a minute per group in both."""

    def __init__(self, rate: float, group_rate: float = GROUP_RATE) -> None:
        self.rate, self.group_rate = rate, group_rate
        self.bulk_interval = 1 / max(rate - HEADROOM, rate * 0.9)
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._in_flight = 0  # calls let through whose answer has not come back
        self._answered: deque[float] = deque()  # loop times of the answers that came back in the last second
        self._next_bulk = 0.0  # loop time of the next bulk slot
        self._owed = 0  # bulk slots to give up: replies made while bulk calls waited
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
        async with self._group(chat_id) if group else contextlib.nullcontext(), self.turn(urgent=interactive()):
            return await callback(*args, **kwargs)

    def _group(self, chat_id: int | str) -> AsyncLimiter:
        if chat_id not in self._groups:
            self._groups[chat_id] = AsyncLimiter(self.group_rate, 60)  # as PTB's: a coach's few replies in a row go at once
        return self._groups[chat_id]

    @contextlib.asynccontextmanager
    async def turn(self, *, urgent: bool) -> AsyncIterator[None]:
        """One call's place in Telegram's second: from when it may leave until a second after its answer."""
        await self._slot(urgent=urgent)
        try:
            yield
        finally:
            self._answer(asyncio.get_running_loop().time())

    async def _slot(self, *, urgent: bool) -> None:
        """Wait for this call's turn: at once for an urgent call while the second has a place, else in its lane."""
        loop = asyncio.get_running_loop()
        if urgent and not self._urgent and self._room(loop.time()):
            self._took(urgent=True)
            return
        turn = loop.create_future()
        (self._urgent if urgent else self._bulk).append(turn)
        if self._pacer is None or self._pacer.done():
            self._pacer = asyncio.create_task(self._pace())
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # let through, then cancelled before it left: as if answered now
                self._answer(loop.time())
            raise

    def _room(self, now: float) -> bool:
        """A place in the second: the calls in flight and those answered in the last second are fewer than the rate."""
        while self._answered and self._answered[0] <= now - 1:
            self._answered.popleft()
        return self._in_flight + len(self._answered) < self.rate

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        while self._urgent or self._bulk:
            now = loop.time()
            if not self._room(now):  # until the oldest answer is a second old, or (all in flight) a nap
                await asyncio.sleep(self._answered[0] + 1 - now if self._answered else 0.005)
                continue
            if not self._urgent and self._next_bulk > now:
                await asyncio.sleep(min(self._next_bulk - now, 0.005))  # short naps: a reply may come meanwhile
                continue
            if not self._urgent and self._owed:  # this bulk slot went to a reply
                self._owed -= 1
                self._bulk_slot_used(now)
                continue
            queue = self._urgent or self._bulk
            turn = queue.popleft()
            if turn.done():  # its caller was cancelled while waiting
                continue
            turn.set_result(None)
            self._took(urgent=queue is self._urgent)
            if queue is self._bulk:
                self._bulk_slot_used(now)
        self._owed = 0  # nothing waits: the next bulk send starts afresh

    def _bulk_slot_used(self, now: float) -> None:
        """Set the next bulk slot. While bulk calls keep coming it follows this one's slot, not the moment
        the nap ended: late wake-ups must not add up (~1.4 ms each made 28 a second into 27). After a quiet
        spell it is a whole interval from now."""
        on_time = now - self._next_bulk < self.bulk_interval
        self._next_bulk = (self._next_bulk if on_time else now) + self.bulk_interval

    def _took(self, *, urgent: bool) -> None:
        """Count a call let through; a reply made while bulk calls wait takes the place of the next bulk one."""
        self._in_flight += 1
        if urgent and self._bulk:
            self._owed += 1

    def _answer(self, now: float) -> None:
        self._in_flight -= 1
        self._answered.append(now)
