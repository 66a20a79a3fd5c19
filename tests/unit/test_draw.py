"""The draw of an evaluation attempt's questions, grading over the draw, and its package rules."""

from __future__ import annotations

import hashlib
import hmac
import random
import uuid
from decimal import Decimal

import pytest

from latsar_desktop.domain.course import package_problems
from latsar_desktop.domain.draw import draw_questions, is_seed, new_seed
from latsar_desktop.domain.grading import attempt_problem, drawn_questions, grade_attempt
from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import AttemptSubmitted, CoursePackage, Evaluation
from tests import factories

SEED = "00112233445566778899aabbccddeeff"
IDS = [f"q{i:02d}" for i in range(1, 11)]


def test_a_known_vector_never_changes() -> None:
    """The order every client and server version must agree on (written down once; a
    change here breaks every attempt in flight)."""
    assert draw_questions(SEED, IDS) == [
        "q04", "q07", "q01", "q03", "q09", "q05", "q08", "q06", "q10", "q02"
    ]  # fmt: skip
    assert draw_questions(SEED, IDS, 4) == ["q04", "q07", "q01", "q03"]
    # the rank is HMAC-SHA256 keyed with the seed's ASCII text over the id's UTF-8 bytes
    digests = {q: hmac.new(SEED.encode(), q.encode(), hashlib.sha256).digest() for q in IDS}
    assert draw_questions(SEED, IDS) == sorted(IDS, key=digests.__getitem__)
    assert digests["q01"].hex().startswith("3b34a675")


def test_deterministic_and_independent_of_the_input_order() -> None:
    shuffled = IDS[:]
    for _ in range(20):
        random.shuffle(shuffled)
        assert draw_questions(SEED, shuffled, 4) == draw_questions(SEED, IDS, 4)
        assert draw_questions(SEED, tuple(shuffled)) == draw_questions(SEED, IDS)
    assert draw_questions(SEED, [*IDS, *IDS]) == draw_questions(SEED, IDS)  # each id once


def test_count_none_is_every_question_shuffled() -> None:
    every = draw_questions(SEED, IDS)
    assert sorted(every) == IDS
    assert every != IDS  # shuffled, not the bank's order
    assert draw_questions(SEED, IDS, None) == every
    assert draw_questions(SEED, IDS, len(IDS)) == every
    assert draw_questions(SEED, IDS, 99) == every  # more than there are: all of them
    assert draw_questions(SEED, IDS, 0) == []
    for count in range(len(IDS) + 1):  # the first ``count`` of one order
        assert draw_questions(SEED, IDS, count) == every[:count]


def test_seeds_draw_different_questions() -> None:
    bank = [f"ev-{n:03d}" for n in range(200)]
    draws = {tuple(draw_questions(new_seed(), bank, 20)) for _ in range(50)}
    assert len(draws) == 50
    assert all(len(set(d)) == 20 and set(d) <= set(bank) for d in draws)


def test_seeds_are_128_bit_hex_and_checked() -> None:
    seeds = {new_seed() for _ in range(100)}
    assert len(seeds) == 100
    assert all(is_seed(s) and len(s) == 32 for s in seeds)
    for bad in ("", SEED.upper(), SEED[:-1], SEED + "0", "g" * 32, " " + SEED[1:]):
        with pytest.raises(ValueError, match="seed"):
            draw_questions(bad, IDS)
    with pytest.raises(ValueError, match="count"):
        draw_questions(SEED, IDS, -1)


# --------------------------------------------------------------------------- grading a draw


def bank_package(bank: int = 30, drawn: int | None = 10) -> CoursePackage:
    data = factories.package_dict()
    data["evaluation"]["questions"] = [factories._question(f"e{i}") for i in range(bank)]
    data["evaluation"]["questions_per_attempt"] = drawn
    return CoursePackage.model_validate(data)


def submitted(
    evaluation: Evaluation,
    seed: str | None,
    answers: dict[str, str],
    order: list[str] | None = None,
) -> AttemptSubmitted:
    if order is None:
        assert seed is not None
        order = [q.id for q in drawn_questions(evaluation, seed)]
    return AttemptSubmitted(
        attempt_id=uuid.uuid4(),
        package_version=1,
        seed=seed,
        question_order=order,
        answers=answers,
        elapsed_seconds=60,
        started_at=factories.NOW,
    )


def test_raw_score_is_over_the_questions_drawn_unanswered_wrong() -> None:
    evaluation = bank_package().evaluation
    seed = new_seed()
    drawn = [q.id for q in drawn_questions(evaluation, seed)]
    assert len(drawn) == 10
    # 3 right, 1 wrong, 6 unanswered: 3 of the 10 drawn, whatever the bank's size
    answers = {drawn[0]: "a", drawn[1]: "a", drawn[2]: "a", drawn[3]: "b"}
    attempt = submitted(evaluation, seed, answers)
    assert attempt_problem(evaluation, attempt) is None
    result = grade_attempt(evaluation, attempt)
    assert (result.correct, result.total, result.score) == (3, 10, Decimal("30.00"))
    one = submitted(evaluation, seed, {drawn[5]: "a"})
    assert grade_attempt(evaluation, one).score == Decimal("10.00")


def test_an_order_that_is_not_the_draw_is_refused() -> None:
    evaluation = bank_package().evaluation
    seed = new_seed()
    drawn = [q.id for q in drawn_questions(evaluation, seed)]
    others = [q.id for q in evaluation.questions if q.id not in drawn]
    for order in (
        drawn[::-1],  # the right questions, another order
        drawn[:-1],  # one left out
        [*drawn[:-1], others[0]],  # one swapped for a question the seed did not draw
        [*drawn, others[0]],  # one more
        [q.id for q in evaluation.questions],  # the whole bank
    ):
        problem = attempt_problem(evaluation, submitted(evaluation, seed, {}, order))
        assert problem is not None
        assert problem.code is Code.SYNC_QUESTIONS_NOT_DRAWN
    # the order of another seed
    other = submitted(evaluation, new_seed(), {})
    moved = other.model_copy(update={"seed": seed})
    assert attempt_problem(evaluation, moved) is not None


def test_an_answer_outside_the_draw_is_refused() -> None:
    evaluation = bank_package().evaluation
    seed = new_seed()
    drawn = [q.id for q in drawn_questions(evaluation, seed)]
    outside = next(q.id for q in evaluation.questions if q.id not in drawn)
    problem = attempt_problem(evaluation, submitted(evaluation, seed, {outside: "a"}))
    assert problem is not None
    assert problem.code is Code.SYNC_ANSWER_NOT_DRAWN
    assert problem.params["question"] == outside


def test_without_a_seed_only_every_question_of_a_non_drawing_evaluation() -> None:
    """An attempt from an app older than the draw has no seed: accepted only when the
    evaluation shows every question, and it names them all."""
    every = bank_package(bank=20, drawn=None).evaluation
    ids = [q.id for q in every.questions]
    old = submitted(every, None, {"e3": "a", "e4": "b"}, ids[::-1])
    assert attempt_problem(every, old) is None
    result = grade_attempt(every, old)
    assert (result.correct, result.total) == (1, 20)
    part = submitted(every, None, {"e3": "a"}, ids[:5])
    assert attempt_problem(every, part) is not None
    drawing = bank_package(bank=20, drawn=10).evaluation
    problem = attempt_problem(drawing, submitted(drawing, None, {}, ids))
    assert problem is not None
    assert problem.code is Code.SYNC_QUESTIONS_NOT_DRAWN


def test_package_rules_of_the_draw() -> None:
    assert package_problems(bank_package(30, 30)) == []
    assert package_problems(bank_package(30, 10)) == []
    problems = package_problems(bank_package(30, 31))
    assert [(p.code, dict(p.params)) for p in problems] == [
        (Code.COURSE_TOO_FEW_QUESTIONS, {"drawn": 31, "questions": 30})
    ]
    assert Evaluation.model_fields["questions_per_attempt"].default is None


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "../../etc/passwd", "/etc/localtime"])
def test_the_time_zone_must_be_a_known_iana_zone(zone: str) -> None:
    problems = package_problems(factories.package(time_zone=zone))
    assert [p.code for p in problems] == [Code.COURSE_BAD_TIME_ZONE]


def test_default_and_valid_time_zones() -> None:
    assert factories.package().rules.time_zone == "Asia/Jakarta"
    assert factories.package().rules.max_graded_per_day is None
    for zone in ("Asia/Makassar", "Asia/Jayapura", "UTC"):
        assert package_problems(factories.package(time_zone=zone, max_graded_per_day=5)) == []
