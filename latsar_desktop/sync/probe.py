"""Noticing that the connection came back: a connectivity probe and a thread that uses it.

``probe(api)`` is one short ``GET /health`` (at most ``HEALTH_SECONDS`` in all, through
the same proxy settings as every other call): True only when the answer parses as this
server's ``HealthResponse``. A captive portal (an office Wi-Fi login page) answers 200
too, so a status alone proves nothing.

``ConnectivityWatcher`` runs ``check`` (``lambda: probe(api)``) on its own thread while
the link is down: ``interval`` seconds (30) after it went down, then with exponential
backoff up to ``cap`` and jitter (``Backoff``: each wait is 50–100 % of its step), and
calls ``on_online()`` once when a probe succeeds. Then it rests until ``link(False)``
says the link is down again. With the sync scheduler::

    scheduler = SyncScheduler(engine.run, on_result=...)
    watcher = ConnectivityWatcher(lambda: probe(api), scheduler.connection_appeared)
    scheduler.on_link = watcher.link  # True after a sync, False after an OFFLINE one
    scheduler.start(); watcher.start()
    ...
    watcher.stop(); scheduler.stop()

``stop()`` wakes the thread and joins it. ``clock``, ``sleep`` and ``rng`` are injectable
for tests; the default ``sleep`` waits on an event that ``stop()`` and ``link(True)`` set.
No Qt.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

from latsar_desktop.sync.api import HEALTH_SECONDS, ApiClient
from latsar_desktop.sync.engine import Backoff
from latsar_desktop.sync.errors import SyncError

log = logging.getLogger(__name__)
PROBE_INTERVAL = 30.0  # seconds from the link going down to the first probe
PROBE_CAP = 300.0  # the longest wait between two probes


def probe(api: ApiClient, within: float = HEALTH_SECONDS) -> bool:
    """Whether the server itself answers now (its health response, within ``within`` s)."""
    try:
        api.health(within)
    except SyncError as error:
        log.debug("probe: %s", error)
        return False
    return True


class ConnectivityWatcher:
    """Probes while the link is down; ``on_online()`` once when it is back (see above)."""

    def __init__(
        self,
        check: Callable[[], bool],
        on_online: Callable[[], None],
        *,
        interval: float = PROBE_INTERVAL,
        cap: float = PROBE_CAP,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
        down: bool = False,
    ) -> None:
        self._check = check
        self._on_online = on_online
        self.backoff = Backoff(base=interval, cap=cap, rng=rng)
        self.clock = clock
        self._sleep = sleep if sleep is not None else self._changed_or
        self.failures = 0  # probes that failed since the link went down
        self._down = down
        self._due: float | None = None
        self._changed = threading.Event()  # set by link() and stop(): wakes the thread
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def down(self) -> bool:
        return self._down

    def link(self, up: bool) -> None:
        """Tell the watcher whether the link works (from any thread)."""
        if up:
            self._down = False
            self.failures = 0
            self._changed.set()
        elif not self._down:
            self._down = True
            self.failures = 0
            self._changed.set()

    def next_probe_in(self) -> float | None:
        """Seconds until the next probe; None while the link is up."""
        due = self._due
        return None if due is None or not self._down else max(0.0, due - self.clock())

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._loop, name="latsar-connectivity", daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _changed_or(self, seconds: float) -> None:
        self._changed.wait(seconds)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            if not self._down:
                self._changed.wait()
                self._changed.clear()
                continue
            # a wake-up left by link() during the last probe (up, then down again) is
            # spent: kept, it would end every later wait at once (a busy loop of probes)
            self._changed.clear()
            if self._stopping.is_set() or not self._down:
                continue
            delay = self.backoff.delay(self.failures + 1)
            self._due = self.clock() + delay
            self._sleep(delay)
            if self._stopping.is_set() or not self._down:
                continue
            try:
                reached = self._check()
            except Exception:  # a broken probe must not end the thread: count it failed
                log.exception("connectivity probe failed unexpectedly")
                reached = False
            if not reached:
                self.failures += 1
                continue
            log.info("the connection is back after %s failed probes", self.failures)
            self._down = False
            self.failures = 0
            self._due = None
            self._on_online()
