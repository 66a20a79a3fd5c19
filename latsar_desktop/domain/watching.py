"""How much of a clip was ACTUALLY played: the rule behind a video's completion.

A video activity is complete when the time actually played reaches ``COMPLETE_SHARE``
(90 %) of the clip's duration (issue 17): seeking ahead does not count, and replaying a
part counts it once.

``WatchTracker`` is fed what the player reports, as it reports it: ``sample(position_ms,
playing)`` at each position update and each change between playing and paused, and
``seeked()`` just before the participant (or the player itself) moves the position. A
step from one sample to the next counts as played when

- the earlier sample was playing (the clip ran between the two),
- no seek was announced between them,
- it goes forward, by no more than ``FASTEST_RATE`` (the fastest of the player's
  ``SPEEDS``) times the time that passed (on the tracker's clock, monotonic) plus
  ``STEP_SLACK_MS`` (players report positions at irregular intervals, a little ahead or
  behind the clock; a burst of queued updates after a busy moment is many small steps,
  each within the slack).

So a jump, announced or not, never counts (an unannounced jump is longer than the time
that passed could play). What counts is the union of the played intervals: the distinct
time, ``played_ms``; ``share(duration_ms)`` is its part of the clip, ``complete`` at
``COMPLETE_SHARE`` or more. A duration of 0 (not known yet) is never complete.

Qt-free: the clock is injected (``time.monotonic`` by default, a fake one in tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

__all__ = ["COMPLETE_SHARE", "FASTEST_RATE", "SPEEDS", "STEP_SLACK_MS", "WatchTracker"]

COMPLETE_SHARE = Fraction(9, 10)
"""The part of a clip's duration that must have been played for it to be watched."""
SPEEDS = (Decimal(1), Decimal("1.25"), Decimal("1.5"))
"""The playback speeds the player offers (``ui/player.py`` lists them)."""
FASTEST_RATE = Fraction(max(SPEEDS))
"""The fastest of them (1.5×): the most a played step may run ahead of the clock."""
STEP_SLACK_MS = 250
"""How far a step may run ahead of the clock at ``FASTEST_RATE`` and still count: the
player's updates come every 40-100 ms, a few tens of ms ahead or behind (measured with
QtMultimedia's FFmpeg backend: steps of up to 93 ms in 50 ms at 1.5×)."""


class WatchTracker:
    """The distinct time played of one clip; see the module docstring."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._intervals: list[tuple[int, int]] = []  # sorted, disjoint, [start, end)
        self._last: tuple[int, bool, float] | None = None  # position, playing, clock (s)

    def sample(self, position_ms: int, playing: bool) -> None:
        """The player is at ``position_ms``, ``playing`` or not (paused, stopped)."""
        now = self._clock()
        last = self._last
        self._last = (position_ms, playing, now)
        if last is None:
            return
        start, was_playing, then = last
        if not was_playing or position_ms <= start:
            return
        elapsed_ms = max(0.0, (now - then) * 1000)
        if position_ms - start <= elapsed_ms * FASTEST_RATE + STEP_SLACK_MS:
            self._add(start, position_ms)

    def seeked(self) -> None:
        """The position is being moved: the next sample starts afresh."""
        self._last = None

    def reset(self) -> None:
        """Nothing played (another clip, or the same one opened again)."""
        self._intervals.clear()
        self._last = None

    @property
    def intervals(self) -> tuple[tuple[int, int], ...]:
        """The played stretches, ``(start_ms, end_ms)``, sorted and disjoint."""
        return tuple(self._intervals)

    @property
    def played_ms(self) -> int:
        """The distinct time played (a part played twice counts once)."""
        return sum(end - start for start, end in self._intervals)

    def share(self, duration_ms: int) -> Fraction:
        """The part of a clip of ``duration_ms`` played, 0 to 1 (0: duration unknown)."""
        if duration_ms <= 0:
            return Fraction(0)
        inside = sum(
            max(0, min(end, duration_ms) - max(start, 0)) for start, end in self._intervals
        )
        return Fraction(inside, duration_ms)

    def percent(self, duration_ms: int) -> int:
        """``share`` in whole percent, rounded down (89.9 % is not shown as 90 %)."""
        return int(self.share(duration_ms) * 100)

    def complete(self, duration_ms: int) -> bool:
        """Played for ``COMPLETE_SHARE`` of the clip or more (never when unknown)."""
        return duration_ms > 0 and self.share(duration_ms) >= COMPLETE_SHARE

    def _add(self, start: int, end: int) -> None:
        merged: list[tuple[int, int]] = []
        for low, high in self._intervals:
            if high < start or low > end:
                merged.append((low, high))
            else:  # overlapping or touching: one stretch
                start, end = min(start, low), max(end, high)
        merged.append((start, end))
        merged.sort()
        self._intervals = merged
