"""What ``/verify/{code}`` answers about a verification code: genuine, revoked or unknown,
with the NIP masked."""

from __future__ import annotations

from sqlmodel import Session, select

from latsar_desktop.domain.protocol import SignedCertificate, VerifyAnswer, VerifyStatus
from latsar_server.tables import Certificate


def mask_nip(nip: str) -> str:
    return nip[:4] + "*" * (len(nip) - 7) + nip[-3:]


def verify_code(session: Session, code: str) -> VerifyAnswer:
    certificate = session.exec(
        select(Certificate).where(Certificate.verification_code == code.strip().upper())
    ).first()
    if certificate is None:
        return VerifyAnswer(status=VerifyStatus.UNKNOWN)
    record = SignedCertificate.model_validate_json(certificate.body).record
    return VerifyAnswer(
        status=VerifyStatus.REVOKED if certificate.revoked_at else VerifyStatus.GENUINE,
        certificate_number=record.certificate_number,
        name=record.name,
        nip_masked=mask_nip(record.nip),
        course_title=record.course_title,
        issued_on=record.issued_on,
        revoked_at=certificate.revoked_at,
    )
