"""``SettingsPage`` ("Pengaturan"): the connection, the time zone, the language, Hemat
data, the storage used and the log folder.

Sections, each with a small title, in a scroll area (the page is taller than the window
at 1366×768):

1. Koneksi: the server address, the HTTP proxy's address, user and password (the
   password field shows nothing of a stored one: left empty it is kept; "Hapus kata
   sandi" removes it at the next "Simpan"). "Simpan" calls
   ``session.set_connection_settings`` on the runner; a refusal shows under its field
   (``SessionError.field_messages("server_url"|"proxy_url"|"proxy_user")``), the rest
   beside "Simpan", where a calm "Tersimpan" confirms a save (``connection_saved``: the
   window syncs at once, through the new settings). The proxy user
   and password are kept for this profile only (sealed like the tokens): a note says so.
2. Zona waktu: automatic (the computer's zone, named) or WIB, WITA, WIT; kept in
   machine.db (``texts.keep_time_zone``); a line shows the time now in the zone chosen.
   ``display_changed`` tells the window to re-say its times.
3. Bahasa: Bahasa Indonesia or English (each named in its own language); kept
   (``texts.keep_language``); ``language_changed(code)`` tells the window to retranslate.
4. Hemat data: a checkbox (machine.db's ``HEMAT_DATA``) and what it does.
5. Penyimpanan: the bytes the course's materials take on this computer (large), the free
   space, the log folder (a selectable path and "Buka folder"), then the list per
   material (last on the page: it is the only part that appears after the first read).

``refresh()`` reads the session's and machine.db's values on the runner
(``tasks.session_read``: a refresh asked while one runs is run once after it, not
queued) and shows them; the fields the participant is editing are not overwritten, nor
a choice (zone, Hemat data) made after the read began: each choice has a version, and a
value read under an older one is not put back. ``retranslate()`` re-says every text. The
three choices (zone, language, Hemat data) are one short machine.db write each, on the
GUI thread as the sign-in's language choice is. The folder is opened by ``open_url``
(``QDesktopServices.openUrl``; tests pass their own).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Message
from latsar_desktop.i18n.labels import Label
from latsar_desktop.locations import log_dir
from latsar_desktop.session.participant import (
    ConnectionSettings,
    ParticipantSession,
    SessionError,
    StorageSummary,
)
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.downloader import HEMAT_DATA
from latsar_desktop.ui import texts
from latsar_desktop.ui.errors import show_error
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import Task, TaskRunner, session_read
from latsar_desktop.ui.texts import say_all, tr
from latsar_desktop.ui.widgets import (
    Button,
    field_error,
    fill_language_combo,
    keep_language_chosen,
    label,
    rule,
    scrolled_column,
)

__all__ = ["SettingsPage"]

log = logging.getLogger(__name__)

CONTENT_WIDTH = 720  # the form's widest: fields a glance can take in, on any screen
FIELD_ERROR_LINES = 2  # kept under the server and proxy fields for their messages
CLOCK_TICK_MS = 15_000  # "Waktu sekarang" follows the clock while the page shows
# automatic, then each of texts.TIME_ZONES by its label (``SETTINGS_WIB`` for "WIB")
ZONE_CHOICES: tuple[tuple[str, Label], ...] = (
    (texts.AUTO_TIME_ZONE, Label.SETTINGS_TIME_ZONE_AUTO),
    *((name, Label[f"SETTINGS_{short}"]) for name, short in texts.TIME_ZONES.items()),
)
UrlOpener = Callable[[QUrl], bool]
KEEP_LINE = "\u00a0"  # a line's text until its value is read: the line keeps its height


@dataclass(frozen=True)
class SettingsData:
    """What one refresh read (off the GUI thread)."""

    connection: ConnectionSettings
    storage: StorageSummary
    data_saver: bool
    time_zone: str  # TIME_ZONE_SETTING's value: "auto" or a name of texts.TIME_ZONES
    log_folder: Path
    now: datetime  # the session's clock when read
    read_at: float  # time.monotonic() then: "Waktu sekarang" goes on from it
    # each choice's version (``SettingsPage._choices``) when read: a value the
    # participant changed since is not put back
    versions: dict[str, int]


class SettingsPage(QWidget):
    """The settings page; see the module docstring. ``display_changed`` after the time
    zone changed (times are to be re-said); ``language_changed(code)`` after the
    language changed (already set and kept: the window retranslates the rest)."""

    display_changed = Signal()
    language_changed = Signal(str)
    connection_saved = Signal()  # the window syncs at once, through the new settings

    def __init__(
        self,
        session: ParticipantSession,
        runner: TaskRunner,
        machine: MachineStore,
        parent: QWidget | None = None,
        *,
        open_url: UrlOpener = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.machine = machine
        self.open_url = open_url
        self.data: SettingsData | None = None  # the last refresh's
        # how many times each choice was made here: a read begun before it is stale
        self._choices = {HEMAT_DATA: 0, texts.TIME_ZONE_SETTING: 0}
        # after a sign-out the page is going away: nothing read is shown
        self._reader = session_read(
            runner, session, self._read, self._show, name="settings.refresh", parent=self
        )
        self._save_task: Task[ConnectionSettings] | None = None
        self._edited = False  # the connection fields hold what the participant typed
        self._remove_password = False  # "Hapus kata sandi" pressed since the last save
        self._server_messages: tuple[Message, ...] = ()
        self._proxy_messages: tuple[Message, ...] = ()
        self._user_messages: tuple[Message, ...] = ()
        # beside "Simpan": a Label (saving, saved) or the refusal's messages
        self._save_note: Label | tuple[Message, ...] | None = None
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_TICK_MS)
        self._clock.timeout.connect(self._say_now)
        self._build()
        self.retranslate()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.scroll_area, column = scrolled_column(self, CONTENT_WIDTH)
        self._build_connection(column)
        self._build_time_zone(column)
        self._build_language(column)
        self._build_data_saver(column)
        self._build_storage(column)
        column.addStretch(1)

    def _section(self, column: QVBoxLayout, *, first: bool = False) -> tuple[QLabel, QLabel]:
        """A section's small title and its one sentence, after a thin line."""
        if not first:
            column.addSpacing(14)
            column.addWidget(rule())
            column.addSpacing(10)
        title = label("", "subtitle")
        intro = label("", "muted", wrap=True)
        column.addWidget(title)
        column.addWidget(intro)
        column.addSpacing(6)
        return title, intro

    def _build_connection(self, column: QVBoxLayout) -> None:
        self.connection_title, self.connection_intro = self._section(column, first=True)
        form = QVBoxLayout()
        form.setSpacing(4)
        self.server_label = label("", "field")
        self.server_edit = QLineEdit()
        self.server_error = field_error(FIELD_ERROR_LINES)
        self.proxy_label = label("", "field")
        self.proxy_edit = QLineEdit()
        self.proxy_error = field_error(FIELD_ERROR_LINES)
        self.proxy_user_label = label("", "field")
        self.proxy_user_edit = QLineEdit()
        self.proxy_user_error = field_error(FIELD_ERROR_LINES)
        self.proxy_password_label = label("", "field")
        self.proxy_password_edit = QLineEdit()
        self.proxy_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.proxy_password_edit.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData)
        self.remove_password = Button("", "link")
        self.remove_password.clicked.connect(self._mark_password_removed)
        password = QHBoxLayout()  # "Hapus kata sandi" beside the field it empties
        password.setSpacing(8)
        password.addWidget(self.proxy_password_edit, 1)
        password.addWidget(self.remove_password)
        policy = self.remove_password.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # a password kept or not: nothing moves
        self.remove_password.setSizePolicy(policy)
        parts: list[QWidget | QHBoxLayout] = [
            self.server_label,
            self.server_edit,
            self.server_error,
            self.proxy_label,
            self.proxy_edit,
            self.proxy_error,
            self.proxy_user_label,
            self.proxy_user_edit,
            self.proxy_user_error,  # also a password without a user
            self.proxy_password_label,
            password,
        ]
        for part in parts:
            if isinstance(part, QHBoxLayout):
                form.addLayout(part)
            else:
                form.addWidget(part)
        for name, edit in (
            (self.server_label, self.server_edit),
            (self.proxy_label, self.proxy_edit),
            (self.proxy_user_label, self.proxy_user_edit),
            (self.proxy_password_label, self.proxy_password_edit),
        ):
            name.setBuddy(edit)
            edit.textEdited.connect(lambda _=None, e=edit: self._edited_field(e))
            edit.returnPressed.connect(self.save)
        column.addLayout(form)
        column.addSpacing(6)
        self.proxy_note = label("", "muted", wrap=True)
        column.addWidget(self.proxy_note)
        column.addSpacing(8)
        save_row = QHBoxLayout()
        save_row.setSpacing(16)
        self.save_button = Button("", "primary")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)  # until the first refresh filled the fields
        save_row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        self.save_message = label("", "muted", wrap=True)
        self.save_message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.save_message.setMinimumHeight(self.save_button.sizeHint().height())
        save_row.addWidget(self.save_message, 1)
        column.addLayout(save_row)

    def _build_time_zone(self, column: QVBoxLayout) -> None:
        self.time_zone_title, self.time_zone_intro = self._section(column)
        self.time_zone = QComboBox()
        for value, _ in ZONE_CHOICES:
            self.time_zone.addItem("", value)
        self.time_zone.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.time_zone.currentIndexChanged.connect(self._time_zone_chosen)
        column.addWidget(self.time_zone, 0, Qt.AlignmentFlag.AlignLeft)
        self.time_now = label("", "muted")
        column.addWidget(self.time_now)

    def _build_language(self, column: QVBoxLayout) -> None:
        self.language_title, self.language_intro = self._section(column)
        self.language = QComboBox()
        fill_language_combo(self.language)
        self.language.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.language.currentIndexChanged.connect(self._language_chosen)
        column.addWidget(self.language, 0, Qt.AlignmentFlag.AlignLeft)

    def _build_data_saver(self, column: QVBoxLayout) -> None:
        self.data_saver_title, self.data_saver_intro = self._section(column)
        self.data_saver = QCheckBox()
        self.data_saver.setEnabled(False)  # until the first refresh read the setting
        self.data_saver.toggled.connect(self._data_saver_chosen)
        column.addWidget(self.data_saver, 0, Qt.AlignmentFlag.AlignLeft)

    def _build_storage(self, column: QVBoxLayout) -> None:
        self.storage_title, self.storage_intro = self._section(column)
        self.storage_intro.hide()  # the numbers say it
        total = QHBoxLayout()
        total.setSpacing(10)
        self.storage_total = label("", "big")
        self.storage_caption = label("", "muted", wrap=True)
        total.addWidget(self.storage_total, 0, Qt.AlignmentFlag.AlignBottom)
        total.addWidget(self.storage_caption, 1, Qt.AlignmentFlag.AlignBottom)
        column.addLayout(total)
        self.storage_free = label("", "muted")
        column.addWidget(self.storage_free)
        column.addSpacing(12)
        self.log_label = label("", "field")
        self.log_intro = label("", "muted", wrap=True)
        column.addWidget(self.log_label)
        column.addWidget(self.log_intro)
        folder = QHBoxLayout()
        folder.setSpacing(12)
        self.log_path = label(KEEP_LINE)
        self.log_path.setWordWrap(True)
        self.log_path.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.log_path.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.log_path.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.open_folder = Button("")
        self.open_folder.setEnabled(False)  # until the folder is known
        self.open_folder.clicked.connect(self.open_log_folder)
        folder.addWidget(self.log_path, 1)
        folder.addWidget(self.open_folder, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(folder)
        self.open_message = label("", "field-error", wrap=True)
        self.open_message.hide()
        column.addWidget(self.open_message)
        column.addSpacing(12)
        self.materials_title = label("", "field")
        column.addWidget(self.materials_title)
        self.materials = QGridLayout()
        self.materials.setHorizontalSpacing(24)
        self.materials.setVerticalSpacing(6)
        self.materials.setColumnStretch(0, 1)
        column.addLayout(self.materials)
        self.material_rows: list[tuple[QLabel, QLabel]] = []

    # ------------------------------------------------------------------ texts

    def retranslate(self) -> None:
        """Every text again, in the language and time zone now chosen."""
        self.connection_title.setText(tr(Label.SETTINGS_CONNECTION))
        self.connection_intro.setText(tr(Label.SETTINGS_CONNECTION_INTRO))
        self.server_label.setText(tr(Label.SETTINGS_SERVER))
        self.server_edit.setPlaceholderText(tr(Label.SETTINGS_SERVER_HINT))
        self.server_edit.setAccessibleName(tr(Label.SETTINGS_SERVER))
        self.proxy_label.setText(tr(Label.SETTINGS_PROXY))
        self.proxy_edit.setPlaceholderText(tr(Label.SETTINGS_PROXY_HINT))
        self.proxy_edit.setAccessibleName(tr(Label.SETTINGS_PROXY))
        self.proxy_user_label.setText(tr(Label.SETTINGS_PROXY_USER))
        self.proxy_user_edit.setAccessibleName(tr(Label.SETTINGS_PROXY_USER))
        self.proxy_password_label.setText(tr(Label.SETTINGS_PROXY_PASSWORD))
        self.proxy_password_edit.setAccessibleName(tr(Label.SETTINGS_PROXY_PASSWORD))
        self.remove_password.setText(tr(Label.SETTINGS_PASSWORD_REMOVE))
        self.proxy_note.setText(tr(Label.SETTINGS_PROXY_NOTE))
        self.save_button.setText(tr(Label.SETTINGS_SAVE))
        self._say_password()
        self._say_field_errors()
        self._say_save_note()

        self.time_zone_title.setText(tr(Label.SETTINGS_TIME_ZONE))
        self.time_zone_intro.setText(tr(Label.SETTINGS_TIME_ZONE_INTRO))
        self.time_zone.setAccessibleName(tr(Label.SETTINGS_TIME_ZONE))
        computer = texts.zone_name(texts.computer_time_zone())
        for index, (_, text) in enumerate(ZONE_CHOICES):
            self.time_zone.setItemText(index, tr(text, zone=computer))
        self._say_now()

        self.language_title.setText(tr(Label.LANGUAGE))
        self.language_intro.setText(tr(Label.SETTINGS_LANGUAGE_INTRO))
        self.language.setAccessibleName(tr(Label.LANGUAGE))
        fill_language_combo(self.language)  # chosen elsewhere too (the sign-in)

        self.data_saver_title.setText(tr(Label.SETTINGS_DATA_SAVER))
        self.data_saver_intro.setText(tr(Label.SETTINGS_DATA_SAVER_INTRO))
        self.data_saver.setText(tr(Label.SETTINGS_DATA_SAVER_ON))

        self.storage_title.setText(tr(Label.SETTINGS_STORAGE))
        self.log_label.setText(tr(Label.SETTINGS_LOG))
        self.log_intro.setText(tr(Label.SETTINGS_LOG_INTRO))
        self.log_path.setAccessibleName(tr(Label.SETTINGS_LOG))
        self.open_folder.setText(tr(Label.SETTINGS_OPEN_FOLDER))
        self.open_message.setText(tr(Label.SETTINGS_OPEN_FAILED))
        self.materials_title.setText(tr(Label.SETTINGS_STORAGE_PER_MATERIAL))
        self._say_storage()

    def _say_password(self) -> None:
        data = self.data
        if self._remove_password:
            hint = tr(Label.SETTINGS_PASSWORD_TO_REMOVE)
        elif data is not None and data.connection.proxy_password_set:
            hint = tr(Label.SETTINGS_PASSWORD_KEPT)
        else:
            hint = ""
        self.proxy_password_edit.setPlaceholderText(hint)
        kept = data is not None and data.connection.proxy_password_set
        self.remove_password.setVisible(kept)
        self.remove_password.setEnabled(kept and not self._remove_password)

    def _say_field_errors(self) -> None:
        for edit, error, messages in (
            (self.server_edit, self.server_error, self._server_messages),
            (self.proxy_edit, self.proxy_error, self._proxy_messages),
            (self.proxy_user_edit, self.proxy_user_error, self._user_messages),
        ):
            error.setText(say_all(messages))
            set_flag(edit, "invalid", bool(messages))

    def _say_save_note(self) -> None:
        note = self._save_note
        if note is None:
            text, role = "", "muted"
        elif isinstance(note, Label):
            text, role = tr(note), "muted"
        else:
            text, role = say_all(note), "field-error"
        self.save_message.setText(text)
        set_role(self.save_message, role)

    def _say_now(self) -> None:
        data = self.data
        if data is None:
            self.time_now.setText(KEEP_LINE)
            return
        now = data.now + timedelta(seconds=time.monotonic() - data.read_at)
        self.time_now.setText(tr(Label.SETTINGS_TIME_NOW, time=now))

    def _say_storage(self) -> None:
        data = self.data
        if data is None:
            self.storage_total.setText(i18n.MISSING_PARAM)
            self.storage_caption.setText(tr(Label.SETTINGS_STORAGE_COUNTING))
            self.storage_free.setText(KEEP_LINE)
            self.materials_title.hide()
            return
        usage = data.storage.materials
        self.storage_total.setText(texts.size_text(sum(m.stored_bytes for m in usage)))
        self.storage_caption.setText(tr(Label.SETTINGS_STORAGE_USED))
        self.storage_free.setText(
            tr(Label.SETTINGS_STORAGE_FREE, size=texts.size_text(data.storage.free_bytes))
        )
        self.materials_title.setVisible(bool(usage))
        for (title, amount), material in zip(self.material_rows, usage, strict=True):
            title.setText(material.title)
            amount.setText(
                tr(
                    Label.SETTINGS_STORAGE_MATERIAL,
                    stored=texts.size_text(material.stored_bytes),
                    total=texts.size_text(material.total_bytes),
                )
            )

    # ------------------------------------------------------------------ reading

    def refresh(self) -> None:
        """Read the values anew on the runner and show them (a refresh asked while one
        runs is done once after it)."""
        self._reader.request()

    def _read(self) -> SettingsData:
        """The values (on the runner). Each choice's version is taken before its value:
        a choice made meanwhile leaves the value read stale, never the other way."""
        session, machine = self.session, self.machine
        versions = dict(self._choices)
        return SettingsData(
            connection=session.connection_settings(),
            storage=session.storage_summary(),
            data_saver=bool(machine.setting(HEMAT_DATA, False)),
            time_zone=str(machine.setting(texts.TIME_ZONE_SETTING, texts.AUTO_TIME_ZONE)),
            log_folder=log_dir(),
            now=session.clock(),
            read_at=time.monotonic(),
            versions=versions,
        )

    @property
    def refreshing(self) -> bool:
        return self._reader.busy

    def _fresh(self, data: SettingsData, choice: str) -> bool:
        """Whether ``data``'s value of ``choice`` is still the one kept."""
        return data.versions[choice] == self._choices[choice]

    def _show(self, data: SettingsData) -> None:
        self.data = data
        if not self._edited and self._save_task is None:
            self._fill_connection(data.connection)
        if self._fresh(data, texts.TIME_ZONE_SETTING):
            with QSignalBlocker(self.time_zone):
                index = self.time_zone.findData(data.time_zone)
                self.time_zone.setCurrentIndex(max(index, 0))  # a damaged value: automatic
        if self._fresh(data, HEMAT_DATA):
            with QSignalBlocker(self.data_saver):
                self.data_saver.setChecked(data.data_saver)
        self.data_saver.setEnabled(True)
        self.log_path.setText(str(data.log_folder))
        self.open_folder.setEnabled(True)
        self.save_button.setEnabled(self._save_task is None)
        self._build_material_rows(len(data.storage.materials))
        self._say_password()
        self._say_now()
        self._say_storage()

    def _fill_connection(self, connection: ConnectionSettings) -> None:
        self.server_edit.setText(connection.server_url)
        self.proxy_edit.setText(connection.proxy_url)
        self.proxy_user_edit.setText(connection.proxy_user)
        self.proxy_password_edit.clear()
        self._remove_password = False

    def _build_material_rows(self, count: int) -> None:
        if len(self.material_rows) == count:
            return
        for old in (widget for pair in self.material_rows for widget in pair):
            self.materials.removeWidget(old)
            old.hide()
            old.deleteLater()
        self.material_rows = []
        for row in range(count):
            title = label("", wrap=True)
            amount = label("", "muted")
            amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.materials.addWidget(title, row, 0)
            self.materials.addWidget(amount, row, 1)
            self.material_rows.append((title, amount))

    # ------------------------------------------------------------------ the connection

    def _edited_field(self, edit: QLineEdit) -> None:
        self._edited = True
        if isinstance(self._save_note, Label):  # "Tersimpan" no longer holds
            self._save_note = None
            self._say_save_note()
        if edit is self.server_edit and self._server_messages:
            self._server_messages = ()
            self._say_field_errors()
        elif edit is self.proxy_edit and self._proxy_messages:
            self._proxy_messages = ()
            self._say_field_errors()
        elif edit in (self.proxy_user_edit, self.proxy_password_edit) and self._user_messages:
            self._user_messages = ()  # a password without a user: either field answers it
            self._say_field_errors()

    def _mark_password_removed(self) -> None:
        self._remove_password = True
        self._edited = True
        self.proxy_password_edit.clear()
        self._say_password()
        self.proxy_password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def saving(self) -> bool:
        return self._save_task is not None

    def save(self) -> None:
        """ "Simpan": the connection settings as typed, kept by the session (on the
        runner); the password left empty is kept, unless "Hapus kata sandi" was
        pressed."""
        if self._save_task is not None or self.data is None:
            return
        typed = self.proxy_password_edit.text()
        password: str | None = typed if typed else ("" if self._remove_password else None)
        values = (
            self.server_edit.text(),
            self.proxy_edit.text(),
            self.proxy_user_edit.text(),
            password,
        )
        session = self.session

        def keep(cancel: CancelToken, progress: Callable[[int, int], None]) -> ConnectionSettings:
            return session.set_connection_settings(*values)

        self._save_note = Label.SETTINGS_SAVING
        self._say_save_note()
        self.save_button.setEnabled(False)
        self._save_task = self.runner.run(
            keep, done=self._saved, failed=self._save_failed, name="settings.save", parent=self
        )

    def _saved(self, connection: ConnectionSettings) -> None:
        self._save_task = None
        self.save_button.setEnabled(True)
        self._edited = False
        if self.data is not None:
            self.data = replace(self.data, connection=connection)
        self._fill_connection(connection)
        self._server_messages = self._proxy_messages = self._user_messages = ()
        self._save_note = Label.SETTINGS_SAVED
        self._say_field_errors()
        self._say_password()
        self._say_save_note()
        self.connection_saved.emit()

    def _save_failed(self, error: BaseException) -> None:
        self._save_task = None
        self.save_button.setEnabled(True)
        if not isinstance(error, SessionError):
            self._save_note = None
            self._say_save_note()
            show_error(self, error)
            return
        self._server_messages = error.field_messages("server_url")
        self._proxy_messages = error.field_messages("proxy_url")
        self._user_messages = error.field_messages("proxy_user")
        general = error.general_messages()
        self._save_note = general if general else None
        self._say_field_errors()
        self._say_save_note()
        wrong = (
            (self.server_edit, self._server_messages),
            (self.proxy_edit, self._proxy_messages),
            (self.proxy_user_edit, self._user_messages),
        )
        first = next((edit for edit, messages in wrong if messages), None)
        if first is not None:
            self.scroll_area.ensureWidgetVisible(first)
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            first.selectAll()

    # ------------------------------------------------------------------ the choices

    def _time_zone_chosen(self, index: int) -> None:
        value = str(self.time_zone.itemData(index))
        self._choices[texts.TIME_ZONE_SETTING] += 1
        texts.keep_time_zone(self.machine, value)
        self._say_now()
        self.display_changed.emit()

    def _language_chosen(self, index: int) -> None:
        if keep_language_chosen(self.language, index, self.machine):
            self.retranslate()
            self.language_changed.emit(texts.language())

    def _data_saver_chosen(self, on: bool) -> None:
        self._choices[HEMAT_DATA] += 1
        self.machine.set_setting(HEMAT_DATA, on)

    # ------------------------------------------------------------------ the log folder

    def open_log_folder(self) -> None:
        """ "Buka folder": the log folder in the computer's file manager."""
        if self.data is None:
            return
        opened = self.open_url(QUrl.fromLocalFile(str(self.data.log_folder)))
        self.open_message.setVisible(not opened)

    # ------------------------------------------------------------------ showing

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._say_now()
        self._clock.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._clock.stop()
