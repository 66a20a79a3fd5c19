"""Signing test certificates the way the server does (an Ed25519 key made in the test)."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from latsar_desktop.domain.protocol import CertificateRecord, SignedCertificate


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


def sign(private: Ed25519PrivateKey, data: CertificateRecord) -> SignedCertificate:
    signature = base64.b64encode(private.sign(data.signed_bytes())).decode()
    return SignedCertificate(record=data, signature=signature)
