"""The one look of the app: a white page, one deep-blue accent, the system font at a
readable size, generous margins (DESIGN §4 "Look and feel").

Screens never set colours or fonts themselves: they name what a widget is with a
``role`` property (``set_role(label, "title")``) and this stylesheet styles the role.
Roles: ``eyebrow`` (the small accent line above a title), ``title``, ``subtitle``,
``intro`` (the one sentence under a title), ``muted``, ``field`` (a field's name),
``field-error`` (the inline message under a field), ``error`` and ``notice`` (the
message boxes), ``big`` (numbers that matter), ``card``, ``panel``, ``primary`` (the one
main button of a screen; also a button named ``primary``), ``link`` (a small text
button), ``nav`` (the side bar's buttons), ``sidebar``, ``header``, ``status-dot``,
``rule`` (a thin horizontal line between parts of a page: a ``QFrame`` ``HLine``).

Focus: ONE look for every control that takes the keyboard's focus, a 2 px ring in the
accent colour (fields, buttons, the side bar, cards, links, the video's position bar;
the language list keeps Fusion's own, in the accent); on the main button, whose face is
the accent itself, the ring stands off it (a ``double`` border over a white gap). No
grey dotted focus boxes: each control keeps its size when it gets the focus (the
border's growth comes off the padding), so nothing moves.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

ACCENT = "#1F4E8C"  # the one accent colour: a deep, official blue
ACCENT_DARK = "#173B6A"
ACCENT_SOFT = "#E8EEF7"  # the accent, faint: a chosen card, the side bar's current page
TEXT = "#1D232B"
MUTED = "#56606E"
BORDER = "#D3D9E2"
SURFACE = "#F5F7FA"  # panels and the side bar
DISABLED = "#E6E9EE"  # a main button that cannot be pressed yet: grey, its text readable
ERROR = "#A3231A"
ERROR_SOFT = "#FBEDEC"
ONLINE = "#2E7D4F"
OFFLINE = "#8A6D1F"
BASE_POINT_SIZE = 10.5  # readable on an old 1366×768 laptop at 125 %

STYLESHEET = f"""
QWidget {{ color: {TEXT}; }}
QPushButton, QToolButton, QSlider {{ outline: none; }}
QMainWindow, QStackedWidget, QScrollArea, QScrollArea > QWidget > QWidget {{
    background: white;
}}
QLabel[role="eyebrow"] {{ color: {ACCENT}; font-weight: 600; letter-spacing: 1px; }}
QLabel[role="title"] {{ font-size: 18pt; font-weight: 600; }}
QLabel[role="subtitle"] {{ font-size: 12pt; font-weight: 600; }}
QLabel[role="intro"], QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="field"] {{ font-weight: 600; }}
QLabel[role="field-error"] {{ color: {ERROR}; }}
QLabel[role="big"] {{ font-size: 28pt; font-weight: 600; color: {ACCENT}; }}
QLabel[role="error"] {{
    background: {ERROR_SOFT}; color: {ERROR}; border-left: 4px solid {ERROR};
    padding: 8px 10px;
}}
QLabel[role="notice"] {{
    background: {ACCENT_SOFT}; color: {ACCENT_DARK}; border-left: 4px solid {ACCENT};
    padding: 8px 10px;
}}
QFrame[role="panel"] {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
}}
QFrame[role="panel"] QLabel {{ background: transparent; }}
QLineEdit {{
    border: 1px solid {BORDER}; border-radius: 4px; padding: 6px 8px; background: white;
    selection-background-color: {ACCENT};
}}
QLineEdit:focus {{ border: 2px solid {ACCENT}; padding: 5px 7px; }}
QLineEdit[invalid="true"] {{ border: 1px solid {ERROR}; }}
QLineEdit:disabled {{ background: {SURFACE}; color: {MUTED}; }}
QPushButton {{
    border: 1px solid {BORDER}; border-radius: 4px; padding: 6px 14px; background: white;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; padding: 5px 13px; }}
QPushButton:checked {{ background: {ACCENT_SOFT}; border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #9AA3AF; background: {SURFACE}; }}
QPushButton[role="primary"], QPushButton#primary {{
    background: {ACCENT}; color: white; border: 1px solid {ACCENT}; font-weight: 600;
    padding: 7px 24px;
}}
QPushButton[role="primary"]:hover, QPushButton#primary:hover {{ background: {ACCENT_DARK}; }}
QPushButton[role="primary"]:focus, QPushButton#primary:focus {{
    border: 6px double {ACCENT}; background-clip: padding; padding: 2px 19px;
}}
QPushButton[role="primary"]:disabled, QPushButton#primary:disabled {{
    background: {DISABLED}; border-color: {BORDER}; color: {MUTED};
}}
QPushButton[role="link"] {{
    border: none; background: transparent; color: {ACCENT}; padding: 2px 4px;
    text-decoration: underline;
}}
QPushButton[role="link"]:focus {{
    border: 2px solid {ACCENT}; border-radius: 4px; padding: 0px 2px;
}}
QPushButton[role="card"] {{
    text-align: left; background: white; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 0px;
}}
QPushButton[role="card"]:hover {{ border-color: {ACCENT}; }}
QPushButton[role="card"]:focus {{ border: 2px solid {ACCENT}; }}
QPushButton[role="card"]:checked {{ background: {ACCENT_SOFT}; border: 2px solid {ACCENT}; }}
QPushButton[role="card"] QLabel {{ background: transparent; }}
QPushButton[role="card"][plain="true"] {{ padding: 8px 14px; }}
QWidget[role="sidebar"] {{ background: {SURFACE}; border-right: 1px solid {BORDER}; }}
QPushButton[role="nav"] {{
    text-align: left; border: none; border-radius: 0px; background: transparent;
    padding: 10px 18px; border-left: 4px solid transparent;
}}
QPushButton[role="nav"]:hover {{ background: {ACCENT_SOFT}; }}
QPushButton[role="nav"]:checked {{
    background: {ACCENT_SOFT}; color: {ACCENT_DARK}; font-weight: 600;
    border-left: 4px solid {ACCENT};
}}
QPushButton[role="nav"]:focus {{
    border: 2px solid {ACCENT}; border-left: 4px solid {ACCENT}; padding: 8px 16px 8px 18px;
}}
QWidget[role="header"] {{ border-bottom: 1px solid {BORDER}; }}
QFrame[role="rule"] {{ color: {BORDER}; }}
QStatusBar {{ background: {SURFACE}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 2px 4px; }}
QLabel[role="status-dot"][online="true"] {{ color: {ONLINE}; }}
QLabel[role="status-dot"][online="false"] {{ color: {OFFLINE}; }}
QToolButton:focus {{ border: 2px solid {ACCENT}; border-radius: 4px; }}
QPlainTextEdit:focus {{ border: 2px solid {ACCENT}; }}
QSlider {{ border: 2px solid transparent; border-radius: 4px; padding: 2px; }}
QSlider:focus {{ border: 2px solid {ACCENT}; }}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::sub-page:horizontal {{ background: {ACCENT}; border-radius: 2px; }}
QSlider::handle:horizontal {{
    background: white; border: 2px solid {ACCENT}; width: 12px; margin: -6px 0px;
    border-radius: 8px;
}}
QSlider::handle:horizontal:focus {{ background: {ACCENT}; }}
QComboBox QAbstractItemView {{
    border: 1px solid {BORDER}; selection-background-color: {ACCENT_SOFT};
    selection-color: {TEXT};
}}
QProgressBar {{
    border: none; background: {ACCENT_SOFT}; max-height: 4px; border-radius: 2px;
}}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 2px; }}
QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0px; }}
QScrollBar::handle:vertical {{ background: {BORDER}; border-radius: 4px; min-height: 24px; }}
QScrollBar::handle:vertical:hover {{ background: #AEB8C6; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
QMenuBar {{ background: white; border-bottom: 1px solid {BORDER}; padding: 2px 12px; }}
QMenuBar::item {{ padding: 3px 10px; border-radius: 4px; color: {MUTED}; }}
QMenuBar::item:selected {{ background: {ACCENT_SOFT}; color: {TEXT}; }}
QMenu {{ background: white; border: 1px solid {BORDER}; padding: 4px; }}
QMenu::item {{ padding: 6px 24px 6px 12px; border-radius: 4px; }}
QMenu::item:selected {{ background: {ACCENT_SOFT}; color: {TEXT}; }}
/* ui/notifications.py: the header's bell, its badge and its popup list */
QPushButton[role="bell"] {{
    border: 2px solid transparent; border-radius: 6px; background: transparent; padding: 0px;
}}
QPushButton[role="bell"]:hover {{ background: {ACCENT_SOFT}; }}
QPushButton[role="bell"]:focus {{ border: 2px solid {ACCENT}; padding: 0px; }}
QLabel[role="badge"] {{
    background: {ACCENT}; color: white; border: 2px solid white; border-radius: 10px;
    padding: 0px 4px;
    font-size: 8pt; font-weight: 600;
}}
QFrame[role="popup"] {{ background: white; border: 1px solid {BORDER}; }}
QFrame[role="popup"] QScrollArea, QFrame[role="popup"] QScrollArea > QWidget > QWidget {{
    background: white;
}}
QLabel[role="unseen-dot"] {{ color: {ACCENT}; }}
QLabel[role="notification"][unseen="true"] {{ font-weight: 600; }}
/* ui/home.py (Beranda): the evaluation's state, the checklist's marks, a table's heads */
QLabel[role="chip"] {{
    border: 1px solid {BORDER}; border-radius: 10px; padding: 1px 10px; color: {MUTED};
}}
QLabel[role="chip"][on="true"] {{
    border-color: {ACCENT}; color: {ACCENT_DARK}; background: {ACCENT_SOFT};
}}
QLabel[role="check"] {{ color: {MUTED}; font-weight: 600; }}
QLabel[role="check"][on="true"] {{ color: {ACCENT}; }}
QLabel[role="done"] {{ color: {ACCENT}; }}
QLabel[role="column"] {{ color: {MUTED}; font-weight: 600; }}
/* ui/sync_status.py (SyncStatusBar): the dot's colour per state, the flat sync button */
QLabel[role="status-dot"][state="done"] {{ color: {ONLINE}; }}
QLabel[role="status-dot"][state="pending"], QLabel[role="status-dot"][state="syncing"] {{
    color: {ACCENT};
}}
QLabel[role="status-dot"][state="offline"] {{ color: {OFFLINE}; }}
QLabel[role="status-dot"][state="error"] {{ color: {ERROR}; }}
QLabel[role="status-dot"][state="signing_out"] {{ color: {MUTED}; }}
QPushButton[role="status-action"] {{
    border: 2px solid transparent; border-radius: 4px; background: transparent;
    color: {ACCENT}; font-weight: 600; padding: 1px 10px;
}}
QPushButton[role="status-action"]:hover {{ background: {ACCENT_SOFT}; }}
QPushButton[role="status-action"]:focus {{ border: 2px solid {ACCENT}; padding: 1px 10px; }}
QPushButton[role="status-action"]:disabled {{ color: #9AA3AF; background: transparent; }}
QStatusBar::item {{ border: none; }}
/* ui/activity.py (PracticeQuiz, ReflectionEditor): a question, its choices, the marks after
   the check (the right choice set apart), the reflection's field and its counter */
QLabel[role="quiz-question"] {{ font-weight: 600; }}
QLabel[role="quiz-choice"][key="true"] {{ color: {ACCENT_DARK}; font-weight: 600; }}
QLabel[role="quiz-feedback"] {{ color: {ERROR}; }}
QLabel[role="quiz-feedback"][right="true"] {{ color: {ACCENT}; }}
QRadioButton[role="quiz-choice"] {{
    border: 2px solid transparent; border-radius: 4px; padding: 1px;
}}
QRadioButton[role="quiz-choice"]:focus {{ border: 2px solid {ACCENT}; }}
QLabel[role="reflection-prompt"] {{
    background: {SURFACE}; border-left: 3px solid {ACCENT}; padding: 8px 12px;
}}
QPlainTextEdit[role="reflection"] {{
    border: 1px solid {BORDER}; border-radius: 4px; padding: 6px; background: white;
    selection-background-color: {ACCENT};
}}
QPlainTextEdit[role="reflection"][invalid="true"] {{ border: 1px solid {ERROR}; }}
QPlainTextEdit[role="reflection"]:focus {{ border: 2px solid {ACCENT}; padding: 5px; }}
QPlainTextEdit[role="reflection"][invalid="true"]:focus {{ border: 2px solid {ERROR}; }}
QLabel[role="muted"][invalid="true"] {{ color: {ERROR}; }}
/* ui/profile.py (ProfilePage): the verdict of "Verifikasi sertifikat…", large, its colour
   by the verdict (genuine green; the record genuine, compare the page, the accent; an
   unknown key amber; altered or revoked red; not a certificate grey) */
QLabel[role="verdict"] {{ font-size: 16pt; font-weight: 600; color: {MUTED}; }}
QLabel[role="verdict"][verdict="genuine"] {{ color: {ONLINE}; }}
QLabel[role="verdict"][verdict="record_genuine"] {{ color: {ACCENT}; }}
QLabel[role="verdict"][verdict="unknown_key"] {{ color: {OFFLINE}; }}
QLabel[role="verdict"][verdict="altered"], QLabel[role="verdict"][verdict="revoked"] {{
    color: {ERROR};
}}
/* ui/course.py (CoursePage): the material tree, its items; the pane beside it */
QTreeWidget[role="course-tree"] {{
    border: 1px solid {BORDER}; border-radius: 6px; background: white; padding: 1px;
    selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT};
}}
QTreeWidget[role="course-tree"]:focus {{ border: 2px solid {ACCENT}; padding: 0px; }}
QTreeWidget[role="course-tree"]::item {{ padding: 5px 2px; }}
QTreeWidget[role="course-tree"]::item:selected {{
    background: {ACCENT_SOFT}; color: {ACCENT_DARK};
}}
QFrame[role="course-pane"] {{ border: 1px solid {BORDER}; border-radius: 6px; background: white; }}
QStackedWidget[role="download-states"] {{ background: transparent; }}
/* ui/reader.py (ModuleReader): its bar's compact buttons and page box; the document's
   frame, the same 2 px whether it has the focus or not (nothing reflows) */
QPushButton[role="reader-tool"] {{ padding: 5px 8px; }}
QPushButton[role="reader-tool"]:focus {{ border: 2px solid {ACCENT}; padding: 4px 7px; }}
QSpinBox[role="reader-page-box"] {{
    border: 1px solid {BORDER}; border-radius: 4px; padding: 3px 4px; background: white;
}}
QSpinBox[role="reader-page-box"]:focus {{ border: 2px solid {ACCENT}; padding: 2px 3px; }}
QSpinBox[role="reader-page-box"]:disabled {{ background: {SURFACE}; color: {MUTED}; }}
QSpinBox[role="reader-page-box"]::up-button, QSpinBox[role="reader-page-box"]::down-button {{
    width: 0px; border: none;
}}
QTextBrowser[role="reader-page"], QPdfView[role="reader-pdf"] {{
    border: 2px solid transparent; background: white; selection-background-color: {ACCENT};
}}
QTextBrowser[role="reader-page"]:focus, QPdfView[role="reader-pdf"]:focus {{
    border: 2px solid {ACCENT};
}}
/* ui/clip.py (ClipPlayer): the calm panel where a clip not on this computer would play,
   the line under the video ("Ditonton 45 %", then "Selesai ditonton" in the accent);
   ui/player.py's mute button, icon only, no wider than its icon */
QFrame[role="clip-missing"] {{
    background: {SURFACE}; border: 1px solid {BORDER}; border-radius: 6px;
}}
QFrame[role="clip-missing"] QLabel {{ background: transparent; }}
QLabel[role="clip-line"] {{ color: {MUTED}; }}
QLabel[role="clip-line"][done="true"] {{ color: {ACCENT}; font-weight: 600; }}
QPushButton#mute {{ padding: 6px 8px; }}
QPushButton#mute:focus {{ padding: 5px 7px; }}
/* ui/evaluation.py (AttemptView, StartDialog): the time left, large; the 5-minute warning;
   the question; its choices (the chosen one on the accent's tint); the numbered buttons of
   the questions (answered filled with the accent, unanswered outlined, the current one
   ringed in dark ink) and the legend's swatches */
QLabel[role="attempt-timer"] {{ font-size: 22pt; font-weight: 600; color: {ACCENT}; }}
QLabel[role="attempt-timer"][warning="true"] {{ color: {ERROR}; }}
QLabel[role="attempt-hint"] {{ color: {MUTED}; padding: 6px 0px; }}
QLabel[role="attempt-warning"] {{
    background: {ERROR_SOFT}; color: {ERROR}; border-left: 4px solid {ERROR};
    padding: 6px 10px;
}}
QLabel[role="attempt-question"] {{ font-size: 12pt; }}
QRadioButton[role="attempt-choice"] {{
    border: 2px solid transparent; border-radius: 6px; padding: 4px 8px; spacing: 10px;
    outline: none;
}}
QRadioButton[role="attempt-choice"]:hover {{ background: {SURFACE}; }}
QRadioButton[role="attempt-choice"]:checked {{ background: {ACCENT_SOFT}; }}
QRadioButton[role="attempt-choice"]:focus {{ border: 2px solid {ACCENT}; }}
QScrollArea[role="attempt-nav-area"], QWidget[role="attempt-nav-grid"] {{
    background: transparent;
}}
QPushButton[role="attempt-nav"] {{
    padding: 0px; border: 1px solid {MUTED}; border-radius: 4px; background: white;
    color: {TEXT};
}}
QPushButton[role="attempt-nav"]:hover {{ border-color: {ACCENT}; }}
QPushButton[role="attempt-nav"][answered="true"] {{
    background: {ACCENT}; border-color: {ACCENT}; color: white; font-weight: 600;
}}
QPushButton[role="attempt-nav"][current="true"] {{
    border: 3px solid {TEXT}; font-weight: 700;
}}
QPushButton[role="attempt-nav"]:focus {{ border: 3px double {ACCENT}; }}
QPushButton[role="attempt-nav"][answered="true"]:focus {{
    border: 4px double {ACCENT_DARK}; background-clip: padding;
}}
QLabel[role="attempt-swatch"] {{
    border: 1px solid {MUTED}; border-radius: 3px; background: white;
}}
QLabel[role="attempt-swatch"][answered="true"] {{ background: {ACCENT}; border-color: {ACCENT}; }}
/* ui/course_panes.py (EvaluationPanel): the attempts' history, a thin line under each row,
   a graded attempt's score large; the list's 2 px frame shows the focus (arrows scroll) */
QFrame[role="attempt-row"] {{ border: none; border-bottom: 1px solid {BORDER}; }}
QLabel[role="attempt-score"] {{ font-size: 20pt; font-weight: 600; color: {ACCENT}; }}
QScrollArea[role="attempt-list"] {{ border: 2px solid transparent; }}
QScrollArea[role="attempt-list"]:focus {{ border: 2px solid {ACCENT}; }}
"""


def apply_style(app: QApplication) -> None:
    """The app's font, palette and stylesheet (once, before the first window)."""
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE)
    app.setFont(font)
    palette = app.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Window, QColor("white"))
        palette.setColor(group, QPalette.ColorRole.Base, QColor("white"))
        palette.setColor(group, QPalette.ColorRole.WindowText, QColor(TEXT))
        palette.setColor(group, QPalette.ColorRole.Text, QColor(TEXT))
        palette.setColor(group, QPalette.ColorRole.Highlight, QColor(ACCENT))
        palette.setColor(group, QPalette.ColorRole.Link, QColor(ACCENT))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)


def set_property(widget: QWidget, name: str, value: object) -> None:
    """Set a style property and restyle ``widget`` at once (the stylesheet's selectors
    are matched again); nothing happens when it holds ``value`` already, and a widget
    not polished yet is only given the property (its first polish reads it)."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    if not widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        return
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def set_role(widget: QWidget, role: str) -> None:
    """Name what ``widget`` is for the stylesheet (see the module docstring)."""
    set_property(widget, "role", role)


def set_flag(widget: QWidget, name: str, value: bool) -> None:
    """Set a boolean style property (``invalid``, ``online``) and restyle at once."""
    set_property(widget, name, value)
