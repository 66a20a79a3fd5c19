"""The sign-in screen: the profiles on this computer, NIP and NIK, the language.

The participant chooses a profile card (its NIP is filled in, the NIK field takes the
focus) or "Masuk dengan akun lain", types the NIK and presses "Masuk". The NIP and NIK
are checked by the domain rules (``parse_nip``/``parse_nik``) when a field is left or on
"Masuk", never while the first digits are typed, and their messages show under the
field. The sign-in itself (``ParticipantSession.sign_in``) runs on the ``TaskRunner``
with a busy line in place and the fields disabled; what refused it shows in the message
area under the button (no dialog): a wrong NIK, no connection on a first sign-in, a
locked NIP, the offline wait (counted down live, "Masuk" disabled until it ends), an app
too old (its address a link). Tab order: the cards, NIP, NIK, "Tampilkan", "Masuk", the
language, then (demo) the demo people's "Isi" buttons.

Texts are kept as messages, not strings, so ``retranslate`` re-says everything shown.
"""

from __future__ import annotations

import itertools
import logging
import math
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.domain.identity import normalize, parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession, SessionError
from latsar_desktop.session.profiles import (
    ProfileCard,
    group_nip,
    profile_cards,
    remove_profile,
)
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.ui import texts
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import Task, TaskRunner
from latsar_desktop.ui.texts import say, tr
from latsar_desktop.ui.widgets import Button, has_link, label, rich_text

log = logging.getLogger(__name__)

LANGUAGE_SETTING = "language"
LANGUAGE_NAMES = {"id": Label.LANGUAGE_ID, "en": Label.LANGUAGE_EN}
FIELD_WIDTH = 300  # wide enough for a NIP typed with its spaces


def device_name() -> str:
    """How this computer is named in the participant's device list on the server."""
    return platform.node() or "Latsar Desktop"


def person_field(person: Any, key: str) -> str:
    """A demo person's ``nip``/``nik``/``name``, from a mapping or an object."""
    value = person[key] if isinstance(person, Mapping) else getattr(person, key)
    return str(value)


class ProfileCardButton(Button):
    """One profile as a card: its name, its NIP grouped for reading, a small "Hapus".

    Enter, Space or a click chooses it; Delete (or "Hapus") asks to remove it. "Hapus"
    is reached by the mouse or by Delete on the card, so Tab goes card to card."""

    remove_requested = Signal(object)
    focused = Signal()

    def __init__(self, card: ProfileCard, parent: QWidget | None = None) -> None:
        super().__init__("", "card", parent)
        self.card = card
        self.setCheckable(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 8, 8)
        column = QVBoxLayout()
        column.setSpacing(2)
        self.name_label = label(card.name, "field")
        self.nip_label = label("", "muted")
        for part in (self.name_label, self.nip_label):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            column.addWidget(part)
        row.addLayout(column, 1)
        self.remove_button = Button("", "link")
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.card))
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.retranslate()

    def retranslate(self) -> None:
        nip = tr(Label.SIGNIN_CARD_NIP, nip=self.card.nip_grouped)
        self.nip_label.setText(nip)
        self.remove_button.setText(tr(Label.SIGNIN_REMOVE))
        self.remove_button.setToolTip(tr(Label.SIGNIN_REMOVE_HINT))
        self.setAccessibleName(f"{self.card.name}, {nip}")
        self.setToolTip(tr(Label.SIGNIN_REMOVE_HINT))

    def sizeHint(self):  # type: ignore[no-untyped-def]
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self):  # type: ignore[no-untyped-def]
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete and self.isEnabled():
            self.remove_requested.emit(self.card)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focused.emit()


class SignInPage(QWidget):
    """The sign-in screen. ``signed_in(session)`` when a sign-in succeeded;
    ``language_changed(code)`` after the participant chose another language (already
    set and stored: the window retranslates the rest)."""

    signed_in = Signal(object)
    language_changed = Signal(str)

    def __init__(
        self,
        machine: MachineStore,
        runner: TaskRunner,
        demo_people: Sequence[Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.machine = machine
        self.runner = runner
        self.demo_people = list(demo_people or [])
        self.cards: list[ProfileCardButton] = []
        self.remove_dialog: QMessageBox | None = None
        self._task: Task[Any] | None = None
        self._closing = False
        self._nip_messages: tuple[Message, ...] = ()
        self._nik_messages: tuple[Message, ...] = ()
        self._messages: list[Message] = []  # the message area: what refused a sign-in
        self._notice: tuple[Label, dict[str, Any]] | None = None  # or a calm notice
        self._wait_until: float | None = None  # monotonic end of the offline wait
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)  # re-said each second; checked more often
        self._countdown.timeout.connect(self._tick)
        self._build()
        self.retranslate()
        self.refresh_profiles()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 20, 32, 16)
        outer.setSpacing(16)

        header = QHBoxLayout()
        heading = QVBoxLayout()
        heading.setSpacing(4)
        self.title = label("", "title")
        self.intro = label("", "intro", wrap=True)
        heading.addWidget(self.title)
        heading.addWidget(self.intro)
        header.addLayout(heading, 1)
        self.language_label = label("", "muted")
        self.language = QComboBox()
        for code in i18n.LANGUAGES:
            self.language.addItem("", code)
        self.language.setCurrentIndex(i18n.LANGUAGES.index(texts.language()))
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.language_label.setBuddy(self.language)
        chooser = QHBoxLayout()
        chooser.setSpacing(8)
        chooser.addWidget(self.language_label)
        chooser.addWidget(self.language)
        header.addLayout(chooser)
        header.setAlignment(chooser, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(header)

        body = QHBoxLayout()
        body.setSpacing(32)
        body.addLayout(self._build_profiles(), 5)
        body.addLayout(self._build_form(), 4)
        outer.addLayout(body, 1)

    def _build_profiles(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(8)
        self.profiles_title = label("", "subtitle")
        column.addWidget(self.profiles_title)
        self.no_profiles = label("", "muted", wrap=True)
        column.addWidget(self.no_profiles)
        self.card_list = QWidget()
        self.card_layout = QVBoxLayout(self.card_list)
        self.card_layout.setContentsMargins(2, 2, 2, 2)
        self.card_layout.setSpacing(8)
        self.other_account = Button("", "card")
        self.other_account.setProperty("plain", True)  # a text, not a card's labels
        self.other_account.setCheckable(True)
        self.other_account.setMinimumHeight(40)
        self.other_account.clicked.connect(self._other_account)
        self.card_layout.addWidget(self.other_account)
        self.card_layout.addStretch(1)
        self.card_scroll = QScrollArea()
        self.card_scroll.setWidget(self.card_list)
        self.card_scroll.setWidgetResizable(True)
        self.card_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.card_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.card_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(self.card_scroll, 1)
        self.demo_panel: QFrame | None = None
        self.demo_buttons: list[Button] = []
        if self.demo_people:
            column.addSpacing(8)
            column.addWidget(self._build_demo())
        # no profile yet: no list to scroll, the space goes below
        self.no_cards_space = QWidget()
        self.no_cards_space.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding
        )
        column.addWidget(self.no_cards_space, 1)
        return column

    def _build_demo(self) -> QFrame:
        panel = QFrame()
        set_role(panel, "panel")
        box = QVBoxLayout(panel)
        box.setContentsMargins(16, 12, 16, 12)
        box.setSpacing(6)
        self.demo_title = label("", "subtitle")
        self.demo_intro = label("", "muted", wrap=True)
        box.addWidget(self.demo_title)
        box.addWidget(self.demo_intro)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        self.demo_headers = [label("", "field") for _ in range(3)]
        for column, header in enumerate(self.demo_headers):
            grid.addWidget(header, 0, column)
        for row, person in enumerate(self.demo_people, start=1):
            nip, nik = person_field(person, "nip"), person_field(person, "nik")
            grid.addWidget(label(person_field(person, "name")), row, 0)
            for column, value in ((1, group_nip(nip)), (2, nik)):
                cell = label(value)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(cell, row, column)
            fill = Button("", "link")
            fill.clicked.connect(lambda _=False, n=nip, k=nik: self.fill_in(n, k))
            grid.addWidget(fill, row, 3)
            self.demo_buttons.append(fill)
        grid.setColumnStretch(4, 1)
        box.addLayout(grid)
        self.demo_panel = panel
        return panel

    def _build_form(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(4)
        self.form_title = label("", "subtitle")
        column.addWidget(self.form_title)
        column.addSpacing(4)

        self.nip_label = label("", "field")
        self.nip_edit = QLineEdit()
        self.nip_edit.setMaxLength(40)
        self.nip_edit.setMinimumWidth(FIELD_WIDTH)
        self.nip_edit.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers)
        self.nip_label.setBuddy(self.nip_edit)
        self.nip_error = self._field_error()
        self.nip_edit.editingFinished.connect(self._check_nip)
        self.nip_edit.textEdited.connect(lambda _: self._recheck(self.nip_error, self._check_nip))
        self.nip_edit.returnPressed.connect(self._nip_entered)
        column.addWidget(self.nip_label)
        column.addWidget(self.nip_edit)
        column.addWidget(self.nip_error)
        column.addSpacing(8)

        self.nik_label = label("", "field")
        self.nik_edit = QLineEdit()
        self.nik_edit.setMaxLength(40)
        self.nik_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.nik_edit.setInputMethodHints(
            Qt.InputMethodHint.ImhPreferNumbers | Qt.InputMethodHint.ImhSensitiveData
        )
        self.nik_label.setBuddy(self.nik_edit)
        self.show_nik = Button("")
        self.show_nik.setCheckable(True)
        self.show_nik.toggled.connect(self._show_nik)
        self.nik_error = self._field_error()
        self.nik_edit.editingFinished.connect(self._check_nik)
        self.nik_edit.textEdited.connect(lambda _: self._recheck(self.nik_error, self._check_nik))
        self.nik_edit.returnPressed.connect(self.submit)
        nik_row = QHBoxLayout()
        nik_row.setSpacing(8)
        nik_row.addWidget(self.nik_edit, 1)
        nik_row.addWidget(self.show_nik)
        column.addWidget(self.nik_label)
        column.addLayout(nik_row)
        column.addWidget(self.nik_error)
        column.addSpacing(8)

        submit_row = QHBoxLayout()
        submit_row.setSpacing(12)
        self.submit_button = Button("", "primary")
        self.submit_button.clicked.connect(self.submit)
        submit_row.addWidget(self.submit_button)
        busy = QVBoxLayout()
        busy.setSpacing(4)
        self.busy_label = label("", "muted")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        for part in (self.busy_label, self.busy_bar):
            policy = part.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # the busy line never moves the layout
            part.setSizePolicy(policy)
            part.hide()
            busy.addWidget(part)
        submit_row.addLayout(busy, 1)
        column.addLayout(submit_row)
        column.addSpacing(10)

        self.message = label("", "error", wrap=True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setOpenExternalLinks(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.message.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message.hide()
        column.addWidget(self.message)
        column.addStretch(1)  # top-aligned: a message shown moves nothing above it
        return column

    def _field_error(self) -> QLabel:
        error = label("", "field-error", wrap=True)
        error.setMinimumHeight(error.fontMetrics().lineSpacing())  # a line kept for it
        return error

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [*self.cards, self.other_account]
        chain += [self.nip_edit, self.nik_edit, self.show_nik, self.submit_button]
        chain += [self.language, *self.demo_buttons]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    # ------------------------------------------------------------------ texts

    def screen_name(self) -> str:
        return tr(Label.SIGNIN_SCREEN)

    def retranslate(self) -> None:
        self.title.setText(tr(Label.SIGNIN_TITLE))
        self.intro.setText(tr(Label.SIGNIN_INTRO))
        self.language_label.setText(tr(Label.LANGUAGE))
        for index, code in enumerate(i18n.LANGUAGES):
            self.language.setItemText(index, tr(LANGUAGE_NAMES[code]))
        self.language.setAccessibleName(tr(Label.LANGUAGE))
        self.profiles_title.setText(tr(Label.SIGNIN_PROFILES))
        self.no_profiles.setText(tr(Label.SIGNIN_NO_PROFILES))
        self.other_account.setText(tr(Label.SIGNIN_OTHER_ACCOUNT))
        for card in self.cards:
            card.retranslate()
        self.form_title.setText(tr(Label.SIGNIN_FORM))
        self.nip_label.setText(tr(Label.SIGNIN_NIP))
        self.nip_edit.setPlaceholderText(tr(Label.SIGNIN_NIP_HINT))
        self.nip_edit.setAccessibleName(tr(Label.SIGNIN_NIP))
        self.nik_label.setText(tr(Label.SIGNIN_NIK))
        self.nik_edit.setPlaceholderText(tr(Label.SIGNIN_NIK_HINT))
        self.nik_edit.setAccessibleName(tr(Label.SIGNIN_NIK))
        self.show_nik.setText(tr(Label.SIGNIN_SHOW_NIK))
        self.submit_button.setText(tr(Label.SIGNIN_SUBMIT))
        self.busy_label.setText(tr(Label.SIGNIN_BUSY))
        if self.demo_panel is not None:
            self.demo_title.setText(tr(Label.SIGNIN_DEMO_TITLE))
            self.demo_intro.setText(tr(Label.SIGNIN_DEMO_INTRO))
            for header, text in zip(
                self.demo_headers,
                (Label.SIGNIN_DEMO_NAME, Label.SIGNIN_NIP, Label.SIGNIN_NIK),
                strict=True,
            ):
                header.setText(tr(text))
            for button, person in zip(self.demo_buttons, self.demo_people, strict=True):
                button.setText(tr(Label.SIGNIN_DEMO_FILL))
                name = person_field(person, "name")
                button.setAccessibleName(tr(Label.SIGNIN_DEMO_FILL_FOR, name=name))
        self._show_field_error(self.nip_edit, self.nip_error, self._nip_messages)
        self._show_field_error(self.nik_edit, self.nik_error, self._nik_messages)
        self._show_messages()

    def _language_chosen(self, index: int) -> None:
        code = str(self.language.itemData(index))
        if code == texts.language():
            return
        texts.set_language(code)
        self.machine.set_setting(LANGUAGE_SETTING, code)
        self.retranslate()
        self.language_changed.emit(code)

    # ------------------------------------------------------------------ profiles

    def refresh_profiles(self) -> None:
        """Build the cards anew from machine.db (after a sign-in made a profile, a
        removal, a sign-out)."""
        for card in self.cards:
            self.card_layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        for position, profile in enumerate(profile_cards(self.machine)):
            card = ProfileCardButton(profile, self.card_list)
            card.clicked.connect(lambda _=False, c=card: self.choose(c.card))
            card.remove_requested.connect(self.ask_remove)
            card.focused.connect(lambda c=card: self.card_scroll.ensureWidgetVisible(c))
            self.card_layout.insertWidget(position, card)
            self.cards.append(card)
        self.no_profiles.setVisible(not self.cards)
        # with no profile, "Masuk dengan akun lain" would name no other: the form is it
        self.card_scroll.setVisible(bool(self.cards))
        self.no_cards_space.setVisible(not self.cards)
        # room for the first card (if any) and "Masuk dengan akun lain"; more scroll
        shown = [*self.cards[:1], self.other_account]
        margins = self.card_layout.contentsMargins()
        self.card_scroll.setMinimumHeight(
            sum(card.sizeHint().height() for card in shown)
            + self.card_layout.spacing() * (len(shown) - 1)
            + margins.top()
            + margins.bottom()
        )
        self._set_tab_order()

    def choose(self, card: ProfileCard) -> None:
        """A profile card chosen: its NIP filled in, the NIK next."""
        # one card checked at a time (not a QButtonGroup: Tab would skip the others)
        for button in self.cards:
            button.setChecked(button.card.id == card.id)
        self.other_account.setChecked(False)
        self.nip_edit.setText(card.nip_grouped)
        self.nik_edit.clear()
        self._set_field_messages(nip=(), nik=())
        self.nik_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _other_account(self) -> None:
        self._uncheck_cards()
        self.other_account.setChecked(True)
        self.nip_edit.clear()
        self.nik_edit.clear()
        self._set_field_messages(nip=(), nik=())
        self.nip_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def fill_in(self, nip: str, nik: str) -> None:
        """A demo person's NIP and NIK filled in; "Masuk" next."""
        self._uncheck_cards()
        self.nip_edit.setText(group_nip(nip))
        self.nik_edit.setText(nik)
        self._set_field_messages(nip=(), nik=())
        self.submit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _uncheck_cards(self) -> None:
        for button in [*self.cards, self.other_account]:
            button.setChecked(False)

    def ask_remove(self, card: ProfileCard) -> None:
        """The confirmation before removing a profile, with the unsynced events it
        would lose (counted now). Opened, not exec'd: ``remove_dialog`` until closed."""
        if self._task is not None or self.remove_dialog is not None:
            return
        fresh = next((c for c in profile_cards(self.machine) if c.id == card.id), None)
        if fresh is None:
            self.refresh_profiles()
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr(Label.SIGNIN_REMOVE_TITLE))
        box.setText(tr(Label.SIGNIN_REMOVE_QUESTION, name=fresh.name))
        lines = []
        if fresh.unsynced is None:
            lines.append(tr(Label.SIGNIN_REMOVE_UNKNOWN))
        elif fresh.unsynced:
            lines.append(tr(Label.SIGNIN_REMOVE_UNSYNCED, count=fresh.unsynced))
        lines.append(tr(Label.SIGNIN_REMOVE_EXPLAIN))
        box.setInformativeText("\n\n".join(lines))
        remove = box.addButton(
            tr(Label.SIGNIN_REMOVE_TITLE), QMessageBox.ButtonRole.DestructiveRole
        )
        cancel = box.addButton(tr(Label.CANCEL), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)

        def finished(_: int) -> None:
            chosen = box.clickedButton() is remove
            self.remove_dialog = None
            box.deleteLater()
            if chosen:
                self._remove(fresh)

        box.finished.connect(finished)
        self.remove_dialog = box
        box.open()

    def _remove(self, card: ProfileCard) -> None:
        def work(cancel: CancelToken, progress: Callable[[int, int], None]) -> list[str]:
            return remove_profile(self.machine, card.id)

        def done(_: list[str]) -> None:
            self._task = None
            self._set_busy(False)
            self.refresh_profiles()
            if normalize(self.nip_edit.text()) == card.nip:
                self.nip_edit.clear()
                self.nik_edit.clear()
            self._show_notice(Label.SIGNIN_REMOVED, name=card.name)
            self.focus_start()

        self._set_busy(True, show_line=False)
        self._task = self.runner.run(
            work, done=done, failed=self._failed, name="remove_profile", parent=self
        )

    # ------------------------------------------------------------------ checking

    def _check_nip(self) -> bool:
        return self._check(self.nip_edit.text(), parse_nip, "nip")

    def _check_nik(self) -> bool:
        return self._check(self.nik_edit.text(), parse_nik, "nik")

    def _check(self, text: str, parse: Callable[[str], object], field: str) -> bool:
        try:
            parse(text)
        except DomainError as error:
            messages = error.messages
        else:
            messages = ()
        if field == "nip":
            self._set_field_messages(nip=messages)
        else:
            self._set_field_messages(nik=messages)
        return not messages

    def _recheck(self, error: QLabel, check: Callable[[], bool]) -> None:
        """Once a field's message shows, it follows the typing (and goes when right)."""
        if error.text():
            check()

    def _set_field_messages(
        self,
        nip: tuple[Message, ...] | None = None,
        nik: tuple[Message, ...] | None = None,
    ) -> None:
        if nip is not None:
            self._nip_messages = nip
            self._show_field_error(self.nip_edit, self.nip_error, nip)
        if nik is not None:
            self._nik_messages = nik
            self._show_field_error(self.nik_edit, self.nik_error, nik)

    def _show_field_error(
        self, edit: QLineEdit, error: QLabel, messages: tuple[Message, ...]
    ) -> None:
        error.setText(texts.say_all(messages))
        set_flag(edit, "invalid", bool(messages))

    def _nip_entered(self) -> None:
        if self._check_nip():
            self.nik_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_nik(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.nik_edit.setEchoMode(mode)

    # ------------------------------------------------------------------ signing in

    @property
    def waiting(self) -> bool:
        """The offline wait is running: "Masuk" stays disabled until it ends."""
        return self._wait_until is not None

    def submit(self) -> None:
        """ "Masuk": check both fields, then sign in off the GUI thread."""
        if self._task is not None or self.waiting or not self.submit_button.isEnabled():
            return
        nip_ok, nik_ok = self._check_nip(), self._check_nik()
        if not (nip_ok and nik_ok):
            (self.nip_edit if not nip_ok else self.nik_edit).setFocus()
            return
        nip, nik = self.nip_edit.text(), self.nik_edit.text()
        machine, name = self.machine, device_name()

        def work(cancel: CancelToken, progress: Callable[[int, int], None]) -> ParticipantSession:
            return ParticipantSession.sign_in(machine, nip, nik, device_name=name, cancel=cancel)

        self._say([])
        self._set_busy(True)
        self._task = self.runner.run(
            work, done=self._signed_in, failed=self._failed, name="sign_in", parent=self
        )

    def _signed_in(self, session: ParticipantSession) -> None:
        self._task = None
        if self._closing:  # the window closed meanwhile: nobody will use it
            session.sign_out()
            return
        self._set_busy(False)
        self.nik_edit.clear()
        self.show_nik.setChecked(False)
        self.signed_in.emit(session)

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        if self._closing:
            return
        if not isinstance(error, SessionError):
            from latsar_desktop.ui.errors import show_error

            show_error(self, error)
            return
        field_codes = {"nip": [], "nik": []}  # type: dict[str, list[Message]]
        others: list[Message] = []
        wait: int | None = None
        for message in error.messages:
            prefix = message.code.split(".", 1)[0]
            if prefix in field_codes:
                field_codes[prefix].append(message)
            else:
                others.append(message)
            if message.code == Code.SIGNIN_WAIT:
                seconds = message.params.get("seconds", 0)
                wait = seconds if isinstance(seconds, int) else 0
        self._set_field_messages(nip=tuple(field_codes["nip"]), nik=tuple(field_codes["nik"]))
        self._say(others)
        if wait:
            self._start_wait(wait)
        if field_codes["nip"]:
            self.nip_edit.setFocus()
        elif not self.waiting:
            self.nik_edit.setFocus()
            self.nik_edit.selectAll()

    def _set_busy(self, busy: bool, *, show_line: bool = True) -> None:
        for widget in (self.nip_edit, self.nik_edit, self.show_nik, self.card_list):
            widget.setEnabled(not busy)
        self.submit_button.setEnabled(not busy and not self.waiting)
        self.busy_label.setVisible(busy and show_line)
        self.busy_bar.setVisible(busy and show_line)

    # ------------------------------------------------------------------ the offline wait

    def _start_wait(self, seconds: int) -> None:
        self._wait_until = time.monotonic() + seconds
        self.submit_button.setEnabled(False)
        self._countdown.start()

    def wait_left(self) -> int:
        """Whole seconds of the offline wait still to go (0: none)."""
        if self._wait_until is None:
            return 0
        return max(0, math.ceil(self._wait_until - time.monotonic()))

    def _tick(self) -> None:
        left = self.wait_left()
        if left > 0:
            self._messages = [
                msg(Code.SIGNIN_WAIT, seconds=left) if m.code == Code.SIGNIN_WAIT else m
                for m in self._messages
            ]
            self._show_messages()
            return
        self._countdown.stop()
        self._wait_until = None
        self.submit_button.setEnabled(self._task is None)
        self._show_notice(Label.SIGNIN_WAIT_OVER)

    # ------------------------------------------------------------------ the message area

    def _say(self, messages: list[Message]) -> None:
        self._messages, self._notice = list(messages), None
        self._show_messages()

    def _show_notice(self, text: Label, **params: Any) -> None:
        self._messages, self._notice = [], (text, params)
        self._show_messages()

    def message_text(self) -> str:
        """The message area's text as the participant reads it (no markup; "" when
        hidden)."""
        if self._notice is not None:
            return tr(self._notice[0], **self._notice[1])
        return "\n".join(say(m) for m in self._messages)

    def _show_messages(self) -> None:
        text = self.message_text()
        set_role(self.message, "notice" if self._notice is not None else "error")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(rich_text(text) if text else "")
        flags = Qt.TextInteractionFlag.TextBrowserInteraction
        if not has_link(text):
            flags = Qt.TextInteractionFlag.TextSelectableByMouse
        self.message.setTextInteractionFlags(flags)
        self.message.setVisible(bool(text))

    # ------------------------------------------------------------------ life

    def reset(self) -> None:
        """Back to the screen's start (after a sign-out): fresh cards, empty fields."""
        self.refresh_profiles()
        self._uncheck_cards()
        self.nip_edit.clear()
        self.nik_edit.clear()
        self.show_nik.setChecked(False)
        self._set_field_messages(nip=(), nik=())
        if not self.waiting:
            self._say([])
        self.focus_start()

    def focus_start(self) -> None:
        """The first card, or the NIP when this computer has no profile yet."""
        first: QWidget = self.cards[0] if self.cards else self.nip_edit
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def shutdown(self) -> None:
        """The window closes: stop the countdown, cancel a sign-in still running (a
        session it still makes is signed out at once)."""
        self._closing = True
        self._countdown.stop()
        if self.remove_dialog is not None:
            self.remove_dialog.reject()
        if self._task is not None:
            self._task.cancel()
