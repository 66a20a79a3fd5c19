"""The Course page (``ui/course.py``): real widgets offscreen, a real session signed in
against the real server on 127.0.0.1, driven with clicks.

The tree lists the policy material first and the evaluation last, each activity with
its kind and state. A material is downloaded through its box ("Unduh untuk offline",
its size shown before); a module read to its end and a clip played to its end complete
their activities (the tree's ✓ and trophies, marked provisional until a sync, and
Beranda's count rise), a clip sought to its end without playing does not. Offline
(the server stopped), the downloaded material's module and clip still open. The
evaluation entry is locked at 27 trophies with its reason and open at 28, its button
then asking for the evaluation. "Unduh semua" with Hemat data on asks first.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import ActivityKind, MaterialKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.downloader import HEMAT_DATA
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.clip import Showing
from latsar_desktop.ui.course import CoursePage
from latsar_desktop.ui.course_tree import DONE_MARK, EVALUATION, PROVISIONAL_MARK
from latsar_desktop.ui.player import SLIDER_MIN
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import size_text, tr
from tests.integration.serverkit import sqlite_demo_server
from tests.recipes import REFLECTION_TEXT, play_recipe
from tests.ui.conftest import PAGE_SIZE, PageFor
from tests.ui.steps import (
    LEFT,
    WAIT_MS,
    beranda_trophies,
    click_item,
    first_activity,
    open_session,
    state_of,
)

CLIP_MATERIAL = "bela-negara"  # small clips: a few seconds each
CLIP = "bela-negara-1-video"
MODULE = "bela-negara-1-modul"
OTHER_CLIP = "berakhlak-1-video"  # a clip of another material


@pytest.fixture
def page(
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> CoursePage:
    """The Course page of the first demo participant, signed in through the session."""
    return page_for(open_session(machine, people[0], sessions))


def refreshed(qtbot: QtBot, page: CoursePage) -> CoursePage:
    """Ask for a refresh and wait until it has landed."""
    loads = page.loads
    page.refresh()
    qtbot.waitUntil(lambda: not page.busy and page.loads > loads, timeout=WAIT_MS)
    return page


def download(qtbot: QtBot, page: CoursePage, material_id: str) -> None:
    """Select the material, check its size is shown, press "Unduh untuk offline", wait."""
    click_item(qtbot, page, f"m:{material_id}")
    box = page.overview.download
    plan = page.session.plan_material(material_id)
    assert box.state == "idle"
    assert box.download_button.text() == tr(
        Label.COURSE_DOWNLOAD_MATERIAL, size=size_text(plan.missing_bytes)
    )
    qtbot.mouseClick(box.download_button, LEFT)
    qtbot.waitUntil(lambda: box.state == "ready", timeout=WAIT_MS)
    assert box.problem.text() == ""
    assert material_id in page.session.offline_materials()


# ---------------------------------------------------------------------- the tree


def test_the_tree_lists_the_policy_material_first_and_the_evaluation_last(
    qtbot: QtBot, page: CoursePage
) -> None:
    session = page.session
    package = session.package()
    tree = page.tree
    tops = [tree.key_of(tree.topLevelItem(i)) for i in range(tree.topLevelItemCount())]
    policy = [m.id for m in package.materials if m.kind is MaterialKind.POLICY]
    learning = [m.id for m in package.materials if m.kind is MaterialKind.LEARNING]
    assert tops == [f"m:{i}" for i in policy + learning] + [EVALUATION]
    quiz = next(a for _, a in package.activities() if a.kind is ActivityKind.PRACTICE_QUIZ)
    assert tree.items[f"a:{quiz.id}"].text(0) == tr(
        Label.COURSE_ACTIVITY_ITEM,
        kind=tr(Label.COURSE_KIND_PRACTICE),
        need=tr(Label.COURSE_REQUIRED if quiz.required else Label.COURSE_OPTIONAL),
    )
    assert state_of(page, f"a:{quiz.id}") == f"0/{quiz.trophies}"
    assert state_of(page, EVALUATION) == tr(Label.COURSE_EVALUATION_LOCKED)

    # the keyboard: Down moves along the tree, the pane follows; Enter goes into it
    click_item(qtbot, page, f"m:{policy[0]}")
    assert page.pane.currentWidget() is page.overview
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    sub = tree.current_key()
    assert sub.startswith("s:")
    qtbot.keyClick(tree, Qt.Key.Key_Right)  # opened
    qtbot.keyClick(tree, Qt.Key.Key_Down)  # its first activity
    first = tree.current_key()
    assert first == f"a:{package.material(policy[0]).sub_materials[0].activities[0].id}"
    assert page.pane.currentWidget() is page.activity
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    focus = page.focusWidget()
    assert focus is not None
    assert page.activity.isAncestorOf(focus)

    # English: every text said again
    texts.set_language("en")
    page.retranslate()
    assert tree.items[f"a:{quiz.id}"].text(0).startswith("Practice quiz · ")
    assert state_of(page, EVALUATION) == "Locked"
    assert page.copy_out_button.text() == "Copy to a folder…"


# ---------------------------------------------------------------------- a material


def test_a_material_downloads_with_its_size_first_then_removes(
    qtbot: QtBot, page: CoursePage
) -> None:
    session = page.session
    assert page.tree.tag_of(f"m:{CLIP_MATERIAL}") == tr(Label.COURSE_NOT_OFFLINE_TAG)
    rows = [page.tree.visualItemRect(item) for item in page.tree.items.values()]
    download(qtbot, page, CLIP_MATERIAL)
    refreshed(qtbot, page)
    # the material's second line changes; no row of the tree moves
    assert [page.tree.visualItemRect(item) for item in page.tree.items.values()] == rows
    title = session.package().material(CLIP_MATERIAL).title
    assert page.tree.items[f"m:{CLIP_MATERIAL}"].text(0) == title
    assert page.tree.tag_of(f"m:{CLIP_MATERIAL}") == tr(Label.COURSE_OFFLINE_TAG)
    assert session.content_path(CLIP) is not None

    # "Hapus unduhan": a confirmation first; "Batal" keeps it, "Hapus" removes it
    box = page.overview.download
    qtbot.mouseClick(box.delete_button, LEFT)
    dialog = page.confirm_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert title in dialog.text()
    no = next(b for b in dialog.buttons() if b.text() == tr(Label.COURSE_NO))
    qtbot.mouseClick(no, LEFT)
    assert page.confirm_dialog is None
    assert CLIP_MATERIAL in session.offline_materials()
    qtbot.mouseClick(box.delete_button, LEFT)
    dialog = page.confirm_dialog
    assert dialog is not None
    yes = next(b for b in dialog.buttons() if b.text() == tr(Label.COURSE_DELETE_YES))
    qtbot.mouseClick(yes, LEFT)
    qtbot.waitUntil(lambda: box.state == "idle", timeout=WAIT_MS)
    assert CLIP_MATERIAL not in session.offline_materials()
    assert page.tree.tag_of(f"m:{CLIP_MATERIAL}") == tr(Label.COURSE_NOT_OFFLINE_TAG)


def test_nothing_moves_while_a_material_downloads(qtbot: QtBot, page: CoursePage) -> None:
    session = page.session
    held = threading.Event()
    real = session.download_material

    def slowed(material_id: str, cancel: Any = None, progress: Any = None) -> Any:
        """The real download, held after its first progress until the test has looked."""
        if progress is not None:
            progress(1, 2)
        held.wait(WAIT_MS / 1000)
        return real(material_id, cancel, progress)

    session.download_material = slowed  # type: ignore[method-assign]
    click_item(qtbot, page, f"m:{CLIP_MATERIAL}")
    box = page.overview.download
    watched = (page.tree, page.pane, box, box.states, box.problem, page.bulk_slot)

    def places() -> list[tuple[int, int, int, int]]:
        return [w.geometry().getRect() for w in watched]

    before = places()
    qtbot.mouseClick(box.download_button, LEFT)
    qtbot.waitUntil(lambda: box.progress.bar.maximum() == 1000, timeout=WAIT_MS)
    assert box.state == "running"
    assert box.progress.bar.value() == 500
    assert places() == before
    held.set()
    qtbot.waitUntil(lambda: box.state == "ready", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert places() == before


# ---------------------------------------------------------------------- completion


def test_a_module_read_to_its_end_completes_it_provisionally_until_a_sync(
    qtbot: QtBot, page: CoursePage, runner: TaskRunner
) -> None:
    session = page.session
    before = beranda_trophies(qtbot, session, runner)
    assert state_of(page, f"a:{MODULE}") == "0/1"
    # its sub-material: the trophies of its activities, counted here from the package
    sub = next(
        s
        for m in session.package().materials
        for s in m.sub_materials
        if any(a.id == MODULE for a in s.activities)
    )
    most = sum(a.trophies for a in sub.activities)
    assert state_of(page, f"s:{sub.id}") == f"0/{most}"
    assert page.legend.text() == ""
    tree_at = page.tree.geometry()  # the legend's line is kept: the tree never moves

    # not stored: fetched (the server is up) and shown; opened, it is not read yet
    click_item(qtbot, page, f"a:{MODULE}")
    qtbot.waitUntil(lambda: page.activity.reader is not None, timeout=WAIT_MS)
    reader = page.activity.reader
    assert reader is not None
    qtbot.waitUntil(lambda: reader.has_document, timeout=WAIT_MS)
    assert page.activity.body.currentWidget() is reader
    refreshed(qtbot, page)
    assert state_of(page, f"a:{MODULE}") == "0/1"

    # read to its end (End in the text): complete
    reader.browser.setFocus()
    with qtbot.waitSignal(page.data_changed, timeout=WAIT_MS):
        qtbot.keyClick(reader.browser, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert state_of(page, f"a:{MODULE}") == f"{DONE_MARK} 1/1 {PROVISIONAL_MARK}"
    assert state_of(page, f"s:{sub.id}") == f"1/{most} {PROVISIONAL_MARK}"
    assert page.legend.text() == tr(Label.COURSE_PROVISIONAL_LEGEND)
    assert page.tree.geometry() == tree_at
    assert tr(Label.COURSE_PROVISIONAL) in page.activity.state.text()
    assert beranda_trophies(qtbot, session, runner) == before + 1

    # once only: opened again and read to its end again, nothing more is recorded
    pending = session.pending_count()
    click_item(qtbot, page, f"m:{CLIP_MATERIAL}")
    click_item(qtbot, page, f"a:{MODULE}")
    qtbot.waitUntil(lambda: reader.has_document, timeout=WAIT_MS)
    reader.browser.setFocus()
    with qtbot.waitSignal(reader.finished, timeout=WAIT_MS):
        qtbot.keyClick(reader.browser, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)  # a recording would run now
    refreshed(qtbot, page)
    assert session.pending_count() == pending

    # a sync confirms it: no mark, no legend
    session.sync()
    refreshed(qtbot, page)
    assert state_of(page, f"a:{MODULE}") == f"{DONE_MARK} 1/1"
    assert state_of(page, f"s:{sub.id}") == f"1/{most}"
    assert page.legend.text() == ""
    assert page.tree.geometry() == tree_at


def test_a_clip_played_to_its_end_completes_it_and_seeking_there_does_not(
    qtbot: QtBot, page: CoursePage, runner: TaskRunner
) -> None:
    session = page.session
    before = beranda_trophies(qtbot, session, runner)
    download(qtbot, page, CLIP_MATERIAL)
    click_item(qtbot, page, f"a:{CLIP}")
    clip = page.activity.clip
    assert clip is not None
    assert clip.showing is Showing.VIDEO
    media = clip.player.player
    qtbot.waitUntil(lambda: media.duration() > 0, timeout=WAIT_MS)

    # started, then sought straight to its end (the clip ends, hardly played): not complete
    pending = session.pending_count()
    qtbot.mouseClick(clip.player.play_button, LEFT)
    clip.player.seek(media.duration())
    qtbot.waitUntil(lambda: clip.player.at_end, timeout=WAIT_MS)
    refreshed(qtbot, page)
    assert state_of(page, f"a:{CLIP}") == "0/1"
    assert session.pending_count() == pending
    assert not page.completing

    # "Putar" again: from the start to the end: complete, on the tree and on Beranda
    with qtbot.waitSignal(page.data_changed, timeout=WAIT_MS):
        qtbot.mouseClick(clip.player.play_button, LEFT)
    qtbot.waitUntil(lambda: state_of(page, f"a:{CLIP}").startswith(DONE_MARK), timeout=WAIT_MS)
    assert state_of(page, f"a:{CLIP}") == f"{DONE_MARK} 1/1 {PROVISIONAL_MARK}"
    assert beranda_trophies(qtbot, session, runner) == before + 1


def test_a_reflection_written_in_the_pane_is_recorded_and_shown(
    qtbot: QtBot, page: CoursePage
) -> None:
    session = page.session
    reflection = "kebijakan-2-refleksi"
    click_item(qtbot, page, f"a:{reflection}")
    editor = page.activity.reflection
    assert editor is not None
    assert page.activity.body.currentWidget() is editor
    qtbot.mouseClick(editor.editor.viewport(), LEFT)
    qtbot.keyClicks(editor.editor, REFLECTION_TEXT)
    # saved with the keyboard (Tab to the button, Space): the focus stays in the form
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    editor.editor.setFocus()
    qtbot.keyClick(editor.editor, Qt.Key.Key_Tab)
    assert page.focusWidget() is editor.save_button
    with qtbot.waitSignal(page.data_changed, timeout=WAIT_MS):
        qtbot.keyClick(editor.save_button, Qt.Key.Key_Space)
    assert page.focusWidget() is editor.editor
    key = f"a:{reflection}"
    qtbot.waitUntil(lambda: state_of(page, key).startswith(DONE_MARK), timeout=WAIT_MS)
    assert state_of(page, key) == f"{DONE_MARK} 1/1 {PROVISIONAL_MARK}"
    done = {a.activity_id for m in session.view().materials for a in m.activities if a.completed}
    assert reflection in done


# ---------------------------------------------------------------------- offline


def test_a_downloaded_material_opens_offline_once_the_server_stopped(
    qtbot: QtBot,
    tmp_path: Path,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    machine = MachineStore(tmp_path / "offline-pc")
    try:
        with sqlite_demo_server(tmp_path, machine):
            session = open_session(machine, people[0], sessions)
            page = page_for(session)
            download(qtbot, page, CLIP_MATERIAL)
            # a clip not on this computer, the server up: its link, to open or download
            click_item(qtbot, page, f"a:{OTHER_CLIP}")
            clip = page.activity.clip
            assert clip is not None
            assert clip.showing is Showing.NOT_DOWNLOADED
            assert page.download_all_button.isEnabled()
        # the server stopped: work that finds it gone (here a download) takes the link
        # down; the page's next refresh shows the open clip offline, in place
        failures: list[BaseException] = []
        page.runner.run(
            lambda cancel, report: session.download_material("berakhlak", cancel, report),
            done=lambda _plan: None,
            failed=failures.append,
            name="test.download",
        )
        qtbot.waitUntil(lambda: bool(failures), timeout=WAIT_MS)
        assert not session.link_up()
        refreshed(qtbot, page)
        assert page.current_activity == OTHER_CLIP
        assert clip.showing is Showing.OFFLINE
        # "Unduh semua" waits for the link, and says why
        assert not page.download_all_button.isEnabled()
        assert page.download_all_button.toolTip() == tr(Label.COURSE_DOWNLOAD_ALL_OFFLINE)

        # what was downloaded still opens
        click_item(qtbot, page, f"a:{MODULE}")
        reader = page.activity.reader
        assert reader is not None
        assert reader.has_document
        assert page.activity.body.currentWidget() is reader
        click_item(qtbot, page, f"a:{CLIP}")
        clip = page.activity.clip
        assert clip is not None
        assert clip.showing is Showing.VIDEO
        assert clip.player.player.source().toLocalFile() == str(session.content_path(CLIP))

        # a module of a material not downloaded: a clear message in its place
        other = "berakhlak-1-modul"
        click_item(qtbot, page, f"a:{other}")
        status = page.activity.status
        qtbot.waitUntil(lambda: status.text.isVisible(), timeout=WAIT_MS)
        assert page.activity.body.currentWidget() is status
        assert status.text.text() == tr(Label.COURSE_NOT_STORED_OFFLINE)
        assert status.retry_button.isVisible()

        # its material's download fails calmly: one line of its own in the box, whole,
        # and the button offers to try again
        click_item(qtbot, page, "m:berakhlak")
        box = page.overview.download
        qtbot.mouseClick(box.download_button, LEFT)
        qtbot.waitUntil(lambda: box.problem.text() != "", timeout=WAIT_MS)
        assert box.state == "idle"
        assert box.problem.text() == tr(Label.COURSE_DOWNLOAD_UNREACHABLE)
        qtbot.wait(50)  # the layout settles
        assert box.problem.height() >= box.problem.heightForWidth(box.problem.width())
        size = size_text(session.plan_material("berakhlak").shown_bytes)
        assert box.download_button.text() == tr(Label.COURSE_DOWNLOAD_RETRY, size=size)
        assert errors.current_dialog() is None
        assert not session.link_up()
    finally:
        for session in sessions:
            session.sign_out()
        sessions.clear()
        machine.close()


# ---------------------------------------------------------------------- the USB copy


def test_the_usb_copy_refuses_a_tampered_file_by_name_and_the_copy_opens_offline(
    qtbot: QtBot,
    tmp_path: Path,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kw: str(stick))
    office, other = MachineStore(tmp_path / "office-pc"), MachineStore(tmp_path / "other-pc")
    try:
        with sqlite_demo_server(tmp_path, office) as server:
            other.set_setting(SERVER_URL_SETTING, server.url)
            first = open_session(office, people[0], sessions)
            second = open_session(other, people[1], sessions)  # a first sign-in: online
            page = page_for(first)
            download(qtbot, page, CLIP_MATERIAL)
        # "Salin ke folder…", offline
        qtbot.mouseClick(page.copy_out_button, LEFT)
        qtbot.waitUntil(lambda: page.result_dialog is not None, timeout=WAIT_MS)
        result = page.result_dialog
        assert result is not None
        assert result.informativeText() == ""  # nothing refused
        result.accept()
        qtbot.waitUntil(lambda: page.result_dialog is None, timeout=WAIT_MS)

        # one file of the copy altered on the stick
        package = second.package()
        module = package.activity(MODULE)
        assert module is not None
        assert module.content is not None
        tampered = next(p for p in stick.rglob(module.content.name) if p.is_file())
        tampered.write_bytes(tampered.read_bytes().replace(b"<", b"[", 1))

        # "Ambil dari folder…" on the other computer: the altered file refused, named
        page_b = page_for(second)
        qtbot.mouseClick(page_b.copy_in_button, LEFT)
        qtbot.waitUntil(lambda: page_b.result_dialog is not None, timeout=WAIT_MS)
        result = page_b.result_dialog
        assert result is not None
        assert result.icon() is QMessageBox.Icon.Warning
        refused = result.informativeText().splitlines()
        assert refused[0] == tr(Label.COURSE_REFUSED_HEAD)
        assert len(refused) == 2
        assert refused[1].startswith(f"{module.content.name}: ")
        result.accept()
        qtbot.waitUntil(lambda: page_b.result_dialog is None, timeout=WAIT_MS)
        assert second.content_path(MODULE) is None

        # the copied clip plays on the other computer, offline
        click_item(qtbot, page_b, f"a:{CLIP}")
        clip = page_b.activity.clip
        assert clip is not None
        assert clip.showing is Showing.VIDEO
        assert clip.player.player.source().toLocalFile() == str(second.content_path(CLIP))
    finally:
        for session in sessions:
            session.sign_out()
        sessions.clear()
        office.close()
        other.close()


# ---------------------------------------------------------------------- the evaluation


def test_the_evaluation_entry_is_locked_at_27_with_its_reason_and_open_at_28(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    play_recipe(session, "27")
    page = page_for(session)
    click_item(qtbot, page, EVALUATION)
    panel = page.evaluation
    assert page.pane.currentWidget() is panel
    assert state_of(page, EVALUATION) == tr(Label.COURSE_EVALUATION_LOCKED)
    assert panel.chip.text() == tr(Label.COURSE_EVALUATION_LOCKED)
    assert panel.reason.text() == tr(
        Code.EVALUATION_LOCKED_TROPHIES, trophies=27, needed=28, missing=1
    )
    assert not panel.start_button.isEnabled()

    session.record_reflection("smart-governance-2-refleksi", REFLECTION_TEXT)  # 28
    refreshed(qtbot, page)
    assert page.tree.current_key() == EVALUATION  # kept across the refresh
    assert state_of(page, EVALUATION) == tr(Label.COURSE_EVALUATION_OPEN)
    assert panel.chip.text() == tr(Label.COURSE_EVALUATION_OPEN)
    assert panel.reason.text() == tr(Code.EVALUATION_UNLOCKED)
    assert panel.start_button.isEnabled()
    with qtbot.waitSignal(page.evaluation_requested, timeout=WAIT_MS):
        qtbot.mouseClick(panel.start_button, LEFT)


# ---------------------------------------------------------------------- Unduh semua


def test_download_all_with_hemat_data_on_asks_first_naming_the_size(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    machine.set_setting(HEMAT_DATA, True)
    session = open_session(machine, people[0], sessions)
    page = page_for(session)
    size = size_text(session.plan_all().missing_bytes)
    assert page.download_all_button.text() == tr(Label.COURSE_DOWNLOAD_ALL, size=size)

    # asked first; "Batal": nothing moves
    qtbot.mouseClick(page.download_all_button, LEFT)
    dialog = page.confirm_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.text() == tr(Label.COURSE_HEMAT_CONFIRM, size=size)
    no = next(b for b in dialog.buttons() if b.text() == tr(Label.COURSE_NO))
    qtbot.mouseClick(no, LEFT)
    assert page.bulk is None
    assert not page.bulk_slot.running
    assert session.offline_materials() == set()

    # asked again; "Unduh …": every material kept offline
    qtbot.mouseClick(page.download_all_button, LEFT)
    dialog = page.confirm_dialog
    assert dialog is not None
    yes = next(b for b in dialog.buttons() if b.text() == tr(Label.COURSE_HEMAT_YES, size=size))
    qtbot.mouseClick(yes, LEFT)
    assert page.bulk_slot.running  # the progress in the button's place
    qtbot.waitUntil(lambda: page.bulk is None, timeout=WAIT_MS)
    refreshed(qtbot, page)
    assert session.offline_materials() == {m.id for m in session.package().materials}
    assert page.download_all_button.text() == tr(Label.COURSE_ALL_OFFLINE)
    assert not page.download_all_button.isEnabled()


# ---------------------------------------------------------------------- small screens

NARROW_PAGE = (880, 470)  # the page at 1366×768, 125 %: the pane about 510×400
SHORT_PAGE = (880, 420)  # and with a taller header (a title on two lines)


def test_the_seek_bar_keeps_its_width_when_the_pane_is_narrow(
    qtbot: QtBot, page: CoursePage
) -> None:
    """A downloaded clip, in the page at its size and in narrower and shorter ones: the
    position bar is never narrower than ``SLIDER_MIN``; the picture, the controls, the
    sound and speed (on their own row) and the watched line lie on nothing."""
    download(qtbot, page, CLIP_MATERIAL)
    click_item(qtbot, page, f"a:{CLIP}")
    clip = page.activity.clip
    assert clip is not None
    player = clip.player
    assert player.extras is not None
    for size in (PAGE_SIZE, NARROW_PAGE, SHORT_PAGE):
        page.resize(*size)
        qtbot.wait(100)  # the layouts settle
        assert player.slider.width() >= SLIDER_MIN
        assert player.extras.isVisible()
        # the picture too: on a real screen the video surface is drawn over what it covers
        parts = [player.video, player.play_button, player.slider, player.time, player.extras]
        parts.append(clip.line)
        rects = [QRect(w.mapTo(clip, QPoint()), w.size()) for w in parts]
        overlaps = [
            (n, m, a, b)
            for n, a in enumerate(rects)
            for m, b in enumerate(rects[n + 1 :], n + 1)
            if a.intersects(b)
        ]
        assert overlaps == [], (size, rects)
        assert clip.rect().contains(rects[-1])


def test_tab_reaches_the_quiz_questions_before_its_button(qtbot: QtBot, page: CoursePage) -> None:
    """From the tree, Tab goes through the questions in order, then to "Periksa
    jawaban" (the questions are made after the button: the chain is set again)."""
    quiz_id = first_activity(page.session, ActivityKind.PRACTICE_QUIZ)
    click_item(qtbot, page, f"a:{quiz_id}")
    quiz = page.activity.quiz
    assert quiz is not None
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.tree.setFocus()
    reached: list[object] = []
    for _ in range(60):
        qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
        focused = page.focusWidget()
        if quiz.isAncestorOf(focused):
            reached.append(focused)
        if focused is quiz.check_button:
            break
    questions = [
        next(n for n, v in enumerate(quiz.questions) if w in v.buttons.values())
        for w in reached[:-1]
    ]
    assert reached[-1] is quiz.check_button
    assert questions == list(range(len(quiz.questions)))
