"""Walking every widget of a window for texts left in the other language.

``templates(language, other)`` turns each catalog text of ``language`` whose ``other``
text differs into a pattern: the literal parts escaped, each ``{parameter}`` matching
any text. ``leftovers(root, templates)`` reads every text a participant can see or hear
(labels, buttons, fields' placeholders, combo items, tool tips, accessible names,
window titles) of ``root`` and everything under it, visible or not (a hidden widget is
shown later with the text it has), line by line, and returns those a pattern matches
whole. After switching to English, none of the Indonesian-only texts may be left, and
back. A pattern with fewer than three letters of its own (only parameters and signs)
says nothing about the language and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QTextEdit,
    QWidget,
)

from latsar_desktop import i18n

_PARAMETER = re.compile(r"\{[a-z_]+\}")
_TAG = re.compile(r"<[^>]+>")
MIN_LETTERS = 3


@dataclass(frozen=True)
class Template:
    code: str
    text: str
    pattern: re.Pattern[str]


def templates(language: str, other: str) -> list[Template]:
    """The texts of ``language`` that ``other`` says differently, as patterns."""
    theirs = {
        _plain(line)
        for code in i18n.KNOWN_CODES
        for line in i18n.catalog(other).gettext(code).splitlines()
    }
    found = []
    for code in sorted(i18n.KNOWN_CODES):
        text = i18n.catalog(language).gettext(code)
        if text == i18n.catalog(other).gettext(code):
            continue
        for line in map(_plain, text.splitlines()):
            if line in theirs:  # the other language says this too (another text's words)
                continue
            literal = _PARAMETER.sub("", line)
            if sum(ch.isalpha() for ch in literal) < MIN_LETTERS:
                continue
            parts = _PARAMETER.split(line)
            pattern = "(?s)" + ".+?".join(re.escape(part.strip()) for part in parts)
            found.append(Template(code, line, re.compile(pattern)))
    return found


def _plain(line: str) -> str:
    """A line as compared: no mnemonic ampersands, single spaces."""
    return " ".join(line.replace("&", "").split())


def texts_of(widget: QWidget) -> Iterator[str]:
    """What ``widget`` itself says (not its children)."""
    if isinstance(widget, QLabel):
        yield widget.text()
    if isinstance(widget, QAbstractButton):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield widget.placeholderText()
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        yield widget.toPlainText()
        yield widget.placeholderText()
    if isinstance(widget, QComboBox):
        yield from (widget.itemText(i) for i in range(widget.count()))
    if isinstance(widget, QGroupBox):
        yield widget.title()
    if isinstance(widget, QProgressBar) and widget.isTextVisible():
        yield widget.text()
    yield widget.toolTip()
    yield widget.accessibleName()
    yield widget.accessibleDescription()
    yield widget.statusTip()
    yield widget.whatsThis()
    if widget.isWindow():
        yield widget.windowTitle()


def lines_of(root: QWidget) -> Iterator[tuple[QWidget, str]]:
    """Every line of text of ``root`` and its descendants, without markup."""
    for widget in [root, *root.findChildren(QWidget)]:
        for text in texts_of(widget):
            plain = _TAG.sub(" ", text).replace("&nbsp;", " ")
            for line in map(_plain, plain.splitlines()):
                if line:
                    yield widget, line


def leftovers(root: QWidget, patterns: list[Template]) -> list[str]:
    """The lines of ``root`` one of ``patterns`` matches whole: "where: text (code)"."""
    found = []
    for widget, line in lines_of(root):
        for template in patterns:
            if template.pattern.fullmatch(line):
                where = widget.objectName() or type(widget).__name__
                found.append(f"{where}: {line!r} ({template.code})")
                break
    return found
