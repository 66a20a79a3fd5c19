"""Starting the app: ``run(args)``, called by ``latsar_desktop/app.py``.

The order: (``--demo``) the server extra is there or the line saying what to install and
exit status 2, before any window; the QApplication (no QSettings: every setting is kept
in machine.db); logging to the rotating file and the exception hooks; the data directory
(``--data-dir``, else the user's; the demo: a fresh one); ``--server`` kept as the
server address; the language (``--lang``, else the one chosen before, else Indonesian);
the stylesheet; (demo) the embedded server started and its address kept; the main
window (Ctrl+C closes it too); the event loop. At the end, whatever happened: the
session signed out (a short wait), the background threads stopped, the embedded server
stopped, machine.db closed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latsar_desktop import __version__, i18n, locations

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)
SIGNAL_POLL_MS = 250

APP_NAME = "Latsar Desktop"
ORGANIZATION = "Latsar"
MISSING_EXTRA = (
    "Mode demo memerlukan server bawaan. Pasang dulu dengan: {command}\n"
    "The demo needs the embedded server. Install it first with: {command}"
)


def choose_language(requested: str | None, kept: Any) -> str:
    """``--lang``, else the language chosen before (a machine setting), else Indonesian."""
    for code in (requested, kept):
        if isinstance(code, str) and code in i18n.LANGUAGES:
            return code
    return i18n.DEFAULT_LANGUAGE


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


def run(args: argparse.Namespace) -> int:
    """The app, until its window closes; the process's exit status."""
    demo = bool(getattr(args, "demo", False))
    if demo:
        from latsar_desktop.demo import server_extra_missing

        command = server_extra_missing()
        if command is not None:
            print(MISSING_EXTRA.format(command=command), file=sys.stderr)
            return 2

    from PySide6.QtWidgets import QApplication

    from latsar_desktop.logs import setup_logging
    from latsar_desktop.store.machine import MachineStore
    from latsar_desktop.sync.api import SERVER_URL_SETTING
    from latsar_desktop.ui import texts
    from latsar_desktop.ui.errors import install_excepthooks
    from latsar_desktop.ui.main_window import MainWindow
    from latsar_desktop.ui.signin import LANGUAGE_SETTING
    from latsar_desktop.ui.style import apply_style
    from latsar_desktop.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    setup_logging(locations.log_dir())
    hooks = install_excepthooks(app)

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
            machine.set_setting(SERVER_URL_SETTING, args.server)
        texts.set_language(
            choose_language(getattr(args, "lang", None), machine.setting(LANGUAGE_SETTING))
        )
        apply_style(app)

        people: list[Any] | None = None
        if demo:
            from latsar_desktop.demo import EmbeddedServer, demo_people

            server = EmbeddedServer.start(root)
            stack.callback(server.stop)  # also when anything below fails
            machine.set_setting(SERVER_URL_SETTING, server.url)
            people = list(demo_people())
            log.info("demo: embedded server at %s", server.url)

        runner = TaskRunner()
        stack.callback(runner.shutdown)
        window = MainWindow(machine, runner, demo_people=people)
        stack.callback(window.shutdown)  # runs first: signs out before the runner stops
        _close_on_signals(window, stack)
        window.show()
        return app.exec()
    return 1  # not reached (mypy: the ExitStack may swallow an exception)
