"""The one source of "now", injectable so tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)


class ShiftedClock:
    """Real time, started at `start` and movable forward: the playground's ':maju 7d'."""

    def __init__(self, start: datetime) -> None:
        self._origin = datetime.now(UTC)
        self._start = start.astimezone(UTC)
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self._start + (datetime.now(UTC) - self._origin) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
