"""The sign-in screen: the profiles on this computer, NIP and NIK, the language.

The participant chooses a profile card (its NIP is filled in, the NIK field takes the
focus) or "Masuk dengan akun lain", types the NIK and presses "Masuk". The NIP and NIK
are checked by the domain rules (``parse_nip``/``parse_nik``) on "Masuk", and when a
field is left with something typed in it (an empty field only on "Masuk"), never while
the first digits are typed; their messages show under the field, in a place kept for
two lines, so a message moves nothing. Return in the NIP goes to the NIK while the NIK
is empty, and signs in once both are filled (as Return in the NIK does). Choosing a
card or another account clears what refused the last sign-in. After a sign-out the
card of the profile that signed out is chosen and has the focus.

The sign-in itself (``ParticipantSession.sign_in``) runs on the ``TaskRunner`` with a
busy line in place and the fields disabled; what refused it shows in the message area
under the button (no dialog): a wrong NIK, no connection on a first sign-in, a locked
NIP, the offline wait (counted down live, "Masuk" disabled until it ends), an app too
old (its address a link). While the demo's server is still starting
(``set_waiting_for_server``), "Masuk" waits with a calm note; the fields stay usable.
Tab order: the cards, NIP, NIK, "Tampilkan" (or "Sembunyikan" while the NIK shows),
"Masuk", the language, then (demo) the demo people's "Isi" buttons.

The cards, their removal and the demo people are ``ui/profile_list.py``'s
``ProfileList`` (the left column); this page keeps the form, the messages and the
countdown. Texts are kept as messages, not strings, so ``retranslate`` re-says
everything shown.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.domain.identity import normalize, parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.errors import SessionError
from latsar_desktop.session.profiles import ProfileCard, group_nip
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.ui import texts
from latsar_desktop.ui.profile_list import ProfileCardButton, ProfileList
from latsar_desktop.ui.style import set_flag, set_role
from latsar_desktop.ui.tasks import Task, TaskRunner
from latsar_desktop.ui.texts import tr
from latsar_desktop.ui.widgets import (
    Button,
    field_error,
    fill_language_combo,
    has_link,
    keep_language_chosen,
    label,
    rich_text,
)

if TYPE_CHECKING:  # imported by the sign-in's work, off the GUI thread, after the window shows
    from latsar_desktop.session.participant import ParticipantSession

log = logging.getLogger(__name__)

FIELD_WIDTH = 300  # wide enough for a NIP typed with its spaces
FIELD_ERROR_LINES = 2  # kept under each field for its message (most take one or two)


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
        self._task: Task[Any] | None = None  # a sign-in running
        self._closing = False
        self._server_waiting = False  # the demo's server is still starting
        self._nip_messages: tuple[Message, ...] = ()
        self._nik_messages: tuple[Message, ...] = ()
        self._messages: list[Message] = []  # the message area: what refused a sign-in
        self._notice: tuple[Label, dict[str, Any]] | None = None  # or a calm notice
        self._wait_until: float | None = None  # monotonic end of the offline wait
        self._signed_in_nip: str | None = None  # who signed in here last (then out)
        self._countdown = QTimer(self)
        self._countdown.setInterval(250)  # re-said each second; checked more often
        self._countdown.timeout.connect(self._tick)
        self.profiles = ProfileList(machine, runner, demo_people)
        self.profiles.chosen.connect(self.choose)
        self.profiles.other_account_chosen.connect(self._other_account)
        self.profiles.demo_chosen.connect(self.fill_in)
        self.profiles.busy_changed.connect(lambda busy: self._set_busy(busy, show_line=False))
        self.profiles.removed.connect(self._removed)
        self.profiles.remove_failed.connect(self._failed)
        self.profiles.refreshed.connect(self._set_tab_order)
        self._build()
        self.retranslate()
        self.refresh_profiles()

    # ------------------------------------------------------------------ the profile list

    @property
    def cards(self) -> list[ProfileCardButton]:
        return self.profiles.cards

    @property
    def other_account(self) -> Button:
        return self.profiles.other_account

    @property
    def no_profiles(self) -> QLabel:
        return self.profiles.no_profiles

    @property
    def remove_dialog(self) -> QMessageBox | None:
        return self.profiles.remove_dialog

    @property
    def demo_people(self) -> list[Any]:
        return self.profiles.demo_people

    @property
    def demo_panel(self) -> QFrame | None:
        return self.profiles.demo_panel

    @property
    def demo_buttons(self) -> list[Button]:
        return self.profiles.demo_buttons

    def refresh_profiles(self) -> None:
        """Build the cards anew from machine.db (the Tab order follows)."""
        self.profiles.refresh()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 16, 32, 16)
        outer.setSpacing(12)

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
        fill_language_combo(self.language)
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
        body.addWidget(self.profiles, 5)
        body.addLayout(self._build_form(), 4)
        outer.addLayout(body, 1)

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
        self.nip_error = field_error(FIELD_ERROR_LINES)
        self.nip_edit.editingFinished.connect(lambda: self._left(self.nip_edit, self._check_nip))
        self.nip_edit.textEdited.connect(
            lambda _: self._recheck(self.nip_edit, self.nip_error, self._check_nip)
        )
        self.nip_edit.returnPressed.connect(self._nip_entered)
        column.addWidget(self.nip_label)
        column.addWidget(self.nip_edit)
        column.addWidget(self.nip_error)  # its two lines are the space before the NIK
        column.addSpacing(2)

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
        self.nik_error = field_error(FIELD_ERROR_LINES)
        self.nik_edit.editingFinished.connect(lambda: self._left(self.nik_edit, self._check_nik))
        self.nik_edit.textEdited.connect(
            lambda _: self._recheck(self.nik_edit, self.nik_error, self._check_nik)
        )
        self.nik_edit.returnPressed.connect(self.submit)
        nik_row = QHBoxLayout()
        nik_row.setSpacing(8)
        nik_row.addWidget(self.nik_edit, 1)
        nik_row.addWidget(self.show_nik)
        column.addWidget(self.nik_label)
        column.addLayout(nik_row)
        column.addWidget(self.nik_error)
        column.addSpacing(4)

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

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = self.profiles.focus_chain()
        chain += [self.nip_edit, self.nik_edit, self.show_nik, self.submit_button]
        chain += [self.language, *self.profiles.demo_buttons]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    # ------------------------------------------------------------------ texts

    def screen_name(self) -> str:
        return tr(Label.SIGNIN_SCREEN)

    def retranslate(self) -> None:
        self.title.setText(tr(Label.SIGNIN_TITLE))
        self.intro.setText(tr(Label.SIGNIN_INTRO))
        self.language_label.setText(tr(Label.LANGUAGE))
        fill_language_combo(self.language)  # chosen elsewhere too (Pengaturan)
        self.language.setAccessibleName(tr(Label.LANGUAGE))
        self.profiles.retranslate()
        self.form_title.setText(tr(Label.SIGNIN_FORM))
        self.nip_label.setText(tr(Label.SIGNIN_NIP))
        self.nip_edit.setPlaceholderText(tr(Label.SIGNIN_NIP_HINT))
        self.nip_edit.setAccessibleName(tr(Label.SIGNIN_NIP))
        self.nik_label.setText(tr(Label.SIGNIN_NIK))
        self.nik_edit.setPlaceholderText(tr(Label.SIGNIN_NIK_HINT))
        self.nik_edit.setAccessibleName(tr(Label.SIGNIN_NIK))
        self._say_show_nik()
        self.submit_button.setText(tr(Label.SIGNIN_SUBMIT))
        self.busy_label.setText(tr(Label.SIGNIN_BUSY))
        self._show_field_error(self.nip_edit, self.nip_error, self._nip_messages)
        self._show_field_error(self.nik_edit, self.nik_error, self._nik_messages)
        self._show_messages()

    def _language_chosen(self, index: int) -> None:
        if keep_language_chosen(self.language, index, self.machine):
            self.retranslate()
            self.language_changed.emit(texts.language())

    # ------------------------------------------------------------------ choosing

    def choose(self, card: ProfileCard) -> None:
        """A profile card chosen: its NIP filled in, the NIK next."""
        self._fill_card(card)
        self.nik_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fill_card(self, card: ProfileCard) -> None:
        self.nip_edit.setText(card.nip_grouped)
        self.nik_edit.clear()
        self._set_field_messages(nip=(), nik=())
        self._clear_messages()

    def _other_account(self) -> None:
        self.nip_edit.clear()
        self.nik_edit.clear()
        self._set_field_messages(nip=(), nik=())
        self._clear_messages()
        self.nip_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def fill_in(self, nip: str, nik: str) -> None:
        """A demo person's NIP and NIK filled in; "Masuk" next."""
        self.profiles.uncheck()
        self.nip_edit.setText(group_nip(nip))
        self.nik_edit.setText(nik)
        self._set_field_messages(nip=(), nik=())
        self._clear_messages()
        self.submit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_profile(self, nip: str) -> bool:
        """The card of the profile with this NIP chosen (its NIP filled in) and given
        the focus, as after its sign-out; False (the screen's start focused instead)
        when it is not on this computer."""
        button = self.profiles.card_for(normalize(nip))
        if button is None:
            self.focus_start()
            return False
        self.profiles.select(button.card)
        self._fill_card(button.card)
        button.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _removed(self, card: ProfileCard) -> None:
        """A profile removed: its NIP no longer in the form, the removal said."""
        if normalize(self.nip_edit.text()) == card.nip:
            self.nip_edit.clear()
            self.nik_edit.clear()
        self._show_notice(Label.SIGNIN_REMOVED, name=card.name)
        self.focus_start()

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

    def _left(self, edit: QLineEdit, check: Callable[[], bool]) -> None:
        """A field left (or Return): checked when something is typed in it; an empty
        field waits for "Masuk" (Shift+Tab back to a card says nothing)."""
        if edit.text().strip():
            check()

    def _recheck(self, edit: QLineEdit, error: QLabel, check: Callable[[], bool]) -> None:
        """Once a field's message shows, it follows the typing (and goes when right, or
        when the field is emptied: an empty field waits for "Masuk")."""
        if not error.text():
            return
        if edit.text().strip():
            check()
        elif edit is self.nip_edit:
            self._set_field_messages(nip=())
        else:
            self._set_field_messages(nik=())

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
        """Return in the NIP: the NIK next while it is empty, else "Masuk"."""
        if not self._check_nip():
            return
        if self.nik_edit.text().strip():
            self.submit()
        else:
            self.nik_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_nik(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.nik_edit.setEchoMode(mode)
        self._say_show_nik()

    def _say_show_nik(self) -> None:
        """ "Tampilkan" while the NIK is hidden, "Sembunyikan" while it shows; the button
        as wide as the longer, so the NIK field never changes size."""
        widths = []
        for text in (Label.SIGNIN_SHOW_NIK, Label.SIGNIN_HIDE_NIK):
            self.show_nik.setText(tr(text))
            widths.append(self.show_nik.sizeHint().width())
        self.show_nik.setMinimumWidth(max(widths))
        shown = self.show_nik.isChecked()
        self.show_nik.setText(tr(Label.SIGNIN_HIDE_NIK if shown else Label.SIGNIN_SHOW_NIK))
        name = Label.SIGNIN_HIDE_NIK_NAME if shown else Label.SIGNIN_SHOW_NIK_NAME
        self.show_nik.setAccessibleName(tr(name))

    # ------------------------------------------------------------------ signing in

    @property
    def waiting(self) -> bool:
        """The offline wait is running: "Masuk" stays disabled until it ends."""
        return self._wait_until is not None

    @property
    def waiting_for_server(self) -> bool:
        return self._server_waiting

    def _may_submit(self) -> bool:
        """Nothing running and nothing to wait for: "Masuk" is enabled."""
        return not (
            self._task is not None or self.profiles.removing or self.waiting or self._server_waiting
        )

    def submit(self) -> None:
        """ "Masuk": check both fields, then sign in off the GUI thread."""
        if not self._may_submit() or not self.submit_button.isEnabled():
            return
        nip_ok, nik_ok = self._check_nip(), self._check_nik()
        if not (nip_ok and nik_ok):
            (self.nip_edit if not nip_ok else self.nik_edit).setFocus()
            return
        nip, nik = self.nip_edit.text(), self.nik_edit.text()
        machine = self.machine

        def work(cancel: CancelToken, progress: Callable[[int, int], None]) -> ParticipantSession:
            from latsar_desktop.session.participant import ParticipantSession, default_device_name

            name = default_device_name()
            return ParticipantSession.sign_in(machine, nip, nik, device_name=name, cancel=cancel)

        self._say([])
        self._set_busy(True)
        self._task = self.runner.run(
            work, done=self._signed_in, failed=self._sign_in_failed, name="sign_in", parent=self
        )

    def _signed_in(self, session: ParticipantSession) -> None:
        self._task = None
        if self._closing:  # the window closed meanwhile: nobody will use it
            session.sign_out()
            return
        self._set_busy(False)
        self.nik_edit.clear()
        self.show_nik.setChecked(False)
        self._signed_in_nip = session.nip
        self.signed_in.emit(session)

    def _sign_in_failed(self, error: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        self._failed(error)

    def _failed(self, error: BaseException) -> None:
        """A sign-in or a removal refused: its messages under the fields and under
        "Masuk" (the wait counted down); anything else the standard error dialog."""
        if self._closing:
            return
        if not isinstance(error, SessionError):
            from latsar_desktop.ui.errors import show_error

            show_error(self, error)
            return
        nip, nik = error.field_messages("nip"), error.field_messages("nik")
        self._set_field_messages(nip=nip, nik=nik)
        self._say(list(error.general_messages()))
        if error.wait_seconds:
            self._start_wait(error.wait_seconds)
        if nip:
            self.nip_edit.setFocus()
        elif not self.waiting:
            self.nik_edit.setFocus()
            self.nik_edit.selectAll()

    def _set_busy(self, busy: bool, *, show_line: bool = True) -> None:
        for widget in (self.nip_edit, self.nik_edit, self.show_nik):
            widget.setEnabled(not busy)
        self.profiles.set_cards_enabled(not busy)
        self.submit_button.setEnabled(not busy and self._may_submit())
        self.busy_label.setVisible(busy and show_line)
        self.busy_bar.setVisible(busy and show_line)

    def set_waiting_for_server(self, waiting: bool) -> None:
        """The demo's server is (still) starting: "Masuk" waits, with a calm note in the
        message area; the fields stay usable (the NIP and NIK may be typed meanwhile).
        False: "Masuk" is back (unless something else holds it) and the note goes."""
        if waiting == self._server_waiting:
            return
        self._server_waiting = waiting
        self.submit_button.setEnabled(self._may_submit())
        if waiting:
            self._show_notice(Label.SIGNIN_SERVER_STARTING)
        elif self._notice is not None and self._notice[0] is Label.SIGNIN_SERVER_STARTING:
            self._say([])

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
        self.submit_button.setEnabled(self._may_submit())
        self._show_notice(Label.SIGNIN_WAIT_OVER)

    # ------------------------------------------------------------------ the message area

    def _clear_messages(self) -> None:
        """Another account or card chosen: what refused the last sign-in goes. What
        still holds "Masuk" stays: the offline wait's countdown, the demo server's note."""
        if self._server_waiting:
            self._show_notice(Label.SIGNIN_SERVER_STARTING)
        elif self.waiting:
            self._say([m for m in self._messages if m.code == Code.SIGNIN_WAIT])
        else:
            self._say([])

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
        return texts.say_all(self._messages)

    def _show_messages(self) -> None:
        text = self.message_text()
        set_role(self.message, "notice" if self._notice is not None else "error")
        self.message.setText(rich_text(text) if text else "")
        flags = Qt.TextInteractionFlag.TextBrowserInteraction
        if not has_link(text):
            flags = Qt.TextInteractionFlag.TextSelectableByMouse
        self.message.setTextInteractionFlags(flags)
        self.message.setVisible(bool(text))

    # ------------------------------------------------------------------ life

    def reset(self) -> None:
        """Back to the screen's start after a sign-out: fresh cards, empty fields, and
        the card of the profile that signed out chosen and focused (``focus_profile``),
        so ``focus_start`` afterwards keeps it."""
        self.refresh_profiles()
        self.profiles.uncheck()
        self.nip_edit.clear()
        self.nik_edit.clear()
        self.show_nik.setChecked(False)
        self._set_field_messages(nip=(), nik=())
        self._clear_messages()
        if self._signed_in_nip is not None:
            self.focus_profile(self._signed_in_nip)
        else:
            self.focus_start()

    def focus_start(self) -> None:
        """The card chosen (after a sign-out: the profile that signed out), else the
        first card, or the NIP when this computer has no profile yet."""
        chosen = next((card for card in self.cards if card.isChecked()), None)
        first: QWidget = chosen or (self.cards[0] if self.cards else self.nip_edit)
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    def shutdown(self) -> None:
        """The window closes: stop the countdown, cancel a sign-in still running (a
        session it still makes is signed out at once), close the removal's question."""
        self._closing = True
        self._countdown.stop()
        self.profiles.shutdown()
        if self._task is not None:
            self._task.cancel()
