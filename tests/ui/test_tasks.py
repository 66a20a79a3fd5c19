"""Background tasks in the UI (latsar_desktop/ui/tasks.py): the work runs off the GUI
thread, its result, failure and progress come back on the GUI thread, a failure with no
handler of its own opens the standard error dialog, and the GUI thread never waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from latsar_desktop import i18n
from latsar_desktop.i18n.labels import Label
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_desktop.ui import errors
from latsar_desktop.ui.errors import ErrorDialog
from latsar_desktop.ui.tasks import CoalescedRead, Progress, TaskRunner
from tests.ui.steps import WAIT_MS

pytestmark = pytest.mark.usefixtures("error_dialog_closed")
TICKS = 5  # the GUI thread's timer ticks the failing work waits for


def on_gui_thread() -> bool:
    app = QApplication.instance()
    assert app is not None
    return QThread.currentThread() is app.thread()


def error_dialogs() -> list[ErrorDialog]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog) and w.isVisible()
    ]


def test_a_failing_task_shows_the_error_dialog_while_a_50ms_timer_keeps_firing(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    """The work fails only once the GUI thread's 50 ms timer has ticked TICKS times after
    it started: were the GUI thread blocked while it runs, the ticks would never come,
    and the work would fail on its wait's bound instead (a TimeoutError in the details)."""
    ticks = [0]
    started, ticked = threading.Event(), threading.Event()

    def tick() -> None:  # on the GUI thread
        if started.is_set():
            ticks[0] += 1
            if ticks[0] == TICKS:
                ticked.set()

    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(tick)
    timer.start()
    seen: dict[str, object] = {}

    def fails_after_the_ticks(cancel: CancelToken, progress: Progress) -> None:
        seen["thread"] = threading.get_ident()
        started.set()
        if not ticked.wait(WAIT_MS / 1000):
            raise TimeoutError(f"the GUI thread's timer ticked {ticks[0]} times, not {TICKS}")
        raise RuntimeError("the disk said no")

    try:
        task = runner.run(fails_after_the_ticks, done=lambda _: None)  # no failed: the dialog
        qtbot.waitUntil(lambda: errors.current_dialog() is not None, timeout=2 * WAIT_MS)
        at_dialog = ticks[0]
        qtbot.waitUntil(lambda: ticks[0] > at_dialog, timeout=WAIT_MS)  # and it still ticks
    finally:
        timer.stop()
    assert seen["thread"] != threading.get_ident()  # the work ran off the GUI thread
    assert ticked.is_set()
    assert not task.running
    # the one standard dialog, window-modal and not blocking, with the catalog's text
    [dialog] = error_dialogs()
    assert dialog is errors.current_dialog()
    assert dialog.windowModality() is Qt.WindowModality.WindowModal
    assert dialog.text.text() == i18n.text(Label.ERROR_UNEXPECTED, "id")
    assert dialog.text.text().startswith("Terjadi kesalahan yang tidak terduga.")
    # "Rincian": hidden until toggled, then the traceback
    assert not dialog.details.isVisible()
    assert dialog.toggle.text() == "Rincian"
    qtbot.mouseClick(dialog.toggle, Qt.MouseButton.LeftButton)
    assert dialog.details.isVisible()
    details = dialog.details.toPlainText()
    assert "Traceback (most recent call last)" in details
    assert "in fails_after_the_ticks" in details
    assert "RuntimeError: the disk said no" in details
    # closed with a click on "Tutup"
    assert dialog.close_button.text() == "Tutup"
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert errors.current_dialog() is None
    assert error_dialogs() == []
    assert not runner.busy


def test_done_and_progress_are_delivered_on_the_gui_thread(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    calls: list[tuple[str, object, bool]] = []
    worker: list[int] = []

    def counts(cancel: CancelToken, progress: Progress) -> str:
        worker.append(threading.get_ident())
        for done in range(1, 4):
            progress(done, 3)
            time.sleep(0.01)  # let the GUI thread take each value (coalesced otherwise)
        return "selesai"

    task = runner.run(
        counts,
        done=lambda result: calls.append(("done", result, on_gui_thread())),
        progress=lambda done, total: calls.append(("progress", (done, total), on_gui_thread())),
        failed=lambda error: calls.append(("failed", error, on_gui_thread())),
    )
    assert task.name == "counts"
    assert task.running
    assert runner.busy
    qtbot.waitUntil(lambda: not task.running, timeout=WAIT_MS)
    assert worker[0] != threading.get_ident()
    assert calls[-1] == ("done", "selesai", True)
    progress = [c for c in calls if c[0] == "progress"]
    assert progress[-1] == ("progress", (3, 3), True)  # the last value always arrives
    assert all(on_gui for _, _, on_gui in calls)
    assert not runner.busy
    task.cancel()  # a finished task may still be cancelled: nothing happens


def test_a_burst_of_progress_reaches_the_gui_as_its_latest_value(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    reported = threading.Event()
    seen: list[tuple[int, int]] = []

    def chatty(cancel: CancelToken, progress: Progress) -> None:
        for done in range(1, 10_001):
            progress(done, 10_000)
        reported.set()

    task = runner.run(chatty, done=lambda _: None, progress=lambda d, t: seen.append((d, t)))
    assert reported.wait(WAIT_MS / 1000)  # the GUI thread handled no event meanwhile
    qtbot.waitUntil(lambda: not task.running, timeout=WAIT_MS)
    assert seen == [(10_000, 10_000)]  # one delivery waiting at a time: no flood


def test_cancel_stops_a_task_waiting_on_its_token(qtbot: QtBot, runner: TaskRunner) -> None:
    started = threading.Event()
    failures: list[tuple[BaseException, bool]] = []

    def waits(cancel: CancelToken, progress: Progress) -> None:
        started.set()
        cancel.wait(60)
        cancel.raise_if_cancelled()

    task = runner.run(
        waits, done=lambda _: None, failed=lambda e: failures.append((e, on_gui_thread()))
    )
    assert started.wait(WAIT_MS / 1000)
    assert task.running
    task.cancel()
    qtbot.waitUntil(lambda: not task.running, timeout=WAIT_MS)
    [(error, on_gui)] = failures
    assert isinstance(error, SyncError)
    assert error.kind is SyncErrorKind.CANCELLED
    assert on_gui


def test_a_cancelled_task_opens_no_error_dialog(qtbot: QtBot, runner: TaskRunner) -> None:
    started = threading.Event()

    def waits(cancel: CancelToken, progress: Progress) -> None:
        started.set()
        cancel.wait(60)
        cancel.raise_if_cancelled()

    task = runner.run(waits, done=lambda _: None)  # the standard failure handler
    assert started.wait(WAIT_MS / 1000)
    task.cancel()
    qtbot.waitUntil(lambda: not task.running, timeout=WAIT_MS)
    assert errors.current_dialog() is None  # the participant asked for it


def test_shutdown_cancels_and_waits_for_the_work_and_drops_its_results(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    started, ended = threading.Event(), threading.Event()
    calls: list[object] = []

    def slow_to_stop(cancel: CancelToken, progress: Progress) -> str:
        started.set()
        cancel.wait(60)
        time.sleep(0.3)  # stopping takes a moment: shutdown waits for it
        ended.set()
        return "too late"

    task = runner.run(slow_to_stop, done=calls.append, failed=calls.append)
    assert started.wait(WAIT_MS / 1000)
    assert runner.shutdown()
    assert ended.is_set()  # returned only once the work had ended
    assert task.token.cancelled
    assert not runner.busy
    # the result queued meanwhile is handled (the task is then deleted): dropped
    qtbot.waitUntil(lambda: not shiboken6.isValid(task), timeout=WAIT_MS)
    assert calls == []


# ------------------------------------------------------------------ CoalescedRead


class Gate:
    """A read that waits on the test: ``started`` once it runs, ``release()`` lets it
    return the number of reads so far (each read counted as it starts)."""

    def __init__(self) -> None:
        self.reads = 0
        self.started = threading.Event()
        self.go = threading.Event()

    def __call__(self) -> int:
        self.reads += 1
        self.started.set()
        assert self.go.wait(WAIT_MS / 1000)
        return self.reads

    def release(self) -> None:
        self.go.set()


def reading(
    runner: TaskRunner, alive: Callable[[], bool] = lambda: True
) -> tuple[Gate, list[int], CoalescedRead[int]]:
    """A ``CoalescedRead`` of a ``Gate``, its first read started and held."""
    gate = Gate()
    applied: list[int] = []
    read = CoalescedRead(runner, gate, applied.append, name="counts", alive=alive)
    read.request()
    assert gate.started.wait(WAIT_MS / 1000)
    return gate, applied, read


def test_requests_while_a_read_runs_make_one_more_read_after_it_with_the_newest_data(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    gate, applied, read = reading(runner)
    for _ in range(5):  # while the first read still runs
        read.request()
    assert read.busy
    gate.release()
    qtbot.waitUntil(lambda: not read.busy, timeout=WAIT_MS)
    assert gate.reads == 2  # the first, and ONE more for the five asked meanwhile
    assert applied == [1, 2]
    assert read.reads == 2


def test_a_result_is_dropped_once_not_alive_and_a_failure_then_opens_no_dialog(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    alive = [True]
    gate, applied, read = reading(runner, alive=lambda: alive[0])
    read.request()  # one more would follow
    alive[0] = False  # signed out meanwhile
    gate.release()
    qtbot.waitUntil(lambda: not read.busy, timeout=WAIT_MS)
    assert applied == []
    assert gate.reads == 1  # nor is the one asked meanwhile read
    read.request()  # asked when not alive: nothing runs
    assert not read.busy

    failed = threading.Event()

    def failing() -> int:
        failed.wait(WAIT_MS / 1000)
        raise OSError("profile closed")

    alive[0] = True
    broken = CoalescedRead(runner, failing, applied.append, name="broken", alive=lambda: alive[0])
    broken.request()
    alive[0] = False
    failed.set()
    qtbot.waitUntil(lambda: not broken.busy, timeout=WAIT_MS)
    assert errors.current_dialog() is None  # logged at debug, not shown


def test_a_failure_while_alive_opens_the_standard_error_dialog(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    def failing() -> int:
        raise OSError("disk unreadable")

    read = CoalescedRead(runner, failing, lambda _: None, name="broken")
    read.request()
    qtbot.waitUntil(lambda: errors.current_dialog() is not None, timeout=WAIT_MS)
    assert not read.busy


def test_a_read_begun_before_invalidate_is_thrown_away_and_read_again(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    gate, applied, read = reading(runner)
    read.invalidate()  # newer data came another way
    gate.release()
    qtbot.waitUntil(lambda: not read.busy, timeout=WAIT_MS)
    assert applied == [2]  # the stale first read not applied; the second one is


def test_after_shutdown_a_read_delivers_nothing_and_is_not_busy(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    gate, applied, read = reading(runner)
    gate.release()
    assert runner.shutdown()
    assert not read.busy
    QApplication.processEvents()  # the result queued before it ended is handled: dropped
    assert applied == []
