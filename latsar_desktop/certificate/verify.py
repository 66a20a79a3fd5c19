"""Checking a signed certificate record against the keys the client has received."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import CertificateRecord, SignedCertificate


class Verdict(StrEnum):
    GENUINE = "genuine"
    ALTERED = "altered"
    UNKNOWN_KEY = "unknown_key"
    REVOKED = "revoked"
    NOT_A_CERTIFICATE = "not_a_certificate"
    # The signed record is genuine but this version cannot redraw the page byte for byte
    # (made by another layout or renderer version): compare the page with the record.
    RECORD_GENUINE = "record_genuine"


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    record: CertificateRecord | None = None

    @property
    def genuine(self) -> bool:
        """The record and the whole file are exactly what was signed and drawn."""
        return self.verdict is Verdict.GENUINE

    @property
    def record_genuine(self) -> bool:
        """The signed record is genuine (the page may still need comparing with it)."""
        return self.verdict in (Verdict.GENUINE, Verdict.RECORD_GENUINE)

    def message(self) -> Message:
        record = self.record
        match self.verdict:
            case Verdict.GENUINE:
                assert record is not None
                return msg(
                    Code.CERTIFICATE_GENUINE, number=record.certificate_number, name=record.name
                )
            case Verdict.UNKNOWN_KEY:
                return msg(Code.CERTIFICATE_UNKNOWN_KEY, key_id=record.key_id if record else "-")
            case Verdict.REVOKED:
                assert record is not None
                return msg(Code.CERTIFICATE_REVOKED, number=record.certificate_number)
            case Verdict.NOT_A_CERTIFICATE:
                return msg(Code.CERTIFICATE_NOT_A_CERTIFICATE)
            case Verdict.RECORD_GENUINE:
                assert record is not None
                return msg(
                    Code.CERTIFICATE_RECORD_GENUINE_COMPARE,
                    number=record.certificate_number,
                    name=record.name,
                    nip=record.nip,
                    agency=record.agency,
                    course=record.course_title,
                    start=record.period_start,
                    end=record.period_end,
                    score=record.final_score,
                    predicate=record.predicate,
                    date=record.issued_on,
                )
        return msg(Code.CERTIFICATE_ALTERED)


def signature_valid(signed: SignedCertificate, public_key_b64: str) -> bool:
    """Ed25519 over the exact bytes that were signed (never a re-serialised record)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
        key.verify(base64.b64decode(signed.signature), signed.signed_bytes())
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def verify_record(
    signed: SignedCertificate,
    keys: Mapping[str, str],
    revoked: frozenset[str] | set[str] = frozenset(),
) -> Verification:
    """Genuine when a known key signed exactly these record bytes and it is not known revoked."""
    record = signed.record
    key = keys.get(record.key_id)
    if key is None:
        return Verification(Verdict.UNKNOWN_KEY, record)
    if not signature_valid(signed, key):
        return Verification(Verdict.ALTERED, record)
    if record.certificate_number in revoked:
        return Verification(Verdict.REVOKED, record)
    return Verification(Verdict.GENUINE, record)
