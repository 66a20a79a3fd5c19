"""Small, synthetic course packages and journal events for unit tests.

The synthetic package has 5 materials (1 policy + 4 learning), each with one
sub-material holding: video (required, 2 trophies), reading (required, 2), practice quiz
(required, 4 trophies, 4 questions) and reflection (optional, 2). Total 50.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    ActivityCompletedEvent,
    AttemptSubmitted,
    AttemptSubmittedEvent,
    CoursePackage,
    GradedAttempt,
    PracticeGraded,
    PracticeGradedEvent,
    WelcomeWatched,
    WelcomeWatchedEvent,
)
from latsar_desktop.domain.scoring import capped_score, raw_score

DEVICE = uuid.UUID("00000000-0000-4000-8000-000000000001")
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
_seq = itertools.count(1)


def _question(qid: str) -> dict[str, Any]:
    return {
        "id": qid,
        "text": f"Soal {qid}?",
        "choices": [{"id": "a", "text": "Benar"}, {"id": "b", "text": "Salah"}],
        "answer": "a",
    }


def package_dict(**rules: Any) -> dict[str, Any]:
    materials = []
    for m in range(5):
        prefix = f"m{m}"
        materials.append(
            {
                "id": prefix,
                "kind": "policy" if m == 0 else "learning",
                "title": f"Materi {m}",
                "sub_materials": [
                    {
                        "id": f"{prefix}s1",
                        "title": f"Sub-materi {m}.1",
                        "activities": [
                            {
                                "id": f"{prefix}-video",
                                "kind": "video",
                                "title": "Video",
                                "required": True,
                                "trophies": 2,
                            },
                            {
                                "id": f"{prefix}-read",
                                "kind": "reading",
                                "title": "Modul",
                                "required": True,
                                "trophies": 2,
                            },
                            {
                                "id": f"{prefix}-quiz",
                                "kind": "practice_quiz",
                                "title": "Latihan",
                                "required": True,
                                "trophies": 4,
                                "questions": [_question(f"{prefix}-q{i}") for i in range(4)],
                            },
                            {
                                "id": f"{prefix}-refl",
                                "kind": "reflection",
                                "title": "Refleksi",
                                "required": False,
                                "trophies": 2,
                                "prompt": "Apa yang Anda pelajari?",
                            },
                        ],
                    }
                ],
            }
        )
    return {
        "course_id": "latsar-test",
        "version": 1,
        "title": "Kursus Uji",
        "welcome_video": {
            "id": "welcome",
            "kind": "video",
            "title": "Video Sambutan",
            "required": True,
            "trophies": 0,
        },
        "materials": materials,
        "evaluation": {
            "id": "evaluasi",
            "title": "Evaluasi Akademik",
            "time_limit_seconds": 1800,
            "questions": [_question(f"e{i}") for i in range(20)],
        },
        "rules": rules,
    }


def package(**rules: Any) -> CoursePackage:
    return CoursePackage.model_validate(package_dict(**rules))


def _envelope() -> dict[str, Any]:
    return {"id": uuid.uuid4(), "device_id": DEVICE, "seq": next(_seq), "at": NOW}


def welcome() -> WelcomeWatchedEvent:
    return WelcomeWatchedEvent(**_envelope(), payload=WelcomeWatched(package_version=1))


def completed(activity_id: str) -> ActivityCompletedEvent:
    return ActivityCompletedEvent(
        **_envelope(), payload=ActivityCompleted(activity_id=activity_id, package_version=1)
    )


def practice(activity_id: str, correct: int, total: int = 4) -> PracticeGradedEvent:
    answers = {f"q{i}": "a" for i in range(total)}
    return PracticeGradedEvent(
        **_envelope(),
        payload=PracticeGraded(
            activity_id=activity_id,
            package_version=1,
            answers=answers,
            correct=correct,
            total=total,
            score=raw_score(correct, total),
        ),
    )


def attempt() -> AttemptSubmittedEvent:
    return AttemptSubmittedEvent(
        **_envelope(),
        payload=AttemptSubmitted(
            attempt_id=uuid.uuid4(),
            package_version=1,
            question_order=["e0"],
            answers={"e0": "a"},
            elapsed_seconds=600,
            started_at=NOW,
        ),
    )


def graded(number: int, raw: str) -> GradedAttempt:
    value = Decimal(raw)
    return GradedAttempt(
        attempt_id=uuid.uuid4(),
        number=number,
        package_version=1,
        raw_score=value,
        cap=capped_score(Decimal(100), number),
        score=capped_score(value, number),
        graded_at=NOW,
    )
