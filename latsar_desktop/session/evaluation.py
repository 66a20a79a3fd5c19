"""Evaluation attempts as a screen drives them (DESIGN §2 "Time limit", "Graded per day").

``evaluation_outlook(store)`` is what the evaluation screen shows before an attempt: whether
it is open, the next attempt's predicted number and cap, when it would be graded and how
many graded attempts are left today. ``AttemptRun`` is one attempt being taken:

* ``AttemptRun.start(store)`` starts one (its questions drawn and ordered by the attempt's
  seed, ``domain/draw.py``), or resumes the attempt already open: one at a time.
  ``AttemptRun.resume(store)`` resumes the open attempt, if there is one (after a crash).
* ``questions`` in the order shown, with their text and choices (the client's package has
  no answer keys); ``answers`` as given so far.
* ``answer(question_id, choice_id)`` gives or changes an answer (None takes it back); it
  is saved at once as the attempt's draft, with the elapsed time.
* ``elapsed_seconds``, ``remaining_seconds``, ``time_over``: the timer counts only while
  the run is open in the app, on an injectable monotonic clock, and stops at the time
  limit. ``tick()``, called by the screen's timer (say once a second), saves the elapsed
  time as a checkpoint whenever ``CHECKPOINT_SECONDS`` have run since the last save, so a
  crash costs less than ``CHECKPOINT_SECONDS`` plus one tick period of the participant's
  time, never the attempt. Once the time is over, answers are refused
  (``Code.EVALUATION_TIME_OVER``) and the attempt can only be submitted.
* ``submit()`` records the ``attempt.submitted`` journal event (the only part of an
  attempt that is synced) and ends the run; ``close()`` ends it without submitting (the
  timer stops; ``resume`` continues it later).

``attempt_history(store)`` is every attempt this device knows of, latest number first
(``AttemptRow``): graded, accepted to be graded on a later day (graded per day), or
submitted here and not processed by the server yet, with its predicted number and cap.

A run is used from one thread at a time (the screen's); each call that saves is one short
transaction of the profile's store.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from latsar_desktop import clock
from latsar_desktop.clock import Monotonic
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.progress import (
    EvaluationState,
    GradingForecast,
    course_day,
    graded_left_today,
    next_attempt_grading,
    numbered_attempt_ids,
    progress_from,
    unsent_grading_days,
)
from latsar_desktop.domain.protocol import CoursePackage, JournalEvent
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.store.views import Draft

__all__ = [
    "CHECKPOINT_SECONDS",
    "AttemptChoice",
    "AttemptQuestion",
    "AttemptRow",
    "AttemptRun",
    "AttemptStatus",
    "EvaluationOutlook",
    "attempt_history",
    "evaluation_outlook",
]

# The elapsed time is saved when this many seconds ran since the last save. Below 5 s so
# that with a screen ticking once a second a crash costs under 5 s (DESIGN §2).
CHECKPOINT_SECONDS = 3


# ------------------------------------------------------------------------- before an attempt


@dataclass(frozen=True)
class EvaluationOutlook:
    """What the evaluation screen shows before an attempt, as this device sees it offline.

    ``next_number`` and ``next_cap`` are the prediction of DESIGN §2 "Attempt numbers"
    (``estimated``: labelled "perkiraan"); ``grading`` says whether the next attempt is
    graded when it reaches the server or on a later day; ``graded_left_today`` is
    (left, limit) of "sisa percobaan yang dinilai hari ini", None when the course has no
    daily limit."""

    state: EvaluationState
    open_attempt: uuid.UUID | None  # an attempt to resume (``AttemptRun.resume``)
    next_number: int
    next_cap: Decimal
    estimated: bool
    grading: GradingForecast
    graded_left_today: tuple[int, int] | None
    time_limit_seconds: int
    question_count: int

    @property
    def graded_left_message(self) -> Message | None:
        """``Code.EVALUATION_GRADED_LEFT_TODAY`` (left, limit), or None without a limit."""
        if self.graded_left_today is None:
            return None
        left, limit = self.graded_left_today
        return msg(Code.EVALUATION_GRADED_LEFT_TODAY, left=left, limit=limit)


def evaluation_outlook(store: ProfileStore, now: datetime | None = None) -> EvaluationOutlook:
    """The evaluation as the participant would start it now (``now``: the store's clock).

    One read of the store's view input: the view, the forecast and what is left today
    all describe the same moment (an attempt submitted meanwhile is in none of them)."""
    package, standing, pending = store.progress_input()
    at = store.clock() if now is None else now
    view = progress_from(package, standing, pending)
    current = _open_draft(store)
    evaluation = package.evaluation
    return EvaluationOutlook(
        state=view.evaluation,
        open_attempt=current.attempt_id if current is not None else None,
        next_number=view.next_attempt,
        next_cap=view.next_cap,
        estimated=view.next_cap_estimated,
        grading=next_attempt_grading(package, standing, pending, at),
        graded_left_today=graded_left_today(package, standing, pending, at),
        time_limit_seconds=evaluation.time_limit_seconds,
        question_count=min(
            evaluation.questions_per_attempt or len(evaluation.questions),
            len(evaluation.questions),
        ),
    )


def _open_draft(store: ProfileStore) -> Draft | None:
    """The open attempt, the latest started if there are several."""
    drafts = store.open_drafts()  # by started_at
    return drafts[-1] if drafts else None


# ------------------------------------------------------------------------- the attempts so far


class AttemptStatus(enum.Enum):
    WAITING_SYNC = "waiting_sync"  # submitted on this device, not processed by the server yet
    GRADED_LATER = "graded_later"  # accepted and numbered by the server, graded on grade_on
    GRADED = "graded"  # graded: raw_score, cap, score


@dataclass(frozen=True)
class AttemptRow:
    """One attempt of the history, as this device knows it.

    ``number`` and ``cap`` are the server's; for WAITING_SYNC they are the prediction of
    DESIGN §2 "Attempt numbers" (``estimated``: labelled "perkiraan"). ``grade_on`` is the
    server's day for GRADED_LATER; for WAITING_SYNC the forecast day when the daily limit
    defers it past today, else None. ``today`` is the course's day when the row was read
    (``status_message`` says "besok" by it; None: dates are named)."""

    attempt_id: uuid.UUID
    status: AttemptStatus
    number: int
    estimated: bool
    cap: Decimal
    grade_on: date | None
    raw_score: Decimal | None  # GRADED only
    score: Decimal | None  # GRADED only
    today: date | None = None

    def status_message(self) -> Message:
        """ "Menunggu sinkronisasi" (with "dinilai besok" / "dinilai pada {date}" when the
        daily limit defers it), "Dinilai besok", "Dinilai pada {date}", "Sudah dinilai"."""
        if self.status is AttemptStatus.GRADED:
            return msg(Code.ATTEMPT_GRADED)
        tomorrow = self.today + timedelta(days=1) if self.today is not None else None
        if self.status is AttemptStatus.WAITING_SYNC:
            if self.grade_on is None or (self.today is not None and self.grade_on <= self.today):
                return msg(Code.ATTEMPT_WAITING_SYNC)
            if self.grade_on == tomorrow:
                return msg(Code.ATTEMPT_WAITING_SYNC_TOMORROW)
            return msg(Code.ATTEMPT_WAITING_SYNC_ON, date=self.grade_on)
        assert self.grade_on is not None  # GRADED_LATER
        if self.today is not None and self.grade_on <= self.today:
            # due: the server grades it at the next sync (or did, by its daily job)
            return msg(Code.ATTEMPT_WAITING_SYNC)
        if self.grade_on == tomorrow:
            return msg(Code.ATTEMPT_GRADED_TOMORROW)
        return msg(Code.ATTEMPT_GRADED_ON, date=self.grade_on)


def attempt_history(store: ProfileStore, now: datetime | None = None) -> tuple[AttemptRow, ...]:
    """Every attempt this device knows of, latest number first (``now``: the store's clock).

    One read of the store's view input, so the rows agree with ``evaluation_outlook`` read
    at the same moment: the graded attempts and those accepted to be graded later (the
    last standing), then this device's submitted attempts the server has not numbered
    yet, numbered in the order they were submitted after the server's ones, each with the
    cap of its number and, when the daily limit defers it, the forecast grading day."""
    package, standing, pending = store.progress_input()
    at = store.clock() if now is None else now
    rules = package.rules
    today = course_day(at, rules)
    rows: dict[uuid.UUID, AttemptRow] = {}
    for later in standing.pending_attempts:
        rows[later.attempt_id] = AttemptRow(
            later.attempt_id,
            AttemptStatus.GRADED_LATER,
            later.number,
            False,
            later.cap,
            later.grade_on,
            None,
            None,
            today,
        )
    for graded in standing.attempts:  # graded wins, should the standing name one twice
        rows[graded.attempt_id] = AttemptRow(
            graded.attempt_id,
            AttemptStatus.GRADED,
            graded.number,
            False,
            graded.cap,
            None,
            graded.raw_score,
            graded.score,
            today,
        )
    numbered = len(standing.attempts) + len(standing.pending_attempts)
    unsent = pending.unsent_in_order(numbered_attempt_ids(standing))
    _, days = unsent_grading_days(package, standing, pending, at)
    for before, (attempt_id, day) in enumerate(zip(unsent, days, strict=True)):
        number = numbered + before + 1
        rows[attempt_id] = AttemptRow(
            attempt_id,
            AttemptStatus.WAITING_SYNC,
            number,
            # as Progress.next_cap_estimated decided when this was the next attempt: exact
            # only on the one registered device with nothing else waiting before it
            not (standing.registered_devices == 1 and before == 0),
            cap_for_attempt(number, rules.cap_table),
            day if day > today else None,
            None,
            None,
            today,
        )
    return tuple(sorted(rows.values(), key=lambda row: row.number, reverse=True))


# ------------------------------------------------------------------------- one attempt


@dataclass(frozen=True)
class AttemptChoice:
    id: str
    text: str


@dataclass(frozen=True)
class AttemptQuestion:
    """A question as the attempt shows it: ``number`` counts from 1 in the attempt's order."""

    id: str
    number: int
    text: str
    choices: tuple[AttemptChoice, ...]


class AttemptRun:
    """One evaluation attempt being taken; see the module docstring.

    Made by ``start`` or ``resume``, not directly."""

    def __init__(self, store: ProfileStore, draft: Draft, monotonic: Monotonic) -> None:
        if draft.submitted:
            raise ValueError(f"attempt {draft.attempt_id} is submitted already")
        package = store.package()
        if package is None:
            raise RuntimeError("no course package in this profile yet")
        self._store = store
        self._monotonic = monotonic
        self.attempt_id = draft.attempt_id
        self.questions = _questions(package, draft)
        self._choices = {q.id: {c.id for c in q.choices} for q in self.questions}
        self._answers: dict[str, str] = dict(draft.answers)
        self.time_limit_seconds = package.evaluation.time_limit_seconds
        # the elapsed time: what was saved, plus the monotonic time since this run began
        self._base = min(draft.elapsed_seconds, self.time_limit_seconds)
        self._mark = monotonic()
        self._saved = draft.elapsed_seconds
        self._ended_at: float | None = None  # the elapsed time when the run ended
        self._submitted = False

    # -------------------------------------------------------------- making one

    @classmethod
    def start(cls, store: ProfileStore, monotonic: Monotonic = clock.monotonic) -> AttemptRun:
        """A new attempt, or the open one resumed (one at a time).

        Raises DomainError with the reason (trophies missing, or closed since the
        certificate was issued) when the evaluation is not open on this device."""
        state = store.progress().evaluation
        if not state.unlocked:
            raise DomainError(state.reason)
        current = _open_draft(store)
        if current is None:
            created = store.draft(store.start_attempt())
            assert created is not None
            current = created
        return cls(store, current, monotonic)

    @classmethod
    def resume(
        cls, store: ProfileStore, monotonic: Monotonic = clock.monotonic
    ) -> AttemptRun | None:
        """The open attempt with its answers and elapsed time as last saved, or None."""
        current = _open_draft(store)
        return cls(store, current, monotonic) if current is not None else None

    # -------------------------------------------------------------- reading

    @property
    def answers(self) -> Mapping[str, str]:
        """question id → choice id, for the questions answered so far."""
        return MappingProxyType(dict(self._answers))

    @property
    def elapsed_seconds(self) -> int:
        """Whole seconds the attempt has been open, at most the time limit."""
        return math.floor(self._elapsed())

    @property
    def remaining_seconds(self) -> int:
        return self.time_limit_seconds - self.elapsed_seconds

    @property
    def time_over(self) -> bool:
        return self._elapsed() >= self.time_limit_seconds

    @property
    def running(self) -> bool:
        """False once submitted or closed."""
        return self._ended_at is None

    @property
    def submitted(self) -> bool:
        return self._submitted

    # -------------------------------------------------------------- acting

    def answer(self, question_id: str, choice_id: str | None) -> None:
        """Give, change or (None) take back the answer to a question; saved at once.

        KeyError for a question not in this attempt or a choice not in the question;
        DomainError (``Code.EVALUATION_TIME_OVER``) once the time is over."""
        self._require_running()
        choices = self._choices.get(question_id)
        if choices is None:
            raise KeyError(f"question {question_id} is not in attempt {self.attempt_id}")
        if choice_id is not None and choice_id not in choices:
            raise KeyError(f"question {question_id} has no choice {choice_id}")
        if self.time_over:
            self.tick()  # the elapsed time at the limit, saved
            raise DomainError(msg(Code.EVALUATION_TIME_OVER))
        answers = dict(self._answers)
        if choice_id is None:
            answers.pop(question_id, None)
        else:
            answers[question_id] = choice_id
        self._save(answers)
        self._answers = answers

    def tick(self) -> None:
        """Save the elapsed time if ``CHECKPOINT_SECONDS`` ran since the last save, or the
        time just ran out. For the screen's timer; does nothing once the run ended."""
        if not self.running:
            return
        elapsed = self.elapsed_seconds
        reached_limit = elapsed >= self.time_limit_seconds > self._saved
        if elapsed - self._saved >= CHECKPOINT_SECONDS or reached_limit:
            self._save(self._answers)

    def submit(self) -> JournalEvent:
        """Submit the attempt as it stands (unanswered questions count as wrong): the
        ``attempt.submitted`` event, with the elapsed time. The run ends."""
        self._require_running()
        self._save(self._answers)
        event = self._store.submit_attempt(self.attempt_id)
        self._end()
        self._submitted = True
        return event

    def close(self) -> None:
        """Stop the timer and save; the attempt stays open to ``resume`` later. The run
        ends even when the save fails (the error is raised)."""
        if self.running:
            try:
                self._save(self._answers)
            finally:
                self._end()

    # -------------------------------------------------------------- inside

    def _elapsed(self) -> float:
        if self._ended_at is not None:
            return self._ended_at
        running = max(0.0, self._monotonic() - self._mark)
        return min(float(self.time_limit_seconds), self._base + running)

    def _save(self, answers: dict[str, str]) -> None:
        elapsed = self.elapsed_seconds
        self._store.save_draft(self.attempt_id, answers, elapsed)
        self._saved = max(self._saved, elapsed)

    def _end(self) -> None:
        self._ended_at = float(self.elapsed_seconds)

    def _require_running(self) -> None:
        if not self.running:
            raise RuntimeError(f"attempt {self.attempt_id} is no longer running here")


def _questions(package: CoursePackage, draft: Draft) -> tuple[AttemptQuestion, ...]:
    by_id = {q.id: q for q in package.evaluation.questions}
    missing = [qid for qid in draft.question_order if qid not in by_id]
    if missing:  # the package was replaced by one without this question
        raise LookupError(
            f"attempt {draft.attempt_id} (version {draft.package_version}) shows question "
            f"{missing[0]}, which the stored package version {package.version} lacks"
        )
    return tuple(
        AttemptQuestion(
            id=qid,
            number=number,
            text=by_id[qid].text,
            choices=tuple(AttemptChoice(c.id, c.text) for c in by_id[qid].choices),
        )
        for number, qid in enumerate(draft.question_order, start=1)
    )
