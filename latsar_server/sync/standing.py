"""A participant's authoritative standing, built from the server's rows; their progress row
(``lock_participant``) and change log (``append_change``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, func, inspect, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from latsar_desktop.domain.progress import Progress, course_day, grading_day, progress
from latsar_desktop.domain.protocol import (
    CHANGE,
    AcceptedAttempt,
    Change,
    CoursePackage,
    GradedAttempt,
    Rules,
    Standing,
)
from latsar_server import clock
from latsar_server.courses.packages import package_version
from latsar_server.database import insert_if_absent
from latsar_server.sync.grading import day_bounds
from latsar_server.tables import (
    ActivityState,
    Attempt,
    ChangeRow,
    Device,
    PackageVersion,
    Participant,
    ParticipantProgress,
)

_PV = PackageVersion.__table__  # type: ignore[attr-defined]
_ACT = ActivityState.__table__  # type: ignore[attr-defined]
_ATT = Attempt.__table__  # type: ignore[attr-defined]
_DEV = Device.__table__  # type: ignore[attr-defined]
_PST = ParticipantProgress.__table__  # type: ignore[attr-defined]
_PAR = Participant.__table__  # type: ignore[attr-defined]


# The sync path's reads, built once (Core, bound parameters): building a statement costs
# several times what running it does.
def newest_package(course: Any) -> Select[Any]:
    """The version and sha256 of ``course``'s newest package (``course``: a parameter, or a
    column of a statement it is a subquery of)."""
    return (
        sa_select(_PV.c.version, _PV.c.sha256)
        .where(_PV.c.course_id == course)
        .order_by(_PV.c.version.desc())
        .limit(1)
    )


NEWEST_PACKAGE = newest_package(bindparam("course"))
_VERSION = sa_select(_PV.c.version, _PV.c.sha256).where(
    _PV.c.course_id == bindparam("course"), _PV.c.version == bindparam("version")
)
ACTIVITY_SCORES = sa_select(_ACT.c.activity_id, _ACT.c.best_score).where(
    _ACT.c.participant_id == bindparam("participant")
)
_ATTEMPTS = (
    sa_select(
        _ATT.c.attempt_id,
        _ATT.c.number,
        _ATT.c.package_version,
        _ATT.c.raw_score,
        _ATT.c.cap,
        _ATT.c.score,
        _ATT.c.graded_at,
        _ATT.c.accepted_at,
    )
    .where(_ATT.c.participant_id == bindparam("participant"))
    .order_by(_ATT.c.number)
)
_DEVICES = (
    sa_select(func.count())
    .select_from(_DEV)
    .where(_DEV.c.participant_id == bindparam("participant"), _DEV.c.revoked_at.is_(None))
)
_STATE_AND_DEVICES = (
    sa_select(
        _PST.c.welcome_watched,
        _PST.c.passed_at,
        _PST.c.certificate_issued_at,
        _DEVICES.scalar_subquery(),
    )
    .select_from(_PAR.outerjoin(_PST, _PST.c.participant_id == _PAR.c.id))
    .where(_PAR.c.id == bindparam("participant"))
)

# (course, version, sha256) -> the parsed package: versions never change once imported, so a
# worker reads a package's 200 KB body and parses it once, then only its small key columns
_PACKAGES: dict[tuple[str, int, str], CoursePackage] = {}
_PACKAGES_KEPT = 64


def course_package(
    session: Session, course_id: str, version: int | None = None
) -> CoursePackage | None:
    """The course's package ``version`` (default: its newest), without reading its body
    when this worker has parsed it already (one read of the primary key's index)."""
    if version is None:
        row = session.execute(NEWEST_PACKAGE, {"course": course_id}).first()
    else:
        row = session.execute(_VERSION, {"course": course_id, "version": version}).first()
    if row is None:
        return None
    return parsed_package(session, course_id, int(row[0]), str(row[1]))


def parsed_package(
    session: Session, course_id: str, version: int, sha256: str
) -> CoursePackage | None:
    """The course's package ``version`` whose key columns were read already: parsed once
    per worker (its body read only then)."""
    key = (course_id, version, sha256)
    package = _PACKAGES.get(key)
    if package is None:
        package = package_version(session, course_id, key[1])
        if package is None:  # pragma: no cover - removed between the two reads
            return None
        if len(_PACKAGES) >= _PACKAGES_KEPT:
            _PACKAGES.clear()
        _PACKAGES[key] = package
    return package


STATE_COLUMNS = tuple(_PST.columns)
"""The state row's columns, in order: ``held_state`` makes the row's object from them."""
_STATE_NAMES = tuple(c.key for c in STATE_COLUMNS)
# What a sync changes in the state row (the rest changes elsewhere, under the same lock)
_SYNC_CHANGES = (
    "welcome_watched",
    "attempts_numbered",
    "attempts_graded",
    "last_cursor",
    "passed_at",
)
SAVE_STATE = (
    update(_PST)
    .where(_PST.c.participant_id == bindparam("held"))
    .values({name: bindparam(name) for name in _SYNC_CHANGES})
)
"""What a sync changed in the state row: its parameters are ``state_values``."""


def held_state(values: Sequence[Any]) -> ParticipantProgress:
    """The state row read (``STATE_COLUMNS``) under its lock, as an object outside the
    session: a sync changes it in memory and writes it with one UPDATE (``SAVE_STATE``),
    several times cheaper than the ORM's flush of it. A rarer path that adds it to the
    session (grading waiting attempts, passing) has the ORM write it instead."""
    state = ParticipantProgress.from_row(dict(zip(_STATE_NAMES, values, strict=True)))
    make_transient_to_detached(state)  # the row's identity: adding it means UPDATE
    return state


def state_values(state: ParticipantProgress) -> dict[str, Any]:
    """``SAVE_STATE``'s parameters for ``state``."""
    return {"held": state.participant_id, **{name: getattr(state, name) for name in _SYNC_CHANGES}}


def state_to_save(session: Session, state: ParticipantProgress) -> bool:
    """Whether a sync changed ``state`` (``held_state``'s) and must write it: not when the
    session holds it (it writes it then). The ORM tracks the changes of an object outside
    a session too."""
    return bool(inspect(state).modified) and state not in session


def lock_participant(session: Session, participant_id: int) -> ParticipantProgress:
    """Lock the participant until the transaction ends: their progress row, FOR UPDATE.

    Every sync of one participant serializes here, so attempt numbers and change cursors
    never collide, whichever worker or device sends them. The row is inserted first only
    when it is missing (two transactions that both find it missing do not both insert it).
    """
    query = (
        select(ParticipantProgress)
        .where(ParticipantProgress.participant_id == participant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    state = session.exec(query).first()
    if state is None:
        registered = (
            sa_select(func.count())
            .select_from(_DEV)
            .where(_DEV.c.participant_id == participant_id, _DEV.c.revoked_at.is_(None))
            .scalar_subquery()
        )
        insert_if_absent(
            session,
            ParticipantProgress,
            "participant_id",
            participant_id=participant_id,
            registered_devices=registered,
        )
        state = session.exec(query).one()
    return state


def graded_attempts(session: Session, participant_id: int) -> list[GradedAttempt]:
    """Every graded attempt, by number (columns, not rows: a standing may hold many).

    Attempts accepted and waiting to be graded (graded per day) are not among them."""
    graded, _ = attempt_rows(session, participant_id)
    return [_graded(row) for row in graded]


def attempt_rows(session: Session, participant_id: int) -> tuple[list[Any], list[Any]]:
    """The participant's attempts, graded and waiting, each by number: one query."""
    rows = session.execute(_ATTEMPTS, {"participant": participant_id}).all()
    return [r for r in rows if r.graded_at is not None], [r for r in rows if r.graded_at is None]


def _graded(row: Any) -> GradedAttempt:
    return GradedAttempt(
        attempt_id=uuid.UUID(row.attempt_id),
        number=row.number,
        package_version=row.package_version,
        raw_score=row.raw_score,
        cap=row.cap,
        score=row.score,
        graded_at=row.graded_at,
    )


def _pending(graded: list[Any], waiting: list[Any], rules: Rules, now: datetime) -> list[Any]:
    """The waiting attempts, each with the day it is due as of ``now`` (as
    ``grading.accepted_attempts``, from rows already read)."""
    if not waiting:
        return []
    today = course_day(now, rules)
    start, end = day_bounds(today, rules)
    graded_today = sum(1 for r in graded if start <= r.graded_at < end)
    return [
        AcceptedAttempt(
            attempt_id=uuid.UUID(row.attempt_id),
            number=row.number,
            package_version=row.package_version,
            cap=row.cap,
            accepted_at=row.accepted_at,
            grade_on=grading_day(rules, graded_today, index, today),
        )
        for index, row in enumerate(waiting)
    ]


def build_standing(
    session: Session,
    participant_id: int,
    state: ParticipantProgress,
    rules: Rules,
    now: datetime | None = None,
    devices: int | None = None,
) -> Standing:
    """The standing as of ``now`` (default: the clock), ``rules`` being the course's (the
    day an attempt waiting to be graded is due depends on both). Three queries: the
    activities, the attempts and (unless ``devices`` gives it) the registered devices."""
    activities = session.execute(ACTIVITY_SCORES, {"participant": participant_id}).all()
    graded, waiting = attempt_rows(session, participant_id)
    moment = clock.now() if now is None else now
    if devices is None:
        devices = _devices(session, participant_id)
    return standing_of(state, activities, graded, waiting, devices, rules, moment)


def standing_of(
    state: ParticipantProgress,
    activities: Iterable[tuple[str, Decimal | None]],
    graded: list[Any],
    waiting: list[Any],
    devices: int,
    rules: Rules,
    now: datetime,
) -> Standing:
    """The standing from rows already read: the state row, (activity id, best score) of
    each activity done (None: no score), the attempts (``attempt_rows``) and the number of
    registered devices."""
    done = list(activities)
    return Standing(
        welcome_watched=state.welcome_watched,
        completed_activities=sorted(a for a, best in done if best is None),
        practice_best={a: best for a, best in done if best is not None},
        attempts=[_graded(row) for row in graded],
        pending_attempts=_pending(graded, waiting, rules, now),
        registered_devices=devices,
        passed_at=state.passed_at,
        certificate_issued_at=state.certificate_issued_at,
    )


def _devices(session: Session, participant_id: int) -> int:
    return int(session.execute(_DEVICES, {"participant": participant_id}).scalar_one())


def read_standing(
    session: Session, participant_id: int, package: CoursePackage, now: datetime
) -> Standing:
    """The standing for a sync's answer: the state row and the device count in one query,
    then the activities and the attempts (no progress: the device computes its own)."""
    row = session.execute(_STATE_AND_DEVICES, {"participant": participant_id}).one()
    state = ParticipantProgress(
        participant_id=participant_id,
        welcome_watched=bool(row[0]),
        passed_at=row[1],
        certificate_issued_at=row[2],
    )
    return build_standing(session, participant_id, state, package.rules, now, int(row[3]))


@dataclass(frozen=True)
class View:
    package: CoursePackage
    standing: Standing
    progress: Progress


def current_view(
    session: Session,
    participant: Participant,
    state: ParticipantProgress,
    now: datetime | None = None,
) -> View:
    """The participant's package, standing and progress as of ``now`` (default: the clock)."""
    assert participant.id is not None
    package = course_package(session, participant.course_id)
    if package is None:
        raise LookupError(f"course {participant.course_id} has no package")
    standing = build_standing(session, participant.id, state, package.rules, now)
    return View(package, standing, progress(package, standing))


def _next_change(state: ParticipantProgress, change: dict[str, object]) -> Change:
    state.last_cursor += 1
    typed: Change = CHANGE.validate_python(
        {**change, "cursor": state.last_cursor, "at": clock.now()}
    )
    return typed


def append_change(
    session: Session, state: ParticipantProgress, change: dict[str, object]
) -> Change:
    """Log a change for the participant at the next cursor (the state row must be locked)."""
    typed = _next_change(state, change)
    session.add(
        ChangeRow(
            participant_id=state.participant_id,
            cursor=typed.cursor,
            type=typed.type.value,
            body=typed.model_dump_json(),
        )
    )
    session.add(state)
    return typed


def record_passing(
    session: Session, participant: Participant, state: ParticipantProgress, now: datetime
) -> None:
    """Set ``passed_at`` and log ``passed`` if the participant passes now and had not yet
    (the state row must be locked): after an event, and after the daily job's grading."""
    if state.passed_at is not None:
        return
    session.flush()
    view = current_view(session, participant, state, now)
    if view.progress.passed:
        assert view.progress.final_score is not None
        state.passed_at = now
        append_change(
            session,
            state,
            {"type": "passed", "passed_at": now, "final_score": view.progress.final_score},
        )
