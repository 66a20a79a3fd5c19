from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt never needs a screen in tests; pytest-qt uses PySide6 (set here, not in the ini,
# so that the Qt-free run can disable the plugin under --strict-config).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTEST_QT_API", "pyside6")


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every data path at tmp_path, so no test can touch a real profile or $HOME."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LATSAR_DATA_DIR", str(tmp_path / "data"))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
