"""``ProfilePage`` ("Profil"): the participant's data, the certificate, verifying any
certificate file, the devices, and "Keluar" (DESIGN §4, issue 17).

One column in a scroll area, at most ``CONTENT_WIDTH`` wide, in sections:

1. Data peserta: name, NIP (grouped), agency, from the session.
2. Sertifikat. When ``session.certificate()`` is a GENUINE ``Verification``: its number,
   issue date, final score (large) and predicate, from the signed record, and "Download
   Sertifikat": a save dialog (``QFileDialog.getSaveFileName``; the Documents folder,
   ``Sertifikat-Latsar-<NIP>.pdf``), then ``session.save_certificate(path, language)`` on
   the runner, then a line naming where it was saved with "Buka sertifikat"
   (``QDesktopServices.openUrl``). Otherwise there is no certificate button at all: a
   certificate received but not genuine (revoked, an unknown key, altered) says why
   (its ``message()``); none received: the certificate's conditions from
   ``session.beranda()`` (met or not, what is missing) and, once passed, the expected
   issue day ("sekitar 21 Desember 2026").
3. Verifikasi sertifikat: "Verifikasi sertifikat…" opens any PDF
   (``QFileDialog.getOpenFileName``) and runs ``session.check_certificate(path)`` on the
   runner; the result panel, under the button (which never moves: the focus of the
   disabled button waits on the scroll area, and the panel is scrolled into view only
   when it is out of it, never past the button), says the verdict in a word or two,
   large, in its colour (the ``verdict`` style property), then the core's one sentence
   (``check.message()``, which for a record that is genuine but whose page this version
   cannot redraw holds the details to compare; for a key this computer does not know,
   the page's own sentence: not this training's certificate or a key not received yet,
   and "sync first" only while the profile has never synced), then the server's answer
   in words (genuine, unknown, revoked on a day; only about the file's code when the
   file's signature does not hold) or that it could not be asked (the revocation of
   someone else's certificate is known only there).
4. Perangkat: ``session.devices(cancel)`` on the runner: each device's name, when it was
   registered and last synced, "Perangkat ini" for this one, "Cabut" for the others. The
   confirmation (a ``QMessageBox`` opened with ``open()``: ``revoke_dialog`` while open)
   says the device's tokens stop working and its unsynced work is lost; then
   ``session.revoke_device(id, cancel)`` and the list is read again. Without a
   connection a calm line says the list needs one, with "Coba lagi".
5. Keluar: the hint and the button (``sign_out_requested``).

``refresh()`` reads the certificate and Beranda's conditions off the GUI thread (a
``CoalescedRead``) and asks the server for the devices (one request at a time). The
page decides nothing: which verdict, which conditions, the expected date and the
devices are the core's; the page maps them to texts. While work runs, its line says so
in place and its button is disabled; a section's parts appear when its read arrives.
``retranslate()`` re-says every text, the data shown included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.certificate.verify import Verdict, Verification
from latsar_desktop.domain.identity import group_nip
from latsar_desktop.domain.protocol import VerifyStatus
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.beranda import Beranda, ConditionKind, NextStep
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.errors import LINK_DOWN_KINDS, SyncError
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.home import MET, NOT_MET, condition_texts
from latsar_desktop.ui.style import set_flag, set_property, set_role
from latsar_desktop.ui.tasks import CoalescedRead, Progress, TaskRunner, session_read
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, documents_folder, label, rule, scrolled_column

if TYPE_CHECKING:
    from latsar_desktop.domain.protocol import DeviceInfo
    from latsar_desktop.session.verify import CertificateCheck

__all__ = ["CONTENT_WIDTH", "VERDICTS", "DeviceRow", "ProfilePage", "ProfileRead"]

log = logging.getLogger(__name__)
CONTENT_WIDTH = 820  # one column: a line of text stays readable on a wide screen
PDF_SUFFIX = ".pdf"
IN_VIEW_MARGIN = 12  # px kept between a part scrolled into view and the view's edge

# the verdict's word or two, large; its colour is the style's, by the same name
VERDICTS: dict[Verdict, Label] = {
    Verdict.GENUINE: Label.PROFILE_VERDICT_GENUINE,
    Verdict.RECORD_GENUINE: Label.PROFILE_VERDICT_RECORD_GENUINE,
    Verdict.ALTERED: Label.PROFILE_VERDICT_ALTERED,
    Verdict.UNKNOWN_KEY: Label.PROFILE_VERDICT_UNKNOWN_KEY,
    Verdict.REVOKED: Label.PROFILE_VERDICT_REVOKED,
    Verdict.NOT_A_CERTIFICATE: Label.PROFILE_VERDICT_NOT_A_CERTIFICATE,
}


@dataclass(frozen=True)
class ProfileRead:
    """One read of what the certificate section shows."""

    certificate: Verification | None
    beranda: Beranda


@dataclass
class DeviceRow:
    """One device's line: its name, when it was registered and synced, and "Cabut"
    (None for this device: "Perangkat ini" instead)."""

    device: DeviceInfo
    name: QLabel
    detail: QLabel
    this: QLabel | None
    revoke: QPushButton | None


class ProfilePage(QWidget):
    """Profil for one session; see the module docstring."""

    sign_out_requested = Signal()
    certificate_saved = Signal(object)  # the Path written
    checked = Signal(object)  # a CertificateCheck shown
    devices_loaded = Signal()

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.snapshot: ProfileRead | None = None  # the last read applied
        self.devices: list[DeviceInfo] | None = None  # the last list read, None: none yet
        self.device_rows: list[DeviceRow] = []
        self.devices_problem: BaseException | None = None  # the last list's failure
        self.devices_busy = False
        self.revoking: DeviceInfo | None = None
        self.revoke_dialog: QMessageBox | None = None
        self.revoke_button: QPushButton | None = None  # the dialog's "Cabut" while open
        self.saving = False
        self.saved_path: Path | None = None
        self.verifying: Path | None = None
        self.check: CertificateCheck | None = None
        self.checked_path: Path | None = None
        self.check_synced = True  # the profile had synced once when the file was checked
        self._focus_back: QPushButton | None = None  # the disabled button that had focus
        self.condition_rows: list[tuple[QLabel, QLabel, QLabel]] = []
        self._condition_widgets: list[QWidget] = []  # the rows holding them
        self._reader: CoalescedRead[ProfileRead | None] = session_read(
            runner, session, self._read, self._loaded, name="profile.refresh", parent=self
        )
        self._build()
        self.retranslate()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.scroll_area, column = scrolled_column(self, CONTENT_WIDTH)
        self._build_data(column)
        self._build_certificate(column)
        self._build_verify(column)
        self._build_devices(column)
        self._build_sign_out(column)
        column.addStretch(1)

    @staticmethod
    def _section(column: QVBoxLayout, *, first: bool = False) -> tuple[QLabel, QLabel | None]:
        """A section's small title (and its one sentence, unless ``first``), after a line."""
        if not first:
            column.addSpacing(14)
            column.addWidget(rule())
            column.addSpacing(10)
        title = label("", "subtitle")
        column.addWidget(title)
        if first:
            return title, None
        intro = label("", "muted", wrap=True)
        column.addWidget(intro)
        column.addSpacing(6)
        return title, intro

    def _build_data(self, column: QVBoxLayout) -> None:
        self.data_title, _ = self._section(column, first=True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        self.data_keys = [label("", "muted") for _ in range(3)]
        self.data_values = [label("", "field", wrap=True) for _ in range(3)]
        self.name_value, self.nip_value, self.agency_value = self.data_values
        for index, (key, value) in enumerate(zip(self.data_keys, self.data_values, strict=True)):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(key, index, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, index, 1)
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)

    def _build_certificate(self, column: QVBoxLayout) -> None:
        self.certificate_title, self.certificate_intro = self._section(column)
        # issued and genuine: the record's details, the score large, the button
        self.ready_box = QWidget()
        ready = QVBoxLayout(self.ready_box)
        ready.setContentsMargins(0, 0, 0, 0)
        ready.setSpacing(8)
        figures = QGridLayout()
        figures.setHorizontalSpacing(32)
        figures.setVerticalSpacing(0)
        self.score_key = label("", "muted")
        self.score_value = label("", "big")
        self.predicate_value = label("", "field", wrap=True)
        figures.addWidget(self.score_key, 0, 0)
        figures.addWidget(self.score_value, 1, 0)
        figures.addWidget(self.predicate_value, 2, 0)
        self.record_keys = [label("", "muted") for _ in range(2)]
        self.record_values = [label("", "field", wrap=True) for _ in range(2)]
        self.number_value, self.issued_value = self.record_values
        details = QGridLayout()
        details.setHorizontalSpacing(24)
        details.setVerticalSpacing(6)
        for index, (key, value) in enumerate(
            zip(self.record_keys, self.record_values, strict=True)
        ):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            details.addWidget(key, index, 0, Qt.AlignmentFlag.AlignTop)
            details.addWidget(value, index, 1)
        details.setColumnStretch(1, 1)
        details.setRowStretch(2, 1)
        figures.addLayout(details, 0, 1, 3, 1)
        figures.setColumnStretch(1, 1)
        ready.addLayout(figures)
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        self.download_button = Button("", "primary")
        self.download_button.clicked.connect(self.download)
        self.open_button = Button("")
        self.open_button.clicked.connect(self.open_saved)
        self.open_button.setVisible(False)
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        ready.addSpacing(4)
        ready.addLayout(buttons)
        self.save_note = label("", "muted", wrap=True)
        self.save_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ready.addWidget(self.save_note)
        column.addWidget(self.ready_box)

        # not issued yet: the conditions, and the expected day once passed
        self.pending_box = QWidget()
        pending = QVBoxLayout(self.pending_box)
        pending.setContentsMargins(0, 0, 0, 0)
        pending.setSpacing(8)
        self.expected = label("", "notice", wrap=True)
        pending.addWidget(self.expected)
        self.conditions_box = QVBoxLayout()
        self.conditions_box.setSpacing(2)
        pending.addLayout(self.conditions_box)
        column.addWidget(self.pending_box)

        # received but not genuine: why, and what to do
        self.problem = label("", "error", wrap=True)
        column.addWidget(self.problem)
        self.certificate_loading = label("", "muted")
        column.addWidget(self.certificate_loading)
        for part in (self.ready_box, self.pending_box, self.problem):
            part.setVisible(False)  # until the first read says which

    def _build_verify(self, column: QVBoxLayout) -> None:
        self.verify_title, self.verify_intro = self._section(column)
        self.verify_button = Button("")
        self.verify_button.clicked.connect(self.verify)
        # "Memeriksa …" beside the button, on its line: nothing moves while it runs
        self.verify_status = label("", "muted", wrap=True)
        self.verify_status.setVisible(False)
        line = QHBoxLayout()
        line.setSpacing(16)
        # both at the line's top: a status that wraps grows the line downwards only
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        line.addWidget(self.verify_button, 0, left)  # its own width, the line's rest empty
        line.addWidget(self.verify_status, 1, Qt.AlignmentFlag.AlignTop)
        column.addLayout(line)
        self.verdict_panel = QFrame()
        set_role(self.verdict_panel, "panel")
        panel = QVBoxLayout(self.verdict_panel)
        panel.setContentsMargins(20, 14, 20, 16)
        panel.setSpacing(6)
        self.verdict_title = label("", "verdict", wrap=True)
        self.verdict_text = label("", None, wrap=True)
        self.verdict_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_online = label("", "muted", wrap=True)
        self.verdict_file = label("", "muted", wrap=True)
        for part in (self.verdict_title, self.verdict_text, self.verdict_online):
            panel.addWidget(part)
        panel.addWidget(self.verdict_file)
        self.verdict_panel.setVisible(False)
        column.addSpacing(4)
        column.addWidget(self.verdict_panel)

    def _build_devices(self, column: QVBoxLayout) -> None:
        self.devices_title, self.devices_intro = self._section(column)
        self.devices_grid = QGridLayout()
        self.devices_grid.setHorizontalSpacing(16)
        self.devices_grid.setVerticalSpacing(2)
        self.devices_grid.setColumnStretch(0, 1)
        column.addLayout(self.devices_grid)
        note = QHBoxLayout()
        note.setSpacing(12)
        self.devices_note = label("", "muted", wrap=True)
        self.retry_button = Button("", "link")
        self.retry_button.clicked.connect(self.refresh_devices)
        self.retry_button.setVisible(False)
        note.addWidget(self.devices_note, 1)
        note.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(note)

    def _build_sign_out(self, column: QVBoxLayout) -> None:
        column.addSpacing(14)
        column.addWidget(rule())
        column.addSpacing(4)
        self.sign_out_hint = label("", "muted", wrap=True)
        column.addWidget(self.sign_out_hint)
        self.sign_out_button = Button("")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        column.addWidget(self.sign_out_button, 0, Qt.AlignmentFlag.AlignLeft)

    # ------------------------------------------------------------------ texts

    def retranslate(self) -> None:
        self.data_title.setText(tr(Label.PROFILE_DATA_TITLE))
        for key, text in zip(
            self.data_keys,
            (Label.SHELL_PROFILE_NAME, Label.SIGNIN_NIP, Label.SHELL_PROFILE_AGENCY),
            strict=True,
        ):
            key.setText(tr(text))
        self.name_value.setText(self.session.name or "")
        self.nip_value.setText(group_nip(self.session.nip or ""))
        self.agency_value.setText(self.session.agency or "")

        self.certificate_title.setText(tr(Label.PROFILE_CERTIFICATE_TITLE))
        self.score_key.setText(tr(Label.PROFILE_FINAL_SCORE))
        for key, text in zip(
            self.record_keys,
            (Label.PROFILE_CERTIFICATE_NUMBER, Label.PROFILE_CERTIFICATE_ISSUED_ON),
            strict=True,
        ):
            key.setText(tr(text))
        self.download_button.setText(tr(Label.PROFILE_DOWNLOAD))
        self.open_button.setText(tr(Label.PROFILE_OPEN))
        self.certificate_loading.setText(tr(Label.PROFILE_LOADING))
        self._say_saved()
        if self.snapshot is not None:
            self._apply(self.snapshot)
        else:
            assert self.certificate_intro is not None
            self.certificate_intro.setText("")

        self.verify_title.setText(tr(Label.PROFILE_VERIFY_TITLE))
        assert self.verify_intro is not None
        self.verify_intro.setText(tr(Label.PROFILE_VERIFY_INTRO))
        self.verify_button.setText(tr(Label.PROFILE_VERIFY_BUTTON))
        self._say_verifying()
        if self.check is not None and self.checked_path is not None:
            self._show_check(self.check, self.checked_path)

        self.devices_title.setText(tr(Label.PROFILE_DEVICES_TITLE))
        assert self.devices_intro is not None
        self.devices_intro.setText(tr(Label.PROFILE_DEVICES_INTRO))
        self.retry_button.setText(tr(Label.PROFILE_DEVICES_RETRY))
        for row in self.device_rows:
            self._say_device(row)
        self._say_devices_note()

        self.sign_out_hint.setText(tr(Label.SHELL_SIGN_OUT_HINT))
        self.sign_out_button.setText(tr(Label.SHELL_SIGN_OUT))

    # ------------------------------------------------------------------ refreshing

    @property
    def busy(self) -> bool:
        """The certificate's read or the devices' request runs now."""
        return self._reader.busy or self.devices_busy

    def refresh(self) -> None:
        """Read the certificate and the conditions again, and ask for the devices."""
        self._reader.request()
        self.refresh_devices()

    def _read(self) -> ProfileRead:
        session = self.session
        return ProfileRead(session.certificate(), session.beranda())

    def _loaded(self, snapshot: ProfileRead) -> None:
        self.snapshot = snapshot
        self._apply(snapshot)

    def _apply(self, snapshot: ProfileRead) -> None:
        self.certificate_loading.setVisible(False)
        assert self.certificate_intro is not None
        verification = snapshot.certificate
        genuine = verification is not None and verification.genuine
        self.ready_box.setVisible(genuine)
        self.pending_box.setVisible(verification is None)
        self.problem.setVisible(verification is not None and not genuine)
        if verification is None:
            self.certificate_intro.setText(tr(Label.PROFILE_CERTIFICATE_NOT_YET))
            self._apply_pending(snapshot.beranda)
        elif genuine:
            self.certificate_intro.setText(tr(Label.PROFILE_CERTIFICATE_READY))
            self._apply_ready(verification)
        else:
            self.certificate_intro.setText(tr(Label.PROFILE_CERTIFICATE_PROBLEM))
            self.problem.setText(say(verification.message()))

    def _apply_ready(self, verification: Verification) -> None:
        record = verification.record
        assert record is not None  # a genuine verification has its record
        self.score_value.setText(i18n.format_param(record.final_score, texts.language()))
        self.predicate_value.setText(record.predicate)
        self.number_value.setText(record.certificate_number)
        self.issued_value.setText(i18n.format_param(record.issued_on, texts.language()))

    def _apply_pending(self, page: Beranda) -> None:
        expected = page.progress.expected_issue_at
        if page.next_step is NextStep.PASSED and expected is not None:
            day = expected.astimezone(texts.time_zone()).date()
            self.expected.setText(tr(Label.PROFILE_EXPECTED, date=day))
        elif page.next_step in (NextStep.PASSED, NextStep.PASSED_SOON):
            self.expected.setText(tr(Label.PROFILE_EXPECTED_SOON))
        else:
            self.expected.setText("")
        self.expected.setVisible(bool(self.expected.text()))
        # the certificate's own condition is this section itself: not listed again
        found = [c for c in page.conditions if c.kind is not ConditionKind.CERTIFICATE]
        while len(self.condition_rows) < len(found):
            # a row of its own per condition: the mark, then the name over the detail in a
            # box layout (a grid gave a wrapped detail a few pixels too few at 125 %)
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 6)
            line.setSpacing(10)
            mark, name, detail = label("", "check"), label("", "field", wrap=True), label("")
            set_role(detail, "muted")
            detail.setWordWrap(True)
            line.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
            text = QVBoxLayout()
            text.setContentsMargins(0, 0, 0, 0)
            text.setSpacing(2)
            text.addWidget(name)
            text.addWidget(detail)
            line.addLayout(text, 1)
            self.conditions_box.addWidget(row)
            self.condition_rows.append((mark, name, detail))
            self._condition_widgets.append(row)
        while len(self.condition_rows) > len(found):
            self.condition_rows.pop()
            row = self._condition_widgets.pop()
            self.conditions_box.removeWidget(row)
            row.deleteLater()
        for (mark, name, detail), condition in zip(self.condition_rows, found, strict=True):
            mark.setText(MET if condition.met else NOT_MET)
            set_flag(mark, "on", condition.met)
            met = Label.HOME_CONDITION_MET if condition.met else Label.HOME_CONDITION_NOT_MET
            mark.setAccessibleName(tr(met))
            name_text, detail_text = condition_texts(condition)
            name.setText(name_text)
            detail.setText(detail_text)
            detail.setVisible(bool(detail_text))

    # ------------------------------------------------------------------ the certificate

    def download(self) -> None:
        """ "Download Sertifikat": where to save it, then saved on the runner."""
        if self.saving:
            return
        # a file name, the same in every language (not a text shown on the screen)
        default = documents_folder() / f"Sertifikat-Latsar-{self.session.nip or ''}{PDF_SUFFIX}"
        chosen, _ = QFileDialog.getSaveFileName(
            self, tr(Label.PROFILE_SAVE_TITLE), str(default), tr(Label.PROFILE_PDF_FILTER)
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != PDF_SUFFIX:
            path = path.with_name(path.name + PDF_SUFFIX)
        language = texts.language()
        session = self.session
        self.saving = True
        self._disable_in_place(self.download_button)
        self._say_saved()

        def work(_cancel: CancelToken, _progress: Progress) -> Path:
            session.save_certificate(path, language)
            return path

        def done(saved: Path) -> None:
            self.saving = False
            self.saved_path = saved
            self._enable_in_place(self.download_button)
            self.open_button.setVisible(True)
            self._say_saved()
            self.certificate_saved.emit(saved)

        def failed(error: BaseException) -> None:
            self.saving = False
            self._enable_in_place(self.download_button)
            self._say_saved()
            if session.signed_in:  # else the page is going away: nothing to tell
                errors.show_error(self, error)

        self.runner.run(work, done=done, failed=failed, name="profile.save", parent=self)

    def _say_saved(self) -> None:
        if self.saving:
            self.save_note.setText(tr(Label.PROFILE_SAVING))
        elif self.saved_path is not None:
            self.save_note.setText(tr(Label.PROFILE_SAVED, path=str(self.saved_path)))
        else:
            self.save_note.setText("")
        self.save_note.setVisible(bool(self.save_note.text()))

    def open_saved(self) -> None:
        """ "Buka sertifikat": the saved PDF in the computer's own viewer."""
        if self.saved_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_path)))

    # ------------------------------------------------------------------ verifying a file

    def verify(self) -> None:
        """ "Verifikasi sertifikat…": a PDF chosen, checked on the runner, the verdict shown."""
        if self.verifying is not None:
            return
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            tr(Label.PROFILE_VERIFY_OPEN_TITLE),
            str(documents_folder()),
            tr(Label.PROFILE_PDF_FILTER),
        )
        if not chosen:
            return
        path = Path(chosen)
        session = self.session
        self.verifying = path
        self._disable_in_place(self.verify_button)
        self._say_verifying()

        def work(cancel: CancelToken, _progress: Progress) -> tuple[CertificateCheck, bool]:
            check = session.check_certificate(path, cancel)
            return check, session.sync_status().last_sync_at is not None

        def done(result: tuple[CertificateCheck, bool]) -> None:
            check, synced = result
            self.verifying = None
            self._enable_in_place(self.verify_button)
            self._say_verifying()
            self.check, self.checked_path, self.check_synced = check, path, synced
            self._show_check(check, path)
            self._scroll_into_view(self.verdict_panel, below=self.verify_button)
            self.checked.emit(check)

        def failed(error: BaseException) -> None:
            self.verifying = None
            self._enable_in_place(self.verify_button)
            self._say_verifying()
            if session.signed_in:  # else the page is going away: nothing to tell
                errors.show_error(self, error)

        self.runner.run(work, done=done, failed=failed, name="profile.verify", parent=self)

    def _say_verifying(self) -> None:
        running = self.verifying
        self.verify_status.setText(
            tr(Label.PROFILE_VERIFY_RUNNING, file=running.name) if running is not None else ""
        )
        self.verify_status.setVisible(running is not None)

    def _show_check(self, check: CertificateCheck, path: Path) -> None:
        verdict = check.verdict
        self.verdict_title.setText(tr(VERDICTS[verdict]))
        set_property(self.verdict_title, "verdict", verdict.value)
        self.verdict_text.setText(self._verdict_sentence(check))
        self.verdict_online.setText(self._server_sentence(check))
        self.verdict_online.setVisible(bool(self.verdict_online.text()))
        self.verdict_file.setText(tr(Label.PROFILE_VERIFY_FILE, file=str(path)))
        self.verdict_panel.setVisible(True)

    def _verdict_sentence(self, check: CertificateCheck) -> str:
        """The core's sentence, but for a key this computer does not know the page's own:
        the core's always says "sync first", which helps only a profile never synced."""
        record = check.local.record
        if check.local.verdict is not Verdict.UNKNOWN_KEY:
            return say(check.message())
        text = Label.PROFILE_UNKNOWN_KEY if self.check_synced else Label.PROFILE_UNKNOWN_KEY_SYNC
        return tr(text, key_id=record.key_id if record is not None else "-")

    @staticmethod
    def _server_sentence(check: CertificateCheck) -> str:
        """What the server answered about the file's verification code, in words; that it
        could not be asked; or nothing (no record, so nothing to ask)."""
        online = check.online
        if online is None:
            return tr(Label.PROFILE_VERIFY_OFFLINE) if check.online_problem is not None else ""
        if online.status is VerifyStatus.UNKNOWN:
            return tr(Label.PROFILE_SERVER_UNKNOWN)
        number, name = online.certificate_number or "-", online.name or "-"
        if online.status is VerifyStatus.REVOKED:
            when = online.revoked_at
            day = when.astimezone(texts.time_zone()).date() if when is not None else "-"
            said = tr(Label.PROFILE_SERVER_REVOKED, number=number, name=name, date=day)
        else:
            said = tr(Label.PROFILE_SERVER_GENUINE, number=number, name=name)
        if check.verdict in (Verdict.ALTERED, Verdict.UNKNOWN_KEY):
            # the file is not the certificate its code names: the answer vouches for nothing
            said = f"{said} {tr(Label.PROFILE_SERVER_ONLY_CODE)}"
        return said

    # ------------------------------------------------------------------ staying in place

    def _disable_in_place(self, button: QPushButton) -> None:
        """Disable ``button`` while its work runs, the page staying where it is: Qt hands
        a disabled button's focus to the next widget, and the scroll area scrolls to show
        it (the button then leaves the mouse). The focus waits on the scroll area instead
        and goes back to the button in ``_enable_in_place``."""
        if button.hasFocus():
            self.scroll_area.setFocus(Qt.FocusReason.OtherFocusReason)
            self._focus_back = button
        button.setEnabled(False)

    def _enable_in_place(self, button: QPushButton) -> None:
        button.setEnabled(True)
        if self._focus_back is button:
            self._focus_back = None
            if self.scroll_area.hasFocus():  # not moved elsewhere meanwhile
                button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _scroll_into_view(self, part: QWidget, *, below: QWidget) -> None:
        """Scroll ``part`` into view only when its end is out of it, by as little as
        shows it, and never so far that ``below`` (what it sits under) leaves the view."""
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # its place now
        inside, bar = self.scroll_area.widget(), self.scroll_area.verticalScrollBar()
        assert inside is not None  # the column, set once built
        end = part.mapTo(inside, QPoint(0, part.height())).y() + IN_VIEW_MARGIN
        shown_to = bar.value() + self.scroll_area.viewport().height()
        if end <= shown_to:
            return  # in view: nothing moves
        top = below.mapTo(inside, QPoint(0, 0)).y() - IN_VIEW_MARGIN
        bar.setValue(max(bar.value(), min(end - self.scroll_area.viewport().height(), top)))

    # ------------------------------------------------------------------ the devices

    def refresh_devices(self) -> None:
        """Ask the server for this participant's devices (one request at a time)."""
        if self.devices_busy or not self.session.signed_in:
            return
        session = self.session
        self.devices_busy = True
        self.retry_button.setEnabled(False)
        self._say_devices_note()

        def work(cancel: CancelToken, _progress: Progress) -> list[DeviceInfo]:
            return session.devices(cancel)

        def done(devices: list[DeviceInfo]) -> None:
            self.devices_busy = False
            self.devices_problem = None
            self.devices = list(devices)
            self._show_devices(self.devices)
            self._say_devices_note()
            self.devices_loaded.emit()

        def failed(error: BaseException) -> None:
            self.devices_busy = False
            if not session.signed_in:
                return
            self.devices_problem = error
            self._say_devices_note()
            self.devices_loaded.emit()

        self.runner.run(work, done=done, failed=failed, name="profile.devices", parent=self)

    def _say_devices_note(self) -> None:
        problem = self.devices_problem
        if self.revoking is not None:
            text = tr(Label.PROFILE_REVOKING, name=self.revoking.name)
        elif self.devices_busy and self.devices is None:
            text = tr(Label.PROFILE_DEVICES_LOADING)
        elif problem is not None:
            link_down = isinstance(problem, SyncError) and problem.kind in LINK_DOWN_KINDS
            text = tr(Label.PROFILE_DEVICES_OFFLINE) if link_down else errors.error_text(problem)
        else:
            text = ""
        self.devices_note.setText(text)
        self.devices_note.setVisible(bool(text))
        self.retry_button.setVisible(problem is not None and self.revoking is None)
        self.retry_button.setEnabled(not self.devices_busy)

    def _show_devices(self, devices: list[DeviceInfo]) -> None:
        for row in self.device_rows:
            for part in (row.name, row.detail, row.this, row.revoke):
                if part is not None:
                    self.devices_grid.removeWidget(part)
                    part.deleteLater()
        self.device_rows = []
        for index, device in enumerate(devices):
            name = label("", "field", wrap=True)
            detail = label("", "muted", wrap=True)
            detail.setContentsMargins(0, 0, 0, 8)
            this: QLabel | None = None
            revoke: Button | None = None
            if device.current:
                this = label("", "chip")
                self.devices_grid.addWidget(this, index * 2, 1, Qt.AlignmentFlag.AlignRight)
            else:
                revoke = Button("")
                revoke.clicked.connect(lambda _=False, d=device: self.ask_revoke(d))
                revoke.setEnabled(self.revoking is None)
                self.devices_grid.addWidget(revoke, index * 2, 1, Qt.AlignmentFlag.AlignRight)
            self.devices_grid.addWidget(name, index * 2, 0)
            self.devices_grid.addWidget(detail, index * 2 + 1, 0, 1, 2)
            row = DeviceRow(device, name, detail, this, revoke)
            self._say_device(row)
            self.device_rows.append(row)
        # Tab: the devices' "Cabut" (made after "Coba lagi" and "Keluar", so last in the
        # focus chain) come before those two, in the page's order
        revokes = [row.revoke for row in self.device_rows if row.revoke is not None]
        if revokes:
            QWidget.setTabOrder(revokes[-1], self.retry_button)
            QWidget.setTabOrder(self.retry_button, self.sign_out_button)

    def _say_device(self, row: DeviceRow) -> None:
        device = row.device
        row.name.setText(device.name)
        if device.last_sync_at is not None:
            row.detail.setText(
                tr(
                    Label.PROFILE_DEVICE_SEEN,
                    registered=device.registered_at,
                    last=device.last_sync_at,
                )
            )
        else:
            row.detail.setText(
                tr(Label.PROFILE_DEVICE_NEVER_SYNCED, registered=device.registered_at)
            )
        if row.this is not None:
            row.this.setText(tr(Label.PROFILE_DEVICE_THIS))
        if row.revoke is not None:
            row.revoke.setText(tr(Label.PROFILE_REVOKE))
            row.revoke.setAccessibleName(tr(Label.PROFILE_REVOKE_NAMED, name=device.name))

    def ask_revoke(self, device: DeviceInfo) -> None:
        """ "Cabut": the confirmation first (``revoke_dialog`` while it is open)."""
        if self.revoke_dialog is not None or self.revoking is not None:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr(Label.PROFILE_REVOKE_TITLE))
        box.setText(tr(Label.PROFILE_REVOKE_QUESTION, name=device.name))
        box.setInformativeText(tr(Label.PROFILE_REVOKE_EXPLAIN))
        revoke = box.addButton(tr(Label.PROFILE_REVOKE), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(tr(Label.CANCEL), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        self.revoke_button = revoke  # the dialog's "Cabut", for tests

        def finished(_: int) -> None:
            chosen = box.clickedButton() is revoke
            self.revoke_dialog = self.revoke_button = None
            box.deleteLater()
            if chosen:
                self._revoke(device)

        box.finished.connect(finished)
        self.revoke_dialog = box
        box.open()

    def _revoke(self, device: DeviceInfo) -> None:
        session = self.session
        self.revoking = device
        for row in self.device_rows:
            if row.revoke is not None:
                row.revoke.setEnabled(False)
        self._say_devices_note()

        def work(cancel: CancelToken, _progress: Progress) -> None:
            session.revoke_device(device.device_id, cancel)

        def ended() -> None:
            self.revoking = None
            for row in self.device_rows:
                if row.revoke is not None:
                    row.revoke.setEnabled(True)
            self._say_devices_note()
            self.refresh_devices()

        def failed(error: BaseException) -> None:
            ended()
            if session.signed_in:
                errors.show_error(self, error)

        self.runner.run(
            work, done=lambda _: ended(), failed=failed, name="profile.revoke", parent=self
        )
