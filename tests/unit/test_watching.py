"""The time actually played of a clip (domain/watching.py): only continuous playback
counts, each part once, and a clip is watched at 90 % of its duration."""

from __future__ import annotations

import inspect
import time
from fractions import Fraction

import pytest

from latsar_desktop.domain.watching import (
    COMPLETE_SHARE,
    FASTEST_RATE,
    STEP_SLACK_MS,
    WatchTracker,
)

STEP_MS = 50  # the player's usual update interval (measured: ~50 ms)


class Clock:
    """A fake monotonic clock, in seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms / 1000


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tracker(clock: Clock) -> WatchTracker:
    return WatchTracker(clock)


def play(
    tracker: WatchTracker,
    clock: Clock,
    start: int,
    end: int,
    *,
    rate: float = 1.0,
    step: int = STEP_MS,
    pause: bool = True,
) -> None:
    """Play from ``start`` to ``end`` at ``rate`` with an update every ``step`` ms of
    the clip, as the player reports it: playing from ``start``, the updates, then
    paused at ``end`` (``pause``)."""
    tracker.sample(start, True)
    position = start
    while position < end:
        moved = min(step, end - position)
        clock.advance(moved / rate)
        position += moved
        tracker.sample(position, True)
    if pause:
        tracker.sample(end, False)


def test_the_threshold_is_ninety_percent() -> None:
    assert Fraction(90, 100) == COMPLETE_SHARE
    assert Fraction(3, 2) == FASTEST_RATE


def test_playing_a_clip_to_its_end_completes_it(tracker: WatchTracker, clock: Clock) -> None:
    play(tracker, clock, 0, 8000)
    assert tracker.played_ms == 8000
    assert tracker.intervals == ((0, 8000),)
    assert tracker.percent(8000) == 100
    assert tracker.complete(8000)


def test_just_under_ninety_percent_is_not_complete_and_ninety_is(
    tracker: WatchTracker, clock: Clock
) -> None:
    play(tracker, clock, 0, 7199)
    assert tracker.percent(8000) == 89  # 89.99 % rounded down: never shown as 90 %
    assert not tracker.complete(8000)
    play(tracker, clock, 7199, 7200)
    assert tracker.complete(8000)


def test_seeking_to_the_end_without_playing_counts_nothing(
    tracker: WatchTracker, clock: Clock
) -> None:
    tracker.sample(0, False)
    tracker.seeked()
    tracker.sample(8000, False)
    clock.advance(10_000)
    tracker.sample(8000, False)
    assert tracker.played_ms == 0
    assert not tracker.complete(8000)


def test_seeking_near_the_end_then_playing_the_last_second_counts_one_second(
    tracker: WatchTracker, clock: Clock
) -> None:
    play(tracker, clock, 0, 500)
    tracker.seeked()
    play(tracker, clock, 7000, 8000)
    assert tracker.intervals == ((0, 500), (7000, 8000))
    assert tracker.played_ms == 1500
    assert not tracker.complete(8000)


def test_a_seek_while_playing_is_not_played(tracker: WatchTracker, clock: Clock) -> None:
    play(tracker, clock, 0, 1000, pause=False)
    tracker.seeked()
    clock.advance(STEP_MS)
    tracker.sample(6000, True)  # the seek's landing: the start of a new stretch
    play(tracker, clock, 6000, 7000)
    assert tracker.intervals == ((0, 1000), (6000, 7000))


def test_an_announced_seek_never_counts_even_when_the_clock_would_allow_it(
    tracker: WatchTracker, clock: Clock
) -> None:
    """A busy moment (no update for 2 s), then a seek 1,5 s ahead: the clock alone would
    take it for playback; announced, it is a seek."""
    play(tracker, clock, 0, 1000, pause=False)
    clock.advance(2000)
    tracker.seeked()
    tracker.sample(2500, True)
    play(tracker, clock, 2500, 3000)
    assert tracker.intervals == ((0, 1000), (2500, 3000))


def test_an_unannounced_jump_ahead_does_not_count(tracker: WatchTracker, clock: Clock) -> None:
    """The player moved without ``seeked()`` (the participant's drag seen late, a
    backend's own jump): longer than the time passed could play, so not played."""
    play(tracker, clock, 0, 1000, pause=False)
    clock.advance(STEP_MS)
    tracker.sample(7000, True)
    play(tracker, clock, 7000, 7500)
    assert tracker.intervals == ((0, 1000), (7000, 7500))


def test_a_jump_back_does_not_count_and_replay_counts_once(
    tracker: WatchTracker, clock: Clock
) -> None:
    for _ in range(10):  # the first 10 % ten times, back to the start without seeked()
        play(tracker, clock, 0, 800, pause=False)
        clock.advance(STEP_MS)
        tracker.sample(0, True)
    assert tracker.played_ms == 800
    assert tracker.percent(8000) == 10
    assert not tracker.complete(8000)


def test_overlapping_stretches_merge(tracker: WatchTracker, clock: Clock) -> None:
    play(tracker, clock, 2000, 3000)
    tracker.seeked()
    play(tracker, clock, 4000, 5000)
    tracker.seeked()
    play(tracker, clock, 2500, 4500)  # bridges both
    assert tracker.intervals == ((2000, 5000),)
    assert tracker.played_ms == 3000


def test_speed_one_and_a_half_counts_and_completes(tracker: WatchTracker, clock: Clock) -> None:
    play(tracker, clock, 0, 8000, rate=1.5, step=75)
    assert tracker.played_ms == 8000
    assert tracker.complete(8000)


def test_irregular_updates_count(tracker: WatchTracker, clock: Clock) -> None:
    """Steps a little ahead of the clock, slow updates, and a burst of queued updates
    after a busy moment (the clock barely moves between them) all count."""
    tracker.sample(0, True)
    position = 0
    for clock_ms, moved in [(50, 93), (50, 20), (400, 600), (30, 40), (0, 50), (0, 50)]:
        clock.advance(clock_ms)
        position += moved
        tracker.sample(position, True)
    assert tracker.played_ms == position == 853


def test_a_step_faster_than_the_fastest_speed_does_not_count(
    tracker: WatchTracker, clock: Clock
) -> None:
    tracker.sample(0, True)
    clock.advance(1000)
    tracker.sample(int(1000 * FASTEST_RATE) + STEP_SLACK_MS, True)  # just within
    assert tracker.played_ms == 1750
    clock.advance(1000)
    tracker.sample(1750 + int(1000 * FASTEST_RATE) + STEP_SLACK_MS + 1, True)  # 2× and more
    assert tracker.played_ms == 1750


def test_time_while_paused_does_not_count(tracker: WatchTracker, clock: Clock) -> None:
    tracker.sample(1000, False)
    clock.advance(60_000)
    tracker.sample(1000, True)  # played on from where it was paused
    assert tracker.played_ms == 0
    play(tracker, clock, 1000, 1200)
    assert tracker.played_ms == 200


def test_a_move_while_paused_does_not_count(tracker: WatchTracker, clock: Clock) -> None:
    """Paused, the position moves a little (a step the clock would allow) without a
    seek announced: nothing was playing, nothing is played."""
    tracker.sample(1000, False)
    clock.advance(1000)
    tracker.sample(1100, False)
    tracker.sample(1100, True)
    assert tracker.played_ms == 0


def test_a_tiny_clip_reported_in_one_step(tracker: WatchTracker, clock: Clock) -> None:
    tracker.sample(0, True)
    clock.advance(120)
    tracker.sample(120, True)  # its end at once
    assert tracker.complete(120)
    assert tracker.percent(120) == 100


def test_a_tiny_clip_seeked_to_its_end_is_not_complete(tracker: WatchTracker, clock: Clock) -> None:
    tracker.sample(0, False)
    tracker.seeked()
    tracker.sample(120, True)
    clock.advance(10)
    tracker.sample(120, False)
    assert not tracker.complete(120)


def test_an_unknown_duration_is_never_complete(tracker: WatchTracker, clock: Clock) -> None:
    play(tracker, clock, 0, 8000)
    assert tracker.played_ms == 8000
    assert tracker.share(0) == 0
    assert tracker.percent(0) == 0
    assert not tracker.complete(0)
    assert tracker.complete(8000)  # once the duration is known


def test_positions_past_the_duration_count_up_to_it(tracker: WatchTracker, clock: Clock) -> None:
    play(tracker, clock, 0, 8040)  # the last update a little past the reported duration
    assert tracker.share(8000) == 1
    assert tracker.percent(8000) == 100


def test_reset_forgets_everything(tracker: WatchTracker, clock: Clock) -> None:
    play(tracker, clock, 0, 4000, pause=False)
    tracker.reset()
    assert tracker.played_ms == 0
    clock.advance(STEP_MS)
    tracker.sample(4050, True)  # no earlier sample: nothing counts
    assert tracker.played_ms == 0


def test_the_default_clock_is_monotonic() -> None:
    """A changed wall clock (a participant setting the time) must not count as playing."""
    assert inspect.signature(WatchTracker).parameters["clock"].default is time.monotonic
    tracker = WatchTracker()
    tracker.sample(0, True)
    tracker.sample(10, True)  # a few µs later: within the slack
    assert tracker.played_ms == 10
