"""Small widgets every screen uses: labels with a style role, buttons that Enter presses
too, and message texts with their links made clickable."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from latsar_desktop.ui.style import set_role

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

    def link(found: re.Match[str]) -> str:
        url = found.group(0).rstrip(_TRAILING)
        rest = found.group(0)[len(url) :]
        return f'<a href="{url}">{url}</a>{rest}'

    escaped = html.escape(text, quote=False)
    return _URL.sub(link, escaped).replace("\n", "<br>")


def has_link(text: str) -> bool:
    return _URL.search(text) is not None
