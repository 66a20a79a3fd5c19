"""Profil's certificate, through ``ParticipantSession`` against the real server on
127.0.0.1: the genuine PDF saved atomically; "Verifikasi sertifikat…" on it (genuine, here
and on the server), on a tampered copy (altered), on a certificate the server revoked
while this computer does not know yet (revoked, by the server's ``/verify``), and with the
server gone (the local verdict, and why the server was not asked). Saving is a piece of
the session's work: a sign-out begun while the certificate is drawn waits for it.

The certificate is issued as an operator does: ``latsar-server issue-certificates --now``
with a time at or after passing plus the course's delay.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from latsar_desktop.certificate import download as certificate_download
from latsar_desktop.certificate.render import verify_pdf
from latsar_desktop.certificate.verify import Verdict
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.progress import certificate_delay
from latsar_desktop.domain.protocol import VerifyStatus
from latsar_desktop.i18n import translate
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.store.profile import ProfileStore
from latsar_server.cli import main as server_cli
from tests import recipes
from tests.integration.serverkit import demo_people, sign_in, sqlite_demo_server
from tests.servers import RunningServer

ANI = demo_people()[2]
COLOUR = b".04 .24 .57 rg"  # the accent colour as drawn in the page's content stream


def operator(server: RunningServer, *command: str) -> None:
    settings = server.settings
    args = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    assert server_cli([*args, *command]) == 0


@contextmanager
def certified(
    folder: Path, sessions: list[ParticipantSession]
) -> Iterator[tuple[RunningServer, ParticipantSession, str]]:
    """A server, and Ani signed in on a computer in ``folder`` who passed and whose
    certificate was issued and synced; its number."""
    with sqlite_demo_server(folder) as server:
        session = sign_in(MachineStore(folder / "pc"), server.url, ANI)
        sessions.append(session)
        recipes.play_recipe(session, "32-retake")
        recipes.take_attempt(session, right=16)  # 80.00: passes
        session.sync()
        passed_at = session.view().passed_at
        assert passed_at is not None
        assert session.certificate() is None
        with pytest.raises(DomainError):
            session.save_certificate(folder / "too-early.pdf")
        assert not (folder / "too-early.pdf").exists()
        assert not (folder / "too-early.pdf.part").exists()
        due = passed_at + certificate_delay(session.package().rules)  # the course's delay
        operator(server, "issue-certificates", "--now", due.isoformat())
        session.sync()
        verification = session.certificate()
        assert verification is not None
        assert verification.record is not None
        yield server, session, verification.record.certificate_number


def test_the_saved_certificate_is_genuine_and_a_tampered_copy_altered(
    tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    with certified(tmp_path, sessions) as (_server, session, number):
        saved = session.save_certificate(tmp_path / "Sertifikat Ani.pdf")
        assert saved == tmp_path / "Sertifikat Ani.pdf"
        assert not (tmp_path / "Sertifikat Ani.pdf.part").exists()
        assert verify_pdf(saved, session.store.known_keys()).genuine
        genuine = session.check_certificate(saved)
        assert genuine.local.verdict is Verdict.GENUINE
        assert genuine.online is not None
        assert genuine.online.status is VerifyStatus.GENUINE
        assert genuine.online.certificate_number == number
        assert genuine.online_problem is None
        assert genuine.verdict is Verdict.GENUINE
        assert genuine.message().code is Code.CERTIFICATE_GENUINE
        # a code the server does not know is an answer (404 with a body), not an error
        assert session.api.verify("TIDAK-ADA-0000").status is VerifyStatus.UNKNOWN
        # one colour of the page changed, the signed record left intact
        pdf = saved.read_bytes()
        assert pdf.count(COLOUR) >= 1
        tampered = tmp_path / "tampered.pdf"
        tampered.write_bytes(pdf.replace(COLOUR, b".04 .24 .58 rg", 1))
        altered = session.check_certificate(tampered)
        assert altered.local.verdict is Verdict.ALTERED
        assert altered.verdict is Verdict.ALTERED  # the server vouches for the code, not the file
        assert altered.message().code is Code.CERTIFICATE_ALTERED
        assert "diubah" in translate(altered.message(), "id")
        # saved again over the same name: replaced whole
        session.save_certificate(saved, "en")
        assert verify_pdf(saved, session.store.known_keys()).genuine
        assert saved.read_bytes() != pdf


def test_a_certificate_revoked_on_the_server_is_revoked_before_the_computer_knows(
    tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    with certified(tmp_path, sessions) as (server, session, number):
        saved = session.save_certificate(tmp_path / "sertifikat.pdf")
        operator(server, "revoke-certificate", number)
        # not synced: this computer still holds it as genuine
        certificate = session.certificate()
        assert certificate is not None
        assert certificate.genuine
        check = session.check_certificate(saved)
        assert check.local.verdict is Verdict.GENUINE
        assert check.online is not None
        assert check.online.status is VerifyStatus.REVOKED
        assert check.verdict is Verdict.REVOKED
        assert check.message().code is Code.CERTIFICATE_REVOKED
        assert number in translate(check.message(), "id")


def test_offline_the_local_verdict_stands_and_the_problem_is_said(
    tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    with certified(tmp_path, sessions) as (_server, session, _number):
        saved = session.save_certificate(tmp_path / "sertifikat.pdf")
        tampered = tmp_path / "tampered.pdf"
        tampered.write_bytes(saved.read_bytes().replace(COLOUR, b".04 .24 .58 rg", 1))
    # the server is stopped; the computer keeps its address
    check = session.check_certificate(saved)
    assert check.online is None
    assert check.online_problem is not None
    assert check.online_problem.code is Code.SYNC_ERROR_OFFLINE
    assert check.verdict is Verdict.GENUINE
    assert check.message().code is Code.CERTIFICATE_GENUINE
    altered = session.check_certificate(tampered)
    assert altered.verdict is Verdict.ALTERED
    assert altered.online_problem is not None
    # a file that holds no record: the server is not asked at all
    stranger = tmp_path / "other.pdf"
    stranger.write_bytes(b"%PDF-1.4 nothing here")
    none = session.check_certificate(stranger)
    assert none.verdict is Verdict.NOT_A_CERTIFICATE
    assert none.online is None
    assert none.online_problem is None


def test_a_sign_out_waits_for_the_certificate_being_saved(
    tmp_path: Path, sessions: list[ParticipantSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store stays open while the PDF is drawn from it: a sign-out meanwhile leaves
    the profile locked, and the saving, once the file is written, closes and releases."""
    with certified(tmp_path, sessions) as (_server, session, _number):
        drawing, go = threading.Event(), threading.Event()
        draw = certificate_download.certificate_pdf

        def slow_draw(store: ProfileStore, language: str) -> bytes:
            drawing.set()
            assert go.wait(30)
            return draw(store, language)

        monkeypatch.setattr(certificate_download, "certificate_pdf", slow_draw)
        keys = session.store.known_keys()
        target = tmp_path / "sertifikat.pdf"
        saved: list[Path] = []
        failed: list[BaseException] = []

        def save() -> None:
            try:
                saved.append(session.save_certificate(target))
            except BaseException as error:  # the test reads it below
                failed.append(error)

        saver = threading.Thread(target=save)
        saver.start()
        try:
            assert drawing.wait(30)
            # the saving holds the store: the sign-out gives up waiting (any short wait:
            # the drawing goes on only when told) and leaves the profile to the saving
            session.sign_out(timeout=0.1)
            assert not session.signed_in
            assert session._lock is not None
            assert session._lock.is_locked
        finally:
            go.set()
            saver.join(30)
        assert not saver.is_alive()
        assert failed == []
        assert saved == [target]
        assert verify_pdf(target, keys).genuine  # written whole
        assert not session._lock.is_locked  # the saving, done, closed and released
