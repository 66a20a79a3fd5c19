"""Validation of a course package beyond its shape: the rules that make it coherent."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.protocol import (
    ActivityKind,
    CapBand,
    CoursePackage,
    Question,
    Rules,
    unknown_fields,
)


def parse_package(
    data: Mapping[str, Any] | str | bytes, *, with_keys: bool = False, strict: bool = True
) -> CoursePackage:
    """Parse and validate a package (a dict or JSON text); raise DomainError naming each fault.

    ``strict`` (the default: a package someone wrote, as the server's import reads it) also
    refuses fields the models do not know, such as a misspelt one the lenient models would
    ignore. The client reads the package the server serves leniently, with the model itself.
    """
    try:
        if isinstance(data, str | bytes):
            package = CoursePackage.model_validate_json(data)
        else:
            package = CoursePackage.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "-"
        raise DomainError(
            msg(Code.COURSE_MALFORMED, where=where, problem=first["msg"], count=exc.error_count())
        ) from exc
    if strict:
        unknown = unknown_fields(
            package, json.loads(data) if isinstance(data, str | bytes) else data
        )
        if unknown:
            where = ".".join(str(part) for part in unknown[0])
            problem = "Extra inputs are not permitted"  # pydantic's words for extra="forbid"
            raise DomainError(
                msg(Code.COURSE_MALFORMED, where=where, problem=problem, count=len(unknown))
            )
    return require_valid(package, with_keys=with_keys)


def package_problems(package: CoursePackage, *, with_keys: bool = False) -> list[Message]:
    """Every coherence fault of a well-shaped package; empty when it is valid.

    ``with_keys``: the server's copy, whose evaluation questions must all have keys.
    """
    problems: list[Message] = []
    problems += _duplicate_ids(package)
    problems += cap_table_problems(package.rules.cap_table)
    problems += _threshold_problems(package.rules)
    problems += _content_name_problems(package)
    total = package.welcome_video.trophies + sum(a.trophies for _, a in package.activities())
    if total != package.rules.max_trophies:
        problems.append(
            msg(Code.COURSE_TROPHY_TOTAL_MISMATCH, total=total, maximum=package.rules.max_trophies)
        )
    for _, activity in package.activities():
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            if not activity.questions:
                problems.append(msg(Code.COURSE_PRACTICE_WITHOUT_QUESTIONS, id=activity.id))
            problems += _key_problems(activity.questions, require_key=True)
    if not package.evaluation.questions:
        problems.append(msg(Code.COURSE_EVALUATION_WITHOUT_QUESTIONS))
    drawn, bank = package.evaluation.questions_per_attempt, len(package.evaluation.questions)
    if drawn is not None and drawn > bank:
        problems.append(msg(Code.COURSE_TOO_FEW_QUESTIONS, drawn=drawn, questions=bank))
    if not time_zone_is_valid(package.rules.time_zone):
        problems.append(msg(Code.COURSE_BAD_TIME_ZONE, zone=_shown(package.rules.time_zone)))
    problems += _key_problems(package.evaluation.questions, require_key=with_keys)
    return problems


def time_zone_is_valid(name: str) -> bool:
    """True for an IANA time zone name this computer knows ("Asia/Jakarta")."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, or not a zone key at all
        return False
    return True


# A content file name is looked up beside the package (``content/<name>``) on import: it
# must be one plain file name, never a path. Linux allows 255 bytes per name.
MAX_CONTENT_NAME_BYTES = 255


def content_name_is_plain(name: str) -> bool:
    """True for one plain file name: no folder part, no drive, no control characters."""
    return (
        bool(name)
        and name not in (".", "..")
        and ".." not in name
        and not any(c in name for c in "/\\:")
        and not any(unicodedata.category(c) == "Cc" for c in name)
        and name.strip() == name
        and len(name.encode("utf-8", "surrogatepass")) <= MAX_CONTENT_NAME_BYTES
    )


def _shown(name: str, limit: int = 200) -> str:
    """The name as text an operator can read: control characters escaped, long ones cut."""
    text = "".join(c if unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _content_name_problems(package: CoursePackage) -> list[Message]:
    return [
        msg(Code.COURSE_BAD_CONTENT_NAME, id=activity.id, name=_shown(activity.content.name))
        for activity in [package.welcome_video, *(a for _, a in package.activities())]
        if activity.content is not None and not content_name_is_plain(activity.content.name)
    ]


def _duplicate_ids(package: CoursePackage) -> list[Message]:
    ids: list[str] = [package.welcome_video.id]
    for material in package.materials:
        ids.append(material.id)
        for sub in material.sub_materials:
            ids.append(sub.id)
            ids.extend(a.id for a in sub.activities)
    ids.append(package.evaluation.id)
    question_ids = [q.id for q in package.evaluation.questions]
    for _, activity in package.activities():
        question_ids.extend(q.id for q in activity.questions)
    return [
        msg(Code.COURSE_DUPLICATE_ID, id=item, count=count)
        for item, count in sorted((Counter(ids) + Counter(question_ids)).items())
        if count > 1
    ]


def _key_problems(questions: Iterable[Question], *, require_key: bool) -> list[Message]:
    problems = []
    for question in questions:
        choice_ids = [c.id for c in question.choices]
        if len(set(choice_ids)) != len(choice_ids):
            problems.append(msg(Code.COURSE_DUPLICATE_CHOICE, question=question.id))
        if question.answer is None:
            if require_key:
                problems.append(msg(Code.COURSE_BAD_ANSWER_KEY, id=question.id))
        elif question.answer not in choice_ids:
            problems.append(msg(Code.COURSE_BAD_ANSWER_KEY, id=question.id))
    return problems


def cap_table_problems(table: list[CapBand]) -> list[Message]:
    """A cap table must start at attempt 1, have no holes or overlaps, end open, never rise."""
    if not table:
        return [msg(Code.COURSE_CAP_TABLE_EMPTY)]
    problems: list[Message] = []
    expected_first = 1
    previous_cap: Decimal | None = None
    for index, band in enumerate(table):
        if not Decimal(0) < band.cap <= Decimal(100):
            problems.append(msg(Code.COURSE_CAP_OUT_OF_RANGE, cap=band.cap))
        if band.last_attempt is not None and band.last_attempt < band.first_attempt:
            problems.append(msg(Code.COURSE_CAP_TABLE_OVERLAP, attempt=band.first_attempt))
        if band.first_attempt > expected_first:
            problems.append(
                msg(Code.COURSE_CAP_TABLE_HOLE, first=expected_first, last=band.first_attempt - 1)
            )
        elif band.first_attempt < expected_first:
            problems.append(msg(Code.COURSE_CAP_TABLE_OVERLAP, attempt=band.first_attempt))
        if previous_cap is not None and band.cap > previous_cap:
            problems.append(
                msg(Code.COURSE_CAP_TABLE_RISING, attempt=band.first_attempt, cap=band.cap)
            )
        previous_cap = band.cap
        if band.last_attempt is None:
            if index != len(table) - 1:
                problems.append(msg(Code.COURSE_CAP_TABLE_OVERLAP, attempt=band.first_attempt))
            break
        expected_first = max(expected_first, band.last_attempt + 1)
    else:
        problems.append(msg(Code.COURSE_CAP_TABLE_NOT_OPEN_ENDED, last=expected_first - 1))
    return problems


def _threshold_problems(rules: Rules) -> list[Message]:
    problems = []
    for code, value in (
        (Code.COURSE_UNLOCK_ABOVE_MAXIMUM, rules.unlock_trophies),
        (Code.COURSE_PASS_ABOVE_MAXIMUM, rules.pass_trophies),
    ):
        if value > rules.max_trophies:
            problems.append(msg(code, value=value, maximum=rules.max_trophies))
    if rules.unlock_trophies > rules.pass_trophies:
        problems.append(
            msg(
                Code.COURSE_UNLOCK_ABOVE_PASS,
                unlock=rules.unlock_trophies,
                passing=rules.pass_trophies,
            )
        )
    if not Decimal(0) <= rules.passing_score <= Decimal(100):
        problems.append(msg(Code.COURSE_PASSING_SCORE_OUT_OF_RANGE, score=rules.passing_score))
    return problems


def require_valid(package: CoursePackage, *, with_keys: bool = False) -> CoursePackage:
    """The package itself, or DomainError naming every coherence fault."""
    problems = package_problems(package, with_keys=with_keys)
    if problems:
        raise DomainError(*problems)
    return package
