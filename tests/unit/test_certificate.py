"""Certificate records: verification over the bytes as signed, deterministic PDF, QR code,
offline verify_pdf, reference PDFs of released layouts, and renderer changes."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from latsar_desktop.certificate import layout1, render
from latsar_desktop.certificate.render import (
    LAYOUTS,
    embedded_envelope,
    embedded_record,
    render_pdf,
    verify_pdf,
)
from latsar_desktop.certificate.verify import Verdict, verify_record
from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import CHANGE, CertificateIssuedChange, SignedCertificate
from latsar_desktop.i18n import translate
from tests.certkit import REFERENCE, keypair, record, reference_keys, sign

PRIVATE, PUBLIC = keypair()
KEYS = {"k-test": PUBLIC}
SIGNED = sign(PRIVATE, record())
REFERENCES = sorted(REFERENCE.glob("reference-layout-*-*.pdf"))


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs {tool} (poppler-utils / zbar-tools)")
        pytest.skip(f"{tool} is not installed")
    return path


def subject(pdf: bytes) -> bytes:
    found = re.search(rb"latsar-certificate:[A-Za-z0-9+/=]+", pdf)
    assert found is not None
    return found.group(0)


def test_a_good_record_verifies_and_renders(tmp_path: Path) -> None:
    assert verify_record(SIGNED, KEYS).verdict is Verdict.GENUINE
    pdf = render_pdf(SIGNED)
    assert pdf.startswith(b"%PDF")
    assert embedded_record(pdf) == SIGNED
    envelope = embedded_envelope(pdf)
    assert envelope is not None
    assert (envelope.layout, envelope.language) == (1, "id")
    assert b"certificate layout 1" in pdf  # the PDF names its layout (Creator) too
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(pdf)
    result = verify_pdf(path, KEYS)
    assert result.genuine
    assert "asli" in translate(result.message(), "id")
    path.write_bytes(render_pdf(SIGNED, "en"))
    assert verify_pdf(path, KEYS).genuine


def test_the_server_signs_canonical_json_and_sends_those_bytes() -> None:
    assert SIGNED.record_json == json.dumps(
        json.loads(SIGNED.record_json), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert SIGNED.signed_bytes() == SIGNED.record_json.encode("utf-8")
    assert SIGNED.record == record()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Siti Rahmawaty"),
        ("final_score", "99.00"),
        ("nip", "199308212026012903"),
        ("issued_on", "2026-12-11"),
    ],
)
def test_one_changed_field_fails_verification(field: str, value: str) -> None:
    other = sign(PRIVATE, record(**{field: value})).record_json
    forged = SignedCertificate(record_json=other, signature=SIGNED.signature)
    assert verify_record(forged, KEYS).verdict is Verdict.ALTERED


def test_a_field_added_by_a_newer_server_verifies_on_this_client(tmp_path: Path) -> None:
    # signed by the server's own signing code, with a field this client does not know
    newer = sign(PRIVATE, record(), signer_title="Kepala LAN", watermark={"v": 2})
    assert '"signer_title":"Kepala LAN"' in newer.record_json
    body = {
        "cursor": 7,
        "at": "2026-12-10T02:00:00Z",
        "type": "certificate.issued",
        "certificate": json.loads(newer.model_dump_json()),
    }
    received = CHANGE.validate_json(json.dumps(body))  # as this client reads a sync response
    assert isinstance(received, CertificateIssuedChange)
    signed = received.certificate
    assert signed.record_json == newer.record_json  # the bytes as signed, not rebuilt
    assert signed.record == record()  # the unknown fields are ignored when parsing
    verification = verify_record(signed, KEYS)
    assert verification.verdict is Verdict.GENUINE
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(render_pdf(signed))
    assert verify_pdf(path, KEYS).genuine
    # and the added field is covered by the signature: changing it is an alteration
    tampered = signed.record_json.replace("Kepala LAN", "Kepala BKN")
    forged = SignedCertificate(record_json=tampered, signature=signed.signature)
    assert verify_record(forged, KEYS).verdict is Verdict.ALTERED


def test_unknown_key_and_revoked() -> None:
    assert verify_record(SIGNED, {"other": PUBLIC}).verdict is Verdict.UNKNOWN_KEY
    other_private, _ = keypair()
    assert verify_record(sign(other_private, record()), KEYS).verdict is Verdict.ALTERED
    revoked = verify_record(SIGNED, KEYS, {"LATSAR/2026/000123"})
    assert revoked.verdict is Verdict.REVOKED
    assert revoked.message().code is Code.CERTIFICATE_REVOKED


def test_rendering_is_deterministic() -> None:
    assert render_pdf(SIGNED) == render_pdf(SIGNED)
    assert render_pdf(SIGNED) != render_pdf(sign(PRIVATE, record(name="Budi Santoso")))


def test_edited_name_with_the_record_left_intact_is_altered(tmp_path: Path) -> None:
    # a forger renders another name and puts the genuine signed record back in
    forged = render_pdf(sign(PRIVATE, record(name="Budi Santoso")))
    path = tmp_path / "forged.pdf"
    path.write_bytes(forged.replace(subject(forged), subject(render_pdf(SIGNED))))
    assert embedded_record(path.read_bytes()) == SIGNED
    result = verify_pdf(path, KEYS)
    assert result.verdict is Verdict.ALTERED
    assert "diubah" in translate(result.message(), "id")
    # and files that are no certificate at all
    path.write_bytes(b"%PDF-1.4 nothing here")
    assert verify_pdf(path, KEYS).verdict is Verdict.NOT_A_CERTIFICATE
    path.write_bytes(b"%PDF-1.4 (latsar-certificate:bm90IGpzb24=)")
    assert verify_pdf(path, KEYS).verdict is Verdict.NOT_A_CERTIFICATE


def test_an_edited_page_reads_as_altered(tmp_path: Path) -> None:
    pdf = render_pdf(SIGNED)
    name = b"(Siti Rahmawati) Tj"  # the name as drawn in the page's content stream
    assert name in pdf
    path = tmp_path / "edited.pdf"
    path.write_bytes(pdf.replace(name, b"(Siti Rahmawaty) Tj"))
    result = verify_pdf(path, KEYS)
    assert result.verdict is Verdict.ALTERED
    path.write_bytes(pdf.replace(b".04 .24 .57 rg", b".04 .24 .58 rg", 1))  # one colour
    assert verify_pdf(path, KEYS).verdict is Verdict.ALTERED


def test_an_edited_page_claiming_another_renderer_gets_the_details_to_compare(
    tmp_path: Path,
) -> None:
    # the one thing a forger gains by also rewriting the renderer fingerprint: the
    # genuine details are shown next to the page instead of "altered"; never "genuine"
    forged = render_pdf(sign(PRIVATE, record(name="Budi Santoso")))
    envelope = json.loads(base64.b64decode(subject(render_pdf(SIGNED)).split(b":")[1]))
    envelope["renderer"] = "0000000000000000"
    claimed = b"latsar-certificate:" + base64.b64encode(json.dumps(envelope).encode())
    path = tmp_path / "forged.pdf"
    path.write_bytes(forged.replace(subject(forged), claimed))
    result = verify_pdf(path, KEYS)
    assert result.verdict is Verdict.RECORD_GENUINE
    assert "Siti Rahmawati" in translate(result.message(), "id")


@pytest.mark.parametrize("path", REFERENCES, ids=[p.name for p in REFERENCES])
def test_reference_pdfs_of_released_layouts_verify_as_genuine(path: Path) -> None:
    """A certificate drawn by a layout when it shipped still verifies as genuine."""
    layout = int(path.name.split("-")[2])
    envelope = embedded_envelope(path.read_bytes())
    assert envelope is not None
    assert envelope.layout == layout
    assert '"reference_note":' in envelope.record_json  # a field this version ignores
    result = verify_pdf(path, reference_keys(layout))
    assert result.verdict is Verdict.GENUINE, result.verdict
    assert result.record is not None
    assert result.record.name == "Ni Luh Putu Ayu Kusumawati"


def test_every_layout_has_reference_pdfs() -> None:
    assert {int(p.name.split("-")[2]) for p in REFERENCES} == set(LAYOUTS)
    for layout, module in LAYOUTS.items():
        for language in module.LANGUAGES:
            assert (REFERENCE / f"reference-layout-{layout}-{language}.pdf").exists()


@pytest.fixture
def new_renderer(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """This app after a reportlab upgrade that draws one thing differently."""
    render.renderer_fingerprint.cache_clear()
    monkeypatch.setattr(render.reportlab, "Version", "5.2.0")
    monkeypatch.setattr(layout1, "GOLD", layout1.NAVY)  # the inner frame's colour
    yield
    render.renderer_fingerprint.cache_clear()


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_pdf_the_current_renderer_cannot_reproduce_is_never_altered(
    new_renderer: None, language: str, tmp_path: Path
) -> None:
    path = REFERENCE / f"reference-layout-1-{language}.pdf"
    result = verify_pdf(path, reference_keys(1))
    assert result.verdict is Verdict.RECORD_GENUINE
    assert result.record_genuine
    assert not result.genuine
    message = result.message()
    assert message.code is Code.CERTIFICATE_RECORD_GENUINE_COMPARE
    shown = translate(message, language)
    details = {
        "id": ["Cocokkan", "10 Desember 2026", "1 Oktober 2026", "90,01"],
        "en": ["Compare", "10 December 2026", "1 October 2026", "90.01"],
    }[language]
    for detail in [
        "Ni Luh Putu Ayu Kusumawati",
        "199512242026042001",
        "Pemerintah Provinsi Bali",
        "LATSAR/2026/000123",
        "MOOC Pelatihan Dasar PPPK Tahun 2026",
        "Sangat Memuaskan",
        *details,
    ]:
        assert detail in shown, detail
    # what the changed renderer draws verifies as genuine, and an edit of that is altered
    signed = embedded_record(path.read_bytes())
    assert signed is not None
    fresh = tmp_path / "fresh.pdf"
    fresh.write_bytes(render_pdf(signed, language))
    assert fresh.read_bytes() != path.read_bytes()  # the renderer really draws differently
    assert verify_pdf(fresh, reference_keys(1)).genuine
    name = b"(Ni Luh Putu Ayu Kusumawati) Tj"
    assert name in fresh.read_bytes()
    fresh.write_bytes(fresh.read_bytes().replace(name, b"(Ni Luh Putu Ayu Kusumawaty) Tj"))
    assert verify_pdf(fresh, reference_keys(1)).verdict is Verdict.ALTERED


def test_a_pdf_from_a_newer_layout_gets_the_details_to_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def draw_layout_2(record, language, subject):  # type: ignore[no-untyped-def]
        return layout1.render(record, language, subject).replace(b"layout 1", b"layout 2")

    layout2 = SimpleNamespace(
        VERSION=2,
        LANGUAGES=("id",),
        FONT_FILES=layout1.FONT_FILES,
        frozen_inputs=lambda language: {"texts": "new"},
        render=draw_layout_2,
    )
    monkeypatch.setattr(render, "LAYOUTS", {1: layout1, 2: layout2})
    newer = render_pdf(SIGNED, "id", layout=2)  # what a newer app would write
    monkeypatch.setattr(render, "LAYOUTS", {1: layout1})  # this app knows layout 1 only
    path = tmp_path / "newer.pdf"
    path.write_bytes(newer)
    assert verify_pdf(path, KEYS).verdict is Verdict.RECORD_GENUINE
    path.write_bytes(newer.replace(b"(Siti Rahmawati) Tj", b"(Siti Rahmawaty) Tj"))
    assert verify_pdf(path, KEYS).verdict is Verdict.RECORD_GENUINE  # cannot tell: compare
    # a changed record is never "record genuine", whatever layout the file names
    envelope = json.loads(base64.b64decode(subject(newer).split(b":")[1]))
    envelope["record_json"] = sign(PRIVATE, record(name="Budi Santoso")).record_json
    forged = b"latsar-certificate:" + base64.b64encode(json.dumps(envelope).encode())
    path.write_bytes(newer.replace(subject(newer), forged))
    assert verify_pdf(path, KEYS).verdict is Verdict.ALTERED


def test_text_of_the_pdf(tmp_path: Path) -> None:
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(render_pdf(SIGNED))
    out = subprocess.run(
        [need("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for fragment in [
        "Siti Rahmawati",
        "199308212026012902",
        "MOOC Pelatihan Dasar PPPK",
        "90,01",
        "LATSAR/2026/000123",
        "Sangat Memuaskan",
        "SERTIFIKAT",
        "10 Desember 2026",
    ]:
        assert fragment in out, fragment


def test_qr_code_decodes_to_the_verify_url(tmp_path: Path) -> None:
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(render_pdf(SIGNED))
    subprocess.run(
        [need("pdftoppm"), "-png", "-r", "110", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    decoded = subprocess.run(
        [need("zbarimg"), "--quiet", "--raw", str(tmp_path / "page.png")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert decoded == SIGNED.record.verify_url
