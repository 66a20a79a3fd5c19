"""A real X display for tests and tools: Xvfb on a display number it picks itself.

The pytest-qt tests run offscreen; what must be seen as a participant sees it (the demo
started by the README's run command, the screenshots in docs/) runs on Xvfb with Qt's
xcb platform. ``Xvfb -displayfd`` writes the display number it took, so two runs never
race for one. Screenshots are taken by a separate process with the xcb platform
(``QScreen.grabWindow``: the whole screen, or one window by its X id). A test drives a
program on the display with xdotool as a keyboard would (``focus``, ``key``,
``type_text``) and reads where it is from its window titles (``window_name``,
``wait_for_name``) and windows (``visible_windows``, ``windows_of``).
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


class XdotoolFailed(RuntimeError):
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

    # ------------------------------------------------------------------ xdotool: the keyboard

    def xdotool(self, *args: str) -> str:
        """Run ``xdotool args…`` on this display; its output (stripped). Raises
        ``XdotoolFailed`` with its message when it fails."""
        done = subprocess.run(
            ["xdotool", *args], env=self.env(), capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise XdotoolFailed(f"xdotool {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def focus(self, window: str) -> None:
        """Give ``window`` the keyboard focus, and wait until it has it. Xvfb has no
        window manager, so ``windowactivate`` (which asks one) cannot work: the X input
        focus is set directly; Qt takes the window as the active one."""
        self.xdotool("windowfocus", "--sync", window)

    def focused_window(self) -> str | None:
        """The X id of the window with the keyboard focus, or None (no window has it)."""
        done = subprocess.run(
            ["xdotool", "getwindowfocus"], env=self.env(), capture_output=True, text=True
        )
        found = done.stdout.strip()
        return found if done.returncode == 0 and found not in ("", "0", "1") else None

    def key(self, *keys: str, delay_ms: int = 80) -> None:
        """Press and release each of ``keys`` in turn ("Return", "ctrl+2", "Right", "1"),
        into the window with the keyboard focus (XTEST: as a real keyboard would)."""
        self.xdotool("key", "--delay", str(delay_ms), *keys)

    def type_text(self, text: str, delay_ms: int = 30) -> None:
        """Type ``text`` into the window with the keyboard focus, a key at a time."""
        self.xdotool("type", "--delay", str(delay_ms), text)

    def window_name(self, window: str) -> str | None:
        """The window's title, or None when it is gone."""
        done = subprocess.run(
            ["xdotool", "getwindowname", window], env=self.env(), capture_output=True, text=True
        )
        return done.stdout.strip() if done.returncode == 0 else None

    def wait_for_name(self, window: str, part: str, timeout: float) -> str | None:
        """The window's title once it contains ``part`` (polled), else None."""
        deadline = time.monotonic() + timeout
        while True:
            name = self.window_name(window)
            if name is not None and part in name:
                return name
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)

    def windows_of(self, pid: int) -> list[str]:
        """The X ids of the visible windows of process ``pid`` (Qt sets _NET_WM_PID): its
        main window, and a dialog while one shows."""
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
            env=self.env(),
            capture_output=True,
            text=True,
        )
        return found.stdout.split()

    def visible_windows(self, title: str) -> list[str]:
        """The X ids of the visible windows whose title contains ``title`` (now)."""
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", title],
            env=self.env(),
            capture_output=True,
            text=True,
        )
        return found.stdout.split()


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
