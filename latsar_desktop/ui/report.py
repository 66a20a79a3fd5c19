"""The window's "Bantuan → Buat laporan…": the diagnostic report, made off the GUI thread.

``ReportAction.action`` sits in the main window's "Bantuan" menu (the menu bar is there
on every screen, the sign-in included: a participant who cannot sign in needs it most;
Alt+B opens it). Choosing it runs ``latsar_desktop.diagnostics.write_report`` on the
``TaskRunner`` (the data directory, and the Qt runtime's version, which only the UI may
ask). While it runs the action is disabled; after ``BUSY_AFTER_MS`` a small busy dialog
says a report is being made (a quick report shows none). Then the report's folder is
opened with ``opener`` (``QDesktopServices.openUrl``; tests pass their own) and a message
gives the file's path and says what the report leaves out; or a failure is told with its
reason (the disk full, the folder not writable). Both dialogs are opened with ``open()``,
never ``exec()``, and are kept as ``result_dialog`` for tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import PySide6
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, qVersion
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import tr
from latsar_desktop.ui.widgets import open_in_place

log = logging.getLogger(__name__)

BUSY_AFTER_MS = 300  # a report quicker than this shows no busy dialog
UrlOpener = Callable[[QUrl], Any]


class ReportAction(QObject):
    """ "Buat laporan…" for the window ``parent``; the report goes to ``data_dir/reports``."""

    def __init__(
        self,
        data_dir: Path,
        runner: TaskRunner,
        parent: QWidget,
        opener: UrlOpener = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.window = parent
        self.data_dir = data_dir
        self.runner = runner
        self.opener = opener
        self.action = QAction(parent)
        self.action.triggered.connect(self.make)
        self.busy_dialog: QProgressDialog | None = None
        self.result_dialog: QMessageBox | None = None
        self.last_report: Path | None = None
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        self.retranslate()

    def retranslate(self) -> None:
        self.action.setText(tr(Label.HELP_REPORT))

    @property
    def running(self) -> bool:
        return not self.action.isEnabled()

    def make(self) -> None:
        """Write the report off the GUI thread (once at a time)."""
        if self.running:
            return
        self.action.setEnabled(False)
        self._busy_timer.start()
        data_dir = self.data_dir
        versions = {"qt": qVersion(), "pyside6": PySide6.__version__}

        def work(_cancel: object, _progress: object) -> Path:
            from latsar_desktop import diagnostics

            return diagnostics.write_report(data_dir, extra_versions=versions)

        self.runner.run(
            work, done=self._done, failed=self._failed, name="diagnostic report", parent=self.window
        )

    # ------------------------------------------------------------------ the outcome

    def _show_busy(self) -> None:
        dialog = self.busy_dialog = QProgressDialog(self.window)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setWindowTitle(tr(Label.APP_TITLE_ON, screen=tr(Label.HELP_REPORT_TITLE)))
        dialog.setLabelText(tr(Label.HELP_REPORT_BUSY))
        dialog.setRange(0, 0)  # busy: no percentage to tell
        dialog.setCancelButton(None)  # None: no cancel button
        dialog.setMinimumDuration(0)
        dialog.show()

    def _end_busy(self) -> None:
        self._busy_timer.stop()
        dialog, self.busy_dialog = self.busy_dialog, None
        if dialog is not None:
            dialog.reset()
            dialog.close()
            dialog.deleteLater()
        self.action.setEnabled(True)

    def _done(self, path: Path) -> None:
        self._end_busy()
        self.last_report = path
        opened = self.opener(QUrl.fromLocalFile(str(path.parent)))
        if opened is False:
            log.info("the report's folder could not be opened: %s", path.parent)
        self._tell(QMessageBox.Icon.Information, tr(Label.HELP_REPORT_DONE, path=str(path)))

    def _failed(self, error: BaseException) -> None:
        self._end_busy()
        log.error("diagnostic report not written", exc_info=error)
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        self._tell(QMessageBox.Icon.Warning, tr(Label.HELP_REPORT_FAILED, reason=reason))

    def _tell(self, icon: QMessageBox.Icon, text: str) -> None:
        dialog = QMessageBox(self.window)
        dialog.setIcon(icon)
        dialog.setWindowTitle(tr(Label.APP_TITLE_ON, screen=tr(Label.HELP_REPORT_TITLE)))
        dialog.setText(text)
        dialog.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        dialog.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.result_dialog = open_in_place(self.result_dialog, dialog, self._forget_result)

    def _forget_result(self, dialog: QMessageBox) -> None:
        if self.result_dialog is dialog:
            self.result_dialog = None
