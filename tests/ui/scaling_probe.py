"""Measures the main window on an old laptop's screen, in a process of its own.

``QT_SCALE_FACTOR`` and the offscreen screen's size must be set before the QApplication
exists, so ``tests/ui/test_scaling.py`` runs this module in a subprocess::

    QT_QPA_PLATFORM=offscreen:configfile=<1366×768 screen> QT_SCALE_FACTOR=1.25 \\
        python -m tests.ui.scaling_probe OUT.json pages|geometry WORKDIR

(``tests/ui/probes.py run_probe`` runs it so, with HOME and the data folders its own.)

``pages``: the real server on 127.0.0.1 with the demo course, a participant signed in;
for each language, every page of the window (sign-in, with and without messages; the
welcome video playing; Beranda, Course, Profil) is shown in a window of the screen's
free size, and its minimum size and every clipped widget are written to OUT.json, with
the per-user folders it ran with.
With ``LATSAR_PROBE_SHOTS=<folder>`` each measured page is also saved there as a PNG.
``geometry``: the first start's size and position on that screen, then a size and
position set, the window closed, and a new window's restored ones.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import texts
from latsar_desktop.ui.main_window import GEOMETRY_SETTING, MainWindow
from latsar_desktop.ui.style import apply_style
from latsar_desktop.ui.tasks import TaskRunner
from tests.sandbox import VARIABLES
from tests.servers import wait_until

TITLE_BAR = 32  # logical pixels a window's title bar takes above its client area
TASKBAR = 40  # physical pixels at the bottom of the screen, as on Windows
PLAY_TIMEOUT = 30.0
SHOTS_ENV = "LATSAR_PROBE_SHOTS"  # a folder: every measured page saved there as a PNG


def client_size() -> QSize:
    """The largest client area a window gets on the screen: its free width, and its free
    height less the taskbar and the window's title bar (logical pixels)."""
    screen = QGuiApplication.primaryScreen()
    free = screen.availableGeometry().size()
    taskbar = round(TASKBAR / screen.devicePixelRatio())
    return QSize(free.width(), free.height() - taskbar - TITLE_BAR)


def wait(until: Callable[[], bool], timeout: float = PLAY_TIMEOUT) -> None:
    """Handle the window's events until ``until()`` (no test's qtbot here)."""

    def handled() -> bool:
        QApplication.processEvents()
        return until()

    if not wait_until(handled, timeout, 0.02):
        raise TimeoutError("the window did not get there")


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()
        QApplication.sendPostedEvents()  # the layouts' deferred requests too


def _in_scroll_area(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def clipped(root: QWidget) -> list[str]:
    """Every visible text widget under ``root`` that does not get the room its text
    needs, or that sticks out of the window."""
    problems = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or not widget.isVisible():
            continue
        name = f"{type(widget).__name__} {_text(widget)!r}"
        size, hint = widget.size(), widget.sizeHint()
        if isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                need = widget.heightForWidth(size.width())
                if need > size.height():
                    problems.append(f"{name}: {need} px high needed, {size.height()} given")
            elif hint.width() > size.width() or hint.height() > size.height():
                problems.append(f"{name}: {hint.width()}×{hint.height()} needed, {size}")
        elif isinstance(widget, QAbstractButton | QLineEdit | QComboBox):
            least = widget.minimumSizeHint()
            if isinstance(widget, QAbstractButton) and widget.text():
                least = hint
            if least.width() > size.width() or least.height() > size.height():
                problems.append(f"{name}: {least.width()}×{least.height()} needed, {size}")
        if _in_scroll_area(widget, root):
            continue  # scrolled into view when focused
        corner = widget.mapTo(root, QPoint(size.width() - 1, size.height() - 1))
        if not root.rect().contains(corner):
            problems.append(f"{name}: out of the window at {corner}")
    return problems


def _text(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    value = text() if callable(text) else widget.objectName()
    return str(value)[:40]


def measure(window: MainWindow, page: QWidget, name: str) -> dict[str, Any]:
    window.stack.setCurrentWidget(page)
    window.resize(client_size())
    settle()
    least = page.minimumSizeHint()
    shots = os.environ.get(SHOTS_ENV)
    if shots:  # to look at the screens as a participant sees them
        window.grab().save(str(Path(shots) / f"{texts.language()}-{name}.png"))
    return {"minimum": [least.width(), least.height()], "problems": clipped(window)}


def pages(out: Path, work: Path) -> None:
    from latsar_desktop.demo import demo_people
    from tests.integration.serverkit import sqlite_demo_server

    app = QApplication(sys.argv[:1])
    apply_style(app)
    report: dict[str, Any] = {
        "client": list(client_size().toTuple()),
        "dirs": {name: os.environ.get(name) for name in VARIABLES},
    }
    people = demo_people()
    machine = MachineStore(work / "pc")
    with sqlite_demo_server(work, machine):
        runner = TaskRunner()
        for language in ("id", "en"):
            texts.set_language(language)
            report[language] = _pages(machine, runner, people)
        runner.shutdown()
        machine.close()
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    app.quit()


def _pages(machine: MachineStore, runner: TaskRunner, people: list[Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    window = MainWindow(machine, runner, demo_people=people)
    window.show()
    settle()
    page = window.signin
    if not machine.profiles():  # the demo's first start: no profile yet
        result["signin fresh"] = measure(window, page, "signin-fresh")
        for person in people[1:]:  # more cards than fit: the list scrolls
            machine.add_profile(person.nip, person.name)
        page.refresh_profiles()
    result["signin"] = measure(window, page, "signin")
    page.nip_edit.setText("1990 0514")
    page.nik_edit.setText("32730114O590990")
    page._check_nip()
    page._check_nik()
    update = msg(Code.SYNC_ERROR_CLIENT_TOO_OLD_URL, url="https://latsar.example.go.id/unduh")
    page._say([msg(Code.SIGNIN_FIRST_ONLINE), update])
    result["signin with messages"] = measure(window, page, "signin-messages")
    session = ParticipantSession.sign_in(
        machine, people[0].nip, people[0].nik, device_name="PC uji"
    )
    window._signed_in(session)  # the first sync, then the welcome video, playing
    wait(lambda: window.welcome is not None)
    welcome = window.welcome
    assert welcome is not None
    wait(lambda: welcome.player.playing)
    result["welcome"] = measure(window, welcome, "welcome")
    welcome.player.pause()
    window._welcome_done()
    shell = window.shell
    assert shell is not None
    for index, name in enumerate(("home", "course", "settings", "profile")):
        shell.show_page(index)
        # the page's data read off the GUI thread, shown and laid out
        wait(lambda: shell.home.loads > 0 and not shell.home.busy)
        wait(lambda: not shell.settings.refreshing)
        settle()
        result[name] = measure(window, shell, name)
    window.shutdown()
    window.close()
    return result


def geometry(out: Path, work: Path) -> None:
    app = QApplication(sys.argv[:1])
    apply_style(app)
    machine = MachineStore(work / "pc")
    runner = TaskRunner()
    first = MainWindow(machine, runner)
    first.show()
    settle()
    free = QGuiApplication.primaryScreen().availableGeometry()
    report: dict[str, Any] = {
        "free": list(free.getRect()),
        "first": list(first.frameGeometry().getRect()),
        "first_fits": free.contains(first.frameGeometry()),
    }
    first.resize(QSize(1000, 520))
    first.move(QPoint(60, 30))
    settle()
    report["set"] = list(first.geometry().getRect())
    first.close()
    report["kept"] = isinstance(machine.setting(GEOMETRY_SETTING), str)
    second = MainWindow(machine, runner)
    second.show()
    settle()
    report["restored"] = list(second.geometry().getRect())
    second.close()
    runner.shutdown()
    machine.close()
    out.write_text(json.dumps(report), encoding="utf-8")
    app.quit()


if __name__ == "__main__":
    out, mode, work = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    {"pages": pages, "geometry": geometry}[mode](out, work)
