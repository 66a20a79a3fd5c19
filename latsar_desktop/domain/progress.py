"""What the participant sees, as one pure function.

``progress(package, standing, pending)`` combines the course package, the server's last
authoritative standing and the journal events the server has not confirmed yet. The
client calls it for its offline view; the server calls it (with no pending events) for
the authoritative one.

The pending events count only through their ``PendingSummary`` (welcome watched, the
activities completed, each practice quiz's best score, the attempt ids), folded one event
at a time. ``progress`` builds the summary and calls ``progress_from(package, standing,
summary)``, whose cost depends on the package and the standing, not on how many events
are pending: the client keeps the summary and folds each new event into it.

What comes only from pending events is provisional until a sync confirms it:
``ActivityProgress.provisional`` (its completion, or a practice quiz's best score above
the server's), and the trophies it adds (``MaterialProgress.provisional_trophies``,
``Progress.provisional_trophies``), so the screens can mark them "sementara".

Each material's progress is also given per sub-material (``MaterialProgress.sub_materials``:
trophies, required activities done, provisional), ``Progress.activity(id)`` finds one
activity's, and ``EvaluationState.stage`` names the evaluation's state (locked, open, or
closed once the certificate is issued), so no screen adds these up or derives them itself.

``next_attempt_grading(package, standing, pending, now)`` tells, offline, when the next
attempt would be graded: a course may grade at most ``max_graded_per_day`` attempts a
day, and the server numbers later ones at once and grades them on the following days.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import (
    Activity,
    ActivityCompletedEvent,
    ActivityKind,
    AttemptSubmittedEvent,
    CoursePackage,
    JournalEvent,
    PracticeGradedEvent,
    Rules,
    Standing,
    WelcomeWatchedEvent,
)
from latsar_desktop.domain.scoring import HUNDRED, cap_for_attempt, final_score


@dataclass(frozen=True)
class ActivityProgress:
    activity_id: str
    completed: bool
    trophies: int
    max_trophies: int
    best_score: Decimal | None = None
    # its completion or best score comes only from events the server has not confirmed
    # yet (its standing lacks them, or holds a lower best score): "sementara" until synced
    provisional: bool = False


class PartProgress:
    """A part of the course (a material, a sub-material): its activities' progress
    added up. The dataclasses below hold these fields."""

    trophies: int
    max_trophies: int
    required_done: int
    required_total: int
    activities: tuple[ActivityProgress, ...]

    @property
    def complete(self) -> bool:
        """Every required activity done."""
        return self.required_done == self.required_total

    @property
    def provisional(self) -> bool:
        """Some of it comes only from events the server has not confirmed yet."""
        return any(a.provisional for a in self.activities)


@dataclass(frozen=True)
class SubMaterialProgress(PartProgress):
    sub_material_id: str
    trophies: int
    max_trophies: int
    required_done: int
    required_total: int
    activities: tuple[ActivityProgress, ...] = ()


@dataclass(frozen=True)
class MaterialProgress(PartProgress):
    material_id: str
    title: str
    trophies: int
    max_trophies: int
    required_done: int
    required_total: int
    activities: tuple[ActivityProgress, ...] = ()
    # of ``trophies``, those that come only from unconfirmed events (provisional)
    provisional_trophies: int = 0
    sub_materials: tuple[SubMaterialProgress, ...] = ()  # the package's order


class EvaluationStage(enum.Enum):
    LOCKED = "locked"
    OPEN = "open"
    CLOSED = "closed"  # the certificate is issued


@dataclass(frozen=True)
class EvaluationState:
    unlocked: bool
    closed: bool
    reason: Message

    @property
    def stage(self) -> EvaluationStage:
        """Closed (the certificate issued) before open before locked."""
        if self.closed:
            return EvaluationStage.CLOSED
        return EvaluationStage.OPEN if self.unlocked else EvaluationStage.LOCKED


@dataclass(frozen=True)
class Progress:
    welcome_watched: bool
    materials: tuple[MaterialProgress, ...]
    trophies: int
    max_trophies: int
    unlock_trophies: int
    pass_trophies: int
    complete: bool
    evaluation: EvaluationState
    attempts_graded: int
    attempts_pending: int  # submitted on this device, not yet processed by the server
    next_attempt: int
    next_cap: Decimal
    next_cap_estimated: bool
    final_score: Decimal | None
    passing_score: Decimal
    passed: bool
    passed_at: datetime | None
    expected_issue_at: datetime | None
    certificate_issued: bool
    checklist: tuple[Message, ...] = field(default=())
    # accepted and numbered by the server, graded on a later day (graded per day)
    attempts_awaiting_grading: int = 0
    # of ``trophies``, those that come only from unconfirmed events (provisional)
    provisional_trophies: int = 0

    def activity(self, activity_id: str) -> ActivityProgress | None:
        """The progress of the activity ``activity_id`` of a material (None: not in the
        course, or the welcome video)."""
        for material in self.materials:
            for activity in material.activities:
                if activity.activity_id == activity_id:
                    return activity
        return None


def certificate_delay(rules: Rules) -> timedelta:
    """How long after ``passed_at`` the certificate is issued: the package's
    ``certificate_delay_seconds`` when it has one (a server's override, such as the demo's
    few minutes), else its ``certificate_delay_days``. The server issues by it and the app
    shows the expected issue date by it: one function, so the two always agree."""
    if rules.certificate_delay_seconds is not None:
        return timedelta(seconds=rules.certificate_delay_seconds)
    return timedelta(days=rules.certificate_delay_days)


def numbered_attempt_ids(standing: Standing) -> set[UUID]:
    """The attempts the server has numbered: graded, or accepted to be graded later."""
    return {a.attempt_id for a in standing.attempts} | {
        a.attempt_id for a in standing.pending_attempts
    }


def practice_trophies(activity: Activity, best: Decimal | None) -> int:
    """A practice quiz earns its trophies in proportion to its best score, rounded down."""
    if best is None:
        return 0
    return int((Decimal(activity.trophies) * best / HUNDRED).to_integral_value(ROUND_FLOOR))


@dataclass
class PendingSummary:
    """What the events the server has not confirmed yet add to the standing.

    ``add`` folds one event in O(1). Each part is a union, a maximum or a minimum, so
    neither the order of the events nor adding one twice changes the summary: a summary
    folded event by event equals one built from the same events at once
    (``PendingSummary.of``)."""

    welcome_watched: bool = False
    completed: set[str] = field(default_factory=set)  # activities completed (not quizzes)
    practice_best: dict[str, Decimal] = field(default_factory=dict)  # best score per quiz
    attempt_ids: set[UUID] = field(default_factory=set)  # evaluation attempts submitted
    # each submitted attempt's journal seq (the lowest, were one appended twice): the order
    # the server numbers them in (``unsent_in_order``)
    attempt_seqs: dict[UUID, int] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Iterable[JournalEvent] | PendingSummary) -> PendingSummary:
        """The summary of ``events`` (a summary is returned as it is)."""
        if isinstance(events, PendingSummary):
            return events
        summary = cls()
        for event in events:
            summary.add(event)
        return summary

    def add(self, event: JournalEvent) -> None:
        if isinstance(event, WelcomeWatchedEvent):
            self.welcome_watched = True
        elif isinstance(event, ActivityCompletedEvent):
            self.completed.add(event.payload.activity_id)
        elif isinstance(event, PracticeGradedEvent):
            key, score = event.payload.activity_id, event.payload.score
            self.practice_best[key] = max(self.practice_best.get(key, score), score)
        elif isinstance(event, AttemptSubmittedEvent):
            attempt, seq = event.payload.attempt_id, event.seq
            self.attempt_ids.add(attempt)
            self.attempt_seqs[attempt] = min(self.attempt_seqs.get(attempt, seq), seq)

    def copy(self) -> PendingSummary:
        """An independent copy (its parts are new containers of the same values)."""
        return PendingSummary(
            self.welcome_watched,
            set(self.completed),
            dict(self.practice_best),
            set(self.attempt_ids),
            dict(self.attempt_seqs),
        )

    def unsent_attempts(self, numbered: set[UUID]) -> int:
        """How many of these attempts the server has not numbered (``numbered``) yet.

        The intersection walks the smaller set: O(standing), not O(events)."""
        return len(self.attempt_ids) - len(self.attempt_ids & numbered)

    def unsent_in_order(self, numbered: set[UUID]) -> list[UUID]:
        """The attempts the server has not numbered (``numbered``) yet, in the order this
        device submitted them (their journal seq): the order the server will number them."""
        unsent = self.attempt_ids - numbered
        return sorted(unsent, key=lambda a: (self.attempt_seqs.get(a, 0), str(a)))


def progress(
    package: CoursePackage,
    standing: Standing,
    pending: Iterable[JournalEvent] | PendingSummary = (),
) -> Progress:
    return progress_from(package, standing, PendingSummary.of(pending))


def progress_from(package: CoursePackage, standing: Standing, summary: PendingSummary) -> Progress:
    """``progress`` with the pending events given as their summary: O(package + standing)."""
    rules = package.rules
    completed = set(standing.completed_activities)
    welcome = standing.welcome_watched or summary.welcome_watched

    def best_score_of(activity_id: str) -> Decimal | None:
        known = standing.practice_best.get(activity_id)
        pending = summary.practice_best.get(activity_id)
        if known is None or pending is None:
            return pending if known is None else known
        return max(known, pending)

    def activity_progress(activity: Activity) -> tuple[ActivityProgress, int]:
        """The activity's progress, and its trophies that come from pending events only."""
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            score = best_score_of(activity.id)
            known = standing.practice_best.get(activity.id)
            trophies = practice_trophies(activity, score)
            # the pending best is higher than the server's (or the server has none)
            provisional = score is not None and (known is None or score > known)
            shown = ActivityProgress(
                activity.id,
                score is not None,
                trophies,
                activity.trophies,
                score,
                provisional,
            )
            return shown, trophies - practice_trophies(activity, known)
        if activity.id == package.welcome_video.id:
            done, confirmed = welcome, standing.welcome_watched
        else:
            confirmed = activity.id in completed
            done = confirmed or activity.id in summary.completed
        provisional = done and not confirmed
        trophies = activity.trophies if done else 0
        shown = ActivityProgress(
            activity.id, done, trophies, activity.trophies, provisional=provisional
        )
        return shown, trophies if provisional else 0

    materials: list[MaterialProgress] = []
    for material in package.materials:
        items = []
        subs = []
        unconfirmed = 0
        for sub in material.sub_materials:
            part = []
            for activity in sub.activities:
                shown, pending_trophies = activity_progress(activity)
                part.append((activity, shown))
                unconfirmed += pending_trophies
            items.extend(part)
            subs.append(
                SubMaterialProgress(
                    sub_material_id=sub.id,
                    trophies=sum(p.trophies for _, p in part),
                    max_trophies=sum(a.trophies for a, _ in part),
                    required_done=sum(1 for a, p in part if a.required and p.completed),
                    required_total=sum(1 for a, _ in part if a.required),
                    activities=tuple(p for _, p in part),
                )
            )
        materials.append(
            MaterialProgress(
                material_id=material.id,
                title=material.title,
                trophies=sum(s.trophies for s in subs),
                max_trophies=sum(s.max_trophies for s in subs),
                required_done=sum(s.required_done for s in subs),
                required_total=sum(s.required_total for s in subs),
                activities=tuple(p for _, p in items),
                provisional_trophies=unconfirmed,
                sub_materials=tuple(subs),
            )
        )
    welcome_progress, welcome_unconfirmed = activity_progress(package.welcome_video)
    trophies = welcome_progress.trophies + sum(m.trophies for m in materials)
    welcome_ok = welcome or not package.welcome_video.required
    complete = welcome_ok and all(m.complete for m in materials)

    issued = standing.certificate_issued_at is not None
    if issued:
        evaluation = EvaluationState(False, True, msg(Code.EVALUATION_CLOSED))
    elif trophies >= rules.unlock_trophies:
        evaluation = EvaluationState(True, False, msg(Code.EVALUATION_UNLOCKED))
    else:
        evaluation = EvaluationState(
            False,
            False,
            msg(
                Code.EVALUATION_LOCKED_TROPHIES,
                trophies=trophies,
                needed=rules.unlock_trophies,
                missing=rules.unlock_trophies - trophies,
            ),
        )

    graded = len(standing.attempts)
    accepted = len(standing.pending_attempts)
    # attempts the server has numbered (graded, or to be graded) are not waiting
    waiting = summary.unsent_attempts(numbered_attempt_ids(standing))
    next_attempt = graded + accepted + waiting + 1
    best_score = final_score(a.score for a in standing.attempts)
    passed = (
        complete
        and trophies >= rules.pass_trophies
        and graded >= rules.min_attempts
        and best_score is not None
        and best_score >= rules.passing_score
    )
    expected = (
        standing.passed_at + certificate_delay(rules) if standing.passed_at is not None else None
    )

    checklist: list[Message] = []
    if not welcome_ok:
        checklist.append(msg(Code.CHECKLIST_WELCOME_NOT_WATCHED))
    for done in materials:
        if not done.complete:
            checklist.append(
                msg(
                    Code.CHECKLIST_MATERIAL_INCOMPLETE,
                    material=done.title,
                    missing=done.required_total - done.required_done,
                )
            )
    if trophies < rules.pass_trophies:
        checklist.append(
            msg(Code.CHECKLIST_TROPHIES_BELOW_PASS, trophies=trophies, needed=rules.pass_trophies)
        )
    if graded < rules.min_attempts:
        if accepted:
            first = min(a.grade_on for a in standing.pending_attempts)
            checklist.append(
                msg(Code.CHECKLIST_ATTEMPT_AWAITING_GRADING, count=accepted, date=first)
            )
        if waiting:
            checklist.append(msg(Code.CHECKLIST_ATTEMPT_AWAITING_SYNC, count=waiting))
        elif not accepted:
            checklist.append(msg(Code.CHECKLIST_NO_GRADED_ATTEMPT, needed=rules.min_attempts))
    elif best_score is not None and best_score < rules.passing_score:
        checklist.append(
            msg(Code.CHECKLIST_SCORE_BELOW_PASSING, score=best_score, passing=rules.passing_score)
        )
    if passed and not issued and expected is not None:
        checklist.append(msg(Code.CHECKLIST_AWAITING_ISSUANCE, date=expected))

    return Progress(
        welcome_watched=welcome,
        materials=tuple(materials),
        trophies=trophies,
        max_trophies=rules.max_trophies,
        unlock_trophies=rules.unlock_trophies,
        pass_trophies=rules.pass_trophies,
        complete=complete,
        evaluation=evaluation,
        attempts_graded=graded,
        attempts_pending=waiting,
        next_attempt=next_attempt,
        next_cap=cap_for_attempt(next_attempt, rules.cap_table),
        next_cap_estimated=not (standing.registered_devices == 1 and waiting == 0),
        final_score=best_score,
        passing_score=rules.passing_score,
        passed=passed,
        passed_at=standing.passed_at,
        expected_issue_at=expected,
        certificate_issued=issued,
        checklist=tuple(checklist),
        attempts_awaiting_grading=accepted,
        provisional_trophies=welcome_unconfirmed + sum(m.provisional_trophies for m in materials),
    )


def course_day(at: datetime, rules: Rules) -> date:
    """The calendar day of ``at`` in the course's time zone (graded per day counts these)."""
    return at.astimezone(ZoneInfo(rules.time_zone)).date()


def grading_day(rules: Rules, graded_today: int, queued: int, today: date) -> date:
    """The day the attempt after ``queued`` waiting ones is graded at the earliest.

    At most ``rules.max_graded_per_day`` attempts are graded a day, in the order they were
    numbered: ``graded_today`` were graded today already, and ``queued`` attempts (accepted
    or not yet sent) come before this one."""
    limit = rules.max_graded_per_day
    if limit is None:
        return today
    return today + timedelta(days=(graded_today + queued) // limit)


@dataclass(frozen=True)
class GradingForecast:
    """When the next attempt would be graded: ``day`` (the course's calendar), ``later``
    when that is after today, and the message to show."""

    day: date
    later: bool
    message: Message


def next_attempt_grading(
    package: CoursePackage,
    standing: Standing,
    pending: Iterable[JournalEvent] | PendingSummary,
    now: datetime,
) -> GradingForecast:
    """Offline: would the next attempt be graded today (once it reaches the server), or on
    a later day because the course's daily grading is used up?

    Counts what the device knows: today's graded attempts in the last standing, the
    attempts the server accepted and will grade later, and this device's unsent ones. An
    estimate (another device may have used the day's grading too), for the UI. ``pending``
    is the unconfirmed events or their summary (then O(standing), whatever their number)."""
    rules = package.rules
    today, graded_today, queued = _grading_queue(rules, standing, pending, now)
    day = grading_day(rules, graded_today, queued, today)
    if day > today and rules.max_graded_per_day is not None:
        message = msg(Code.EVALUATION_GRADED_LATER, date=day, limit=rules.max_graded_per_day)
        return GradingForecast(day, True, message)
    return GradingForecast(today, False, msg(Code.EVALUATION_GRADED_ON_SYNC))


def _grading_queue(
    rules: Rules,
    standing: Standing,
    pending: Iterable[JournalEvent] | PendingSummary,
    now: datetime,
) -> tuple[date, int, int]:
    """Today (the course's calendar), the attempts graded today in the last standing, and
    those queued before the next one: accepted to be graded later, or not sent yet."""
    today = course_day(now, rules)
    unsent = PendingSummary.of(pending).unsent_attempts(numbered_attempt_ids(standing))
    graded_today = sum(1 for a in standing.attempts if course_day(a.graded_at, rules) == today)
    return today, graded_today, len(standing.pending_attempts) + unsent


def unsent_grading_days(
    package: CoursePackage,
    standing: Standing,
    pending: Iterable[JournalEvent] | PendingSummary,
    now: datetime,
) -> tuple[date, tuple[date, ...]]:
    """Today (the course's calendar), and the day each attempt not sent yet would be graded
    at the earliest, in the order they were submitted (``PendingSummary.unsent_in_order``).

    The k-th unsent attempt (from 0) waits behind today's graded ones, the accepted ones
    and the k unsent before it; the last one's day is ``next_attempt_grading``'s day for
    the attempt before it was taken. An estimate, like ``next_attempt_grading``."""
    rules = package.rules
    today, graded_today, queued = _grading_queue(rules, standing, pending, now)
    first = len(standing.pending_attempts)  # the unsent come after the accepted ones
    return today, tuple(
        grading_day(rules, graded_today, first + k, today) for k in range(queued - first)
    )


def graded_left_today(
    package: CoursePackage,
    standing: Standing,
    pending: Iterable[JournalEvent] | PendingSummary,
    now: datetime,
) -> tuple[int, int] | None:
    """(left, limit) of "sisa percobaan yang dinilai hari ini", or None when the course
    grades every attempt when it arrives (no ``max_graded_per_day``).

    Counts like ``next_attempt_grading`` (the two always agree: the next attempt is graded
    today exactly when ``left > 0``); an estimate, since another device may have used
    some of today's grading too."""
    rules = package.rules
    limit = rules.max_graded_per_day
    if limit is None:
        return None
    _, graded_today, queued = _grading_queue(rules, standing, pending, now)
    return max(0, limit - graded_today - queued), limit
