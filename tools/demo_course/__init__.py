"""The demo course builder: builds and checks ``resources/demo_course/`` (data only).

Run it as ``.venv/bin/python -m tools.demo_course [--check | --make-media]``
(:mod:`tools.demo_course.build`). The course is authored in ``demo_course/sources/``:
``course.json`` (structure, trophies, questions with their keys) and
``modules/<sub-material id>.txt`` (module texts in a tiny markup). The content files in
``demo_course/content/`` are committed: the HTML modules are rendered by the default build, the
clips and the PDF module only by ``--make-media`` (ffmpeg is needed only there; the app and the
tests never need it).

The evaluation is a bank of 200 questions; each attempt draws 20 of them, and the course
grades at most 5 attempts per participant a day. ``package-200.json`` is the same course for
tests, showing all 200 questions per attempt with no daily limit.

Modules: :mod:`.sources` (paths, the authored course, participants), :mod:`.package`
(assembling and checking the package), :mod:`.modules` (markup to HTML and PDF),
:mod:`.media` (the clips), :mod:`.build` (the command line). The tests import this package
for the names below; the trophy recipes they replay are in ``tests/recipes.py``.
"""

from __future__ import annotations

from tools.demo_course.build import check, main, write_all
from tools.demo_course.media import CLIPS, Clip
from tools.demo_course.modules import rendered_html_modules, rendered_pdf_modules
from tools.demo_course.package import (
    build_package,
    build_variant_200,
    content_files,
    content_problems,
    content_ref,
    content_refs,
    large_clip,
    load_package,
    package_dict,
    package_json,
)
from tools.demo_course.sources import (
    LARGE_CLIP,
    content_dir,
    demo_dir,
    load_sources,
    package_200_path,
    package_path,
    participant_problems,
    participants,
)

__all__ = [
    "CLIPS",
    "LARGE_CLIP",
    "Clip",
    "build_package",
    "build_variant_200",
    "check",
    "content_dir",
    "content_files",
    "content_problems",
    "content_ref",
    "content_refs",
    "demo_dir",
    "large_clip",
    "load_package",
    "load_sources",
    "main",
    "package_200_path",
    "package_dict",
    "package_json",
    "package_path",
    "participant_problems",
    "participants",
    "rendered_html_modules",
    "rendered_pdf_modules",
    "write_all",
]
