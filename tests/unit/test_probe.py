"""The connectivity watcher on its thread (fake sleep, clock and jitter), the cancel
token, and what the scheduler makes of a cancelled sync and of the link."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.engine import Backoff, SyncReport, SyncScheduler
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_desktop.sync.probe import ConnectivityWatcher


class Script:
    """Probe outcomes in order; a probe beyond the script is recorded as extra."""

    def __init__(self, *outcomes: bool) -> None:
        self.outcomes = list(outcomes)
        self.extra = 0
        self.online = 0
        self.came_online = threading.Event()
        self.now = 0.0
        self.waits: list[float] = []

    def check(self) -> bool:
        if not self.outcomes:
            self.extra += 1
            return False
        return self.outcomes.pop(0)

    def on_online(self) -> None:
        self.online += 1
        self.came_online.set()

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def watcher(
        self, rng: Callable[[], float] = lambda: 1.0, **options: float
    ) -> ConnectivityWatcher:
        return ConnectivityWatcher(
            self.check,
            self.on_online,
            rng=rng,
            clock=lambda: self.now,
            sleep=self.sleep,
            down=True,
            **options,
        )


def test_probes_back_off_and_call_on_online_once() -> None:
    script = Script(False, False, False, False, False, True)
    watcher = script.watcher()
    watcher.start()
    try:
        assert script.came_online.wait(10)
    finally:
        watcher.stop()
    assert script.waits == [30.0, 60.0, 120.0, 240.0, 300.0, 300.0]  # 30 s, doubling, capped
    assert script.online == 1
    assert script.extra == 0  # once online, no more probes
    assert not watcher.down
    assert watcher.next_probe_in() is None


def test_the_waits_are_jittered() -> None:
    script = Script(False, False, True)
    watcher = script.watcher(rng=lambda: 0.0)  # the shortest waits: half of each step
    watcher.start()
    try:
        assert script.came_online.wait(10)
    finally:
        watcher.stop()
    assert script.waits == [15.0, 30.0, 60.0]


def test_down_again_starts_over() -> None:
    script = Script(False, True, False, True)
    watcher = script.watcher()
    watcher.start()
    try:
        assert script.came_online.wait(10)
        script.came_online.clear()
        watcher.link(False)  # a sync failed OFFLINE: watch again, from 30 s
        assert script.came_online.wait(10)
    finally:
        watcher.stop()
    assert script.waits == [30.0, 60.0, 30.0, 60.0]
    assert script.online == 2
    assert script.extra == 0


def test_stop_wakes_and_joins_the_thread() -> None:
    probed = threading.Event()
    watcher = ConnectivityWatcher(probed.set, lambda: None, interval=3600.0, down=True)
    watcher.start()
    thread = watcher._thread
    assert thread is not None
    assert watcher.next_probe_in() is not None
    watcher.stop()  # it was waiting an hour for its first probe
    assert not thread.is_alive()
    assert not probed.is_set()


def test_a_link_that_works_needs_no_probe() -> None:
    probed = threading.Event()
    watcher = ConnectivityWatcher(probed.set, lambda: None, interval=3600.0, down=True)
    watcher.start()
    try:
        watcher.link(True)  # a sync went through while the watcher waited
        assert not watcher.down
    finally:
        watcher.stop()
    assert not probed.is_set()


def test_a_link_toggled_during_a_probe_does_not_cut_the_next_wait() -> None:
    """A sync went through and the next one failed OFFLINE while a probe ran: the wake-up
    that ``link()`` left must not make every later wait return at once (a busy loop of
    probes). Each wait notes whether the watcher's wake-up was already set as it began:
    with the default sleep that is a wait that returns at once."""
    woken: list[bool] = []
    came_online = threading.Event()
    probes = [0]

    def check() -> bool:
        probes[0] += 1
        if probes[0] == 1:
            watcher.link(True)
            watcher.link(False)
            return False
        return True

    def sleep(seconds: float) -> None:
        woken.append(watcher._changed.is_set())

    watcher = ConnectivityWatcher(check, came_online.set, sleep=sleep, down=True)
    watcher.start()
    try:
        assert came_online.wait(10)
    finally:
        watcher.stop()
    assert woken == [False, False]  # the wait after the probe is a real wait
    assert probes[0] == 2


def test_the_watcher_survives_a_thousand_failed_probes() -> None:
    """2 ** 1024 does not fit a float: the backoff must stop growing long before."""
    script = Script(*([False] * 1100), True)
    watcher = script.watcher()
    watcher.start()
    try:
        assert script.came_online.wait(30)
    finally:
        watcher.stop()
    assert script.waits[-1] == 300.0  # capped
    assert script.online == 1


def test_the_scheduler_survives_a_thousand_failed_syncs() -> None:
    scheduler = _scheduler([SyncError(SyncErrorKind.OFFLINE)] * 1100)
    for _ in range(1100):
        scheduler.run_once()
    assert scheduler.failures == 1100
    assert scheduler.next_delay() == 60  # the cap
    assert Backoff(base=5, cap=60, rng=lambda: 0.0).delay(10**9) == 30.0


# ----------------------------------------------------------------------------- cancel


def test_cancel_token() -> None:
    cancel = CancelToken()
    cancel.raise_if_cancelled()
    assert not cancel.wait(0)
    threading.Thread(target=cancel.cancel).start()
    assert cancel.wait(10)
    assert cancel.cancelled
    with pytest.raises(SyncError) as info:
        cancel.raise_if_cancelled()
    assert info.value.kind is SyncErrorKind.CANCELLED


@pytest.mark.parametrize("kind", [SyncErrorKind.CANCELLED, SyncErrorKind.NO_SERVER])
def test_cancelled_and_no_server_are_not_retried_as_offline(kind: SyncErrorKind) -> None:
    assert not SyncError(kind).retryable
    assert SyncError(SyncErrorKind.OFFLINE).retryable


def _scheduler(outcomes: list[object], links: list[bool] | None = None) -> SyncScheduler:
    def run() -> SyncReport:
        outcome = outcomes.pop(0)
        if isinstance(outcome, SyncError):
            raise outcome
        assert isinstance(outcome, SyncReport)
        return outcome

    return SyncScheduler(
        run,
        interval=300,
        backoff=Backoff(base=5, cap=60, rng=lambda: 1.0),
        on_link=None if links is None else links.append,
        clock=lambda: 0.0,
    )


REPORT = SyncReport(
    pushed=0, rejected=0, changes=0, requests=1, server_count=0, local_count=0, clock_skew=None
)


def test_a_cancelled_sync_is_not_a_failure() -> None:
    scheduler = _scheduler([SyncError(SyncErrorKind.OFFLINE), SyncError(SyncErrorKind.CANCELLED)])
    scheduler.run_once()
    assert scheduler.failures == 1
    scheduler.run_once()
    assert scheduler.failures == 1  # stopping on request does not grow the backoff
    assert scheduler.next_delay() == 300  # not retried as if offline


def test_the_scheduler_tells_the_link() -> None:
    links: list[bool] = []
    scheduler = _scheduler(
        [
            SyncError(SyncErrorKind.OFFLINE),
            SyncError(SyncErrorKind.REJECTED),  # says nothing about the link
            SyncError(SyncErrorKind.CANCELLED),
            REPORT,
        ],
        links,
    )
    for _ in range(4):
        scheduler.run_once()
    assert links == [False, True]
