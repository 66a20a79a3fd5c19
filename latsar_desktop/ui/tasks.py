"""Background work for the screens (Anki's ``QueryOp``, Picard's ``run_task``).

``TaskRunner.run(work, done=…)`` (called on the GUI thread) runs ``work(cancel,
progress)`` on a thread of the runner's own pool and delivers ``done(result)`` or
``failed(error)`` back on the GUI thread (queued signals: the GUI thread never waits).
``progress(done, total)`` may be called from the work's thread as often as it likes;
the screen gets the latest value on the GUI thread (at most one progress delivery is
waiting at a time, so a download reporting every chunk cannot flood the event queue).
A failure with no handler of its own goes to the standard error dialog
(``ui/errors.py``), except a ``SyncError(CANCELLED)`` of a task that was cancelled: the
participant asked for it. ``task.cancel()`` sets the ``CancelToken`` the work was
given: the session's methods stop at their next check. ``shutdown()`` cancels
everything, waits for the threads, and drops the results still on their way (the
screens they were for are closing). An exception raised by a ``done``/``failed``/
``progress`` callback goes to ``sys.excepthook`` (the standard dialog once
``errors.install_excepthooks`` ran): it does not stop the task's other deliveries.

A ``Task`` lives on the GUI thread and all its public signals are emitted there; it is
deleted (``deleteLater``) once finished, its plain attributes (``name``, ``token``,
``running``, ``cancel()``) stay usable by whoever kept it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QWidget

from latsar_desktop.domain.messages import DomainError
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

T = TypeVar("T")
Progress = Callable[[int, int], None]
Work = Callable[[CancelToken, Progress], T]
log = logging.getLogger(__name__)


class Task(QObject, Generic[T]):
    """One piece of work running (or done). Lives on the GUI thread; the work's thread
    only emits the private signals, delivered queued to this object's slots."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)
    finished = Signal()
    _ended = Signal(object, object)  # (error or None, result): from the work's thread
    _moved = Signal()  # a progress value is waiting: from the work's thread

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.token = CancelToken()
        self.running = True
        self.dropped = False  # the runner shut down: nothing more is delivered
        self._lock = threading.Lock()
        self._latest: tuple[int, int] | None = None
        self._ended.connect(self._end, Qt.ConnectionType.QueuedConnection)
        self._moved.connect(self._move, Qt.ConnectionType.QueuedConnection)

    def cancel(self) -> None:
        self.token.cancel()

    def report(self, done: int, total: int) -> None:
        """The ``progress`` callable handed to the work (any thread)."""
        with self._lock:
            waiting = self._latest is not None
            self._latest = (done, total)
        if not waiting:
            self._moved.emit()

    @Slot()  # declared slots: nothing is added to the meta-object at run time
    def _move(self) -> None:
        with self._lock:
            latest, self._latest = self._latest, None
        if latest is not None and self.running and not self.dropped:
            self.progressed.emit(*latest)

    @Slot(object, object)
    def _end(self, error: BaseException | None, result: object) -> None:
        self._move()  # a value reported just before the end is not lost
        self.running = False
        if not self.dropped:
            if error is None:
                self.succeeded.emit(result)
            else:
                self.failed.emit(error)
        self.finished.emit()


def _runner(work: Work[Any], task: Task[Any]) -> Callable[[], None]:
    """What a pool thread runs: the work, then its outcome queued to the GUI thread.
    (A plain callable, which PySide wraps in a runnable it owns, rather than a Python
    ``QRunnable`` subclass whose ownership Python and the pool would share.)"""

    def run() -> None:
        try:
            result = work(task.token, task.report)
        except BaseException as error:  # every failure goes back to the GUI thread
            if isinstance(error, DomainError | SyncError):
                log.info("task %s failed: %r", task.name, error)
            else:  # a bug or the unforeseen: its traceback, for the log file
                log.error("task %s failed", task.name, exc_info=error)
            task._ended.emit(error, None)
        else:
            task._ended.emit(None, result)

    return run


def _was_cancelled(task: Task[Any], error: BaseException) -> bool:
    return (
        task.token.cancelled
        and isinstance(error, SyncError)
        and error.kind is SyncErrorKind.CANCELLED
    )


class TaskRunner(QObject):
    """The app's background threads: a pool of its own, so ``shutdown`` can wait for it."""

    def __init__(self, parent: QObject | None = None, threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._running: set[Task[Any]] = set()

    def run(
        self,
        work: Work[T],
        *,
        done: Callable[[T], None],
        failed: Callable[[BaseException], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
        name: str = "",
        parent: QWidget | None = None,
    ) -> Task[T]:
        """Start ``work`` off the GUI thread (call this on the GUI thread). ``failed``
        defaults to the standard error dialog over ``parent``. The returned task can be
        cancelled."""
        task: Task[T] = Task(name or getattr(work, "__name__", "task"), self)
        task.succeeded.connect(done)
        if failed is None:
            from latsar_desktop.ui.errors import show_error

            def standard(error: BaseException) -> None:
                if _was_cancelled(task, error):
                    log.info("task %s stopped as asked", task.name)
                else:
                    show_error(parent, error)

            task.failed.connect(standard)
        else:
            task.failed.connect(failed)
        if progress is not None:
            task.progressed.connect(progress)
        self._running.add(task)
        task.finished.connect(lambda: self._forget(task))
        self.pool.start(_runner(work, task))
        return task

    def _forget(self, task: Task[Any]) -> None:
        self._running.discard(task)
        task.deleteLater()  # its connections (and what the callbacks hold) go with it

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every task and wait for the threads; False when some did not stop.
        Results still on their way are dropped: no callback runs after this."""
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        stopped = self.pool.waitForDone(timeout_ms)
        for task in tasks:
            task.dropped = True
        if stopped:
            for task in tasks:
                task.running = False
            self._running.clear()
        return stopped


def _always() -> bool:
    return True


class CoalescedRead(Generic[T]):
    """A screen's background read (``refresh()``): ``work()`` runs on the runner, its
    result goes to ``apply(result)`` on the GUI thread. A ``request()`` while a read
    runs is not queued again and again: ONE more read runs after it, with the newest
    data. ``busy`` while a read runs (or one more is due).

    A result comes to nothing when ``alive()`` is false by then (the session signed
    out: the screen is going away) or after the runner's ``shutdown``; so does a failure
    after the sign-out (logged at debug). Any other failure goes to ``failed`` when
    given, else the standard error dialog over ``parent``. ``invalidate()``: a read
    begun before now is stale (newer data came another way); its result is thrown
    away and the read runs again."""

    def __init__(
        self,
        runner: TaskRunner,
        work: Callable[[], T],
        apply: Callable[[T], None],
        *,
        name: str,
        parent: QWidget | None = None,
        alive: Callable[[], bool] = _always,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.runner = runner
        self.work = work
        self.apply = apply
        self.name = name
        self.parent = parent
        self.alive = alive
        self.failed = failed
        self.reads = 0  # reads started (for tests and logs)
        self._task: Task[T] | None = None
        self._again = False
        self._epoch = 0

    @property
    def busy(self) -> bool:
        task = self._task
        return task is not None and not task.dropped

    def request(self) -> None:
        """Read now, or once more after the read that runs (GUI thread)."""
        if not self.alive():
            return
        if self.busy:
            self._again = True
            return
        epoch = self._epoch
        work = self.work
        self.reads += 1
        self._task = self.runner.run(
            lambda _cancel, _progress: work(),
            done=lambda result: self._done(result, epoch),
            failed=self._failed,
            name=self.name,
            parent=self.parent,
        )

    def invalidate(self) -> None:
        """A read running now started before newer data: its result is not applied."""
        self._epoch += 1

    def _done(self, result: T, epoch: int) -> None:
        self._task = None
        if not self.alive():
            self._again = False
            log.debug("%s: a result after the sign-out, dropped", self.name)
            return
        if epoch == self._epoch:
            self.apply(result)
        else:  # stale: read again
            self._again = True
        self._more()

    def _failed(self, error: BaseException) -> None:
        task, self._task = self._task, None
        if not self.alive():
            self._again = False
            log.debug("%s: %r after the sign-out", self.name, error)
            return
        if task is not None and _was_cancelled(task, error):
            log.info("task %s stopped as asked", self.name)
        elif self.failed is not None:
            self.failed(error)
        else:
            from latsar_desktop.ui import errors  # at call time, as ``run``'s: patchable

            errors.show_error(self.parent, error)
        self._more()

    def _more(self) -> None:
        if self._again:
            self._again = False
            self.request()


class _Signed(Protocol):
    @property
    def signed_in(self) -> bool: ...


def session_read(
    runner: TaskRunner,
    session: _Signed,
    read: Callable[[], T],
    loaded: Callable[[T], None],
    *,
    name: str,
    parent: QWidget | None = None,
    alive: Callable[[], bool] = _always,
    failed: Callable[[BaseException], None] | None = None,
) -> CoalescedRead[T | None]:
    """A screen's ``CoalescedRead`` of ``session``'s data, alive while it is signed in
    (and ``alive()``). ``read`` failing once the session signed out (it closed its store
    under the read) is not a failure: nothing is shown, nothing logged as an error. A
    ``None`` result is never given to ``loaded``."""

    def guarded() -> T | None:
        try:
            return read()
        except Exception:
            if not session.signed_in:
                log.debug("%s: the read failed after the sign-out", name, exc_info=True)
                return None
            raise

    def apply(result: T | None) -> None:
        if result is not None:
            loaded(result)

    return CoalescedRead(
        runner,
        guarded,
        apply,
        name=name,
        parent=parent,
        alive=lambda: session.signed_in and alive(),
        failed=failed,
    )
