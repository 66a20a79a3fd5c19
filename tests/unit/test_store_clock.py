"""A profile store given a clock reads the time from that clock only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from latsar_desktop.store import profile
from latsar_desktop.store.profile import ProfileStore
from tools.demo_course.package import load_package

T0 = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def test_save_package_reads_only_the_injected_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wall_clock() -> datetime:
        raise AssertionError("the wall clock was read, not the store's clock")

    monkeypatch.setattr(profile, "utc_now", wall_clock)
    store = ProfileStore(tmp_path / "p.db", uuid.uuid4(), clock=lambda: T0)
    try:
        store.save_package(load_package().without_evaluation_keys())  # the first: a new row
        assert store.package() is not None
    finally:
        store.close()
