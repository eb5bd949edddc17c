"""Telegram's pace, in two lanes: what a person is waiting for goes before bulk sends.

Telegram takes about 30 messages a second from one bot, 20 a minute in one group, and about one a
second in one private chat, "short bursts" allowed: read here as three at once. It counts a call at
some moment between the moment it leaves and the moment its answer comes back; so a call here holds
a place in the second from when it leaves until a second after its answer, and no second Telegram
counts can hold more than the rate, however the network bunches calls, with no place kept as a
margin. A chat's bucket is kept the same way.

With one queue, a broadcast to 10,000 put every reply behind the queued deliveries, and an alumna
waited seconds for her next question. Here the sweeps' calls (broadcasts, tips, reminders,
check-ins) keep a little below the rate, one every 1/(rate - HEADROOM) seconds, and a call made while
an update is handled (a reply, an edit, the next question) goes at once while the second has a
place; only when it is full does it wait, and then before any bulk call. A reply made while bulk
calls wait costs the bulk lane its next slot: the second keeps its spare place for the next reply
instead of the bulk lane filling it again, so bulk sends use what replies leave.

Only calls to a chat are paced, as in PTB's AIORateLimiter; a 429 is not retried here, since each
sender follows the one send policy (bot/kernel/sending.py). A chat's bucket is kept in both lanes,
and waited for before the lane, so a chat at its limit holds up no one else's call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from telegram.ext import BaseRateLimiter

from bot.kernel.context import current_scope

GROUP_RATE = 20  # messages a minute in one group
CHAT_RATE, CHAT_BURST = 1, 3  # new messages in one private chat: three at once, then one a second
HEADROOM = 1  # calls a second the bulk lane leaves free for replies
KEPT_CHATS = 1_000  # above this many chats, the buckets with nothing in them are forgotten
NAP = 0.005  # seconds between looks while every place is held by a call still in flight


def interactive() -> bool:
    """True while an update is handled: someone is waiting for this call."""
    return current_scope.get() is not None


def new_message(endpoint: str) -> bool:
    """A call that puts a new message in the chat (what a private chat's pace counts), not an edit or "typing"."""
    return endpoint.startswith(("send", "copy", "forward")) and endpoint != "sendChatAction"


class Bucket:
    """One chat's pace: `burst` calls at once, then `rate` a second (a leaky bucket, as PTB's
    AIORateLimiter reads a group's 20 a minute), taken in the order the calls came. A call fills the
    bucket from when it leaves and drains from its answer, so the chat keeps its pace whenever within
    that time Telegram counted it."""

    def __init__(self, burst: float, rate: float) -> None:
        self.burst, self.rate = burst, rate
        self._level, self._at = 0.0, 0.0  # answered calls still in the bucket, as of loop time _at
        self._in_flight = 0
        self._queue: deque[asyncio.Future[None]] = deque()  # calls waiting; the first looks for room

    @contextlib.asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        await self._enter(loop)
        try:
            yield
        finally:
            self._in_flight -= 1
            self._level = self._drained(loop.time()) + 1

    def idle(self, now: float) -> bool:
        """Nothing waits, nothing is in flight and the bucket is empty: as good as new."""
        return not self._queue and not self._in_flight and self._drained(now) == 0

    async def _enter(self, loop: asyncio.AbstractEventLoop) -> None:
        turn = loop.create_future()
        self._queue.append(turn)
        if len(self._queue) == 1:
            turn.set_result(None)
        try:
            await turn  # the calls before it have left
            wait = self._wait(loop.time())
            while wait:  # a time to wait for, not an event
                await asyncio.sleep(wait)
                wait = self._wait(loop.time())
        finally:
            self._queue.remove(turn)
            if self._queue and not self._queue[0].done():
                self._queue[0].set_result(None)
        self._in_flight += 1

    def _wait(self, now: float) -> float:
        """Seconds before one more call fits: 0 now, a nap while only an answer can make room."""
        over = self._drained(now) + self._in_flight + 1 - self.burst
        if over <= 1e-9:
            return 0.0
        return NAP if self._in_flight + 1 > self.burst else over / self.rate

    def _drained(self, now: float) -> float:
        self._level, self._at = max(0.0, self._level - (now - self._at) * self.rate), now
        return self._level


class Lanes(BaseRateLimiter[int]):
    """At most `rate` calls in any second Telegram counts, the interactive lane first; in both, `group_rate`
    a minute per group, and in a private chat `chat_burst` new messages at once, then CHAT_RATE a second
    (0: unpaced).

    `rate` and `group_rate` are this process's share when several send. A private chat's pace is not
    shared out: one chat's updates are handled by one process at a time, and halving her pace would
    make the second message of a reply wait."""

    def __init__(self, rate: float, group_rate: float = GROUP_RATE, chat_burst: int = CHAT_BURST) -> None:
        self.rate, self.group_rate, self.chat_burst = rate, group_rate, chat_burst
        self.bulk_interval = 1 / max(rate - HEADROOM, rate * 0.9)
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._in_flight = 0  # calls let through whose answer has not come back
        self._answered: deque[float] = deque()  # loop times of the answers that came back in the last second
        self._next_bulk = 0.0  # loop time of the next bulk slot
        self._owed = 0  # bulk slots to give up: replies made while bulk calls waited
        self._pacer: asyncio.Task[None] | None = None
        self._chats: dict[int | str, Bucket] = {}

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
        paced = group or (self.chat_burst > 0 and new_message(endpoint))
        async with self._chat(chat_id, group).place() if paced else contextlib.nullcontext(), self.turn(urgent=interactive()):
            return await callback(*args, **kwargs)

    def _chat(self, chat_id: int | str, group: bool) -> Bucket:
        """The chat's bucket: every call to a group counts, and only new messages in a private chat."""
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= KEPT_CHATS:  # a broadcast to 10,000 would leave 10,000 buckets behind
                now = asyncio.get_running_loop().time()
                self._chats = {chat: kept for chat, kept in self._chats.items() if not kept.idle(now)}
            burst, rate = (self.group_rate, self.group_rate / 60) if group else (self.chat_burst, CHAT_RATE)
            bucket = self._chats[chat_id] = Bucket(burst, rate)
        return bucket

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
                await asyncio.sleep(self._answered[0] + 1 - now if self._answered else NAP)
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
