from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.progress import progress
from latsar_desktop.domain.protocol import Standing
from tests import factories as f

PACKAGE = f.package()
MATERIALS = [f"m{i}" for i in range(5)]


def videos_and_readings() -> list:
    """20 trophies: every video and reading."""
    return [f.completed(f"{m}-{kind}") for m in MATERIALS for kind in ("video", "read")]


def reflections(count: int) -> list:
    return [f.completed(f"{m}-refl") for m in MATERIALS[:count]]


def test_nothing_done() -> None:
    view = progress(PACKAGE, Standing())
    assert view.trophies == 0
    assert not view.complete
    assert not view.evaluation.unlocked
    assert view.evaluation.reason.code is Code.EVALUATION_LOCKED_TROPHIES
    assert view.next_attempt == 1
    assert view.next_cap == Decimal("100.00")
    codes = [m.code for m in view.checklist]
    assert codes[0] is Code.CHECKLIST_WELCOME_NOT_WATCHED
    assert codes.count(Code.CHECKLIST_MATERIAL_INCOMPLETE) == 5


def test_unlock_boundary_27_then_28() -> None:
    events = [*videos_and_readings(), *reflections(3), f.practice("m0-quiz", 1)]  # 20+6+1
    view = progress(PACKAGE, Standing(), events)
    assert view.trophies == 27
    assert not view.evaluation.unlocked
    assert view.evaluation.reason.params == {"trophies": 27, "needed": 28, "missing": 1}
    view = progress(PACKAGE, Standing(), [*events, f.practice("m1-quiz", 1)])
    assert view.trophies == 28
    assert view.evaluation.unlocked


def test_practice_quiz_trophies_are_proportional_and_best_counts() -> None:
    view = progress(PACKAGE, Standing(), [f.practice("m0-quiz", 3), f.practice("m0-quiz", 1)])
    quiz = view.materials[0].activities[2]
    assert (quiz.trophies, quiz.best_score) == (3, Decimal("75.00"))
    standing = Standing(practice_best={"m0-quiz": Decimal("100")})
    assert progress(PACKAGE, standing, [f.practice("m0-quiz", 1)]).trophies == 4


def all_required_with_31() -> list:
    # 20 (videos, readings) + practice 2+2+2+2+3 = 31; no optional reflection
    quizzes = [f.practice(f"{m}-quiz", 2) for m in MATERIALS[:4]] + [f.practice("m4-quiz", 3)]
    return [f.welcome(), *videos_and_readings(), *quizzes]


def test_all_required_done_but_31_trophies_is_complete_not_passed() -> None:
    standing = Standing(attempts=[f.graded(1, "90")], registered_devices=1)
    view = progress(PACKAGE, standing, all_required_with_31())
    assert view.trophies == 31
    assert view.complete
    assert view.evaluation.unlocked
    assert not view.passed
    assert [m.code for m in view.checklist] == [Code.CHECKLIST_TROPHIES_BELOW_PASS]
    # one trophy more (an optional reflection) passes
    view = progress(PACKAGE, standing, [*all_required_with_31(), f.completed("m0-refl")])
    assert view.trophies == 33
    assert view.passed


def test_pass_boundary_32() -> None:
    events = [*all_required_with_31(), f.practice("m3-quiz", 3)]  # 2 -> 3 trophies
    standing = Standing(attempts=[f.graded(1, "70")])
    view = progress(PACKAGE, standing, events)
    assert view.trophies == 32
    assert view.passed


def test_maximum_is_50() -> None:
    everything = [f.welcome(), *videos_and_readings(), *reflections(5)]
    everything += [f.practice(f"{m}-quiz", 4) for m in MATERIALS]
    view = progress(PACKAGE, Standing(), [*everything, *everything])
    assert view.trophies == 50 == view.max_trophies


def test_no_graded_attempt_not_passed_and_checklist_names_evaluation() -> None:
    everything = [f.welcome(), *videos_and_readings(), *reflections(5)]
    everything += [f.practice(f"{m}-quiz", 4) for m in MATERIALS]
    view = progress(PACKAGE, Standing(), everything)
    assert view.complete
    assert view.trophies == 50
    assert not view.passed
    assert [m.code for m in view.checklist] == [Code.CHECKLIST_NO_GRADED_ATTEMPT]
    # an attempt taken offline is shown as waiting, still not passed
    view = progress(PACKAGE, Standing(), [*everything, f.attempt()])
    assert [m.code for m in view.checklist] == [Code.CHECKLIST_ATTEMPT_AWAITING_SYNC]
    assert not view.passed


def test_score_below_passing() -> None:
    everything = [f.welcome(), *videos_and_readings(), *reflections(5)]
    everything += [f.practice(f"{m}-quiz", 4) for m in MATERIALS]
    view = progress(PACKAGE, Standing(attempts=[f.graded(1, "64.99")]), everything)
    assert not view.passed
    assert [m.code for m in view.checklist] == [Code.CHECKLIST_SCORE_BELOW_PASSING]
    view = progress(PACKAGE, Standing(attempts=[f.graded(1, "65.00")]), everything)
    assert view.passed


@pytest.mark.parametrize(
    ("graded", "pending", "expected_cap"),
    [
        (2, 0, "100.00"),
        (3, 0, "90.01"),
        (2, 1, "90.01"),
        (4, 0, "90.01"),
        (4, 1, "80.01"),
        (5, 0, "80.01"),
        (5, 1, "70.01"),
        (6, 0, "70.01"),
    ],
)
def test_predicted_next_attempt_and_cap(graded: int, pending: int, expected_cap: str) -> None:
    standing = Standing(attempts=[f.graded(n, "50") for n in range(1, graded + 1)])
    view = progress(PACKAGE, standing, [f.attempt() for _ in range(pending)])
    assert view.next_attempt == graded + pending + 1
    assert view.next_cap == Decimal(expected_cap)


def test_estimate_flag() -> None:
    only_device = Standing(attempts=[f.graded(1, "50")], registered_devices=1)
    assert not progress(PACKAGE, only_device).next_cap_estimated
    assert progress(PACKAGE, only_device, [f.attempt()]).next_cap_estimated
    two_devices = Standing(attempts=[f.graded(1, "50")], registered_devices=2)
    assert progress(PACKAGE, two_devices).next_cap_estimated


def test_pending_attempt_already_graded_is_not_counted_twice() -> None:
    event = f.attempt()
    graded = f.graded(1, "80").model_copy(update={"attempt_id": event.payload.attempt_id})
    view = progress(PACKAGE, Standing(attempts=[graded]), [event])
    assert (view.attempts_graded, view.attempts_pending, view.next_attempt) == (1, 0, 2)


def test_expected_issue_date_and_closed_evaluation() -> None:
    everything = [f.welcome(), *videos_and_readings(), *reflections(5)]
    everything += [f.practice(f"{m}-quiz", 4) for m in MATERIALS]
    standing = Standing(attempts=[f.graded(1, "80")], passed_at=f.NOW)
    view = progress(PACKAGE, standing, everything)
    assert view.expected_issue_at == f.NOW + timedelta(days=20)
    assert [m.code for m in view.checklist] == [Code.CHECKLIST_AWAITING_ISSUANCE]
    issued = standing.model_copy(update={"certificate_issued_at": f.NOW + timedelta(days=20)})
    view = progress(PACKAGE, issued, everything)
    assert view.evaluation.closed
    assert not view.evaluation.unlocked
    assert view.checklist == ()


def test_unknown_activity_in_journal_is_ignored() -> None:
    view = progress(PACKAGE, Standing(completed_activities=["gone"]), [f.completed("also-gone")])
    assert view.trophies == 0


def test_a_profile_that_never_synced_shows_an_estimate() -> None:
    view = progress(PACKAGE, Standing())
    assert view.next_attempt == 1
    assert view.next_cap_estimated  # attempts on other devices are not known yet
