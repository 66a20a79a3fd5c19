"""``tasks.session_read``: a screen's coalesced read of a session's data. A read that
fails because the participant signed out under it is no failure (no dialog, no error in
the log, nothing applied); a read that fails while signed in is one (the standard
dialog); a ``None`` result is never applied; ``alive`` adds to "signed in"."""

from __future__ import annotations

import logging
import threading

import pytest
from pytestqt.qtbot import QtBot

from latsar_desktop.ui import errors
from latsar_desktop.ui.tasks import TaskRunner, session_read
from tests.ui.steps import WAIT_MS


class FakeSession:
    """Only what ``session_read`` looks at."""

    def __init__(self) -> None:
        self.signed_in = True


def test_a_read_failing_after_the_sign_out_shows_nothing_and_logs_no_error(
    qtbot: QtBot, runner: TaskRunner, caplog: pytest.LogCaptureFixture
) -> None:
    session = FakeSession()
    started, go_on = threading.Event(), threading.Event()
    applied: list[int] = []

    def read() -> int:
        started.set()
        assert go_on.wait(WAIT_MS / 1000)
        raise OSError("the profile was closed")  # what a closed store raises: not domain

    reader = session_read(runner, session, read, applied.append, name="counts")
    caplog.set_level(logging.DEBUG, logger="latsar_desktop.ui.tasks")
    reader.request()
    assert started.wait(WAIT_MS / 1000)
    session.signed_in = False
    go_on.set()
    qtbot.waitUntil(lambda: not reader.busy, timeout=WAIT_MS)
    assert applied == []
    assert errors.current_dialog() is None
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("after the sign-out" in r.getMessage() for r in caplog.records)
    reader.request()  # signed out: nothing more is read
    assert not reader.busy
    assert reader.reads == 1


def test_a_read_failing_while_signed_in_opens_the_standard_error_dialog(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    def read() -> int:
        raise OSError("disk unreadable")

    reader = session_read(runner, FakeSession(), read, lambda _: None, name="broken")
    reader.request()
    qtbot.waitUntil(lambda: errors.current_dialog() is not None, timeout=WAIT_MS)
    dialog = errors.current_dialog()
    assert dialog is not None
    dialog.reject()
    qtbot.waitUntil(lambda: errors.current_dialog() is None, timeout=WAIT_MS)


def test_results_are_applied_but_none_never_is_and_alive_adds_to_signed_in(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    answers: list[int | None] = [None, 7]
    applied: list[int | None] = []
    open_ = [True]
    reader = session_read(
        runner,
        FakeSession(),
        lambda: answers.pop(0),
        applied.append,
        name="numbers",
        alive=lambda: open_[0],
    )
    for _ in range(2):
        reader.request()
        qtbot.waitUntil(lambda: not reader.busy, timeout=WAIT_MS)
    assert applied == [7]  # the None read came to nothing
    open_[0] = False  # signed in still, but the screen says it is going away
    reader.request()
    assert not reader.busy
    assert reader.reads == 2
