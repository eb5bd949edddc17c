"""The one Telegram send policy: what a failed Bot API call means, and what to do about it.

Every sender (replies, reminders, check-ins, the outbox, notices) asks `classify` and follows its
verdict, so a failure means the same everywhere:

- retry later: 429 (after its `retry_after`), 5xx, a network error, a timeout before the request left;
- unknown: a timeout after the request left; Telegram may have accepted it;
- undeliverable: 403 (blocked, deactivated, kicked) and 400 "chat not found": give up on that chat;
- bug: any other 400: our own mistake, logged with its kind and never retried.

Scheduled rows count their attempts; `retry_at` answers None once MAX_ATTEMPTS is reached, so no
row retries forever.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import httpx
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_BACKOFF = timedelta(minutes=1)  # then 2, 4, 8 ... minutes; a 429 waits what Telegram asked
T = TypeVar("T")
IN_FLIGHT = 30  # claimed rows waiting for the rate limiter at once: a second of Telegram's pace
# 400 answers that mean the chat is gone for good rather than that we sent something wrong.
GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated", "group chat was deactivated")


class Verdict(enum.Enum):
    RETRY = "retry"
    UNKNOWN = "unknown"
    UNDELIVERABLE = "undeliverable"
    BUG = "bug"


@dataclass(frozen=True)
class Failure:
    verdict: Verdict
    kind: str  # the error's class and the head of Telegram's words, for the log: never what was sent
    wait: timedelta | None = None  # what Telegram asked for (429)

    @property
    def may_have_arrived(self) -> bool:
        """A message to one person that may have arrived is never sent again: she may have it."""
        return self.verdict is Verdict.UNKNOWN


async def attempt(call: Awaitable[object]) -> Failure | None:
    """Make one Bot API call; None when Telegram took it, else the verdict on its failure."""
    try:
        await call
    except TelegramError as exc:
        return classify(exc)
    return None


def retry_delay(exc: RetryAfter) -> timedelta:
    """How long Telegram asked us to wait (a timedelta with PTB_TIMEDELTA, else seconds)."""
    return exc.retry_after if isinstance(exc.retry_after, timedelta) else timedelta(seconds=exc.retry_after)


def classify(exc: TelegramError) -> Failure:
    """The verdict on one failed call."""
    # Telegram's description can quote the text it refused ("can't parse entities: ... 'her words'"):
    # only the part before the first colon is kept.
    kind = f"{type(exc).__name__}: {exc.message.split(':', 1)[0]}"
    if isinstance(exc, RetryAfter):
        return Failure(Verdict.RETRY, kind, retry_delay(exc))
    if isinstance(exc, TimedOut):
        cause = exc.__cause__
        if isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout):
            return Failure(Verdict.RETRY, kind)  # the request never left this machine
        return Failure(Verdict.UNKNOWN, kind)
    if isinstance(exc, Forbidden | ChatMigrated):
        return Failure(Verdict.UNDELIVERABLE, kind)
    if isinstance(exc, BadRequest):
        if any(words in exc.message.lower() for words in GONE):
            return Failure(Verdict.UNDELIVERABLE, kind)
        log.error("the Bot API refused a call as malformed (%s): a bug to fix", kind)
        return Failure(Verdict.BUG, kind)
    if isinstance(exc, NetworkError):  # 5xx and connection errors
        return Failure(Verdict.RETRY, kind)
    log.error("unexpected Bot API error (%s)", kind)
    return Failure(Verdict.BUG, kind)


def retry_at(failure: Failure, attempts: int, now: datetime) -> datetime | None:
    """When to try a scheduled send again after `attempts` tries, or None to give up."""
    if failure.verdict is not Verdict.RETRY or attempts >= MAX_ATTEMPTS:
        return None
    if failure.wait is not None:
        return now + failure.wait
    return now + FIRST_BACKOFF * (1 << max(attempts - 1, 0))


def one_by_one(claim_batch: Callable[[], Awaitable[Sequence[T]]]) -> Callable[[], Awaitable[T | None]]:
    """A claim of one row at a time for `send_claimed`, from claims of a batch at a time: the next
    batch is claimed when the last one's rows are all handed out; None when a claim finds none.
    Rows of a batch not handed out when the sweep stops wait for their lease, as rows in flight do."""
    claimed: deque[T] = deque()

    async def claim_next() -> T | None:
        if not claimed:
            claimed.extend(await claim_batch())
        return claimed.popleft() if claimed else None

    return claim_next


async def send_claimed(
    claim_next: Callable[[], Awaitable[T | None]], send: Callable[[T], Awaitable[int]], stopping: Callable[[], bool]
) -> int:
    """Claim rows one after another while the claimed ones are being sent, and return the sum of
    what `send` returned. The database's round trips overlap the sends, so a sweep runs at the rate
    limiter's pace (Telegram's 30 a second), not at one row's claim, send and record in turn. Each
    claimed row stays under its lease until its own `send` records what became of it."""
    slots = asyncio.Semaphore(IN_FLIGHT)
    sending: set[asyncio.Task[int]] = set()
    total = 0

    async def one(row: T) -> int:
        nonlocal total
        try:
            sent = await send(row)
            total += sent  # not `total += await ...`: that reads the total before the wait
        finally:
            slots.release()
        return 0

    try:
        while not stopping():
            await slots.acquire()
            row = await claim_next()
            if row is None:
                slots.release()
                break
            task = asyncio.create_task(one(row))
            sending.add(task)
            task.add_done_callback(sending.discard)
    finally:
        failures = [o for o in await asyncio.gather(*sending, return_exceptions=True) if isinstance(o, BaseException)]
    if failures:
        raise failures[0]
    return total
