"""Signing test certificates with the server's own signing code (a key made in the test),
and the reference certificates each released layout drew (tests/data/certificates/)."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from latsar_desktop.domain.protocol import CertificateRecord, SignedCertificate
from latsar_server.certificates.issuance import sign_record

REFERENCE = Path(__file__).resolve().parent / "data" / "certificates"


def keypair() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return private, base64.b64encode(raw).decode()


def record(**changes: object) -> CertificateRecord:
    base = CertificateRecord(
        certificate_number="LATSAR/2026/000123",
        name="Siti Rahmawati",
        nip="199308212026012902",
        agency="Pemerintah Kota Surabaya",
        course_title="MOOC Pelatihan Dasar PPPK Tahun 2026",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 11, 20),
        final_score=Decimal("90.01"),
        predicate="Sangat Memuaskan",
        issued_on=date(2026, 12, 10),
        verification_code="V7QK-3MZP-8RTA",
        verify_url="http://127.0.0.1:8000/verify/V7QK-3MZP-8RTA",
        key_id="k-test",
    )
    return CertificateRecord.model_validate({**base.model_dump(), **changes})


def sign(private: Ed25519PrivateKey, data: CertificateRecord, **added: object) -> SignedCertificate:
    """Signed as the server signs; ``added`` are fields a newer server might add."""
    return sign_record(private, {**data.model_dump(mode="json"), **added})


def reference_keys(layout: int) -> dict[str, str]:
    """The public key of the (discarded) test key that signed a layout's reference PDFs."""
    facts = json.loads((REFERENCE / f"reference-layout-{layout}.json").read_text("utf-8"))
    return {facts["key_id"]: facts["public_key"]}


def make_reference(layout: int, languages: tuple[str, ...] = ("id", "en")) -> None:
    """Draw the reference PDFs of a newly released layout, signed by a fresh test key
    whose private half is thrown away (only its public half is kept). Run once per
    layout, never again: the point of the files is that they were drawn back then."""
    from latsar_desktop.certificate.render import render_pdf

    facts = REFERENCE / f"reference-layout-{layout}.json"
    if facts.exists():
        raise SystemExit(f"{facts} exists: reference PDFs are never redrawn")
    REFERENCE.mkdir(parents=True, exist_ok=True)
    private, public = keypair()
    key_id = f"k-reference-{layout}"
    signed = sign(
        private,
        record(
            name="Ni Luh Putu Ayu Kusumawati",
            nip="199512242026042001",
            agency="Pemerintah Provinsi Bali",
            verification_code="R3FM-9KQW-2TZD",
            verify_url="https://latsar.example.invalid/verify/R3FM-9KQW-2TZD",
            key_id=key_id,
        ),
        # a field this version does not know, as a newer server might add: the signature
        # must be checked over the bytes as signed, and the record parsed leniently
        reference_note="Sertifikat contoh untuk pengujian — bukan sertifikat sungguhan",
    )
    for language in languages:
        pdf = render_pdf(signed, language, layout)
        (REFERENCE / f"reference-layout-{layout}-{language}.pdf").write_bytes(pdf)
    body = {"key_id": key_id, "public_key": public, "languages": list(languages)}
    facts.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
