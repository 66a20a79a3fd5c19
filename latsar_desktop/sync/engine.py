"""The sync engine: every unconfirmed event reaches the server once; verdicts come back.

``SyncEngine.run()`` is one sync: batches of events in seq order, each answer applied
to the profile database in one transaction (confirmations, rejections, changes,
cursor), until nothing is left to push or pull. It never runs twice at once. A
``CancelToken`` stops it between batches, never while an answer is being applied: a
request still in flight ends as CANCELLED and nothing of its answer is applied (the
server has processed it or not; the next sync sends the same events again, which is
safe), and an answer that arrived whole is applied before the sync stops.
After each run it compares the server's count of this device's processed events with
its own (an Anki-like sanity check). ``SyncScheduler`` runs it on connect, periodically
and on demand, retrying failures with exponential backoff and jitter; a cancelled run
is not a failure. No Qt.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from latsar_desktop.store.journal import Outgoing
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.cancel import CancelToken, check
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

log = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int], None]
MAX_DOUBLINGS = 30  # a backoff's step grows no further (2 ** 30 times its base)


@dataclass(frozen=True)
class SyncReport:
    pushed: int  # events the server processed during this run
    rejected: int  # of which rejected (stored in the profile with their reasons)
    changes: int  # server changes applied
    requests: int
    server_count: int  # the server's count of this device's processed events
    local_count: int  # ours
    clock_skew: timedelta | None  # device clock minus server clock, when far off
    # the server named a newer course package than the stored one: refresh_package is due
    package_outdated: bool = False

    @property
    def consistent(self) -> bool:
        return self.server_count == self.local_count


class SyncEngine:
    def __init__(
        self,
        api: ApiClient,
        store: ProfileStore,
        *,
        batch_size: int = 500,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.api = api
        self.store = store
        self.batch_size = batch_size
        self.progress = progress
        # the most events the server took of one request (it takes at most its
        # sync_max_events): later runs send no more, so the first request of each sync
        # does not carry events only to send them again (None: not learnt yet)
        self.server_takes: int | None = None
        self._running = threading.Lock()

    @property
    def running(self) -> bool:
        return self._running.locked()

    def run(self, cancel: CancelToken | None = None) -> SyncReport:
        if not self._running.acquire(blocking=False):
            raise SyncError(SyncErrorKind.BUSY)
        try:
            return self._run(cancel)
        finally:
            self._running.release()

    def _run(self, cancel: CancelToken | None) -> SyncReport:
        waiting, start_seq = self.store.outbox()
        total = waiting
        pushed = rejected = changes = requests = 0
        limit = min(self.batch_size, self.server_takes or self.batch_size)
        floor = 0  # none of this device's events at or below this seq is pending
        self._report(0, total)
        while True:
            check(cancel)  # between batches: every answer so far is applied whole
            batch = self.store.outgoing(after_seq=floor, limit=limit)
            body = request_body(self.store.device_id, batch)
            response = self.api.sync(body, cancel=cancel)
            requests += 1
            sent = len(batch.seqs)
            first, last = (batch.seqs[0], batch.seqs[-1]) if sent else (floor + 1, floor)
            pending = self.store.apply_response(response, batch=(first, last))
            # the batch's events the server took: events appended meanwhile (the
            # participant keeps studying during a sync) come after the batch's last seq
            taken = sent - pending.in_batch
            pushed += taken
            if 0 < taken < sent:
                # the server processes at most this many per request: on a slow link,
                # sending more only to send it again is what costs the participant
                limit = self.server_takes = taken
            floor = last if not pending.in_batch else first - 1
            rejected += len(response.rejections)
            changes += len(response.changes)
            done = not pending.in_batch and not pending.after_batch
            # for the progress only: those waiting at the start and those appended since,
            # less those taken (no count of the whole journal per request)
            remaining = 0 if done else waiting + pending.last_seq - start_seq - pushed
            remaining = max(remaining, pending.in_batch + pending.after_batch)
            total = max(total, pushed + remaining)
            self._report(pushed, total)
            stalled = sent > 0 and not taken  # the server took none of them
            if stalled:
                log.warning("sync stalled at seq %s (acked %s)", first, response.acked_seq)
            if (done or stalled) and not response.more:
                break
        local = self.store.count_processed()
        if local != response.processed_count:
            log.error(
                "sync sanity check: server processed %s events of this device, we count %s",
                response.processed_count,
                local,
            )
        return SyncReport(
            pushed=pushed,
            rejected=rejected,
            changes=changes,
            requests=requests,
            server_count=response.processed_count,
            local_count=local,
            clock_skew=self.api.clock_skew,
            package_outdated=self.store.package_outdated(),
        )

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


def request_body(device_id: UUID, outgoing: Outgoing) -> bytes:
    """The sync request's JSON, byte for byte what ``SyncRequest(device_id=…, events=
    [EventEnvelope.of(e) …], cursor=…).model_dump_json()`` gives, made from the journal's
    rows without parsing or validating each event again (``journal.outgoing``)."""
    events = ",".join(outgoing.envelopes)
    text = f'{{"device_id":"{device_id}","events":[{events}],"cursor":{outgoing.cursor}}}'
    return text.encode()


@dataclass
class Backoff:
    """Exponential backoff with jitter: base·2^(n−1), at most ``cap``, times 0.5–1.

    The exponent stops at ``MAX_DOUBLINGS`` (any cap is reached long before): 2.0 ** 1024
    does not fit a float, and the threads that call this must not die of it.
    """

    base: float = 5.0
    cap: float = 600.0
    rng: Callable[[], float] = random.random

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        step = self.base * 2.0 ** min(failures - 1, MAX_DOUBLINGS)
        return min(self.cap, step) * (0.5 + self.rng() / 2)


class SyncScheduler:
    """Runs a sync on connect, every ``interval`` seconds while online, and on demand.

    One background thread; ``on_result`` receives a SyncReport or a SyncError (from that
    thread: the UI re-posts it to its own thread). ``on_link(reached)`` hears, from that
    thread too, True after a sync that completed and False after one that failed OFFLINE:
    the connectivity probe's ``ConnectivityWatcher.link`` (``sync/probe.py``), which calls
    ``connection_appeared`` when the connection comes back.
    """

    def __init__(
        self,
        run: Callable[[], SyncReport],
        *,
        interval: float = 300.0,
        backoff: Backoff | None = None,
        on_result: Callable[[SyncReport | SyncError], None] | None = None,
        on_link: Callable[[bool], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run = run
        self.on_link = on_link
        self.interval = interval
        self.backoff = backoff or Backoff()
        self.on_result = on_result
        self.clock = clock
        self.failures = 0
        self._due = clock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="latsar-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def sync_now(self) -> None:
        """ "Sinkronkan sekarang": run at once, whatever the backoff."""
        self._due = self.clock()
        self._wake.set()

    connection_appeared = sync_now

    def next_delay(self) -> float:
        return max(0.0, self._due - self.clock())

    def run_once(self) -> SyncReport | SyncError:
        try:
            result: SyncReport | SyncError = self._run()
        except SyncError as error:
            result = error
        except Exception as error:  # never let the sync thread die: log, back off, retry
            log.exception("sync failed unexpectedly")
            result = SyncError(SyncErrorKind.BAD_RESPONSE, type(error).__name__)
        if isinstance(result, SyncError):
            if result.kind not in (SyncErrorKind.BUSY, SyncErrorKind.CANCELLED):
                self.failures += 1
            retry = self.backoff.delay(self.failures) if result.retryable else self.interval
            self._due = self.clock() + retry
        else:
            self.failures = 0
            self._due = self.clock() + self.interval
        if self.on_link is not None:
            if isinstance(result, SyncReport):
                self.on_link(True)
            elif result.kind is SyncErrorKind.OFFLINE:
                self.on_link(False)
        if self.on_result is not None:
            self.on_result(result)
        return result

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.next_delay())
            self._wake.clear()
            if self._stop.is_set():
                break
            if self.next_delay() <= 0:
                self.run_once()
