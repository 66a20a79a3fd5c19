"""Before Qt: a computer that cannot show the window gets a message, not Qt's abort.

``latsar-desktop`` in a process of its own with no display at all (DISPLAY,
WAYLAND_DISPLAY and QT_QPA_PLATFORM unset), then with a DISPLAY no X server answers: the
exit status 3 and the message in Indonesian and English on stderr (Qt would abort with
SIGABRT: a negative status). A system library that does not load (a real ``dlopen``
failure) gives the message naming the library and the Debian package to install. Qt's
platform is chosen by Qt's own rule.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from latsar_desktop import display, i18n
from latsar_desktop.domain.messages import Code
from tests.sandbox import UNSET, private_dirs

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's displays")


def start_app(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    child = {**os.environ, **private_dirs(folder / "sandbox"), **env}
    for name in (*UNSET, "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE"):
        if name not in env:
            child.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "latsar_desktop.app"],
        cwd=ROOT,
        env=child,
        capture_output=True,
        text=True,
        timeout=120,
    )


@linux_only
def test_no_display_says_so_instead_of_aborting(tmp_path: Path) -> None:
    done = start_app(tmp_path)
    assert done.returncode == display.EXIT_NO_DISPLAY, done.stderr[-2000:]
    assert i18n.text(Code.DISPLAY_NONE, "id") in done.stderr
    assert i18n.text(Code.DISPLAY_NONE, "en") in done.stderr
    assert done.stdout == ""


def unused_display() -> str:
    number = 917
    while Path(f"/tmp/.X11-unix/X{number}").exists():
        number += 1
    return f":{number}"


@linux_only
def test_a_display_that_does_not_answer_is_named(tmp_path: Path) -> None:
    name = unused_display()
    done = start_app(tmp_path, DISPLAY=name)
    assert done.returncode == display.EXIT_NO_DISPLAY, done.stderr[-2000:]
    assert i18n.text(Code.DISPLAY_UNREACHABLE, "id", {"display": name}) in done.stderr
    assert i18n.text(Code.DISPLAY_UNREACHABLE, "en", {"display": name}) in done.stderr


@linux_only
def test_a_library_that_does_not_load_names_its_debian_package() -> None:
    libraries = {"libGL.so.1": "libgl1", "liblatsar-no-such-thing.so.7": "liblatsar-nothing7"}
    missing = display.missing_libraries(libraries)
    assert missing == ["liblatsar-no-such-thing.so.7"]
    found = display.libraries_problem(missing, libraries)
    assert found.packages == ("liblatsar-nothing7",)
    text = display.explain(found)
    assert "liblatsar-no-such-thing.so.7" in text
    assert text.count("sudo apt install liblatsar-nothing7") == 2  # id, then en
    assert text.splitlines()[0].startswith("Latsar Desktop tidak dapat menampilkan")


def test_every_library_checked_names_a_package() -> None:
    tables = (display.CORE_LIBRARIES, display.XCB_LIBRARIES, display.WAYLAND_LIBRARIES)
    for table in tables:
        assert all(soname.startswith("lib") and ".so." in soname for soname in table)
        assert all(package and " " not in package for package in table.values())
    assert display.XCB_LIBRARIES["libxcb-cursor.so.0"] == "libxcb-cursor0"


def test_the_platform_is_chosen_as_qt_chooses_it() -> None:
    assert display.platform_name({}) == "xcb"
    assert display.platform_name({"DISPLAY": ":0"}) == "xcb"
    wayland = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}
    assert display.platform_name(wayland) == "wayland"
    assert display.platform_name({**wayland, "QT_QPA_PLATFORM": "xcb"}) == "xcb"
    assert display.platform_name({"QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    assert display.platform_name({"QT_QPA_PLATFORM": "wayland;xcb"}) == "wayland"
    assert display.platform_name({"QT_QPA_PLATFORM": "vnc:size=800x600"}) == "vnc"


def test_headless_platforms_and_other_systems_need_no_display() -> None:
    assert display.problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") is None
    assert display.problem({}, platform="win32") is None
    assert display.problem({}, platform="darwin") is None
    for env in ({}, {"QT_QPA_PLATFORM": "wayland"}):
        found = display.problem(env, platform="linux")
        assert found is not None
        assert found.message.code is Code.DISPLAY_NONE
