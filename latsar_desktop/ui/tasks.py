"""Background work for the screens (Anki's ``QueryOp``, Picard's ``run_task``).

``TaskRunner.run(work, done=…)`` runs ``work(cancel, progress)`` on a thread of the
runner's own pool and delivers ``done(result)`` or ``failed(error)`` back on the GUI
thread (queued signals: the GUI thread never waits). ``progress(done, total)`` may be
called from the work's thread as often as it likes; the screen gets it on the GUI thread.
A failure with no handler of its own goes to the standard error dialog
(``ui/errors.py``). ``task.cancel()`` sets the ``CancelToken`` the work was given: the
session's methods stop at their next check. ``shutdown()`` cancels everything and waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

from latsar_desktop.sync.cancel import CancelToken

T = TypeVar("T")
Progress = Callable[[int, int], None]
Work = Callable[[CancelToken, Progress], T]
log = logging.getLogger(__name__)


class Task(QObject, Generic[T]):
    """One piece of work running (or done). Lives on the GUI thread; its signals are
    emitted from the work's thread and delivered queued."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)
    finished = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.token = CancelToken()
        self.running = True
        self.finished.connect(self._finish)

    def cancel(self) -> None:
        self.token.cancel()

    def _finish(self) -> None:
        self.running = False

    def report(self, done: int, total: int) -> None:
        """The ``progress`` callable handed to the work (any thread)."""
        self.progressed.emit(done, total)


class _Runnable(QRunnable):
    def __init__(self, work: Work[Any], task: Task[Any]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.work = work
        self.task = task

    def run(self) -> None:
        task = self.task
        try:
            result = self.work(task.token, task.report)
        except BaseException as error:  # every failure goes back to the GUI thread
            log.info("task %s failed: %r", task.name, error)
            task.failed.emit(error)
        else:
            task.succeeded.emit(result)
        finally:
            task.finished.emit()


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
        """Start ``work`` off the GUI thread. ``failed`` defaults to the standard error
        dialog over ``parent``. The returned task can be cancelled."""
        task: Task[T] = Task(name or getattr(work, "__name__", "task"), self)
        task.succeeded.connect(done)
        if failed is None:
            from latsar_desktop.ui.errors import show_error

            task.failed.connect(lambda error: show_error(parent, error))
        else:
            task.failed.connect(failed)
        if progress is not None:
            task.progressed.connect(progress)
        self._running.add(task)
        task.finished.connect(lambda: self._running.discard(task))
        self.pool.start(_Runnable(work, task))
        return task

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every task and wait for the threads; False when some did not stop."""
        for task in list(self._running):
            task.cancel()
        return self.pool.waitForDone(timeout_ms)
