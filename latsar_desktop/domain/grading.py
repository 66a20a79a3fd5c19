"""Grading answers against keys: practice quizzes on the device, the evaluation on the server.

An evaluation attempt is graded over the questions drawn for it (``domain/draw.py``):
raw score = 100 × correct ÷ number of questions drawn; an unanswered question is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from latsar_desktop.domain.draw import draw_questions
from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import AttemptSubmitted, Evaluation, Question
from latsar_desktop.domain.scoring import raw_score


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    score: Decimal


def grade(questions: Sequence[Question], answers: Mapping[str, str]) -> Grade:
    """Every question counts; an unanswered one is wrong. Questions need their keys."""
    correct = 0
    for question in questions:
        if question.answer is None:
            raise ValueError(f"question {question.id} has no answer key")
        if answers.get(question.id) == question.answer:
            correct += 1
    return Grade(correct, len(questions), raw_score(correct, len(questions)))


def unknown_questions(questions: Sequence[Question], answers: Mapping[str, str]) -> list[str]:
    """Answered question ids that are not among ``questions``."""
    known = {q.id for q in questions}
    return sorted(set(answers) - known)


def drawn_questions(evaluation: Evaluation, seed: str) -> list[Question]:
    """The questions an attempt with ``seed`` shows, in their order."""
    by_id = {q.id: q for q in evaluation.questions}
    order = draw_questions(seed, by_id, evaluation.questions_per_attempt)
    return [by_id[question_id] for question_id in order]


def attempt_questions(evaluation: Evaluation, attempt: AttemptSubmitted) -> list[Question]:
    """The questions the attempt was given: drawn by its seed, or (an attempt without a
    seed, from an app older than the draw, possible only when every question is shown)
    every question in the order it names."""
    if attempt.seed is not None:
        return drawn_questions(evaluation, attempt.seed)
    by_id = {q.id: q for q in evaluation.questions}
    return [by_id[question_id] for question_id in attempt.question_order if question_id in by_id]


def attempt_problem(evaluation: Evaluation, attempt: AttemptSubmitted) -> Message | None:
    """Why the server refuses the attempt's questions, or None when they are its draw.

    Its ``question_order`` must be exactly what its seed draws (without a seed: every
    question of an evaluation that shows them all, each once), and its answers may name
    only those questions."""
    version = attempt.package_version
    if attempt.seed is not None:
        expected = [q.id for q in drawn_questions(evaluation, attempt.seed)]
        if attempt.question_order != expected:
            return msg(Code.SYNC_QUESTIONS_NOT_DRAWN, version=version)
    else:
        every = sorted(q.id for q in evaluation.questions)
        shown = evaluation.questions_per_attempt or len(every)
        if shown < len(every) or sorted(attempt.question_order) != every:
            return msg(Code.SYNC_QUESTIONS_NOT_DRAWN, version=version)
    outside = sorted(set(attempt.answers) - set(attempt.question_order))
    if outside:
        return msg(Code.SYNC_ANSWER_NOT_DRAWN, question=outside[0], version=version)
    return None


def grade_attempt(evaluation: Evaluation, attempt: AttemptSubmitted) -> Grade:
    """The attempt's raw score over the questions drawn for it (the server's copy, with
    keys). Check :func:`attempt_problem` first."""
    return grade(attempt_questions(evaluation, attempt), attempt.answers)
