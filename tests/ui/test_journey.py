"""The whole journey (issue 18's acceptance): one participant, from the demo card on the
sign-in screen to a certificate that verifies, driven offscreen through the real widgets
only (clicks and keys; the session is only read, to know what the screens show) against
the real server on 127.0.0.1, which is stopped and started again on its port midway.

1. Budi signs in with the demo card's "Isi" and "Masuk", and watches the welcome video to
   its end ("Lanjut"); "Unduh semua" keeps the course on the computer.
2. Every practice quiz (18 trophies), the required reflections (5) and four modules: 27
   trophies, the evaluation locked, with its reason, on Course's evaluation entry and on
   Beranda.
3. One more module: 28, the evaluation opens.
4. The server stops ("Sinkronkan sekarang" says "Luring"); four attempts are taken
   offline through Course's "Mulai evaluasi", the confirmation (its number, its cap, the
   attempts used, the time limit, the questions; "perkiraan" from the second on: the
   fourth shows 90,01) and the attempt page: answered with the mouse, with 1–4 and Right,
   with A–D and PageDown; 20, 15, 10 (and 5 left unanswered, which the submit
   confirmation names) and 19 right of 20. Each comes back to Course's evaluation entry
   as "Menunggu sinkronisasi".
5. The server starts again on its port, "Sinkronkan sekarang": every row graded, its
   score, raw score and cap (the fourth: raw 95,00, cap 90,01, score 90,01), the final
   score 100,00.
6. The other modules and every clip (at 1,5×): every required activity done, 47
   trophies; after a sync, passed (Beranda; Profil's expected issue day).
7. ``issue-certificates --now`` at ``passed_at`` (the server's database) plus the course's
   delay, then a sync: "Download Sertifikat" on Profil.
8. The PDF saved where the (replaced) save dialog says, and "Verifikasi sertifikat…" on
   it: genuine, and the server's answer said in words.

Its duration is printed (``-s``), never asserted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from latsar_desktop.certificate.verify import Verdict
from latsar_desktop.demo import demo_people
from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.progress import certificate_delay
from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui.course_panes import NO_NUMBER
from latsar_desktop.ui.course_tree import DONE_MARK, EVALUATION
from latsar_desktop.ui.evaluation import cap_text
from latsar_desktop.ui.home import HomePage
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import COURSE, HOME, PROFILE, Shell
from latsar_desktop.ui.shell import EVALUATION as ATTEMPT_PAGE
from latsar_desktop.ui.texts import tr
from latsar_server.cli import main as server_cli
from tests.integration.serverkit import server_view
from tests.servers import RunningServer
from tests.ui.journey import (
    Answering,
    StoppableServer,
    activities,
    complete,
    download_all,
    start_dialog,
    sync_fails_offline,
    sync_now,
    take_attempt,
)
from tests.ui.steps import (
    LEFT,
    WAIT_MS,
    click_item,
    open_page,
    pass_welcome,
    state_of,
    submit,
)

MakeWindow = Callable[..., MainWindow]
BUDI = 0  # the first demo person


@pytest.fixture
def server(tmp_path: Path) -> Iterator[StoppableServer]:
    """The real server with the demo, which the test may stop and start again."""
    with StoppableServer(tmp_path / "server") as served:
        served.start_with_demo()
        yield served


@pytest.fixture
def machine(tmp_path: Path, server: StoppableServer) -> Iterator[MachineStore]:
    """This computer, pointed at ``server`` (closed after the windows are shut down)."""
    store = MachineStore(tmp_path / "pc")
    store.set_setting(SERVER_URL_SETTING, server.url)
    yield store
    store.close()


class Clock:
    """The journey's wall time, phase by phase: printed, never asserted."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.phases: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.phases.append((name, now - self.last))
        self.last = now

    def report(self) -> str:
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phases)
        return f"journey: {time.monotonic() - self.start:.1f} s ({parts})"


# ---------------------------------------------------------------------- the steps


def sign_in_with_the_demo_card(qtbot: QtBot, window: MainWindow) -> Shell:
    """The demo card's "Isi", "Masuk", the welcome video to its end, "Lanjut"."""
    page = window.signin
    assert page.demo_panel is not None
    assert page.demo_panel.isVisible()
    qtbot.mouseClick(page.demo_buttons[BUDI], LEFT)
    submit(qtbot, window)
    assert window.session is not None, page.message_text()
    return pass_welcome(qtbot, window)


def beranda(qtbot: QtBot, shell: Shell) -> HomePage:
    """Beranda opened from the side bar, its read landed."""
    home = shell.home
    loads = home.loads
    open_page(qtbot, shell, HOME.name)
    qtbot.waitUntil(lambda: home.loads > loads and not home.busy, timeout=WAIT_MS)
    return home


def course(qtbot: QtBot, shell: Shell) -> None:
    """Course opened from the side bar, its read landed."""
    page = shell.course
    loads = page.loads
    open_page(qtbot, shell, COURSE.name)
    qtbot.waitUntil(lambda: page.loads > loads and not page.busy, timeout=WAIT_MS)


def evaluation_entry(qtbot: QtBot, shell: Shell) -> None:
    """Course's evaluation entry, clicked in the tree."""
    course(qtbot, shell)
    click_item(qtbot, shell.course, EVALUATION)
    assert shell.course.pane.currentWidget() is shell.course.evaluation


def profil(qtbot: QtBot, shell: Shell) -> None:
    """Profil opened from the side bar, its reads landed."""
    open_page(qtbot, shell, PROFILE.name)
    qtbot.waitUntil(lambda: not shell.profile.busy, timeout=WAIT_MS)


def issue_certificates(server: RunningServer, nip: str) -> None:
    """The server's own ``issue-certificates --now`` at the participant's ``passed_at``
    (read from the server's database) plus the course's certificate delay."""
    view = server_view(server, nip)
    passed_at = view.standing.passed_at
    assert passed_at is not None, "not passed on the server"
    due = passed_at + certificate_delay(view.package.rules)
    settings = server.settings
    args = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    assert server_cli([*args, "issue-certificates", "--now", due.isoformat()]) == 0


def trophies_shown(qtbot: QtBot, shell: Shell, count: int) -> HomePage:
    home = beranda(qtbot, shell)
    assert home.trophy_count.text() == str(count)
    return home


# ---------------------------------------------------------------------- the journey


ATTEMPTS = (
    # number, the cap its confirmation shows, right, wrong (the rest unanswered), how
    (1, "100,00", 20, 0, Answering.MOUSE),
    (2, "100,00", 15, 5, Answering.DIGITS),
    (3, "100,00", 10, 5, Answering.LETTERS),
    (4, "90,01", 19, 1, Answering.MOUSE),
)
GRADED = (
    # latest first: number, score, raw score, cap (as Course's rows write them)
    (4, "90,01", "95,00", "90,01"),
    (3, "50,00", "50,00", "100,00"),
    (2, "75,00", "75,00", "100,00"),
    (1, "100,00", "100,00", "100,00"),
)
WAITING_SYNC = "Menunggu sinkronisasi"
GRADED_STATUS = "Sudah dinilai"


def test_the_whole_journey(
    qtbot: QtBot,
    machine: MachineStore,
    server: StoppableServer,
    make_window: MakeWindow,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    clock = Clock()
    person = demo_people()[BUDI]
    window = make_window(machine, demo_people())

    # 1. the demo card, "Masuk", the welcome video to its end; the course kept offline
    shell = sign_in_with_the_demo_card(qtbot, window)
    assert shell.who_name.text() == person.name
    course(qtbot, shell)
    page = shell.course
    download_all(qtbot, page)
    clock.lap("sign-in, welcome, Unduh semua")

    # 2. quizzes (18), the required reflections (5), four modules: 27, still locked
    quizzes = list(activities(page, ActivityKind.PRACTICE_QUIZ))
    reflections = list(activities(page, ActivityKind.REFLECTION))
    modules = list(activities(page, ActivityKind.READING))
    clips = list(activities(page, ActivityKind.VIDEO))
    assert (len(quizzes), len(reflections), len(modules), len(clips)) == (12, 5, 12, 12)
    complete(qtbot, page, [*quizzes, *reflections, *modules[:4]])
    locked = tr(Code.EVALUATION_LOCKED_TROPHIES, trophies=27, needed=28, missing=1)
    home = trophies_shown(qtbot, shell, 27)
    assert home.evaluation_state.text() == tr(Label.HOME_EVALUATION_LOCKED)
    assert home.evaluation_reason.text() == locked
    evaluation_entry(qtbot, shell)
    panel = page.evaluation
    assert state_of(page, EVALUATION) == tr(Label.COURSE_EVALUATION_LOCKED)
    assert panel.chip.text() == tr(Label.COURSE_EVALUATION_LOCKED)
    assert panel.reason.text() == locked
    assert not panel.start_button.isEnabled()
    clock.lap("to 27")

    # 3. one more module: 28, open
    complete(qtbot, page, modules[4:5])
    home = trophies_shown(qtbot, shell, 28)
    assert home.evaluation_state.text() == tr(Label.HOME_EVALUATION_OPEN)
    assert home.evaluation_reason.text() == tr(Code.EVALUATION_UNLOCKED)
    evaluation_entry(qtbot, shell)
    assert state_of(page, EVALUATION) == tr(Label.COURSE_EVALUATION_OPEN)
    assert panel.chip.text() == tr(Label.COURSE_EVALUATION_OPEN)
    assert panel.reason.text() == tr(Code.EVALUATION_UNLOCKED)
    assert panel.start_button.isEnabled()
    clock.lap("to 28")

    # 4. the server stops: four attempts offline, each confirmed with its number and cap
    server.stop()
    sync_fails_offline(qtbot, shell)
    assert shell.status_message().startswith("Luring")
    for number, cap, right, wrong, how in ATTEMPTS:
        dialog = start_dialog(qtbot, shell)
        assert dialog.heading.text() == tr(Label.ATTEMPT_NUMBER, number=number)
        assert dialog.cap_value.text() == cap
        estimated = dialog.estimate_note.isVisible()
        assert estimated is (number > 1)  # the first: the only device, synced since
        assert dialog.used.text() == tr(Label.ATTEMPT_USED, count=number - 1)
        assert dialog.time_limit.text() == tr(Label.ATTEMPT_TIME_LIMIT, minutes=30)
        assert dialog.question_count.text() == tr(Label.ATTEMPT_QUESTION_COUNT, count=20)
        qtbot.mouseClick(dialog.start_button, LEFT)
        qtbot.waitUntil(lambda: shell.pages.currentWidget() is shell.attempt, timeout=WAIT_MS)
        assert shell.start_dialog is None
        view = shell.attempt
        heading = Label.ATTEMPT_HEADING_ESTIMATED if estimated else Label.ATTEMPT_HEADING
        assert view.heading.text() == tr(heading, number=number, cap=cap_text(view.cap))
        assert cap_text(view.cap) == cap
        assert not view.warning.isVisible()
        assert shell.current is ATTEMPT_PAGE  # the header says where the participant is
        assert shell.page_title.text() == tr(ATTEMPT_PAGE.name)
        assert not any(button.isEnabled() for button in shell.nav_buttons)
        take_attempt(qtbot, shell, right, wrong, how)
        assert all(button.isEnabled() for button in shell.nav_buttons)
        rows = panel.attempt_rows
        assert len(rows) == number
        assert rows[0].title.text() == tr(
            Label.COURSE_ATTEMPT_TITLE_ESTIMATED if estimated else Label.COURSE_ATTEMPT_TITLE,
            number=number,
        )
        assert [row.status.text() for row in rows] == [WAITING_SYNC] * number
        assert not rows[0].score.isVisible()
    home = beranda(qtbot, shell)
    assert home.unsent_value.text() == "4"
    assert home.final_score.text() == NO_NUMBER
    clock.lap("four attempts offline")

    # 5. the server is back; "Sinkronkan sekarang": every attempt graded
    server.start()
    sync_now(qtbot, shell)
    evaluation_entry(qtbot, shell)
    rows = panel.attempt_rows
    shown = [
        (row.title.text(), row.status.text(), row.score.text(), row.detail.text()) for row in rows
    ]
    assert shown == [
        (
            tr(Label.COURSE_ATTEMPT_TITLE, number=number),
            GRADED_STATUS,
            score,
            f"Nilai mentah {raw} · nilai maksimal {cap}",
        )
        for number, score, raw, cap in GRADED
    ]
    assert all(row.score.isVisible() for row in rows)
    assert panel.final_score.text() == "100,00"
    clock.lap("back online, graded")

    # 6. the other modules and every clip: everything done, 47 trophies; passed
    complete(qtbot, page, [*modules[5:], *clips])
    sync_now(qtbot, shell)
    home = trophies_shown(qtbot, shell, 47)
    assert all(row.mark.text() == DONE_MARK for row in home.material_rows)
    assert home.final_score.text() == "100,00"
    assert home.score_caption.text() == tr(Label.HOME_SCORE_PASSED)
    assert home.next_text.text().startswith("Selamat, Anda telah lulus.")
    profile = shell.profile
    profil(qtbot, shell)
    assert profile.expected.isVisible()
    assert "sekitar" in profile.expected.text()
    assert not profile.download_button.isVisible()
    clock.lap("everything done, passed")

    # 7. the server issues the certificate (at passed_at plus the course's delay); a sync
    running = server.running
    assert running is not None
    issue_certificates(running, person.nip)
    sync_now(qtbot, shell)
    profil(qtbot, shell)
    assert profile.download_button.isVisible()
    assert profile.download_button.text() == "Download Sertifikat"
    assert not profile.pending_box.isVisible()

    # 8. saved where the save dialog says, and verified genuine
    target = tmp_path / "Dokumen" / "sertifikat-budi.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *_args: (str(target), "PDF (*.pdf)")),
    )
    with qtbot.waitSignal(profile.certificate_saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(profile.download_button, LEFT)
    assert saved.args == [target]
    assert target.stat().st_size > 0
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileName",
        staticmethod(lambda *_args: (str(target), "PDF (*.pdf)")),
    )
    with qtbot.waitSignal(profile.checked, timeout=WAIT_MS):
        qtbot.mouseClick(profile.verify_button, LEFT)
    assert profile.verdict_panel.isVisible()
    assert profile.verdict_title.property("verdict") == Verdict.GENUINE.value
    assert profile.verdict_title.text() == tr(Label.PROFILE_VERDICT_GENUINE)
    assert profile.verdict_online.text() == tr(
        Label.PROFILE_SERVER_GENUINE, number=profile.number_value.text(), name=person.name
    )
    clock.lap("certificate")
    print(clock.report())
