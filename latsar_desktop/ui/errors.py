"""The standard error dialog, the participant's text of an error, and the hooks that
send every unhandled exception to both the log and the dialog (nothing dies silently).

``error_text(error)`` is the ONE place an exception becomes the participant's text:

- ``DomainError`` (``SessionError`` included): the catalog texts of its messages, a line
  each (``texts.say_all``);
- ``SyncError``: the text of ``sync.errors.error_message(error)`` (the server's reason
  when it gave one this version knows, else what to do about the kind of failure);
- anything else: ``Label.ERROR_UNEXPECTED``, a calm generic text (saved work is safe,
  try again, tell the organisers with the details).

``show_error(parent, error)`` (GUI thread) opens the ``ErrorDialog`` window-modal with
``open()`` (never ``exec()``: the event loop, timers and background results go on) and
returns it. One dialog at a time: while one is open, a further failure is added to it
(its "Rincian" gets the details of the first ``MAX_DETAILS``, the text counts the rest)
instead of opening another, so a burst of failures cannot bury the window.

``install_excepthooks(app)`` sets ``sys.excepthook`` and ``threading.excepthook``: the
exception is logged with its traceback and the dialog is shown on the GUI thread (a
queued signal to an object living there, whichever thread raised). The returned
``ExceptHooks`` puts the previous hooks back with ``uninstall()``. Both live in
``ui/excepthooks.py`` (installed before the sign-in screen shows, without this module's
widgets) and are named here too.
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from datetime import datetime

import shiboken6
from PySide6.QtCore import Qt, QThread
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import __version__, logs
from latsar_desktop.domain.messages import DomainError
from latsar_desktop.i18n.labels import Label
from latsar_desktop.sync.errors import SyncError, error_message
from latsar_desktop.ui import texts
from latsar_desktop.ui.excepthooks import ExceptHooks, install_excepthooks
from latsar_desktop.ui.texts import tr

__all__ = [
    "MAX_DETAILS",
    "ErrorDialog",
    "ExceptHooks",
    "current_dialog",
    "error_details",
    "error_text",
    "install_excepthooks",
    "show_error",
]

log = logging.getLogger(__name__)

MAX_DETAILS = 10  # failures whose details one dialog keeps (the log file has them all)
ICON_SIZE = 40


def error_text(error: BaseException) -> str:
    """What the participant reads about ``error``, in the current language."""
    if isinstance(error, SyncError):
        return texts.say(error_message(error))
    if isinstance(error, DomainError):
        return texts.say_all(error.messages)
    return tr(Label.ERROR_UNEXPECTED)


def error_details(error: BaseException) -> str:
    """The technical details of ``error``: when, its type, message and traceback (with
    the causes it was raised from)."""
    moment = datetime.now().astimezone().isoformat(timespec="seconds")
    trace = "".join(traceback.format_exception(error)).rstrip()
    return f"[{moment}] {trace}"


def _about() -> str:
    """The first lines of the details: the app, the platform, the log file."""
    python = sys.version.split()[0]
    lines = [f"latsar-desktop {__version__}, Python {python}, {platform.platform()}"]
    path = logs.log_file()
    if path is not None:
        lines.append(tr(Label.ERROR_LOG_FILE, path=str(path)))
    return "\n".join(lines)


class ErrorDialog(QDialog):
    """An error for the participant: a title, an icon, the text (selectable), a hidden
    "Rincian" section with the technical details, "Salin rincian" and "Tutup"."""

    def __init__(self, error: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorDialog")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(tr(Label.APP_TITLE_ON, screen=tr(Label.ERROR_TITLE)))
        self.setMinimumWidth(460)
        self.errors: list[BaseException] = [error]

        icon = QLabel()
        size = ICON_SIZE
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        icon.setPixmap(warning.pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        heading = QLabel(tr(Label.ERROR_TITLE))
        heading.setProperty("role", "subtitle")  # ui/style.py's roles
        self.text = QLabel(error_text(error))
        self.text.setObjectName("errorText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.more = QLabel()
        self.more.setObjectName("errorMore")
        self.more.setWordWrap(True)
        self.more.setProperty("role", "muted")
        self.more.hide()

        self.toggle = QToolButton()
        self.toggle.setObjectName("errorDetailsToggle")
        self.toggle.setText(tr(Label.ERROR_DETAILS))
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggle.toggled.connect(self._show_details)
        self.details = QPlainTextEdit()
        self.details.setObjectName("errorDetails")
        self.details.setReadOnly(True)
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.details.setAccessibleName(tr(Label.ERROR_DETAILS))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumHeight(180)
        self.details.setPlainText(f"{_about()}\n\n{error_details(error)}")
        self.details.hide()

        self.copy = QPushButton(tr(Label.ERROR_COPY))
        self.copy.setObjectName("errorCopy")
        self.copy.setAutoDefault(False)
        self.copy.clicked.connect(self.copy_details)
        self.close_button = QPushButton(tr(Label.CLOSE))
        self.close_button.setObjectName("errorClose")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        buttons = QDialogButtonBox()
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        # the copy button keeps its width when its text changes: nothing moves
        widest = max(tr(Label.ERROR_COPY), tr(Label.ERROR_COPIED), key=len)
        self.copy.setMinimumWidth(self.copy.fontMetrics().horizontalAdvance(widest) + 40)

        words = QVBoxLayout()
        words.setSpacing(8)
        words.addWidget(heading)
        words.addWidget(self.text)
        words.addWidget(self.more)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(words, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.setTabOrder(self.text, self.toggle)
        self.setTabOrder(self.toggle, self.copy)
        self.setTabOrder(self.copy, self.close_button)
        self.close_button.setFocus()

    def add(self, error: BaseException) -> None:
        """One more failure while this dialog is open: counted, and its details kept
        (the first ``MAX_DETAILS``)."""
        self.errors.append(error)
        if len(self.errors) <= MAX_DETAILS:
            self.details.appendPlainText(f"\n{error_details(error)}")
        self.more.setText(tr(Label.ERROR_MORE, count=len(self.errors) - 1))
        self.more.show()

    def copy_details(self) -> None:
        """The text and the details to the clipboard (for an e-mail to the organisers)."""
        QGuiApplication.clipboard().setText(f"{self.text.text()}\n\n{self.details.toPlainText()}")
        self.copy.setText(tr(Label.ERROR_COPIED))

    def _show_details(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.details.setVisible(shown)
        self.adjustSize()


_current: ErrorDialog | None = None


def current_dialog() -> ErrorDialog | None:
    """The error dialog open now, if any."""
    if _current is not None and shiboken6.isValid(_current) and _current.isVisible():
        return _current
    return None


def _summary(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def show_error(parent: QWidget | None, error: BaseException) -> ErrorDialog:
    """Show ``error`` in the standard dialog over ``parent`` (GUI thread only); the open
    dialog takes it when there is one. Returns the dialog, open and not blocking."""
    global _current
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("show_error runs on the GUI thread (errors.install_excepthooks)")
    log.info("error dialog: %s", _summary(error))
    dialog = current_dialog()
    if dialog is not None:
        dialog.add(error)
        return dialog
    if parent is not None and not shiboken6.isValid(parent):
        parent = None  # the screen it was for has closed meanwhile
    dialog = ErrorDialog(error, parent)
    _current = dialog
    dialog.finished.connect(lambda: _closed(dialog))
    dialog.open()
    return dialog


def _closed(dialog: ErrorDialog) -> None:
    """Closed: the errors (their tracebacks hold the frames' variables) are let go."""
    global _current
    if _current is dialog:
        _current = None
    dialog.errors.clear()
    dialog.deleteLater()
