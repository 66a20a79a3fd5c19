"""Build and check the demo course in ``resources/demo_course/`` (the command line).

Usage (with the project's environment, from the repository's root)::

    .venv/bin/python -m tools.demo_course               # render modules, write the packages
    .venv/bin/python -m tools.demo_course --check       # verify the committed files
    .venv/bin/python -m tools.demo_course --make-media  # regenerate the clips (ffmpeg) and PDF
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from latsar_desktop.domain.messages import DomainError
from latsar_desktop.domain.protocol import CoursePackage
from tools.demo_course.media import make_media
from tools.demo_course.modules import rendered_html_modules, rendered_pdf_modules
from tools.demo_course.package import (
    build_package,
    build_variant_200,
    content_problems,
    content_refs,
    package_json,
)
from tools.demo_course.sources import (
    CONTENT_DIR,
    PACKAGE_200_PATH,
    PACKAGE_PATH,
    ROOT,
    participant_problems,
)


def write_all() -> CoursePackage:
    """Render the HTML modules, then write package.json and package-200.json."""
    CONTENT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in rendered_html_modules().items():
        (CONTENT_DIR / name).write_text(text, encoding="utf-8", newline="\n")
    package = build_package()
    problems = content_problems(package) + participant_problems(package)
    if problems:
        raise SystemExit("\n".join(problems))
    PACKAGE_PATH.write_text(package_json(package), encoding="utf-8", newline="\n")
    PACKAGE_200_PATH.write_text(package_json(build_variant_200()), encoding="utf-8", newline="\n")
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
    problems += content_problems(package) + participant_problems(package)
    for name, data in rendered_pdf_modules().items():
        path = CONTENT_DIR / name
        if not path.is_file() or path.read_bytes() != data:
            notes.append(
                f"content/{name} differs from what this reportlab renders "
                "(regenerate with --make-media if its source changed)"
            )
    return problems, notes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo_course", description=__doc__.splitlines()[0]
    )
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
            print(f"ok: {PACKAGE_PATH.relative_to(ROOT)} is up to date")
        return 1 if problems else 0
    if args.make_media:
        make_media()
    package = write_all()
    total = sum(ref.size for ref in content_refs(package))
    print(f"wrote {PACKAGE_PATH.name} and {PACKAGE_200_PATH.name}: {total} bytes of content")
    return 0
