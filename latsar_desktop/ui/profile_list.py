"""The sign-in screen's left column: the profiles on this computer, and the demo people.

``ProfileList`` shows each profile as a card (``ProfileCardButton``: name, NIP grouped
for reading, a small "Hapus"), then "Masuk dengan akun lain", then (demo) the
``DemoPeoplePanel`` right under them (the list is as tall as its cards; the free space
goes below). While a card has the focus, a line under the list says its keys (Enter
chooses it, Delete removes it): "Hapus" is for the mouse, Tab goes card to card; the
line's place is kept, so it moves nothing.

It tells the sign-in page what was chosen (``chosen``, ``other_account_chosen``,
``demo_chosen``; ``select`` marks a card chosen without telling) and does the removal
itself: the warning with the unsynced events counted now, then
``session.profiles.remove_profile`` on the ``TaskRunner`` (``busy_changed`` while it
runs; ``removed`` or ``remove_failed`` after). The page puts the cards first in its Tab
order (``focus_chain``; ``refreshed`` when the cards were built anew).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.profiles import (
    ProfileCard,
    group_nip,
    profile_card,
    profile_cards,
    remove_profile,
)
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.ui.style import set_role
from latsar_desktop.ui.tasks import Task, TaskRunner
from latsar_desktop.ui.texts import tr
from latsar_desktop.ui.widgets import Button, label

__all__ = ["DemoPeoplePanel", "ProfileCardButton", "ProfileList", "person_field"]


def person_field(person: Any, key: str) -> str:
    """A demo person's ``nip``/``nik``/``name``, from a mapping or an object."""
    value = person[key] if isinstance(person, Mapping) else getattr(person, key)
    return str(value)


class ProfileCardButton(Button):
    """One profile as a card: its name, its NIP grouped for reading, a small "Hapus".

    Enter, Space or a click chooses it; Delete (or "Hapus") asks to remove it. "Hapus"
    is reached by the mouse or by Delete on the card, so Tab goes card to card; the
    card's tooltip and accessible description say so. ``focused``/``unfocused`` when it
    gains or loses the focus."""

    remove_requested = Signal(object)
    focused = Signal()
    unfocused = Signal()

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
        self.setAccessibleDescription(tr(Label.SIGNIN_CARD_DELETE))
        self.setToolTip(tr(Label.SIGNIN_CARD_DELETE))

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
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

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.unfocused.emit()


class CardScroll(QScrollArea):
    """The cards' scroll area: as tall as its cards and no taller (its size hint is the
    cards' own as they are now, neither capped nor kept from before, and its height
    policy ``Maximum``), so what follows stays right under the list; shorter, with a
    scroll bar, when the window is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        return QSize(hint.width(), widget.sizeHint().height() + 2 * self.frameWidth())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # the cards laid out anew (one added, shown or removed): the list's height follows
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)


class DemoPeoplePanel(QFrame):
    """The demo people with their NIP and NIK, each with an "Isi" button
    (``fill_requested(nip, nik)``)."""

    fill_requested = Signal(str, str)

    def __init__(self, people: Sequence[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.people = list(people)
        set_role(self, "panel")
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        box.setSpacing(6)
        self.title = label("", "subtitle")
        self.intro = label("", "muted", wrap=True)
        box.addWidget(self.title)
        box.addWidget(self.intro)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(4)
        self.headers = [label("", "field") for _ in range(3)]
        for column, header in enumerate(self.headers):
            grid.addWidget(header, 0, column)
        self.buttons: list[Button] = []
        for row, person in enumerate(self.people, start=1):
            nip, nik = person_field(person, "nip"), person_field(person, "nik")
            grid.addWidget(label(person_field(person, "name")), row, 0)
            for column, value in ((1, group_nip(nip)), (2, nik)):
                cell = label(value)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(cell, row, column)
            fill = Button("", "link")
            fill.clicked.connect(lambda _=False, n=nip, k=nik: self.fill_requested.emit(n, k))
            grid.addWidget(fill, row, 3)
            self.buttons.append(fill)
        grid.setColumnStretch(4, 1)
        box.addLayout(grid)

    def retranslate(self) -> None:
        self.title.setText(tr(Label.SIGNIN_DEMO_TITLE))
        self.intro.setText(tr(Label.SIGNIN_DEMO_INTRO))
        for header, text in zip(
            self.headers,
            (Label.SIGNIN_DEMO_NAME, Label.SIGNIN_NIP, Label.SIGNIN_NIK),
            strict=True,
        ):
            header.setText(tr(text))
        for button, person in zip(self.buttons, self.people, strict=True):
            button.setText(tr(Label.SIGNIN_DEMO_FILL))
            name = person_field(person, "name")
            button.setAccessibleName(tr(Label.SIGNIN_DEMO_FILL_FOR, name=name))


class ProfileList(QWidget):
    """The profiles on this computer as cards, "Masuk dengan akun lain", the demo people.

    Signals: ``chosen(card)`` (a ``ProfileCard``), ``other_account_chosen()``,
    ``demo_chosen(nip, nik)``; ``busy_changed(busy)`` while a removal runs;
    ``removed(card)`` after it, or ``remove_failed(error)``; ``refreshed()`` when the
    cards were built anew."""

    chosen = Signal(object)
    other_account_chosen = Signal()
    demo_chosen = Signal(str, str)
    busy_changed = Signal(bool)
    removed = Signal(object)
    remove_failed = Signal(object)
    refreshed = Signal()

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
        self._task: Task[Any] | None = None  # a removal running
        self._build()

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.title = label("", "subtitle")
        column.addWidget(self.title)
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
        self.other_account.clicked.connect(self.choose_other_account)
        self.card_layout.addWidget(self.other_account)
        self.card_layout.addStretch(1)
        self.card_scroll = CardScroll()
        self.card_scroll.setWidget(self.card_list)
        self.card_scroll.setWidgetResizable(True)
        self.card_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.card_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.card_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(self.card_scroll)
        # the keys of the card that has the focus (one line); its place kept while there
        # are cards
        self.card_hint = label("", "muted")
        self.card_hint.hide()
        column.addWidget(self.card_hint)
        self.demo_panel: DemoPeoplePanel | None = None
        if self.demo_people:
            self.demo_panel = DemoPeoplePanel(self.demo_people)
            self.demo_panel.fill_requested.connect(self._demo_chosen)
            column.addSpacing(8)
            column.addWidget(self.demo_panel)
        # the free space goes below everything: the demo people stay under the list
        self.free_space = QWidget()
        self.free_space.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        column.addWidget(self.free_space, 1)

    @property
    def demo_buttons(self) -> list[Button]:
        """The demo people's "Isi" buttons (none without demo people)."""
        return self.demo_panel.buttons if self.demo_panel is not None else []

    @property
    def removing(self) -> bool:
        return self._task is not None

    def focus_chain(self) -> list[QWidget]:
        """The cards, then "Masuk dengan akun lain": first in the screen's Tab order."""
        return [*self.cards, self.other_account]

    def retranslate(self) -> None:
        self.title.setText(tr(Label.SIGNIN_PROFILES))
        self.no_profiles.setText(tr(Label.SIGNIN_NO_PROFILES))
        self.other_account.setText(tr(Label.SIGNIN_OTHER_ACCOUNT))
        self.card_hint.setText(tr(Label.SIGNIN_CARD_KEYS))
        for card in self.cards:
            card.retranslate()
        if self.demo_panel is not None:
            self.demo_panel.retranslate()

    def set_cards_enabled(self, enabled: bool) -> None:
        """Off while a sign-in or a removal runs: nothing chosen or removed meanwhile."""
        self.card_list.setEnabled(enabled)

    # ------------------------------------------------------------------ the cards

    def refresh(self) -> None:
        """Build the cards anew from machine.db (after a sign-in made a profile, a
        removal, a sign-out)."""
        for card in self.cards:
            self.card_layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        # the cards do not show the unsynced events (the removal warning counts them
        # anew): no profile's database is opened, before the sign-in screen shows too
        for position, profile in enumerate(profile_cards(self.machine, counted=False)):
            card = ProfileCardButton(profile, self.card_list)
            card.clicked.connect(lambda _=False, c=card: self.choose(c.card))
            card.remove_requested.connect(self.ask_remove)
            card.focused.connect(lambda c=card: self._card_focused(c))
            card.unfocused.connect(self.card_hint.hide)
            self.card_layout.insertWidget(position, card)
            self.cards.append(card)
        self.no_profiles.setVisible(not self.cards)
        # with no profile, "Masuk dengan akun lain" would name no other: the form is it
        self.card_scroll.setVisible(bool(self.cards))
        self.card_hint.hide()
        policy = self.card_hint.sizePolicy()
        policy.setRetainSizeWhenHidden(bool(self.cards))  # no card: no line kept
        self.card_hint.setSizePolicy(policy)
        # room for the first card (if any) and "Masuk dengan akun lain"; more scroll
        shown = [*self.cards[:1], self.other_account]
        margins = self.card_layout.contentsMargins()
        self.card_scroll.setMinimumHeight(
            sum(card.sizeHint().height() for card in shown)
            + self.card_layout.spacing() * (len(shown) - 1)
            + margins.top()
            + margins.bottom()
        )
        self.refreshed.emit()

    def _card_focused(self, card: ProfileCardButton) -> None:
        self.card_scroll.ensureWidgetVisible(card)
        self.card_hint.show()

    def select(self, card: ProfileCard) -> ProfileCardButton | None:
        """Mark ``card`` as the one chosen, without telling the page (which fills the
        form itself); its button, or None when it is not on this computer any more."""
        # one card checked at a time (not a QButtonGroup: Tab would skip the others)
        for button in self.cards:
            button.setChecked(button.card.id == card.id)
        self.other_account.setChecked(False)
        return next((b for b in self.cards if b.card.id == card.id), None)

    def card_for(self, nip: str) -> ProfileCardButton | None:
        """The card of the profile with this NIP (digits only), if any."""
        return next((b for b in self.cards if b.card.nip == nip), None)

    def choose(self, card: ProfileCard) -> None:
        """A profile card chosen: it alone checked, then ``chosen(card)``."""
        self.select(card)
        self.chosen.emit(card)

    def choose_other_account(self) -> None:
        self.uncheck()
        self.other_account.setChecked(True)
        self.other_account_chosen.emit()

    def _demo_chosen(self, nip: str, nik: str) -> None:
        self.uncheck()
        self.demo_chosen.emit(nip, nik)

    def uncheck(self) -> None:
        for button in [*self.cards, self.other_account]:
            button.setChecked(False)

    # ------------------------------------------------------------------ removing

    def ask_remove(self, card: ProfileCard) -> None:
        """The confirmation before removing a profile, with the unsynced events it
        would lose (counted now). Opened, not exec'd: ``remove_dialog`` until closed."""
        if self._task is not None or self.remove_dialog is not None:
            return
        if not self.card_list.isEnabled():  # a sign-in is running
            return
        fresh = profile_card(self.machine, card.id)
        if fresh is None:
            self.refresh()
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
            self.refresh()
            self.busy_changed.emit(False)
            self.removed.emit(card)

        def failed(error: BaseException) -> None:
            self._task = None
            self.busy_changed.emit(False)
            self.remove_failed.emit(error)

        self.busy_changed.emit(True)
        self._task = self.runner.run(
            work, done=done, failed=failed, name="remove_profile", parent=self
        )

    def shutdown(self) -> None:
        """The window closes: the question closed, a removal running cancelled (it
        finishes or not as a whole: ``remove_profile`` is one step)."""
        if self.remove_dialog is not None:
            self.remove_dialog.reject()
        if self._task is not None:
            self._task.cancel()
