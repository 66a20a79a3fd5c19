"""Beranda (``ui/home.py``) follows the data: real widgets offscreen, a real session
signed in against the real server on 127.0.0.1.

The expected numbers are counted here from the course package (each activity's
trophies, a practice quiz's share of them by its right answers, the cap table), not
read back from the code that computes the page's. 0/50 after the sign-in; 27 trophies
(every video and module, two practice quizzes with chosen answers): the evaluation
locked, with its reason; one required reflection more, 28: open. Changes recorded
before a sync show as pending; after ``session.sync()`` none are, and the last sync's
time shows; trophies of a local completion are marked as waiting for a sync until it.
An attempt waiting for a sync, then graded: the final score large, passed,
the expected issue date. The daily grading limit used up: none left today, the next
attempt graded on a later day, one accepted attempt waiting for it. A material that
becomes complete gets its "✓" without moving its row's numbers. Refreshes asked while
one runs run once more after it, not once each; a read that lands after the sign-out is
dropped, and one the sign-out interrupts (held until the sign-out is done) shows no
error. The meter's two marks, as its paintEvent draws them, are labelled apart at the
page's width.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import (
    Activity,
    ActivityKind,
    CapBand,
    CoursePackage,
)
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.session.beranda import Beranda, EvaluationStage, NextAction, NextStep
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.home import DONE_MARK, MET, NOT_MET, STACK_WIDTH, HomePage
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import tr
from tests.recipes import answer, play_recipe, take_attempt
from tests.ui.steps import WAIT_MS, open_session

PageFor = Callable[[ParticipantSession], HomePage]
# two practice quizzes answered with chosen right answers: (quiz, right answers)
PRACTICE = (("kebijakan-1-latihan", 2), ("smart-governance-1-latihan", 4))
REFLECTION = "kebijakan-2-refleksi"  # a required reflection: one trophy more


@pytest.fixture
def page_for(qtbot: QtBot, runner: TaskRunner, styled: None, indonesian: None) -> Iterator[PageFor]:
    """``page_for(session)``: Beranda shown at the window's page size (1366×768 at 125 %)."""

    def make(session: ParticipantSession) -> HomePage:
        page = HomePage(session, runner)
        qtbot.addWidget(page)
        page.resize(1093, 560)
        page.show()
        return page

    yield make
    dialog = errors.current_dialog()
    if dialog is not None:  # closed, so that it cannot disturb the next tests
        dialog.reject()
    assert dialog is None, "an error dialog was left open"


def refreshed(qtbot: QtBot, page: HomePage) -> HomePage:
    """Ask for a refresh and wait until it has landed."""
    loads = page.loads
    page.refresh()
    assert page.busy
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.loads == loads + 1
    return page


# ---------------------------------------------------------------------- counted here


def materials_of(package: CoursePackage) -> dict[str, list[Activity]]:
    return {m.id: [a for sub in m.sub_materials for a in sub.activities] for m in package.materials}


def answers_for(quiz: Activity, right: int) -> dict[str, str]:
    """A practice quiz's answers, its first ``right`` questions answered right."""
    return {q.id: answer(q, i < right) for i, q in enumerate(quiz.questions)}


class Tally:
    """What the test did, and the trophies and required activities it should show."""

    def __init__(self, package: CoursePackage) -> None:
        self.package = package
        self.completed: set[str] = set()
        self.right: dict[str, int] = {}
        self.events = 0

    def earned(self, activity: Activity) -> int:
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            if activity.id not in self.right:
                return 0
            return activity.trophies * self.right[activity.id] // len(activity.questions)
        return activity.trophies if activity.id in self.completed else 0

    def done(self, activity: Activity) -> bool:
        return activity.id in self.completed or activity.id in self.right

    def per_material(self) -> dict[str, tuple[str, str]]:
        """material id: ("required done/required", "earned/possible")."""
        rows = {}
        for material_id, activities in materials_of(self.package).items():
            required = [a for a in activities if a.required]
            done = sum(1 for a in required if self.done(a))
            earned = sum(self.earned(a) for a in activities)
            possible = sum(a.trophies for a in activities)
            rows[material_id] = (f"{done}/{len(required)}", f"{earned}/{possible}")
        return rows

    def missing_required(self) -> dict[str, int]:
        return {
            material_id: sum(1 for a in activities if a.required and not self.done(a))
            for material_id, activities in materials_of(self.package).items()
        }

    def total(self) -> int:
        activities = [a for group in materials_of(self.package).values() for a in group]
        return self.earned(self.package.welcome_video) + sum(self.earned(a) for a in activities)


def indonesian_number(text: str) -> Decimal:
    """A number as Indonesian writes it ("1.234,50") read back."""
    return Decimal(text.replace(".", "").replace(",", "."))


def shown_rows(page: HomePage) -> dict[str, tuple[str, str]]:
    return {
        row.material_id: (row.required.text(), row.trophies.text()) for row in page.material_rows
    }


def condition_rows(page: HomePage) -> dict[str, tuple[str, str]]:
    """A condition's name: (its mark, what is under it)."""
    return {row.name.text(): (row.mark.text(), row.detail.text()) for row in page.condition_rows}


# ---------------------------------------------------------------------- the tests


def test_beranda_follows_the_data(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    package = session.package()
    rules = package.rules
    tally = Tally(package)
    page = page_for(session)
    assert page.snapshot is None
    assert page.next_text.text() == tr(Label.HOME_LOADING)

    # after the sign-in: 0/50, the evaluation locked with its reason
    refreshed(qtbot, page)
    assert page.trophy_count.text() == "0"
    assert page.trophy_total.text() == tr(Label.HOME_TROPHIES_OF, total=50)
    assert (page.meter.trophies, page.meter.maximum) == (0, 50)
    assert shown_rows(page) == tally.per_material()
    assert [row.title.text() for row in page.material_rows] == [m.title for m in package.materials]
    assert page.evaluation_state.text() == tr(Label.HOME_EVALUATION_LOCKED)
    assert page.evaluation_reason.text() == tr(
        Code.EVALUATION_LOCKED_TROPHIES, trophies=0, needed=28, missing=28
    )
    assert page.next_text.text() == tr(Label.HOME_NEXT_WELCOME)  # not watched yet
    assert page.pending.text() == tr(Label.HOME_PENDING_NONE)

    # 27: every video and module, two practice quizzes with chosen right answers
    session.watch_welcome()
    tally.completed.add(package.welcome_video.id)
    tally.events += 1
    for activities in materials_of(package).values():
        for activity in activities:
            if activity.kind in (ActivityKind.VIDEO, ActivityKind.READING):
                session.complete_activity(activity.id)
                tally.completed.add(activity.id)
                tally.events += 1
    for quiz_id, right in PRACTICE:
        quiz = package.activity(quiz_id)
        assert quiz is not None
        session.record_practice(quiz_id, answers_for(quiz, right))
        tally.right[quiz_id] = right
        tally.events += 1
    assert tally.total() == 27  # the recipe is right for this package

    refreshed(qtbot, page)
    assert page.trophy_count.text() == "27"
    assert page.meter.trophies == 27
    assert shown_rows(page) == tally.per_material()
    assert page.evaluation_state.text() == tr(Label.HOME_EVALUATION_LOCKED)
    assert page.evaluation_reason.text() == tr(
        Code.EVALUATION_LOCKED_TROPHIES, trophies=27, needed=28, missing=1
    )
    assert page.trophy_hint.text() == tr(Label.HOME_TROPHIES_TO_UNLOCK, missing=1)
    assert page.next_text.text() == tr(Label.HOME_NEXT_COLLECT)  # the number: said below
    assert page.pending.text() == tr(Label.HOME_PENDING, count=tally.events)

    # 28: one required reflection more opens the evaluation
    session.record_reflection(REFLECTION, "Saya belajar banyak tentang pengembangan kompetensi.")
    tally.completed.add(REFLECTION)
    tally.events += 1
    assert tally.total() == 28

    refreshed(qtbot, page)
    assert page.trophy_count.text() == "28"
    assert shown_rows(page) == tally.per_material()
    assert page.evaluation_state.text() == tr(Label.HOME_EVALUATION_OPEN)
    assert page.evaluation_reason.text() == tr(Code.EVALUATION_UNLOCKED)
    assert page.next_text.text() == tr(Label.HOME_NEXT_EVALUATION)
    assert page.cap_title.text() == tr(Label.HOME_CAP_TITLE, number=1)
    first_band = rules.cap_table[0]
    assert first_band.first_attempt == 1
    assert indonesian_number(page.next_cap.text()) == first_band.cap  # 100
    limit = rules.max_graded_per_day
    assert limit is not None
    assert page.today_value.text() == tr(Label.HOME_GRADED_TODAY_LEFT, left=limit, limit=limit)
    assert page.graded_value.text() == "0"
    assert page.pending.text() == tr(Label.HOME_PENDING, count=tally.events)

    # the certificate's conditions: met ones marked, the missing ones with what is missing
    rows = condition_rows(page)
    assert rows[tr(Label.HOME_CONDITION_WELCOME)] == (MET, tr(Label.HOME_CONDITION_MET))
    mark, detail = rows[tr(Label.HOME_CONDITION_MATERIALS)]
    assert mark == NOT_MET
    titles = {m.id: m.title for m in package.materials}
    assert detail.splitlines() == [
        tr(Code.CHECKLIST_MATERIAL_INCOMPLETE, material=titles[material_id], missing=missing)
        for material_id, missing in tally.missing_required().items()
        if missing
    ]
    assert rows[tr(Label.HOME_CONDITION_TROPHIES, needed=32)] == (
        NOT_MET,
        tr(Code.CHECKLIST_TROPHIES_BELOW_PASS, trophies=28, needed=32),
    )
    assert rows[tr(Label.HOME_CONDITION_CERTIFICATE)] == (
        NOT_MET,
        tr(Label.HOME_CERTIFICATE_LATER),
    )

    # a sync: nothing pending any more, and the time of the last sync
    session.sync()
    refreshed(qtbot, page)
    last = session.sync_status().last_sync_at
    assert last is not None
    assert page.pending.text() == tr(Label.HOME_PENDING_NONE)
    assert page.last_sync.text() == tr(Label.HOME_SYNC_LAST, time=last)
    assert page.trophy_count.text() == "28"  # the server counts the same

    # the language switch re-reads every text from the last read
    texts.set_language("en")
    page.retranslate()
    assert page.trophy_total.text() == "of 50 trophies"
    assert page.evaluation_state.text() == "Open"
    assert page.last_sync.text() == tr(Label.HOME_SYNC_LAST, time=last)


def test_trophies_waiting_for_a_sync_are_marked_until_it_confirms_them(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    """A completion recorded here counts at once, and a calm line under the number says
    how many of the trophies wait for a sync; the sync confirms them and the line goes."""
    session = open_session(machine, people[0], sessions)
    package = session.package()
    page = refreshed(qtbot, page_for(session))
    assert page.trophy_count.text() == "0"
    assert not page.trophy_provisional.isVisible()

    video = next(
        a
        for activities in materials_of(package).values()
        for a in activities
        if a.kind is ActivityKind.VIDEO and a.trophies
    )
    session.complete_activity(video.id)
    refreshed(qtbot, page)
    assert page.trophy_count.text() == str(video.trophies)
    assert page.trophy_provisional.isVisible()
    assert page.trophy_provisional.text() == tr(
        Label.HOME_TROPHIES_PROVISIONAL, count=video.trophies
    )
    assert page.trophy_provisional.text().startswith("Termasuk")  # in Indonesian

    session.sync()
    refreshed(qtbot, page)
    assert page.trophy_count.text() == str(video.trophies)  # the server counts the same
    assert not page.trophy_provisional.isVisible()
    assert page.trophy_provisional.text() == ""


def test_a_graded_attempt_shows_its_final_score_large_and_the_passing(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    rules = session.package().rules
    play_recipe(session, "32-optional")  # every required activity, 32 trophies
    drawn = take_attempt(session, right=15)
    page = refreshed(qtbot, page_for(session))
    # submitted, not synced: waiting, and the next attempt is the second
    assert page.unsent_value.text() == "1"
    assert page.graded_value.text() == "0"
    assert page.final_score.text() == "—"
    assert page.next_text.text() == tr(Label.HOME_NEXT_WAITING)
    assert page.cap_title.text() == tr(Label.HOME_CAP_TITLE, number=2)
    rows = condition_rows(page)
    assert rows[tr(Label.HOME_CONDITION_ATTEMPT, needed=rules.min_attempts)] == (
        NOT_MET,
        tr(Code.CHECKLIST_ATTEMPT_AWAITING_SYNC, count=1),
    )
    assert rows[tr(Label.HOME_CONDITION_TROPHIES, needed=32)][0] == MET

    # synced: graded at once (the first of the day), passed
    session.sync()
    refreshed(qtbot, page)
    assert indonesian_number(page.final_score.text()) == Decimal(100) * 15 / drawn
    assert page.score_caption.text() == tr(Label.HOME_SCORE_PASSED)
    assert page.passing_score.text() == tr(Label.HOME_PASSING_SCORE, passing=rules.passing_score)
    assert (page.graded_value.text(), page.unsent_value.text()) == ("1", "0")
    limit = rules.max_graded_per_day
    assert limit is not None
    assert page.today_value.text() == tr(Label.HOME_GRADED_TODAY_LEFT, left=limit - 1, limit=limit)
    passed_at = session.sync_status().standing.passed_at
    assert passed_at is not None
    delay = (
        timedelta(seconds=rules.certificate_delay_seconds)
        if rules.certificate_delay_seconds is not None
        else timedelta(days=rules.certificate_delay_days)
    )
    assert page.next_text.text() == tr(Label.HOME_NEXT_PASSED, date=passed_at + delay)
    marks = {name: mark for name, (mark, _) in condition_rows(page).items()}
    assert [name for name, mark in marks.items() if mark != MET] == [
        tr(Label.HOME_CONDITION_CERTIFICATE)
    ]
    assert condition_rows(page)[tr(Label.HOME_CONDITION_CERTIFICATE)][1] == tr(
        Code.CHECKLIST_AWAITING_ISSUANCE, date=passed_at + delay
    )


def test_the_daily_grading_limit_and_an_attempt_waiting_for_a_later_day(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    rules = session.package().rules
    limit = rules.max_graded_per_day
    assert limit is not None
    play_recipe(session, "28")  # the evaluation open
    for _ in range(limit):
        take_attempt(session, right=5)
    session.sync()  # all graded today
    page = refreshed(qtbot, page_for(session))
    assert page.graded_value.text() == str(limit)
    assert page.today_value.text() == tr(Label.HOME_GRADED_TODAY_LEFT, left=0, limit=limit)
    today = session.clock().astimezone(ZoneInfo(rules.time_zone)).date()
    later = tr(Code.EVALUATION_GRADED_LATER, date=today + timedelta(days=1), limit=limit)
    assert page.forecast.isVisibleTo(page)
    assert page.forecast.text() == tr(Label.HOME_FORECAST, number=limit + 1, forecast=later)
    assert page.cap_title.text() == tr(Label.HOME_CAP_TITLE, number=limit + 1)
    assert indonesian_number(page.next_cap.text()) == cap_of(rules.cap_table, limit + 1)

    take_attempt(session, right=5)  # accepted and numbered, graded on a later day
    session.sync()
    refreshed(qtbot, page)
    assert (page.graded_value.text(), page.later_value.text()) == (str(limit), "1")
    assert page.unsent_value.text() == "0"
    assert page.cap_title.text() == tr(Label.HOME_CAP_TITLE, number=limit + 2)
    assert indonesian_number(page.next_cap.text()) == cap_of(rules.cap_table, limit + 2)


def cap_of(bands: list[CapBand], attempt: int) -> Decimal:
    """The cap of an attempt number, read from the package's table."""
    return next(
        band.cap
        for band in bands
        if band.first_attempt <= attempt
        and (band.last_attempt is None or attempt <= band.last_attempt)
    )


def test_a_refresh_asked_while_one_runs_runs_once_more_after_it(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    page = page_for(session)
    for _ in range(5):  # the first starts; its result cannot land before we return
        page.refresh()
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.loads == 2
    assert page.trophy_count.text() == "0"
    # the second read saw what was recorded while the first ran
    session.complete_activity("kebijakan-1-video")
    page.refresh()
    page.refresh()
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.loads == 4
    assert page.trophy_count.text() == "1"


def test_a_read_that_lands_after_the_sign_out_is_dropped(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    runner: TaskRunner,
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    page = page_for(session)
    page.refresh()
    # the read finishes while the session is open; its result waits in the GUI
    # thread's queue (no events are processed here) until after the sign-out
    assert runner.pool.waitForDone(WAIT_MS)
    assert page.busy
    session.sign_out()
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.snapshot is None
    assert page.next_text.text() == tr(Label.HOME_LOADING)  # as before: nothing applied
    page.refresh()  # signed out: nothing more is read
    assert not page.busy
    assert page.loads == 1


def test_a_read_the_sign_out_interrupts_shows_nothing_and_no_error(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The read starts, is held until the sign-out is done, then reads the closed
    session and fails: the read's own guard (nothing read when the session was closed
    under it) makes that no error for the participant."""
    session = open_session(machine, people[0], sessions)
    page = page_for(session)
    started, go_on = threading.Event(), threading.Event()
    read = session.beranda

    def held() -> Beranda:
        started.set()
        assert go_on.wait(WAIT_MS / 1000)
        return read()

    monkeypatch.setattr(session, "beranda", held)
    page.refresh()
    assert started.wait(WAIT_MS / 1000)
    session.sign_out()
    go_on.set()
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    assert page.snapshot is None
    assert page.next_text.text() == tr(Label.HOME_LOADING)
    assert errors.current_dialog() is None  # the participant signed out: no error to show


def test_the_meter_labels_its_two_marks_apart_at_the_page_width(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    page = refreshed(qtbot, page_for(session))
    meter = page.meter
    unlock_text, pass_text = meter.mark_texts()
    assert unlock_text == tr(Label.HOME_METER_UNLOCK, count=28)
    assert pass_text == tr(Label.HOME_METER_PASS, count=32)
    assert meter.accessibleDescription() == tr(
        Label.HOME_METER_DESCRIPTION, trophies=0, total=50, unlock=28, needed=32
    )
    width = meter.width()
    assert width > 300  # the page's width gives the meter room
    unlock, needed = meter.mark_labels()  # what paintEvent draws
    assert (unlock.value, unlock.text) == (28, unlock_text)
    assert (needed.value, needed.text) == (32, pass_text)
    assert [mark.tick for mark in (unlock, needed)] == pytest.approx(
        [1 + (width - 2) * 28 / 50, 1 + (width - 2) * 32 / 50]
    )
    for mark in (unlock, needed):
        assert mark.rect.width() >= meter.fontMetrics().horizontalAdvance(mark.text)
        assert 0 <= mark.rect.left() <= mark.rect.right() <= width
        assert 0 <= mark.rect.top() <= mark.rect.bottom() <= meter.height()
    assert not unlock.rect.intersects(needed.rect)  # no overlap
    # each label on its own side of its tick: the lower mark's ends before it
    assert unlock.rect.right() <= unlock.tick
    assert needed.rect.left() >= needed.tick


def test_a_complete_material_gets_its_mark_and_nothing_moves(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[0], sessions)
    package = session.package()
    page = refreshed(qtbot, page_for(session))
    material = package.materials[0]
    row = page.material_rows[0]
    assert row.material_id == material.id
    assert (row.mark.text(), row.mark.accessibleName()) == ("", "")

    def places() -> list[tuple[int, int, int, int]]:
        return [
            (part.x(), part.y(), part.width(), part.height())
            for line in page.material_rows
            for part in (line.mark, line.title, line.required, line.trophies)
        ]

    def settled() -> list[tuple[int, int, int, int]]:
        """The places once the layouts have run (the same three looks in a row)."""
        seen: list[list[tuple[int, int, int, int]]] = []

        def steady() -> bool:
            seen.append(places())
            return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]

        qtbot.waitUntil(steady, timeout=WAIT_MS)
        return seen[-1]

    before = settled()
    for sub in material.sub_materials:
        for activity in sub.activities:
            if not activity.required:
                continue
            if activity.kind is ActivityKind.PRACTICE_QUIZ:
                session.record_practice(activity.id, answers_for(activity, 0))
            elif activity.kind is ActivityKind.REFLECTION:
                session.record_reflection(activity.id, "Saya belajar melayani dengan jujur.")
            else:
                session.complete_activity(activity.id)
    refreshed(qtbot, page)
    required = sum(1 for sub in material.sub_materials for a in sub.activities if a.required)
    assert row.required.text() == f"{required}/{required}"
    assert row.mark.text() == DONE_MARK
    assert row.mark.accessibleName() == tr(Label.HOME_MATERIAL_COMPLETE)
    assert row.mark.toolTip() == tr(Label.HOME_MATERIAL_COMPLETE)
    assert [line.mark.text() for line in page.material_rows[1:]] == [""] * (
        len(package.materials) - 1
    )
    assert settled() == before  # the mark came in its own column: nothing moved


# ---------------------------------------------------------------------- fitting the page

# the page area of a 1366×768 screen at 100 % (two columns), at 125 % and narrower (one)
PAGE_SIZES = ((1166, 560), (893, 520), (760, 520))


def geometries(page: HomePage) -> list[tuple[str, int, int, int, int]]:
    return [
        (w.objectName() or type(w).__name__, w.x(), w.y(), w.width(), w.height())
        for w in page.findChildren(QWidget)
        if w.isVisibleTo(page)
    ]


def settle(qtbot: QtBot, page: HomePage) -> None:
    """Until the layouts have run: the same geometries three looks in a row."""
    seen: list[object] = []

    def steady() -> bool:
        seen.append(geometries(page))
        return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3]

    qtbot.waitUntil(steady, timeout=WAIT_MS)


def cut_off(page: HomePage) -> list[str]:
    """Every visible label or button of the page that does not show whole: reaching past
    the scroll area's viewport (the banner above it: past the page) on either side, a
    one-line text narrower than its text, a wrapped one lower than its lines; and a
    meter's mark label past the meter."""
    viewport = page.scroller.viewport()
    found = []
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, QLabel | QPushButton) or not widget.isVisibleTo(page):
            continue
        frame = viewport if viewport.isAncestorOf(widget) else page
        left = widget.mapTo(frame, QPoint(0, 0)).x()
        right = left + widget.width()
        name = f"{type(widget).__name__} {widget.text()!r}"
        if left < 0 or right > frame.width():
            found.append(f"{name}: {left}..{right} outside 0..{frame.width()}")
        elif isinstance(widget, QLabel) and widget.wordWrap():
            if widget.height() < widget.heightForWidth(widget.width()):
                found.append(f"{name}: {widget.height()} px high, its lines need more")
        elif widget.width() < widget.minimumSizeHint().width():
            found.append(f"{name}: {widget.width()} px, its text needs more")
    meter = page.meter
    for mark in meter.mark_labels():
        if mark.rect.left() < 0 or mark.rect.right() > meter.width():
            found.append(f"the meter's {mark.text!r} outside 0..{meter.width()}")
    return found


def test_every_text_fits_the_page_width_in_both_languages(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    """28 trophies and a graded attempt (every panel full), at the page widths of a
    1366×768 screen at 100 % and 125 % and narrower, in Indonesian and English: nothing
    reaches past the visible width (the page does not scroll sideways), nothing is cut."""
    session = open_session(machine, people[0], sessions)
    play_recipe(session, "28")
    take_attempt(session, right=15)
    session.sync()
    page = refreshed(qtbot, page_for(session))
    assert page.graded_value.text() == "1"
    assert page.trophy_count.text() == "28"
    for language in ("id", "en"):
        texts.set_language(language)
        page.retranslate()
        for width, height in PAGE_SIZES:
            page.resize(width, height)
            settle(qtbot, page)
            assert page.stacked is (width < STACK_WIDTH)
            assert cut_off(page) == [], (language, width)


def test_the_meter_and_its_labels_stay_put_as_the_data_arrives(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    """At each page width, the meter's place and width and its marks' labels are the
    same at 0 trophies and at 28 (with every panel filled in between)."""
    session = open_session(machine, people[0], sessions)

    def placed(page: HomePage) -> tuple[object, ...]:
        settle(qtbot, page)
        meter = page.meter
        marks = [(m.row, m.rect.left(), m.rect.width()) for m in meter.mark_labels()]
        return meter.mapTo(page, QPoint(0, 0)).x(), meter.width(), tuple(marks)

    pages = []
    for width, height in PAGE_SIZES:
        page = page_for(session)
        page.resize(width, height)
        refreshed(qtbot, page)
        assert page.trophy_count.text() == "0"
        pages.append((page, placed(page)))
    play_recipe(session, "28")
    for page, empty in pages:
        refreshed(qtbot, page)
        assert page.trophy_count.text() == "28"
        assert placed(page) == empty, page.width()


def test_the_banner_opens_profil_once_issued_and_nothing_while_waiting(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The button follows the ``Beranda``'s action (its choice is tested in
    tests/unit/test_beranda.py): here a real read, its next step replaced."""
    session = open_session(machine, people[0], sessions)
    page = refreshed(qtbot, page_for(session))
    opened: list[str] = []
    page.course_requested.connect(lambda: opened.append("course"))
    page.profile_requested.connect(lambda: opened.append("profile"))
    assert page.next_button.text() == tr(Label.HOME_OPEN_COURSE)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert opened == ["course"]
    assert all(part.isVisibleTo(page) for part in page.cap_parts)
    real = page.snapshot
    assert real is not None

    waiting = replace(real, next_step=NextStep.PASSED_SOON, action=NextAction.NONE)
    monkeypatch.setattr(session, "beranda", lambda: waiting)
    refreshed(qtbot, page)
    assert page.next_text.text() == tr(Label.HOME_NEXT_PASSED_SOON)
    assert not page.next_button.isVisibleTo(page)  # nothing to open while it waits

    issued = replace(
        real,
        next_step=NextStep.ISSUED,
        action=NextAction.PROFILE,
        stage=EvaluationStage.CLOSED,
        next_cap=None,
    )
    monkeypatch.setattr(session, "beranda", lambda: issued)
    refreshed(qtbot, page)
    assert page.next_text.text() == tr(Label.HOME_NEXT_ISSUED)
    assert page.next_button.isVisibleTo(page)
    assert page.next_button.text() == tr(Label.HOME_OPEN_PROFILE)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert opened == ["course", "profile"]
    # the evaluation is closed: no next attempt, so no cap and no "ke-2 —"
    assert page.evaluation_state.text() == tr(Label.HOME_EVALUATION_CLOSED)
    assert not any(part.isVisibleTo(page) for part in page.cap_parts)
