"""Certificate records: verification, deterministic PDF, QR code, offline verify_pdf."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from latsar_desktop.certificate.render import embedded_record, render_pdf, verify_pdf
from latsar_desktop.certificate.verify import Verdict, verify_record
from latsar_desktop.domain.messages import Code
from latsar_desktop.i18n import translate
from tests.certkit import keypair, record, sign

PRIVATE, PUBLIC = keypair()
KEYS = {"k-test": PUBLIC}
SIGNED = sign(PRIVATE, record())


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs {tool} (poppler-utils / zbar-tools)")
        pytest.skip(f"{tool} is not installed")
    return path


def test_a_good_record_verifies_and_renders(tmp_path: Path) -> None:
    assert verify_record(SIGNED, KEYS).verdict is Verdict.GENUINE
    pdf = render_pdf(SIGNED)
    assert pdf.startswith(b"%PDF")
    assert embedded_record(pdf) == SIGNED
    path = tmp_path / "sertifikat.pdf"
    path.write_bytes(pdf)
    result = verify_pdf(path, KEYS)
    assert result.genuine
    assert "asli" in translate(result.message(), "id")


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
    forged = SIGNED.model_copy(update={"record": record(**{field: value})})
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
    genuine_subject = render_pdf(SIGNED).split(b"latsar-certificate:")[1].split(b")")[0]
    forged_subject = forged.split(b"latsar-certificate:")[1].split(b")")[0]
    path = tmp_path / "forged.pdf"
    path.write_bytes(forged.replace(forged_subject, genuine_subject))
    assert embedded_record(path.read_bytes()) == SIGNED
    result = verify_pdf(path, KEYS)
    assert result.verdict is Verdict.ALTERED
    assert "diubah" in translate(result.message(), "id")
    # and a file that is no certificate at all
    path.write_bytes(b"%PDF-1.4 nothing here")
    assert verify_pdf(path, KEYS).verdict is Verdict.NOT_A_CERTIFICATE


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
