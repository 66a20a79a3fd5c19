"""The sign-in screen through its real widgets, against the real server on 127.0.0.1.

Inline messages under the fields from the domain codes (shown when a field is left, not
while the first digits are typed; a NIP with spaces and dots accepted); the server's
refusals in the message area, never a dialog (a wrong NIK, a locked NIP, no connection
on a first sign-in, an app too old with its link); the offline slow-down counted down
with "Masuk" disabled; the Tab order; removing a profile with its unsynced events
counted; the language switch; the demo people filled in with one click. And what a
new-user test found: an empty field left says nothing until "Masuk"; the show toggle
says "Sembunyikan" while the NIK shows; Return in the NIP signs in once both fields are
filled; a field's message moves nothing; a focused card says Delete removes it; the
demo people stay under the list; after a sign-out the card of who left has the focus;
choosing another account or card clears the last refusal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import PROTOCOL_VERSION, ActivityKind
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session.participant import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui import errors
from latsar_desktop.ui.main_window import MainWindow
from latsar_desktop.ui.texts import say, tr
from latsar_server.settings import Settings
from tests.integration.serverkit import load_demo
from tests.servers import free_port, running_server
from tests.ui.steps import (
    LEFT,
    WAIT_MS,
    Person,
    first_activity,
    focus_of,
    sign_in,
    sign_out,
    submit,
    type_credentials,
    watched_before,
)

MakeWindow = Callable[..., MainWindow]
BUDI_GROUPED = "19900514 202601 1 901"  # Budi's NIP as printed on his papers


def field_message(code: Code, **params: str | int) -> str:
    return say(msg(code, **params))


def button_of(dialog: QMessageBox, role: QMessageBox.ButtonRole) -> QAbstractButton:
    return next(b for b in dialog.buttons() if dialog.buttonRole(b) is role)


# ---------------------------------------------------------------------- inline messages


def test_a_nip_typed_with_spaces_and_dots_is_accepted_and_signs_in(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    page = window.signin
    # one digit short, grouped with spaces and dots as on paper
    qtbot.mouseClick(page.nip_edit, LEFT)
    qtbot.keyClicks(page.nip_edit, "19900514.202601 1 90")
    assert page.nip_error.text() == ""  # nothing while typing
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Tab)  # the field is left
    assert page.nip_error.text() == field_message(Code.NIP_WRONG_LENGTH, length=17, expected=18)
    assert page.nip_edit.property("invalid") is True
    # the last digit: the message follows the typing and goes
    qtbot.mouseClick(page.nip_edit, LEFT)
    page.nip_edit.end(False)
    qtbot.keyClicks(page.nip_edit, "1")
    assert page.nip_error.text() == ""
    assert page.nip_edit.property("invalid") is False

    type_credentials(qtbot, page, None, people[0]["nik"])
    submit(qtbot, window)
    assert window.session is not None, page.message_text()
    assert window.session.nip == people[0]["nip"]  # the digits, without the spaces
    assert page.nip_error.text() == ""
    assert page.nik_error.text() == ""


def test_a_nik_with_a_letter_shows_its_inline_message_and_nothing_is_sent(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    page = window.signin
    qtbot.mouseClick(page.nip_edit, LEFT)
    qtbot.keyClicks(page.nip_edit, BUDI_GROUPED)
    qtbot.mouseClick(page.nik_edit, LEFT)
    qtbot.keyClicks(page.nik_edit, "32730114O5")  # the letter O typed for a zero
    assert page.nik_error.text() == ""  # not while typing
    qtbot.mouseClick(page.submit_button, LEFT)
    expected = field_message(Code.NIK_NOT_DIGITS, char="O", position=9)
    assert page.nik_error.text() == expected
    assert page.nik_edit.property("invalid") is True
    assert page.nip_error.text() == ""
    assert focus_of(window) is page.nik_edit
    assert not page.runner.busy  # nothing sent to the server
    assert window.session is None
    assert machine.profiles() == []
    assert not page.message.isVisible()


def test_the_nik_is_hidden_until_shown(
    qtbot: QtBot, machine: MachineStore, make_window: MakeWindow
) -> None:
    page = make_window(machine).signin
    assert page.nik_edit.echoMode() is page.nik_edit.EchoMode.Password
    qtbot.mouseClick(page.show_nik, LEFT)
    assert page.show_nik.isChecked()
    assert page.nik_edit.echoMode() is page.nik_edit.EchoMode.Normal
    qtbot.mouseClick(page.show_nik, LEFT)
    assert page.nik_edit.echoMode() is page.nik_edit.EchoMode.Password


def test_the_show_toggle_says_sembunyikan_while_the_nik_shows(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    page = make_window(two_profiles).signin
    toggle, field = page.show_nik, page.nik_edit.geometry()
    assert (toggle.text(), toggle.accessibleName()) == ("Tampilkan", "Tampilkan NIK")
    qtbot.mouseClick(toggle, LEFT)
    assert page.nik_edit.echoMode() is page.nik_edit.EchoMode.Normal
    assert (toggle.text(), toggle.accessibleName()) == ("Sembunyikan", "Sembunyikan NIK")
    QApplication.processEvents()
    assert page.nik_edit.geometry() == field  # the longer word takes no room from the NIK
    qtbot.keyClick(toggle, Qt.Key.Key_Space)  # and back, by the keyboard
    assert page.nik_edit.echoMode() is page.nik_edit.EchoMode.Password
    assert (toggle.text(), toggle.accessibleName()) == ("Tampilkan", "Tampilkan NIK")


def test_an_empty_field_left_says_nothing_until_masuk(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    window = make_window(two_profiles)
    page = window.signin
    # a digit typed and taken back (the field counts as edited), then Shift+Tab
    qtbot.mouseClick(page.nip_edit, LEFT)
    qtbot.keyClicks(page.nip_edit, "1")
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focus_of(window) is page.other_account  # back to the cards: the NIP left empty
    assert page.nip_error.text() == ""
    assert page.nip_edit.property("invalid") is not True
    qtbot.mouseClick(page.nik_edit, LEFT)
    qtbot.keyClicks(page.nik_edit, "3")
    qtbot.keyClick(page.nik_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(page.nik_edit, Qt.Key.Key_Tab)  # the NIK left empty
    assert focus_of(window) is page.show_nik
    assert page.nik_error.text() == ""
    # "Masuk" checks both
    qtbot.mouseClick(page.submit_button, LEFT)
    assert page.nip_error.text() == field_message(Code.NIP_EMPTY)
    assert page.nik_error.text() == field_message(Code.NIK_EMPTY)
    assert focus_of(window) is page.nip_edit
    # the message follows the typing; the field emptied again, it waits for "Masuk"
    qtbot.keyClicks(page.nip_edit, "1")
    assert page.nip_error.text() == field_message(Code.NIP_WRONG_LENGTH, length=1, expected=18)
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Backspace)
    assert page.nip_error.text() == ""
    # a field left with something typed in it is checked
    qtbot.mouseClick(page.other_account, LEFT)  # the messages gone, the NIP next
    assert page.nip_error.text() == ""
    qtbot.keyClicks(page.nip_edit, "1990")
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert page.nip_error.text() == field_message(Code.NIP_WRONG_LENGTH, length=4, expected=18)


def test_return_in_the_nip_goes_to_an_empty_nik_and_signs_in_when_both_are_filled(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    page = window.signin
    qtbot.mouseClick(page.nip_edit, LEFT)
    qtbot.keyClicks(page.nip_edit, BUDI_GROUPED)
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Return)  # the NIK is empty: it is next
    assert focus_of(window) is page.nik_edit
    assert not page.runner.busy
    # both filled, the NIP one digit short: "Masuk" shows its message and goes back to it
    qtbot.keyClicks(page.nik_edit, people[0]["nik"])
    qtbot.mouseClick(page.nip_edit, LEFT)
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Backspace)
    qtbot.mouseClick(page.submit_button, LEFT)
    assert page.nip_error.text() == field_message(Code.NIP_WRONG_LENGTH, length=17, expected=18)
    assert focus_of(window) is page.nip_edit
    # the digit typed again: one Return signs in
    page.nip_edit.end(False)
    qtbot.keyClicks(page.nip_edit, "1")
    assert page.nip_error.text() == ""
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Return)
    assert page.runner.busy  # the sign-in started at once
    qtbot.waitUntil(lambda: window.current_screen() is not page, timeout=WAIT_MS)
    assert window.session is not None
    assert window.session.nip == people[0]["nip"]


def test_masuk_keeps_its_place_when_the_field_messages_appear(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    """Each field keeps a place for its message: one shown moves nothing below it."""
    window = make_window(two_profiles)
    page = window.signin
    qtbot.mouseClick(page.other_account, LEFT)
    qtbot.keyClicks(page.nip_edit, BUDI_GROUPED)
    qtbot.mouseClick(page.nik_edit, LEFT)
    qtbot.keyClicks(page.nik_edit, "32730114O5")  # the letter O typed for a zero
    before = {w: w.geometry() for w in (page.nik_edit, page.submit_button, page.message)}
    qtbot.mouseClick(page.submit_button, LEFT)
    assert page.nik_error.text() == field_message(Code.NIK_NOT_DIGITS, char="O", position=9)
    QApplication.processEvents()
    assert page.nik_error.height() >= page.nik_error.heightForWidth(page.nik_error.width())
    assert {w: w.geometry() for w in before} == before
    # and the NIP's message too (a birth date that does not exist: the longest)
    qtbot.mouseClick(page.nip_edit, LEFT)
    page.nip_edit.selectAll()
    qtbot.keyClicks(page.nip_edit, "19900231 202601 1 901")
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Tab)
    assert page.nip_error.text().startswith("Tanggal lahir pada NIP")
    QApplication.processEvents()
    assert {w: w.geometry() for w in before} == before


# ---------------------------------------------------------------------- the server's refusals


def test_a_wrong_nik_online_shows_the_servers_message_under_masuk_not_in_a_dialog(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    page = window.signin
    type_credentials(qtbot, page, people[0]["nip"], people[1]["nik"])  # Siti's NIK
    submit(qtbot, window)
    assert window.session is None
    assert window.current_screen() is page
    assert page.message.isVisible()
    assert page.message_text() == say(msg(Code.AUTH_INVALID_CREDENTIALS))
    assert page.message.property("role") == "error"
    assert QApplication.activeModalWidget() is None
    assert errors.current_dialog() is None
    # the fields are usable again, the NIK chosen for retyping
    assert page.nip_edit.isEnabled()
    assert page.nik_edit.isEnabled()
    assert page.submit_button.isEnabled()
    assert not page.busy_bar.isVisible()
    assert focus_of(window) is page.nik_edit
    assert page.nik_edit.selectedText() == page.nik_edit.text()


def test_a_locked_nip_says_how_long_to_wait(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    page = window.signin
    wrong = msg(Code.AUTH_INVALID_CREDENTIALS)
    near = [msg(Code.AUTH_INVALID_CREDENTIALS_TRIES_LEFT, tries_left=n, minutes=15) for n in (2, 1)]
    for attempt, expected in enumerate([wrong, wrong, *near]):
        type_credentials(qtbot, page, people[0]["nip"], people[1]["nik"])
        submit(qtbot, window)
        assert page.message_text() == say(expected), attempt
    assert (
        say(near[1])
        == "NIP atau NIK salah. Sisa 1 kali percobaan sebelum NIP ini dikunci selama 15 menit."
    )
    # the fifth wrong NIK locks the NIP (5 in 15 minutes), the right one too meanwhile
    locked = say(msg(Code.AUTH_NIP_LOCKED, minutes=15))
    for nik in (people[1]["nik"], people[0]["nik"]):
        type_credentials(qtbot, page, people[0]["nip"], nik)
        submit(qtbot, window)
        assert window.session is None
        assert page.message_text() == locked
    assert locked.endswith("untuk NIP ini. Coba lagi dalam 15 menit.")


def test_no_connection_on_a_first_sign_in(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    machine.set_setting(SERVER_URL_SETTING, f"http://127.0.0.1:{free_port()}")  # nobody
    window = make_window(machine)
    sign_in_attempt = window.signin
    type_credentials(qtbot, sign_in_attempt, people[0]["nip"], people[0]["nik"])
    submit(qtbot, window)
    assert window.session is None
    # said once, without the sync texts' "your progress is safe" (there is none yet)
    assert sign_in_attempt.message_text() == say(msg(Code.SIGNIN_FIRST_ONLINE))
    assert machine.profiles() == []


def test_an_app_too_old_links_to_the_new_version(
    qtbot: QtBot, tmp_path: Path, people: list[Person], make_window: MakeWindow
) -> None:
    url = "https://latsar.example.go.id/unduh"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    newer = dataclasses.replace(settings, min_protocol=PROTOCOL_VERSION + 1, update_url=url)
    machine = MachineStore(tmp_path / "pc")
    try:
        with running_server(newer) as server:
            load_demo(server)
            machine.set_setting(SERVER_URL_SETTING, server.url)
            window = make_window(machine)
            page = window.signin
            type_credentials(qtbot, page, people[0]["nip"], people[0]["nik"])
            submit(qtbot, window)
        assert window.session is None
        assert say(msg(Code.SYNC_ERROR_CLIENT_TOO_OLD_URL, url=url)) in page.message_text()
        assert f'<a href="{url}">{url}</a>' in page.message.text()  # a clickable link
        assert page.message.openExternalLinks()
        flags = page.message.textInteractionFlags()
        assert flags & Qt.TextInteractionFlag.LinksAccessibleByMouse
    finally:
        machine.close()


@pytest.fixture
def offline_machine(tmp_path: Path, people: list[Person]) -> Iterator[MachineStore]:
    """Budi signed in once online (welcome watched), then the server stopped for good."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    store = MachineStore(tmp_path / "pc")
    with running_server(settings) as server:
        load_demo(server)
        store.set_setting(SERVER_URL_SETTING, server.url)
        watched_before(store, people[0])
    yield store
    store.close()


def test_offline_wrong_niks_show_the_wait_counting_down_with_masuk_disabled(
    qtbot: QtBot, offline_machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(offline_machine)
    page = window.signin
    assert len(page.cards) == 1
    qtbot.mouseClick(page.cards[0], LEFT)  # Budi's card: the NIP filled in, the NIK next
    assert page.nip_edit.text() == BUDI_GROUPED
    assert focus_of(window) is page.nik_edit
    for tries_left in (2, 1):
        type_credentials(qtbot, page, None, people[1]["nik"])
        submit(qtbot, window)
        assert page.message_text() == say(msg(Code.SIGNIN_WRONG_NIK_OFFLINE, tries_left=tries_left))
        assert page.submit_button.isEnabled()
    type_credentials(qtbot, page, None, people[1]["nik"])
    submit(qtbot, window)
    first, wait = page.message_text().split("\n")
    assert first == say(msg(Code.SIGNIN_WRONG_NIK_OFFLINE, tries_left=0))
    assert wait == say(msg(Code.SIGNIN_WAIT, seconds=10))
    assert page.waiting
    assert not page.submit_button.isEnabled()
    # the countdown goes on live; "Masuk" (click or Enter) does nothing meanwhile
    qtbot.waitUntil(lambda: "Tunggu 9 detik" in page.message_text(), timeout=WAIT_MS)
    qtbot.mouseClick(page.cards[0], LEFT)  # the card again: the wait alone is still said
    assert page.message_text().startswith("Terlalu banyak NIK yang salah. Tunggu ")
    qtbot.mouseClick(page.submit_button, LEFT)
    type_credentials(qtbot, page, None, people[0]["nik"])
    qtbot.keyClick(page.nik_edit, Qt.Key.Key_Return)
    assert not page.runner.busy
    assert window.session is None
    assert not page.submit_button.isEnabled()
    # when it ends, "Masuk" is back and the right NIK signs in offline
    qtbot.waitUntil(lambda: page.submit_button.isEnabled(), timeout=WAIT_MS)
    assert not page.waiting
    assert page.message_text() == tr(Label.SIGNIN_WAIT_OVER)
    assert page.message.property("role") == "notice"
    submit(qtbot, window)
    assert window.session is not None, page.message_text()
    assert not window.session.online


# ---------------------------------------------------------------------- the screen itself


@pytest.fixture
def two_profiles(tmp_path: Path) -> Iterator[MachineStore]:
    """A computer with two profiles and no server (the order of the cards: by name)."""
    store = MachineStore(tmp_path / "pc")
    store.add_profile("199005142026011901", "Budi Santoso", "Pemerintah Kota Bandung")
    store.add_profile("199308212026012902", "Siti Rahmawati", "Pemerintah Kota Surabaya")
    yield store
    store.close()


def test_the_tab_order_cards_nip_nik_show_masuk_language(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    window = make_window(two_profiles)
    page = window.signin
    budi, siti = page.cards
    assert (budi.card.name, siti.card.name) == ("Budi Santoso", "Siti Rahmawati")
    assert budi.nip_label.text() == f"NIP {BUDI_GROUPED}"
    assert focus_of(window) is budi  # the screen starts on the first card
    expected = [
        siti,
        page.other_account,
        page.nip_edit,
        page.nik_edit,
        page.show_nik,
        page.submit_button,
        page.language,
    ]
    seen = []
    for _ in expected:
        focused = focus_of(window)
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        seen.append(focus_of(window))
    assert seen == expected
    # and back with Shift+Tab
    qtbot.keyClick(page.language, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focus_of(window) is page.submit_button


def test_a_card_chosen_by_keyboard_fills_the_nip_and_focuses_the_nik(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    window = make_window(two_profiles)
    page = window.signin
    qtbot.keyClick(page.cards[0], Qt.Key.Key_Tab)
    qtbot.keyClick(page.cards[1], Qt.Key.Key_Return)
    assert page.cards[1].isChecked()
    assert page.nip_edit.text() == "19930821 202601 2 902"
    assert focus_of(window) is page.nik_edit
    qtbot.mouseClick(page.other_account, LEFT)  # "Masuk dengan akun lain": empty, the NIP
    assert page.nip_edit.text() == ""
    assert focus_of(window) is page.nip_edit


def test_a_card_with_the_focus_says_delete_removes_it(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    """ "Hapus" stays out of the Tab order (cards, NIP, NIK, …): the card says its keys."""
    window = make_window(two_profiles)
    page = window.signin
    budi, siti = page.cards
    hint = page.profiles.card_hint
    for card in (budi, siti):
        assert card.toolTip() == "Tekan Delete untuk menghapus profil ini."
        assert card.accessibleDescription() == card.toolTip()
    assert focus_of(window) is budi
    assert hint.isVisible()
    assert hint.text() == "Tekan Enter untuk memilih profil ini, atau Delete untuk menghapusnya."
    below = {w: w.geometry() for w in (page.other_account, hint, page.profiles.free_space)}
    qtbot.keyClick(budi, Qt.Key.Key_Tab)
    assert focus_of(window) is siti
    assert hint.isVisible()
    qtbot.keyClick(siti, Qt.Key.Key_Tab)  # "Masuk dengan akun lain": not a card
    assert focus_of(window) is page.other_account
    assert not hint.isVisible()
    qtbot.keyClick(page.other_account, Qt.Key.Key_Tab)
    assert focus_of(window) is page.nip_edit
    assert not hint.isVisible()
    QApplication.processEvents()
    assert {w: w.geometry() for w in below} == below  # its place kept: nothing moved


def test_the_demo_people_stay_right_under_the_profile_list(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    from latsar_desktop.demo import demo_people

    window = make_window(two_profiles, demo_people())
    page = window.signin
    panel, scroll, other = page.demo_panel, page.profiles.card_scroll, page.other_account
    assert panel is not None

    def gap_above_the_demo_people(height: int, last: QWidget) -> int:
        window.resize(1093, height)
        qtbot.waitUntil(lambda: window.height() == height)
        QApplication.processEvents()
        bottom = last.mapTo(page.profiles, QPoint(0, last.height())).y()
        return panel.geometry().top() - bottom

    # at 1366×768 and 125 % the list scrolls, the demo people right under it
    assert 0 < gap_above_the_demo_people(550, scroll) < page.cards[0].height()
    # taller: every card shown, the demo people right under the last line; a taller
    # window's height goes below them, none above
    gap = gap_above_the_demo_people(760, other)
    assert 0 < gap < page.cards[0].height()
    assert scroll.height() >= scroll.widget().sizeHint().height()
    assert gap_above_the_demo_people(900, other) == gap
    assert page.profiles.free_space.height() > 0
    # one more profile (as after a first sign-in): the list grows with it
    two_profiles.add_profile("198811032026011903", "I Made Wirawan", "Pemerintah Kota Denpasar")
    page.refresh_profiles()
    qtbot.waitUntil(lambda: len(page.cards) == 3 and page.cards[2].isVisible())
    qtbot.waitUntil(lambda: scroll.height() >= scroll.widget().sizeHint().height())
    assert gap_above_the_demo_people(900, other) == gap


def test_after_a_sign_out_the_card_of_who_left_has_the_focus(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    budi, siti = people[0], people[1]
    watched_before(machine, budi)
    watched_before(machine, siti)
    window = make_window(machine)
    page = window.signin
    assert [c.card.name for c in page.cards] == [budi["name"], siti["name"]]
    assert focus_of(window) is page.cards[0]
    sign_in(qtbot, window, siti)
    qtbot.waitUntil(lambda: window.shell is not None, timeout=WAIT_MS)
    sign_out(qtbot, window)
    siti_card = page.cards[1]
    assert siti_card.card.name == siti["name"]
    assert focus_of(window) is siti_card
    assert siti_card.isChecked()
    assert not page.cards[0].isChecked()
    assert page.nip_edit.text() == "19930821 202601 2 902"
    assert page.nik_edit.text() == ""
    qtbot.keyClick(siti_card, Qt.Key.Key_Return)  # Enter: her NIK next
    assert focus_of(window) is page.nik_edit


def test_choosing_another_account_or_card_clears_the_last_refusal(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    watched_before(machine, people[0])
    window = make_window(machine)
    page = window.signin
    type_credentials(qtbot, page, people[1]["nip"], people[0]["nik"])  # Budi's NIK
    submit(qtbot, window)
    assert page.message_text() == say(msg(Code.AUTH_INVALID_CREDENTIALS))
    qtbot.mouseClick(page.other_account, LEFT)  # "Masuk dengan akun lain", fields empty
    assert not page.message.isVisible()
    assert page.message_text() == ""
    type_credentials(qtbot, page, people[1]["nip"], people[0]["nik"])
    submit(qtbot, window)
    assert page.message.isVisible()
    qtbot.mouseClick(page.cards[0], LEFT)  # Budi's card
    assert not page.message.isVisible()
    assert page.message_text() == ""


def test_removing_a_profile_with_unsynced_events_warns_with_their_number(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    session = ParticipantSession.sign_in(
        machine, people[0]["nip"], people[0]["nik"], device_name="PC uji"
    )
    try:  # three events recorded, none sent (no sync ran)
        session.watch_welcome()
        session.complete_activity(first_activity(session, ActivityKind.VIDEO))
        session.complete_activity(first_activity(session, ActivityKind.READING))
        database = session.store.path
    finally:
        session.sign_out()
    window = make_window(machine)
    page = window.signin
    (card,) = page.cards
    # "Batal" keeps it
    qtbot.mouseClick(card.remove_button, LEFT)
    dialog = page.remove_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.text() == tr(Label.SIGNIN_REMOVE_QUESTION, name="Budi Santoso")
    warning = "3 kegiatan belum terkirim ke server dan akan hilang."
    assert warning in dialog.informativeText()
    qtbot.mouseClick(button_of(dialog, QMessageBox.ButtonRole.RejectRole), LEFT)
    assert page.remove_dialog is None
    assert [c.card.name for c in page.cards] == ["Budi Santoso"]
    # the Delete key on the card asks again; "Hapus profil" removes it
    qtbot.keyClick(page.cards[0], Qt.Key.Key_Delete)
    dialog = page.remove_dialog
    assert dialog is not None
    assert warning in dialog.informativeText()
    qtbot.mouseClick(button_of(dialog, QMessageBox.ButtonRole.DestructiveRole), LEFT)
    qtbot.waitUntil(lambda: not page.cards and not page.runner.busy, timeout=WAIT_MS)
    assert machine.profiles() == []
    assert not database.exists()
    assert page.message_text() == tr(Label.SIGNIN_REMOVED, name="Budi Santoso")
    assert page.no_profiles.isVisible()


def test_a_profile_in_use_is_not_removed(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    session = ParticipantSession.sign_in(
        machine, people[0]["nip"], people[0]["nik"], device_name="PC uji"
    )
    try:  # signed in elsewhere (another window) while this one removes it
        page = make_window(machine).signin
        qtbot.mouseClick(page.cards[0].remove_button, LEFT)
        dialog = page.remove_dialog
        assert dialog is not None
        assert "belum terkirim" not in dialog.informativeText()  # nothing recorded yet
        qtbot.mouseClick(button_of(dialog, QMessageBox.ButtonRole.DestructiveRole), LEFT)
        qtbot.waitUntil(lambda: page.message.isVisible(), timeout=WAIT_MS)
        assert page.message_text() == say(msg(Code.SIGNIN_PROFILE_IN_USE))
        assert len(page.cards) == 1
        assert len(machine.profiles()) == 1
    finally:
        session.sign_out()


def test_the_language_switch_retranslates_at_once_and_is_kept(
    qtbot: QtBot, two_profiles: MachineStore, make_window: MakeWindow
) -> None:
    window = make_window(two_profiles)
    page = window.signin
    qtbot.mouseClick(page.nip_edit, LEFT)
    qtbot.keyClicks(page.nip_edit, "1990")
    qtbot.keyClick(page.nip_edit, Qt.Key.Key_Tab)
    before = {
        "title": page.title.text(),
        "submit": page.submit_button.text(),
        "window": window.windowTitle(),
        "nip": page.nip_error.text(),
        "card": page.cards[0].remove_button.text(),
    }
    assert before == {
        "title": "Masuk ke Latsar Desktop",
        "submit": "Masuk",
        "window": "Masuk · Latsar Desktop",
        "nip": "NIP harus 18 angka, tetapi yang dimasukkan 4 angka.",
        "card": "Hapus",
    }
    qtbot.mouseClick(page.language, LEFT)  # open the list, choose English
    popup = page.language.view()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.submit_button.text() == "Sign in")
    assert page.title.text() == "Sign in to Latsar Desktop"
    assert window.windowTitle() == "Sign in · Latsar Desktop"
    assert page.nip_error.text() == "The NIP must have 18 digits, but 4 were entered."
    assert page.cards[0].remove_button.text() == "Remove"
    assert two_profiles.setting("language") == "en"
    # and back
    page.language.setFocus()
    qtbot.keyClick(page.language, Qt.Key.Key_Up)
    assert page.title.text() == before["title"]
    assert window.windowTitle() == before["window"]
    assert page.nip_error.text() == before["nip"]
    assert two_profiles.setting("language") == "id"


def test_demo_people_are_filled_in_with_one_click(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    from latsar_desktop.demo import demo_people

    window = make_window(machine, demo_people())
    page = window.signin
    assert page.demo_panel is not None
    assert page.demo_panel.isVisible()
    assert len(page.demo_buttons) == len(people) == 5
    siti = people[1]
    qtbot.mouseClick(page.demo_buttons[1], LEFT)
    assert page.nip_edit.text() == "19930821 202601 2 902"
    assert page.nik_edit.text() == siti["nik"]
    assert focus_of(window) is page.submit_button
    qtbot.keyClick(page.submit_button, Qt.Key.Key_Return)  # Enter signs in
    qtbot.waitUntil(lambda: window.session is not None, timeout=WAIT_MS)
    assert window.session is not None
    assert window.session.name == siti["name"]


def test_the_busy_line_keeps_its_place(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    """The sign-in's busy line appears in place: nothing on the screen moves."""
    window = make_window(machine)
    page = window.signin
    type_credentials(qtbot, page, people[0]["nip"], people[1]["nik"])
    before = {w: w.geometry() for w in (page.submit_button, page.nik_edit, page.message)}
    page.submit()
    assert page.busy_bar.isVisible()
    assert not page.nik_edit.isEnabled()
    QApplication.processEvents()
    assert {w: w.geometry() for w in before} == before
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=WAIT_MS)
    assert not page.busy_bar.isVisible()
    assert page.submit_button.geometry() == before[page.submit_button]


def test_masuk_waits_while_the_demo_server_starts_and_the_fields_stay_usable(
    qtbot: QtBot, machine: MachineStore, people: list[Person], make_window: MakeWindow
) -> None:
    window = make_window(machine)
    page = window.signin
    page.set_waiting_for_server(True)
    assert not page.submit_button.isEnabled()
    assert page.message.isVisible()
    assert page.message_text() == "Menyiapkan server demo… Mohon tunggu sebentar."
    assert page.message.property("role") == "notice"
    # the NIP and NIK may be typed meanwhile, and are checked as always
    assert page.nip_edit.isEnabled()
    assert page.nik_edit.isEnabled()
    type_credentials(qtbot, page, "1990", people[0]["nik"])
    assert page.nip_error.text() == field_message(Code.NIP_WRONG_LENGTH, length=4, expected=18)
    type_credentials(qtbot, page, people[0]["nip"], people[0]["nik"])
    assert page.nip_error.text() == ""
    # neither Enter nor a click on "Masuk" signs in yet
    qtbot.keyClick(page.nik_edit, Qt.Key.Key_Return)
    qtbot.mouseClick(page.submit_button, LEFT)
    assert not page.runner.busy
    assert window.session is None
    assert page.message_text() == tr(Label.SIGNIN_SERVER_STARTING)
    # the server is up: "Masuk" is back, the note gone, what was typed kept
    page.set_waiting_for_server(False)
    assert page.submit_button.isEnabled()
    assert not page.message.isVisible()
    assert page.message_text() == ""
    assert page.nik_edit.text() == people[0]["nik"]
    submit(qtbot, window)
    assert window.session is not None, page.message_text()
