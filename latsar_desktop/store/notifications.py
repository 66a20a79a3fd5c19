"""Notifications: what the participant should hear about once, kept in the profile.

Made by ``store/apply.py`` inside the transaction that applies a server answer (so an
answer brings its notifications, or neither happened), each under a ``key`` that makes it
happen once however often the same news arrives (a resent page, a kept change applied
later, the standing of every answer):

- an attempt graded: ``attempt.graded:<attempt id>``, ``notice.attempt_graded``;
- an attempt graded on a later day (graded per day): ``attempt.queued:<attempt id>``,
  ``notice.attempt_queued``;
- passed: ``passed``, ``notice.passed``;
- a certificate issued or revoked: ``certificate.issued:<number>``,
  ``certificate.revoked:<number>``, ``notice.certificate_issued`` / ``_revoked``;
- a newer course package: ``course.updated:<version>``, ``notice.course_updated``.

A queued attempt's notification that was not seen yet is marked seen when the attempt's
grade arrives: the grade says more, and "will be graded on …" is no longer true.

The course versions announced this way are also what ``package_outdated`` reads: the
newest version the server named, against the stored package's (no column of its own).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlmodel import Session, col, select

from latsar_desktop.clock import WallClock
from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import WireMessage
from latsar_desktop.store.profile_tables import NotificationRow, PackageRow

COURSE_UPDATED = "course.updated:"


def notify(session: Session, key: str, message: Message, clock: WallClock) -> bool:
    """Add a notification unless one with ``key`` exists; whether it was added."""
    if session.exec(select(NotificationRow.id).where(NotificationRow.key == key)).first():
        return False
    wire = WireMessage.of(message)
    params = {name: param.model_dump(mode="json") for name, param in wire.params.items()}
    session.add(
        NotificationRow(key=key, code=wire.code, params=json.dumps(params), created_at=clock())
    )
    session.flush()
    return True


def attempt_graded(
    session: Session, attempt_id: UUID, number: int, score: Decimal, clock: WallClock
) -> None:
    notify(
        session,
        f"attempt.graded:{attempt_id}",
        msg(Code.NOTICE_ATTEMPT_GRADED, number=number, score=score),
        clock,
    )
    queued = session.exec(
        select(NotificationRow).where(NotificationRow.key == f"attempt.queued:{attempt_id}")
    ).first()
    if queued is not None and queued.seen_at is None:
        queued.seen_at = clock()  # superseded by the grade
        session.add(queued)


def attempt_queued(
    session: Session, attempt_id: UUID, number: int, grade_on: date, clock: WallClock
) -> None:
    message = msg(Code.NOTICE_ATTEMPT_QUEUED, number=number, date=grade_on)
    notify(session, f"attempt.queued:{attempt_id}", message, clock)


def passed(session: Session, clock: WallClock) -> None:
    notify(session, "passed", msg(Code.NOTICE_PASSED), clock)


def certificate_issued(session: Session, number: str, clock: WallClock) -> None:
    message = msg(Code.NOTICE_CERTIFICATE_ISSUED, number=number)
    notify(session, f"certificate.issued:{number}", message, clock)


def certificate_revoked(session: Session, number: str, clock: WallClock) -> None:
    message = msg(Code.NOTICE_CERTIFICATE_REVOKED, number=number)
    notify(session, f"certificate.revoked:{number}", message, clock)


def course_version(session: Session, version: int, clock: WallClock) -> None:
    """The server named the course's current package version: a notification when it is
    newer than the stored package (none while no package is stored: nothing to update)."""
    stored = session.exec(select(PackageRow.version).where(PackageRow.id == 1)).first()
    if stored is not None and version > stored:  # the version only: not the package's body
        notify(
            session,
            f"{COURSE_UPDATED}{version}",
            msg(Code.NOTICE_COURSE_UPDATED, version=version),
            clock,
        )


def announced_version(session: Session) -> int | None:
    """The newest course package version a server answer announced as newer, if any."""
    keys = session.exec(
        select(NotificationRow.key).where(col(NotificationRow.key).startswith(COURSE_UPDATED))
    )
    versions = [int(key.removeprefix(COURSE_UPDATED)) for key in keys]
    return max(versions, default=None)


def package_outdated(session: Session) -> bool:
    """Whether a refresh of the course package is due: none is stored, or the server
    announced a newer version than the stored one."""
    stored = session.get(PackageRow, 1)
    if stored is None:
        return True
    announced = announced_version(session)
    return announced is not None and announced > stored.version


def listing(session: Session, unseen_only: bool = False) -> list[NotificationRow]:
    """Newest first (the order they were made)."""
    query = select(NotificationRow).order_by(col(NotificationRow.id).desc())
    if unseen_only:
        query = query.where(col(NotificationRow.seen_at).is_(None))
    return list(session.exec(query))


def mark_seen(session: Session, ids: Iterable[int], clock: WallClock) -> int:
    """Mark these notifications seen (those already seen keep their time); how many."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    rows = session.exec(
        select(NotificationRow).where(
            col(NotificationRow.id).in_(wanted), col(NotificationRow.seen_at).is_(None)
        )
    )
    marked = 0
    moment = clock()
    for row in rows:
        row.seen_at = moment
        session.add(row)
        marked += 1
    return marked
