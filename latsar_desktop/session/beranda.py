"""Beranda's decisions, Qt-free: what the participant's home page says, as data.

``beranda(progress, outlook, last_sync_at, pending, min_attempts)`` is a pure function of
the session's reads (``ParticipantSession.beranda()`` makes them in one go and calls it).
It returns a frozen ``Beranda``: the reads themselves, and what follows from them:

* ``conditions``: every condition of the certificate, in order, each a ``Condition`` of
  its ``ConditionKind``, met or not, and the core's checklist messages of what is
  missing for it. A condition is met when the core's checklist says nothing is missing
  for it; the final score is not met while there is none; the certificate is met once
  issued. A checklist message this version does not group (a newer core) is a condition
  of its own (``OTHER``), not met.
* ``next_step``: the one thing to do next (``NextStep``), and ``action``: the page the
  banner's button opens for it (``NextAction``): Course's evaluation entry while an
  attempt is open (to continue it) or the evaluation is open with none taken yet, Course
  while there is something else to do there, Profil once the certificate is issued (it is
  downloaded there), none while a passed participant waits for the issuance.
* ``stage``: the evaluation locked, open or closed (the core's ``EvaluationState.stage``;
  ``EvaluationStage`` is ``domain/progress.py``'s, named here too for the page).
* ``trophy_goal`` and ``to_unlock`` / ``to_pass``: the next trophy threshold and the
  trophies still missing to reach each (0 once reached).
* ``score``: the final score's state (``ScoreState``).
* ``later``: the next attempt would be graded on a later day (the daily limit used up).
* ``next_cap``: the next attempt's cap, None once the evaluation is closed (the page
  then shows no cap at all).

The page maps the enums to its labels and shows the numbers; it decides nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from latsar_desktop.domain.messages import Code, Message
from latsar_desktop.domain.progress import EvaluationStage, Progress
from latsar_desktop.session.evaluation import EvaluationOutlook

__all__ = [
    "Beranda",
    "Condition",
    "ConditionKind",
    "EvaluationStage",
    "NextAction",
    "NextStep",
    "ScoreState",
    "TrophyGoal",
    "beranda",
    "next_action",
]


class ConditionKind(enum.Enum):
    """A condition of the certificate, in the order the page lists them."""

    WELCOME = "welcome"  # the welcome video watched
    MATERIALS = "materials"  # every required activity done
    TROPHIES = "trophies"  # at least ``threshold`` trophies
    ATTEMPT = "attempt"  # at least ``threshold`` graded attempts
    SCORE = "score"  # a final score of at least ``threshold``
    CERTIFICATE = "certificate"  # issued
    OTHER = "other"  # a checklist message this version does not know: ``missing[0]``


class NextStep(enum.Enum):
    WELCOME = "welcome"  # watch the welcome video
    CONTINUE = "continue"  # an attempt is open (closed or cut off): continue and submit it
    LEARN = "learn"  # complete activities: the evaluation is still locked
    EVALUATION = "evaluation"  # open, no attempt yet
    WAITING = "waiting"  # an attempt waits to be sent or graded
    CHECKLIST = "checklist"  # graded: the checklist tells the rest
    PASSED = "passed"  # passed; the certificate expected at ``progress.expected_issue_at``
    PASSED_SOON = "passed_soon"  # passed, no expected date known
    ISSUED = "issued"  # the certificate is issued


class NextAction(enum.Enum):
    """The page the next step's button opens."""

    COURSE = "course"
    EVALUATION = "evaluation"  # Course, its evaluation entry shown
    PROFILE = "profile"  # the certificate is downloaded there
    NONE = "none"  # passed, waiting for the issuance: nothing to open


_ACTION: dict[NextStep, NextAction] = {
    NextStep.CONTINUE: NextAction.EVALUATION,
    NextStep.EVALUATION: NextAction.EVALUATION,
    NextStep.PASSED: NextAction.NONE,
    NextStep.PASSED_SOON: NextAction.NONE,
    NextStep.ISSUED: NextAction.PROFILE,
}


def next_action(step: NextStep) -> NextAction:
    """The page the banner's button opens for ``step`` (Course unless said here)."""
    return _ACTION.get(step, NextAction.COURSE)


class TrophyGoal(enum.Enum):
    UNLOCK = "unlock"  # ``to_unlock`` more open the evaluation
    PASS = "pass"  # ``to_pass`` more meet the pass condition
    ENOUGH = "enough"  # the pass condition is met


class ScoreState(enum.Enum):
    NONE = "none"  # no graded attempt yet
    PASSED = "passed"
    BELOW = "below"  # below the passing score
    REACHED = "reached"  # at or above the passing score, other conditions missing


@dataclass(frozen=True)
class Condition:
    kind: ConditionKind
    met: bool
    missing: tuple[Message, ...] = ()  # the core's messages of what is missing
    threshold: int | Decimal | None = None  # the number in the condition's name


@dataclass(frozen=True)
class Beranda:
    """One read of everything Beranda shows, and what follows from it."""

    progress: Progress
    outlook: EvaluationOutlook
    last_sync_at: datetime | None
    pending: int  # events not confirmed by the server yet
    conditions: tuple[Condition, ...]
    next_step: NextStep
    action: NextAction
    stage: EvaluationStage
    trophy_goal: TrophyGoal
    to_unlock: int
    to_pass: int
    score: ScoreState
    later: bool
    next_cap: Decimal | None


# the core's checklist messages, by the condition they are about
_ABOUT: dict[Code, ConditionKind] = {
    Code.CHECKLIST_WELCOME_NOT_WATCHED: ConditionKind.WELCOME,
    Code.CHECKLIST_MATERIAL_INCOMPLETE: ConditionKind.MATERIALS,
    Code.CHECKLIST_TROPHIES_BELOW_PASS: ConditionKind.TROPHIES,
    Code.CHECKLIST_NO_GRADED_ATTEMPT: ConditionKind.ATTEMPT,
    Code.CHECKLIST_ATTEMPT_AWAITING_SYNC: ConditionKind.ATTEMPT,
    Code.CHECKLIST_ATTEMPT_AWAITING_GRADING: ConditionKind.ATTEMPT,
    Code.CHECKLIST_SCORE_BELOW_PASSING: ConditionKind.SCORE,
    Code.CHECKLIST_AWAITING_ISSUANCE: ConditionKind.CERTIFICATE,
}


def conditions(progress: Progress, min_attempts: int) -> tuple[Condition, ...]:
    """Every condition of the certificate, met or not (see the module docstring)."""
    missing: dict[ConditionKind, list[Message]] = {}
    for message in progress.checklist:
        kind = _ABOUT.get(message.code, ConditionKind.OTHER)
        missing.setdefault(kind, []).append(message)

    def condition(kind: ConditionKind, threshold: int | Decimal | None = None) -> Condition:
        found = tuple(missing.get(kind, ()))
        return Condition(kind, not found, found, threshold)

    score = condition(ConditionKind.SCORE, progress.passing_score)
    if progress.final_score is None:  # no graded attempt yet: the attempt's row says why
        score = Condition(ConditionKind.SCORE, False, (), progress.passing_score)
    certificate = Condition(
        ConditionKind.CERTIFICATE,
        progress.certificate_issued,
        () if progress.certificate_issued else tuple(missing.get(ConditionKind.CERTIFICATE, ())),
    )
    found = [
        condition(ConditionKind.WELCOME),
        condition(ConditionKind.MATERIALS),
        condition(ConditionKind.TROPHIES, progress.pass_trophies),
        condition(ConditionKind.ATTEMPT, min_attempts),
        score,
        certificate,
    ]
    found += [
        Condition(ConditionKind.OTHER, False, (m,)) for m in missing.get(ConditionKind.OTHER, ())
    ]
    return tuple(found)


def next_step(progress: Progress, attempt_open: bool = False) -> NextStep:
    """The one thing the participant should do next (``attempt_open``: an attempt was
    started and not submitted)."""
    codes = {message.code for message in progress.checklist}
    if progress.certificate_issued:
        return NextStep.ISSUED
    if attempt_open and progress.evaluation.unlocked:
        return NextStep.CONTINUE
    if progress.passed:
        return NextStep.PASSED if progress.expected_issue_at is not None else NextStep.PASSED_SOON
    if Code.CHECKLIST_WELCOME_NOT_WATCHED in codes:
        return NextStep.WELCOME
    if not progress.evaluation.unlocked:
        return NextStep.LEARN
    if progress.attempts_graded == 0:
        if progress.attempts_pending or progress.attempts_awaiting_grading:
            return NextStep.WAITING
        return NextStep.EVALUATION
    return NextStep.CHECKLIST


def beranda(
    progress: Progress,
    outlook: EvaluationOutlook,
    last_sync_at: datetime | None,
    pending: int,
    min_attempts: int,
) -> Beranda:
    """Beranda from the session's reads (pure: the same reads, the same page)."""
    state = progress.evaluation
    stage = state.stage
    to_unlock = max(0, progress.unlock_trophies - progress.trophies)
    to_pass = max(0, progress.pass_trophies - progress.trophies)
    if stage is EvaluationStage.LOCKED:
        goal = TrophyGoal.UNLOCK
    elif to_pass:
        goal = TrophyGoal.PASS
    else:
        goal = TrophyGoal.ENOUGH
    codes = {message.code for message in progress.checklist}
    if progress.final_score is None:
        score = ScoreState.NONE
    elif progress.passed:
        score = ScoreState.PASSED
    elif Code.CHECKLIST_SCORE_BELOW_PASSING in codes:
        score = ScoreState.BELOW
    else:
        score = ScoreState.REACHED
    step = next_step(progress, outlook.open_attempt is not None)
    return Beranda(
        progress=progress,
        outlook=outlook,
        last_sync_at=last_sync_at,
        pending=pending,
        conditions=conditions(progress, min_attempts),
        next_step=step,
        action=next_action(step),
        stage=stage,
        trophy_goal=goal,
        to_unlock=to_unlock,
        to_pass=to_pass,
        score=score,
        later=state.unlocked and outlook.grading.later,
        next_cap=None if state.closed else progress.next_cap,
    )
