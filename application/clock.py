"""A clock that the caller moves: for the demo's back-dated sample and for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SimulatedClock:
    """Callable like ``system_clock``; ``set`` and ``advance`` move it, never backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        instant = instant.astimezone(UTC)
        if instant < self._now:
            raise ValueError(f"the clock does not go back: {instant} < {self._now}")
        self._now = instant

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)
