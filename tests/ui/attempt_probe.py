"""Runs the app as ``latsar-desktop`` does, and reports what its attempt screen shows once
an attempt is continued: ``python -m tests.ui.attempt_probe OUT.json [latsar-desktop
arguments…]``.

``tests/ui/test_attempt_kill.py`` starts it on Xvfb and drives it with xdotool (the
sign-in, "Lanjutkan percobaan"); the probe only watches, from a timer on the app's GUI
thread, and acts once the attempt screen shows. What it writes to OUT.json:

- ``steps``: what the window showed, each change with its time (its title, whether the
  offer to continue shows): for a failure's diagnosis;
- ``resume``: the text of the offer to continue (``ResumeDialog``), when it showed;
- ``begun``: the timer label's text as ``AttemptView.begin`` (the attempt continued)
  left it, the time left as the screen first shows it, and ``time.monotonic()`` then
  (the system's monotonic clock: the test may compare it with its own);
- ``shown_at``: ``time.monotonic()`` when the attempt page was first seen current; then
  ``timer`` (the timer label's text), ``heading``, ``current_index``, ``warning_visible``
  and ``nav`` (each numbered button's text, its "answered" and "current" properties);
- ``questions``: for the first ``QUESTIONS_READ`` questions, shown in turn by a click on
  their numbered button: the title, the choices' texts and which are checked;
- ``screenshot``: the window grabbed on the first question (a PNG next to OUT.json);
- then the window is closed as its close button does (the attempt closed, its time and
  answers saved), and ``status``: the app's exit status. ``gave_up`` instead when the
  attempt screen never showed (what the window showed last).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from latsar_desktop import app
from latsar_desktop.ui import application
from latsar_desktop.ui.evaluation import AttemptView
from latsar_desktop.ui.main_window import MainWindow

POLL_MS = 50
GIVE_UP = 150.0  # seconds: the start, the sign-in, the offer (a bound on a failure)
QUESTIONS_READ = 3


def shown_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def flag(widget: Any, name: str) -> bool:
    return bool(widget.property(name))


def main(out: Path, argv: list[str]) -> None:
    qt = QApplication(sys.argv[:1])
    seen: dict[str, Any] = {}
    give_up = time.monotonic() + GIVE_UP

    states: dict[str, Any] = {}
    steps: list[str] = seen.setdefault("steps", [])

    def note(what: str, state: Any) -> None:
        """The steps the app went through: each change of what is watched, when."""
        if states.get(what, ...) != state:
            states[what] = state
            steps.append(f"{time.monotonic():.2f} {what}: {state}")

    def later(step: Callable[[], None]) -> None:
        QTimer.singleShot(POLL_MS, step)

    def poll() -> None:
        window = shown_window()
        shell = window.shell if window is not None else None
        note("window", window.windowTitle() if window is not None else None)
        if shell is not None:
            dialog = shell.resume_dialog
            note("offer", dialog is not None and dialog.isVisible())
            if dialog is not None and dialog.isVisible():
                seen["resume"] = dialog.text.text()
            if shell.pages.currentWidget() is shell.attempt:
                read(window, shell)
                return
        if time.monotonic() > give_up:
            seen["gave_up"] = window.windowTitle() if window is not None else "no window"
            if window is not None:
                window.close()
            return
        later(poll)

    def read(window: Any, shell: Any) -> None:
        view = shell.attempt
        seen["shown_at"] = time.monotonic()
        seen["timer"] = view.timer_label.text()
        seen["heading"] = view.heading.text()
        seen["current_index"] = view.current_index
        seen["warning_visible"] = view.warning.isVisible()
        seen["nav"] = [
            {"text": b.text(), "answered": flag(b, "answered"), "current": flag(b, "current")}
            for b in view.nav_buttons
        ]
        seen["title"] = window.windowTitle()
        questions = seen["questions"] = []
        for index in range(min(QUESTIONS_READ, len(view.nav_buttons))):
            view.nav_buttons[index].click()
            QApplication.processEvents()
            questions.append(
                {
                    "title": view.question_title.text(),
                    "current_index": view.current_index,
                    "choices": [b.text() for b in view.choice_buttons],
                    "checked": [b.isChecked() for b in view.choice_buttons],
                }
            )
        view.nav_buttons[0].click()
        QApplication.processEvents()
        shot = out.with_suffix(".png")
        if window.grab().save(str(shot)):
            seen["screenshot"] = str(shot)
        out.write_text(json.dumps(seen), encoding="utf-8")  # kept even if closing fails
        window.close()

    begin = AttemptView.begin

    def begin_seen(view: AttemptView, *args: Any) -> None:
        """The app's own ``begin``; then the timer as it first shows the time left."""
        begin(view, *args)
        seen.setdefault("begun", {"at": time.monotonic(), "timer": view.timer_label.text()})

    AttemptView.begin = begin_seen  # type: ignore[method-assign,assignment]
    later(poll)
    seen["status"] = application.run(app.parser().parse_args(argv))
    out.write_text(json.dumps(seen), encoding="utf-8")
    del qt


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
