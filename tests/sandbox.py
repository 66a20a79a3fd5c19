"""Every per-user path of a test's processes in a folder of its own, never the real $HOME.

``tests/conftest.py`` points this process there for each test (``_private_data_dirs``);
a child process that a wider-scoped fixture starts (before that fixture runs) gets the
same variables in its environment (``tests/ui/probes.py run_probe``).
"""

from __future__ import annotations

from pathlib import Path

from latsar_desktop.locations import DATA_DIR_ENV, LOG_DIR_ENV

XDG_DIRS = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
VARIABLES = ("HOME", DATA_DIR_ENV, *XDG_DIRS)
"""The variables ``private_dirs`` sets."""
UNSET = (LOG_DIR_ENV,)
"""Variables removed: the app's logs then go under its data directory."""


def private_dirs(folder: Path) -> dict[str, str]:
    """HOME, the XDG folders and the app's data directory under ``folder`` (the home
    folder is made: some libraries write there as soon as they start)."""
    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    dirs = {"HOME": str(home), DATA_DIR_ENV: str(folder / "data")}
    dirs.update({name: str(home / name.lower()) for name in XDG_DIRS})
    assert tuple(dirs) == VARIABLES
    return dirs
