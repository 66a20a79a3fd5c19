"""The header's bell and its list: real widgets offscreen, a real session, the real server.

A participant reaches 28 trophies through the session, takes the evaluation and submits
it; the sync brings the grade from the server, and with it a notification: the bell's
count goes from nothing to 1, a click opens the list with the graded text, and the
opening marks it seen (the badge goes away). With no notification yet: the empty
sentence, the bell reached with the keyboard (Enter opens, Esc closes and the focus
returns), refreshes asked while one runs coalesced, and the texts in English after
the language switch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QHBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import texts
from latsar_desktop.ui.notifications import NotificationBell
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from tests.recipes import play_recipe, take_attempt
from tests.ui.steps import LEFT, WAIT_MS, open_session

pytestmark = pytest.mark.usefixtures("styled", "indonesian")


def click_through_window(widget: QWidget) -> None:
    """A click on ``widget`` sent to its window, as the system sends one: it reaches an
    open popup first (``qtbot.mouseClick`` hands the click to the widget itself)."""
    where = widget.mapTo(widget.window(), widget.rect().center())
    window = widget.window().windowHandle()
    QTest.mouseClick(window, LEFT, Qt.KeyboardModifier.NoModifier, where)


class Header(QWidget):
    """Stands for the window's header: the bell at its right."""

    def __init__(self, session: ParticipantSession, runner: TaskRunner) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(32, 18, 32, 14)
        row.addStretch(1)
        self.bell = NotificationBell(session, runner)
        row.addWidget(self.bell)


@pytest.fixture
def header_for(
    qtbot: QtBot, runner: TaskRunner
) -> Iterator[Callable[[ParticipantSession], Header]]:
    headers: list[Header] = []

    def make(session: ParticipantSession) -> Header:
        header = Header(session, runner)
        qtbot.addWidget(header)
        header.resize(1093, 90)
        header.show()
        qtbot.waitExposed(header)
        headers.append(header)
        return header

    yield make
    for header in headers:
        header.bell.notification_list.close()  # no popup left open


def test_a_graded_attempt_arriving_by_sync_raises_the_bell_count_and_opening_the_list_marks_it_seen(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
    header_for: Callable[[ParticipantSession], Header],
) -> None:
    session = open_session(machine, people[0], sessions)
    play_recipe(session, "28")
    assert session.evaluation().state.unlocked
    take_attempt(session, right=12)  # 12 of 20: 60.00
    bell = header_for(session).bell
    bell.refresh()
    qtbot.waitUntil(lambda: bell.notifications is not None, timeout=WAIT_MS)
    assert bell.count == 0
    assert not bell.badge.isVisible()
    assert bell.accessibleName() == "Pemberitahuan (0 belum dibaca)"

    report = session.sync()  # the server grades the attempt
    assert report.consistent
    graded = say(msg(Code.NOTICE_ATTEMPT_GRADED, number=1, score=Decimal("60.00")))
    unseen = session.notifications(unseen_only=True)
    assert [say(n.message.to_message()) for n in unseen] == [graded]

    bell.refresh()
    qtbot.waitUntil(lambda: bell.count == 1, timeout=WAIT_MS)
    assert bell.badge.isVisible()
    assert bell.badge.text() == "1"
    assert bell.accessibleName() == "Pemberitahuan (1 belum dibaca)"

    with qtbot.waitSignal(bell.opened, timeout=WAIT_MS):
        qtbot.mouseClick(bell, LEFT)
    shown = bell.notification_list
    assert shown.isVisible()
    assert [item.text.text() for item in shown.items] == [graded]
    (item,) = shown.items
    assert item.unseen  # shown as new, this time
    assert item.time.text() == tr(Label.NOTIFY_TIME, time=unseen[0].created_at)
    assert not shown.state.isVisible()

    qtbot.waitUntil(lambda: not bell.badge.isVisible(), timeout=WAIT_MS)
    assert session.notifications(unseen_only=True) == []
    assert bell.count == 0
    assert bell.accessibleName() == "Pemberitahuan (0 belum dibaca)"
    assert shown.isVisible()  # the list stays open while the participant reads it

    qtbot.keyClick(shown, Qt.Key.Key_Escape)
    assert not shown.isVisible()


def test_no_notification_yet_the_keyboard_and_english(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    runner: TaskRunner,
    sessions: list[ParticipantSession],
    header_for: Callable[[ParticipantSession], Header],
) -> None:
    session = open_session(machine, people[1], sessions)
    bell = header_for(session).bell
    reads = 0
    read = session.notifications

    def counted(unseen_only: bool = False) -> list[object]:
        nonlocal reads
        reads += 1
        return list(read(unseen_only))

    session.notifications = counted  # type: ignore[method-assign]
    for _ in range(3):  # asked three times while the first read runs: one more read
        bell.refresh()
    qtbot.waitUntil(lambda: bell.notifications is not None and not runner.busy, timeout=WAIT_MS)
    assert reads == 2
    assert not bell.badge.isVisible()

    # Tab reaches the bell; Enter opens the list: the empty sentence
    bell.setFocus(Qt.FocusReason.TabFocusReason)
    assert bell.hasFocus()
    with qtbot.waitSignal(bell.opened, timeout=WAIT_MS):
        qtbot.keyClick(bell, Qt.Key.Key_Return)
    shown = bell.notification_list
    assert shown.isVisible()
    assert shown.items == []
    assert shown.state.isVisible()
    assert shown.state.text() == "Belum ada pemberitahuan."
    assert shown.close_button.text() == "Tutup"

    # Esc closes it, and the focus is back on the bell; Space opens it again
    qtbot.keyClick(shown.focusWidget() or shown, Qt.Key.Key_Escape)
    assert not shown.isVisible()
    assert bell.hasFocus()
    with qtbot.waitSignal(bell.opened, timeout=WAIT_MS):
        qtbot.keyClick(bell, Qt.Key.Key_Space)
    assert shown.isVisible()

    # the language switched: every text of the bell and the list in English
    texts.set_language("en")
    bell.retranslate()
    assert shown.state.text() == "No notifications yet."
    assert shown.title.text() == "Notifications"
    assert shown.close_button.text() == "Close"
    assert bell.accessibleName() == "Notifications (0 unread)"
    assert bell.toolTip() == "Show notifications"
    qtbot.mouseClick(shown.close_button, LEFT)
    assert not shown.isVisible()

    # a click on the bell while the list is open closes it (it does not open it again)
    click_through_window(bell)
    assert shown.isVisible()
    click_through_window(bell)
    assert not shown.isVisible()
