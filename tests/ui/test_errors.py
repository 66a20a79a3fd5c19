"""The standard error dialog (latsar_desktop/ui/errors.py): the participant's text of an
error from the catalogs, the "Rincian" with the traceback, one dialog for a burst of
failures, and the excepthooks that log and show what nothing else handled, on the GUI
thread, whichever thread raised it."""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThread, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.i18n.labels import Label
from latsar_desktop.logs import setup_logging, stop_logging
from latsar_desktop.session import ParticipantSession, SessionError
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING, ApiClient
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.errors import (
    MAX_DETAILS,
    ErrorDialog,
    ExceptHooks,
    error_text,
    install_excepthooks,
    show_error,
)
from latsar_desktop.ui.tasks import Progress, TaskRunner
from tests.servers import RunningServer, dead_url
from tests.ui.steps import WAIT_MS

pytestmark = pytest.mark.usefixtures("error_dialog_closed")


@contextmanager
def excepthooks() -> Iterator[ExceptHooks]:
    """The app's hooks for the body of a test (pytest-qt sets its own sys.excepthook per
    test phase: installed in a fixture, ours would be replaced before the test runs)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = (sys.excepthook, threading.excepthook)
    hooks = install_excepthooks(app)
    try:
        assert sys.excepthook == hooks.sys_hook
        assert threading.excepthook == hooks.thread_hook
        yield hooks
    finally:
        hooks.uninstall()
        assert (sys.excepthook, threading.excepthook) == before  # restored


@pytest.fixture
def shown_on(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each call of show_error: was it on the GUI thread?"""
    calls: list[bool] = []
    original = errors.show_error

    def recording(parent: object, error: BaseException) -> ErrorDialog:
        app = QApplication.instance()
        assert app is not None
        calls.append(QThread.currentThread() is app.thread())
        return original(parent, error)  # type: ignore[arg-type]

    monkeypatch.setattr(errors, "show_error", recording)
    return calls


def raised(error: BaseException) -> BaseException:
    """``error`` with a traceback, as a real failure has."""
    try:
        raise error
    except BaseException as caught:
        return caught


def open_dialog(qtbot: QtBot) -> ErrorDialog:
    qtbot.waitUntil(lambda: errors.current_dialog() is not None, timeout=WAIT_MS)
    dialog = errors.current_dialog()
    assert dialog is not None
    return dialog


# ------------------------------------------------------------------ the text of an error


def test_a_session_error_shows_the_catalog_text_of_each_message(
    qtbot: QtBot, tmp_path: Path
) -> None:
    # a real first sign-in with the server out of reach: no "your progress is safe here"
    machine = MachineStore(tmp_path / "pc")
    machine.set_setting(SERVER_URL_SETTING, dead_url())
    nip, nik = "199001152019031004", "3201011501900001"
    with closing(machine), pytest.raises(SessionError) as refused:
        ParticipantSession.sign_in(machine, nip, nik, device_name="PC uji")
    error = refused.value
    assert [m.code for m in error.messages] == [Code.SIGNIN_FIRST_ONLINE]
    expected = "\n".join(i18n.translate(m, "id") for m in error.messages)
    assert error_text(error) == expected
    dialog = show_error(None, error)
    assert dialog.text.text() == expected
    assert "SessionError" in dialog.details.toPlainText()
    dialog.reject()
    qtbot.waitUntil(lambda: errors.current_dialog() is None, timeout=WAIT_MS)
    # in English once the participant chose it
    texts.set_language("en")
    english = show_error(None, error)
    assert english.text.text() == "\n".join(i18n.translate(m, "en") for m in error.messages)
    assert english.toggle.text() == "Details"
    assert english.close_button.text() == "Close"


def test_a_domain_error_shows_its_message(qtbot: QtBot, tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "pc")
    with closing(machine), pytest.raises(SessionError) as malformed:  # a NIK with a letter
        ParticipantSession.sign_in(
            machine, "199001152019031004", "32010115019O0001", device_name="PC uji"
        )
    [message] = malformed.value.messages
    assert message.code is Code.NIK_NOT_DIGITS
    assert error_text(malformed.value) == i18n.translate(message, "id")
    rule = DomainError(msg(Code.NIK_WRONG_LENGTH, length=15, expected=16))
    assert error_text(rule) == i18n.text(
        Code.NIK_WRONG_LENGTH, "id", {"length": 15, "expected": 16}
    )
    assert "16" in error_text(rule)


def test_a_sync_error_shows_its_error_message(
    qtbot: QtBot, ui_server: RunningServer, people: list[dict[str, str]]
) -> None:
    budi, siti = people[0], people[1]
    # the server's own reason: a wrong NIK, refused by the real server
    api = ApiClient(ui_server.url, uuid.uuid4(), timeout=10)
    with closing(api), pytest.raises(SyncError) as wrong:
        api.login(budi["nip"], siti["nik"], "PC uji")
    assert wrong.value.body is not None
    assert wrong.value.body.error.code == Code.AUTH_INVALID_CREDENTIALS
    assert error_text(wrong.value) == i18n.text(Code.AUTH_INVALID_CREDENTIALS, "id")
    # no server at the address: what to do about being offline
    nowhere = ApiClient(dead_url(), uuid.uuid4(), timeout=5)
    with closing(nowhere), pytest.raises(SyncError) as offline:
        nowhere.login(budi["nip"], budi["nik"], "PC uji")
    assert offline.value.kind is SyncErrorKind.OFFLINE
    assert error_text(offline.value) == i18n.text(Code.SYNC_ERROR_OFFLINE, "id")
    dialog = show_error(None, offline.value)
    assert dialog.text.text() == i18n.text(Code.SYNC_ERROR_OFFLINE, "id")


def test_anything_else_is_the_calm_generic_text() -> None:
    for error in (KeyError("kebijakan-1"), RuntimeError("closed"), ZeroDivisionError()):
        assert error_text(error) == i18n.text(Label.ERROR_UNEXPECTED, "id")
    assert "Pekerjaan Anda yang sudah tersimpan tetap aman" in error_text(ValueError())


# ------------------------------------------------------------------ the dialog


def test_the_dialog_rincian_copy_and_close(qtbot: QtBot) -> None:
    dialog = show_error(None, raised(KeyError("kebijakan-9")))
    assert dialog.isVisible()
    assert dialog.windowTitle() == "Terjadi kesalahan · Latsar Desktop"
    assert dialog.text.text() == i18n.text(Label.ERROR_UNEXPECTED, "id")
    assert dialog.text.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert not dialog.details.isVisible()
    assert dialog.details.isReadOnly()
    assert not dialog.more.isVisible()
    # the section opens and closes from the keyboard
    dialog.toggle.setFocus()
    qtbot.keyClick(dialog.toggle, Qt.Key.Key_Space)
    assert dialog.details.isVisible()
    details = dialog.details.toPlainText()
    assert details.startswith("latsar-desktop ")
    assert "Traceback (most recent call last)" in details
    assert "KeyError: 'kebijakan-9'" in details
    qtbot.keyClick(dialog.toggle, Qt.Key.Key_Space)
    assert not dialog.details.isVisible()
    # "Salin rincian": the text and the details on the clipboard
    assert dialog.copy.text() == "Salin rincian"
    qtbot.mouseClick(dialog.copy, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith(dialog.text.text())
    assert "KeyError: 'kebijakan-9'" in copied
    assert dialog.copy.text() == "Rincian tersalin"
    # "Tutup" is the default button: Enter closes the dialog
    assert dialog.close_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert errors.current_dialog() is None


def test_the_rincian_names_the_log_file(qtbot: QtBot, tmp_path: Path) -> None:
    root = logging.getLogger()
    level = root.level
    path = setup_logging(tmp_path / "logs")
    try:
        dialog = show_error(None, raised(OSError("disk full")))
        assert f"Berkas log: {path}" in dialog.details.toPlainText()
    finally:
        stop_logging()
        root.setLevel(level)


def test_a_burst_of_20_failures_opens_one_dialog(qtbot: QtBot) -> None:
    runner = TaskRunner()

    def fails(cancel: CancelToken, progress: Progress) -> None:
        raise RuntimeError("the same fault")

    try:
        tasks = [runner.run(fails, done=lambda _: None) for _ in range(20)]
        qtbot.waitUntil(lambda: not any(t.running for t in tasks), timeout=WAIT_MS)
    finally:
        assert runner.shutdown()
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, ErrorDialog)]
    assert len([w for w in shown if w.isVisible()]) == 1
    dialog = open_dialog(qtbot)
    assert len(dialog.errors) == 20
    assert dialog.more.text() == i18n.text(Label.ERROR_MORE, "id", {"count": 19})
    assert not dialog.more.isHidden()
    assert dialog.details.toPlainText().count("Traceback (most recent call last)") == MAX_DETAILS
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert errors.current_dialog() is None
    assert dialog.errors == []  # let go: their tracebacks hold the frames' variables
    # the next failure opens a dialog of its own again
    later = raised(RuntimeError("later"))
    again = show_error(None, later)
    assert again is not dialog
    assert again.errors == [later]
    assert not again.more.isVisible()


def test_show_error_refuses_another_thread(qtbot: QtBot) -> None:
    outcome: list[BaseException] = []

    def off_the_gui_thread() -> None:
        try:
            show_error(None, RuntimeError("x"))
        except RuntimeError as refused:
            outcome.append(refused)

    thread = threading.Thread(target=off_the_gui_thread)
    thread.start()
    thread.join()
    assert len(outcome) == 1
    assert errors.current_dialog() is None


# ------------------------------------------------------------------ the hooks


def critical_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "latsar_desktop.ui.errors" and r.levelno == logging.CRITICAL
    ]


def test_an_exception_in_a_thread_is_logged_and_shown_on_the_gui_thread(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, shown_on: list[bool], tmp_path: Path
) -> None:
    root = logging.getLogger()
    level = root.level
    log_path = setup_logging(tmp_path / "logs")

    def crash() -> None:
        raise LookupError("no such activity")

    try:
        with excepthooks():
            thread = threading.Thread(target=crash, name="unduh-materi")
            thread.start()
            thread.join()
            dialog = open_dialog(qtbot)
    finally:
        stop_logging()
        root.setLevel(level)
    assert shown_on == [True]
    app = QApplication.instance()
    assert app is not None
    assert dialog.thread() is app.thread()
    assert dialog.text.text() == i18n.text(Label.ERROR_UNEXPECTED, "id")
    assert "LookupError: no such activity" in dialog.details.toPlainText()
    [record] = critical_records(caplog)
    assert "unduh-materi" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], LookupError)
    logged = log_path.read_text(encoding="utf-8")
    assert "CRITICAL [unduh-materi] latsar_desktop.ui.errors" in logged
    assert "Traceback (most recent call last)" in logged
    assert "LookupError: no such activity" in logged


def test_an_exception_through_sys_excepthook_is_logged_and_shown(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture, shown_on: list[bool]
) -> None:
    with excepthooks():
        error = raised(ValueError("bad row"))
        sys.excepthook(type(error), error, error.__traceback__)
        dialog = open_dialog(qtbot)
        assert dialog.errors == [error]
        dialog.reject()
        qtbot.waitUntil(lambda: errors.current_dialog() is None, timeout=WAIT_MS)
        # a Qt slot that raises: PySide hands it to sys.excepthook, so it is shown too
        QTimer.singleShot(0, lambda: {}["gone"])
        slot = open_dialog(qtbot)
        [slot_error] = slot.errors
        assert isinstance(slot_error, KeyError)
    assert shown_on == [True, True]
    records = critical_records(caplog)
    assert [type(r.exc_info[1]) for r in records if r.exc_info] == [ValueError, KeyError]


def test_a_failing_done_callback_is_not_silent(qtbot: QtBot, shown_on: list[bool]) -> None:
    runner = TaskRunner()
    broken: Callable[[str], None] = lambda result: [][int(result)]  # noqa: E731
    try:
        with excepthooks():
            task = runner.run(lambda cancel, progress: "3", done=broken)
            qtbot.waitUntil(lambda: not task.running, timeout=WAIT_MS)
            dialog = open_dialog(qtbot)
    finally:
        assert runner.shutdown()
    [error] = dialog.errors
    assert isinstance(error, IndexError)
    assert shown_on == [True]
