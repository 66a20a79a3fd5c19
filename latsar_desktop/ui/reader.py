"""``ModuleReader``: one course module on the screen, HTML or PDF, and whether its end
was reached.

``open(path, media_type)`` shows a local file: ``text/html`` in a read-only
``QTextBrowser`` (a calm page: the text in a column of a comfortable reading width,
centred, at a reading size; images relative to the file resolve; a link to anything
outside the file, web or local, opens in the system's browser or viewer through
``QDesktopServices.openUrl``, an ``#anchor`` scrolls), ``application/pdf`` through QtPdf
(``QPdfDocument`` in a ``QPdfView``, every page under the other). Above the document one
bar: the page navigation (PDF only: "◀", a page box "[2] dari 5", "▶", the arrows are
icons named "Halaman sebelumnya" / "Halaman berikutnya" for screen readers and in their
tool tips; PageUp/PageDown in the document) on the left, the zoom on the right ("−", the
percentage, "+", "Sesuaikan lebar"; Ctrl+= / Ctrl+- / Ctrl+0, Ctrl+wheel). The bar is
compact: every text in it shows whole on one row in the Course page's activity pane at
1366×768, 125 % (about 450 px wide), in both languages; a narrower reader puts the zoom
on a second row rather than cut a word. The percentage label and the page box are
as wide as their widest text, so nothing moves when the page or the zoom changes. A PDF
opens fitted to the width, HTML at 100 % (its text always wraps to the width:
"Sesuaikan lebar" brings it back to 100 %).

``finished`` is emitted once per opened document, when its end was reached: the
vertical scroll bar at its end (a document that fits without scrolling counts once it
is shown), or for a PDF its last page shown (navigated to, or scrolled into view).
The reader only says so: the Course page records the completion through the session.

A file that cannot be shown (missing, unreadable, a damaged PDF, a media type the
reader does not know) puts a message in place of the document (no dialog, nothing
raised) and emits ``failed(detail)``, the detail for the logs. ``close_document()``
releases the file (the PDF's handle is closed; HTML is read whole when opened).
"""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QMargins,
    QObject,
    QPointF,
    QSignalBlocker,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QResizeEvent,
    QShortcut,
    QShowEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrameFormat,
    QWheelEvent,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QStyle,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.i18n.labels import Label
from latsar_desktop.ui.style import DISABLED, set_role
from latsar_desktop.ui.texts import tr
from latsar_desktop.ui.widgets import Button, label, rule

__all__ = ["HTML", "PDF", "ZOOM_STEPS", "ModuleReader"]

HTML = "text/html"
PDF = "application/pdf"
ZOOM_STEPS = (50, 67, 80, 90, 100, 110, 125, 150, 175, 200, 250, 300)
"""The zoom levels "+" and "−" step through, in percent (a fitted width lies between)."""
READING_SIZE = 1.1  # the HTML text at 100 %: a little larger than the app's own font
READING_COLUMN = 70  # the HTML column at most this many average characters wide
PAGE_MARGIN = 28  # px: the HTML text never closer to the view's edges (and top, bottom)
# Qt draws headings by a size step above the text (``FontSizeAdjustment``: h1 3 = twice the
# text, h2 2 = 1.5×) whatever a module's CSS asks: in a narrow pane an h1 then takes four
# lines. Headings are drawn at most one step smaller: h1 1.5×, h2 1.2×, the rest as they are.
HEADING_STEP_LIMIT = {1: 2, 2: 1}
ARROW_SIZE = 14  # px: the page arrows' icons (inside a 32 px square button's padding)
PAGES_FITTED = 99  # the page box and "dari …" as wide as this number (or the document's)
log = logging.getLogger(__name__)


class _Mode(Enum):
    EMPTY = "empty"
    HTML = "html"
    PDF = "pdf"
    FAILED = "failed"


class ModuleReader(QWidget):
    """A module's file, its zoom and pages; see the module docstring."""

    finished = Signal()
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode = _Mode.EMPTY
        self._path: Path | None = None
        self._zoom = 100  # percent (a PDF's fitted width: its computed percentage)
        self._fit = False  # a PDF fitted to the view's width (follows its resizes)
        self._sent = False  # ``finished`` emitted for the document shown
        self._loading = False  # the HTML is being replaced: its scroll bar says nothing

        # the bar: page navigation on the left (PDF only), the zoom on the right
        # the page arrows: icons (their words in the tool tip and the accessible name)
        self.previous_button = Button(role="reader-tool")
        self.next_button = Button(role="reader-tool")
        arrows = QStyle.StandardPixmap
        for button, arrow in (
            (self.previous_button, arrows.SP_ArrowLeft),
            (self.next_button, arrows.SP_ArrowRight),
        ):
            button.setIcon(self.style().standardIcon(arrow))
            button.setIconSize(QSize(ARROW_SIZE, ARROW_SIZE))
        self.page_box = QSpinBox()
        # its arrows are hidden by the style (NoButtons, styled, leaves no room for the
        # number); Up and Down still step it
        self.page_box.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_box.setKeyboardTracking(False)  # a number typed: on Enter or leaving
        self.page_box.setRange(1, 1)
        set_role(self.page_box, "reader-page-box")
        self.page_count_label = label("", "muted")
        self.zoom_out_button = Button("−", "reader-tool")
        self.zoom_label = label()
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = Button("+", "reader-tool")
        self.fit_button = Button(role="reader-tool")
        self.fit_button.setCheckable(True)  # pressed while the width is fitted

        self.pages = QWidget()  # the page navigation, hidden for HTML
        pages = QHBoxLayout(self.pages)
        pages.setContentsMargins(0, 0, 0, 0)
        pages.setSpacing(4)
        pages.addWidget(self.previous_button)
        pages.addSpacing(4)
        pages.addWidget(self.page_box)
        pages.addWidget(self.page_count_label)
        pages.addWidget(self.next_button)
        self.zoom = QWidget()  # "−", the percentage, "+", "Sesuaikan lebar"
        zoom = QHBoxLayout(self.zoom)
        zoom.setContentsMargins(0, 0, 0, 0)
        zoom.setSpacing(4)
        zoom.addWidget(self.zoom_out_button)
        zoom.addWidget(self.zoom_label)
        zoom.addWidget(self.zoom_in_button)
        zoom.addSpacing(4)
        zoom.addWidget(self.fit_button)
        # one row (the pages on the left, the zoom on the right), or two when the pane is
        # too narrow for both (see _arrange_bar): no text in the bar is ever cut
        self.bar_grid = QGridLayout()
        self.bar_grid.setContentsMargins(0, 0, 0, 0)
        self.bar_grid.setHorizontalSpacing(8)
        self.bar_grid.setVerticalSpacing(8)
        self.bar_grid.setColumnStretch(1, 1)
        self.bar_grid.addWidget(self.pages, 0, 0)
        self.bar_grid.addWidget(self.zoom, 0, 2)
        self._two_rows = False
        self.bar = QWidget()
        self.bar.setLayout(self.bar_grid)
        self.bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

        # the document: HTML, PDF, or the message in its place
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)  # every link through _link
        self.browser.setFrameShape(QFrame.Shape.NoFrame)
        set_role(self.browser, "reader-page")
        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.pdf_view.setFrameShape(QFrame.Shape.NoFrame)
        # always there: a fitted width never makes it appear (and refit, and vanish …)
        self.pdf_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.pdf_view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.pdf_view.setDocumentMargins(QMargins(16, 16, 16, 16))
        self.pdf_view.setPageSpacing(16)
        desk = self.pdf_view.palette()  # around the pages: a light grey desk
        desk.setColor(QPalette.ColorRole.Dark, QColor(DISABLED))
        self.pdf_view.setPalette(desk)
        set_role(self.pdf_view, "reader-pdf")
        self.message_title = label("", "subtitle", wrap=True)
        self.message = label("", "muted", wrap=True)
        self.message_page = QWidget()
        set_role(self.message_page, "reader-message")
        message = QVBoxLayout(self.message_page)
        message.setContentsMargins(PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN, PAGE_MARGIN)
        message.setSpacing(8)
        message.addWidget(self.message_title)
        message.addWidget(self.message)
        message.addStretch(1)
        self.empty_page = QWidget()
        self.pdf_view.setDocument(self.pdf_document)
        self.stack = QStackedWidget()
        for page in (self.empty_page, self.browser, self.pdf_view, self.message_page):
            self.stack.addWidget(page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.bar)
        layout.addWidget(rule())
        layout.addWidget(self.stack, 1)

        self.previous_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        self.page_box.valueChanged.connect(lambda number: self.go_to_page(number - 1))
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.fit_button.clicked.connect(self.fit_width)
        self.browser.anchorClicked.connect(self._link)
        navigator = self.pdf_view.pageNavigator()
        navigator.currentPageChanged.connect(self._page_changed)
        for view in (self.browser, self.pdf_view):
            bar_ = view.verticalScrollBar()
            bar_.valueChanged.connect(self._check_end)
            bar_.rangeChanged.connect(self._check_end)
            view.viewport().installEventFilter(self)
        self.pdf_view.installEventFilter(self)
        standard = QKeySequence.StandardKey
        shortcuts = (
            (("Ctrl+=", "Ctrl++"), standard.ZoomIn, self.zoom_in),
            (("Ctrl+-",), standard.ZoomOut, self.zoom_out),
            (("Ctrl+0",), None, self.fit_width),
        )
        for names, key, action in shortcuts:
            sequences = [QKeySequence(name) for name in names]
            if key is not None:
                sequences += QKeySequence.keyBindings(key)
            unique: list[QKeySequence] = []
            for sequence in sequences:  # one shortcut per key: two would be ambiguous
                if sequence not in unique:
                    unique.append(sequence)
            for sequence in unique:
                shortcut = QShortcut(sequence, self)
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(action)
        self.setFocusProxy(self.browser)
        self.retranslate()
        self._show_controls()

    # ---------------------------------------------------------------- what screens call

    def open(self, path: Path, media_type: str) -> bool:
        """Show ``path`` (``text/html`` or ``application/pdf``). False when it cannot be
        shown: the message is in place and ``failed`` was emitted."""
        self.close_document()
        self._path = path
        kind = media_type.split(";", 1)[0].strip().lower()
        if kind == HTML:
            shown = self._open_html(path)
        elif kind == PDF:
            shown = self._open_pdf(path)
        else:
            shown = self._fail(f"{path}: unsupported media type {media_type!r}")
        self._show_controls()
        if shown:
            QTimer.singleShot(0, self, self._check_end)  # once laid out and shown
        return shown

    def close_document(self) -> None:
        """Nothing shown any more; the file is released."""
        self._mode = _Mode.EMPTY
        self._path = None
        self._sent = False
        self._loading = True
        self.browser.clear()
        self._loading = False
        self.pdf_document.close()  # the view stays on it: empty
        self.stack.setCurrentWidget(self.empty_page)
        self._show_controls()

    @property
    def has_document(self) -> bool:
        """A document is shown (not nothing, not the message)."""
        return self._mode in (_Mode.HTML, _Mode.PDF)

    @property
    def is_pdf(self) -> bool:
        return self._mode is _Mode.PDF

    @property
    def zoom_percent(self) -> int:
        """The zoom shown, in percent."""
        return self._zoom

    @property
    def page(self) -> int:
        """The PDF's current page, from 0 (0 for HTML)."""
        return self.pdf_view.pageNavigator().currentPage() if self.is_pdf else 0

    @property
    def page_count(self) -> int:
        """The PDF's pages (1 for HTML, 0 for nothing)."""
        if self._mode is _Mode.PDF:
            return self.pdf_document.pageCount()
        return 1 if self._mode is _Mode.HTML else 0

    def next_page(self) -> None:
        self.go_to_page(self.page + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.page - 1)

    def go_to_page(self, page: int) -> None:
        """Show the PDF's ``page`` (from 0; kept within the document) at its top."""
        if not self.is_pdf:
            return
        page = min(max(0, page), self.page_count - 1)
        navigator = self.pdf_view.pageNavigator()
        if page != navigator.currentPage():
            navigator.jump(page, QPointF(), navigator.currentZoom())
        self._show_page()

    def zoom_in(self) -> None:
        self._step_zoom(+1)

    def zoom_out(self) -> None:
        self._step_zoom(-1)

    def fit_width(self) -> None:
        """A PDF: its pages as wide as the view (and kept so when it resizes). HTML,
        whose text always wraps to the view: its reading size, 100 %."""
        if self._mode is _Mode.PDF:
            self._fit = True
            self._fit_pdf()
        elif self._mode is _Mode.HTML:
            self._set_zoom(100)

    def retranslate(self) -> None:
        for button, name, tip in (
            (self.previous_button, Label.READER_PREVIOUS, Label.READER_PREVIOUS_TIP),
            (self.next_button, Label.READER_NEXT, Label.READER_NEXT_TIP),
        ):
            button.setAccessibleName(tr(name))
            button.setToolTip(tr(tip))
        self.page_box.setAccessibleName(tr(Label.READER_PAGE))
        self.page_box.setToolTip(tr(Label.READER_PAGE))
        for button, name in (
            (self.zoom_out_button, Label.READER_ZOOM_OUT),
            (self.zoom_in_button, Label.READER_ZOOM_IN),
        ):
            button.setToolTip(tr(name))
            button.setAccessibleName(tr(name))
        self.zoom_label.setAccessibleName(tr(Label.READER_ZOOM_NAME))
        self.fit_button.setText(tr(Label.READER_FIT_WIDTH))
        self.fit_button.setToolTip(tr(Label.READER_FIT_WIDTH_TIP))
        self.message_title.setText(tr(Label.READER_FAILED_TITLE))
        self.message.setText(tr(Label.READER_FAILED))
        self._fit_widths()
        self._show_page()
        self._show_zoom()
        self._arrange_bar()

    # ---------------------------------------------------------------- opening

    def _open_html(self, path: Path) -> bool:
        try:
            data = path.read_bytes()
        except OSError as error:
            return self._fail(f"{path}: {error}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # an old editor's file
        self._mode = _Mode.HTML
        self._zoom = 100
        self._fit = False
        self._loading = True
        try:
            self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path)))
            self._apply_html_font()
            self.browser.setHtml(text)
            calm_headings(self.browser.document())
            self._apply_html_margins()
            self.browser.verticalScrollBar().setValue(0)
        finally:
            self._loading = False
        self.stack.setCurrentWidget(self.browser)
        self.setFocusProxy(self.browser)
        return True

    def _open_pdf(self, path: Path) -> bool:
        error = self.pdf_document.load(str(path))
        if error is not QPdfDocument.Error.None_ or self.pdf_document.pageCount() < 1:
            self.pdf_document.close()
            return self._fail(f"{path}: {error.name}")
        self._mode = _Mode.PDF
        self.stack.setCurrentWidget(self.pdf_view)
        self.setFocusProxy(self.pdf_view)
        self.pdf_view.pageNavigator().jump(0, QPointF(), 1.0)
        self._fit = True  # a page fitted to the width reads best in a narrow pane
        self._fit_widths()  # room for its number of pages
        self._fit_pdf()
        self._show_page()
        return True

    def _fail(self, detail: str) -> bool:
        self._mode = _Mode.FAILED
        self.stack.setCurrentWidget(self.message_page)
        self.setFocusProxy(self.browser)
        log.warning("module cannot be shown: %s", detail)
        self.failed.emit(detail)
        return False

    # ---------------------------------------------------------------- zoom

    def _step_zoom(self, direction: int) -> None:
        if not self.has_document:
            return
        if direction > 0:
            steps = [step for step in ZOOM_STEPS if step > self._zoom]
            target = steps[0] if steps else ZOOM_STEPS[-1]
        else:
            steps = [step for step in ZOOM_STEPS if step < self._zoom]
            target = steps[-1] if steps else ZOOM_STEPS[0]
        self._fit = False
        self._set_zoom(target)

    def _set_zoom(self, percent: int) -> None:
        self._zoom = percent
        if self._mode is _Mode.HTML:
            bar = self.browser.verticalScrollBar()
            share = bar.value() / bar.maximum() if bar.maximum() else 0.0
            self._apply_html_font()
            self._apply_html_margins()
            bar.setValue(round(share * bar.maximum()))  # the same place in the text
        elif self._mode is _Mode.PDF:
            self.pdf_view.setZoomFactor(percent / 100)
        self._show_zoom()

    def _fit_pdf(self) -> None:
        """The widest page as wide as the view, less the view's margins."""
        if not self.is_pdf:
            return
        widest = max(
            self.pdf_document.pagePointSize(page).width() for page in range(self.page_count)
        )
        dpi = self.pdf_view.logicalDpiX()
        screen = self.screen()
        if screen is not None:
            dpi = round(screen.logicalDotsPerInch())  # what QPdfView draws with
        margins = self.pdf_view.documentMargins()
        room = self.pdf_view.viewport().width() - margins.left() - margins.right()
        if widest <= 0 or room <= 0:
            return
        factor = room / (widest * dpi / 72)
        self._zoom = max(10, int(factor * 100))  # rounded down: it never overflows
        self.pdf_view.setZoomFactor(self._zoom / 100)
        self._show_zoom()

    def _apply_html_font(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * READING_SIZE * self._zoom / 100)
        self.browser.document().setDefaultFont(font)

    def _apply_html_margins(self) -> None:
        """The text in a centred column at most ``READING_COLUMN`` characters wide."""
        if self._mode is not _Mode.HTML:
            return
        metrics = QFontMetricsF(self.browser.document().defaultFont())
        column = metrics.averageCharWidth() * READING_COLUMN
        room = self.browser.viewport().width()
        side = max(PAGE_MARGIN, (room - column) / 2)
        document = self.browser.document()
        document.setDocumentMargin(0)
        frame = document.rootFrame()
        shape = QTextFrameFormat(frame.frameFormat())
        if shape.leftMargin() == side and shape.topMargin() == PAGE_MARGIN:
            return
        shape.setLeftMargin(side)
        shape.setRightMargin(side)
        shape.setTopMargin(PAGE_MARGIN)
        shape.setBottomMargin(PAGE_MARGIN)
        frame.setFrameFormat(shape)

    # ---------------------------------------------------------------- what is shown

    def _arrange_bar(self) -> None:
        """The zoom beside the page navigation when the reader is wide enough for both
        whole, else under it (a narrow pane: two rows rather than cut words)."""
        one_row = (
            self.pages.sizeHint().width()
            + self.bar_grid.horizontalSpacing()
            + self.zoom.sizeHint().width()
        )
        two_rows = not self.pages.isHidden() and self.width() < one_row
        if two_rows == self._two_rows:
            return
        self._two_rows = two_rows
        self.bar_grid.removeWidget(self.zoom)
        if two_rows:
            self.bar_grid.addWidget(self.zoom, 1, 0, 1, 3, Qt.AlignmentFlag.AlignLeft)
        else:
            self.bar_grid.addWidget(self.zoom, 0, 2)

    def _show_controls(self) -> None:
        shown = self.has_document
        self.pages.setVisible(self.is_pdf)  # pages: only a PDF has them
        self._arrange_bar()
        for widget in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            widget.setEnabled(shown)
        self.zoom_label.setEnabled(shown)
        self._show_page()
        self._show_zoom()

    def _show_zoom(self) -> None:
        shown = self.has_document
        self.zoom_label.setText(tr(Label.READER_ZOOM_LEVEL, percent=self._zoom) if shown else "")
        self.zoom_out_button.setEnabled(shown and self._zoom > ZOOM_STEPS[0])
        self.zoom_in_button.setEnabled(shown and self._zoom < ZOOM_STEPS[-1])
        fitted = self._fit if self.is_pdf else self._mode is _Mode.HTML and self._zoom == 100
        self.fit_button.setChecked(fitted)

    def _show_page(self) -> None:
        count = self.page_count if self.is_pdf else 0
        page = self.page
        with QSignalBlocker(self.page_box):
            self.page_box.setRange(1, max(1, count))
            self.page_box.setValue(page + 1)
        self.page_box.setEnabled(count > 1)
        self.page_count_label.setText(tr(Label.READER_PAGE_COUNT, count=count) if count else "")
        self.previous_button.setEnabled(count > 0 and page > 0)
        self.next_button.setEnabled(count > 0 and page < count - 1)

    def _fit_widths(self) -> None:
        """The percentage, the page box and "dari …" as wide as their widest texts (for
        up to ``PAGES_FITTED`` pages, else the document's count): nothing moves as the
        zoom or the page changes."""
        metrics = self.zoom_label.fontMetrics()
        widest = tr(Label.READER_ZOOM_LEVEL, percent=ZOOM_STEPS[-1])
        self.zoom_label.setFixedWidth(metrics.horizontalAdvance(widest) + 8)
        pages = max(PAGES_FITTED, self.page_count if self.is_pdf else 0)
        digits = "8" * len(str(pages))
        box = self.page_box.fontMetrics().horizontalAdvance(digits)
        self.page_box.setFixedWidth(box + 24)
        count = tr(Label.READER_PAGE_COUNT, count=int(digits))
        count_metrics = self.page_count_label.fontMetrics()
        self.page_count_label.setFixedWidth(count_metrics.horizontalAdvance(count) + 4)
        height = self.fit_button.sizeHint().height()  # a word's: the arrows' icons are lower
        square = (self.previous_button, self.next_button, self.zoom_out_button, self.zoom_in_button)
        for button in square:
            button.setFixedSize(max(32, height), height)

    def _page_changed(self, _page: int) -> None:
        self._show_page()
        self._check_end()

    # ---------------------------------------------------------------- the end reached

    def _check_end(self) -> None:
        """``finished`` once, when the end of the document shown was reached."""
        if self._sent or self._loading or not self.has_document or not self.isVisible():
            return
        if self._mode is _Mode.HTML:
            view: QTextBrowser | QPdfView = self.browser
            self.browser.document().size()  # the whole text laid out: its real length
        else:
            view = self.pdf_view
        if view.viewport().height() <= 0:
            return
        bar = view.verticalScrollBar()
        end = bar.value() >= bar.maximum()
        if self.is_pdf and self.page == self.page_count - 1:
            end = True
        if end:
            self._sent = True
            self.finished.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self._check_end)  # shown: one that fits is read

    # ---------------------------------------------------------------- links, keys, resizes

    def _link(self, url: QUrl) -> None:
        """A link clicked in the HTML: an anchor of this page scrolls to it; anything
        else (the web, another file) opens outside the app."""
        if url.isRelative() and not url.path() and url.hasFragment():
            self.browser.scrollToAnchor(url.fragment())
            return
        if self._path is not None and url.isRelative():
            url = QUrl.fromLocalFile(str(self._path)).resolved(url)
        if self._path is not None and url.isLocalFile():
            same = Path(url.toLocalFile()) == self._path
            if same and url.hasFragment():
                self.browser.scrollToAnchor(url.fragment())
                return
        QDesktopServices.openUrl(url)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange_bar()
        super().resizeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind is QEvent.Type.Resize:
            if watched is self.browser.viewport() and self._mode is _Mode.HTML:
                self._apply_html_margins()
            elif watched is self.pdf_view.viewport() and self._fit:
                self._fit_pdf()
        elif kind is QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                delta = event.angleDelta().y()
                if delta:
                    self._step_zoom(1 if delta > 0 else -1)
                return True  # never the browser's own font zoom
        elif kind is QEvent.Type.KeyPress and watched is self.pdf_view:
            assert isinstance(event, QKeyEvent)
            if event.modifiers() in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            ):
                if event.key() == Qt.Key.Key_PageDown:
                    self.next_page()
                    return True
                if event.key() == Qt.Key.Key_PageUp:
                    self.previous_page()
                    return True
        return super().eventFilter(watched, event)


def calm_headings(document: QTextDocument) -> None:
    """Headings one size step smaller than Qt draws them (``HEADING_STEP_LIMIT``): they stay
    relative to the text, so zoom keeps them in proportion."""
    adjustment = QTextFormat.Property.FontSizeAdjustment
    block = document.begin()
    while block.isValid():
        limit = HEADING_STEP_LIMIT.get(block.blockFormat().headingLevel())
        pieces = block.begin()
        while limit is not None and not pieces.atEnd():
            piece = pieces.fragment()
            if piece.charFormat().intProperty(adjustment) > limit:
                cursor = QTextCursor(document)
                cursor.setPosition(piece.position())
                cursor.setPosition(
                    piece.position() + piece.length(), QTextCursor.MoveMode.KeepAnchor
                )
                smaller = QTextCharFormat()
                smaller.setProperty(adjustment, limit)
                cursor.mergeCharFormat(smaller)
            pieces += 1
        block = block.next()
