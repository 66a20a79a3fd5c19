"""Where the demo course lives and what was authored: the course source and participants."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from latsar_desktop.domain.identity import identity_warnings, parse_nik, parse_nip
from latsar_desktop.domain.messages import DomainError
from latsar_desktop.domain.protocol import CoursePackage

ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = ROOT / "resources" / "demo_course"
SOURCES_DIR = DEMO_DIR / "sources"
MODULES_DIR = SOURCES_DIR / "modules"
COURSE_SOURCE = SOURCES_DIR / "course.json"
CONTENT_DIR = DEMO_DIR / "content"
PACKAGE_PATH = DEMO_DIR / "package.json"
PACKAGE_200_PATH = DEMO_DIR / "package-200.json"
PARTICIPANTS_PATH = DEMO_DIR / "participants.csv"

DISCLAIMER = "Ringkasan untuk kursus demo Latsar Desktop; bukan bahan ajar resmi LAN."
LARGE_CLIP = "video-kebijakan-1.mp4"  # the clip of about 1 MB for download/resume tests


def demo_dir() -> Path:
    return DEMO_DIR


def content_dir() -> Path:
    """Where the content files live; ContentRef.name is relative to it."""
    return CONTENT_DIR


def package_path() -> Path:
    return PACKAGE_PATH


def package_200_path() -> Path:
    return PACKAGE_200_PATH


def load_sources() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(COURSE_SOURCE.read_text(encoding="utf-8"))
    return data


# --------------------------------------------------------------------------------------
# Demo participants


def participants() -> list[dict[str, str]]:
    """The demo participants: nip, nik, name, agency, course."""
    with PARTICIPANTS_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def participant_problems(package: CoursePackage) -> list[str]:
    problems = []
    rows = participants()
    if not rows:
        return ["participants.csv: no participants"]
    if len({row["nip"] for row in rows}) != len(rows):
        problems.append("participants.csv: duplicate NIP")
    for row in rows:
        try:
            nip, nik = parse_nip(row["nip"]), parse_nik(row["nik"])
        except DomainError as exc:
            problems.append(f"participants.csv: {row['name']}: {exc}")
            continue
        if identity_warnings(nip, nik):
            problems.append(f"participants.csv: {row['name']}: birth dates disagree")
        if (row["nip"][14] == "2") != nik.female:
            problems.append(f"participants.csv: {row['name']}: NIP gender digit vs NIK day")
        if row["course"] != package.course_id:
            problems.append(f"participants.csv: {row['name']}: course {row['course']!r}")
    return problems
