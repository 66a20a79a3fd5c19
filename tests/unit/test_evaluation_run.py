"""An evaluation attempt driven as a screen would, on an injected monotonic clock: the
draw from the seed, answers saved at once, checkpoints of the elapsed time, resuming after a
crash, the time limit, submitting; and "sisa percobaan yang dinilai hari ini"."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from latsar_desktop.domain.draw import draw_questions
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.progress import graded_left_today, next_attempt_grading
from latsar_desktop.domain.protocol import (
    AcceptedAttempt,
    AttemptSubmittedEvent,
    CoursePackage,
    GradedAttempt,
    Standing,
)
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_desktop.session import ParticipantSession
from latsar_desktop.session.evaluation import (
    CHECKPOINT_SECONDS,
    AttemptRun,
    evaluation_outlook,
)
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.api import ApiClient
from tests import factories as f

LIMIT = 1800  # the synthetic package's time limit
DRAWN = 5
# 10:00 in Jakarta (UTC+7) on 20 November 2026
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 100.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def client_package(*, unlock: int = 0, **rules: Any) -> CoursePackage:
    """The synthetic package as the server serves it: 5 of 20 questions drawn, no keys."""
    data = f.package_dict(unlock_trophies=unlock, **rules)
    data["evaluation"]["questions_per_attempt"] = DRAWN
    return CoursePackage.model_validate(data).without_evaluation_keys()


def make_store(tmp_path: Path, package: CoursePackage | None = None) -> ProfileStore:
    store = ProfileStore(tmp_path / f"{uuid.uuid4()}.db", uuid.uuid4(), clock=lambda: NOW)
    store.save_package(package or client_package())
    return store


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    return make_store(tmp_path)


def saved_elapsed(store: ProfileStore, run: AttemptRun) -> int:
    draft = store.draft(run.attempt_id)
    assert draft is not None
    return draft.elapsed_seconds


def test_the_questions_come_from_the_seed_in_order_with_text_and_no_keys(
    store: ProfileStore,
) -> None:
    run = AttemptRun.start(store, FakeMonotonic())
    draft = store.draft(run.attempt_id)
    assert draft is not None
    assert draft.seed is not None
    package = store.package()
    assert package is not None
    bank = {q.id: q for q in package.evaluation.questions}
    expected = draw_questions(draft.seed, bank, DRAWN)
    assert [q.id for q in run.questions] == expected == list(draft.question_order)
    assert [q.number for q in run.questions] == [1, 2, 3, 4, 5]
    for question in run.questions:
        source = bank[question.id]
        assert question.text == source.text
        assert [(c.id, c.text) for c in question.choices] == [
            (c.id, c.text) for c in source.choices
        ]
        assert not hasattr(question, "answer")
    assert run.answers == {}
    assert (run.elapsed_seconds, run.remaining_seconds, run.time_over) == (0, LIMIT, False)


def test_answers_are_saved_at_once_changed_and_taken_back(store: ProfileStore) -> None:
    clock = FakeMonotonic()
    run = AttemptRun.start(store, clock)
    first, second = run.questions[0].id, run.questions[1].id
    clock.advance(1.5)
    run.answer(first, "a")
    draft = store.draft(run.attempt_id)
    assert draft is not None
    assert (dict(draft.answers), draft.elapsed_seconds) == ({first: "a"}, 1)
    run.answer(second, "b")
    run.answer(first, "b")  # changed
    draft = store.draft(run.attempt_id)
    assert draft is not None
    assert dict(draft.answers) == {first: "b", second: "b"}
    run.answer(second, None)  # taken back
    draft = store.draft(run.attempt_id)
    assert draft is not None
    assert dict(draft.answers) == dict(run.answers) == {first: "b"}
    with pytest.raises(KeyError):
        run.answer("not-in-this-attempt", "a")
    with pytest.raises(KeyError):
        run.answer(first, "z")  # no such choice


def test_tick_saves_a_checkpoint_every_few_seconds_only(store: ProfileStore) -> None:
    clock = FakeMonotonic()
    run = AttemptRun.start(store, clock)
    saved: list[int] = []
    for _ in range(20):  # the screen's timer, once a second
        clock.advance(1.0)
        run.tick()
        saved.append(saved_elapsed(store, run))
    # a checkpoint each CHECKPOINT_SECONDS, nothing written in between
    assert saved == [s - s % CHECKPOINT_SECONDS for s in range(1, 21)]
    assert max(s - kept for s, kept in zip(range(1, 21), saved, strict=True)) < 5


def test_a_crash_loses_less_than_five_seconds_and_keeps_the_answers(
    store: ProfileStore,
) -> None:
    clock = FakeMonotonic(start=5_000.0)
    run = AttemptRun.start(store, clock)
    given = {q.id: "b" for q in run.questions[:3]}
    for question_id, choice in given.items():
        clock.advance(2.0)
        run.answer(question_id, choice)
    for _ in range(70):  # ticks every 0.7 s, then the process dies between two ticks
        clock.advance(0.7)
        run.tick()
    clock.advance(0.6)
    truth = 3 * 2.0 + 70 * 0.7 + 0.6  # the time the participant really spent: 55.6 s
    assert run.elapsed_seconds == int(truth)
    del run  # no close(): the crash

    later = FakeMonotonic(start=12.0)  # another process: its own monotonic origin
    resumed = AttemptRun.resume(store, later)
    assert resumed is not None
    assert dict(resumed.answers) == given
    assert 0 <= truth - resumed.elapsed_seconds < 5
    assert 0 <= resumed.remaining_seconds - (LIMIT - truth) < 5
    # the timer goes on from there
    back = resumed.elapsed_seconds
    later.advance(10.0)
    assert resumed.elapsed_seconds == back + 10


def test_time_over_stops_the_clock_refuses_answers_and_still_submits(
    store: ProfileStore,
) -> None:
    clock = FakeMonotonic()
    run = AttemptRun.start(store, clock)
    first = run.questions[0].id
    run.answer(first, "a")
    clock.advance(LIMIT - 0.5)
    assert not run.time_over
    assert run.remaining_seconds == 1
    clock.advance(1.0)
    run.tick()
    assert (run.time_over, run.remaining_seconds, run.elapsed_seconds) == (True, 0, LIMIT)
    assert saved_elapsed(store, run) == LIMIT  # saved as soon as the time ran out
    clock.advance(600.0)  # the clock stops at the limit
    assert run.elapsed_seconds == LIMIT
    with pytest.raises(DomainError) as refused:
        run.answer(run.questions[1].id, "a")
    assert refused.value.message.code is Code.EVALUATION_TIME_OVER
    assert dict(run.answers) == {first: "a"}
    event = run.submit()
    assert isinstance(event, AttemptSubmittedEvent)
    assert event.payload.elapsed_seconds == LIMIT  # within the server's limit plus grace


def test_submit_records_the_event_and_ends_the_run(store: ProfileStore) -> None:
    clock = FakeMonotonic()
    run = AttemptRun.start(store, clock)
    answers = {q.id: "a" for q in run.questions[::2]}
    for question_id, choice in answers.items():
        clock.advance(30.0)
        run.answer(question_id, choice)
    clock.advance(42.9)
    draft = store.draft(run.attempt_id)
    assert draft is not None
    event = run.submit()
    assert isinstance(event, AttemptSubmittedEvent)
    payload = event.payload
    assert payload.attempt_id == run.attempt_id
    assert payload.seed == draft.seed
    assert payload.question_order == [q.id for q in run.questions]
    assert payload.answers == answers
    assert payload.elapsed_seconds == 132  # 3 × 30 + 42.9, whole seconds
    assert store.unconfirmed() == [event]
    assert (run.running, run.submitted) == (False, True)
    with pytest.raises(RuntimeError):
        run.answer(run.questions[1].id, "a")
    with pytest.raises(RuntimeError):
        run.submit()
    assert AttemptRun.resume(store, clock) is None
    assert AttemptRun.start(store, clock).attempt_id != run.attempt_id  # a new one


def test_one_attempt_at_a_time_and_closing_stops_the_timer(store: ProfileStore) -> None:
    clock = FakeMonotonic()
    run = AttemptRun.start(store, clock)
    clock.advance(7.2)
    run.close()
    assert saved_elapsed(store, run) == 7
    clock.advance(100.0)  # the attempt is not open in the app: no time counts
    assert AttemptRun.resume(store, FakeMonotonic()) is not None
    again = AttemptRun.start(store, clock)
    assert again.attempt_id == run.attempt_id
    assert again.elapsed_seconds == 7
    assert len(store.open_drafts()) == 1


def test_a_locked_evaluation_cannot_be_started(tmp_path: Path) -> None:
    store = make_store(tmp_path, client_package(unlock=28))
    with pytest.raises(DomainError) as refused:
        AttemptRun.start(store, FakeMonotonic())
    assert refused.value.message.code is Code.EVALUATION_LOCKED_TROPHIES
    assert store.open_drafts() == []


# ------------------------------------------------------------------------- graded per day


def graded(number: int, at: datetime) -> GradedAttempt:
    cap = cap_for_attempt(number)
    return GradedAttempt(
        attempt_id=uuid.uuid4(),
        number=number,
        package_version=1,
        raw_score=Decimal("40.00"),
        cap=cap,
        score=min(Decimal("40.00"), cap),
        graded_at=at,
    )


def accepted(number: int, grade_on: date) -> AcceptedAttempt:
    return AcceptedAttempt(
        attempt_id=uuid.uuid4(),
        number=number,
        package_version=1,
        cap=cap_for_attempt(number),
        accepted_at=NOW,
        grade_on=grade_on,
    )


def test_graded_left_today_counts_today_the_queued_and_the_unsent() -> None:
    limited = client_package(max_graded_per_day=5)
    assert graded_left_today(client_package(), Standing(), [], NOW) is None  # no limit
    assert graded_left_today(limited, Standing(), [], NOW) == (5, 5)
    # 23:30 yesterday in Jakarta is another course day; 00:30 today is today
    yesterday = datetime(2026, 11, 19, 16, 30, tzinfo=UTC)
    just_after_midnight = datetime(2026, 11, 19, 17, 30, tzinfo=UTC)
    standing = Standing(attempts=[graded(1, yesterday), graded(2, just_after_midnight)])
    assert graded_left_today(limited, standing, [], NOW) == (4, 5)
    # an attempt accepted to be graded today, and one sent from this device not numbered yet
    standing = standing.model_copy(update={"pending_attempts": [accepted(3, TODAY)]})
    assert graded_left_today(limited, standing, [f.attempt()], NOW) == (2, 5)
    full = [f.attempt(), f.attempt(), f.attempt(), f.attempt()]
    assert graded_left_today(limited, standing, full, NOW) == (0, 5)
    # it always agrees with when the next attempt would be graded
    for unsent in range(5):
        left = graded_left_today(limited, standing, full[:unsent], NOW)
        forecast = next_attempt_grading(limited, standing, full[:unsent], NOW)
        assert left is not None
        assert (left[0] > 0) == (not forecast.later), unsent


def test_the_outlook_says_number_cap_and_graded_left_today(tmp_path: Path) -> None:
    store = make_store(tmp_path, client_package(max_graded_per_day=2))
    clock = FakeMonotonic()
    outlook = evaluation_outlook(store)
    assert outlook.state.unlocked
    assert (outlook.next_number, outlook.next_cap, outlook.estimated) == (1, Decimal(100), True)
    assert outlook.graded_left_today == (2, 2)
    assert outlook.graded_left_message is not None
    assert outlook.graded_left_message.code is Code.EVALUATION_GRADED_LEFT_TODAY
    assert dict(outlook.graded_left_message.params) == {"left": 2, "limit": 2}
    assert (outlook.time_limit_seconds, outlook.question_count) == (LIMIT, DRAWN)
    assert outlook.open_attempt is None

    run = AttemptRun.start(store, clock)
    assert evaluation_outlook(store).open_attempt == run.attempt_id
    run.submit()
    AttemptRun.start(store, clock).submit()
    outlook = evaluation_outlook(store)
    assert outlook.graded_left_today == (0, 2)
    assert outlook.next_number == 3
    assert outlook.grading.later
    assert outlook.grading.day == TODAY + timedelta(days=1)
    assert outlook.grading.message.code is Code.EVALUATION_GRADED_LATER

    unlimited = evaluation_outlook(make_store(tmp_path))
    assert unlimited.graded_left_today is None
    assert unlimited.graded_left_message is None


# ------------------------------------------------------------------------- review findings


def test_the_outlook_is_one_moment_when_an_attempt_is_submitted_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 13: every part of the outlook comes from one read of the store, even when
    another screen submits an attempt right after that read."""
    store = make_store(tmp_path, client_package(max_graded_per_day=1))
    read = store.progress_input

    def read_then_another_screen_submits() -> Any:
        snapshot = read()
        AttemptRun.start(store, FakeMonotonic()).submit()
        return snapshot

    monkeypatch.setattr(store, "progress_input", read_then_another_screen_submits)
    outlook = evaluation_outlook(store)
    # as of the read: the next attempt is the first, graded today, one graded left today
    assert (outlook.next_number, outlook.next_cap) == (1, Decimal(100))
    assert outlook.graded_left_today == (1, 1)
    assert not outlook.grading.later


def test_opening_the_attempt_again_closes_the_run_shown_before(store: ProfileStore) -> None:
    """Review 3: a second run of the open attempt (``open_attempt`` or ``start_attempt``
    again) closes the first, so the first screen's timer cannot save stale answers."""
    clock = FakeMonotonic()
    api = ApiClient("http://127.0.0.1:9", store.device_id)  # never called
    session = ParticipantSession.attach(store, api, monotonic=clock)
    try:
        first = session.start_attempt()
        shown = [q.id for q in first.questions]
        first.answer(shown[0], "a")
        clock.advance(4.0)  # not yet a checkpoint: only the first run knows these 4 s
        second = session.open_attempt()
        assert second is not None
        assert second.attempt_id == first.attempt_id
        assert not first.running
        assert second.elapsed_seconds == 4  # the first run's time was saved as it closed
        second.answer(shown[1], "b")
        clock.advance(10.0)
        first.tick()  # the old screen's timer: nothing written
        with pytest.raises(RuntimeError):
            first.answer(shown[2], "c")
        third = session.start_attempt()  # resumes the open attempt: the same rule
        assert third.attempt_id == first.attempt_id
        assert not second.running
        assert dict(third.answers) == {shown[0]: "a", shown[1]: "b"}
        assert saved_elapsed(store, third) == 14
    finally:
        session.sign_out()
