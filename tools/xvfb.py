"""A real X display for tests and tools: Xvfb on a display number it picks itself.

The pytest-qt tests run offscreen; what must be seen as a participant sees it (the demo
started by the README's run command, the screenshots in docs/) runs on Xvfb with Qt's
xcb platform. ``Xvfb -displayfd`` writes the display number it took, so two runs never
race for one. Screenshots are taken by a separate process with the xcb platform
(``QScreen.grabWindow``: the whole screen, or one window by its X id).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCREEN = "1366x768x24"  # the most common old laptop


class XvfbUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Display:
    name: str  # ":12"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a program shown on this display (Qt on xcb)."""
        env = {**os.environ, "DISPLAY": self.name, "QT_QPA_PLATFORM": "xcb", **extra}
        env.pop("WAYLAND_DISPLAY", None)
        return env

    def find_window(self, title: str, timeout: float) -> str | None:
        """The X id of a visible window whose title contains ``title``, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--name", title],
                env=self.env(),
                capture_output=True,
                text=True,
            )
            ids = found.stdout.split()
            if ids:
                return ids[0]
            time.sleep(0.2)
        return None

    def screenshot(self, target: Path, window: str | None = None) -> tuple[int, int]:
        """Save the screen (or one window) as PNG; its size in pixels."""
        code = (
            "import sys\n"
            "from PySide6.QtGui import QGuiApplication\n"
            "app = QGuiApplication(sys.argv[:1])\n"
            "image = app.primaryScreen().grabWindow(int(sys.argv[2]))\n"
            "assert image.save(sys.argv[1]), 'not saved'\n"
            "print(image.width(), image.height())\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(target), window or "0"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"screenshot failed: {done.stderr[-2000:]}")
        width, height = done.stdout.split()
        return int(width), int(height)


@contextmanager
def xvfb(screen: str = SCREEN) -> Iterator[Display]:
    """A fresh Xvfb display, stopped on exit."""
    binary = shutil.which("Xvfb")
    if binary is None or shutil.which("xdotool") is None:
        raise XvfbUnavailable("Xvfb and xdotool are needed (scripts/debian-packages.txt)")
    read, write = os.pipe()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [binary, "-displayfd", str(write), "-screen", "0", screen, "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=log,
            stderr=log,
        )
        os.close(write)
        try:
            with os.fdopen(read, "rb") as reader:
                number = reader.readline().strip().decode()
            if not number:
                log.seek(0)
                raise XvfbUnavailable(f"Xvfb did not start: {log.read()[-2000:]!r}")
            yield Display(f":{number}")
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
