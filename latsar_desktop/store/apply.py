"""Applying what the server answered: confirmations, rejections, changes and cursor.

``apply_answer`` runs inside one write transaction of ``ProfileStore.apply_sync``: either
all of an answer is applied or none of it. What each change type does:

- ``standing.recomputed`` replaces the kept standing (the participant's view is laid over
  it); its ``passed_at`` appearing makes the "passed" notification;
- ``attempt.accepted`` / ``attempt.graded`` bring the kept standing up to date between
  standings, and notify (queued for a later day / graded);
- ``certificate.issued`` / ``certificate.revoked`` are stored in the ``certificate`` table
  (the signed record as received), and notify;
- ``passed`` notifies; ``course.updated`` notifies when it names a version newer than the
  stored package (as the answer's ``package_version`` does);
- ``activity.completed`` (on another device) and ``devices.changed`` take effect through
  the standing that ends the same answer; nothing else is kept of them on the device (the
  server keeps its change log).

Notifications are made in the same transaction, once each (``store/notifications.py``).
A change this version cannot apply yet (a type it does not know, or a revocation of a
certificate not received yet) is kept as received (``KeptChange``) and applied when the
store is next opened by a version that can.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence

from pydantic import ValidationError
from sqlmodel import Session, col, select

from latsar_desktop.clock import WallClock
from latsar_desktop.domain.protocol import (
    RECEIVED_CHANGE,
    AttemptAcceptedChange,
    AttemptGradedChange,
    CertificateIssuedChange,
    CertificateRevokedChange,
    Change,
    CourseUpdatedChange,
    PassedChange,
    ReceivedChange,
    Rejection,
    Standing,
    StandingRecomputedChange,
    UnknownChange,
)
from latsar_desktop.store import journal, notifications
from latsar_desktop.store.profile_tables import (
    CertificateRow,
    JournalRow,
    KeptChange,
    LastSync,
    RejectionRow,
)

log = logging.getLogger(__name__)


def last_sync(session: Session) -> LastSync:
    row = session.get(LastSync, 1)
    assert row is not None  # made when the store is opened
    return row


def apply_answer(
    session: Session,
    device_id: uuid.UUID,
    clock: WallClock,
    *,
    acked_seq: int,
    processed_count: int,
    rejections: Sequence[Rejection],
    changes: Sequence[ReceivedChange],
    cursor: int,
    package_version: int | None = None,
    after_seq: int = 0,
) -> None:
    """``after_seq``: none of this device's events at or below it is pending (see
    ``journal.confirm_up_to``)."""
    record_rejections(session, rejections, clock)
    journal.confirm_up_to(session, device_id, acked_seq, after_seq)
    state = last_sync(session)
    for change in changes:
        if isinstance(change, StandingRecomputedChange):
            # the whole standing as of the response: always the newest we have
            state.standing = change.standing.model_dump_json()
            if change.standing.passed_at is not None:
                notifications.passed(session, clock)
        elif change.cursor > state.cursor:
            if isinstance(change, UnknownChange) or not apply_change(session, change, clock):
                keep(session, change, clock)
            state.cursor = change.cursor  # logged changes apply once, by cursor
    state.cursor = max(state.cursor, cursor)
    state.acked_seq = max(state.acked_seq, acked_seq)
    state.processed_count = processed_count
    state.last_sync_at = clock()
    session.add(state)
    if package_version is not None:  # the course's current version (a newer server's field)
        notifications.course_version(session, package_version, clock)


def apply_change(session: Session, change: Change, clock: WallClock) -> bool:
    """Apply one logged change; False when it cannot take effect yet (keep it)."""
    if isinstance(change, AttemptGradedChange):
        _apply_attempt_change(session, change)
        notifications.attempt_graded(
            session, change.attempt.attempt_id, change.attempt.number, change.attempt.score, clock
        )
    elif isinstance(change, AttemptAcceptedChange):
        if _apply_attempt_change(session, change):  # not graded already
            notifications.attempt_queued(
                session,
                change.attempt.attempt_id,
                change.attempt.number,
                change.attempt.grade_on,
                clock,
            )
    elif isinstance(change, CertificateIssuedChange):
        number = change.certificate.record.certificate_number
        if session.get(CertificateRow, number) is None:
            session.add(
                CertificateRow(
                    number=number, body=change.certificate.model_dump_json(), received_at=clock()
                )
            )
            session.flush()
        notifications.certificate_issued(session, number, clock)
    elif isinstance(change, CertificateRevokedChange):
        row = session.get(CertificateRow, change.certificate_number)
        if row is None:
            return False  # its issue was kept (a type unknown then): apply after it
        row.revoked = True
        session.add(row)
        notifications.certificate_revoked(session, change.certificate_number, clock)
    elif isinstance(change, PassedChange):
        notifications.passed(session, clock)
    elif isinstance(change, CourseUpdatedChange):
        notifications.course_version(session, change.version, clock)
    # activity.completed, devices.changed: the answer's standing carries them
    return True


def _apply_attempt_change(
    session: Session, change: AttemptAcceptedChange | AttemptGradedChange
) -> bool:
    """Bring the kept standing up to date with an attempt numbered or graded.

    The standing that ends each answer replaces it anyway; this keeps it right in
    between (and for a change applied later from ``KeptChange``). A graded attempt is
    never made pending again: an old ``attempt.accepted`` does nothing then (False)."""
    state = last_sync(session)
    standing = Standing.model_validate_json(state.standing)
    attempt_id = change.attempt.attempt_id
    graded = [a for a in standing.attempts if a.attempt_id != attempt_id]
    pending = [a for a in standing.pending_attempts if a.attempt_id != attempt_id]
    if isinstance(change, AttemptGradedChange):
        graded.append(change.attempt)
    elif len(graded) == len(standing.attempts):  # not graded yet
        pending.append(change.attempt)
    else:
        return False
    update = {
        "attempts": sorted(graded, key=lambda a: a.number),
        "pending_attempts": sorted(pending, key=lambda a: a.number),
    }
    state.standing = standing.model_copy(update=update).model_dump_json()
    session.add(state)
    return True


def keep(session: Session, change: ReceivedChange, clock: WallClock) -> None:
    kind = str(change.type)
    log.info("keeping server change %s at cursor %s to apply later", kind, change.cursor)
    if session.get(KeptChange, (change.cursor, kind)) is None:
        session.add(
            KeptChange(
                cursor=change.cursor, type=kind, body=change.model_dump_json(), received_at=clock()
            )
        )


def kept(session: Session) -> list[KeptChange]:
    query = select(KeptChange).order_by(col(KeptChange.cursor), col(KeptChange.type))
    return list(session.exec(query).all())


def apply_kept(session: Session, clock: WallClock) -> int:
    """Apply the kept changes this version can now apply, in cursor order; how many."""
    applied = 0
    for row in kept(session):
        try:
            change = RECEIVED_CHANGE.validate_json(row.body)
        except ValidationError as exc:  # a known type in a shape this version cannot read
            log.warning("kept change %s at %s: %s", row.type, row.cursor, exc)
            continue
        if isinstance(change, UnknownChange):
            continue
        # an old standing is never applied: a newer one always came after it
        if isinstance(change, StandingRecomputedChange) or apply_change(session, change, clock):
            session.delete(row)
            applied += 1
    return applied


def record_rejections(session: Session, rejections: Sequence[Rejection], clock: WallClock) -> None:
    for rejection in rejections:
        row = session.get(JournalRow, str(rejection.event_id))
        if row is None:
            continue  # not ours: ignore rather than fail the whole sync
        row.status = journal.REJECTED
        session.add(row)
        if session.get(RejectionRow, row.id) is None:
            params = {k: v.model_dump(mode="json") for k, v in rejection.reason.params.items()}
            session.add(
                RejectionRow(
                    event_id=row.id,
                    seq=rejection.seq,
                    code=rejection.reason.code,
                    params=json.dumps(params),
                    recorded_at=clock(),
                )
            )
