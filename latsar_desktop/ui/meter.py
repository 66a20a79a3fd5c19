"""``TrophyMeter``: the trophies as a painted horizontal bar out of the course's maximum.

The earned part is in the accent colour, the rest a faint accent. The unlock mark (the
evaluation opens, 28 by default) and the pass mark (32) are drawn across the bar and
labelled under it ("28 · evaluasi terbuka", "32 · syarat lulus"). The labels sit on one
line when they fit: the higher mark's label runs right from its tick, the lower one's
left from its own, so two close marks stay apart; a label that would still overlap goes
to a second line, which is always reserved (nothing moves when the numbers change). A
mark reached is drawn in the dark accent, one not reached in the muted grey. Before
``set_values`` only the empty bar is drawn (the marks are the course's numbers).

The meter paints; it is read through its accessible name and description, which say
the same in words (``retranslate`` re-reads them). ``mark_labels()`` is where the marks
and their labels go at the meter's current size: ``paintEvent`` draws exactly those (one
method computes them for both). The large number above it is the page's own label;
the page gives the meter its panel's whole width, so where the labels go follows from the
page's width alone, never from the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.style import ACCENT, ACCENT_DARK, ACCENT_SOFT, BORDER, MUTED
from latsar_desktop.ui.texts import tr

__all__ = ["MarkLabel", "MarkPlace", "TrophyMeter", "place_marks"]

BAR_HEIGHT = 14
TICK_OVERHANG = 4  # a mark's tick reaches this far above and below the bar
LABEL_GAP = 6  # between a tick and its label, and between two labels
LABEL_ROWS = 2  # lines reserved under the bar for the marks' labels
MIN_WIDTH = 260


@dataclass(frozen=True)
class MarkPlace:
    """Where a mark's label goes: its left edge, its line (0 or 1) under the bar."""

    value: int
    left: float
    row: int


@dataclass(frozen=True)
class MarkLabel:
    """A mark as drawn: its value, its tick's x, its label's text and box."""

    value: int
    tick: float
    text: str
    rect: QRectF
    row: int


def place_marks(
    marks: list[tuple[int, float, float]], width: float, rows: int = LABEL_ROWS
) -> list[MarkPlace]:
    """The labels' places for ``marks`` as ``(value, tick x, label width)``, within
    ``[0, width]``: highest mark first, each on the first line where it overlaps no
    label placed before, right of its tick if it fits there, else left of it (clamped
    to the edges when neither fits). Returned in the order given."""
    placed: dict[int, MarkPlace] = {}
    taken: list[tuple[int, float, float]] = []  # (row, left, right)
    order = sorted(range(len(marks)), key=lambda i: marks[i][1], reverse=True)
    for index in order:
        value, x, text_width = marks[index]
        after = x + LABEL_GAP
        before = x - LABEL_GAP - text_width
        candidates = [left for left in (after, before) if 0 <= left <= width - text_width]
        if not candidates:
            candidates = [min(max(0.0, after), max(0.0, width - text_width))]
        choice: MarkPlace | None = None
        for row in range(rows):
            for left in candidates:
                right = left + text_width
                clear = all(
                    r != row or right + LABEL_GAP <= lo or left >= hi + LABEL_GAP
                    for r, lo, hi in taken
                )
                if clear:
                    choice = MarkPlace(value, left, row)
                    break
            if choice is not None:
                break
        if choice is None:  # no room anywhere: the last line, overlapping
            choice = MarkPlace(value, candidates[0], rows - 1)
        taken.append((choice.row, choice.left, choice.left + text_width))
        placed[index] = choice
    return [placed[i] for i in range(len(marks))]


class TrophyMeter(QWidget):
    """Trophies out of the maximum, with the unlock and pass marks; see the module
    docstring. ``set_values`` gives the numbers, ``retranslate`` re-reads the texts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trophies = 0
        self.maximum = 50
        self.unlock = 28
        self.needed = 32
        self.known = False  # set_values was called: until then only the empty bar
        self._unlock_text = ""
        self._pass_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.retranslate()

    def set_values(self, trophies: int, maximum: int, unlock: int, needed: int) -> None:
        self.trophies, self.maximum = trophies, max(1, maximum)
        self.unlock, self.needed = unlock, needed
        self.known = True
        self.retranslate()

    def retranslate(self) -> None:
        self._unlock_text = tr(Label.HOME_METER_UNLOCK, count=self.unlock)
        self._pass_text = tr(Label.HOME_METER_PASS, count=self.needed)
        self.setAccessibleName(tr(Label.HOME_METER_NAME))
        self.setAccessibleDescription(
            tr(
                Label.HOME_METER_DESCRIPTION,
                trophies=self.trophies,
                total=self.maximum,
                unlock=self.unlock,
                needed=self.needed,
            )
            if self.known
            else ""
        )
        self.updateGeometry()
        self.update()

    def mark_texts(self) -> tuple[str, str]:
        """The two labels drawn under the bar: the unlock mark's, the pass mark's."""
        return self._unlock_text, self._pass_text

    # ------------------------------------------------------------------ size

    def _text_top(self) -> int:
        return TICK_OVERHANG + BAR_HEIGHT + TICK_OVERHANG + 2

    def sizeHint(self) -> QSize:
        metrics = QFontMetrics(self.font())
        height = self._text_top() + LABEL_ROWS * metrics.height() + 2
        width = max(MIN_WIDTH, sum(metrics.horizontalAdvance(t) for t in self.mark_texts()) * 2)
        return QSize(width, height)

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, self.sizeHint().height())

    # ------------------------------------------------------------------ painting

    def _bar(self) -> tuple[float, float]:
        """The bar's left edge and width."""
        return 1.0, float(self.width() - 2)

    def _x(self, value: int, left: float, width: float) -> float:
        share = min(max(value, 0), self.maximum) / self.maximum
        return left + share * width

    def mark_labels(self) -> list[MarkLabel]:
        """The unlock mark and the pass mark as ``paintEvent`` draws them at the current
        size (none before ``set_values``)."""
        if not self.known:  # the marks are the course's: none before its numbers
            return []
        left, width = self._bar()
        metrics = QFontMetrics(self.font())
        marks = [(self.unlock, self._unlock_text), (self.needed, self._pass_text)]
        ticks = [self._x(value, left, width) for value, _ in marks]
        widths = [float(metrics.horizontalAdvance(text)) for _, text in marks]
        places = place_marks(
            [(value, x, w) for (value, _), x, w in zip(marks, ticks, widths, strict=True)],
            float(self.width()),
        )
        text_top = self._text_top()
        return [
            MarkLabel(
                value,
                x,
                text,
                QRectF(place.left, text_top + place.row * metrics.height(), w, metrics.height()),
                place.row,
            )
            for (value, text), x, w, place in zip(marks, ticks, widths, places, strict=True)
        ]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        left, width = self._bar()
        top = float(TICK_OVERHANG)
        radius = BAR_HEIGHT / 2
        bar = QRectF(left, top, width, BAR_HEIGHT)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(ACCENT_SOFT))
        painter.drawRoundedRect(bar, radius, radius)
        if self.known and self.trophies > 0:
            earned = QRectF(left, top, self._x(self.trophies, left, width) - left, BAR_HEIGHT)
            painter.save()
            painter.setClipRect(earned)
            painter.setBrush(QColor(ACCENT))
            painter.drawRoundedRect(bar, radius, radius)
            painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(BORDER), 1))
        painter.drawRoundedRect(bar, radius, radius)

        bottom = top + BAR_HEIGHT
        for mark in self.mark_labels():
            x = mark.tick
            reached = self.trophies >= mark.value
            colour = QColor(ACCENT_DARK if reached else MUTED)
            painter.setPen(QPen(QColor("white"), 4))  # a gap either side: seen on both parts
            painter.drawLine(QPointF(x, 1), QPointF(x, bottom + 3))
            painter.setPen(QPen(colour, 2))
            painter.drawLine(QPointF(x, 0), QPointF(x, bottom + TICK_OVERHANG))
            painter.setPen(colour)
            painter.drawText(
                mark.rect.adjusted(0, 0, 1, 0),  # a pixel more: no clipped last glyph
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                mark.text,
            )
        painter.end()
