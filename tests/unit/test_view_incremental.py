"""The kept participant's view always equals the view computed from scratch.

``ProfileStore.progress()`` keeps the standing and the summary of the unconfirmed events
between reads, folds each event it appends into them, and is read again after a sync
(``store/view_cache.py``). Over random sequences of appends (every event kind), sync
answers (random acked seq, rejections, attempt changes and standings), re-opens, a new
package and a second writer on the same profile (not supported, caught by the store's
guard), the kept view equals ``progress(package, standing, unconfirmed events)`` computed
from the database after every step, and so do the grading forecast and "graded left
today" computed from ``progress_input()``.

The store's clock is frozen, so a sync answer that moves neither the cursor nor the acked
seq leaves the guard's mark as it was: only the store's own invalidation shows it.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from latsar_desktop.domain.progress import (
    PendingSummary,
    graded_left_today,
    next_attempt_grading,
    progress,
)
from latsar_desktop.domain.protocol import (
    AcceptedAttempt,
    ActivityKind,
    AttemptAcceptedChange,
    AttemptGradedChange,
    CoursePackage,
    GradedAttempt,
    JournalEvent,
    ReceivedChange,
    Rejection,
    Standing,
    StandingRecomputedChange,
    WireMessage,
    WireParam,
)
from latsar_desktop.store.profile import ProfileStore
from tests.integration.serverkit import demo_package

T = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
PACKAGE: CoursePackage = demo_package().without_evaluation_keys()
# the same course with a higher passing score: the view changes with the package
STRICTER = PACKAGE.model_copy(
    update={"rules": PACKAGE.rules.model_copy(update={"passing_score": Decimal("90.00")})}
)
ACTIVITIES = [a for _, a in PACKAGE.activities() if a.id != PACKAGE.welcome_video.id]
DONE_IDS = [a.id for a in ACTIVITIES if a.kind is not ActivityKind.PRACTICE_QUIZ]
QUIZZES = [a for a in ACTIVITIES if a.kind is ActivityKind.PRACTICE_QUIZ]
QUIZ_IDS = [a.id for a in QUIZZES]
QUESTION_IDS = [q.id for q in PACKAGE.evaluation.questions]
SCORES = st.decimals(min_value=0, max_value=100, places=2)
GONE = "aktivitas-lama"  # an activity the package no longer has


def frozen() -> datetime:
    return T


def graded_attempt(attempt_id: uuid.UUID, number: int, score: Decimal, day: int) -> GradedAttempt:
    return GradedAttempt(
        attempt_id=attempt_id,
        number=number,
        package_version=PACKAGE.version,
        raw_score=score,
        cap=Decimal(100),
        score=score,
        graded_at=T + timedelta(days=day),
    )


def accepted_attempt(attempt_id: uuid.UUID, number: int, day: int) -> AcceptedAttempt:
    return AcceptedAttempt(
        attempt_id=attempt_id,
        number=number,
        package_version=PACKAGE.version,
        cap=Decimal(100),
        accepted_at=T,
        grade_on=date(2026, 11, 20) + timedelta(days=day),
    )


@st.composite
def standings(draw: st.DrawFn, submitted: list[uuid.UUID]) -> Standing:
    """A standing the server could send: some of this device's attempts (and others')
    graded or accepted, activities done, practice bests, passed or not."""
    ours = draw(st.lists(st.sampled_from(submitted), unique=True)) if submitted else []
    numbered = ours + draw(st.lists(st.uuids(), max_size=2))
    split = draw(st.integers(0, len(numbered)))
    days = st.integers(-1, 2)
    graded = [
        graded_attempt(attempt_id, n + 1, draw(SCORES), draw(days))
        for n, attempt_id in enumerate(numbered[:split])
    ]
    waiting = [
        accepted_attempt(attempt_id, split + n + 1, draw(days))
        for n, attempt_id in enumerate(numbered[split:])
    ]
    return Standing(
        welcome_watched=draw(st.booleans()),
        completed_activities=draw(st.lists(st.sampled_from([*DONE_IDS, GONE]), unique=True)),
        practice_best=draw(st.dictionaries(st.sampled_from(QUIZ_IDS), SCORES)),
        attempts=graded,
        pending_attempts=waiting,
        registered_devices=draw(st.integers(0, 3)),
        passed_at=draw(st.none() | st.just(T)),
        certificate_issued_at=draw(st.none() | st.just(T + timedelta(days=20))),
    )


class ViewMachine(RuleBasedStateMachine):
    folder: Path  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.path = self.folder / f"{uuid.uuid4()}.db"
        self.device_id = uuid.uuid4()
        self.store = ProfileStore(self.path, self.device_id, frozen)
        self.store.save_package(PACKAGE)
        self.events: dict[uuid.UUID, JournalEvent] = {}  # submitted attempts' events

    def other_store(self) -> ProfileStore:
        """A second writer on the same profile (another process; not supported)."""
        return ProfileStore(self.path, self.device_id, frozen)

    # ------------------------------------------------------------------ appends

    @rule()
    def watch_welcome(self) -> None:
        self.store.watch_welcome()

    @rule(activity_id=st.sampled_from(DONE_IDS), text=st.none() | st.just("Refleksi saya."))
    def complete(self, activity_id: str, text: str | None) -> None:
        self.store.complete_activity(activity_id, text)

    @rule(quiz=st.sampled_from(QUIZZES), picks=st.lists(st.integers(0, 9), min_size=5))
    def practice(self, quiz: Any, picks: list[int]) -> None:
        answers = {
            q.id: q.choices[pick % len(q.choices)].id
            for q, pick in zip(quiz.questions, picks, strict=False)
        }
        self.store.record_practice(quiz.id, answers)

    @rule(answered=st.integers(0, 5), elapsed=st.integers(0, 3600))
    def submit_attempt(self, answered: int, elapsed: int) -> None:
        attempt_id = self.store.start_attempt()
        questions = self.store.attempt_questions(attempt_id)
        self.store.save_draft(attempt_id, {q: "a" for q in questions[:answered]}, elapsed)
        self.events[attempt_id] = self.store.submit_attempt(attempt_id)

    # ------------------------------------------------------------------ syncs

    def answer(self, data: st.DataObject, store: ProfileStore, min_cursor_step: int) -> None:
        """A random sync answer applied through ``store``."""
        pending = store.unconfirmed()
        highest = max([e.seq for e in pending], default=store.sync_status().acked_seq)
        acked = data.draw(st.integers(0, highest), label="acked_seq")
        processed = [e for e in pending if e.seq <= acked]
        rejected = (
            data.draw(st.lists(st.sampled_from(processed), unique_by=lambda e: e.id))
            if processed
            else []
        )
        reason = WireMessage(code="sync.unknown_activity", params={"id": WireParam.of("x")})
        rejections = [Rejection(event_id=e.id, seq=e.seq, reason=reason) for e in rejected]
        cursor = store.sync_status().cursor
        changes: list[ReceivedChange] = []
        submitted = list(self.events)
        changed = data.draw(st.lists(st.sampled_from(submitted), max_size=3)) if submitted else []
        for attempt_id in changed:
            cursor += 1
            event_id = self.events[attempt_id].id
            number = data.draw(st.integers(1, 8))
            if data.draw(st.booleans(), label="graded"):
                attempt = graded_attempt(attempt_id, number, data.draw(SCORES), 0)
                changes.append(
                    AttemptGradedChange(cursor=cursor, at=T, event_id=event_id, attempt=attempt)
                )
            else:
                waiting = accepted_attempt(attempt_id, number, 1)
                changes.append(
                    AttemptAcceptedChange(cursor=cursor, at=T, event_id=event_id, attempt=waiting)
                )
        if data.draw(st.booleans(), label="with standing"):
            standing = data.draw(standings(submitted))
            changes.append(StandingRecomputedChange(cursor=cursor, at=T, standing=standing))
        cursor += data.draw(st.integers(min_cursor_step, 2), label="cursor step")
        store.apply_sync(
            acked_seq=acked,
            processed_count=len(processed),
            rejections=rejections,
            changes=changes,
            cursor=cursor,
        )

    @rule(data=st.data())
    def sync(self, data: st.DataObject) -> None:
        self.answer(data, self.store, min_cursor_step=0)

    @rule(data=st.data())
    def standing_only(self, data: st.DataObject) -> None:
        """An answer with a new standing that moves neither the cursor nor the acked seq
        (with the frozen clock, the guard's mark stays as it was)."""
        status = self.store.sync_status()
        standing = data.draw(standings(list(self.events)))
        change = StandingRecomputedChange(cursor=status.cursor, at=T, standing=standing)
        self.store.apply_sync(
            acked_seq=status.acked_seq,
            processed_count=status.processed_count,
            rejections=[],
            changes=[change],
            cursor=status.cursor,
        )

    # ------------------------------------------------------------------ the rest

    @rule()
    def reopen(self) -> None:
        self.store.close()
        self.store = ProfileStore(self.path, self.device_id, frozen)

    @rule(stricter=st.booleans())
    def save_package(self, stricter: bool) -> None:
        """The package again (a new object), or a stricter one."""
        self.store.save_package((STRICTER if stricter else PACKAGE).model_copy())

    @rule(activity_id=st.sampled_from(DONE_IDS))
    def append_elsewhere(self, activity_id: str) -> None:
        other = self.other_store()
        other.complete_activity(activity_id)
        other.close()

    @precondition(lambda self: self.store.count_unconfirmed() > 0)
    @rule(data=st.data())
    def sync_elsewhere(self, data: st.DataObject) -> None:
        """Another process applies an answer: it moves the cursor, so the guard sees it."""
        other = self.other_store()
        self.answer(data, other, min_cursor_step=1)
        other.close()

    @invariant()
    def the_view_is_the_view_from_scratch(self) -> None:
        package = self.store.package()
        assert package is not None
        standing, events = self.store.standing(), self.store.unconfirmed()
        expected = progress(package, standing, events)
        assert self.store.progress() == expected
        assert self.store.progress() == expected  # the memoised view
        kept_package, kept_standing, summary = self.store.progress_input()
        assert (kept_package, kept_standing) == (package, standing)
        assert summary == PendingSummary.of(events)
        assert progress(package, kept_standing, summary) == expected
        for now in (T, T + timedelta(days=1)):
            assert next_attempt_grading(package, standing, summary, now) == next_attempt_grading(
                package, standing, events, now
            )
            assert graded_left_today(package, standing, summary, now) == graded_left_today(
                package, standing, events, now
            )

    def teardown(self) -> None:
        self.store.close()


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_kept_view_equals_the_view_from_scratch(tmp_path: Path) -> None:
    class Machine(ViewMachine):
        folder = tmp_path

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


def test_a_summary_folded_event_by_event_equals_one_built_at_once(tmp_path: Path) -> None:
    """The fold does not depend on the order of the events nor on one added twice."""
    store = ProfileStore(tmp_path / "p.db", uuid.uuid4(), frozen)
    store.save_package(PACKAGE)
    store.watch_welcome()
    store.record_practice(QUIZZES[0].id, {q.id: q.choices[0].id for q in QUIZZES[0].questions})
    store.record_practice(QUIZZES[0].id, {q.id: q.choices[1].id for q in QUIZZES[0].questions})
    store.complete_activity(DONE_IDS[0])
    attempt = store.start_attempt()
    store.submit_attempt(attempt)
    events = store.unconfirmed()
    folded = PendingSummary()
    for event in [*reversed(events), *events]:
        folded.add(event)
    assert folded == PendingSummary.of(events)
    assert folded.attempt_ids == {attempt}
    store.close()


def test_appends_views_and_syncs_from_several_threads_leave_the_exact_view(
    tmp_path: Path,
) -> None:
    """Appends, views and sync answers from three threads at once raise nothing, and once
    they are done the kept view and summary are the ones computed from scratch."""
    store = ProfileStore(tmp_path / "p.db", uuid.uuid4(), frozen)
    store.save_package(PACKAGE)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(12):
                if worker == 0 and i % 4 == 3:
                    status = store.sync_status()
                    store.apply_sync(
                        acked_seq=max((e.seq for e in store.unconfirmed()), default=0) // 2,
                        processed_count=0,
                        rejections=[],
                        changes=[],
                        cursor=status.cursor,
                    )
                elif i % 3 == 0:
                    quiz = QUIZZES[(worker + i) % len(QUIZZES)]
                    store.record_practice(
                        quiz.id, {q.id: q.choices[i % 2].id for q in quiz.questions}
                    )
                else:
                    store.complete_activity(DONE_IDS[(worker * 7 + i) % len(DONE_IDS)])
                store.progress()
                store.progress_input()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    events = store.unconfirmed()
    assert store.progress() == progress(PACKAGE, store.standing(), events)
    assert store.progress_input()[2] == PendingSummary.of(events)
    store.close()
