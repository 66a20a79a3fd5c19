"""Beranda's decisions (``session/beranda.py``), Qt-free: the pure function from the
session's reads to what the page says. The views are the core's (``domain/progress.py``)
for a small package (5 materials; unlock 28, pass 32 trophies); the expected answers are
written here from the rules, not read back from the code."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.progress import GradingForecast, Progress, progress
from latsar_desktop.domain.protocol import JournalEvent, Standing
from latsar_desktop.session.beranda import (
    Beranda,
    ConditionKind,
    EvaluationStage,
    NextAction,
    NextStep,
    ScoreState,
    TrophyGoal,
    beranda,
    next_action,
)
from latsar_desktop.session.evaluation import EvaluationOutlook
from tests import factories as f

PACKAGE = f.package()
MATERIALS = [f"m{i}" for i in range(5)]
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
KINDS = [
    ConditionKind.WELCOME,
    ConditionKind.MATERIALS,
    ConditionKind.TROPHIES,
    ConditionKind.ATTEMPT,
    ConditionKind.SCORE,
    ConditionKind.CERTIFICATE,
]


def outlook(view: Progress, later: bool = False) -> EvaluationOutlook:
    day = date(2026, 3, 3) if later else date(2026, 3, 2)
    message = (
        msg(Code.EVALUATION_GRADED_LATER, date=day, limit=5)
        if later
        else msg(Code.EVALUATION_GRADED_ON_SYNC)
    )
    return EvaluationOutlook(
        state=view.evaluation,
        open_attempt=None,
        next_number=view.next_attempt,
        next_cap=view.next_cap,
        estimated=view.next_cap_estimated,
        grading=GradingForecast(day, later, message),
        graded_left_today=(0, 5) if later else (5, 5),
        time_limit_seconds=3600,
        question_count=20,
    )


def page(
    events: list[JournalEvent], standing: Standing | None = None, later: bool = False
) -> Beranda:
    view = progress(PACKAGE, standing or Standing(), events)
    return beranda(view, outlook(view, later), None, len(events), min_attempts=1)


def videos_and_readings() -> list[JournalEvent]:
    """20 trophies, the 10 videos and readings."""
    return [f.completed(f"{m}-{kind}") for m in MATERIALS for kind in ("video", "read")]


def all_done() -> list[JournalEvent]:
    """Every activity: 50 trophies."""
    events = [f.welcome(), *videos_and_readings()]
    events += [f.completed(f"{m}-refl") for m in MATERIALS]
    return events + [f.practice(f"{m}-quiz", 4) for m in MATERIALS]


def conditions_of(shown: Beranda) -> dict[ConditionKind, tuple[bool, list[Code]]]:
    return {c.kind: (c.met, [m.code for m in c.missing]) for c in shown.conditions}


def test_nothing_done_every_condition_missing_and_the_welcome_first() -> None:
    shown = page([])
    assert [c.kind for c in shown.conditions] == KINDS
    found = conditions_of(shown)
    assert found[ConditionKind.WELCOME] == (False, [Code.CHECKLIST_WELCOME_NOT_WATCHED])
    assert found[ConditionKind.MATERIALS] == (False, [Code.CHECKLIST_MATERIAL_INCOMPLETE] * 5)
    assert found[ConditionKind.TROPHIES] == (False, [Code.CHECKLIST_TROPHIES_BELOW_PASS])
    assert found[ConditionKind.ATTEMPT] == (False, [Code.CHECKLIST_NO_GRADED_ATTEMPT])
    assert found[ConditionKind.SCORE] == (False, [])  # no score yet: the attempt says why
    assert found[ConditionKind.CERTIFICATE] == (False, [])
    thresholds = {c.kind: c.threshold for c in shown.conditions}
    assert thresholds[ConditionKind.TROPHIES] == 32
    assert thresholds[ConditionKind.ATTEMPT] == 1
    assert thresholds[ConditionKind.SCORE] == PACKAGE.rules.passing_score
    assert shown.next_step is NextStep.WELCOME
    assert shown.action is NextAction.COURSE
    assert shown.stage is EvaluationStage.LOCKED
    assert (shown.trophy_goal, shown.to_unlock, shown.to_pass) == (TrophyGoal.UNLOCK, 28, 32)
    assert shown.score is ScoreState.NONE
    assert shown.next_cap == Decimal("100.00")
    assert not shown.later


def test_27_then_28_the_goal_moves_from_unlocking_to_passing() -> None:
    events = [f.welcome(), *videos_and_readings()]  # 20 trophies (the welcome gives none)
    events += [f.completed(f"{m}-refl") for m in MATERIALS[:3]]  # +6
    events.append(f.practice("m0-quiz", 1))  # +1
    shown = page(events)
    assert shown.progress.trophies == 27
    assert shown.next_step is NextStep.LEARN
    assert (shown.stage, shown.trophy_goal, shown.to_unlock) == (
        EvaluationStage.LOCKED,
        TrophyGoal.UNLOCK,
        1,
    )
    # the number the core's reason gives is the same
    assert shown.progress.evaluation.reason.params["missing"] == shown.to_unlock

    shown = page([*events, f.practice("m1-quiz", 1)])
    assert shown.progress.trophies == 28
    assert shown.next_step is NextStep.EVALUATION
    assert (shown.stage, shown.trophy_goal) == (EvaluationStage.OPEN, TrophyGoal.PASS)
    assert (shown.to_unlock, shown.to_pass) == (0, 4)
    assert conditions_of(shown)[ConditionKind.WELCOME] == (True, [])


def test_an_attempt_waiting_then_graded_below_then_passed() -> None:
    events = all_done()
    shown = page([*events, f.attempt()])
    assert shown.next_step is NextStep.WAITING
    assert conditions_of(shown)[ConditionKind.ATTEMPT] == (
        False,
        [Code.CHECKLIST_ATTEMPT_AWAITING_SYNC],
    )
    assert shown.trophy_goal is TrophyGoal.ENOUGH

    shown = page(events, Standing(attempts=[f.graded(1, "50")]))
    assert shown.score is ScoreState.BELOW
    assert shown.next_step is NextStep.CHECKLIST
    assert shown.action is NextAction.COURSE  # another attempt, in Course
    assert conditions_of(shown)[ConditionKind.SCORE] == (
        False,
        [Code.CHECKLIST_SCORE_BELOW_PASSING],
    )
    assert conditions_of(shown)[ConditionKind.ATTEMPT] == (True, [])

    passed_at = NOW - timedelta(days=1)
    shown = page(events, Standing(attempts=[f.graded(1, "90")], passed_at=passed_at))
    assert shown.score is ScoreState.PASSED
    assert shown.next_step is NextStep.PASSED
    assert shown.action is NextAction.NONE  # waiting for the issuance: nothing to open
    certificate = conditions_of(shown)[ConditionKind.CERTIFICATE]
    assert certificate == (False, [Code.CHECKLIST_AWAITING_ISSUANCE])
    assert [kind for kind, (met, _) in conditions_of(shown).items() if not met] == [
        ConditionKind.CERTIFICATE
    ]


def test_a_score_reached_with_trophies_missing_is_not_passed() -> None:
    events = [f.welcome(), *videos_and_readings()]
    events += [f.practice(f"{m}-quiz", 2) for m in MATERIALS]  # every required, 30 trophies
    shown = page(events, Standing(attempts=[f.graded(1, "90")]))
    assert shown.score is ScoreState.REACHED
    assert (shown.trophy_goal, shown.to_pass) == (TrophyGoal.PASS, 2)


def test_the_certificate_issued_closes_the_evaluation() -> None:
    standing = Standing(
        attempts=[f.graded(1, "90")],
        passed_at=NOW - timedelta(days=30),
        certificate_issued_at=NOW - timedelta(days=2),
    )
    shown = page(all_done(), standing)
    assert shown.stage is EvaluationStage.CLOSED
    assert shown.next_step is NextStep.ISSUED
    assert shown.action is NextAction.PROFILE  # the certificate is downloaded there
    assert shown.next_cap is None
    assert all(c.met for c in shown.conditions)
    assert conditions_of(shown)[ConditionKind.CERTIFICATE] == (True, [])


def test_later_only_while_the_evaluation_is_open() -> None:
    assert page(all_done(), later=True).later
    assert not page(all_done(), later=False).later
    assert not page([], later=True).later  # locked: nothing to grade


def test_a_checklist_message_of_a_newer_core_is_a_condition_of_its_own() -> None:
    view = progress(PACKAGE, Standing(), [])
    strange = msg(Code.EVALUATION_CLOSED)  # not a checklist code this version groups
    view = Progress(**{**view.__dict__, "checklist": (*view.checklist, strange)})
    shown = beranda(view, outlook(view), None, 0, min_attempts=1)
    assert [c.kind for c in shown.conditions] == [*KINDS, ConditionKind.OTHER]
    other = shown.conditions[-1]
    assert (other.met, other.missing) == (False, (strange,))


def test_the_banner_opens_course_until_passed_then_nothing_then_profil() -> None:
    assert {step: next_action(step) for step in NextStep} == {
        NextStep.WELCOME: NextAction.COURSE,
        NextStep.LEARN: NextAction.COURSE,
        NextStep.CONTINUE: NextAction.EVALUATION,
        NextStep.EVALUATION: NextAction.EVALUATION,
        NextStep.WAITING: NextAction.COURSE,
        NextStep.CHECKLIST: NextAction.COURSE,
        NextStep.PASSED: NextAction.NONE,
        NextStep.PASSED_SOON: NextAction.NONE,
        NextStep.ISSUED: NextAction.PROFILE,
    }


def test_an_open_attempt_comes_first_until_the_certificate() -> None:
    """An attempt started and not submitted (closed, or the app cut off): Beranda says to
    continue it, and its button opens the evaluation entry; not once issued."""
    events = all_done()
    view = progress(PACKAGE, Standing(), events)
    opened = replace(outlook(view), open_attempt=uuid.uuid4())
    shown = beranda(view, opened, None, len(events), min_attempts=1)
    assert (shown.next_step, shown.action) == (NextStep.CONTINUE, NextAction.EVALUATION)

    locked = progress(PACKAGE, Standing(), [f.welcome()])
    shown = beranda(locked, replace(outlook(locked), open_attempt=uuid.uuid4()), None, 1, 1)
    assert shown.next_step is NextStep.LEARN  # no attempt to continue while locked

    issued = Standing(
        attempts=[f.graded(1, "90")],
        passed_at=NOW - timedelta(days=30),
        certificate_issued_at=NOW - timedelta(days=2),
    )
    view = progress(PACKAGE, issued, events)
    shown = beranda(view, replace(outlook(view), open_attempt=uuid.uuid4()), None, 0, 1)
    assert shown.next_step is NextStep.ISSUED
