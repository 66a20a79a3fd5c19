"""Every screenshot in docs/screenshots/ is linked from the README, and every picture the
README links exists (issue 18: "Every screenshot is linked from the README")."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
LINK = re.compile(r"!\[[^\]]*\]\((docs/screenshots/[^)\s]+)\)")


def linked() -> set[str]:
    return set(LINK.findall((ROOT / "README.md").read_text(encoding="utf-8")))


def test_every_screenshot_is_linked_from_the_readme() -> None:
    shots = {f"docs/screenshots/{path.name}" for path in SHOTS.glob("*.png")}
    assert shots, "no screenshots"
    assert sorted(shots - linked()) == []


def test_every_picture_the_readme_links_exists() -> None:
    assert sorted(path for path in linked() if not (ROOT / path).is_file()) == []
