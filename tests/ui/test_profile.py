"""Profil (``ui/profile.py``): real widgets offscreen, real sessions signed in against the
real server on 127.0.0.1, the certificate issued and revoked by the server's own command.

The certificate: before it is issued there is no "Download Sertifikat" button (the
conditions show instead, and once passed the expected day, "sekitar …"); after
``issue-certificates --now`` at ``passed_at`` plus the delay and a sync, the button shows
with the record's number. A folder that cannot take the file gets the standard error
dialog; a good one gets, where the (replaced) save dialog said, a PDF that passes
``verify_pdf`` and whose text (``pdftotext``) holds the participant's name, and "Buka
sertifikat" opens it. "Verifikasi sertifikat…": the saved file is genuine and the server's
answer is said in words; an edited page is altered (the server's answer then vouches for
the code only); a reference certificate of a foreign key says "sync first" only before
the profile's first sync; the button stays where it is on the screen, verdict after
verdict; with the server out of reach, the line says revocation was not checked; a
PDF that is no certificate says so; revoked on the server,
the file reads revoked, and after a sync the section says why there is no button. In
English every text is said again. The devices: a second computer signed in as the same
participant is listed, reached with Tab, revoked through "Cabut" and its confirmation
(which says its unsynced work is lost; "Batal" changes nothing), gone from the list, and
its next sync refused (``auth.device_revoked``). Without a connection the list says it
needs one, calmly, and "Coba lagi" loads it once the server is back; "Keluar" asks the
window to sign out.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from latsar_desktop.certificate.render import verify_pdf
from latsar_desktop.certificate.verify import Verdict
from latsar_desktop.domain.identity import group_nip
from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.progress import certificate_delay
from latsar_desktop.i18n.labels import Label
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.errors import SyncError
from latsar_desktop.ui import errors, texts
from latsar_desktop.ui.profile import ProfilePage
from latsar_desktop.ui.tasks import TaskRunner
from latsar_desktop.ui.texts import tr
from latsar_desktop.ui.widgets import documents_folder
from latsar_server.cli import main as server_cli
from tests.certkit import REFERENCE
from tests.recipes import play_recipe, take_attempt
from tests.servers import RunningServer, dead_url
from tests.ui.steps import WAIT_MS, open_session

LEFT = Qt.MouseButton.LeftButton
PageFor = Callable[[ParticipantSession], ProfilePage]


@pytest.fixture
def page_for(qtbot: QtBot, runner: TaskRunner, styled: None, indonesian: None) -> Iterator[PageFor]:
    """``page_for(session)``: Profil shown at the window's page size (1366×768 at 125 %)."""

    def make(session: ParticipantSession) -> ProfilePage:
        page = ProfilePage(session, runner)
        qtbot.addWidget(page)
        page.resize(1100, 560)
        page.show()
        qtbot.waitExposed(page)
        return page

    yield make
    dialog = errors.current_dialog()
    if dialog is not None:
        dialog.reject()
    assert dialog is None, "an error dialog was left open"


def refreshed(qtbot: QtBot, page: ProfilePage) -> ProfilePage:
    """Ask for a refresh and wait until the certificate's read and the devices are in."""
    page.refresh()
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    return page


def save_dialog_answers(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[tuple[str, ...]]:
    """The save dialog answers ``path``; what it was asked (title, default, filter) is kept."""
    asked: list[tuple[str, ...]] = []

    def answer(_parent: object, title: str, default: str, filters: str) -> tuple[str, str]:
        asked.append((title, default, filters))
        return str(path), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return asked


def open_dialog_answers(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    def answer(_parent: object, _title: str, _folder: str, filters: str) -> tuple[str, str]:
        return str(path), filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(answer))


def verified(qtbot: QtBot, page: ProfilePage, monkeypatch: pytest.MonkeyPatch, path: Path) -> str:
    """ "Verifikasi sertifikat…" on ``path``: the verdict's property once shown."""
    open_dialog_answers(monkeypatch, path)
    with qtbot.waitSignal(page.checked, timeout=WAIT_MS):
        qtbot.mouseClick(page.verify_button, LEFT)
    assert page.verdict_panel.isVisible()
    return str(page.verdict_title.property("verdict"))


def issue_certificates(server: RunningServer, session: ParticipantSession) -> None:
    """The server's ``issue-certificates --now`` at the participant's ``passed_at`` plus
    the course's delay (the earliest moment it may issue)."""
    passed_at = session.sync_status().standing.passed_at
    assert passed_at is not None
    due = passed_at + certificate_delay(session.package().rules)
    assert server_cli([*server_args(server), "issue-certificates", "--now", due.isoformat()]) == 0


def server_args(server: RunningServer) -> list[str]:
    """The server command's options for ``server``'s database."""
    settings = server.settings
    return ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]


def test_the_certificate_button_appears_only_once_issued_and_saves_a_genuine_pdf(
    qtbot: QtBot,
    machine: MachineStore,
    ui_server: RunningServer,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = people[0]
    session = open_session(machine, person, sessions)
    page = refreshed(qtbot, page_for(session))
    assert page.name_value.text() == person["name"]
    assert page.nip_value.text() == group_nip(person["nip"])
    # nothing yet: the conditions, no button (not merely covered: not shown at all)
    assert not page.download_button.isVisible()
    assert not page.ready_box.isVisible()
    assert page.pending_box.isVisible()
    assert page.certificate_intro is not None
    assert page.certificate_intro.text() == tr(Label.PROFILE_CERTIFICATE_NOT_YET)
    assert len(page.condition_rows) >= 4
    assert not page.expected.isVisible()

    # passed and synced: still no button, the expected day instead
    play_recipe(session, "32-optional")
    take_attempt(session, right=15)
    session.sync()
    refreshed(qtbot, page)
    assert not page.download_button.isVisible()
    expected = session.view().expected_issue_at
    assert expected is not None
    assert page.expected.isVisible()
    assert page.expected.text() == tr(
        Label.PROFILE_EXPECTED, date=expected.astimezone(texts.time_zone()).date()
    )
    assert "sekitar" in page.expected.text()

    # issued by the server's command, synced: the button, with the record's details
    issue_certificates(ui_server, session)
    session.sync()
    refreshed(qtbot, page)
    assert page.download_button.isVisible()
    assert not page.pending_box.isVisible()
    certificate = session.certificate()
    assert certificate is not None
    assert certificate.record is not None
    assert page.number_value.text() == certificate.record.certificate_number
    assert page.predicate_value.text() == certificate.record.predicate
    assert not page.open_button.isVisible()

    # a folder that cannot take it: the standard error dialog, nothing left half-done
    nowhere = tmp_path / "tidak-ada" / "sertifikat.pdf"
    save_dialog_answers(monkeypatch, nowhere)
    qtbot.mouseClick(page.download_button, LEFT)
    qtbot.waitUntil(lambda: errors.current_dialog() is not None, timeout=WAIT_MS)
    dialog = errors.current_dialog()
    assert dialog is not None
    dialog.reject()
    qtbot.waitUntil(lambda: errors.current_dialog() is None, timeout=WAIT_MS)
    assert page.download_button.isEnabled()
    assert not page.save_note.isVisible()
    assert not nowhere.parent.exists()

    target = tmp_path / "chosen" / "sertifikat-saya.pdf"
    target.parent.mkdir()
    asked = save_dialog_answers(monkeypatch, target)
    with qtbot.waitSignal(page.certificate_saved, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(page.download_button, LEFT)
    assert saved.args == [target]
    ((_title, default, filters),) = asked
    assert Path(default) == documents_folder() / f"Sertifikat-Latsar-{person['nip']}.pdf"
    assert "*.pdf" in filters
    assert verify_pdf(target, session.store.known_keys()).genuine
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert person["name"] in text
    assert page.save_note.text() == tr(Label.PROFILE_SAVED, path=str(target))

    # offered to open it: the computer's own viewer gets the file
    opened: list[QUrl] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True)
    )
    assert page.open_button.isVisible()
    qtbot.mouseClick(page.open_button, LEFT)
    assert opened == [QUrl.fromLocalFile(str(target))]

    # "Verifikasi sertifikat…": the saved file is genuine, and what the server answered
    record = certificate.record
    assert verified(qtbot, page, monkeypatch, target) == Verdict.GENUINE.value
    assert page.verdict_title.text() == tr(Label.PROFILE_VERDICT_GENUINE)
    assert page.verdict_online.text() == tr(
        Label.PROFILE_SERVER_GENUINE, number=record.certificate_number, name=person["name"]
    )

    # an edited page (the name drawn otherwise, the signed record left as it was): altered
    drawn = f"({person['name']}) Tj".encode()
    pdf = target.read_bytes()
    assert drawn in pdf
    tampered = tmp_path / "diubah.pdf"
    tampered.write_bytes(pdf.replace(drawn, drawn.replace(b"a", b"o", 1)))
    assert verified(qtbot, page, monkeypatch, tampered) == Verdict.ALTERED.value
    assert page.verdict_title.text() == tr(Label.PROFILE_VERDICT_ALTERED)
    # the server knows the code, but that vouches for the code only, not for this file
    assert page.verdict_online.text() == " ".join(
        (
            tr(Label.PROFILE_SERVER_GENUINE, number=record.certificate_number, name=person["name"]),
            tr(Label.PROFILE_SERVER_ONLY_CODE),
        )
    )

    # the server out of reach: the verdict stands, revocation said to need a connection
    session.set_connection_settings(dead_url(), "", "", None)
    assert verified(qtbot, page, monkeypatch, target) == Verdict.GENUINE.value
    assert page.verdict_online.isVisible()
    assert page.verdict_online.text() == tr(Label.PROFILE_VERIFY_OFFLINE)

    # a file that is no certificate at all: said so, and no server to ask about it
    session.set_connection_settings(ui_server.url, "", "", None)
    letter = tmp_path / "surat.pdf"
    letter.write_bytes(b"%PDF-1.4 bukan sertifikat")
    assert verified(qtbot, page, monkeypatch, letter) == Verdict.NOT_A_CERTIFICATE.value
    assert not page.verdict_online.isVisible()

    # revoked on the server: the file checked online says so before this computer knows;
    # synced, Profil says why there is no button any more
    number = certificate.record.certificate_number
    assert server_cli([*server_args(ui_server), "revoke-certificate", number]) == 0
    assert verified(qtbot, page, monkeypatch, target) == Verdict.REVOKED.value
    assert page.verdict_text.text() == tr(Code.CERTIFICATE_REVOKED, number=number)
    today = datetime.now(texts.time_zone()).date()  # revoked just now, by the command
    assert page.verdict_online.text() == tr(
        Label.PROFILE_SERVER_REVOKED, number=number, name=person["name"], date=today
    )
    assert "dicabut pada" in page.verdict_online.text()
    session.sync()
    refreshed(qtbot, page)
    assert not page.download_button.isVisible()
    assert not page.pending_box.isVisible()
    assert page.problem.isVisible()
    assert page.problem.text() == tr(Code.CERTIFICATE_REVOKED, number=number)

    # English: every text said again, the data shown included
    texts.set_language("en")
    page.retranslate()
    assert page.certificate_title.text() == "Certificate"
    assert page.verdict_title.text() == "Revoked"
    assert page.problem.text() == tr(Code.CERTIFICATE_REVOKED, number=number)
    assert page.sign_out_button.text() == tr(Label.SHELL_SIGN_OUT)


def test_a_foreign_key_says_what_the_server_answered_and_sync_first_only_before_any_sync(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reference certificate (signed by a test key no client trusts): "Kunci tidak
    dikenal", and the server's answer in words (its code is not registered). "Sinkronkan
    dahulu" only while the profile has never synced; synced, the sentence says it is not
    this training's certificate or its key is not received yet."""
    reference = REFERENCE / "reference-layout-1-id.pdf"
    session = open_session(machine, people[1], sessions)
    assert session.sync_status().last_sync_at is None  # signed in, not synced yet
    page = refreshed(qtbot, page_for(session))
    verify_pdf_check = verify_pdf(reference, session.store.known_keys())
    assert verify_pdf_check.record is not None
    key_id = verify_pdf_check.record.key_id

    assert verified(qtbot, page, monkeypatch, reference) == Verdict.UNKNOWN_KEY.value
    assert page.verdict_title.text() == tr(Label.PROFILE_VERDICT_UNKNOWN_KEY)
    assert page.verdict_text.text() == tr(Label.PROFILE_UNKNOWN_KEY_SYNC, key_id=key_id)
    assert "sinkronkan dahulu" in page.verdict_text.text()
    assert page.verdict_online.text() == tr(Label.PROFILE_SERVER_UNKNOWN)

    session.sync()
    assert verified(qtbot, page, monkeypatch, reference) == Verdict.UNKNOWN_KEY.value
    assert page.verdict_text.text() == tr(Label.PROFILE_UNKNOWN_KEY, key_id=key_id)
    assert "inkronkan" not in page.verdict_text.text()  # syncing again would not help
    assert page.verdict_online.text() == tr(Label.PROFILE_SERVER_UNKNOWN)

    texts.set_language("en")
    page.retranslate()
    assert page.verdict_text.text() == tr(Label.PROFILE_UNKNOWN_KEY, key_id=key_id)
    assert page.verdict_online.text().startswith("The server's answer")


def test_the_verify_button_stays_put_under_the_mouse_verdict_after_verdict(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The verdict panel opens under the button; the button, focused as after the file
    dialog, is disabled while the check runs, and neither that nor the verdicts move it
    on the screen, click after click; a button low in the view gets its panel scrolled
    into view, the button still in view."""
    session = open_session(machine, people[1], sessions)
    page = refreshed(qtbot, page_for(session))
    # the rows the read added show on the next turn of the event loop, then lay out
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    area, button = page.scroll_area, page.verify_button
    viewport = area.viewport()
    bar = area.verticalScrollBar()
    letter = tmp_path / "surat.pdf"
    letter.write_bytes(b"%PDF-1.4 bukan sertifikat")
    files = [
        REFERENCE / "reference-layout-1-id.pdf",
        letter,
        REFERENCE / "reference-layout-1-en.pdf",
    ]

    def on_screen() -> int:
        return button.mapTo(viewport, QPoint(0, 0)).y()

    # a first verdict makes the page taller: "Keluar", the next focus stop, out of view
    verified(qtbot, page, monkeypatch, files[0])
    # the button in the middle of the view, focused (the file dialog gives it back)
    bar.setValue(button.mapTo(area.widget(), QPoint(0, 0)).y() - viewport.height() // 2 + 80)
    assert page.sign_out_button.mapTo(viewport, QPoint(0, 0)).y() >= viewport.height()
    page.activateWindow()
    button.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(button.hasFocus, timeout=WAIT_MS)
    where = on_screen()
    for path in files:
        verified(qtbot, page, monkeypatch, path)
        assert on_screen() == where
        assert button.hasFocus()  # back on the button, so Enter checks the next file
        panel_top = page.verdict_panel.mapTo(viewport, QPoint(0, 0)).y()
        assert panel_top > where + button.height()  # under the button

    # the button at the view's bottom: the panel is scrolled into view, the button stays
    bar.setValue(button.mapTo(area.widget(), QPoint(0, 0)).y() - viewport.height() + 60)
    low = bar.value()
    verified(qtbot, page, monkeypatch, files[0])
    assert bar.value() > low  # scrolled, as little as shows the panel
    panel = page.verdict_panel
    assert panel.mapTo(viewport, QPoint(0, panel.height())).y() <= viewport.height()
    assert 0 <= on_screen() < viewport.height() - button.height()


def test_a_second_device_is_listed_and_revoked_and_its_next_sync_is_refused(
    qtbot: QtBot,
    machine: MachineStore,
    ui_server: RunningServer,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    tmp_path: Path,
) -> None:
    person = people[0]
    session = open_session(machine, person, sessions)
    other_machine = MachineStore(tmp_path / "pc2")
    try:
        other_machine.set_setting(SERVER_URL_SETTING, ui_server.url)
        other = ParticipantSession.sign_in(
            other_machine, person["nip"], person["nik"], device_name="Laptop kedua"
        )
        sessions.append(other)
        page = refreshed(qtbot, page_for(session))
        rows = {row.name.text(): row for row in page.device_rows}
        assert set(rows) == {"PC uji", "Laptop kedua"}
        this, lost = rows["PC uji"], rows["Laptop kedua"]
        assert this.revoke is None
        assert this.this is not None
        assert this.this.text() == tr(Label.PROFILE_DEVICE_THIS)
        revoke = lost.revoke
        assert revoke is not None
        qtbot.waitUntil(revoke.isVisible, timeout=WAIT_MS)  # shown by the next event loop turn
        assert revoke.accessibleName() == "Cabut Laptop kedua"  # a reader says which device
        # keyboard: Tab goes from "Verifikasi sertifikat…" to the device's "Cabut"
        page.activateWindow()
        page.verify_button.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.keyClick(page.verify_button, Qt.Key.Key_Tab)
        assert page.focusWidget() is revoke

        # "Cabut": the confirmation says what is lost; "Batal" changes nothing
        qtbot.mouseClick(revoke, LEFT)
        dialog = page.revoke_dialog
        assert dialog is not None
        assert dialog.isVisible()
        assert "Laptop kedua" in dialog.text()
        assert dialog.informativeText() == tr(Label.PROFILE_REVOKE_EXPLAIN)
        assert "hilang" in dialog.informativeText()
        dialog.reject()
        qtbot.waitUntil(lambda: page.revoke_dialog is None, timeout=WAIT_MS)
        assert not page.busy
        assert {row.name.text() for row in page.device_rows} == {"PC uji", "Laptop kedua"}

        qtbot.mouseClick(revoke, LEFT)
        dialog = page.revoke_dialog
        assert dialog is not None
        confirm = page.revoke_button
        assert confirm is not None
        with qtbot.waitSignal(page.devices_loaded, timeout=WAIT_MS):
            qtbot.mouseClick(confirm, LEFT)
        qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
        assert page.revoke_dialog is None
        assert [row.name.text() for row in page.device_rows] == ["PC uji"]
        assert errors.current_dialog() is None

        with pytest.raises(SyncError) as refused:
            other.sync()
        assert other.message_for(refused.value).code == Code.AUTH_DEVICE_REVOKED
        session.sync()  # this computer goes on
    finally:
        for opened in [s for s in sessions if s.machine is other_machine]:
            opened.sign_out()
            sessions.remove(opened)
        other_machine.close()


def test_a_save_the_sign_out_interrupts_ends_without_an_error_dialog(
    qtbot: QtBot,
    machine: MachineStore,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The save runs, the participant signs out meanwhile, the save then fails (its
    session closed): the page is going away, no error dialog opens over it."""
    session = open_session(machine, people[0], sessions)
    page = refreshed(qtbot, page_for(session))
    started, go_on = threading.Event(), threading.Event()

    def held(_path: Path, _language: str) -> None:
        started.set()
        assert go_on.wait(WAIT_MS / 1000)
        raise OSError("the profile was closed")

    monkeypatch.setattr(session, "save_certificate", held)
    save_dialog_answers(monkeypatch, tmp_path / "sertifikat.pdf")
    page.download()
    assert started.wait(WAIT_MS / 1000)
    assert page.saving
    session.sign_out()
    go_on.set()
    qtbot.waitUntil(lambda: not page.saving, timeout=WAIT_MS)  # the failure came back
    assert page.download_button.isEnabled()
    assert errors.current_dialog() is None


def test_the_devices_need_a_connection_and_load_again_with_retry(
    qtbot: QtBot,
    machine: MachineStore,
    ui_server: RunningServer,
    people: list[dict[str, str]],
    sessions: list[ParticipantSession],
    page_for: PageFor,
) -> None:
    session = open_session(machine, people[1], sessions)
    session.set_connection_settings(dead_url(), "", "", None)
    page = refreshed(qtbot, page_for(session))
    assert page.device_rows == []
    assert page.devices_note.text() == tr(Label.PROFILE_DEVICES_OFFLINE)
    assert page.retry_button.isVisible()
    assert errors.current_dialog() is None  # calm: a line, no error dialog

    session.set_connection_settings(ui_server.url, "", "", None)
    with qtbot.waitSignal(page.devices_loaded, timeout=WAIT_MS):
        qtbot.mouseClick(page.retry_button, LEFT)
    assert [row.name.text() for row in page.device_rows] == ["PC uji"]
    assert not page.retry_button.isVisible()
    assert not page.devices_note.isVisible()

    signed_out: list[bool] = []
    page.sign_out_requested.connect(lambda: signed_out.append(True))
    qtbot.mouseClick(page.sign_out_button, LEFT)
    assert signed_out == [True]


def test_the_dialogs_start_in_documents_or_home_when_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a Documents folder a save dialog would take "Documents" as the file's name."""
    home = tmp_path / "rumah"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    assert documents_folder() == home
    (home / "Documents").mkdir()
    assert documents_folder() == home / "Documents"
