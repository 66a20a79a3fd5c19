"""The README's run command (scripts/demo) on a real X display: the sign-in screen with
the demo people appears, a screenshot is taken, and closing the app stops its server.

Runs under Xvfb with Qt's xcb platform, as a participant's screen would show it (the
other UI tests run offscreen). The time from the command to the window is printed, not
asserted (speed is measured in bench/demo_start.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from latsar_desktop.demo import demo_people
from tests.servers import wait_until
from tools.xvfb import Display, XvfbUnavailable, xvfb

ROOT = Path(__file__).resolve().parents[2]
RUN_COMMAND = ROOT / "scripts" / "demo"
WINDOW_TIMEOUT = 120.0  # a first run may install the environment's extras
SIGN_IN_SHOWN = "sign-in screen shown"
PAINTED_BYTES = 10_000  # a PNG of the painted screen is larger; a blank one, smaller


@pytest.fixture
def display() -> Iterator[Display]:
    try:
        with xvfb() as shown:
            yield shown
    except XvfbUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs Xvfb: {exc}")
        pytest.skip(str(exc))


def embedded_servers(folder: Path) -> list[int]:
    """The pids of the embedded servers serving a folder under ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--embedded-server" in command and any(str(folder).encode() in c for c in command):
            found.append(int(entry.name))
    return found


def painted_screenshot(display: Display, target: Path, window: str) -> tuple[int, int] | None:
    """The window saved as PNG and its size, once it is painted: a blank window (before
    its first paint) compresses to a few kB, a painted sign-in screen to far more."""
    size = display.screenshot(target, window)
    return size if target.stat().st_size > PAINTED_BYTES else None


def test_the_run_command_shows_the_sign_in_screen_with_the_demo_people(
    display: Display, tmp_path: Path
) -> None:
    temp, logs = tmp_path / "temp", tmp_path / "logs"
    temp.mkdir()
    env = display.env(TMPDIR=str(temp), LATSAR_LOG_DIR=str(logs))
    env.pop("LATSAR_DATA_DIR", None)  # the demo makes its own fresh folder (under TMPDIR)
    started = time.monotonic()
    app = subprocess.Popen([str(RUN_COMMAND)], cwd=ROOT, env=env)
    try:
        window = display.find_window("Latsar Desktop", WINDOW_TIMEOUT)
        assert window is not None, "no Latsar Desktop window appeared"
        log_file = logs / "latsar-desktop.log"
        assert wait_until(
            lambda: log_file.exists() and SIGN_IN_SHOWN in log_file.read_text("utf-8"), 30, 0.2
        ), "the sign-in screen was not shown"
        shown = time.monotonic() - started
        line = next(x for x in log_file.read_text("utf-8").splitlines() if SIGN_IN_SHOWN in x)
        assert f"{len(demo_people())} demo people" in line, line
        print(f"scripts/demo: sign-in screen with the demo people after {shown:.1f} s")
        shot = tmp_path / "demo.png"
        size = wait_until(lambda: painted_screenshot(display, shot, window), 30, 0.2)
        assert size is not None, f"the window stayed blank ({shot.stat().st_size} bytes)"
        width, height = size
        assert width >= 600, width
        assert height >= 400, height
        assert embedded_servers(temp), "the demo's server is not a child process"
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            code = app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
            raise
    assert code == 0
    assert wait_until(lambda: not embedded_servers(temp), 15, 0.2), (
        "the demo's server outlived the app"
    )
