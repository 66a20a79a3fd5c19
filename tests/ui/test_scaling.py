"""Usable on the most common old laptop: 1366×768 at 125 % scaling (DESIGN §4).

In a process of its own (``tests/ui/scaling_probe.py``: the scale and the screen must be
set before the QApplication exists), with ``QT_SCALE_FACTOR=1.25`` on an offscreen
screen of 1366×768 pixels: every page of the main window, in both languages, has a
minimum size that fits the screen less a taskbar and a title bar, and at that size no
text is clipped and nothing sticks out of the window. The window's first size fits the
screen, and its size and position are kept for the next start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox import private_dirs
from tests.ui.probes import run_probe

SCREEN = (1366, 768)  # physical pixels
SCALE = 1.25
PAGES = ("signin", "signin with messages", "welcome", "home", "course", "settings", "profile")
FIRST_START = "signin fresh"  # the demo's first start, no profile yet: in Indonesian


def probe(mode: str, folder: Path) -> dict[str, Any]:
    """The scaling probe in ``mode`` on the laptop's screen at 125 %, in ``folder`` (its
    per-user folders too: see tests/ui/probes.py); what it measured."""
    config = folder / "screen.json"
    config.write_text(
        json.dumps(
            {
                "synchronousWindowSystemEvents": False,
                "windowFrameMargins": False,  # the title bar: TITLE_BAR in the probe
                "screens": [
                    {
                        "name": "Laptop",
                        "x": 0,
                        "y": 0,
                        "width": SCREEN[0],
                        "height": SCREEN[1],
                        "logicalDpi": 96,
                        "logicalBaseDpi": 96,
                        "dpr": 1,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    work = folder / mode
    work.mkdir()
    env = {
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": str(SCALE),
        "QT_SCREEN_SCALE_FACTORS": None,
    }
    seen = run_probe("scaling_probe", folder, mode, str(work), env=env)
    seen["folder"] = str(folder)
    return seen


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The pages measured once for the module (this runs before the autouse fixture that
    gives each test its own HOME: run_probe gives the probe one of its own)."""
    return probe("pages", tmp_path_factory.mktemp("scaling"))


def test_the_probe_ran_with_its_own_home_and_data_folders(measured: dict[str, Any]) -> None:
    expected = private_dirs(Path(measured["folder"]) / "sandbox")
    assert measured["dirs"] == expected
    assert Path(measured["dirs"]["HOME"]).is_dir()


def test_the_probe_saw_the_laptop_screen(measured: dict[str, Any]) -> None:
    # 1366×768 at 125 %: 1093×614 logical, less the taskbar (32) and a title bar (32)
    assert measured["client"] == [1093, 550]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_fits_1366x768_at_125_percent_without_clipping(
    measured: dict[str, Any], language: str, page: str
) -> None:
    seen = measured[language][page]
    width, height = seen["minimum"]
    client = measured["client"]
    assert width <= client[0], f"{page} needs {width} px wide; {client[0]} fit"
    assert height <= client[1], f"{page} needs {height} px high; {client[1]} fit"
    assert seen["problems"] == []


def test_the_sign_in_of_a_first_start_fits_without_clipping(measured: dict[str, Any]) -> None:
    seen = measured["id"][FIRST_START]
    width, height = seen["minimum"]
    assert width <= measured["client"][0]
    assert height <= measured["client"][1], f"{height} px high needed"
    assert seen["problems"] == []


def test_the_first_size_fits_and_the_size_and_position_are_kept(tmp_path: Path) -> None:
    seen = probe("geometry", tmp_path)
    assert seen["first_fits"], seen
    assert seen["kept"]
    assert seen["restored"] == seen["set"]
    assert seen["set"][2:] == [1000, 520]
