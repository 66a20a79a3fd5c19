"""Issuing and revoking certificates (the verification page is ``verification.py``).

``issue_certificates(now)`` is the daily job: every participant whose ``passed_at`` plus
the course's delay (``domain.progress.certificate_delay``: the package's days, or its
seconds when the server stamped an override into it at import) is at or before ``now``
gets one certificate, numbered by the configured format, with an unguessable
verification code, signed with the active key; the signed record reaches the
participant's devices as a ``certificate.issued`` change.

The signature covers the record written as canonical JSON (sorted keys, no spaces, UTF-8)
and that exact text travels and is stored beside it (``SignedCertificate.record_json``),
so a field added to the record later never breaks verification on older clients.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.domain.progress import certificate_delay
from latsar_desktop.domain.protocol import (
    CertificateRecord,
    SignedCertificate,
)
from latsar_desktop.domain.scoring import predicate_for
from latsar_desktop.i18n import text
from latsar_server.certificates.keys import active_key
from latsar_server.courses.packages import latest_package
from latsar_server.database import insert_if_absent, transaction
from latsar_server.settings import Settings
from latsar_server.sync.grading import count_waiting
from latsar_server.sync.standing import append_change, current_view, lock_participant
from latsar_server.tables import (
    Certificate,
    CertificateCounter,
    EventRow,
    Participant,
    ParticipantProgress,
)

# Crockford's base32 without I, L, O, U: nothing to misread when typed from paper.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def verification_code() -> str:
    """12 random symbols (60 bits) in three groups: V7QK-3MZP-8RTA."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return "-".join(symbols[i : i + 4] for i in range(0, 12, 4))


def canonical_json(fields: Mapping[str, object]) -> str:
    """The record as it is signed: JSON, sorted keys, no spaces, non-ASCII kept as is."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign_record(private: Ed25519PrivateKey, fields: Mapping[str, object]) -> SignedCertificate:
    """Sign the record's JSON fields; the exact signed text travels with the signature."""
    record_json = canonical_json(fields)
    signature = private.sign(record_json.encode("utf-8"))
    return SignedCertificate(
        record_json=record_json, signature=base64.b64encode(signature).decode("ascii")
    )


def _next_serial(session: Session, year: int) -> int:
    # the year's row exists before it is locked: the first certificate of a year, numbered
    # by two issuance runs at once, must not be inserted twice
    insert_if_absent(session, CertificateCounter, "year", year=year, last=0)
    counter = session.exec(
        select(CertificateCounter)
        .where(CertificateCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last += 1
    session.add(counter)
    session.flush()
    return counter.last


def due_participants(engine: Engine, now: datetime) -> list[int]:
    """Participants who passed and have no certificate yet, whose delay has run out."""
    with transaction(engine) as session:
        rows = session.exec(
            select(ParticipantProgress, Participant)
            .join(Participant, col(Participant.id) == col(ParticipantProgress.participant_id))
            .where(col(ParticipantProgress.passed_at).is_not(None))
            .where(col(ParticipantProgress.certificate_issued_at).is_(None))
        ).all()
        due = []
        for state, participant in rows:
            package = latest_package(session, participant.course_id)
            assert state.passed_at is not None
            if package is None:
                continue
            if state.passed_at + certificate_delay(package.rules) <= now:
                due.append(state.participant_id)
    return due


def issue_certificates(engine: Engine, settings: Settings, now: datetime) -> list[str]:
    """Issue every certificate that is due at ``now``; returns their numbers."""
    key = active_key(engine, settings.key_dir)
    if key is None:
        raise DomainError(msg(Code.CERTIFICATE_NO_SIGNING_KEY))
    key_id, private = key
    zone = ZoneInfo(settings.time_zone)
    issued = []
    for participant_id in due_participants(engine, now):
        with transaction(engine) as session:
            state = lock_participant(session, participant_id)
            if state.certificate_issued_at is not None or state.passed_at is None:
                continue  # another run got here first
            if count_waiting(session, participant_id):
                continue  # the certificate carries the final score: wait until all are graded
            participant = session.get(Participant, participant_id)
            assert participant is not None
            view = current_view(session, participant, state)
            assert view.progress.final_score is not None
            first_event = session.exec(
                select(func.min(EventRow.received_at)).where(
                    EventRow.participant_id == participant_id
                )
            ).one()
            local_now = now.astimezone(zone)
            code = verification_code()
            number = settings.certificate_number_format.format(
                year=local_now.year, serial=_next_serial(session, local_now.year)
            )
            record = CertificateRecord(
                certificate_number=number,
                name=participant.name,
                nip=participant.nip,
                agency=participant.agency,
                course_title=view.package.title,
                period_start=(first_event or state.passed_at).astimezone(zone).date(),
                period_end=state.passed_at.astimezone(zone).date(),
                final_score=view.progress.final_score,
                predicate=text(predicate_for(view.progress.final_score), "id"),
                issued_on=local_now.date(),
                verification_code=code,
                verify_url=f"{settings.public_url.rstrip('/')}/verify/{code}",
                key_id=key_id,
            )
            signed = sign_record(private, record.model_dump(mode="json"))
            session.add(
                Certificate(
                    number=number,
                    participant_id=participant_id,
                    verification_code=code,
                    key_id=key_id,
                    body=signed.model_dump_json(),
                    issued_at=now,
                )
            )
            state.certificate_issued_at = now
            append_change(
                session, state, {"type": "certificate.issued", "certificate": signed.model_dump()}
            )
            issued.append(number)
    return issued


def revoke_certificate(engine: Engine, number: str, now: datetime) -> bool:
    with transaction(engine) as session:
        certificate = session.get(Certificate, number)
        if certificate is None:
            return False
        state = lock_participant(session, certificate.participant_id)
        if certificate.revoked_at is None:
            certificate.revoked_at = now
            session.add(certificate)
            append_change(
                session, state, {"type": "certificate.revoked", "certificate_number": number}
            )
    return True
