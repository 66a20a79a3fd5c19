"""Assembling the package from the sources and the content files, and checking it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from latsar_desktop.domain.course import parse_package
from latsar_desktop.domain.protocol import ActivityKind, ContentRef, CoursePackage
from tools.demo_course.sources import CONTENT_DIR, LARGE_CLIP, PACKAGE_PATH, load_sources

CHOICE_IDS = ("a", "b", "c", "d", "e")
MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".html": "text/html",
    ".pdf": "application/pdf",
}
# Activity ids are "<sub-material id>-<suffix>", in this order within a sub-material.
SUFFIXES = {
    ActivityKind.VIDEO: "video",
    ActivityKind.READING: "modul",
    ActivityKind.PRACTICE_QUIZ: "latihan",
    ActivityKind.REFLECTION: "refleksi",
}
TITLE_PREFIXES = {
    ActivityKind.VIDEO: "Video microlearning",
    ActivityKind.READING: "Modul",
    ActivityKind.PRACTICE_QUIZ: "Latihan soal",
    ActivityKind.REFLECTION: "Refleksi",
}
VARIANT_QUESTIONS = 200


def content_ref(name: str) -> ContentRef:
    """The reference to ``content/<name>``, with its hash, size and media type."""
    path = CONTENT_DIR / name
    data = path.read_bytes()
    return ContentRef(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        media_type=MEDIA_TYPES[path.suffix],
        name=name,
    )


def _questions(prefix: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    questions = []
    for number, item in enumerate(items, start=1):
        texts: list[str] = item["choices"]
        if len(texts) > len(CHOICE_IDS):
            raise ValueError(f"{prefix}-{number:02d}: at most {len(CHOICE_IDS)} choices")
        ids = CHOICE_IDS[: len(texts)]
        choices = [{"id": cid, "text": text} for cid, text in zip(ids, texts, strict=True)]
        questions.append(
            {
                "id": f"{prefix}-{number:02d}",
                "text": item["text"],
                "choices": choices,
                "answer": item["answer"],
            }
        )
    return questions


def _sub_material(source: dict[str, Any], link_base: str) -> dict[str, Any]:
    sub_id: str = source["id"]
    title: str = source["title"]
    activities: list[dict[str, Any]] = []
    for kind, key in (
        (ActivityKind.VIDEO, "video"),
        (ActivityKind.READING, "reading"),
        (ActivityKind.PRACTICE_QUIZ, "practice"),
        (ActivityKind.REFLECTION, "reflection"),
    ):
        spec = source.get(key)
        if spec is None:
            continue
        activity_id = f"{sub_id}-{SUFFIXES[kind]}"
        activity: dict[str, Any] = {
            "id": activity_id,
            "kind": kind.value,
            "title": f"{TITLE_PREFIXES[kind]}: {title}",
            "required": spec["required"],
            "trophies": spec["trophies"],
        }
        if kind is ActivityKind.VIDEO:
            activity["content"] = content_ref(spec["file"])
            activity["url"] = f"{link_base}{activity_id}"
        elif kind is ActivityKind.READING:
            activity["content"] = content_ref(source["module"])
        elif kind is ActivityKind.PRACTICE_QUIZ:
            activity["questions"] = _questions(activity_id, spec["questions"])
        else:
            activity["prompt"] = spec["prompt"]
        activities.append(activity)
    return {"id": sub_id, "title": title, "activities": activities}


def package_dict(sources: dict[str, Any] | None = None) -> dict[str, Any]:
    """The package as plain data (content references filled in from the files)."""
    src = load_sources() if sources is None else sources
    link_base: str = src["link_base"]
    welcome = src["welcome_video"]
    evaluation = src["evaluation"]
    return {
        "course_id": src["course_id"],
        "version": src["version"],
        "title": src["title"],
        "welcome_video": {
            "id": welcome["id"],
            "kind": ActivityKind.VIDEO.value,
            "title": welcome["title"],
            "required": welcome["required"],
            "trophies": welcome["trophies"],
            "content": content_ref(welcome["file"]),
            "url": f"{link_base}{welcome['id']}",
        },
        "materials": [
            {
                "id": material["id"],
                "kind": material["kind"],
                "title": material["title"],
                "sub_materials": [
                    _sub_material(sub, link_base) for sub in material["sub_materials"]
                ],
            }
            for material in src["materials"]
        ],
        "evaluation": {
            "id": evaluation["id"],
            "title": evaluation["title"],
            "time_limit_seconds": evaluation["time_limit_seconds"],
            "questions_per_attempt": evaluation["questions_per_attempt"],
            "questions": evaluation_bank(evaluation),
        },
        "rules": src["rules"],
    }


def evaluation_bank(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """The evaluation's question bank: ``bank_size`` questions ``ev-001`` .. ``ev-200``.

    The authored questions (20) used in rounds (ten), each round with the choices rotated so
    the keys move; each text ends with its number, "(butir 137)". Each attempt draws
    ``questions_per_attempt`` (20) of them.
    """
    base: list[dict[str, Any]] = evaluation["questions"]
    size: int = evaluation["bank_size"]
    items = []
    for index in range(size):
        item = base[index % len(base)]
        shift = (index // len(base)) % len(item["choices"])
        choices = list(item["choices"])
        rotated = choices[shift:] + choices[:shift]
        answer_text = choices[CHOICE_IDS.index(item["answer"])]
        items.append(
            {
                "text": f"{item['text']} (butir {index + 1})",
                "choices": rotated,
                "answer": CHOICE_IDS[rotated.index(answer_text)],
            }
        )
    return [
        {**question, "id": f"ev-{number:03d}"}
        for number, question in enumerate(_questions("ev", items), start=1)
    ]


def build_package() -> CoursePackage:
    """The demo course package, validated by the domain's rules (raises DomainError)."""
    return parse_package(package_dict())


def build_variant_200() -> CoursePackage:
    """The demo package for tests: every attempt shows all 200 questions of the bank and
    is graded at once (no daily limit), for exact raw scores (191 of 200 → 95.50) and for
    many attempts in one day.

    Same course id, version, activities and question bank as the demo package, so it can
    stand in for it; only ``questions_per_attempt`` and ``max_graded_per_day`` are unset.
    """
    data = package_dict()
    data["title"] = f"{data['title']} (varian uji: {VARIANT_QUESTIONS} soal, tanpa batas harian)"
    data["evaluation"]["questions_per_attempt"] = None
    data["rules"] = {**data["rules"], "max_graded_per_day": None}
    package = parse_package(data)
    assert len(package.evaluation.questions) == VARIANT_QUESTIONS
    return package


def package_json(package: CoursePackage) -> str:
    """The committed form of a package: pretty JSON, keys in model order, final newline."""
    return package.model_dump_json(indent=2) + "\n"


def load_package(path: Path = PACKAGE_PATH) -> CoursePackage:
    """The committed package, parsed and validated like the server does."""
    return parse_package(path.read_bytes())


def content_refs(package: CoursePackage) -> list[ContentRef]:
    """Every content reference of a package, welcome video first, in course order."""
    return package.content_refs()


def content_files(package: CoursePackage | None = None) -> dict[str, Path]:
    """SHA-256 → file in :func:`content_dir`, for every content file of the package."""
    pkg = build_package() if package is None else package
    return {ref.sha256: CONTENT_DIR / ref.name for ref in content_refs(pkg)}


def large_clip() -> ContentRef:
    """The ~1 MB clip (for download, progress and resume tests)."""
    return content_ref(LARGE_CLIP)


def content_problems(package: CoursePackage) -> list[str]:
    """Faults between the package's content references and the files in content/."""
    problems = []
    names = set()
    for ref in content_refs(package):
        names.add(ref.name)
        path = CONTENT_DIR / ref.name
        if "/" in ref.name or "\\" in ref.name:
            problems.append(f"{ref.name}: content names are plain file names")
        if not path.is_file():
            problems.append(f"{ref.name}: missing from {CONTENT_DIR}")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != ref.sha256:
            problems.append(f"{ref.name}: SHA-256 differs from the package")
        if len(data) != ref.size:
            problems.append(f"{ref.name}: size {len(data)} != {ref.size} in the package")
        if MEDIA_TYPES.get(path.suffix) != ref.media_type:
            problems.append(f"{ref.name}: media type {ref.media_type} does not fit the name")
    for path in sorted(CONTENT_DIR.iterdir()):
        if path.name not in names:
            problems.append(f"{path.name}: in content/ but not referenced by the package")
    return problems
