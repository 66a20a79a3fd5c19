"""The app's log file (latsar_desktop/logs.py) and where it goes (locations.log_dir)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from latsar_desktop import locations
from latsar_desktop.logs import LOG_NAME, AppLogFile, log_file, setup_logging, stop_logging


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """Every test leaves the root logger as it found it: its level, no file handler."""
    root = logging.getLogger()
    level = root.level
    yield
    stop_logging()
    root.setLevel(level)
    assert ours() == []


def ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, AppLogFile)]


def test_the_log_goes_to_the_data_dirs_logs_folder_in_utf8(tmp_path: Path) -> None:
    path = setup_logging()  # tests set LATSAR_DATA_DIR to tmp_path/data (tests/conftest.py)
    assert path == (tmp_path / "data" / "logs" / LOG_NAME).resolve()
    assert log_file() == path
    logging.getLogger("latsar_desktop.test").info("Sertifikat Anda — siap diunduh ✓")
    logging.getLogger("latsar_desktop.test").debug("not at INFO")
    text = path.read_text(encoding="utf-8")
    assert "INFO" in text
    assert "latsar_desktop.test: Sertifikat Anda — siap diunduh ✓" in text
    assert "not at INFO" not in text


def test_setting_up_twice_adds_no_second_handler(tmp_path: Path) -> None:
    first = setup_logging(tmp_path / "logs")
    second = setup_logging(tmp_path / "logs", logging.DEBUG)
    assert first == second
    assert len(ours()) == 1
    assert logging.getLogger().level == logging.DEBUG  # the level is the later call's
    logging.getLogger("latsar_desktop.test").debug("once only")
    assert first.read_text(encoding="utf-8").count("once only") == 1


def test_another_folder_moves_the_one_handler(tmp_path: Path) -> None:
    old = setup_logging(tmp_path / "old")
    new = setup_logging(tmp_path / "new")
    assert len(ours()) == 1
    assert log_file() == new
    logging.getLogger("latsar_desktop.test").warning("after the move")
    assert "after the move" in new.read_text(encoding="utf-8")
    assert "after the move" not in old.read_text(encoding="utf-8")
    stop_logging()
    assert ours() == []
    assert log_file() is None


def test_the_file_rotates_and_keeps_the_last_backups(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    path = setup_logging(folder, max_bytes=2_000, backups=2)
    for number in range(200):
        logging.getLogger("latsar_desktop.test").info("record %03d %s", number, "x" * 40)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [LOG_NAME, f"{LOG_NAME}.1", f"{LOG_NAME}.2"]  # .3 was dropped
    assert all(p.stat().st_size <= 2_000 for p in folder.iterdir())
    assert "record 199" in path.read_text(encoding="utf-8")  # the newest in the current file
    assert "record 000" not in "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())


def test_log_dir_the_env_overrides_then_platformdirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(locations.LOG_DIR_ENV, str(tmp_path / "chosen"))
    assert locations.log_dir() == tmp_path / "chosen"  # LATSAR_LOG_DIR wins over the data dir
    assert (tmp_path / "chosen").is_dir()
    monkeypatch.delenv(locations.LOG_DIR_ENV)
    monkeypatch.setenv(locations.DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    assert locations.log_dir() == tmp_path / "elsewhere" / "logs"
    monkeypatch.delenv(locations.DATA_DIR_ENV)
    expected = Path(platformdirs.user_log_dir(locations.APP_NAME, False))
    assert locations.log_dir() == expected
    assert tmp_path / "home" in expected.parents  # HOME and XDG_* point into tmp_path here
