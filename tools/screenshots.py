"""The README's screenshots, taken as a participant's screen shows them: Xvfb, Qt's xcb.

    .venv/bin/python -m tools.screenshots [--out docs/screenshots]

Without ``DISPLAY`` it starts its own Xvfb (1366×768, ``tools/xvfb.py``) and runs itself
again on it with ``QT_QPA_PLATFORM=xcb``; on any other Qt platform (offscreen, Wayland)
it refuses: ``QScreen.grabWindow`` must read the X server's pixels, where the video
frame is. The app is the real one: ``ui/application.py``'s ``run()`` with ``--demo``
(the embedded server, the demo people on the sign-in screen) on a fresh temporary data
directory, in Indonesian. A timer started before ``run()`` drives its window as a
participant would (key clicks into the fields, a click on "Masuk") and grabs it:

- ``signin.png``: the demo's sign-in screen;
- ``signin-error.png``: Budi's NIP with a wrong NIK: the server's answer, inline;
- ``welcome.png``: Budi's first sign-in, the welcome video playing (past 1 s);
- ``beranda.png``: Beranda after the welcome video, empty (0/50), once the background
  sync that "Lanjut" started has ended and the status bar says "Tersinkron";
- ``beranda-progress.png``: part-way: 24 of the 50 trophies (``PART_WAY``: one material
  done, three begun, practice quizzes and reflections among them) recorded through the
  window's session, Beranda and the status bar read again (``shell.data_changed()``) and
  the changes still waiting ("N perubahan menunggu sinkronisasi": the background sync
  runs every 300 s, so nothing is sent until it is asked);
- ``sync-details.png``: the "Rincian" dialog: an evaluation attempt recorded
  through the store while the evaluation is locked (the session itself refuses to
  start one), sent with the changes above by a click on "Sinkronkan sekarang"; the
  server refuses it, the dialog lists it with the server's reason;
- ``notifications.png``: the bell's list open over Beranda: 28 trophies
  (``TO_UNLOCK``), an attempt taken through the session (``RIGHT_ANSWERS`` of 20 right,
  with the demo course's keys), "Sinkronkan sekarang", the grade back from the server
  with its notification; then a click on the bell;
- ``profil.png``: Profil, its devices listed; then Course: ``course-download.png`` (the
  policy material's download held part-way), ``course-module.png`` (a module read),
  ``course-video.png`` (its clip playing past 1 s);
- ``evaluation-confirm.png``: two more attempts taken through the session
  (``EARLIER_ATTEMPTS``) and sent, so the next is the fourth; Course's evaluation entry,
  "Mulai evaluasi": the confirmation, "Percobaan ke-4", its cap 90,01;
- ``evaluation-question.png``: "Mulai percobaan"; the first ``SHOWN_ANSWERED`` questions
  answered by clicks on their choices and "Berikutnya", the next question shown, the
  numbers of the answered ones filled, once the timer has run ``TIMER_RUN_S``;
- ``evaluation-waiting.png``: the proxy set (as Pengaturan saves it) to a port of
  127.0.0.1 where nothing listens; the other questions answered by clicks (all right but
  ``WRONG_AT``), "Kirim jawaban", "Kirim": back on Course, the sync asked at once fails,
  the status bar says "Luring", the row "Menunggu sinkronisasi";
- ``evaluation-result.png``: the proxy set back, "Sinkronkan sekarang": the row graded,
  90,01 large, "Nilai mentah 95,00 · nilai maksimal 90,01";
- ``profil-sertifikat.png``: every activity done and sent, the certificate issued by the
  embedded server's own command as of a time past the demo's delay, the next sync brings
  it: Profil with "Download Sertifikat" (final score 90,01).

The list is a window of its own over the main one, with its own border: that shot is
the screen's pixels where the main window is (``grab_on_top``). The dialogs are grabbed
alone: Xvfb has no window manager, so over the window they would have no frame and no
edge to tell them from the page behind (the confirmation over Course reads as one
muddle of cut-off rows). Before the evaluation the X pointer is moved off the window: a
choice under it would look hovered, or chosen. Times read as on a participant's computer in
Jakarta (``TZ``: WIB), whatever this computer's zone. Then the window is closed as its
close button does, and ``run()`` ends as it always does: the session signed out, the
background threads stopped, the server stopped.
Every wait polls with a timeout (``WAIT_S``) and raises when the state never comes.
Nothing is written outside ``--out`` and a temporary folder (logs included).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from latsar_desktop import app, locations
from latsar_desktop.demo import DEMO_CERTIFICATE_DELAY, SERVER_FOLDER, DemoPerson, demo_people
from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.progress import Progress
from latsar_desktop.domain.protocol import ActivityKind, Question
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.evaluation import AttemptStatus
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.views import Notification
from latsar_desktop.ui import application, errors
from latsar_desktop.ui.course_panes import AttemptRowView
from latsar_desktop.ui.evaluation import AttemptView
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.shell import COURSE, EVALUATION, PAGES, PROFILE, Shell
from latsar_desktop.ui.sync_status import SyncState
from latsar_desktop.ui.texts import tr
from tools.demo_course import load_package
from tools.xvfb import xvfb

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "docs" / "screenshots"
WAIT_S = 60.0  # the longest any state may take to come (a sign-in: scrypt, the server)
POLL_MS = 50
SETTLE_MS = 400  # after a state is reached: the paint has reached the X server
VIDEO_AT_MS = 1000  # the welcome video is grabbed once it has played this far
PERSON = "Budi"  # the demo participant whose sign-in is shown
# Beranda part-way: 24 of 50 trophies; one material done, three begun, one not yet
PART_WAY = (
    *(
        f"kebijakan-{n}-{kind}"
        for n in (1, 2)
        for kind in ("video", "modul", "latihan", "refleksi")
    ),
    "bela-negara-1-video",
    "bela-negara-1-modul",
    "bela-negara-1-latihan",
    "bela-negara-2-video",
    "bela-negara-2-modul",
    "berakhlak-1-video",
    "berakhlak-1-modul",
    "berakhlak-1-latihan",
    "berakhlak-2-video",
    "berakhlak-2-modul",
    "smart-governance-1-video",
    "smart-governance-1-modul",
    "smart-governance-1-latihan",
)
PART_WAY_TROPHIES = 24
# then 28: the evaluation opens
TO_UNLOCK = ("manajemen-asn-1-video", "manajemen-asn-1-modul", "manajemen-asn-1-latihan")
UNLOCK_TROPHIES = 28
RIGHT_ANSWERS = 15  # of the attempt's 20 questions: 75,00
# Course: the policy material downloaded (its 1 MB clip, held part-way for the shot),
# then its HTML module read and its clip playing
SHOWN_MATERIAL = "kebijakan"
SHOWN_MODULE = "kebijakan-2-modul"
SHOWN_CLIP = "kebijakan-1-video"
HELD_AT = 0.4  # the download is held (for the shot) once this part has arrived
SHOWN_TZ = "Asia/Jakarta"  # the computer's zone for the app: times in WIB
# the evaluation: two more attempts taken through the session (70,00 and 80,00), so the
# one taken through its window is the fourth, capped at 90,01; in it the first
# SHOWN_ANSWERED questions answered and the next one shown; then the others, all right
# but those at the indexes WRONG_AT (19 of 20 right: raw 95,00, score 90,01)
EARLIER_ATTEMPTS = (14, 16)  # right answers of 20
SHOWN_ANSWERED = 3
WRONG_AT = (13,)
TIMER_RUN_S = 2  # the question's shot waits until the timer has run this long
REFLECTION = "Saya belajar bahwa melayani masyarakat dimulai dari kejujuran dan disiplin."
T = TypeVar("T")


class ShotsFailed(RuntimeError):
    pass


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not os.environ.get("DISPLAY"):
        return on_own_display(args.out)
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        print(refusal(os.environ["QT_QPA_PLATFORM"]), file=sys.stderr)
        return 2
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return take_shots(args.out.resolve())


def refusal(platform: str) -> str:
    return (
        f"screenshots need Qt's xcb platform on an X display, not {platform!r}: "
        "unset DISPLAY to let this tool start its own Xvfb"
    )


def on_own_display(out: Path) -> int:
    """This tool again, on a fresh Xvfb display with the xcb platform."""
    with xvfb() as display:
        command = [sys.executable, "-m", "tools.screenshots", "--out", str(out.resolve())]
        return subprocess.run(command, cwd=ROOT, env=display.env()).returncode


def take_shots(out: Path) -> int:
    """The app (``application.run``) on a fresh demo folder, driven by ``Shooter``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="latsar-shots-") as folder:
        temp = Path(folder)
        os.environ[locations.LOG_DIR_ENV] = str(temp / "logs")  # never the user's logs
        os.environ[locations.DATA_DIR_ENV] = str(temp / "data")
        os.environ["TZ"] = SHOWN_TZ
        time.tzset()
        qt = QApplication(sys.argv[:1])
        if qt.platformName() != "xcb":
            print(refusal(qt.platformName()), file=sys.stderr)
            return 2
        shooter = Shooter(out, temp / "demo")
        QTimer.singleShot(0, shooter.drive)
        argv = ["--demo", "--data-dir", str(shooter.demo_dir), "--lang", "id"]
        status = application.run(app.parser().parse_args(argv))
        if shooter.error is not None:
            print(shooter.error, file=sys.stderr)
            print(f"logs: {_tail(temp / 'logs' / 'latsar-desktop.log')}", file=sys.stderr)
            return 1
        for name, size in shooter.saved:
            print(f"{out / name}: {size[0]}×{size[1]}, {(out / name).stat().st_size} bytes")
        return status


def _tail(path: Path, limit: int = 3000) -> str:
    try:
        return path.read_text("utf-8")[-limit:]
    except OSError:
        return "(none)"


class Shooter:
    """Drives the app's main window from inside its event loop and saves the shots."""

    def __init__(self, out: Path, demo_dir: Path) -> None:
        self.out = out
        self.demo_dir = demo_dir  # the app's --data-dir (the embedded server's folder in it)
        self.saved: list[tuple[str, tuple[int, int]]] = []
        self.error: str | None = None
        self.window: MainWindow | None = None

    def drive(self) -> None:
        try:
            self.window = wait_for(main_window, "the main window")
            self.shoot_all(self.window)
        except Exception:
            self.error = traceback.format_exc()
        finally:
            dialog = errors.current_dialog()
            if dialog is not None:
                dialog.reject()
            for widget in QApplication.topLevelWidgets():  # run() returns once all are closed
                if widget.isVisible():
                    widget.close()

    def shoot_all(self, window: MainWindow) -> None:
        page = window.signin
        wait_for(lambda: exposed(window), "the window shown on the display")
        panel = page.demo_panel
        ready = "the demo people, the server ready"
        wait_for(
            lambda: panel is not None and panel.isVisible() and not page.waiting_for_server, ready
        )
        self.grab(window, "signin.png")

        person = budi()
        click(page.nip_edit)
        type_into(page.nip_edit, person.nip)
        click(page.nik_edit)
        type_into(page.nik_edit, wrong_nik(person.nik))
        click(page.submit_button)
        wait_for(
            lambda: (
                page.submit_button.isEnabled()
                and (page.message.isVisible() or page.nik_error.isVisible())
            ),
            "the answer to a wrong NIK",
        )
        if window.session is not None:
            raise ShotsFailed("a wrong NIK signed in")
        self.grab(window, "signin-error.png")

        click(page.nik_edit)
        type_into(page.nik_edit, person.nik)
        click(page.submit_button)
        welcome = wait_for(lambda: window.welcome, "the welcome video page")
        player = welcome.player
        wait_for(
            lambda: player.playing and player.player.position() > VIDEO_AT_MS,
            "the welcome video playing past 1 s",
        )
        self.grab(window, "welcome.png")

        wait_for(lambda: welcome.next_button.isEnabled(), "the welcome video's end")
        click(welcome.next_button)  # the shell is made and its background sync started
        shell = window.shell
        if shell is None or window.session is None:
            raise ShotsFailed('"Lanjut" did not open the main window\'s pages')
        # connected before the event loop runs again: the first result is not missed
        syncs = Syncs(shell)
        self.shoot_home(window, shell, syncs)
        self.shoot_progress(window, shell, window.session)
        self.shoot_sync_details(window, shell, window.session, syncs)
        self.shoot_notifications(window, shell, window.session, syncs)
        self.shoot_profile(window, shell, "profil.png")
        self.shoot_course(window, shell, window.session)
        self.shoot_evaluation(window, shell, window.session, syncs)
        self.shoot_certificate(window, shell, window.session, syncs)

    def shoot_home(self, window: MainWindow, shell: Shell, syncs: Syncs) -> None:
        """Beranda, empty, once the background sync "Lanjut" started has ended."""
        wait_for(lambda: window.current_screen() is shell, "the Beranda page")
        syncs.wait(1, "the first background sync")
        wait_home(shell, 0, 0)
        wait_for(lambda: synced(shell), 'the status bar saying "Tersinkron"')
        self.grab(window, "beranda.png")

    def shoot_progress(self, window: MainWindow, shell: Shell, session: ParticipantSession) -> None:
        """Beranda part-way: ``PART_WAY`` recorded, not sent yet."""
        recorded = record(session, PART_WAY)
        trophies = session.view().trophies
        if trophies != PART_WAY_TROPHIES:
            raise ShotsFailed(f"part-way: {trophies} trophies, not {PART_WAY_TROPHIES}")
        shell.data_changed()
        wait_home(shell, trophies, recorded)
        wait_for(lambda: pending_shown(shell, recorded), f"{recorded} changes shown as pending")
        self.grab(window, "beranda-progress.png")

    def shoot_sync_details(
        self, window: MainWindow, shell: Shell, session: ParticipantSession, syncs: Syncs
    ) -> None:
        """An attempt the server refuses (the evaluation is locked there too), sent by
        "Sinkronkan sekarang"; then the "Rincian" dialog, grabbed alone."""
        locked_attempt(session)
        shell.data_changed()
        wait_for(lambda: pending_shown(shell, len(PART_WAY) + 1), "the attempt shown as pending")
        done = syncs.count
        click(shell.status.sync_button)
        syncs.wait(done + 1, 'the sync "Sinkronkan sekarang" asked for')
        status = shell.status
        one_refused = tr(Label.STATUS_DETAILS_REJECTED, count=1)  # "Rincian (1 ditolak)"
        wait_for(
            lambda: (
                synced(shell)
                and status.details_button.isVisible()
                and status.details_button.text() == one_refused
            ),
            f'"{one_refused}" in the status bar',
        )
        click(status.details_button)
        dialog = wait_for(lambda: status.details_dialog, "the sync details")
        wait_for(lambda: exposed(dialog) and bool(dialog.texts()), "the sync details shown")
        self.grab(dialog, "sync-details.png")
        click(dialog.close_button)
        wait_for(lambda: status.details_dialog is None, "the sync details closed")

    def shoot_notifications(
        self, window: MainWindow, shell: Shell, session: ParticipantSession, syncs: Syncs
    ) -> None:
        """28 trophies, an attempt taken and sent; its grade comes back with a
        notification; the bell's list open."""
        record(session, TO_UNLOCK)
        trophies = session.view().trophies
        if trophies != UNLOCK_TROPHIES:
            raise ShotsFailed(f"to unlock: {trophies} trophies, not {UNLOCK_TROPHIES}")
        take_attempt(session, RIGHT_ANSWERS)
        shell.data_changed()
        wait_for(lambda: pending_shown(shell, len(TO_UNLOCK) + 1), "the attempt shown as pending")
        done = syncs.count
        click(shell.status.sync_button)
        syncs.wait(done + 1, "the sync sending the attempt")
        bell = shell.bell
        wait_for(lambda: bell.count > 0 and graded(bell.notifications), "the graded notification")
        wait_for(lambda: synced(shell) and not shell.home.busy, "Beranda read again")
        click(bell)
        listing = bell.notification_list
        wait_for(lambda: exposed(listing) and bool(listing.items), "the notification list")
        self.grab_on_top(window, "notifications.png")
        listing.close()

    def shoot_profile(self, window: MainWindow, shell: Shell, name: str) -> None:
        """Profil, read again and its devices listed (this computer's)."""
        click(shell.nav_buttons[PAGES.index(PROFILE)])
        profile = shell.profile
        wait_for(lambda: not profile.busy and bool(profile.device_rows), "Profil and its devices")
        self.grab(window, name)

    def shoot_course(self, window: MainWindow, shell: Shell, session: ParticipantSession) -> None:
        """Course: a material's download held part-way (so the shot can show it, as on a
        slow link), then one of its modules read and its clip playing."""
        click(shell.nav_buttons[PAGES.index(COURSE)])
        course = shell.course
        wait_for(lambda: course.snapshot is not None and not course.busy, "the Course page")
        course.tree.select(f"m:{SHOWN_MATERIAL}")
        box = course.overview.download
        wait_for(lambda: box.download_button.isVisible(), "the material's download box")
        held, release = threading.Event(), threading.Event()
        real = session.download_material

        def slowed(material_id: str, cancel: Any = None, progress: Any = None) -> Any:
            def report(done: int, total: int) -> None:
                if progress is not None:
                    progress(done, total)
                if not held.is_set() and total and done >= total * HELD_AT:
                    held.set()
                    release.wait(WAIT_S)  # the worker waits: the window shows the progress

            return real(material_id, cancel, report)

        session.download_material = slowed  # type: ignore[method-assign]
        try:
            click(box.download_button)
            wait_for(lambda: held.is_set() and box.state == "running", "the download part-way")
            self.grab(window, "course-download.png")
        finally:
            release.set()
            session.download_material = real  # type: ignore[method-assign]
        wait_for(lambda: box.state == "ready", "the material downloaded")

        course.tree.select(f"a:{SHOWN_MODULE}")
        wait_for(
            lambda: course.activity.reader is not None and course.activity.reader.has_document,
            "the module open",
        )
        self.grab(window, "course-module.png")

        course.tree.select(f"a:{SHOWN_CLIP}")
        clip = wait_for(lambda: course.activity.clip, "the clip's player")
        wait_for(lambda: clip.player.player.duration() > 0, "the clip loaded")
        click(clip.player.play_button)
        wait_for(
            lambda: clip.player.playing and clip.player.player.position() > VIDEO_AT_MS,
            "the clip playing past 1 s",
        )
        self.grab(window, "course-video.png")
        clip.player.pause()

    def shoot_evaluation(
        self, window: MainWindow, shell: Shell, session: ParticipantSession, syncs: Syncs
    ) -> None:
        """The evaluation through its window: the confirmation, a question, the attempt
        waiting for a sync (sent while the server cannot be reached), then graded."""
        unlock(session)
        for right_answers in EARLIER_ATTEMPTS:
            take_attempt(session, right_answers)
        shell.data_changed()
        done = syncs.count  # these and what Course recorded sent: only the attempt waits
        click(shell.status.sync_button)
        syncs.wait(done + 1, "the sync before the evaluation")
        wait_for(lambda: synced(shell), 'the status bar saying "Tersinkron"')

        park_pointer(window)  # a choice under the X pointer would look hovered, or chosen
        click(shell.nav_buttons[PAGES.index(COURSE)])
        course = shell.course
        course.show_evaluation()
        start = course.evaluation.start_button
        wait_for(
            lambda: not course.busy and start.isVisible() and start.isEnabled(),
            'the evaluation\'s "Mulai evaluasi"',
        )
        click(start)
        dialog = wait_for(lambda: shell.start_dialog, "the attempt's confirmation")
        wait_for(lambda: exposed(dialog), "the confirmation shown")
        outlook = dialog.outlook
        number = outlook.next_number
        if number != 2 + len(EARLIER_ATTEMPTS):  # after the one graded with its notification
            raise ShotsFailed(f"the evaluation's next attempt is number {number}")
        self.grab(dialog, "evaluation-confirm.png")  # alone, as "Rincian": no frame here

        click(dialog.start_button)
        wait_for(lambda: shell.current is EVALUATION, "the attempt page")
        attempt = shell.attempt
        keys = server_keys()
        for _ in range(SHOWN_ANSWERED):
            answer_shown(attempt, keys, right_answer=True)
            click(attempt.next_button)
        shown = SHOWN_ANSWERED + 1
        wait_for(
            lambda: (
                attempt.current_index == SHOWN_ANSWERED
                and attempt.question_title.text()
                == tr(Label.ATTEMPT_QUESTION_TITLE, number=shown, total=len(attempt.nav_buttons))
            ),
            f"question {shown} shown",
        )
        run = attempt.run
        limit = outlook.time_limit_seconds
        wait_for(  # the timer seen running: "29:58", not the "30:00" of the start
            lambda: run is not None and run.remaining_seconds <= limit - TIMER_RUN_S,
            f"{TIMER_RUN_S} s of the attempt's time gone",
        )
        self.grab(window, "evaluation-question.png")

        kept = session.connection_settings()
        session.set_connection_settings(kept.server_url, dead_proxy(), "", None)
        try:
            self.submit_offline(window, shell, attempt, keys, number)
        finally:  # the connection back as it was
            session.set_connection_settings(kept.server_url, kept.proxy_url, kept.proxy_user, None)

        rows = course.evaluation.attempt_rows
        done = syncs.count
        wait_for(lambda: shell.status.state is not SyncState.SYNCING, "a retry's end")
        click(shell.status.sync_button)
        syncs.wait(done + 1, "the sync sending the attempt")
        scored = AttemptStatus.GRADED
        wait_for(
            lambda: not course.busy and bool(rows) and row_is(rows[0], number, scored),
            f"attempt {number} graded",
        )
        wait_for(lambda: synced(shell), 'the status bar saying "Tersinkron"')
        self.grab(window, "evaluation-result.png")

    def submit_offline(
        self,
        window: MainWindow,
        shell: Shell,
        attempt: AttemptView,
        keys: dict[str, Question],
        number: int,
    ) -> None:
        """The attempt's other questions answered (all right but ``WRONG_AT``) and sent
        while the server cannot be reached: its row waits for a sync."""
        for index in range(SHOWN_ANSWERED, len(attempt.nav_buttons)):
            click(attempt.nav_buttons[index])
            answer_shown(attempt, keys, right_answer=index not in WRONG_AT)
        click(attempt.submit_button)
        dialog = wait_for(lambda: attempt.submit_dialog, "the submission's confirmation")
        click(dialog.send_button)
        wait_for(lambda: shell.current is COURSE, "Course after the submission")
        status = shell.status
        rows = shell.course.evaluation.attempt_rows

        def waiting() -> bool:
            return (
                status.state is SyncState.OFFLINE
                and not shell.course.busy
                and bool(rows)
                and row_is(rows[0], number, AttemptStatus.WAITING_SYNC)
            )

        wait_for(waiting, f"attempt {number} waiting, the sync failed")
        for _ in range(3):  # a retry of the sync (every few seconds) may show meanwhile
            shown = len(status.history)
            self.grab(window, "evaluation-waiting.png")
            if waiting() and len(status.history) == shown:
                return
            self.saved.pop()
            wait_for(waiting, f"attempt {number} waiting again")
        raise ShotsFailed("the waiting attempt never held still for its shot")

    def shoot_certificate(
        self, window: MainWindow, shell: Shell, session: ParticipantSession, syncs: Syncs
    ) -> None:
        """Every activity done and sent (the attempt above passed): the server issues the
        certificate (its command, as the daily job would after the delay) and the next
        sync brings it; Profil offers "Download Sertifikat"."""
        view = session.view()
        left = tuple(
            activity.id
            for material, activity in session.package().activities()
            if not progress_of(view, material.id, activity.id)
        )
        record(session, left)
        shell.data_changed()
        done = syncs.count
        click(shell.status.sync_button)
        syncs.wait(done + 1, "the sync sending every activity")
        wait_for(lambda: session.view().passed, "the participant passed on the server")
        issue_certificates(self.demo_dir)
        done = syncs.count
        click(shell.status.sync_button)
        syncs.wait(done + 1, "the sync bringing the certificate")
        wait_for(lambda: session.certificate() is not None, "the certificate received")
        self.shoot_profile(window, shell, "profil-sertifikat.png")

    def grab(self, window: QWidget, name: str) -> None:
        """The window's pixels as the X server has them (the video frame too)."""
        pause(SETTLE_MS)
        screen = window.screen() or QGuiApplication.primaryScreen()
        self.save(screen.grabWindow(window.winId()), name)

    def grab_on_top(self, window: QWidget, name: str) -> None:
        """The screen where ``window`` is, with what shows over it (a dialog, a popup)."""
        pause(SETTLE_MS)
        screen = window.screen() or QGuiApplication.primaryScreen()
        area = window.frameGeometry()
        self.save(screen.grabWindow(0, area.x(), area.y(), area.width(), area.height()), name)

    def save(self, image: QPixmap, name: str) -> None:
        if image.isNull() or not image.save(str(self.out / name), "PNG"):
            raise ShotsFailed(f"{name}: not grabbed or not saved")
        self.saved.append((name, (image.width(), image.height())))


class Syncs:
    """Counts the shell's successful syncs (its status bar's ``synced``)."""

    def __init__(self, shell: Shell) -> None:
        self.count = 0
        shell.status.synced.connect(self._synced)

    def _synced(self) -> None:
        self.count += 1

    def wait(self, count: int, what: str) -> None:
        wait_for(lambda: self.count >= count, what)


# ---------------------------------------------------------------------- the participant's data


def record(session: ParticipantSession, activity_ids: tuple[str, ...]) -> int:
    """Each activity done as its screen records it (a practice quiz all right); the number
    of changes recorded."""
    package = session.package()
    for activity_id in activity_ids:
        activity = package.activity(activity_id)
        if activity is None:
            raise ShotsFailed(f"the demo course has no activity {activity_id!r}")
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            session.record_practice(activity_id, {q.id: right(q) for q in activity.questions})
        elif activity.kind is ActivityKind.REFLECTION:
            session.record_reflection(activity_id, REFLECTION)
        else:
            session.complete_activity(activity_id)
    return len(activity_ids)


def progress_of(view: Progress, material_id: str, activity_id: str) -> bool:
    """Whether the activity is done (a practice quiz: with all its trophies)."""
    for material in view.materials:
        if material.material_id == material_id:
            for activity in material.activities:
                if activity.activity_id == activity_id:
                    return activity.completed and activity.trophies == activity.max_trophies
    return False


def issue_certificates(demo_dir: Path) -> None:
    """The embedded server's issuance, run now as of a time past the demo's delay (the
    server's own command on its database, as an operator runs it)."""
    folder = demo_dir / SERVER_FOLDER
    at = datetime.now(UTC) + timedelta(seconds=DEMO_CERTIFICATE_DELAY + 60)
    command = [
        sys.executable,
        "-m",
        "latsar_server.cli",
        "--database-url",
        f"sqlite:///{folder / 'server.db'}",
        "--data-dir",
        str(folder),
        "issue-certificates",
        "--now",
        at.isoformat(),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise ShotsFailed(f"issue-certificates: {finished.stderr or finished.stdout}")


def server_keys() -> dict[str, Question]:
    """The evaluation's questions with their answers: the demo server's copy."""
    return {q.id: q for q in load_package().evaluation.questions}


def right(question: Question) -> str:
    if question.answer is None:
        raise ShotsFailed(f"question {question.id}: no answer in this copy of the course")
    return question.answer


def wrong(question: Question) -> str:
    return next(choice.id for choice in question.choices if choice.id != right(question))


def locked_attempt(session: ParticipantSession) -> None:
    """An attempt recorded in the store while the evaluation is locked: the session would
    refuse to start it, the server refuses it when it arrives (``sync.evaluation_locked``)."""
    store = session.store
    keys = server_keys()
    attempt = store.start_attempt()
    answers = {
        question_id: right(keys[question_id]) for question_id in store.attempt_questions(attempt)
    }
    store.save_draft(attempt, answers, 900)
    store.submit_attempt(attempt)


def take_attempt(session: ParticipantSession, right_answers: int) -> None:
    """An attempt through the session, as the evaluation screen takes it: the first
    ``right_answers`` answers right, the others wrong."""
    keys = server_keys()
    run = session.start_attempt()
    for number, question in enumerate(run.questions):
        key = keys[question.id]
        run.answer(question.id, right(key) if number < right_answers else wrong(key))
    run.submit()


def unlock(session: ParticipantSession) -> None:
    """The evaluation open: ``TO_UNLOCK``'s activities not done yet recorded now."""
    if session.view().evaluation.unlocked:
        return
    view = session.view()
    record(
        session,
        tuple(
            activity.id
            for material, activity in session.package().activities()
            if activity.id in TO_UNLOCK and not progress_of(view, material.id, activity.id)
        ),
    )
    if not session.view().evaluation.unlocked:
        raise ShotsFailed(f"the evaluation is locked at {session.view().trophies} trophies")


def answer_shown(attempt: AttemptView, keys: dict[str, Question], right_answer: bool) -> None:
    """A click on the shown question's right choice (or a wrong one)."""
    run = attempt.run
    if run is None:
        raise ShotsFailed("no attempt runs")
    question = run.questions[attempt.current_index]
    key = keys[question.id]
    wanted = right(key) if right_answer else wrong(key)
    rank = next(i for i, choice in enumerate(question.choices) if choice.id == wanted)
    click(attempt.choice_buttons[rank])
    if run.answers.get(question.id) != wanted:
        raise ShotsFailed(f"question {question.number}: the click gave no answer")


def row_is(view: AttemptRowView, number: int, status: AttemptStatus) -> bool:
    row = view.row
    return row is not None and row.number == number and row.status is status


def park_pointer(window: QWidget) -> None:
    """The X pointer off the window (its bottom right corner is the screen's last pixel
    otherwise in view): no widget shows as hovered in the shots."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    corner = screen.geometry().bottomRight()
    QCursor.setPos(screen, corner)


def dead_proxy() -> str:
    """A proxy address on 127.0.0.1 where nothing listens (a port just let go)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def graded(notifications: list[Notification] | None) -> bool:
    return any(n.message.code == Code.NOTICE_ATTEMPT_GRADED.value for n in notifications or [])


# ---------------------------------------------------------------------- what the window shows


def wait_home(shell: Shell, trophies: int, pending: int) -> None:
    """Beranda read and shown with these trophies and changes not sent yet."""
    home = shell.home

    def shown() -> bool:
        snapshot = home.snapshot
        return (
            not home.busy
            and snapshot is not None
            and snapshot.progress.trophies == trophies
            and snapshot.pending == pending
        )

    wait_for(shown, f"Beranda with {trophies} trophies and {pending} changes pending")


def synced(shell: Shell) -> bool:
    """The status bar says "Tersinkron · <time>"."""
    status = shell.status
    return status.state is SyncState.DONE and status.status_message() != tr(Label.STATUS_ONLINE)


def pending_shown(shell: Shell, count: int) -> bool:
    """The status bar says "<count> perubahan menunggu sinkronisasi"."""
    status = shell.status
    return status.state is SyncState.PENDING and status.status_message() == tr(
        Label.STATUS_PENDING, count=count
    )


# ---------------------------------------------------------------------- steps and waits


def main_window() -> MainWindow | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.isVisible():
            return widget
    return None


def exposed(window: QWidget) -> bool:
    handle = window.windowHandle()
    return handle is not None and handle.isExposed()


def budi() -> DemoPerson:
    for person in demo_people():
        if person.name.startswith(PERSON):
            return person
    raise ShotsFailed(f"no demo participant named {PERSON}")


def wrong_nik(nik: str) -> str:
    """The same NIK with its last digit changed: well-formed, and not this person's."""
    return nik[:-1] + str((int(nik[-1]) + 1) % 10)


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint())


def type_into(field: QLineEdit, text: str) -> None:
    """Empty the field as a participant does (select all, Backspace), then type."""
    field.selectAll()
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    QTest.keyClicks(field, text)


def pause(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds (the window keeps painting)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(value: Callable[[], T | None], what: str) -> T:
    """Poll ``value`` with the event loop running until it is truthy; it, or raise."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = value()
        if found:
            return found
        if time.monotonic() > deadline:
            raise ShotsFailed(f"timed out after {WAIT_S:.0f} s waiting for {what}")
        pause(POLL_MS)


if __name__ == "__main__":
    sys.exit(main())
