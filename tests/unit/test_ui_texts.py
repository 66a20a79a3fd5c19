"""The screens' time zone and sizes (``latsar_desktop/ui/texts.py``, Qt-free).

Every time a screen shows goes through ``tr``/``say`` in the zone chosen: WIB by default,
WITA or WIT when chosen, or the computer's own ("auto": +7, +8, +9 hours are WIB, WITA,
WIT by their Indonesian names, any other offset the computer's zone as it is). The choice
is kept in machine.db. Sizes are said in the language's digits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.i18n.labels import Label
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.ui import texts

NOON_UTC = datetime(2025, 3, 3, 5, 0, tzinfo=UTC)  # 12.00 WIB, 13.00 WITA, 14.00 WIT


@pytest.fixture(autouse=True)
def _defaults() -> Iterator[None]:
    """Indonesian and WIB before and after each test (the module's globals)."""
    texts.set_language(i18n.DEFAULT_LANGUAGE)
    texts.set_time_zone(i18n.DEFAULT_TIME_ZONE)
    yield
    texts.set_language(i18n.DEFAULT_LANGUAGE)
    texts.set_time_zone(i18n.DEFAULT_TIME_ZONE)


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[MachineStore]:
    store = MachineStore(tmp_path / "pc")
    yield store
    store.close()


def hours(offset: float) -> tzinfo:
    return timezone(timedelta(hours=offset))


def test_times_are_shown_in_wib_until_another_zone_is_chosen() -> None:
    assert texts.time_zone() == ZoneInfo("Asia/Jakarta")
    assert texts.tr(Label.STATUS_SYNCED, time=NOON_UTC).endswith("12.00 WIB")
    texts.set_time_zone(ZoneInfo("Asia/Makassar"))
    assert texts.tr(Label.STATUS_SYNCED, time=NOON_UTC).endswith("13.00 WITA")
    message = msg(Code.PARTICIPANT_CERTIFICATE, at=NOON_UTC)  # say(): the same zone
    assert texts.say(message) == "Sertifikat terbit pada 3 Maret 2025, 13.00 WITA."
    texts.set_time_zone(ZoneInfo("Asia/Jayapura"))
    assert texts.tr(Label.STATUS_SYNCED, time=NOON_UTC).endswith("14.00 WIT")


@pytest.mark.parametrize(
    ("offset", "zone"), [(7, "Asia/Jakarta"), (8, "Asia/Makassar"), (9, "Asia/Jayapura")]
)
def test_a_computer_on_an_indonesian_offset_gets_that_zones_name(offset: int, zone: str) -> None:
    assert texts.computer_time_zone(hours(offset)) == ZoneInfo(zone)
    assert texts.choose_time_zone("auto", hours(offset)) == ZoneInfo(zone)


def test_a_computer_on_another_offset_keeps_its_own_zone() -> None:
    abroad = hours(2)
    assert texts.computer_time_zone(abroad) is abroad
    assert texts.zone_name(abroad) == "UTC+2"
    assert texts.zone_name(hours(-3.5)) == "UTC-3:30"
    assert texts.zone_name(UTC) == "UTC"
    texts.set_time_zone(texts.choose_time_zone("auto", abroad))
    assert "07.00" in texts.tr(Label.STATUS_SYNCED, time=NOON_UTC)


def test_the_zone_kept_is_used_and_a_damaged_setting_means_automatic() -> None:
    local = hours(8)
    assert texts.choose_time_zone("Asia/Jayapura", local) == ZoneInfo("Asia/Jayapura")
    for damaged in (None, 42, "Mars/Olympus", "", ["Asia/Jakarta"]):
        assert texts.choose_time_zone(damaged, local) == ZoneInfo("Asia/Makassar")


def test_keep_time_zone_shows_it_at_once_and_stores_it(machine: MachineStore) -> None:
    texts.keep_time_zone(machine, "Asia/Makassar")
    assert texts.time_zone() == ZoneInfo("Asia/Makassar")
    assert machine.setting(texts.TIME_ZONE_SETTING) == "Asia/Makassar"
    texts.keep_time_zone(machine, "auto", hours(9))
    assert texts.time_zone() == ZoneInfo("Asia/Jayapura")
    assert machine.setting(texts.TIME_ZONE_SETTING) == "auto"


def test_keep_time_zone_refuses_a_zone_outside_the_choices(machine: MachineStore) -> None:
    with pytest.raises(ValueError, match="Europe/Paris"):
        texts.keep_time_zone(machine, "Europe/Paris")
    assert machine.setting(texts.TIME_ZONE_SETTING) is None
    assert texts.time_zone() == ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("size", "indonesian", "english"),
    [
        (0, "0 B", "0 B"),
        (999, "999 B", "999 B"),
        (1000, "1,0 KB", "1.0 KB"),
        (1536, "1,5 KB", "1.5 KB"),
        (13_002_342, "12,4 MB", "12.4 MB"),
        (int(99.97 * 1024), "100 KB", "100 KB"),
        (356 * 1024 * 1024, "356 MB", "356 MB"),
        (int(999.7 * 1024 * 1024), "1,0 GB", "1.0 GB"),
        (3 * 1024**3 + 400 * 1024**2, "3,4 GB", "3.4 GB"),
        (1536 * 1024**4, "1.536 TB", "1,536 TB"),
    ],
)
def test_sizes_are_said_in_the_languages_digits(size: int, indonesian: str, english: str) -> None:
    assert texts.size_text(size) == indonesian
    texts.set_language("en")
    assert texts.size_text(size) == english
