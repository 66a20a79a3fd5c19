"""Grading answers against keys: practice quizzes on the device, the evaluation on the server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from latsar_desktop.domain.protocol import Question
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
