"""The settings page (Pengaturan): real widgets offscreen, a real session signed in
against the real server on 127.0.0.1, a real machine.db in tmp_path.

The time zone chosen shows at once (a time in WITA) and is kept; the language combo
switches every text of the page to English and back; Hemat data is kept in machine.db;
the storage shows what a downloaded material takes and the free space; the log folder
is shown and "Buka folder" asks to open exactly it; the connection section saves a new
server address, refuses a wrong one ("bukan alamat") under its field, and keeps the proxy password
nowhere on disk in plain text; refreshes asked while one runs are coalesced.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from pytestqt.qtbot import QtBot

from latsar_desktop import i18n
from latsar_desktop.i18n.labels import Label
from latsar_desktop.locations import log_dir
from latsar_desktop.session import ParticipantSession
from latsar_desktop.session.participant import StorageSummary
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.downloader import HEMAT_DATA
from latsar_desktop.ui import texts
from latsar_desktop.ui.settings import SettingsPage
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import say_all, tr
from tests.ui.language_walk import leftovers, templates
from tests.ui.steps import LEFT, WAIT_MS

PROXY_PASSWORD = "Rahasia-Proxy-7391"  # must never be on disk as it is
# not an address: a space in it ("bukan-alamat" alone is a host name the session takes,
# https:// assumed, as it takes an office's "latsar" on its own network)
WRONG_ADDRESS = "bukan alamat"
Person = dict[str, str]


@pytest.fixture(autouse=True)
def _wib(indonesian: None, styled: None) -> Iterator[None]:
    """The app's look, Indonesian and WIB for each test, and again after it."""
    texts.set_time_zone(i18n.DEFAULT_TIME_ZONE)
    yield
    texts.set_time_zone(i18n.DEFAULT_TIME_ZONE)


class Opener:
    """Stands in for QDesktopServices.openUrl: records the URL, opens nothing."""

    def __init__(self, works: bool = True) -> None:
        self.works = works
        self.urls: list[QUrl] = []

    def __call__(self, url: QUrl) -> bool:
        self.urls.append(url)
        return self.works


@pytest.fixture
def session(
    machine: MachineStore, people: list[Person], sessions: list[ParticipantSession]
) -> ParticipantSession:
    signed_in = ParticipantSession.sign_in(
        machine, people[0]["nip"], people[0]["nik"], device_name="PC uji"
    )
    sessions.append(signed_in)
    return signed_in


@pytest.fixture
def make_page(
    qtbot: QtBot, session: ParticipantSession, runner: TaskRunner, machine: MachineStore
) -> Callable[..., SettingsPage]:
    def make(opener: Opener | None = None) -> SettingsPage:
        page = SettingsPage(session, runner, machine, open_url=opener or Opener())
        qtbot.addWidget(page)
        page.resize(893, 560)  # the page area of 1366×768 at 125 %, beside the side bar
        page.show()
        qtbot.waitExposed(page)
        refreshed(qtbot, page)
        return page

    return make


def refreshed(qtbot: QtBot, page: SettingsPage) -> None:
    page.refresh()
    qtbot.waitUntil(lambda: not page.refreshing, timeout=WAIT_MS)
    assert page.data is not None


def press_save(qtbot: QtBot, page: SettingsPage) -> None:
    qtbot.mouseClick(page.save_button, LEFT)
    qtbot.waitUntil(lambda: not page.saving, timeout=WAIT_MS)


def retype(qtbot: QtBot, edit: object, text: str) -> None:
    from PySide6.QtWidgets import QLineEdit

    assert isinstance(edit, QLineEdit)
    qtbot.mouseClick(edit, LEFT)
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


# ------------------------------------------------------------------ the time zone


def test_choosing_wita_shows_the_times_in_wita_at_once_and_keeps_it(
    qtbot: QtBot,
    make_page: Callable[..., SettingsPage],
    session: ParticipantSession,
    machine: MachineStore,
) -> None:
    machine.set_setting(texts.TIME_ZONE_SETTING, "Asia/Jakarta")  # as chosen before
    texts.set_time_zone(texts.choose_time_zone("Asia/Jakarta"))  # as the app starts
    page = make_page()
    assert page.time_zone.currentData() == "Asia/Jakarta"
    assert page.time_zone.currentText() == "WIB (Waktu Indonesia Barat)"
    assert page.time_now.text().endswith(" WIB")
    session.sync()  # the real server: the status bar's "Sinkronisasi terakhir" has a time
    synced = session.sync_status().last_sync_at
    assert synced is not None
    assert tr(Label.STATUS_SYNCED, time=synced).endswith(" WIB")

    page.time_zone.setFocus()
    with qtbot.waitSignal(page.display_changed, timeout=WAIT_MS):
        qtbot.keyClick(page.time_zone, Qt.Key.Key_Down)  # the keyboard, on the closed list

    assert page.time_zone.currentText() == "WITA (Waktu Indonesia Tengah)"
    assert page.time_now.text().startswith("Waktu sekarang: ")
    assert page.time_now.text().endswith(" WITA")
    assert tr(Label.STATUS_SYNCED, time=synced).endswith(" WITA")
    wita = i18n.text(Label.STATUS_SYNCED, "id", {"time": synced}, ZoneInfo("Asia/Makassar"))
    assert tr(Label.STATUS_SYNCED, time=synced) == wita  # the hour too: an hour later
    assert machine.setting(texts.TIME_ZONE_SETTING) == "Asia/Makassar"
    assert MachineStore(machine.root).setting(texts.TIME_ZONE_SETTING) == "Asia/Makassar"


def test_automatic_names_this_computers_zone_and_follows_it(
    qtbot: QtBot, make_page: Callable[..., SettingsPage], machine: MachineStore
) -> None:
    page = make_page()
    assert page.time_zone.currentData() == texts.AUTO_TIME_ZONE  # nothing chosen yet
    computer = texts.computer_time_zone()
    assert page.time_zone.itemText(0) == f"Otomatis (komputer ini: {texts.zone_name(computer)})"
    page.time_zone.setCurrentIndex(3)  # WIT
    assert page.time_now.text().endswith(" WIT")
    with qtbot.waitSignal(page.display_changed, timeout=WAIT_MS):
        page.time_zone.setCurrentIndex(0)
    assert texts.time_zone() == computer
    assert machine.setting(texts.TIME_ZONE_SETTING) == "auto"


# ------------------------------------------------------------------ the language


def test_the_language_combo_switches_every_text_of_the_page_to_english_and_back(
    qtbot: QtBot, make_page: Callable[..., SettingsPage], machine: MachineStore
) -> None:
    page = make_page()
    assert page.save_button.text() == "Simpan"
    assert page.language.currentText() == "Bahasa Indonesia"
    english, indonesian = templates("id", "en"), templates("en", "id")
    assert leftovers(page, indonesian) == []  # nothing English in the Indonesian page

    page.language.setFocus()
    with qtbot.waitSignal(page.language_changed, timeout=WAIT_MS) as changed:
        qtbot.keyClick(page.language, Qt.Key.Key_Down)
    assert changed.args == ["en"]
    assert texts.language() == "en"
    assert machine.setting(texts.LANGUAGE_SETTING) == "en"
    assert page.save_button.text() == "Save"
    assert page.time_now.text().startswith("The time now: ")
    assert page.language.currentText() == "English"
    assert leftovers(page, english) == []

    with qtbot.waitSignal(page.language_changed, timeout=WAIT_MS) as changed:
        qtbot.keyClick(page.language, Qt.Key.Key_Up)
    assert changed.args == ["id"]
    assert page.save_button.text() == "Simpan"
    assert machine.setting(texts.LANGUAGE_SETTING) == "id"
    assert leftovers(page, indonesian) == []


# ------------------------------------------------------------------ Hemat data


def test_hemat_data_is_kept_in_machine_db(
    qtbot: QtBot, make_page: Callable[..., SettingsPage], machine: MachineStore
) -> None:
    page = make_page()
    assert not page.data_saver.isChecked()
    assert page.data_saver.text() == "Aktifkan Hemat data"
    indicator = QPoint(8, page.data_saver.height() // 2)
    qtbot.mouseClick(page.data_saver, LEFT, pos=indicator)
    assert page.data_saver.isChecked()
    assert MachineStore(machine.root).setting(HEMAT_DATA) is True  # another reader sees it

    again = make_page()  # the page opened anew reads it back
    assert again.data_saver.isChecked()
    again.data_saver.setFocus()
    qtbot.keyClick(again.data_saver, Qt.Key.Key_Space)
    assert MachineStore(machine.root).setting(HEMAT_DATA) is False


# ------------------------------------------------------------------ storage and the log folder


def test_the_storage_shows_what_a_downloaded_material_takes_and_the_free_space(
    qtbot: QtBot, make_page: Callable[..., SettingsPage], session: ParticipantSession
) -> None:
    page = make_page()
    before = session.storage_summary()
    assert page.storage_total.text() == texts.size_text(used(before))
    assert page.storage_free.text().startswith("Ruang kosong di disk: ")
    titles = [title.text() for title, _ in page.material_rows]
    assert titles == [m.title for m in before.materials]

    session.download_material("kebijakan")
    refreshed(qtbot, page)

    after = session.storage_summary()
    material = next(m for m in after.materials if m.material_id == "kebijakan")
    assert material.stored_bytes == material.total_bytes > 1_000_000
    assert used(after) >= material.stored_bytes
    assert page.storage_total.text() == texts.size_text(used(after))
    assert page.storage_total.text().endswith(" MB")
    assert "," in page.storage_total.text()  # Indonesian: a decimal comma
    row = titles.index(material.title)
    size = texts.size_text(material.total_bytes)
    assert page.material_rows[row][1].text() == f"{size} dari {size}"
    free = texts.size_text(after.free_bytes)
    assert page.storage_free.text() == f"Ruang kosong di disk: {free}"


def used(summary: StorageSummary) -> int:
    return sum(m.stored_bytes for m in summary.materials)


def test_the_log_folder_is_shown_and_buka_folder_asks_to_open_it(
    qtbot: QtBot, make_page: Callable[..., SettingsPage]
) -> None:
    opener = Opener()
    page = make_page(opener)
    folder = log_dir()
    assert page.log_path.text() == str(folder)
    assert page.log_path.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    qtbot.mouseClick(page.open_folder, LEFT)
    assert opener.urls == [QUrl.fromLocalFile(str(folder))]
    assert Path(opener.urls[0].toLocalFile()) == folder
    assert page.open_message.isHidden()

    failing = Opener(works=False)
    other = make_page(failing)
    qtbot.mouseClick(other.open_folder, LEFT)
    assert failing.urls == [QUrl.fromLocalFile(str(folder))]
    assert not other.open_message.isHidden()
    assert other.open_message.text() == tr(Label.SETTINGS_OPEN_FAILED)


def test_a_refresh_asked_while_one_runs_is_run_once_after_it(
    qtbot: QtBot, make_page: Callable[..., SettingsPage], session: ParticipantSession
) -> None:
    page = make_page()
    reads: list[int] = []
    summary = session.storage_summary

    def counted() -> StorageSummary:
        reads.append(1)
        return summary()

    session.storage_summary = counted  # type: ignore[method-assign]
    for _ in range(5):  # no event is processed between them: the first still runs
        page.refresh()
    qtbot.waitUntil(lambda: not page.refreshing, timeout=WAIT_MS)
    assert len(reads) == 2


def test_a_choice_made_while_a_refresh_runs_is_not_undone_by_its_older_values(
    qtbot: QtBot,
    make_page: Callable[..., SettingsPage],
    session: ParticipantSession,
    machine: MachineStore,
) -> None:
    machine.set_setting(texts.TIME_ZONE_SETTING, "Asia/Jakarta")
    page = make_page()
    assert page.time_zone.currentData() == "Asia/Jakarta"
    assert not page.data_saver.isChecked()
    # the read holds after it has read the machine's settings (the clock comes last)
    read_settings, go_on = threading.Event(), threading.Event()
    clock = session.clock

    def held_clock() -> datetime:
        read_settings.set()
        assert go_on.wait(WAIT_MS / 1000)
        return clock()

    session.clock = held_clock  # type: ignore[method-assign]
    page.refresh()
    assert read_settings.wait(WAIT_MS / 1000)  # WIB and Hemat data off: read
    indicator = QPoint(8, page.data_saver.height() // 2)
    qtbot.mouseClick(page.data_saver, LEFT, pos=indicator)  # the participant's choices
    page.time_zone.setFocus()
    qtbot.keyClick(page.time_zone, Qt.Key.Key_Down)
    assert page.time_zone.currentData() == "Asia/Makassar"
    go_on.set()
    qtbot.waitUntil(lambda: not page.refreshing, timeout=WAIT_MS)

    assert page.data_saver.isChecked()  # the older values read are not put back
    assert page.time_zone.currentData() == "Asia/Makassar"
    assert machine.setting(HEMAT_DATA) is True
    assert machine.setting(texts.TIME_ZONE_SETTING) == "Asia/Makassar"
    session.clock = clock  # type: ignore[method-assign]
    refreshed(qtbot, page)  # a read begun after the choices shows them
    assert page.data_saver.isChecked()
    assert page.time_zone.currentData() == "Asia/Makassar"


# ------------------------------------------------------------------ the connection


def test_a_new_server_address_is_saved_and_a_wrong_one_refused_under_its_field(
    qtbot: QtBot,
    make_page: Callable[..., SettingsPage],
    session: ParticipantSession,
    machine: MachineStore,
) -> None:
    page = make_page()
    old = machine.setting(SERVER_URL_SETTING)
    assert page.server_edit.text() == session.connection_settings().server_url

    retype(qtbot, page.server_edit, WRONG_ADDRESS)
    refreshed(qtbot, page)  # a refresh leaves what is being typed alone
    assert page.server_edit.text() == WRONG_ADDRESS
    press_save(qtbot, page)
    refusal = expected_refusal(session, WRONG_ADDRESS)
    assert page.server_error.text() == say_all(refusal.field_messages("server_url"))
    assert page.server_error.text()  # said, in Indonesian, under the field
    assert page.server_edit.property("invalid") is True
    assert page.focusWidget() is page.server_edit
    assert page.save_message.text() == ""  # no "Tersimpan"
    assert machine.setting(SERVER_URL_SETTING) == old  # nothing saved

    qtbot.keyClicks(page.server_edit, "x")  # typing again: the message goes
    assert page.server_error.text() == ""
    new = "http://127.0.0.1:8099"
    retype(qtbot, page.server_edit, new)
    press_save(qtbot, page)
    assert page.save_message.text() == tr(Label.SETTINGS_SAVED)
    assert page.server_error.text() == ""
    kept = session.connection_settings().server_url
    assert kept.startswith(new)
    assert machine.setting(SERVER_URL_SETTING) == kept
    assert page.server_edit.text() == kept


def expected_refusal(session: ParticipantSession, server_url: str) -> object:
    """The session's own refusal of ``server_url`` (what the page must show)."""
    from latsar_desktop.session.participant import SessionError

    current = session.connection_settings()
    with pytest.raises(SessionError) as refused:
        session.set_connection_settings(server_url, current.proxy_url, current.proxy_user, None)
    return refused.value


def test_the_proxy_password_is_kept_sealed_and_can_be_removed(
    qtbot: QtBot,
    make_page: Callable[..., SettingsPage],
    session: ParticipantSession,
    machine: MachineStore,
) -> None:
    page = make_page()
    assert page.remove_password.isHidden()  # none kept yet
    retype(qtbot, page.proxy_edit, "http://127.0.0.1:3128")
    retype(qtbot, page.proxy_user_edit, "pegawai.bkn")
    retype(qtbot, page.proxy_password_edit, PROXY_PASSWORD)
    press_save(qtbot, page)
    assert page.save_message.text() == tr(Label.SETTINGS_SAVED)

    kept = session.connection_settings()
    assert kept.proxy_user == "pegawai.bkn"
    assert kept.proxy_password_set
    assert page.proxy_password_edit.text() == ""  # never shown back
    assert page.proxy_password_edit.placeholderText() == tr(Label.SETTINGS_PASSWORD_KEPT)
    assert not page.remove_password.isHidden()
    assert files_holding(machine.root, PROXY_PASSWORD) == []
    # (the logs, at DEBUG: tests/integration/test_connection_settings.py; no log file here)

    retype(qtbot, page.proxy_user_edit, "pegawai.bkn2")  # the password left empty: kept
    press_save(qtbot, page)
    assert session.connection_settings().proxy_password_set

    qtbot.mouseClick(page.remove_password, LEFT)
    assert page.proxy_password_edit.placeholderText() == tr(Label.SETTINGS_PASSWORD_TO_REMOVE)
    press_save(qtbot, page)
    assert not session.connection_settings().proxy_password_set
    assert page.remove_password.isHidden()
    assert page.proxy_password_edit.placeholderText() == ""


def files_holding(root: Path, secret: str) -> list[Path]:
    """Every file under ``root`` whose bytes hold ``secret`` as it is (UTF-8 or UTF-16)."""
    needles = (secret.encode(), secret.encode("utf-16-le"))
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and any(needle in path.read_bytes() for needle in needles)
    ]
