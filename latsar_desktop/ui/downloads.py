"""The Course page's download parts: a progress row that replaces a button in place, and
the download box of one material (``ui/course.py`` hosts both).

``ProgressRow``: a thin bar, one line ("Mengunduh… 1,2 MB dari 3,4 MB") and
"Batalkan"; ``SwapSlot`` holds a button and a ``ProgressRow`` on top of each other at one
fixed height, so starting work swaps them and nothing around moves.

``DownloadBox``: one material's "Unduh untuk offline (12,3 MB)" (the size shown before it
starts), its progress in place with "Batalkan" while it runs, then "Tersedia offline" and
"Hapus unduhan"; a failure (offline, disk full) as one calm line under it, in a line kept
for it (wrapped, whole), the button then reading "Coba lagi (12,3 MB)". The box decides
nothing: the page tells it the state (``show_idle``, ``show_running``, ``show_ready``)
and hears ``download_clicked``, ``cancel_clicked`` and ``delete_clicked``.

Two small builders the Course widgets share: ``left_aligned(widget)`` (a button at the
left of its place, the rest empty: what a ``SwapSlot`` holds) and ``panel(frame,
spacing)`` (a frame made a light "panel" box with its title at the top).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.style import set_role
from latsar_desktop.ui.texts import size_text, tr
from latsar_desktop.ui.widgets import Button, field_error, label

__all__ = ["DownloadBox", "ProgressRow", "SwapSlot", "bytes_text", "left_aligned", "panel"]


def bytes_text(text: Label, done: int, total: int) -> str:
    """A progress line: ``text`` with the bytes done and the total, as people read them."""
    return tr(text, done=size_text(max(done, 0)), total=size_text(max(total, 0)))


def left_aligned(widget: QWidget) -> QWidget:
    """``widget`` at the left of a holder as wide as its place (the rest left empty)."""
    holder = QWidget()
    line = QHBoxLayout(holder)
    line.setContentsMargins(0, 0, 0, 0)
    line.addWidget(widget)
    line.addStretch(1)
    return holder


def panel(frame: QFrame, spacing: int) -> tuple[QVBoxLayout, QLabel]:
    """``frame`` made a "panel" (the light box): its column, with the panels' margins and
    ``spacing``, and its title (a "field" label, empty) at the top of it."""
    set_role(frame, "panel")
    box = QVBoxLayout(frame)
    box.setContentsMargins(20, 14, 20, 14)
    box.setSpacing(spacing)
    title = label("", "field")
    box.addWidget(title)
    return box, title


class ProgressRow(QWidget):
    """A line of text with "Batalkan" beside it and a thin bar under it (fixed height)."""

    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        line = QHBoxLayout()
        line.setSpacing(12)
        self.text = label("", "muted")
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.cancel_button = Button("", "link")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        line.addWidget(self.text, 1)
        line.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignVCenter)
        box.addLayout(line)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setRange(0, 0)  # busy until the first numbers come
        box.addWidget(self.bar)

    def start(self, text: str) -> None:
        self.bar.setRange(0, 0)
        self.text.setText(text)
        self.text.setToolTip(text)

    def show_bytes(self, text: Label, done: int, total: int) -> None:
        """``done`` of ``total`` bytes: the bar (per mille: sizes beyond an int's range
        stay right) and the line."""
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, done * 1000 // total))
        line = bytes_text(text, done, total)
        self.text.setText(line)
        self.text.setToolTip(line)

    def retranslate(self) -> None:
        self.cancel_button.setText(tr(Label.COURSE_CANCEL))


class SwapSlot(QStackedWidget):
    """``widget`` (a button, usually) or the progress row, in one place of a fixed height:
    the taller of the two, so the swap moves nothing."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.idle = widget
        self.progress = ProgressRow()
        self.addWidget(widget)
        self.addWidget(self.progress)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.progress.retranslate()
        self.setFixedHeight(max(widget.sizeHint().height(), self.progress.sizeHint().height()))

    @property
    def running(self) -> bool:
        return self.currentWidget() is self.progress

    def show_progress(self, text: str) -> None:
        self.progress.start(text)
        self.setCurrentWidget(self.progress)

    def show_idle(self) -> None:
        self.setCurrentWidget(self.idle)

    def retranslate(self) -> None:
        self.progress.retranslate()


class DownloadBox(QFrame):
    """One material's download for offline use; see the module docstring."""

    download_clicked = Signal()
    cancel_clicked = Signal()
    delete_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = 0  # the size the button names
        self._failed = False  # the last try failed: the button says "Coba lagi"
        box, self.title = panel(self, 8)
        self.hint = label("", "muted", wrap=True)
        box.addWidget(self.hint)

        self.download_button = Button("", "primary")
        self.download_button.clicked.connect(self.download_clicked)
        idle = left_aligned(self.download_button)

        ready = QWidget()
        line = QHBoxLayout(ready)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(12)
        self.ready_text = label("", "done", wrap=True)
        self.delete_button = Button("", "link")
        self.delete_button.clicked.connect(self.delete_clicked)
        line.addWidget(self.ready_text, 1)
        line.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.states = QStackedWidget()
        set_role(self.states, "download-states")  # the panel's colour behind it
        self.states.addWidget(idle)
        self.progress = ProgressRow()
        self.progress.cancel_clicked.connect(self.cancel_clicked)
        self.states.addWidget(self.progress)
        self.states.addWidget(ready)
        self.idle_page, self.ready_page = idle, ready
        box.addWidget(self.states)
        self.problem = field_error(2)  # a failure: kept room, so nothing moves when it shows
        set_role(self.problem, "muted")
        box.addWidget(self.problem)
        self.retranslate()
        pages = (idle, self.progress, ready)
        self.states.setFixedHeight(max(page.sizeHint().height() for page in pages))

    # the page's calls ---------------------------------------------------------------

    @property
    def state(self) -> str:
        """ "idle", "running" or "ready" (for tests and the page)."""
        current = self.states.currentWidget()
        if current is self.progress:
            return "running"
        return "ready" if current is self.ready_page else "idle"

    def show_idle(self, size: int) -> None:
        """Not offline yet: the button with the size it would move."""
        self._size = size
        self._name_button()
        self.states.setCurrentWidget(self.idle_page)

    def _name_button(self) -> None:
        """ "Unduh untuk offline (12,3 MB)", or after a failure "Coba lagi (12,3 MB)"."""
        text = Label.COURSE_DOWNLOAD_RETRY if self._failed else Label.COURSE_DOWNLOAD_MATERIAL
        self.download_button.setText(tr(text, size=size_text(self._size)))

    def show_running(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.show_bytes(Label.COURSE_DOWNLOADING, done, total)
        else:  # no numbers yet (this material's): the bar busy
            self.progress.start(bytes_text(Label.COURSE_DOWNLOADING, done, total))
        self.states.setCurrentWidget(self.progress)

    def show_ready(self) -> None:
        self.states.setCurrentWidget(self.ready_page)

    def show_problem(self, text: str) -> None:
        """A failure's one line (whole: it wraps), "" for none; the button then offers to
        try again."""
        self.problem.setText(text)
        self._failed = bool(text)
        self._name_button()

    def retranslate(self) -> None:
        self.title.setText(tr(Label.COURSE_DOWNLOAD_TITLE))
        self.hint.setText(tr(Label.COURSE_DOWNLOAD_HINT))
        self._name_button()
        self.ready_text.setText(tr(Label.COURSE_OFFLINE_READY))
        self.delete_button.setText(tr(Label.COURSE_DELETE_DOWNLOAD))
        self.progress.retranslate()
