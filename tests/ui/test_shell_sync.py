"""The main window follows a sync on its own: a real ``MainWindow``, the real server on
127.0.0.1, the session's background sync.

After the window's first sync, a participant reaches 28 trophies and submits an
evaluation attempt (through the session: nothing tells the window). Beranda and the
bell still show what they read before. "Sinkronkan sekarang" in the status bar: the
sync brings the grade from the server, and the status bar's ``synced`` reaches the
shell (``Shell._on_synced``), which reads Beranda and the bell again: the trophies, the
final score, no pending change, and a bell count of 1, with no refresh asked here.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui.home import HomePage, number
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.notifications import NotificationBell
from latsar_desktop.ui.shell import Shell
from latsar_desktop.ui.sync_status import SyncState
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say, tr
from tests.recipes import play_recipe, take_attempt
from tests.ui.steps import LEFT, WAIT_MS, Person, sign_in, watched_before

MakeWindow = Callable[..., MainWindow]


def last_sync_shown(session: ParticipantSession, home: HomePage) -> bool:
    last = session.sync_status().last_sync_at
    return last is not None and home.last_sync.text() == tr(Label.HOME_SYNC_LAST, time=last)


def settled(shell: Shell, runner: TaskRunner) -> bool:
    """The window's first sync done and everything it read shown."""
    return (
        last_sync_shown(shell.session, shell.home)
        and shell.status.state is SyncState.DONE
        and shell.bell.notifications is not None
        and not shell.home.busy
        and not runner.busy
    )


def shown(home: HomePage, bell: NotificationBell) -> tuple[str, str, str, int]:
    return home.trophy_count.text(), home.final_score.text(), home.graded_value.text(), bell.count


def test_a_background_sync_brings_a_graded_attempt_to_beranda_and_the_bell_on_their_own(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[Person],
    runner: TaskRunner,
    make_window: MakeWindow,
) -> None:
    watched_before(machine, people[0])  # straight to the main window
    window = make_window(machine)
    session = sign_in(qtbot, window, people[0])
    shell = window.shell
    assert shell is not None
    home, bell, status = shell.home, shell.bell, shell.status
    qtbot.waitUntil(lambda: settled(shell, runner), timeout=WAIT_MS)
    before = shown(home, bell)
    assert before == ("0", "—", "0", 0)

    play_recipe(session, "28")  # recorded through the session: the window is not told
    take_attempt(session, right=12)  # 12 of 20: 60.00
    assert session.pending_count() > 0
    assert shown(home, bell) == before
    assert not home.busy

    assert status.sync_button.text() == "Sinkronkan sekarang"
    qtbot.mouseClick(status.sync_button, LEFT)
    graded = say(msg(Code.NOTICE_ATTEMPT_GRADED, number=1, score=Decimal("60.00")))
    qtbot.waitUntil(lambda: bell.count == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: home.final_score.text() == number(Decimal("60.00")), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: settled(shell, runner), timeout=WAIT_MS)
    assert shown(home, bell) == ("28", number(Decimal("60.00")), "1", 1)
    assert home.pending.text() == tr(Label.HOME_PENDING_NONE)
    assert bell.badge.isVisible()
    assert bell.badge.text() == "1"
    assert [say(n.message.to_message()) for n in session.notifications(unseen_only=True)] == [
        graded
    ]
    assert SyncState.SYNCING in status.history  # the click's sync was seen running
