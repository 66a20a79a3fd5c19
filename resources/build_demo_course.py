"""Build and check the demo course in ``resources/demo_course/``.

Usage (with the project's environment, e.g. ``.venv/bin/python``)::

    python resources/build_demo_course.py               # render modules, write the packages
    python resources/build_demo_course.py --check       # verify the committed files
    python resources/build_demo_course.py --make-media  # regenerate the clips (ffmpeg) and PDF

Sources live in ``demo_course/sources/``: ``course.json`` (structure, trophies, questions
with their keys) and ``modules/<sub-material id>.txt`` (module texts in a tiny markup).
The content files in ``demo_course/content/`` are committed: the HTML modules are rendered
by the default build, the clips and the PDF module only by ``--make-media`` (ffmpeg is
needed only there; the app and the tests never need it).

The evaluation is a bank of 200 questions; each attempt draws 20 of them, and the course
grades at most 5 attempts per participant a day. ``package-200.json`` is the same course for
tests, showing all 200 questions per attempt with no daily limit.

Other code imports this module (``resources.build_demo_course``) for :func:`build_package`,
:func:`build_variant_200`, :func:`content_dir`, :func:`content_files`, :func:`participants`
and :data:`RECIPES` (the activities that lead to 27, 28, 31 and 32 trophies).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from latsar_desktop.domain.course import parse_package
from latsar_desktop.domain.identity import identity_warnings, parse_nik, parse_nip
from latsar_desktop.domain.messages import DomainError
from latsar_desktop.domain.progress import practice_trophies
from latsar_desktop.domain.protocol import (
    Activity,
    ActivityKind,
    ContentRef,
    CoursePackage,
)
from latsar_desktop.domain.scoring import raw_score

DEMO_DIR = Path(__file__).resolve().parent / "demo_course"
SOURCES_DIR = DEMO_DIR / "sources"
MODULES_DIR = SOURCES_DIR / "modules"
COURSE_SOURCE = SOURCES_DIR / "course.json"
CONTENT_DIR = DEMO_DIR / "content"
PACKAGE_PATH = DEMO_DIR / "package.json"
PACKAGE_200_PATH = DEMO_DIR / "package-200.json"
PARTICIPANTS_PATH = DEMO_DIR / "participants.csv"
README_PATH = DEMO_DIR / "README.md"

COURSE_ID = "latsar-pppk-2026"
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
DISCLAIMER = "Ringkasan untuk kursus demo Latsar Desktop; bukan bahan ajar resmi LAN."
LARGE_CLIP = "video-kebijakan-1.mp4"  # the clip of about 1 MB for download/resume tests
VARIANT_QUESTIONS = 200


def demo_dir() -> Path:
    return DEMO_DIR


def content_dir() -> Path:
    """Where the content files live; ContentRef.name is relative to it."""
    return CONTENT_DIR


def package_path() -> Path:
    return PACKAGE_PATH


def package_200_path() -> Path:
    return PACKAGE_200_PATH


# --------------------------------------------------------------------------------------
# Assembling the package


def load_sources() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(COURSE_SOURCE.read_text(encoding="utf-8"))
    return data


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


# --------------------------------------------------------------------------------------
# Modules: a tiny markup rendered to HTML (default build) and to PDF (--make-media)
#
#   # Title            ## Heading          - list item (indented lines continue it)
#   > note box         **bold**            blank line: end of paragraph/list/note


@dataclass(frozen=True)
class Block:
    kind: Literal["h1", "h2", "p", "ul", "note"]
    texts: tuple[str, ...]


def parse_module(text: str) -> list[Block]:
    blocks: list[Block] = []
    kind: Literal["p", "ul", "note"] | None = None
    lines: list[str] = []

    def flush() -> None:
        nonlocal kind, lines
        if kind is not None and lines:
            texts = tuple(lines) if kind == "ul" else (" ".join(lines),)
            blocks.append(Block(kind, texts))
        kind, lines = None, []

    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(Block("h2", (line[3:].strip(),)))
        elif line.startswith("# "):
            flush()
            blocks.append(Block("h1", (line[2:].strip(),)))
        elif line.startswith("- "):
            if kind != "ul":
                flush()
                kind = "ul"
            lines.append(line[2:].strip())
        elif line.startswith(">"):
            if kind != "note":
                flush()
                kind = "note"
            lines.append(line[1:].strip())
        elif kind == "ul" and raw.startswith("  "):
            lines[-1] = f"{lines[-1]} {line.strip()}"
        else:
            if kind != "p":
                flush()
                kind = "p"
            lines.append(line.strip())
    flush()
    return blocks


def _inline(text: str, bold: str) -> str:
    escaped = html.escape(text, quote=False)
    return re.sub(r"\*\*(.+?)\*\*", rf"<{bold}>\1</{bold}>", escaped)


def module_source(sub_id: str) -> list[Block]:
    return parse_module((MODULES_DIR / f"{sub_id}.txt").read_text(encoding="utf-8"))


_HTML_STYLE = (
    "body { font-family: sans-serif; line-height: 1.5; margin: 1em 2em; color: #202124; }\n"
    "h1 { font-size: 1.5em; color: #0b3d91; }\n"
    "h2 { font-size: 1.15em; color: #0b3d91; margin-top: 1.2em; }\n"
    ".agenda { color: #5f6368; font-size: 0.9em; margin-bottom: 0; }\n"
    ".catatan { background: #e8f0fe; border-left: 4px solid #0b3d91; padding: 0.5em 1em; }\n"
    ".kaki { color: #5f6368; font-size: 0.8em; }\n"
)


def render_module_html(blocks: Iterable[Block], material_title: str) -> str:
    blocks = list(blocks)
    title = next(b.texts[0] for b in blocks if b.kind == "h1")
    out = [
        "<!DOCTYPE html>",
        '<html lang="id">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>\n{_HTML_STYLE}</style>",
        "</head>",
        "<body>",
        f'<p class="agenda">{html.escape(material_title)}</p>',
    ]
    for block in blocks:
        if block.kind in ("h1", "h2", "p"):
            out.append(f"<{block.kind}>{_inline(block.texts[0], 'strong')}</{block.kind}>")
        elif block.kind == "note":
            out.append(f'<p class="catatan">{_inline(block.texts[0], "strong")}</p>')
        else:
            out.append("<ul>")
            out.extend(f"<li>{_inline(text, 'strong')}</li>" for text in block.texts)
            out.append("</ul>")
    out += ["<hr>", f'<p class="kaki">{html.escape(DISCLAIMER)}</p>', "</body>", "</html>", ""]
    return "\n".join(out)


def render_module_pdf(blocks: Iterable[Block], material_title: str) -> bytes:
    """The module as an A4 PDF; byte-stable for one reportlab version (invariant=1)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    blocks = list(blocks)
    title = next(b.texts[0] for b in blocks if b.kind == "h1")
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=15)
    agenda = ParagraphStyle("agenda", parent=body, textColor=colors.HexColor("#5f6368"))
    h1 = ParagraphStyle("h1", parent=styles["Title"], alignment=0, fontSize=18, leading=22)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], textColor=colors.HexColor("#0b3d91"))
    note = ParagraphStyle(
        "note",
        parent=body,
        backColor=colors.HexColor("#e8f0fe"),
        borderColor=colors.HexColor("#0b3d91"),
        borderWidth=0.5,
        borderPadding=6,
        spaceBefore=8,
        spaceAfter=8,
    )
    story: list[Any] = [Paragraph(html.escape(material_title), agenda)]
    for block in blocks:
        if block.kind == "h1":
            story.append(Paragraph(_inline(block.texts[0], "b"), h1))
        elif block.kind == "h2":
            story.append(Paragraph(_inline(block.texts[0], "b"), h2))
        elif block.kind == "p":
            story.append(Paragraph(_inline(block.texts[0], "b"), body))
        elif block.kind == "note":
            story += [Spacer(1, 4), Paragraph(_inline(block.texts[0], "b"), note)]
        else:
            items = [ListItem(Paragraph(_inline(t, "b"), body)) for t in block.texts]
            story.append(ListFlowable(items, bulletType="bullet", start="\u2022", leftIndent=14))

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.HexColor("#5f6368"))
        canvas.drawString(20 * mm, 12 * mm, DISCLAIMER)
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, f"Halaman {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=title,
        author="Latsar Desktop (kursus demo)",
        subject=material_title,
        creator="resources/build_demo_course.py",
        invariant=1,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def modules() -> list[tuple[str, str, str]]:
    """(sub-material id, module file name, material title) for every sub-material."""
    return [
        (sub["id"], sub["module"], material["title"])
        for material in load_sources()["materials"]
        for sub in material["sub_materials"]
    ]


def rendered_html_modules() -> dict[str, str]:
    """File name → HTML text of every HTML module, as the default build writes them."""
    out = {}
    for sub_id, name, material_title in modules():
        if name.endswith(".html"):
            out[name] = render_module_html(module_source(sub_id), material_title)
    return out


def rendered_pdf_modules() -> dict[str, bytes]:
    out = {}
    for sub_id, name, material_title in modules():
        if name.endswith(".pdf"):
            out[name] = render_module_pdf(module_source(sub_id), material_title)
    return out


# --------------------------------------------------------------------------------------
# Clips (--make-media only; ffmpeg from Debian)


@dataclass(frozen=True)
class Clip:
    name: str
    source: str  # an ffmpeg lavfi video source
    seconds: int
    tone: int | None = None  # Hz of a sine audio track
    size: str = "160x120"
    bitrate: str | None = None  # constant-ish bitrate (the large clip); else a quality


CLIPS: tuple[Clip, ...] = (
    Clip("video-sambutan.mp4", "testsrc2", 4, tone=440, size="320x180"),
    Clip(LARGE_CLIP, "testsrc2", 8, tone=523, size="320x240", bitrate="950k"),
    Clip("video-kebijakan-2.webm", "smptebars", 3, tone=660),
    Clip("video-bela-negara-1.mp4", "testsrc", 3),
    Clip("video-bela-negara-2.webm", "smptehdbars", 3),
    Clip("video-bela-negara-3.mp4", "rgbtestsrc", 2, tone=392),
    Clip("video-berakhlak-1.webm", "testsrc", 3),
    Clip("video-berakhlak-2.mp4", "pal75bars", 3),
    Clip("video-berakhlak-3.webm", "yuvtestsrc", 3, tone=330),
    Clip("video-smart-governance-1.mp4", "testsrc2", 4),
    Clip("video-smart-governance-2.webm", "smptebars", 2),
    Clip("video-manajemen-asn-1.mp4", "smptehdbars", 3, tone=494),
    Clip("video-manajemen-asn-2.webm", "testsrc", 3),
)
# webm clips alternate VP9 (with Opus) and VP8 (with Vorbis); mp4 clips are H.264 (AAC).
VP9_CLIPS = {"video-kebijakan-2.webm", "video-berakhlak-1.webm", "video-smart-governance-2.webm"}


def ffmpeg_command(clip: Clip, output: Path) -> list[str]:
    video = f"{clip.source}=duration={clip.seconds}:size={clip.size}:rate=25"
    if clip.bitrate is not None:
        video += ",noise=alls=20:allf=t"  # noise keeps the bitrate (and size) up
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", video]
    if clip.tone is not None:
        command += ["-f", "lavfi", "-i", f"sine=frequency={clip.tone}:duration={clip.seconds}"]
    command += ["-threads", "1", "-pix_fmt", "yuv420p"]
    if clip.name.endswith(".mp4"):
        command += ["-c:v", "libx264", "-preset", "medium"]
        if clip.bitrate is not None:
            command += ["-b:v", clip.bitrate, "-maxrate", clip.bitrate, "-bufsize", "1900k"]
        else:
            command += ["-crf", "30"]
        command += ["-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart"]
    elif clip.name in VP9_CLIPS:
        command += ["-c:v", "libvpx-vp9", "-b:v", "100k", "-row-mt", "0"]
        command += ["-c:a", "libopus", "-b:a", "24k"]
    else:
        command += ["-c:v", "libvpx", "-b:v", "100k", "-c:a", "libvorbis", "-q:a", "0"]
    if clip.tone is not None:
        command.append("-shortest")
    command += ["-fflags", "+bitexact", "-map_metadata", "-1", str(output)]
    return command


def make_media() -> None:
    """Regenerate the clips (ffmpeg) and the PDF module(s) into content/."""
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is needed for --make-media (apt-get install -y ffmpeg)")
    CONTENT_DIR.mkdir(parents=True, exist_ok=True)
    for clip in CLIPS:
        subprocess.run(ffmpeg_command(clip, CONTENT_DIR / clip.name), check=True)
        print(f"{clip.name}: {(CONTENT_DIR / clip.name).stat().st_size} bytes")
    for name, data in rendered_pdf_modules().items():
        (CONTENT_DIR / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


# --------------------------------------------------------------------------------------
# Trophy recipes: which activities lead to 27, 28, 31 (all required done) and 32


@dataclass(frozen=True)
class Step:
    """Complete ``activity_id``; for a practice quiz, grade it with ``correct`` right answers."""

    activity_id: str
    correct: int | None = None


@dataclass(frozen=True)
class Group:
    label: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    based_on: str | None
    groups: tuple[Group, ...]
    trophies: int
    complete: bool  # every required activity done
    unlocked: bool  # evaluation unlocked (trophies >= 28)
    enough_to_pass: bool  # trophies >= 32 and complete

    def own_steps(self) -> list[Step]:
        return [step for group in self.groups for step in group.steps]


def _ids(*ids: str) -> tuple[Step, ...]:
    return tuple(Step(activity_id) for activity_id in ids)


_SUBS = (
    "kebijakan-1",
    "kebijakan-2",
    "bela-negara-1",
    "bela-negara-2",
    "bela-negara-3",
    "berakhlak-1",
    "berakhlak-2",
    "berakhlak-3",
    "smart-governance-1",
    "smart-governance-2",
    "manajemen-asn-1",
    "manajemen-asn-2",
)
_REFLECTION_SUBS = (
    "kebijakan-1",
    "kebijakan-2",
    "bela-negara-3",
    "berakhlak-3",
    "smart-governance-1",
    "smart-governance-2",
    "manajemen-asn-1",
    "manajemen-asn-2",
)
_QUIZ_SIZES = {
    "kebijakan-1-latihan": 4,
    "kebijakan-2-latihan": 4,
    "bela-negara-1-latihan": 3,
    "bela-negara-2-latihan": 5,
    "bela-negara-3-latihan": 3,
    "berakhlak-1-latihan": 5,
    "berakhlak-2-latihan": 3,
    "berakhlak-3-latihan": 5,
    "smart-governance-1-latihan": 4,
    "smart-governance-2-latihan": 4,
    "manajemen-asn-1-latihan": 4,
    "manajemen-asn-2-latihan": 4,
}
_LOW_QUIZZES = tuple(Step(quiz, 2 if quiz.startswith("kebijakan-") else 1) for quiz in _QUIZ_SIZES)

RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "27",
            "27 trophies: the evaluation is still locked (one short of 28)",
            None,
            (
                Group("watch the welcome video (0 trophies)", _ids("video-sambutan")),
                Group(
                    "watch every microlearning video (12 × 1)",
                    _ids(*(f"{sub}-video" for sub in _SUBS)),
                ),
                Group("read every module (12 × 1)", _ids(*(f"{sub}-modul" for sub in _SUBS))),
                Group(
                    "write three required reflections (3 × 1)",
                    _ids("kebijakan-2-refleksi", "bela-negara-3-refleksi", "berakhlak-3-refleksi"),
                ),
            ),
            trophies=27,
            complete=False,
            unlocked=False,
            enough_to_pass=False,
        ),
        Recipe(
            "28",
            "28 trophies: the evaluation unlocks",
            "27",
            (Group("write one more required reflection (1)", _ids("smart-governance-2-refleksi")),),
            trophies=28,
            complete=False,
            unlocked=True,
            enough_to_pass=False,
        ),
        Recipe(
            "31",
            "31 trophies with every required activity done (not enough to pass)",
            "28",
            (
                Group("write the last required reflection (1)", _ids("manajemen-asn-2-refleksi")),
                Group(
                    "take every practice quiz scoring low: 1 right answer each, except the "
                    "two policy quizzes with 2 of 4 right (1 trophy each); the others earn 0",
                    _LOW_QUIZZES,
                ),
            ),
            trophies=31,
            complete=True,
            unlocked=True,
            enough_to_pass=False,
        ),
        Recipe(
            "32-optional",
            "32 trophies by doing an optional activity",
            "31",
            (Group("write an optional reflection (1)", _ids("kebijakan-1-refleksi")),),
            trophies=32,
            complete=True,
            unlocked=True,
            enough_to_pass=True,
        ),
        Recipe(
            "32-retake",
            "32 trophies by retaking a practice quiz",
            "31",
            (
                Group(
                    "retake a practice quiz with every answer right: 3 of 3 (0 → 1)",
                    (Step("bela-negara-1-latihan", 3),),
                ),
            ),
            trophies=32,
            complete=True,
            unlocked=True,
            enough_to_pass=True,
        ),
        Recipe(
            "50",
            "50 trophies: everything, every practice quiz with every answer right",
            None,
            (
                Group("watch the welcome video (0)", _ids("video-sambutan")),
                Group(
                    "watch every video and read every module (24 × 1)",
                    _ids(*(f"{sub}-{kind}" for sub in _SUBS for kind in ("video", "modul"))),
                ),
                Group(
                    "write every reflection, required or optional (8 × 1)",
                    _ids(*(f"{sub}-refleksi" for sub in _REFLECTION_SUBS)),
                ),
                Group(
                    "take every practice quiz with every answer right",
                    tuple(Step(quiz, size) for quiz, size in _QUIZ_SIZES.items()),
                ),
            ),
            trophies=50,
            complete=True,
            unlocked=True,
            enough_to_pass=True,
        ),
    )
}


def recipe_steps(name: str) -> list[Step]:
    """Every step of a recipe, from a fresh participant, in order."""
    recipe = RECIPES[name]
    before = recipe_steps(recipe.based_on) if recipe.based_on is not None else []
    return before + recipe.own_steps()


@dataclass
class _Tally:
    completed: set[str] = field(default_factory=set)
    best: dict[str, Decimal] = field(default_factory=dict)


def simulate(package: CoursePackage, steps: Iterable[Step]) -> tuple[int, bool]:
    """(trophies, every required activity done) after ``steps``: the builder's own count.

    The tests check the same recipes through ``latsar_desktop.domain.progress``.
    """
    tally = _Tally()
    for step in steps:
        activity = _activity(package, step.activity_id)
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            if step.correct is None:
                raise ValueError(f"{step.activity_id}: a practice quiz step needs `correct`")
            score = raw_score(step.correct, len(activity.questions))
            tally.best[activity.id] = max(tally.best.get(activity.id, score), score)
        else:
            if step.correct is not None:
                raise ValueError(f"{step.activity_id}: only practice quizzes are graded")
            tally.completed.add(activity.id)
    everything = [package.welcome_video] + [a for _, a in package.activities()]
    trophies = 0
    complete = True
    for activity in everything:
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            done = activity.id in tally.best
            trophies += practice_trophies(activity, tally.best.get(activity.id))
        else:
            done = activity.id in tally.completed
            trophies += activity.trophies if done else 0
        complete = complete and (done or not activity.required)
    return trophies, complete


def _activity(package: CoursePackage, activity_id: str) -> Activity:
    if activity_id == package.welcome_video.id:
        return package.welcome_video
    activity = package.activity(activity_id)
    if activity is None:
        raise KeyError(f"no activity {activity_id!r} in the package")
    return activity


def recipe_problems(package: CoursePackage) -> list[str]:
    problems = []
    for quiz, size in _QUIZ_SIZES.items():
        activity = package.activity(quiz)
        if activity is None or len(activity.questions) != size:
            problems.append(f"recipes: {quiz} should have {size} questions")
    if problems:
        return problems
    for name, recipe in RECIPES.items():
        trophies, complete = simulate(package, recipe_steps(name))
        if (trophies, complete) != (recipe.trophies, recipe.complete):
            problems.append(
                f"recipe {name}: {trophies} trophies (complete={complete}), "
                f"expected {recipe.trophies} (complete={recipe.complete})"
            )
        if recipe.unlocked != (trophies >= package.rules.unlock_trophies):
            problems.append(f"recipe {name}: unlocked should be {recipe.unlocked}")
        if recipe.enough_to_pass != (complete and trophies >= package.rules.pass_trophies):
            problems.append(f"recipe {name}: enough_to_pass should be {recipe.enough_to_pass}")
    return problems


README_START = "<!-- recipes: generated by build_demo_course.py, do not edit -->"
README_END = "<!-- /recipes -->"


def recipes_markdown(package: CoursePackage) -> str:
    """The README's recipe section (between README_START and README_END)."""
    out = [README_START, ""]
    for name, recipe in RECIPES.items():
        out.append(f"#### `{name}`: {recipe.title}")
        out.append("")
        if recipe.based_on is None:
            out.append("From a fresh participant:")
        else:
            out.append(f"Start from `{recipe.based_on}`, then:")
        out.append("")
        steps_so_far = recipe_steps(recipe.based_on) if recipe.based_on else []
        out += ["| do | activities | trophies after |", "| --- | --- | --- |"]
        for group in recipe.groups:
            steps_so_far += group.steps
            trophies, _ = simulate(package, steps_so_far)
            cells = ", ".join(
                f"`{s.activity_id}`"
                if s.correct is None
                else f"`{s.activity_id}` {s.correct}/"
                f"{len(_activity(package, s.activity_id).questions)}"
                for s in group.steps
            )
            out.append(f"| {group.label} | {cells} | {trophies} |")
        state = [
            "every required activity done" if recipe.complete else "required activities missing",
            "evaluation unlocked" if recipe.unlocked else "evaluation locked",
            "enough trophies to pass" if recipe.enough_to_pass else "not enough trophies to pass",
        ]
        out += ["", f"Result: **{recipe.trophies} trophies**; {'; '.join(state)}.", ""]
    out.append(README_END)
    return "\n".join(out)


def readme_with_recipes(readme: str, package: CoursePackage) -> str:
    start = readme.index(README_START)
    end = readme.index(README_END) + len(README_END)
    return readme[:start] + recipes_markdown(package) + readme[end:]


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


# --------------------------------------------------------------------------------------
# Command line


def write_all() -> CoursePackage:
    """Render the HTML modules, then write package.json, package-200.json and the README."""
    CONTENT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in rendered_html_modules().items():
        (CONTENT_DIR / name).write_text(text, encoding="utf-8", newline="\n")
    package = build_package()
    problems = content_problems(package) + recipe_problems(package)
    problems += participant_problems(package)
    if problems:
        raise SystemExit("\n".join(problems))
    PACKAGE_PATH.write_text(package_json(package), encoding="utf-8", newline="\n")
    PACKAGE_200_PATH.write_text(package_json(build_variant_200()), encoding="utf-8", newline="\n")
    readme = README_PATH.read_text(encoding="utf-8")
    README_PATH.write_text(readme_with_recipes(readme, package), encoding="utf-8", newline="\n")
    return package


def check() -> tuple[list[str], list[str]]:
    """(problems, notes): the committed files against what the builder produces."""
    problems: list[str] = []
    notes: list[str] = []
    for name, text in rendered_html_modules().items():
        path = CONTENT_DIR / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            problems.append(f"content/{name} is not what its source renders; run the builder")
    try:
        package = build_package()
    except DomainError as exc:
        return [f"the package does not validate: {exc}"], notes
    for path, built in ((PACKAGE_PATH, package), (PACKAGE_200_PATH, build_variant_200())):
        if not path.is_file() or path.read_text(encoding="utf-8") != package_json(built):
            problems.append(f"{path.name} is not what the builder produces; run the builder")
    problems += content_problems(package) + recipe_problems(package)
    problems += participant_problems(package)
    readme = README_PATH.read_text(encoding="utf-8")
    if readme_with_recipes(readme, package) != readme:
        problems.append("README.md's recipe section is stale; run the builder")
    for name, data in rendered_pdf_modules().items():
        path = CONTENT_DIR / name
        if not path.is_file() or path.read_bytes() != data:
            notes.append(
                f"content/{name} differs from what this reportlab renders "
                "(regenerate with --make-media if its source changed)"
            )
    return problems, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="verify the committed files")
    mode.add_argument(
        "--make-media", action="store_true", help="regenerate clips (ffmpeg) and PDF, then build"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems, notes = check()
        for note in notes:
            print(f"note: {note}")
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if not problems:
            print(f"ok: {PACKAGE_PATH.relative_to(DEMO_DIR.parent.parent)} is up to date")
        return 1 if problems else 0
    if args.make_media:
        make_media()
    package = write_all()
    total = sum(ref.size for ref in content_refs(package))
    print(f"wrote {PACKAGE_PATH.name} and {PACKAGE_200_PATH.name}: {total} bytes of content")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
