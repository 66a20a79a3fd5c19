"""Starting the app: ``run(args)``, called by ``latsar_desktop/app.py``.

The order: (``--demo``) the server extra is there or the line saying what to install and
exit status 2, before any window; the QApplication (no QSettings: every setting is kept
in machine.db); logging to the rotating file and the exception hooks; the stylesheet;
the data directory (``--data-dir``, else the user's; the demo: a fresh one);
``--server`` kept as the server address; the language (``--lang``, else the one chosen
before, else Indonesian); the main window (Ctrl+C closes it too), shown at once; the
event loop.

The demo's embedded server takes seconds to start (far more on an old laptop), so it
starts on the ``TaskRunner`` (``EmbeddedServer.start`` in the work) while the sign-in
screen already shows, with its demo people, "Masuk" waiting and a note saying the server
is being prepared (``SignInPage.set_waiting_for_server``). Once it serves, its address is
kept as the server address and "Masuk" is back; if it does not start, the standard error
dialog (its details end with the server log's last lines) and the note stays: a sign-in
cannot work.

A failure of the start itself (a data directory that cannot be used, machine.db, the
window's construction), once the QApplication and the log file exist, is logged with its
traceback and shown in the standard error dialog (run modally: there is no window to
put it over), and the exit status is 1: never a silent exit with a traceback on stderr.

Once the sign-in screen is on the screen, what a sign-in needs (the session, with httpx
and reportlab) is imported on the runner (``_prewarm``): the start does not wait for it,
and neither does "Masuk". The shell's pages (QtMultimedia, QtPdf) are imported when the
shell is first built, the standard error dialog (``ui/errors.py``) when a failure is
first shown (only its hooks, ``ui/excepthooks.py``, are installed at the start).
``LATSAR_STARTUP_PROBE=1`` (hidden: ``bench/startup.py``, ``tests/ui/test_startup.py``)
prints ``shown <time> <facts>`` once the sign-in screen is exposed, then closes the
window, instead. ``app.main`` pauses Python's garbage collector for the start
(``collect_when_shown``): it runs again once the sign-in screen is exposed, after the
probe's line.

At the end, whatever happened: the session signed out (a short wait), the background
threads stopped (a server still starting is waited for), the embedded server stopped
(one that finishes starting after that is stopped at once), machine.db closed.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from latsar_desktop import __version__, locations
from latsar_desktop.ui.texts import LANGUAGE_SETTING, choose_language

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from latsar_desktop.demo import EmbeddedServer
    from latsar_desktop.store.machine import MachineStore
    from latsar_desktop.ui.excepthooks import ExceptHooks
    from latsar_desktop.ui.main_window import MainWindow
    from latsar_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
SIGNAL_POLL_MS = 250
# hidden, for bench/startup.py and tests/ui/test_startup.py: once the sign-in screen is
# on the screen, print one line "shown <epoch seconds> <JSON facts>" and close the window
STARTUP_PROBE_ENV = "LATSAR_STARTUP_PROBE"
STARTUP_MARKER = "shown"
# imported on the runner once the sign-in screen shows (``_prewarm``), not before it
PREWARMED = ("latsar_desktop.session.participant",)
QT_FREE_FIRST = (
    "latsar_desktop.session.profiles",  # the store: sqlalchemy, sqlmodel, pydantic
    "sqlalchemy.dialects.sqlite",  # loaded by the first engine made
    "latsar_desktop.sync.errors",
    "latsar_desktop.sync.cancel",
    "latsar_desktop.session.errors",
    "latsar_desktop.logs",
)
PREWARM_DELAY_MS = 300  # after the window is exposed: its first frames are painted first
COLLECT_AFTER_MS = 5000  # the garbage collector's pause ends then if not at the exposure

APP_NAME = "Latsar Desktop"
ORGANIZATION = "Latsar"
MISSING_EXTRA = (
    "Mode demo memerlukan server bawaan. Pasang dulu dengan: {command}\n"
    "The demo needs the embedded server. Install it first with: {command}"
)


class _Stoppable(Protocol):
    def stop(self) -> int: ...


class DemoServerSlot:
    """Where the demo's server is kept once started (on a runner thread), for the stop at
    the end. A server that finishes starting after the end began is stopped at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server: _Stoppable | None = None
        self._ended = False

    def keep(self, server: _Stoppable) -> bool:
        """Keep ``server`` (True); after ``stop``: stop it now instead (False)."""
        with self._lock:
            if not self._ended:
                self._server = server
                return True
        log.info("demo: the embedded server started after the app closed: stopping it")
        server.stop()
        return False

    def stop(self) -> None:
        """Stop the server kept, if any; from now on ``keep`` stops what it is given."""
        with self._lock:
            self._ended = True
            server, self._server = self._server, None
        if server is not None:
            server.stop()


def _start_demo_server(
    root: Path, machine: MachineStore, window: MainWindow, runner: TaskRunner, slot: DemoServerSlot
) -> None:
    """Start the demo's server off the GUI thread; the sign-in waits for it meanwhile."""
    from latsar_desktop.demo import EmbeddedServer
    from latsar_desktop.sync.api import SERVER_URL_SETTING

    def work(cancel: object, progress: object) -> EmbeddedServer:
        server = EmbeddedServer.start(root)
        slot.keep(server)
        return server

    def ready(server: EmbeddedServer) -> None:
        machine.set_setting(SERVER_URL_SETTING, server.url)
        log.info("demo: embedded server at %s", server.url)
        window.signin.set_waiting_for_server(False)

    window.signin.set_waiting_for_server(True)
    # a failure: the standard error dialog over the window; "Masuk" keeps waiting
    runner.run(work, done=ready, name="demo_server", parent=window)


def _close_on_signals(window: QWidget, stack: ExitStack) -> None:
    """Ctrl+C in the terminal (or a polite kill) closes the window as its close button
    does: the session signed out, the demo's server stopped. Python runs a signal handler
    only between its own instructions, so a timer gives it the chance while Qt waits."""
    from PySide6.QtCore import QTimer

    if threading.current_thread() is not threading.main_thread():
        return

    def close(_signal: int, _frame: object) -> None:
        log.info("signal %s: closing the window", _signal)
        window.close()

    for number in (signal.SIGINT, signal.SIGTERM):
        stack.callback(signal.signal, number, signal.signal(number, close))
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(SIGNAL_POLL_MS)
    stack.callback(wake.stop)


def _when_exposed(window: QWidget, then: Callable[[], None]) -> None:
    """``then()`` once the window is on the screen (exposed), from the event loop."""
    from PySide6.QtCore import QTimer

    def check() -> None:
        handle = window.windowHandle()
        if handle is None or not handle.isExposed():
            QTimer.singleShot(1, check)
            return
        then()

    QTimer.singleShot(0, check)


def _probe_startup(window: MainWindow) -> None:
    """Once the window is exposed (its profile list was read from machine.db while it
    was built): the marker line on stdout, with the time, what shows and every module
    imported by then; then the window closes as its close button does."""

    def report() -> None:
        at = time.time()
        facts = {
            "cpu": time.process_time(),  # this process's CPU seconds so far
            "collecting": gc.isenabled(),  # False: paused (app.main), on again just after
            "signin": window.current_screen() is window.signin,
            "profiles": len(window.signin.cards),
            "modules": sorted(sys.modules),
        }
        print(f"{STARTUP_MARKER} {at:.6f} {json.dumps(facts)}", flush=True)
        window.close()

    _when_exposed(window, report)


def _collect_when_shown(window: MainWindow) -> None:
    """Python's garbage collector, paused for the start (``app.main``), runs again once
    the window is exposed; at the latest after ``COLLECT_AFTER_MS`` (a window that is
    not exposed for long: started minimised, on another desktop)."""
    from PySide6.QtCore import QTimer

    _when_exposed(window, gc.enable)
    QTimer.singleShot(COLLECT_AFTER_MS, gc.enable)


def _prewarm(window: MainWindow, runner: TaskRunner) -> None:
    """What a sign-in needs (the session: httpx, reportlab, the sync), imported on the
    runner once the sign-in screen is on the screen and painted, while the participant
    types: "Masuk" then does not wait for it. A failure is only logged (the sign-in
    imports it again and says what failed)."""
    from PySide6.QtCore import QTimer

    def work(cancel: object, progress: object) -> None:
        started = time.perf_counter()
        for name in PREWARMED:
            try:
                importlib.import_module(name)
            except Exception:
                log.exception("prewarm: %s not imported", name)
        log.info("prewarm: done in %.0f ms", (time.perf_counter() - started) * 1000)

    def start() -> None:
        if window.isVisible():
            runner.run(work, done=lambda _: None, name="prewarm", parent=window)

    _when_exposed(window, lambda: QTimer.singleShot(PREWARM_DELAY_MS, start))


def _import_qt_free_first() -> None:
    """The Qt-free modules the sign-in screen needs (machine.db's store: sqlalchemy,
    sqlmodel, pydantic; the logs), imported before PySide6: once PySide6 is imported, its
    import hook (``shibokensupport.feature``) reads the source of every module imported
    after it, which cost the start about 0.1-0.3 s of CPU (bench/startup.py)."""
    for name in QT_FREE_FIRST:
        # only an order: a bundle without one fails where it is needed, if anywhere
        with suppress(ImportError):
            importlib.import_module(name)


def run(args: argparse.Namespace, *, collect_when_shown: bool = False) -> int:
    """The app, until its window closes; the process's exit status.

    ``collect_when_shown``: the caller paused Python's garbage collector for the start
    (``latsar_desktop/app.py``); it runs again once the sign-in screen is exposed."""
    demo = bool(getattr(args, "demo", False))
    if demo:
        from latsar_desktop.demo import server_extra_missing

        command = server_extra_missing()
        if command is not None:
            print(MISSING_EXTRA.format(command=command), file=sys.stderr)
            return 2

    _import_qt_free_first()
    from PySide6.QtWidgets import QApplication

    from latsar_desktop.logs import setup_logging
    from latsar_desktop.ui.excepthooks import install_excepthooks
    from latsar_desktop.ui.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    setup_logging(locations.log_dir())
    hooks = install_excepthooks(app)
    apply_style(app)  # the error dialog of a failed start looks like the app too
    try:
        return _run_app(app, args, demo, hooks, collect_when_shown)
    except Exception as error:
        log.critical("the app failed (exit status 1)", exc_info=error)
        _show_start_failure(error)
        return 1


def _show_start_failure(error: BaseException) -> None:
    """The standard error dialog, modal, with no window under it (GUI thread)."""
    from PySide6.QtCore import Qt

    from latsar_desktop.ui.errors import ErrorDialog

    try:
        dialog = ErrorDialog(error)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.exec()
        dialog.deleteLater()
    except Exception:  # the log has the failure already
        log.exception("the error dialog could not be shown")


def _run_app(
    app: QApplication,
    args: argparse.Namespace,
    demo: bool,
    hooks: ExceptHooks,
    collect_when_shown: bool = False,
) -> int:
    """``run`` from the data directory on, until the window closes."""
    from latsar_desktop.store.machine import MachineStore
    from latsar_desktop.ui import texts
    from latsar_desktop.ui.main_window import MainWindow
    from latsar_desktop.ui.tasks import TaskRunner

    with ExitStack() as stack:
        stack.callback(hooks.uninstall)
        data_dir: Path | None = getattr(args, "data_dir", None)
        if data_dir is None and demo:
            from latsar_desktop.demo import fresh_demo_dir

            data_dir = fresh_demo_dir()
        root = data_dir if data_dir is not None else locations.data_dir()
        log.info("data directory: %s%s", root, " (demo)" if demo else "")
        machine = MachineStore(root)
        stack.callback(machine.close)
        if getattr(args, "server", None):
            from latsar_desktop.sync.api import SERVER_URL_SETTING  # httpx: only when needed

            machine.set_setting(SERVER_URL_SETTING, args.server)
        texts.set_language(
            choose_language(getattr(args, "lang", None), machine.setting(LANGUAGE_SETTING))
        )
        texts.set_time_zone(texts.choose_time_zone(machine.setting(texts.TIME_ZONE_SETTING)))

        people: list[Any] | None = None
        slot = DemoServerSlot()
        if demo:
            from latsar_desktop.demo import demo_people

            people = list(demo_people())
            stack.callback(slot.stop)  # after the runner stopped: a start has ended by then

        runner = TaskRunner()
        stack.callback(runner.shutdown)
        window = MainWindow(machine, runner, demo_people=people)
        stack.callback(window.shutdown)  # runs first: signs out before the runner stops
        if demo:
            _start_demo_server(root, machine, window, runner, slot)
        _close_on_signals(window, stack)
        window.show()
        if os.environ.get(STARTUP_PROBE_ENV) == "1":
            _probe_startup(window)
        else:
            _prewarm(window, runner)
        if collect_when_shown:  # after the probe's line: the screen shows before the pass
            _collect_when_shown(window)
        return app.exec()
    return 1  # not reached (mypy: the ExitStack may swallow an exception)
