"""Small widgets every screen uses: labels with a style role, buttons that Enter presses
too, a field's message line, a thin rule, a page's scrolled column, the language list,
and message texts with their links made clickable."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, QStandardPaths, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop import i18n
from latsar_desktop.ui import texts
from latsar_desktop.ui.style import set_role

if TYPE_CHECKING:
    from latsar_desktop.store.machine import MachineStore

_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)"


def label(text: str = "", role: str | None = None, *, wrap: bool = False) -> QLabel:
    """A label with a style role; ``wrap``: a sentence that may take several lines."""
    widget = QLabel(text)
    if role is not None:
        set_role(widget, role)
    if wrap:
        widget.setWordWrap(True)
        widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return widget


def field_error(lines: int = 2) -> QLabel:
    """The inline message under a field, with room for ``lines`` lines kept for it
    (measured as the label measures a message of that many lines): a message shown moves
    nothing below it (only a longer one grows)."""
    error = label("", "field-error", wrap=True)
    error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    error.ensurePolished()
    error.setText("\n".join(["M"] * lines))
    error.setMinimumHeight(error.sizeHint().height())
    error.setText("")
    return error


def rule() -> QFrame:
    """A thin horizontal line between parts of a page (the style's ``rule``)."""
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    set_role(line, "rule")
    return line


def scrolled_column(page: QWidget, width: int) -> tuple[QScrollArea, QVBoxLayout]:
    """``page`` filled by a scroll area (no frame, never a horizontal bar) holding one
    column at most ``width`` wide, with the page's margins: the area, and the column's
    layout to add the sections to (no margins of its own, 6 px between its lines)."""
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    outer.addWidget(area)
    inside = QWidget()
    row = QHBoxLayout(inside)
    row.setContentsMargins(32, 24, 32, 32)
    content = QWidget()
    content.setMaximumWidth(width)
    row.addWidget(content, 1)
    row.addStretch(0)
    area.setWidget(inside)
    column = QVBoxLayout(content)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(6)
    return area, column


def fill_language_combo(combo: QComboBox) -> None:
    """``combo`` lists the languages, each named in its own words, the current one
    chosen (signals blocked: it may have been chosen elsewhere; call again in
    ``retranslate``). The item's data is the language's code."""
    with QSignalBlocker(combo):
        if combo.count() != len(i18n.LANGUAGES):
            combo.clear()
            for code in i18n.LANGUAGES:
                combo.addItem("", code)
        for index, code in enumerate(i18n.LANGUAGES):
            combo.setItemText(index, texts.tr(texts.LANGUAGE_NAMES[code]))
        combo.setCurrentIndex(i18n.LANGUAGES.index(texts.language()))


def keep_language_chosen(combo: QComboBox, index: int, machine: MachineStore) -> bool:
    """The language at ``index`` of a ``fill_language_combo`` list was chosen: kept and
    in use (``texts.keep_language``). False when it is the one in use already."""
    code = str(combo.itemData(index))
    if code == texts.language():
        return False
    texts.keep_language(machine, code)
    return True


class Button(QPushButton):
    """A push button that Return and Enter press as well as Space (outside a dialog, a
    plain ``QPushButton`` ignores Return)."""

    def __init__(
        self, text: str = "", role: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(text, parent)
        if role is not None:
            set_role(self, role)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            if self.isEnabled():
                self.click()
            event.accept()
            return
        super().keyPressEvent(event)


def rich_text(text: str) -> str:
    """``text`` as HTML: escaped, lines kept, every web address a link."""
    import html  # its entity tables: not before the sign-in screen shows

    def link(found: re.Match[str]) -> str:
        url = found.group(0).rstrip(_TRAILING)
        rest = found.group(0)[len(url) :]
        return f'<a href="{url}">{url}</a>{rest}'

    escaped = html.escape(text, quote=False)
    return _URL.sub(link, escaped).replace("\n", "<br>")


def has_link(text: str) -> bool:
    return _URL.search(text) is not None


def documents_folder() -> Path:
    """Where the file dialogs start: the participant's Documents folder, or the home
    folder when there is none (a dialog would take the missing folder's name as a file
    name)."""
    locations = QStandardPaths.StandardLocation
    documents = Path(QStandardPaths.writableLocation(locations.DocumentsLocation))
    if documents.is_dir():
        return documents
    return Path(QStandardPaths.writableLocation(locations.HomeLocation))


def open_in_place(
    previous: QMessageBox | None, dialog: QMessageBox, forget: Callable[[QMessageBox], None]
) -> QMessageBox:
    """Open ``dialog`` (never ``exec()``) in place of ``previous``, which is closed: the one
    result message a screen keeps (as ``result_dialog``, for tests). When it closes,
    ``forget(dialog)`` runs and it is deleted. Returns ``dialog``."""
    if previous is not None:
        previous.close()

    def closed() -> None:
        forget(dialog)
        dialog.deleteLater()

    dialog.finished.connect(lambda _result: closed())
    dialog.open()
    return dialog
