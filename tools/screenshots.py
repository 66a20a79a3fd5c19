"""The README's screenshots, taken as a participant's screen shows them: Xvfb, Qt's xcb.

    .venv/bin/python -m tools.screenshots [--out docs/screenshots]

Without ``DISPLAY`` it starts its own Xvfb (1366×768, ``tools/xvfb.py``) and runs itself
again on it with ``QT_QPA_PLATFORM=xcb``; on any other Qt platform (offscreen, Wayland)
it refuses: ``QScreen.grabWindow`` must read the X server's pixels, where the video
frame is. The app is the real one: ``ui/application.py``'s ``run()`` with ``--demo``
(the embedded server, the demo people on the sign-in screen) on a fresh temporary data
directory, in Indonesian. A timer started before ``run()`` drives its window as a
participant would (key clicks into the fields, a click on "Masuk") and grabs it:

- ``signin.png``: the demo's sign-in screen;
- ``signin-error.png``: Budi's NIP with a wrong NIK: the server's answer, inline;
- ``welcome.png``: Budi's first sign-in, the welcome video playing (past 1 s);
- ``beranda.png``: the main window after the welcome video.

Then the window is closed as its close button does, and ``run()`` ends as it always
does: the session signed out, the background threads stopped, the server stopped.
Every wait polls with a timeout (``WAIT_S``) and raises when the state never comes.
Nothing is written outside ``--out`` and a temporary folder (logs included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from latsar_desktop import app, locations
from latsar_desktop.demo import DemoPerson, demo_people
from latsar_desktop.ui import application, errors
from latsar_desktop.ui.main_window import MainWindow
from tools.xvfb import xvfb

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "docs" / "screenshots"
WAIT_S = 60.0  # the longest any state may take to come (a sign-in: scrypt, the server)
POLL_MS = 50
SETTLE_MS = 400  # after a state is reached: the paint has reached the X server
VIDEO_AT_MS = 1000  # the welcome video is grabbed once it has played this far
PERSON = "Budi"  # the demo participant whose sign-in is shown
T = TypeVar("T")


class ShotsFailed(RuntimeError):
    pass


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not os.environ.get("DISPLAY"):
        return on_own_display(args.out)
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        print(refusal(os.environ["QT_QPA_PLATFORM"]), file=sys.stderr)
        return 2
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return take_shots(args.out.resolve())


def refusal(platform: str) -> str:
    return (
        f"screenshots need Qt's xcb platform on an X display, not {platform!r}: "
        "unset DISPLAY to let this tool start its own Xvfb"
    )


def on_own_display(out: Path) -> int:
    """This tool again, on a fresh Xvfb display with the xcb platform."""
    with xvfb() as display:
        command = [sys.executable, "-m", "tools.screenshots", "--out", str(out.resolve())]
        return subprocess.run(command, cwd=ROOT, env=display.env()).returncode


def take_shots(out: Path) -> int:
    """The app (``application.run``) on a fresh demo folder, driven by ``Shooter``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="latsar-shots-") as folder:
        temp = Path(folder)
        os.environ[locations.LOG_DIR_ENV] = str(temp / "logs")  # never the user's logs
        os.environ[locations.DATA_DIR_ENV] = str(temp / "data")
        qt = QApplication(sys.argv[:1])
        if qt.platformName() != "xcb":
            print(refusal(qt.platformName()), file=sys.stderr)
            return 2
        shooter = Shooter(out)
        QTimer.singleShot(0, shooter.drive)
        argv = ["--demo", "--data-dir", str(temp / "demo"), "--lang", "id"]
        status = application.run(app.parser().parse_args(argv))
        if shooter.error is not None:
            print(shooter.error, file=sys.stderr)
            print(f"logs: {_tail(temp / 'logs' / 'latsar-desktop.log')}", file=sys.stderr)
            return 1
        for name, size in shooter.saved:
            print(f"{out / name}: {size[0]}×{size[1]}, {(out / name).stat().st_size} bytes")
        return status


def _tail(path: Path, limit: int = 3000) -> str:
    try:
        return path.read_text("utf-8")[-limit:]
    except OSError:
        return "(none)"


class Shooter:
    """Drives the app's main window from inside its event loop and saves the shots."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.saved: list[tuple[str, tuple[int, int]]] = []
        self.error: str | None = None
        self.window: MainWindow | None = None

    def drive(self) -> None:
        try:
            self.window = wait_for(main_window, "the main window")
            self.shoot_all(self.window)
        except Exception:
            self.error = traceback.format_exc()
        finally:
            dialog = errors.current_dialog()
            if dialog is not None:
                dialog.reject()
            for widget in QApplication.topLevelWidgets():  # run() returns once all are closed
                if widget.isVisible():
                    widget.close()

    def shoot_all(self, window: MainWindow) -> None:
        page = window.signin
        wait_for(lambda: exposed(window), "the window shown on the display")
        panel = page.demo_panel
        ready = "the demo people, the server ready"
        wait_for(
            lambda: panel is not None and panel.isVisible() and not page.waiting_for_server, ready
        )
        self.grab(window, "signin.png")

        person = budi()
        click(page.nip_edit)
        type_into(page.nip_edit, person.nip)
        click(page.nik_edit)
        type_into(page.nik_edit, wrong_nik(person.nik))
        click(page.submit_button)
        wait_for(
            lambda: (
                page.submit_button.isEnabled()
                and (page.message.isVisible() or page.nik_error.isVisible())
            ),
            "the answer to a wrong NIK",
        )
        if window.session is not None:
            raise ShotsFailed("a wrong NIK signed in")
        self.grab(window, "signin-error.png")

        click(page.nik_edit)
        type_into(page.nik_edit, person.nik)
        click(page.submit_button)
        welcome = wait_for(lambda: window.welcome, "the welcome video page")
        player = welcome.player
        wait_for(
            lambda: player.playing and player.player.position() > VIDEO_AT_MS,
            "the welcome video playing past 1 s",
        )
        self.grab(window, "welcome.png")

        wait_for(lambda: welcome.next_button.isEnabled(), "the welcome video's end")
        click(welcome.next_button)
        shell = wait_for(lambda: window.shell, "the main window's pages")
        wait_for(lambda: window.current_screen() is shell, "the Beranda page")
        self.grab(window, "beranda.png")

    def grab(self, window: QWidget, name: str) -> None:
        """The window's pixels as the X server has them (the video frame too)."""
        pause(SETTLE_MS)
        screen = window.screen() or QGuiApplication.primaryScreen()
        image = screen.grabWindow(window.winId())
        if image.isNull() or not image.save(str(self.out / name), "PNG"):
            raise ShotsFailed(f"{name}: not grabbed or not saved")
        self.saved.append((name, (image.width(), image.height())))


# ---------------------------------------------------------------------- steps and waits


def main_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def exposed(window: QWidget) -> bool:
    handle = window.windowHandle()
    return handle is not None and handle.isExposed()


def budi() -> DemoPerson:
    for person in demo_people():
        if person.name.startswith(PERSON):
            return person
    raise ShotsFailed(f"no demo participant named {PERSON}")


def wrong_nik(nik: str) -> str:
    """The same NIK with its last digit changed: well-formed, and not this person's."""
    return nik[:-1] + str((int(nik[-1]) + 1) % 10)


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint())


def type_into(field: QLineEdit, text: str) -> None:
    """Empty the field as a participant does (select all, Backspace), then type."""
    field.selectAll()
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClicks(field, text)


def pause(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds (the window keeps painting)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(value: Callable[[], T | None], what: str) -> T:
    """Poll ``value`` with the event loop running until it is truthy; it, or raise."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = value()
        if found:
            return found
        if time.monotonic() > deadline:
            raise ShotsFailed(f"timed out after {WAIT_S:.0f} s waiting for {what}")
        pause(POLL_MS)


if __name__ == "__main__":
    sys.exit(main())
