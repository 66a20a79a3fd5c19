"""Profil → "Download Sertifikat": the participant's verified certificate as a PDF."""

from __future__ import annotations

from latsar_desktop.certificate.render import render_pdf
from latsar_desktop.certificate.verify import Verification, verify_record
from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.store.profile import ProfileStore


def current_certificate(store: ProfileStore) -> Verification | None:
    """The newest certificate this profile received, checked against its known keys."""
    received = store.certificates()
    if not received:
        return None
    newest = received[0]
    numbers = {newest.signed.record.certificate_number} if newest.revoked else set()
    return verify_record(newest.signed, store.known_keys(), numbers)


def certificate_pdf(store: ProfileStore, language: str = "id") -> bytes:
    """The PDF, only for a genuine certificate: anything else is refused with its reason."""
    received = store.certificates()
    verification = current_certificate(store)
    if verification is None:
        raise DomainError(msg(Code.CERTIFICATE_NOT_A_CERTIFICATE))
    if not verification.genuine:
        raise DomainError(verification.message())
    return render_pdf(received[0].signed, language)
