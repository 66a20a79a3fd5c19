"""Certificates end to end: issued by the server after the delay, signed, synced,
rendered and verified on the client, checked on /verify, surviving a key rotation and a
newer server that adds a field to the record."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from latsar_desktop.certificate.download import certificate_pdf, current_certificate
from latsar_desktop.certificate.render import verify_pdf
from latsar_desktop.certificate.verify import Verdict, verify_record
from latsar_desktop.domain.messages import DomainError
from latsar_desktop.domain.protocol import SignedCertificate
from latsar_desktop.sync.refresh import refresh_package
from latsar_server.certificates import issuance as server_certificates
from latsar_server.certificates.issuance import issue_certificates, revoke_certificate
from latsar_server.certificates.keys import keygen
from latsar_server.cli import main as server_cli
from tests import recipes as demo
from tests.integration.serverkit import (
    demo_people,
    engine_for,
    offline_store,
    play,
    server_view,
    take_attempt,
)
from tests.servers import RunningServer

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]
COURSE = "latsar-pppk-2026"


def passed(server: RunningServer, tmp_path: Path, person: dict[str, str]):  # type: ignore[no-untyped-def]
    """A participant who studied, passed and synced; returns (store, api, engine)."""
    store = offline_store(tmp_path / person["nip"])
    play(store, demo.recipe_steps("32-retake"))
    take_attempt(store, 16)  # 80.00
    api, engine = engine_for(server, store, person)
    refresh_package(api, store, COURSE)
    engine.run()
    assert store.progress().passed
    return store, api, engine


def test_issuance_respects_the_delay_to_the_second(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    store, _api, engine = passed(demo_server, tmp_path, BUDI)
    passed_at = server_view(demo_server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None
    due = passed_at + timedelta(days=20)
    settings = demo_server.settings
    assert issue_certificates(demo_server.engine, settings, due - timedelta(seconds=1)) == []
    (number,) = issue_certificates(demo_server.engine, settings, due)
    assert number.startswith(f"LATSAR/{due.year}/")
    assert issue_certificates(demo_server.engine, settings, due + timedelta(days=1)) == []
    # the signed record reaches the client as a change, and renders
    engine.run()
    verification = current_certificate(store)
    assert verification is not None
    assert verification.genuine
    record = verification.record
    assert record is not None
    assert (record.certificate_number, record.name, record.nip) == (
        number,
        BUDI["name"],
        BUDI["nip"],
    )
    assert str(record.final_score) == "80.00"
    assert record.predicate == "Cukup Memuaskan"
    assert record.period_end == passed_at.astimezone(ZoneInfo("Asia/Jakarta")).date()
    assert record.issued_on == due.astimezone(ZoneInfo("Asia/Jakarta")).date()
    pdf = tmp_path / "sertifikat.pdf"
    pdf.write_bytes(certificate_pdf(store))
    assert verify_pdf(pdf, store.known_keys()).genuine
    assert store.progress().certificate_issued
    assert store.progress().evaluation.closed
    # the evaluation is closed: a later attempt is rejected
    take_attempt(store, 20)
    report = engine.run()
    assert report.rejected == 1
    (rejection,) = store.rejections()
    assert rejection.message.code == "sync.after_certificate"


def test_verify_page_genuine_unknown_revoked(demo_server: RunningServer, tmp_path: Path) -> None:
    store, _api, engine = passed(demo_server, tmp_path, BUDI)
    passed_at = server_view(demo_server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None
    (number,) = issue_certificates(
        demo_server.engine, demo_server.settings, passed_at + timedelta(days=21)
    )
    engine.run()
    record = current_certificate(store).record  # type: ignore[union-attr]
    code = record.verification_code
    assert record.verify_url.endswith(f"/verify/{code}")
    with httpx.Client(base_url=demo_server.url) as http:
        page = http.get(f"/verify/{code}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "ASLI" in page.text
        assert BUDI["name"] in page.text
        assert BUDI["nip"] not in page.text
        assert BUDI["nip"][:4] + "*" in page.text
        answer = http.get(f"/verify/{code}", headers={"Accept": "application/json"}).json()
        assert answer["status"] == "genuine"
        assert answer["certificate_number"] == number
        unknown = http.get("/verify/ZZZZ-ZZZZ-ZZZZ")
        assert unknown.status_code == 404
        assert "TIDAK DIKENAL" in unknown.text
        assert http.get("/verify/ZZZZ-ZZZZ-ZZZZ?format=json").json()["status"] == "unknown"
        assert revoke_certificate(demo_server.engine, number, passed_at + timedelta(days=22))
        revoked = http.get(f"/verify/{code}")
        assert revoked.status_code == 200
        assert "DICABUT" in revoked.text
        assert http.get(f"/verify/{code}?format=json").json()["status"] == "revoked"
    # the client learns it too, and refuses to render a revoked certificate
    engine.run()
    verification = current_certificate(store)
    assert verification is not None
    assert verification.verdict is Verdict.REVOKED
    with pytest.raises(DomainError) as info:
        certificate_pdf(store)
    assert info.value.message.code.value == "certificate.revoked"


def test_key_rotation_keeps_old_certificates_verifiable(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    budi, budi_api, budi_engine = passed(demo_server, tmp_path, BUDI)
    siti, _siti_api, siti_engine = passed(demo_server, tmp_path, SITI)
    settings = demo_server.settings
    later = server_view(demo_server, SITI["nip"]).standing.passed_at + timedelta(days=30)  # type: ignore[operator]
    assert len(issue_certificates(demo_server.engine, settings, later)) == 2  # old key
    budi_engine.run()
    old = current_certificate(budi)
    assert old is not None
    old_key = old.record.key_id  # type: ignore[union-attr]
    new = keygen(demo_server.engine, settings.key_dir)
    assert new.key_id != old_key
    # the client refreshes its package and keeps every key it ever received
    result = refresh_package(budi_api, budi, COURSE)
    assert result.changed
    assert new.key_id in result.new_keys
    assert set(budi.known_keys()) == {old_key, new.key_id}
    again = current_certificate(budi)
    assert again is not None
    assert again.genuine
    pdf = tmp_path / "lama.pdf"
    pdf.write_bytes(certificate_pdf(budi))
    assert verify_pdf(pdf, budi.known_keys()).genuine
    # certificates issued after the rotation carry the new key
    andreas = PEOPLE[4]
    store, _api, engine = passed(demo_server, tmp_path, andreas)
    passed_at = server_view(demo_server, andreas["nip"]).standing.passed_at
    (number,) = issue_certificates(demo_server.engine, settings, passed_at + timedelta(days=20))  # type: ignore[operator]
    engine.run()
    fresh = current_certificate(store)
    assert fresh is not None
    assert fresh.genuine
    assert fresh.record.key_id == new.key_id  # type: ignore[union-attr]
    assert fresh.record.certificate_number == number  # type: ignore[union-attr]
    siti_engine.run()
    assert current_certificate(siti).genuine  # type: ignore[union-attr]


def test_a_record_with_a_field_from_a_newer_server_verifies_on_this_client(
    demo_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer server adds a field to the record; today's client, which does not know it,
    still verifies the certificate (over the bytes as signed) and renders it."""
    store, _api, engine = passed(demo_server, tmp_path, BUDI)
    passed_at = server_view(demo_server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None
    sign_record = server_certificates.sign_record

    def newer_server(private, fields):  # type: ignore[no-untyped-def]
        return sign_record(private, {**fields, "signer_title": "Kepala LAN — Jakarta"})

    monkeypatch.setattr(server_certificates, "sign_record", newer_server)
    (number,) = issue_certificates(
        demo_server.engine, demo_server.settings, passed_at + timedelta(days=20)
    )
    engine.run()  # the change travels over HTTP as JSON, as any sync response
    (received,) = store.certificates()
    signed, revoked = received.signed, received.revoked
    assert not revoked
    assert '"signer_title":"Kepala LAN — Jakarta"' in signed.record_json  # kept, as signed
    assert signed.record.certificate_number == number
    verification = current_certificate(store)
    assert verification is not None
    assert verification.genuine
    pdf = tmp_path / "sertifikat.pdf"
    pdf.write_bytes(certificate_pdf(store))
    assert verify_pdf(pdf, store.known_keys()).genuine
    # the signature covers the added field: a changed value is an alteration
    forged = SignedCertificate(
        record_json=signed.record_json.replace("Jakarta", "Bandung"), signature=signed.signature
    )
    assert verify_record(forged, store.known_keys()).verdict is Verdict.ALTERED
    with httpx.Client(base_url=demo_server.url) as http:
        code = signed.record.verification_code
        assert http.get(f"/verify/{code}?format=json").json()["status"] == "genuine"


def test_issue_certificates_command(demo_server: RunningServer, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    passed(demo_server, tmp_path, BUDI)
    passed_at = server_view(demo_server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None
    settings = demo_server.settings
    args = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    early = (passed_at + timedelta(days=19)).isoformat()
    assert server_cli([*args, "issue-certificates", "--now", early]) == 0
    assert "0 sertifikat diterbitkan" in capsys.readouterr().out
    due = (passed_at + timedelta(days=20)).isoformat()
    assert server_cli([*args, "issue-certificates", "--now", due]) == 0
    out = capsys.readouterr().out
    assert "1 sertifikat diterbitkan" in out
    number = out.splitlines()[0]
    assert server_cli([*args, "revoke-certificate", number]) == 0
    assert server_cli([*args, "revoke-certificate", "TIDAK/ADA"]) == 1
