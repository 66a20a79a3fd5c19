"""``latsar-desktop --self-test``, run as a participant's computer (or a frozen bundle)
runs it: a process of its own, no display, the platform left to the self-test
(offscreen). Every check passes and says so; a clip that cannot play fails the ``clip``
check, named in the exit's summary, while the other checks still run and pass. The
temporary data directory is gone afterwards and the user's own was never made.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from latsar_desktop.selftest import CLIP_ENV
from tests.sandbox import UNSET, private_dirs

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("display", "resources", "qt", "profile", "pages", "clip", "certificate", "cleanup")
PAGES = (
    "SignInPage",
    "FetchingPage",
    "WelcomePage",
    "Shell",
    "HomePage",
    "CoursePage",
    "SettingsPage",
    "ProfilePage",
    "AttemptView",
)


def self_test(folder: Path, **env: str) -> tuple[int, dict[str, str], str]:
    """The exit status, each check's line by its name, and the last line of stdout."""
    child = {**os.environ, **private_dirs(folder / "sandbox"), **env}
    for name in (*UNSET, "QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        child.pop(name, None)
    temp = folder / "tmp"
    temp.mkdir()
    child["TMPDIR"] = str(temp)
    done = subprocess.run(
        [sys.executable, "-m", "latsar_desktop.app", "--self-test"],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stdout.splitlines()
    checks = {line.split()[1]: line for line in lines[:-1]}
    left = list(temp.glob("latsar-selftest-*"))  # (libpulse makes a folder there too)
    assert left == [], "the temporary data directory is left behind"
    assert not Path(child["LATSAR_DATA_DIR"]).exists(), "the user's data directory was made"
    return done.returncode, checks, lines[-1] if lines else done.stderr[-3000:]


def test_every_check_passes_offscreen(tmp_path: Path) -> None:
    status, checks, summary = self_test(tmp_path)
    assert status == 0, checks or summary
    assert list(checks) == list(CHECKS)
    assert all(line.startswith("ok  ") for line in checks.values()), checks
    assert checks["display"].endswith("platform offscreen")
    assert checks["pages"].split("ms  ")[1].split() == list(PAGES)
    assert "genuine" in checks["certificate"]
    assert summary == f"self-test ok: {len(CHECKS)} checks"


def test_a_clip_that_cannot_play_fails_its_check_only(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 64)
    status, checks, summary = self_test(tmp_path, **{CLIP_ENV: str(broken)})
    assert status == 1
    assert checks["clip"].startswith("FAIL  clip"), checks["clip"]
    assert summary == "self-test FAILED: clip"
    others = [line for name, line in checks.items() if name != "clip"]
    assert all(line.startswith("ok  ") for line in others), checks
