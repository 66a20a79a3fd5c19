"""Bulk-load a server database with participants who have synced already (bench and tests).

``preload(engine, events)`` adds participants, each with one device, until they hold at
least ``events`` events, and writes the rows a real sync of their history leaves behind,
straight into the server's tables: the participant, the device (with its last sync), an
access and a refresh token, the state row (welcome watched, attempts numbered and graded,
the last cursor), one event row per event (``accepted``, its payload as ``sync`` stores
it), one change per event (as ``standing.change_row`` makes it), one ``activity_state`` row
per activity and one graded ``attempt`` row per attempt.

Each participant's history is the newest package of the course done once, in course order:
the welcome video, every activity (practice quizzes all right), then ``attempts``
evaluation attempts with half the drawn questions right (so nobody passes: no ``passed``
change, no certificate). Event and attempt ids are random UUIDs, as devices make them, and
each participant synced on one of the past 90 days, so the indexes and the planner's
statistics look like a real database's.

On PostgreSQL the rows go in with COPY, on other databases with multi-row INSERTs, a chunk
of participants at a time, in one transaction. Values go through the columns' own types
(``tables.UtcDateTime``, ``tables.Hundredths``) as the ORM would bind them. Participant and
device ids follow the highest ones in the database (the sequences are moved past them), so
a database may be preloaded before or after other participants are added. Run
:func:`analyze` afterwards, as autovacuum would on a database that grew this big.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg.copy import QueuedLibpqWriter
from pydantic import TypeAdapter
from sqlalchemy import Connection, Engine, Table, func, insert, select, text
from sqlmodel import Session

from latsar_desktop.domain.draw import new_seed
from latsar_desktop.domain.grading import drawn_questions, grade, grade_attempt
from latsar_desktop.domain.protocol import (
    CHANGE,
    ActivityCompleted,
    ActivityCompletedEvent,
    ActivityKind,
    AttemptSubmitted,
    AttemptSubmittedEvent,
    CoursePackage,
    EventEnvelope,
    GradedAttempt,
    JournalEvent,
    PracticeGraded,
    PracticeGradedEvent,
    WelcomeWatched,
    WelcomeWatchedEvent,
)
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_server.accounts.passwords import hash_nik
from latsar_server.sync.standing import course_package
from latsar_server.tables import (
    ActivityState,
    Attempt,
    ChangeRow,
    Course,
    Device,
    EventRow,
    Participant,
    ParticipantProgress,
    Token,
)

# the tables in the order they are written (foreign keys first)
COURSES: Table = Course.__table__  # type: ignore[attr-defined]
PARTICIPANTS: Table = Participant.__table__  # type: ignore[attr-defined]
DEVICES: Table = Device.__table__  # type: ignore[attr-defined]
TOKENS: Table = Token.__table__  # type: ignore[attr-defined]
STATES: Table = ParticipantProgress.__table__  # type: ignore[attr-defined]
EVENTS: Table = EventRow.__table__  # type: ignore[attr-defined]
ACTIVITIES: Table = ActivityState.__table__  # type: ignore[attr-defined]
ATTEMPTS: Table = Attempt.__table__  # type: ignore[attr-defined]
CHANGES: Table = ChangeRow.__table__  # type: ignore[attr-defined]
TABLES = (PARTICIPANTS, DEVICES, TOKENS, STATES, EVENTS, ACTIVITIES, ATTEMPTS, CHANGES)
LOADED = tuple(table.name for table in TABLES)

NIP_PREFIX = "1980010120"  # + 8 digits: no demo or bench participant has one of these
DAYS = 90  # each participant synced on one of the past DAYS days
CHUNK = 500  # participants per round of writes

# placeholders in the templates, replaced by each participant's values
_DEVICE = "d0d0d0d0-0000-4000-8000-000000000001"
_EVENT = "e0e0e0e0-0000-4000-8000-000000000002"
_ATTEMPT = "a0a0a0a0-0000-4000-8000-000000000003"
_CURSOR = 987654321
_AT = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
_TIME_JSON = TypeAdapter(datetime)


def _time_json(moment: datetime) -> str:
    return _TIME_JSON.dump_json(moment).decode()


_AT_JSON = _time_json(_AT)


@dataclass(frozen=True)
class Preloaded:
    participants: int
    events: int
    changes: int
    seconds: float
    first_participant_id: int  # ids first .. first + participants - 1


@dataclass(frozen=True)
class _Step:
    """One event of the history: its row's type and payload, its change, what it made."""

    type: str
    payload: str  # as sync stores it; an attempt's holds _ATTEMPT and _AT
    change_type: str
    change: str  # the Change JSON with _CURSOR, _AT, _DEVICE (_EVENT, _ATTEMPT)
    activity: tuple[str, Decimal | None] | None = None  # (id, best score) for activity_state
    attempt: tuple[int, Decimal, Decimal, Decimal] | None = None  # number, raw, cap, score


@dataclass
class _History:
    package: CoursePackage
    steps: list[_Step] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return sum(1 for step in self.steps if step.attempt is not None)


def _payload(event: JournalEvent) -> str:
    """The event's payload as ``sync._process`` stores it."""
    envelope = EventEnvelope.of(event)
    return json.dumps(envelope.payload, sort_keys=True, ensure_ascii=False)


def _change(change: dict[str, object]) -> tuple[str, str]:
    """The change's type and its JSON (as ``standing.change_row`` makes them), with
    placeholders."""
    typed = CHANGE.validate_python({**change, "cursor": _CURSOR, "at": _AT})
    body: str = typed.model_dump_json()
    assert body.count(str(_CURSOR)) == 1, body
    return typed.type.value, body


def _history(package: CoursePackage, attempts: int) -> _History:
    """The course done once on one device (``_DEVICE``), then ``attempts`` attempts."""
    device = uuid.UUID(_DEVICE)
    event_id = uuid.UUID(_EVENT)
    history = _History(package)
    welcome = WelcomeWatchedEvent(
        id=event_id,
        device_id=device,
        seq=1,
        at=_AT,
        payload=WelcomeWatched(package_version=package.version),
    )
    history.steps.append(
        _Step(
            welcome.type.value,
            _payload(welcome),
            *_change(
                {
                    "type": "activity.completed",
                    "activity_id": package.welcome_video.id,
                    "device_id": device,
                }
            ),
        )
    )
    for _, activity in package.activities():
        event: JournalEvent
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            answers = {q.id: q.answer for q in activity.questions if q.answer is not None}
            result = grade(activity.questions, answers)
            score: Decimal | None = result.score
            event = PracticeGradedEvent(
                id=event_id,
                device_id=device,
                seq=1,
                at=_AT,
                payload=PracticeGraded(
                    activity_id=activity.id,
                    package_version=package.version,
                    answers=answers,
                    correct=result.correct,
                    total=result.total,
                    score=result.score,
                ),
            )
        else:
            score = None
            text_ = "Refleksi peserta." if activity.kind is ActivityKind.REFLECTION else None
            event = ActivityCompletedEvent(
                id=event_id,
                device_id=device,
                seq=1,
                at=_AT,
                payload=ActivityCompleted(
                    activity_id=activity.id,
                    package_version=package.version,
                    reflection_text=text_,
                ),
            )
        change = {"type": "activity.completed", "activity_id": activity.id, "device_id": device}
        if score is not None:
            change["best_score"] = score
        history.steps.append(
            _Step(event.type.value, _payload(event), *_change(change), (activity.id, score))
        )
    evaluation = package.evaluation
    for number in range(1, attempts + 1):
        seed = new_seed()
        order = [q.id for q in drawn_questions(evaluation, seed)]
        keys = {q.id: q for q in evaluation.questions}
        chosen: dict[str, str] = {}
        for i, qid in enumerate(order):  # half right
            key = keys[qid].answer
            chosen[qid] = next(c.id for c in keys[qid].choices if (c.id == key) == (i % 2 == 0))
        submitted = AttemptSubmitted(
            attempt_id=uuid.UUID(_ATTEMPT),
            package_version=package.version,
            seed=seed,
            question_order=order,
            answers=chosen,
            elapsed_seconds=600,
            started_at=_AT,
        )
        raw = grade_attempt(evaluation, submitted).score
        cap = cap_for_attempt(number, package.rules.cap_table)
        graded = GradedAttempt(
            attempt_id=uuid.UUID(_ATTEMPT),
            number=number,
            package_version=package.version,
            raw_score=raw,
            cap=cap,
            score=min(raw, cap),
            graded_at=_AT,
        )
        attempt_event = AttemptSubmittedEvent(
            id=event_id, device_id=device, seq=1, at=_AT, payload=submitted
        )
        history.steps.append(
            _Step(
                attempt_event.type.value,
                _payload(attempt_event),
                *_change(
                    {"type": "attempt.graded", "event_id": event_id, "attempt": graded.model_dump()}
                ),
                attempt=(number, raw, cap, min(raw, cap)),
            )
        )
    return history


class _Writer:
    """Writes rows (tuples in a table's column order, Python values) into one table:
    COPY on PostgreSQL, a multi-row INSERT elsewhere, each value through its column's type."""

    def __init__(self, connection: Connection, table: Table, columns: Sequence[str]) -> None:
        self.connection, self.table, self.columns = connection, table, list(columns)
        dialect = connection.dialect
        self.copy = dialect.name == "postgresql"
        self.processors: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(self.columns):
            processor = table.c[name].type.bind_processor(dialect)
            if processor is not None:  # few distinct values (times, scores): each once
                self.processors.append((index, functools.lru_cache(maxsize=4096)(processor)))

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if not self.copy:
            self.connection.execute(
                insert(self.table), [dict(zip(self.columns, row, strict=True)) for row in rows]
            )
            return
        names = ", ".join(f'"{name}"' for name in self.columns)
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(
                f'COPY "{self.table.name}" ({names}) FROM STDIN',
                writer=QueuedLibpqWriter(cursor),  # sent by a thread: PostgreSQL works meanwhile
            ) as copy,
        ):
            processors = self.processors
            for row in rows:
                if processors:
                    values = list(row)
                    for index, processor in processors:
                        values[index] = processor(values[index])
                    copy.write_row(values)
                else:
                    copy.write_row(row)


_COLUMNS: dict[str, list[str]] = {
    "participant": [
        "id",
        "nip",
        "nik_hash",
        "name",
        "agency",
        "course_id",
        "created_at",
        "updated_at",
    ],
    "device": [
        "id",
        "participant_id",
        "device_id",
        "name",
        "registered_at",
        "last_seen_at",
        "last_sync_at",
        "acked_seq",
    ],
    "token": ["hash", "kind", "device_pk", "family", "expires_at"],
    "participant_state": (
        [
            "participant_id",
            "welcome_watched",
            "attempts_numbered",
            "attempts_graded",
            "last_cursor",
            "registered_devices",
        ]
    ),
    "event": [
        "participant_id",
        "device_id",
        "seq",
        "event_id",
        "type",
        "device_time",
        "payload",
        "outcome",
        "received_at",
    ],
    "activity_state": (
        ["participant_id", "activity_id", "best_score", "first_device_id", "completed_at"]
    ),
    "attempt": [
        "participant_id",
        "attempt_id",
        "event_id",
        "number",
        "package_version",
        "raw_score",
        "cap",
        "score",
        "elapsed_seconds",
        "accepted_at",
        "graded_at",
    ],
    "change": ["participant_id", "cursor", "type", "body"],
}


def _rows(
    history: _History, participant_id: int, index: int, course_id: str, nik_hash: str
) -> dict[str, list[tuple[Any, ...]]]:
    """One participant's rows, by table."""
    package, steps = history.package, history.steps
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1 + index % DAYS)
    at = _time_json(moment)
    device = str(uuid.uuid4())
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _COLUMNS}
    rows["participant"].append(
        (
            participant_id,
            f"{NIP_PREFIX}{participant_id:08d}",
            nik_hash,
            f"Peserta Muat {index}",
            "Instansi Muat",
            course_id,
            moment,
            moment,
        )
    )
    device_pk = participant_id  # one device each: the same ids as their participants
    rows["device"].append(
        (device_pk, participant_id, device, "PC", moment, moment, moment, len(steps))
    )
    family = secrets.token_hex(8)
    for kind in ("access", "refresh"):
        digest = hashlib.sha256(f"{device}:{kind}".encode()).hexdigest()
        rows["token"].append((digest, kind, device_pk, family, moment + timedelta(hours=8)))
    rows["participant_state"].append(
        (participant_id, True, history.attempts, history.attempts, len(steps), 1)
    )
    events, changes = rows["event"], rows["change"]
    for seq, step in enumerate(steps, start=1):
        event_id = str(uuid.uuid4())
        payload, body = step.payload, step.change
        body = body.replace(str(_CURSOR), str(seq), 1).replace(_DEVICE, device)
        body = body.replace(_AT_JSON, at)
        if step.attempt is not None:
            attempt_id = str(uuid.uuid4())
            payload = payload.replace(_ATTEMPT, attempt_id)
            payload = payload.replace(_AT_JSON.strip('"'), at.strip('"'))
            body = body.replace(_EVENT, event_id).replace(_ATTEMPT, attempt_id)
            number, raw, cap, score = step.attempt
            rows["attempt"].append(
                (
                    participant_id,
                    attempt_id,
                    event_id,
                    number,
                    package.version,
                    raw,
                    cap,
                    score,
                    600,
                    moment,
                    moment,
                )
            )
        elif step.activity is not None:
            activity_id, best = step.activity
            rows["activity_state"].append((participant_id, activity_id, best, device, moment))
        events.append(
            (participant_id, device, seq, event_id, step.type, moment, payload, "accepted", moment)
        )
        changes.append((participant_id, seq, step.change_type, body))
    return rows


def preload(
    engine: Engine,
    events: int,
    *,
    course_id: str | None = None,
    attempts: int = 1,
    chunk: int = CHUNK,
) -> Preloaded:
    """Add participants who synced their whole history, until at least ``events`` events
    are stored for them (whole participants: the count is rounded up). ``course_id``: the
    course they follow (default: the only course there is)."""
    started = time.perf_counter()
    with engine.begin() as connection:
        if course_id is None:
            courses = connection.execute(select(COURSES.c.id)).scalars().all()
            assert len(courses) == 1, f"name the course: {courses}"
            course_id = str(courses[0])
        with Session(bind=connection) as session:
            package = course_package(session, course_id)
        assert package is not None, f"course {course_id} has no package"
        history = _history(package, attempts)
        per = len(history.steps)
        count = math.ceil(events / per)
        highest = [
            connection.execute(select(func.max(table.c.id))).scalar_one() or 0
            for table in (PARTICIPANTS, DEVICES)
        ]
        first = 1 + max(highest)  # each device's id is its participant's: both unused
        nik_hash = hash_nik("3273011405900001")  # one scrypt for all: it is not measured
        writers = {t.name: _Writer(connection, t, _COLUMNS[t.name]) for t in TABLES}
        for start in range(0, count, chunk):
            batch: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _COLUMNS}
            for index in range(start, min(count, start + chunk)):
                for name, rows in _rows(history, first + index, index, course_id, nik_hash).items():
                    batch[name].extend(rows)
            for table in TABLES:
                writers[table.name].write(batch[table.name])
        if connection.dialect.name == "postgresql":
            for table in (PARTICIPANTS, DEVICES):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                        f" (SELECT max(id) FROM {table.name}))"
                    )
                )
    return Preloaded(
        participants=count,
        events=count * per,
        changes=count * per,
        seconds=round(time.perf_counter() - started, 2),
        first_participant_id=first,
    )


def analyze(engine: Engine, tables: Iterable[str] = LOADED, *, vacuum: bool = False) -> None:
    """Fresh planner statistics for ``tables``, what autovacuum gives a database that grew
    this big (``vacuum``: VACUUM too, which also marks the pages all-visible for
    index-only scans; PostgreSQL only)."""
    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    with engine.connect() as connection:
        if vacuum:  # not inside a transaction
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for name in tables:
            connection.execute(text(f'{command} "{name}"'))
        connection.commit()
