"""Runs the app as ``latsar-desktop`` does, in a process of its own, and reports what its
window showed: ``python -m tests.ui.app_probe OUT.json [latsar-desktop arguments…]``.

``tests/ui/test_application.py`` runs it (``tests/ui/probes.py run_probe``, with HOME and
the data folders its own): ``app.exec()`` ends with ``aboutToQuit``, after which a test
process's Qt (multimedia, window activation) is not what the next tests need.

The app runs as the command line runs it (``latsar_desktop.app.main``). What it writes
to OUT.json: the app's log messages in order (``log``), and the sign-in screen's state at
the moment it first showed (``at_show``). Once the main window shows and Python's
garbage collector runs again (``collecting``: ``app.main`` pauses it until the screen is
exposed), and in demo mode once the embedded server is ready: its title and the settings
it was given; in demo mode the server's answer, then a sign-in with the first demo person's
"Isi" and "Masuk" (``signed_in``). If the standard error dialog opens meanwhile (the
demo's server did not start), its texts and the screen's state (``error``). Then the
window is closed as its close button does; then the exit status, and whether the demo's
server still answers, and the processes the app left behind (``children_after``: the
demo's server is this process's child; stopped, it is waited for and gone). With
``APP_PROBE_CLOSE_AT_ONCE=1`` in its environment, the window is closed as soon as it
shows (the demo's server still starting).

When the app cannot start (no window shows), the error dialog it shows instead: its
texts, whether it is modal, then closed (``start_failure``); and the app's log file
(``log_file``).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from latsar_desktop import app, logs
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui import errors
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.signin import SignInPage

POLL_MS = 50
GIVE_UP = 150.0  # seconds: the server's start, then a sign-in (a bound on a failure)
SHOWN = "sign-in screen shown"
CLOSE_AT_ONCE = "APP_PROBE_CLOSE_AT_ONCE"


def screen_state(page: SignInPage) -> dict[str, Any]:
    return {
        "waiting_for_server": page.waiting_for_server,
        "submit_enabled": page.submit_button.isEnabled(),
        "message": page.message_text(),
    }


class AppLog(logging.Handler):
    """The app's log messages in order; the sign-in screen's state as its first showing
    is logged (on the GUI thread, inside the window's show)."""

    def __init__(self, seen: dict[str, Any]) -> None:
        super().__init__(logging.INFO)
        self.seen = seen
        self.messages: list[str] = seen.setdefault("log", [])

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.messages.append(message)
        if message.startswith(SHOWN):
            window = next(
                (w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None
            )
            if window is not None:
                self.seen["at_show"] = screen_state(window.signin)


def children() -> list[int]:
    """This process's child processes, running or exited but not waited for (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if stat and int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
            found.append(int(entry.name))
    return found


def shown_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def main(out: Path, argv: list[str]) -> None:
    qt = QApplication(sys.argv[:1])
    seen: dict[str, Any] = {}
    demo = "--demo" in argv
    give_up = time.monotonic() + GIVE_UP
    logging.getLogger().addHandler(AppLog(seen))

    def later(step: Callable[[], None]) -> None:
        QTimer.singleShot(POLL_MS, step)

    def failed(window: MainWindow) -> bool:
        """The standard error dialog is open: what it says, and the screen; closed."""
        dialog = errors.current_dialog()
        if dialog is None:
            return False
        seen["error"] = {
            "text": dialog.text.text(),
            "details": dialog.details.toPlainText(),
            **screen_state(window.signin),
        }
        dialog.reject()
        window.close()
        return True

    def start_failed() -> bool:
        """No window, the standard error dialog of a failed start: read, closed."""
        dialog = next(
            (
                widget
                for widget in QApplication.topLevelWidgets()
                if isinstance(widget, errors.ErrorDialog) and widget.isVisible()
            ),
            None,
        )
        if dialog is None:
            return False
        seen["start_failure"] = {
            "text": dialog.text.text(),
            "details": dialog.details.toPlainText(),
            "modal": dialog.isModal(),
        }
        dialog.reject()
        return True

    def poll() -> None:
        window = shown_window()
        if window is None and start_failed():
            return
        if window is None or failed(window):
            if window is None:
                later(poll)
            return
        if not gc.isenabled() and time.monotonic() < give_up:
            later(poll)  # the start paused the collector until the screen is exposed
            return
        seen["collecting"] = gc.isenabled()
        page = window.signin
        if os.environ.get(CLOSE_AT_ONCE) == "1":
            seen["closed_at_once"] = screen_state(page)
            window.close()
            return
        ready = not demo or (page.demo_panel is not None and not page.waiting_for_server)
        if not ready and time.monotonic() < give_up:
            later(poll)
            return
        url = window.machine.setting(SERVER_URL_SETTING)
        seen.update(
            title=window.windowTitle(),
            demo_people=len(page.demo_buttons),
            root=str(window.machine.root),
            server_url=url,
        )
        if not demo or not ready:
            window.close()
            return
        seen["health"] = httpx.get(f"{url}/health", timeout=10).status_code
        page.demo_buttons[0].click()  # "Isi": the first demo person's NIP and NIK
        page.submit_button.click()  # "Masuk"
        later(lambda: signed_in(window))

    def signed_in(window: MainWindow) -> None:
        if failed(window):
            return
        session = window.session
        if session is None and time.monotonic() < give_up:
            later(lambda: signed_in(window))
            return
        seen["signed_in"] = (
            {"name": session.name, "online": session.online}
            if session is not None
            else {"message": window.signin.message_text()}
        )
        window.close()

    later(poll)
    seen["status"] = app.main(argv)
    seen["children_after"] = children()
    log_file = logs.log_file()
    seen["log_file"] = str(log_file) if log_file is not None else None
    if demo and seen.get("server_url"):
        try:
            httpx.get(f"{seen['server_url']}/health", timeout=2)
            seen["after"] = "answers"
        except httpx.TransportError:
            seen["after"] = "gone"
    out.write_text(json.dumps(seen), encoding="utf-8")
    del qt


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
