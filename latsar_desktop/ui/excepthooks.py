"""The hooks that send every unhandled exception to the log and the standard error
dialog (``ui/errors.py``): nothing dies silently.

``install_excepthooks(app)`` sets ``sys.excepthook`` and ``threading.excepthook``: the
exception is logged with its traceback and the dialog is shown on the GUI thread (a
queued signal to an object living there, whichever thread raised). The returned
``ExceptHooks`` puts the previous hooks back with ``uninstall()``.

The hooks are installed at the start, before the sign-in screen shows; the dialog's
module (its widgets, Qt's standard icons) is imported when a failure is first shown,
not before the screen: ``ui/errors.py`` names these two here as its own too.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

# the records keep the name they had when the hooks lived in ui/errors.py
log = logging.getLogger("latsar_desktop.ui.errors")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class _Relay(QObject):
    """Lives on the GUI thread: a failure emitted from any thread is shown there."""

    raised = Signal(object)

    def __init__(self, parent_widget: Callable[[], QWidget | None]) -> None:
        super().__init__()
        self._parent_widget = parent_widget
        self.raised.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _show(self, error: BaseException) -> None:
        try:
            from latsar_desktop.ui import errors  # at call time: patchable (tests)

            errors.show_error(self._parent_widget(), error)
        except Exception:  # not through the hooks again: that could loop
            log.exception("the error dialog could not be shown")


class ExceptHooks:
    """``sys.excepthook`` and ``threading.excepthook`` while installed: log, then the
    standard dialog on the GUI thread. ``uninstall()`` puts the previous hooks back."""

    def __init__(self, app: QApplication) -> None:
        if QThread.currentThread() is not app.thread():
            raise RuntimeError("install the hooks on the GUI thread")
        self._relay = _Relay(QApplication.activeWindow)
        self._previous_sys = sys.excepthook
        self._previous_thread = threading.excepthook
        self.installed = False

    def install(self) -> None:
        self._previous_sys = sys.excepthook
        self._previous_thread = threading.excepthook
        sys.excepthook = self.sys_hook
        threading.excepthook = self.thread_hook
        self.installed = True

    def uninstall(self) -> None:
        if self.installed:
            sys.excepthook = self._previous_sys
            threading.excepthook = self._previous_thread
            self.installed = False

    def sys_hook(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):  # Ctrl+C in a terminal: as Python does
            self._previous_sys(kind, error, trace)
            return
        self._handle("unhandled exception", (kind, error, trace))

    def thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, SystemExit):  # threading's own rule: not an error
            return
        error = args.exc_value if args.exc_value is not None else args.exc_type()
        name = args.thread.name if args.thread is not None else "?"
        self._handle(
            f"unhandled exception in thread {name}", (args.exc_type, error, args.exc_traceback)
        )

    def _handle(self, what: str, info: ExcInfo) -> None:
        try:
            log.critical(what, exc_info=info)
            self._relay.raised.emit(info[1])
        except BaseException:  # the app is going away: Python's own report, at least
            sys.__excepthook__(*info)


def install_excepthooks(app: QApplication) -> ExceptHooks:
    """Send every unhandled exception, on any thread, to the log and the dialog."""
    hooks = ExceptHooks(app)
    hooks.install()
    return hooks
