"""Per-person token buckets, in this process's memory, so that a flood is refused before it costs
a database query or a reply.

Each person may send `burst` updates at once and `per_minute` on average. Past it she is told once
to slow down and muted: what she sends is dropped without a reply until her bucket is half full
again. Someone the bot does not know (no record, no conversation begun) is answered at most
`STRANGER_REPLIES` times a minute, then not at all until the minute has passed.

Buckets live in one process: with several webhook processes each keeps its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

STRANGER_REPLIES = 3  # a minute
MAX_TRACKED = 50_000  # above this, full (idle) buckets are forgotten


class Admission(enum.Enum):
    ADMIT = "admit"
    WARN = "warn"  # refused, and she is told once to slow down
    DROP = "drop"  # refused without a reply


@dataclass
class _Bucket:
    tokens: float
    at: float
    muted: bool = False


class Throttle:
    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60
        self.burst = burst
        self._buckets: dict[int, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0 and self.burst > 0

    def admit(self, user_id: int, now: float) -> Admission:
        """Take one token for `user_id` at monotonic time `now`."""
        if not self.enabled:
            return Admission.ADMIT
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED:
                self._forget_idle(now)
            bucket = self._buckets[user_id] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.muted and bucket.tokens >= self.burst / 2:
            bucket.muted = False
        if bucket.muted:
            return Admission.DROP
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Admission.ADMIT
        bucket.muted = True
        return Admission.WARN

    def _forget_idle(self, now: float) -> None:
        full = [user for user, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for user in full:
            del self._buckets[user]
