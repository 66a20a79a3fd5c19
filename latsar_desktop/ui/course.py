"""``CoursePage``: the materials, their activities and the academic evaluation (DESIGN §4).

At the top, one row: "Unduh semua (85 MB)" (the size of what it would move, shown
before; with Hemat data on, a confirmation naming the size first), its progress in the
button's place with "Batalkan"; "Salin ke folder…" and "Ambil dari folder…" (copying
the course to another computer through a USB stick: a folder chosen, the copy run off
the GUI thread with its progress in the same place, then a small result dialog with the
summary and every refused file named).

Left, the material tree (``ui/course_tree.py``): the policy material, the learning
materials, sub-materials and activities with completion and trophies, the evaluation at
the bottom. Right, a stack showing what is selected:

- a material: its title and kind, the required activities done, its trophies large,
  and its download box (``ui/downloads.py``): "Unduh untuk offline (12,3 MB)", the
  progress in place with "Batalkan", then "Tersedia offline · Hapus unduhan" (a short
  confirmation first); a failure as a calm line in place;
- an activity: its kind, title and state, then its widget: a module in the
  ``ModuleReader`` (the stored file, else fetched with its progress when the server was
  reachable last, else a clear offline message), a video in the ``ClipPlayer`` (the
  stored file, or its link), a practice quiz in ``PracticeQuiz``, a reflection in
  ``ReflectionEditor``. A module read to its end (``finished``) or a clip watched
  (``watched``) completes the activity through the session, once, and not when it is
  done already; a quiz or reflection recorded (``recorded``) likewise refreshes the page;
  each emits ``data_changed`` (the shell then refreshes Beranda and the status bar);
- the evaluation: its state and reason, the final score and the attempts graded and
  waiting; "Mulai evaluasi" ("Lanjutkan percobaan" while an attempt is open), enabled
  only when it is open, emits ``evaluation_requested``; under it the attempts' history
  (``session.attempts()``), latest first. ``show_evaluation()`` selects it.

Everything shown comes from one read of the session (``CourseSnapshot``), made off the
GUI thread by ``refresh()`` through ``session_read`` and applied on it; the tree keeps
its selection and expansion across refreshes, and an activity open in the pane stays
open (its header only is updated), unless the link went down or came back since the last
read (the shell refreshes after each sync) and it is a module or clip not stored here:
it is opened again (the clip's link, or the offline message). "Unduh semua" waits for
the link (disabled, a tooltip says why). The legend under the tree keeps its line
whether it shows or not: the tree never moves. The hosted widgets are made the first time they are
needed. The page decides nothing: sizes are the session's plans, states its progress.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from latsar_desktop.domain.messages import DomainError
from latsar_desktop.domain.progress import ActivityProgress, MaterialProgress, Progress
from latsar_desktop.domain.protocol import Activity, ActivityKind, CoursePackage
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.evaluation import AttemptRow
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.sync.downloader import Plan
from latsar_desktop.sync.errors import LINK_DOWN_KINDS, SyncError, SyncErrorKind
from latsar_desktop.ui.course_panes import (
    ActivityPane,
    EvaluationPanel,
    MaterialOverview,
)
from latsar_desktop.ui.course_tree import EVALUATION, CourseTree, TreeData
from latsar_desktop.ui.downloads import SwapSlot, left_aligned
from latsar_desktop.ui.style import set_role
from latsar_desktop.ui.tasks import CoalescedRead, Task, TaskRunner, session_read
from latsar_desktop.ui.texts import say, size_text, tr
from latsar_desktop.ui.widgets import Button, documents_folder, label, open_in_place

if TYPE_CHECKING:
    from latsar_desktop.ui.activity import PracticeQuiz, ReflectionEditor
    from latsar_desktop.ui.clip import ClipPlayer
    from latsar_desktop.ui.reader import ModuleReader

__all__ = ["TREE_WIDTH", "CoursePage", "CourseSnapshot"]

log = logging.getLogger(__name__)
TREE_WIDTH = 330  # the tree's width at first (the splitter lets the participant change it)


@dataclass(frozen=True)
class CourseSnapshot:
    """One read of the session: everything the page shows."""

    package: CoursePackage
    view: Progress
    offline: frozenset[str]  # the materials kept for offline use
    plans: dict[str, Plan]  # per material: what its download would move
    plan_all: Plan
    hemat_data: bool
    link_up: bool  # the server was reachable, last known (``session.link_up()``)
    attempts: tuple[AttemptRow, ...] = ()  # the attempts' history, latest first
    open_attempt: bool = False  # an attempt is open (started, not submitted)

    def material(self, material_id: str) -> MaterialProgress | None:
        return next((m for m in self.view.materials if m.material_id == material_id), None)

    def completed(self, activity_id: str) -> bool:
        shown = self.view.activity(activity_id)
        return shown is not None and shown.completed


def focus_into(widget: QWidget) -> None:
    """The keyboard's focus on the first control inside ``widget`` that takes it."""
    candidate = widget.nextInFocusChain()  # the window's chain (widgets made later: at its end)
    while candidate is not None and candidate is not widget:
        takes = candidate.focusPolicy() & Qt.FocusPolicy.TabFocus
        inside = widget.isAncestorOf(candidate) and candidate.isVisible()
        if takes and inside and candidate.isEnabled():
            candidate.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        candidate = candidate.nextInFocusChain()


def problem_text(error: BaseException) -> str:
    """A failure as one calm sentence (the core's message for it)."""
    if isinstance(error, SyncError | DomainError):
        return say(ParticipantSession.message_for(error))
    return str(error)


def cancelled(error: BaseException) -> bool:
    return isinstance(error, SyncError) and error.kind is SyncErrorKind.CANCELLED


# ---------------------------------------------------------------------- the page


class CoursePage(QWidget):
    """Course for one session; see the module docstring."""

    data_changed = Signal()
    evaluation_requested = Signal()

    def __init__(
        self, session: ParticipantSession, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.runner = runner
        self.snapshot: CourseSnapshot | None = None
        self.downloads: dict[str, Task[Any]] = {}  # material id → its download running
        self.download_progress: dict[str, tuple[int, int]] = {}
        self.download_problems: dict[str, str] = {}  # material id → its last failure
        self.bulk: Task[Any] | None = None  # "Unduh semua", or a copy, running
        self.fetch: Task[Any] | None = None  # the open activity's file being fetched
        self.completing: set[str] = set()  # completions asked and not yet read back
        self.current_activity: str | None = None  # the activity open in the pane
        self._evaluation_wanted = False  # show_evaluation() before the first read landed
        self.confirm_dialog: QMessageBox | None = None
        self.result_dialog: QMessageBox | None = None
        self._reader: CoalescedRead[CourseSnapshot | None] = session_read(
            runner, session, self._read, self._loaded, name="course.refresh", parent=self
        )
        self._build()
        self.retranslate()

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(10)

        top = QHBoxLayout()
        top.setSpacing(12)
        self.download_all_button = Button("", "primary")
        self.download_all_button.clicked.connect(self._download_all_clicked)
        self.bulk_slot = SwapSlot(left_aligned(self.download_all_button))
        self.bulk_slot.setMinimumWidth(360)
        self.bulk_slot.progress.cancel_clicked.connect(self._cancel_bulk)
        self.copy_out_button = Button("")
        self.copy_out_button.clicked.connect(self._copy_out_clicked)
        self.copy_in_button = Button("")
        self.copy_in_button.clicked.connect(self._copy_in_clicked)
        top.addWidget(self.bulk_slot, 1)
        top.addWidget(self.copy_out_button, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.copy_in_button, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addLayout(top)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.setSpacing(4)
        self.tree = CourseTree()
        self.tree.setMinimumWidth(240)
        self.tree.currentItemChanged.connect(
            lambda item, _old: self._select(self.tree.key_of(item))
        )
        self.tree.opened.connect(self._open_key)
        self.legend = label("", "muted")
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        left_box.addWidget(self.tree, 1)
        left_box.addWidget(self.legend)
        self.splitter.addWidget(left)

        self.pane = QStackedWidget()
        self.pane.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.pick = QWidget()
        pick_box = QVBoxLayout(self.pick)
        pick_box.setContentsMargins(24, 24, 24, 24)
        self.pick_text = label("", "intro", wrap=True)
        pick_box.addWidget(self.pick_text)
        pick_box.addStretch(1)
        self.overview = MaterialOverview()
        self.overview.download.download_clicked.connect(self._download_clicked)
        self.overview.download.cancel_clicked.connect(self._cancel_download)
        self.overview.download.delete_clicked.connect(self._delete_clicked)
        self.activity = ActivityPane(self.session, self.runner)
        self.activity.status.retry_clicked.connect(self._reopen)
        self.evaluation = EvaluationPanel()
        self.evaluation.start_button.clicked.connect(self.evaluation_requested)
        for page in (self.pick, self.overview, self.activity, self.evaluation):
            self.pane.addWidget(page)
        frame = QFrame()
        set_role(frame, "course-pane")
        frame_box = QVBoxLayout(frame)
        frame_box.setContentsMargins(0, 0, 0, 0)
        frame_box.addWidget(self.pane)
        self.splitter.addWidget(frame)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([TREE_WIDTH, 770])
        outer.addWidget(self.splitter, 1)

    # ------------------------------------------------------------------ reading

    @property
    def busy(self) -> bool:
        return self._reader.busy

    @property
    def loads(self) -> int:
        return self._reader.reads

    def refresh(self) -> None:
        """Read the session again, off the GUI thread; shown when it arrives."""
        self._reader.request()

    def showEvent(self, event: QShowEvent) -> None:
        if self.snapshot is None and not self.busy:
            self.refresh()
        super().showEvent(event)

    def _read(self) -> CourseSnapshot:
        session = self.session
        package = session.package()
        return CourseSnapshot(
            package=package,
            view=session.view(),
            offline=frozenset(session.offline_materials()),
            plans={m.id: session.plan_material(m.id) for m in package.materials},
            plan_all=session.plan_all(),
            hemat_data=session.hemat_data(),
            link_up=session.link_up(),
            attempts=session.attempts(),
            open_attempt=session.evaluation().open_attempt is not None,
        )

    def _loaded(self, snapshot: CourseSnapshot) -> None:
        before = self.snapshot
        self.snapshot = snapshot
        # a completion this read shows is done asking (one read before it lands keeps it)
        self.completing = {a for a in self.completing if not snapshot.completed(a)}
        self._apply()
        if self._evaluation_wanted:
            self._evaluation_wanted = False
            self.show_evaluation(read=False)
        if before is not None and before.link_up != snapshot.link_up:
            self._link_changed()

    def _link_changed(self) -> None:
        """The link went down or came back (a sync failed or reached the server): an open
        module or clip whose file is not stored shows what it can now (its link, or the
        fetch, when online; the offline message when not)."""
        activity_id = self.current_activity
        snapshot = self.snapshot
        if activity_id is None or snapshot is None:
            return
        activity = snapshot.package.activity(activity_id)
        kinds = (ActivityKind.READING, ActivityKind.VIDEO)
        if activity is None or activity.kind not in kinds:
            return
        if self.session.content_path(activity_id) is None and self.fetch is None:
            self._open_activity(activity)

    def _apply(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        self.tree.show_data(TreeData(snapshot.package, snapshot.view, snapshot.offline))
        self.pick_text.setText(tr(Label.COURSE_PICK))
        self.legend.setText(
            tr(Label.COURSE_PROVISIONAL_LEGEND) if self.tree.any_provisional() else ""
        )
        self._reserve_legend()
        self._apply_download_all()
        self._apply_selected(reopen=False)

    def _reserve_legend(self) -> None:
        """The legend's line is kept whether it shows or not: the tree never moves."""
        text = self.legend.text()
        self.legend.ensurePolished()
        self.legend.setText(tr(Label.COURSE_PROVISIONAL_LEGEND))
        self.legend.setFixedHeight(self.legend.sizeHint().height())
        self.legend.setText(text)

    def _apply_download_all(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        everything = all(m.id in snapshot.offline for m in snapshot.package.materials)
        if everything:
            self.download_all_button.setText(tr(Label.COURSE_ALL_OFFLINE))
        else:
            size = size_text(snapshot.plan_all.shown_bytes)
            self.download_all_button.setText(tr(Label.COURSE_DOWNLOAD_ALL, size=size))
        online = snapshot.link_up
        self.download_all_button.setEnabled(not everything and self.bulk is None and online)
        offline_tip = not everything and not online
        self.download_all_button.setToolTip(
            tr(Label.COURSE_DOWNLOAD_ALL_OFFLINE) if offline_tip else ""
        )
        self.copy_out_button.setEnabled(self.bulk is None)
        self.copy_in_button.setEnabled(self.bulk is None)

    # ------------------------------------------------------------------ selection

    def _select(self, key: str) -> None:
        """The tree's current item changed: show it."""
        if self.snapshot is None:
            return
        self._show_key(key, reopen=True)

    def _apply_selected(self, reopen: bool) -> None:
        self._show_key(self.tree.current_key(), reopen=reopen)

    def _open_key(self, key: str) -> None:
        """Enter on an item: shown (already, as the current one) and the focus into it."""
        self._show_key(key, reopen=False)
        target = self.pane.currentWidget()
        if target is not None:
            focus_into(target)

    def _show_key(self, key: str, reopen: bool) -> None:
        snapshot = self.snapshot
        assert snapshot is not None
        if key.startswith("a:"):
            activity_id = key[2:]
            activity = snapshot.package.activity(activity_id)
            if activity is None:
                return
            self.activity.show_header(activity, snapshot.view.activity(activity_id))
            if reopen or self.current_activity != activity_id:
                self._open_activity(activity)
            self.pane.setCurrentWidget(self.activity)
            return
        self._leave_activity()
        if key.startswith("m:"):
            self._show_material(key[2:])
            self.pane.setCurrentWidget(self.overview)
        elif key == EVALUATION:
            self.evaluation.show_view(snapshot.view)
            self.evaluation.show_attempts(snapshot.attempts, snapshot.open_attempt)
            self.pane.setCurrentWidget(self.evaluation)
        else:  # a sub-material, or nothing: its material's overview, else the hint
            material_id = self._material_of(key)
            if material_id is None:
                self.pane.setCurrentWidget(self.pick)
            else:
                self._show_material(material_id)
                self.pane.setCurrentWidget(self.overview)

    def show_evaluation(self, read: bool = True) -> None:
        """Select the evaluation's entry in the tree and show it (after an attempt ended,
        say). ``read``: the session is read again too, so an attempt just submitted is in
        its rows; before the first read lands, it is shown when that read lands."""
        if self.snapshot is None:
            self._evaluation_wanted = True
        else:
            self.tree.select(EVALUATION)  # the current item: shown through _select
            self._show_key(EVALUATION, reopen=False)  # also when it was the current one
        if read:
            self.refresh()

    def _material_of(self, key: str) -> str | None:
        snapshot = self.snapshot
        if snapshot is None or not key.startswith("s:"):
            return None
        for material in snapshot.package.materials:
            if any(sub.id == key[2:] for sub in material.sub_materials):
                return material.id
        return None

    def selected_material(self) -> str | None:
        key = self.tree.current_key()
        if key.startswith("m:"):
            return key[2:]
        return self._material_of(key)

    # ------------------------------------------------------------------ a material

    def _show_material(self, material_id: str) -> None:
        snapshot = self.snapshot
        assert snapshot is not None
        material = snapshot.package.material(material_id)
        shown = snapshot.material(material_id)
        if shown is not None:
            self.overview.show_material(material.kind, material.title, shown)
        box = self.overview.download
        box.show_problem(self.download_problems.get(material_id, ""))
        if material_id in self.downloads:
            box.show_running(*self.download_progress.get(material_id, (0, 0)))
        elif material_id in snapshot.offline:
            box.show_ready()
        else:
            box.show_idle(snapshot.plans[material_id].shown_bytes)

    def _download_clicked(self) -> None:
        material_id = self.selected_material()
        if material_id is None or material_id in self.downloads:
            return
        session = self.session
        self.download_problems.pop(material_id, None)
        self.download_progress[material_id] = (0, 0)

        def progress(done: int, total: int) -> None:
            self.download_progress[material_id] = (done, total)
            if self.selected_material() == material_id:
                self.overview.download.show_running(done, total)

        self.downloads[material_id] = self.runner.run(
            lambda cancel, report: session.download_material(material_id, cancel, report),
            done=lambda _plan: self._download_ended(material_id, None),
            failed=lambda error: self._download_ended(material_id, error),
            progress=progress,
            name="course.download_material",
            parent=self,
        )
        self._show_material(material_id)

    def _cancel_download(self) -> None:
        material_id = self.selected_material()
        task = self.downloads.get(material_id or "")
        if task is not None:
            task.cancel()

    def _download_ended(self, material_id: str, error: BaseException | None) -> None:
        self.downloads.pop(material_id, None)
        self.download_progress.pop(material_id, None)
        if error is not None and not cancelled(error):
            unreachable = isinstance(error, SyncError) and error.kind in LINK_DOWN_KINDS
            self.download_problems[material_id] = (
                tr(Label.COURSE_DOWNLOAD_UNREACHABLE) if unreachable else problem_text(error)
            )
        if self.selected_material() == material_id and self.snapshot is not None:
            self._show_material(material_id)
        self.refresh()

    def _delete_clicked(self) -> None:
        material_id = self.selected_material()
        if material_id is None or self.snapshot is None:
            return
        title = self.snapshot.package.material(material_id).title
        dialog = self._question(
            tr(Label.COURSE_DELETE_DOWNLOAD),
            tr(Label.COURSE_DELETE_CONFIRM, material=title),
            tr(Label.COURSE_DELETE_YES),
            lambda: self._delete(material_id),
        )
        dialog.open()

    def _delete(self, material_id: str) -> None:
        session = self.session
        self.runner.run(
            lambda _cancel, _progress: session.delete_material(material_id),
            done=lambda _removed: self.refresh(),
            name="course.delete_material",
            parent=self,
        )

    def _question(
        self, title: str, text: str, yes: str, accepted: Callable[[], None]
    ) -> QMessageBox:
        """A short confirmation (open, not exec: the test finds it as ``confirm_dialog``)."""
        dialog = QMessageBox(self)
        dialog.setIcon(QMessageBox.Icon.Question)
        dialog.setWindowTitle(title)
        dialog.setText(text)
        yes_button = dialog.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        no_button = dialog.addButton(tr(Label.COURSE_NO), QMessageBox.ButtonRole.RejectRole)
        dialog.setDefaultButton(no_button)
        dialog.setEscapeButton(no_button)

        def answered() -> None:
            self.confirm_dialog = None
            if dialog.clickedButton() is yes_button:
                accepted()
            dialog.deleteLater()

        dialog.finished.connect(lambda _result: answered())
        self.confirm_dialog = dialog
        return dialog

    # ------------------------------------------------------------------ the top row

    def _download_all_clicked(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or self.bulk is not None:
            return
        if snapshot.hemat_data:
            size = size_text(snapshot.plan_all.shown_bytes)
            self._question(
                tr(Label.COURSE_HEMAT_TITLE),
                tr(Label.COURSE_HEMAT_CONFIRM, size=size),
                tr(Label.COURSE_HEMAT_YES, size=size),
                self._download_all,
            ).open()
        else:
            self._download_all()

    def _download_all(self) -> None:
        session = self.session
        self._run_bulk(
            lambda cancel, report: session.download_all(cancel, report),
            Label.COURSE_DOWNLOADING_ALL,
            done=lambda _result: self.refresh(),
        )

    def _run_bulk(
        self, work: Callable[[Any, Any], Any], text: Label, done: Callable[[Any], None]
    ) -> None:
        self.bulk_slot.show_progress(tr(text, done=size_text(0), total="…"))

        def progress(moved: int, total: int) -> None:
            self.bulk_slot.progress.show_bytes(text, moved, total)

        def ended(result: Any) -> None:
            self.bulk = None
            self.bulk_slot.show_idle()
            self._apply_download_all()
            done(result)

        def failed(error: BaseException) -> None:
            self.bulk = None
            self.bulk_slot.show_idle()
            self._apply_download_all()
            if not cancelled(error):
                self._show_result(tr(Label.COURSE_DOWNLOAD_TITLE), problem_text(error), (), True)
            self.refresh()

        self.bulk = self.runner.run(
            work, done=ended, failed=failed, progress=progress, name=f"course.{text}", parent=self
        )
        self._apply_download_all()

    def _cancel_bulk(self) -> None:
        if self.bulk is not None:
            self.bulk.cancel()

    def _copy_out_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, tr(Label.COURSE_COPY_OUT_CAPTION), str(documents_folder())
        )
        if not folder or self.bulk is not None:
            return
        session = self.session
        self._run_bulk(
            lambda cancel, report: session.export_content(Path(folder), cancel, report),
            Label.COURSE_COPYING_OUT,
            done=lambda report: self._copied(tr(Label.COURSE_COPY_OUT_TITLE), report),
        )

    def _copy_in_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, tr(Label.COURSE_COPY_IN_CAPTION), str(documents_folder())
        )
        if not folder or self.bulk is not None:
            return
        session = self.session

        def imported(report: Any) -> None:
            self._copied(tr(Label.COURSE_COPY_IN_TITLE), report)
            self.refresh()
            if self.current_activity is not None:  # its file may be here now
                self._reopen()

        self._run_bulk(
            lambda cancel, report: session.import_content(Path(folder), cancel, report),
            Label.COURSE_COPYING_IN,
            done=imported,
        )

    def _copied(self, title: str, report: Any) -> None:
        refused = tuple(
            tr(Label.COURSE_REFUSED_FILE, name=item.name, reason=say(item.reason))
            for item in report.refused
        )
        self._show_result(title, say(report.message()), refused, bool(refused))

    def _show_result(self, title: str, text: str, refused: tuple[str, ...], warn: bool) -> None:
        """The result of a copy (or a failure of the top row's work): a small dialog,
        open (not exec), found by tests as ``result_dialog``."""
        dialog = QMessageBox(self)
        dialog.setIcon(QMessageBox.Icon.Warning if warn else QMessageBox.Icon.Information)
        dialog.setWindowTitle(title)
        dialog.setText(text)
        if refused:
            dialog.setInformativeText("\n".join((tr(Label.COURSE_REFUSED_HEAD), *refused)))
        dialog.setStandardButtons(QMessageBox.StandardButton.Ok)
        self.result_dialog = open_in_place(self.result_dialog, dialog, self._forget_result)

    def _forget_result(self, dialog: QMessageBox) -> None:
        if self.result_dialog is dialog:
            self.result_dialog = None

    # ------------------------------------------------------------------ an activity

    def _leave_activity(self) -> None:
        """The pane leaves the open activity: its file is let go, its fetch stopped."""
        if self.current_activity is None:
            return
        self.current_activity = None
        self._stop_fetch()
        pane = self.activity
        if pane.clip is not None:
            pane.clip.stop()
        if pane.reader is not None:
            pane.reader.close_document()

    def _stop_fetch(self) -> None:
        if self.fetch is not None:
            self.fetch.cancel()
            self.fetch = None

    def _reopen(self) -> None:
        snapshot = self.snapshot
        if snapshot is None or self.current_activity is None:
            return
        activity = snapshot.package.activity(self.current_activity)
        if activity is not None:
            self._open_activity(activity)

    def _open_activity(self, activity: Activity) -> None:
        self._leave_activity()
        self.current_activity = activity.id
        shown = self.snapshot.view.activity(activity.id) if self.snapshot is not None else None
        self.activity.own_heading(
            activity.kind in (ActivityKind.PRACTICE_QUIZ, ActivityKind.REFLECTION)
        )
        if activity.kind is ActivityKind.READING:
            self._open_reading(activity)
        elif activity.kind is ActivityKind.VIDEO:
            self._open_video(activity, shown)
        elif activity.kind is ActivityKind.PRACTICE_QUIZ:
            quiz = self._quiz()
            quiz.open(activity, shown)
            self.activity.body.setCurrentWidget(quiz)
        else:
            editor = self._reflection()
            editor.open(activity, shown)
            self.activity.body.setCurrentWidget(editor)

    def _open_reading(self, activity: Activity) -> None:
        path = self.session.content_path(activity.id)
        if path is not None:
            self._show_reading(activity, path)
        elif self.session.link_up():
            self._fetch_file(activity, lambda path: self._show_reading(activity, path))
        else:
            self.activity.status.show_message(tr(Label.COURSE_NOT_STORED_OFFLINE), True)
            self.activity.body.setCurrentWidget(self.activity.status)

    def _show_reading(self, activity: Activity, path: Path) -> None:
        reader = self._module_reader()
        media_type = activity.content.media_type if activity.content is not None else ""
        reader.open(path, media_type)
        self.activity.body.setCurrentWidget(reader)

    def _open_video(self, activity: Activity, shown: ActivityProgress | None) -> None:
        clip = self._clip()
        path = self.session.content_path(activity.id)
        done = shown is not None and shown.completed
        clip.open(path, activity.url, self.session.link_up(), already_done=done)
        self.activity.body.setCurrentWidget(clip)

    def _fetch_file(self, activity: Activity, then: Callable[[Path], None]) -> None:
        """Fetch the activity's file off the GUI thread, its progress in the pane."""
        self._stop_fetch()
        status = self.activity.status
        status.show_fetching(0, activity.content.size if activity.content is not None else 0)
        self.activity.body.setCurrentWidget(status)
        session = self.session
        activity_id = activity.id

        def landed(path: Path) -> None:
            self.fetch = None
            if self.current_activity == activity_id:
                then(path)

        def failed(error: BaseException) -> None:
            self.fetch = None
            if self.current_activity != activity_id:
                return
            status.show_message(
                tr(Label.COURSE_NOT_STORED_OFFLINE)
                if isinstance(error, SyncError) and not cancelled(error)
                else problem_text(error),
                True,
            )

        def progress(done: int, total: int) -> None:
            if self.current_activity == activity_id:
                status.show_fetching(done, total)

        self.fetch = self.runner.run(
            lambda cancel, report: session.fetch_content(activity_id, cancel, report),
            done=landed,
            failed=failed,
            progress=progress,
            name="course.fetch_content",
            parent=self,
        )

    def _video_download_requested(self) -> None:
        """The player's "Unduh untuk offline" (its clip shown as a link): the clip's
        material, whose download box names the size before anything moves, with the
        focus on its button (one more press starts it)."""
        snapshot = self.snapshot
        if snapshot is None or self.current_activity is None:
            return
        activity_id = self.current_activity
        material = next(
            (
                m
                for m in snapshot.package.materials
                if any(a.id == activity_id for sub in m.sub_materials for a in sub.activities)
            ),
            None,
        )
        if material is None:
            return
        self.tree.select(f"m:{material.id}")
        box = self.overview.download
        target = box.download_button if box.state == "idle" else box
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _completed(self) -> None:
        """The open module was read to its end, or its clip watched: completed, once."""
        activity_id = self.current_activity
        snapshot = self.snapshot
        if activity_id is None or snapshot is None or activity_id in self.completing:
            return
        if snapshot.completed(activity_id):
            return
        self.completing.add(activity_id)
        session = self.session
        self.runner.run(
            lambda _cancel, _progress: session.complete_activity(activity_id),
            done=lambda _event: self._recorded(),
            failed=lambda error: self._completion_failed(activity_id, error),
            name="course.complete_activity",
            parent=self,
        )

    def _completion_failed(self, activity_id: str, error: BaseException) -> None:
        self.completing.discard(activity_id)
        from latsar_desktop.ui import errors

        errors.show_error(self, error)

    def _recorded(self) -> None:
        """Something was recorded here: the page, Beranda and the status bar read again."""
        self.refresh()
        self.data_changed.emit()

    # the hosted widgets, made when first needed ----------------------------------------

    def _host(self, widget: QWidget) -> None:
        self.activity.body.addWidget(widget)
        widget.retranslate()  # type: ignore[attr-defined]

    def _module_reader(self) -> ModuleReader:
        if self.activity.reader is None:
            from latsar_desktop.ui.reader import ModuleReader

            reader = ModuleReader(self.activity.body)
            reader.finished.connect(self._completed)
            self.activity.reader = reader
            self._host(reader)
        return self.activity.reader

    def _clip(self) -> ClipPlayer:
        if self.activity.clip is None:
            from latsar_desktop.ui.clip import ClipPlayer

            clip = ClipPlayer(self.activity.body)
            clip.watched.connect(self._completed)
            clip.download_requested.connect(self._video_download_requested)
            self.activity.clip = clip
            self._host(clip)
        return self.activity.clip

    def _quiz(self) -> PracticeQuiz:
        if self.activity.quiz is None:
            from latsar_desktop.ui.activity import PracticeQuiz

            quiz = PracticeQuiz(self.session, self.runner)
            quiz.recorded.connect(self._recorded)
            self.activity.quiz = quiz
            self._host(quiz)
        return self.activity.quiz

    def _reflection(self) -> ReflectionEditor:
        if self.activity.reflection is None:
            from latsar_desktop.ui.activity import ReflectionEditor

            editor = ReflectionEditor(self.session, self.runner)
            editor.recorded.connect(self._recorded)
            self.activity.reflection = editor
            self._host(editor)
        return self.activity.reflection

    # ------------------------------------------------------------------ the end

    def shutdown(self) -> None:
        """The page goes away (sign-out): work cancelled, the clip stopped, dialogs closed."""
        for task in (*self.downloads.values(), self.bulk, self.fetch):
            if task is not None:
                task.cancel()
        self._leave_activity()
        for dialog in (self.confirm_dialog, self.result_dialog):
            if dialog is not None:
                dialog.close()

    # ------------------------------------------------------------------ texts

    def retranslate(self) -> None:
        self.copy_out_button.setText(tr(Label.COURSE_COPY_OUT))
        self.copy_in_button.setText(tr(Label.COURSE_COPY_IN))
        self.bulk_slot.retranslate()
        self.pick_text.setText(
            tr(Label.COURSE_PICK) if self.snapshot is not None else tr(Label.COURSE_LOADING)
        )
        self.tree.retranslate()
        self._reserve_legend()
        self.overview.download.retranslate()
        self.activity.retranslate()
        self.evaluation.retranslate()
        if self.snapshot is None:
            self.download_all_button.setText(tr(Label.COURSE_DOWNLOAD_ALL, size="…"))
            self.download_all_button.setEnabled(False)
        else:
            self._apply()
