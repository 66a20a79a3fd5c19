"""One sync request's work (``POST /api/v1/sync``, received by
``latsar_server.api.sync``): push the device's events, pull the participant's changes.

One write transaction per request that sends events, serialized per participant by
locking their state row; the answer is read after it commits (a pull alone writes
nothing but the device's last sync time, at most once per ``accounts.devices.LAST_SYNC_PRECISION``;
a request with events records it in its own write). An event is processed once per
(participant, device, seq) and once per event id of the participant; a seq gap stops
processing; every processed event, accepted or rejected, is stored, so
``processed_count`` is counted from rows.

A request processes at most ``sync_max_events`` new events (a prefix of what it sends) and
acks them; the device sends the rest from ``acked_seq`` + 1 in its next request. So one
write transaction stays short (on SQLite every writer, a sign-in too, waits for it), and
an event costs the same however long the participant's history is: the checks read what
the batch keeps in memory (learning progress, best score, attempt ids), not a standing
rebuilt from every row.

Evaluation attempts are numbered when accepted and graded at most ``max_graded_per_day`` a
day (``latsar_server.sync.grading``): a sync first grades the participant's waiting attempts
that are due (a pull without events too), then processes its events.

Every answer names the course's current package version (``package_version``), read from
the course's package versions, not from per-participant rows: a device holding an older
one refreshes its package and tells the participant.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json
from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    String,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.dml import Update
from sqlmodel import Session, col, select

from latsar_desktop.domain.grading import attempt_problem, grade, grade_attempt, unknown_questions
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.progress import Progress, progress
from latsar_desktop.domain.protocol import (
    CHANGE,
    AcceptedAttempt,
    Activity,
    ActivityCompletedChange,
    ActivityCompletedEvent,
    ActivityKind,
    AttemptAcceptedChange,
    AttemptGradedChange,
    AttemptSubmittedEvent,
    Change,
    CoursePackage,
    EventEnvelope,
    EventType,
    JournalEvent,
    PracticeGradedEvent,
    Rejection,
    Standing,
    StandingRecomputedChange,
    SyncRequest,
    SyncResponse,
    WelcomeWatchedEvent,
    WireMessage,
)
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_server.accounts.devices import mark_synced, sync_mark_due
from latsar_server.accounts.tokens import (
    BY_TOKEN,
    CALLER_COLUMNS,
    CALLER_TABLES,
    Caller,
    caller_from,
    caller_in,
    token_hash,
)
from latsar_server.clock import now
from latsar_server.database import (
    DriverStatement,
    insert_rows,
    recordset,
    recordset_insert,
    recordset_rows,
)
from latsar_server.errors import ApiError
from latsar_server.runtime import ServerRuntime
from latsar_server.settings import Settings
from latsar_server.sync.grading import Day, count_waiting, grade_due, record_grade
from latsar_server.sync.standing import (
    SAVE_STATE,
    STATE_COLUMNS,
    attempt_rows,
    course_package,
    held_state,
    lock_participant,
    newest_package,
    parsed_package,
    read_standing,
    record_passing,
    standing_of,
    state_to_save,
    state_values,
)
from latsar_server.tables import (
    ActivityState,
    Attempt,
    ChangeRow,
    Device,
    EventRow,
    Hundredths,
    PackageVersion,
    Participant,
    ParticipantProgress,
)

EVENTS = EventRow.__table__  # type: ignore[attr-defined]
DEVICES = Device.__table__  # type: ignore[attr-defined]
CHANGES = ChangeRow.__table__  # type: ignore[attr-defined]
ACTIVITIES = ActivityState.__table__  # type: ignore[attr-defined]
STATE = ParticipantProgress.__table__  # type: ignore[attr-defined]
PACKAGES = PackageVersion.__table__  # type: ignore[attr-defined]
PARTICIPANTS = Participant.__table__  # type: ignore[attr-defined]

# The statements every request runs, built once (Core, bound parameters): building one
# costs several times what running it does.
_BETTER_SCORE = (  # SQLite (PostgreSQL: in _WRITTEN_AT_ONCE)
    update(ACTIVITIES)
    .where(
        ACTIVITIES.c.participant_id == bindparam("b_participant"),
        ACTIVITIES.c.activity_id == bindparam("b_activity"),
    )
    .values(best_score=bindparam("b_score"))
)
_STORED_OLD = sa_select(EVENTS.c.seq, EVENTS.c.event_id, EVENTS.c.outcome, EVENTS.c.reason).where(
    EVENTS.c.participant_id == bindparam("participant"),
    EVENTS.c.device_id == bindparam("device"),
    EVENTS.c.seq.in_(bindparam("seqs", expanding=True)),
)


def _held_columns(course: Any) -> tuple[Any, ...]:
    """What a push reads with its lock: the state row's columns, the device's acked seq,
    and the newest package's version and sha256 of ``course`` (for the package's parse
    kept by this worker)."""
    newest = newest_package(course)
    return (
        *STATE_COLUMNS,
        DEVICES.c.acked_seq,
        newest.with_only_columns(PACKAGES.c.version).scalar_subquery(),
        newest.with_only_columns(PACKAGES.c.sha256).scalar_subquery(),
    )


# The participant's state row with the syncing device's acked seq, both locked (FOR UPDATE:
# every sync of one participant waits here). Both, so that a sync that waited reads the
# device's row as the one before it left it, not as it was when this statement began.
_LOCK = (
    sa_select(*_held_columns(bindparam("course")))
    .join(DEVICES, DEVICES.c.id == bindparam("device"))
    .where(STATE.c.participant_id == bindparam("participant"))
    .with_for_update(of=[STATE, DEVICES])
)
_LOCKED = len(STATE_COLUMNS)  # the row's columns, then the acked seq, the newest package
_READ = _LOCKED + 3  # _LOCK_AND_READ: then the two xmin, the four arrays, the caller
_CALLER_AT = _READ + 6


# PostgreSQL: whether an event id is among the request's (UUIDs: commas cannot occur in
# them), as one text parameter: the same statement text for any number of ids (prepared
# once per connection; an IN list is a new statement for each length), and one value to
# send (psycopg escapes each element of an array parameter in Python)
_SENT_IDS = EVENTS.c.event_id == any_(func.string_to_array(bindparam("ids", type_=Text), ","))


def _lock_and_read() -> Select[Any]:
    """PostgreSQL: what a push reads first, in one statement (one round trip, not five):
    the access token's caller (``tokens.CALLER_COLUMNS``), their state row and the device's
    row locked (as ``_LOCK``, by the token, not by ids), the course's newest package, and
    what the push reads next: the participant's activities (ids, best scores), which of the
    request's event ids they sent before, and the bodies of the changes after the device's
    cursor ``after`` up to ``until`` (a participant's cursors are 1, 2, 3 …).

    Those subqueries read the statement's snapshot, taken before the lock: a sync of the
    same participant that committed meanwhile (this one waited for it, or it committed just
    before the lock) is missing from them. Every push writes the state row
    (``Batch.write``), so the row then locked is a newer version than the snapshot's: the
    two ``xmin`` differ, and the push reads all three again, after the lock (``Held``)."""
    seen = STATE.alias("seen")
    participant = STATE.c.participant_id  # each subquery is correlated to the locked row

    def aggregated(values: Any, order: Any, item: Any, *where: Any) -> Any:
        """One array of ``values`` (ordered by ``order``), as a scalar subquery."""
        array = func.array_agg(postgresql.aggregate_order_by(values, order))
        return sa_select(type_coerce(array, postgresql.ARRAY(item))).where(*where)

    activity = ACTIVITIES.c.activity_id
    mine = ACTIVITIES.c.participant_id == participant
    return (
        sa_select(
            *_held_columns(PARTICIPANTS.c.course_id),
            cast(literal_column(f"{STATE.name}.xmin"), Text),
            sa_select(cast(literal_column("seen.xmin"), Text))
            .where(seen.c.participant_id == participant)
            .scalar_subquery(),
            aggregated(activity, activity, String, mine).scalar_subquery(),
            aggregated(ACTIVITIES.c.best_score, activity, Hundredths, mine).scalar_subquery(),
            aggregated(
                EVENTS.c.event_id,
                EVENTS.c.event_id,
                String,
                EVENTS.c.participant_id == participant,
                _SENT_IDS,
            ).scalar_subquery(),
            aggregated(
                CHANGES.c.body,
                CHANGES.c.cursor,
                Text,
                CHANGES.c.participant_id == participant,
                CHANGES.c.cursor.between(bindparam("after") + 1, bindparam("until")),
            ).scalar_subquery(),
            *CALLER_COLUMNS,
        )
        .select_from(CALLER_TABLES.join(STATE, participant == PARTICIPANTS.c.id))
        .where(BY_TOKEN)
        .with_for_update(of=[STATE, DEVICES])
    )


_LOCK_AND_READ = DriverStatement(_lock_and_read())
# The sync's time and the device's new acked seq, in the write already made
_SYNCED = (
    update(DEVICES)
    .where(DEVICES.c.id == bindparam("device"))
    .values(last_sync_at=bindparam("at"), acked_seq=bindparam("acked"))
)


def _written_at_once() -> Update:
    """PostgreSQL: all that ``Batch.write`` writes, in one statement, each table's rows as
    one JSON parameter: the new activities, the better scores, the changes, the events,
    the state row (when ``save``) and the device's sync (when ``synced``). A round trip
    costs more than the rows: this was eight (a COPY is two)."""
    better = recordset_rows(ACTIVITIES, ("activity_id", "best_score"), "better")
    better_scores = (
        update(ACTIVITIES)
        .where(
            ACTIVITIES.c.participant_id == bindparam("participant"),
            ACTIVITIES.c.activity_id == better.c.activity_id,
        )
        .values(best_score=better.c.best_score)
    )
    # a batch's rows have every column of their table
    return _SYNCED.where(bindparam("synced", type_=Boolean)).add_cte(
        recordset_insert(ACTIVITIES, tuple(ACTIVITIES.c.keys()), "activities").cte(
            "new_activities"
        ),
        better_scores.cte("better_scores"),
        recordset_insert(CHANGES, tuple(CHANGES.c.keys()), "changes").cte("new_changes"),
        recordset_insert(EVENTS, tuple(EVENTS.c.keys()), "events").cte("new_events"),
        SAVE_STATE.where(bindparam("save", type_=Boolean)).cte("state"),
    )


_WRITTEN_AT_ONCE = DriverStatement(_written_at_once())


def _activities_and_known_ids(ids: ColumnElement[bool]) -> CompoundSelect[Any]:
    """The participant's activities done (id, best score) and which of the request's event
    ids (``ids``: the condition on them) they sent before (id, NULL, 1): one read."""
    return union_all(
        sa_select(ACTIVITIES.c.activity_id, ACTIVITIES.c.best_score, literal_column("0")).where(
            ACTIVITIES.c.participant_id == bindparam("participant")
        ),
        sa_select(EVENTS.c.event_id, null(), literal_column("1")).where(
            EVENTS.c.participant_id == bindparam("participant"), ids
        ),
    )


_ACTIVITIES_AND_KNOWN_IDS = {
    "postgresql": _activities_and_known_ids(_SENT_IDS),
    "sqlite": _activities_and_known_ids(EVENTS.c.event_id.in_(bindparam("ids", expanding=True))),
}


def _sent_ids(dialect: str, ids: list[str]) -> str | list[str]:
    """The ``ids`` parameter of ``_SENT_IDS`` (PostgreSQL) or of an ``IN`` list (SQLite)."""
    return ",".join(ids) if dialect == "postgresql" else ids


_PAGE = (
    sa_select(CHANGES.c.cursor, CHANGES.c.body)
    .where(
        CHANGES.c.participant_id == bindparam("participant"), CHANGES.c.cursor > bindparam("after")
    )
    .order_by(CHANGES.c.cursor)
    .limit(bindparam("size"))
)


class Rejected(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(message.code.value)
        self.message = message


@dataclass
class Batch:
    """What one sync request does to one participant, inside its transaction.

    It keeps in memory what the checks need, updated as each event is applied, so an
    event's cost does not grow with the participant's history: the learning progress
    (recomputed from the package, the welcome flag and the activity rows, only after one
    of them changes), the best score and the attempt ids this request names.

    The rows the events make (events, changes, activities) are kept as column values and
    written together by ``write`` (on PostgreSQL one statement, elsewhere one multi-row
    INSERT per table), not as ORM objects flushed one by one."""

    session: Session
    participant: Participant
    state: ParticipantProgress
    newest_package: CoursePackage | None  # the course's, read with the lock (None: none yet)
    device_id: str
    device_pk: int  # its row's
    moment: datetime  # the server's time for this request
    packages: dict[int, CoursePackage | None] = field(default_factory=dict)
    # activity id -> best score (None: completed, no score), stored or made by this batch
    activities: dict[str, Decimal | None] = field(default_factory=dict)
    stored_activities: set[str] = field(default_factory=set)  # of those, already in the table
    known_event_ids: set[str] = field(default_factory=set)
    graded_attempt_ids: set[str] = field(default_factory=set)  # of those this request names
    rejected: dict[int, str] = field(default_factory=dict)  # seq -> reason (WireMessage JSON)
    changes: list[Change] = field(default_factory=list)  # logged by this request, in order
    event_rows: list[dict[str, object]] = field(default_factory=list)
    change_rows: list[dict[str, object]] = field(default_factory=list)
    new_activities: dict[str, dict[str, object]] = field(default_factory=dict)
    better_scores: dict[str, Decimal | None] = field(default_factory=dict)
    learning_changed: bool = False
    _learning: Progress | None = None
    _activities: dict[int, dict[str, Activity]] = field(default_factory=dict)
    _best: Decimal | None = None
    _best_loaded: bool = False
    _day: Day | None = None
    # read once: each event's rows name them
    participant_id: int = field(init=False)
    device: uuid.UUID = field(init=False)

    def __post_init__(self) -> None:
        assert self.participant.id is not None
        self.participant_id = self.participant.id
        self.device = uuid.UUID(self.device_id)

    def package(self, version: int) -> CoursePackage:
        if version not in self.packages:
            newest = self.newest_package  # most events name it: no second read then
            if newest is not None and newest.version == version:
                self.packages[version] = newest
            else:
                self.packages[version] = course_package(
                    self.session, self.participant.course_id, version
                )
        package = self.packages[version]
        if package is None:
            raise Rejected(msg(Code.SYNC_UNKNOWN_PACKAGE_VERSION, version=version))
        return package

    def activity(self, version: int, activity_id: str) -> Activity | None:
        """The package version's activity (looked up by id, not by a walk of the package)."""
        index = self._activities.get(version)
        if index is None:
            index = {}
            for _, activity in self.package(version).activities():  # may reject
                index.setdefault(activity.id, activity)  # the first, as package.activity()
            self._activities[version] = index
        return index.get(activity_id)

    def latest(self) -> CoursePackage:
        """The course's newest package: its rules decide unlocking and passing."""
        package = self.newest_package
        if package is None:
            raise LookupError(f"course {self.participant.course_id} has no package")
        return package

    def learning(self) -> Progress:
        """Progress without the attempts (trophies, completion), as of the events so far."""
        if self._learning is None or self.learning_changed:
            standing = Standing(
                welcome_watched=self.state.welcome_watched,
                completed_activities=sorted(
                    a for a, best in self.activities.items() if best is None
                ),
                practice_best={a: b for a, b in self.activities.items() if b is not None},
            )
            self._learning = progress(self.latest(), standing)
            self.learning_changed = False
        return self._learning

    def best_score(self) -> Decimal | None:
        """The participant's final score so far (the best graded score)."""
        if not self._best_loaded:
            self._best = self.session.exec(
                select(func.max(Attempt.score)).where(Attempt.participant_id == self.participant_id)
            ).one()
            self._best_loaded = True
        return self._best

    def graded(self, attempt_id: str, score: Decimal) -> None:
        best = self.best_score()
        self._best = score if best is None else max(best, score)
        self.graded_attempt_ids.add(attempt_id)

    def day(self) -> Day:
        """Today's grading of this participant (graded per day), read once."""
        if self._day is None:
            self._day = Day.load(
                self.session, self.participant_id, self.latest().rules, self.moment
            )
        return self._day

    def cursor(self) -> int:
        """The participant's next change cursor (the state row is locked)."""
        self.state.last_cursor += 1
        return self.state.last_cursor

    def log(self, change: Change) -> None:
        """Log ``change`` (made with ``cursor()``), written with the batch's rows."""
        self.changes.append(change)
        self.change_rows.append(
            {
                "participant_id": self.participant_id,
                "cursor": change.cursor,
                "type": change.type.value,
                "body": change.model_dump_json(),
            }
        )

    def set_activity(self, activity_id: str, score: Decimal | None) -> None:
        """Record the activity done (a quiz: with its new best score)."""
        self.activities[activity_id] = score
        if activity_id in self.stored_activities:
            self.better_scores[activity_id] = score
        elif activity_id in self.new_activities:
            self.new_activities[activity_id]["best_score"] = score
        else:
            self.new_activities[activity_id] = {
                "participant_id": self.participant_id,
                "activity_id": activity_id,
                "best_score": score,
                "first_device_id": self.device_id,
                "completed_at": self.moment,
            }
        self.learning_changed = True

    def write(self, acked: int | None = None) -> None:
        """Write the rows kept so far; with ``acked`` (the request's end) also what it
        changed in the state row and the device's sync (its time, its ``acked`` seq). On
        PostgreSQL one statement; elsewhere an INSERT per table (many parameter sets),
        then the two UPDATEs."""
        connection = self.session.connection()
        activities = list(self.new_activities.values())
        postgres = connection.dialect.name == "postgresql"
        # on PostgreSQL every push writes the state row, changed or not (unless the
        # session writes it): how the next sync's lock tells it is newer than its snapshot
        save = acked is not None and (
            self.state not in self.session if postgres else state_to_save(self.session, self.state)
        )
        if postgres:
            _WRITTEN_AT_ONCE.run(
                connection,
                {
                    "participant": self.participant_id,
                    "activities": recordset(connection, ACTIVITIES, activities),
                    "better": recordset(
                        connection,
                        ACTIVITIES,
                        [
                            {"activity_id": a, "best_score": score}
                            for a, score in self.better_scores.items()
                        ],
                    ),
                    "changes": recordset(connection, CHANGES, self.change_rows),
                    "events": recordset(connection, EVENTS, self.event_rows),
                    "save": save,
                    **state_values(self.state),
                    "synced": acked is not None,
                    "device": self.device_pk,
                    "at": self.moment,
                    "acked": acked,
                },
            )
        else:
            insert_rows(connection, ACTIVITIES, activities)
            if self.better_scores:
                connection.execute(
                    _BETTER_SCORE,
                    [
                        {"b_participant": self.participant_id, "b_activity": a, "b_score": s}
                        for a, s in self.better_scores.items()
                    ],
                )
            insert_rows(connection, CHANGES, self.change_rows)
            insert_rows(connection, EVENTS, self.event_rows)
            if save:
                connection.execute(SAVE_STATE, state_values(self.state))
            if acked is not None:
                connection.execute(
                    _SYNCED, {"device": self.device_pk, "at": self.moment, "acked": acked}
                )
        self.stored_activities.update(self.new_activities)
        self.new_activities, self.better_scores = {}, {}
        self.change_rows, self.event_rows = [], []


def _grade_waiting(batch: Batch) -> None:
    """Grade the participant's waiting attempts that are due now, in order, before the
    request's events; each is logged (``attempt.graded``) and may make them pass."""
    if batch._day is None and batch.state.attempts_numbered == batch.state.attempts_graded:
        return  # none waits (numbered = graded): the usual case, without a read
    day = batch.day()
    course = batch.participant.course_id
    for event_id, attempt in grade_due(batch.session, course, batch.state, day, batch.moment):
        batch.graded(str(attempt.attempt_id), attempt.score)
        batch.log(
            AttemptGradedChange(
                cursor=batch.cursor(),
                at=batch.moment,
                event_id=uuid.UUID(event_id),
                attempt=attempt,
            )
        )
        _check_passed(batch)


# ------------------------------------------------------------------------- applying events


def _apply(batch: Batch, event: JournalEvent) -> str:
    """Apply one valid-shaped event; returns "accepted" or "noop", or raises Rejected."""
    if isinstance(event, WelcomeWatchedEvent):
        welcome = batch.package(event.payload.package_version).welcome_video.id  # may reject
        if batch.state.welcome_watched:
            return "noop"
        batch.state.welcome_watched = True
        batch.learning_changed = True  # the state row is written with the transaction
        batch.log(
            ActivityCompletedChange(
                cursor=batch.cursor(), at=batch.moment, activity_id=welcome, device_id=batch.device
            )
        )
        return "accepted"
    if isinstance(event, ActivityCompletedEvent | PracticeGradedEvent):
        return _apply_activity(batch, event)
    assert isinstance(event, AttemptSubmittedEvent)
    return _apply_attempt(batch, event)


def _apply_activity(batch: Batch, event: ActivityCompletedEvent | PracticeGradedEvent) -> str:
    payload = event.payload
    activity = batch.activity(payload.package_version, payload.activity_id)
    if activity is None:
        raise Rejected(
            msg(
                Code.SYNC_UNKNOWN_ACTIVITY,
                activity=payload.activity_id,
                version=payload.package_version,
            )
        )
    is_quiz = activity.kind is ActivityKind.PRACTICE_QUIZ
    if is_quiz != isinstance(event, PracticeGradedEvent):
        raise Rejected(msg(Code.SYNC_WRONG_ACTIVITY_KIND, activity=activity.id))
    score = None
    if isinstance(event, PracticeGradedEvent):
        unknown = unknown_questions(activity.questions, event.payload.answers)
        if unknown:
            raise Rejected(
                msg(
                    Code.SYNC_UNKNOWN_QUESTION, question=unknown[0], version=payload.package_version
                )
            )
        score = grade(activity.questions, event.payload.answers).score  # the server's grade
    if activity.id in batch.activities and (
        score is None or (batch.activities[activity.id] or 0) >= score
    ):
        return "noop"  # already done, on this device or another: not a rejection
    batch.set_activity(activity.id, score)
    batch.log(
        ActivityCompletedChange(
            cursor=batch.cursor(),
            at=batch.moment,
            activity_id=activity.id,
            device_id=batch.device,
            best_score=score,
        )
    )
    return "accepted"


def _apply_attempt(batch: Batch, event: AttemptSubmittedEvent) -> str:
    payload = event.payload
    if payload.started_at > event.at:  # both from the device's clock: a forged or broken event
        raise Rejected(
            msg(Code.SYNC_STARTED_AFTER_SUBMITTED, started=payload.started_at, submitted=event.at)
        )
    if batch.state.certificate_issued_at is not None:
        raise Rejected(msg(Code.SYNC_AFTER_CERTIFICATE))
    package = batch.package(payload.package_version)
    evaluation = package.evaluation
    unknown = unknown_questions(
        evaluation.questions, {**payload.answers, **dict.fromkeys(payload.question_order, "")}
    )
    if unknown:
        raise Rejected(
            msg(Code.SYNC_UNKNOWN_QUESTION, question=unknown[0], version=payload.package_version)
        )
    problem = attempt_problem(evaluation, payload)  # not the questions its seed drew
    if problem is not None:
        raise Rejected(problem)
    limit = evaluation.time_limit_seconds + evaluation.grace_seconds
    if payload.elapsed_seconds > limit:
        raise Rejected(
            msg(
                Code.SYNC_TIME_OVER,
                elapsed=payload.elapsed_seconds,
                limit=evaluation.time_limit_seconds,
            )
        )
    if str(payload.attempt_id) in batch.graded_attempt_ids:
        return "noop"  # this participant's attempt, already numbered
    learning = batch.learning()
    if learning.trophies < learning.unlock_trophies:
        raise Rejected(
            msg(
                Code.SYNC_EVALUATION_LOCKED,
                trophies=learning.trophies,
                needed=learning.unlock_trophies,
            )
        )
    # numbered now; graded now, or on a later day when today's grading is used up
    number = batch.state.attempts_numbered + 1
    cap = cap_for_attempt(number, package.rules.cap_table)
    day, moment = batch.day(), batch.moment
    row = Attempt(
        attempt_id=str(payload.attempt_id),
        participant_id=batch.participant_id,
        event_id=str(event.id),
        number=number,
        package_version=package.version,
        cap=cap,
        elapsed_seconds=payload.elapsed_seconds,
        accepted_at=moment,
    )
    if day.grades_now():
        raw = grade_attempt(evaluation, payload).score  # may refuse (a key missing): first
        attempt = record_grade(batch.session, row, raw, moment)
        batch.state.attempts_numbered = number
        batch.state.attempts_graded += 1
        day.graded += 1
        batch.graded(str(payload.attempt_id), attempt.score)
        batch.log(
            AttemptGradedChange(
                cursor=batch.cursor(), at=moment, event_id=event.id, attempt=attempt
            )
        )
        return "accepted"
    accepted = AcceptedAttempt(
        attempt_id=payload.attempt_id,
        number=number,
        package_version=package.version,
        cap=cap,
        accepted_at=moment,
        grade_on=day.grade_on(),
    )
    batch.session.add(row)
    batch.state.attempts_numbered = number
    day.waiting += 1
    batch.graded_attempt_ids.add(str(payload.attempt_id))
    batch.log(
        AttemptAcceptedChange(cursor=batch.cursor(), at=moment, event_id=event.id, attempt=accepted)
    )
    return "accepted"


def _process(batch: Batch, envelope: EventEnvelope) -> Message | None:
    """Process one event and store it; returns the reason when it is rejected."""
    reason: Message | None = None
    outcome = "rejected"
    event_id: str | None = str(envelope.id)
    if event_id in batch.known_event_ids:
        reason, event_id = msg(Code.SYNC_DUPLICATE_EVENT), None
    else:
        try:
            event = envelope.typed()
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"][1:]) or envelope.type
            reason = msg(Code.SYNC_MALFORMED_EVENT, problem=f"{where}: {first['msg']}")
        else:
            # every check of _apply happens before it writes anything: a rejected
            # event leaves no trace but its own row
            try:
                outcome = _apply(batch, event)
            except (Rejected, DomainError) as exc:
                reason = exc.message
            except ValueError as exc:  # e.g. a question without its key: refuse, don't crash
                reason = msg(Code.SYNC_MALFORMED_EVENT, problem=str(exc)[:200])
            else:
                if outcome == "accepted":
                    _check_passed(batch)
    if event_id is not None:
        batch.known_event_ids.add(event_id)
    stored_reason = WireMessage.of(reason).model_dump_json() if reason else None
    if stored_reason is not None:
        batch.rejected[envelope.seq] = stored_reason
    batch.event_rows.append(
        {
            "participant_id": batch.participant_id,
            "device_id": batch.device_id,
            "seq": envelope.seq,
            "event_id": event_id,
            # as sent, but PostgreSQL's text holds no NUL (such a type is rejected anyway)
            "type": envelope.type[:40].replace("\x00", "\ufffd"),
            "device_time": envelope.at,
            "payload": to_json(envelope.payload).decode(),  # compact UTF-8, as sent
            "outcome": outcome,
            "reason": stored_reason,
            "received_at": batch.moment,
        }
    )
    return reason


# ------------------------------------------------------------------------- the endpoint


def _stored_old(
    session: Session, participant_id: int, device_id: str, body: SyncRequest, acked: int
) -> list[tuple[int, str | None, str, str | None]]:
    """(seq, event id, outcome, reason) of the device's stored events that this request
    sends again (a seq at most ``acked``): one read, for the seq check and the verdicts."""
    old = [e.seq for e in body.events if e.seq <= acked]
    if not old:
        return []
    rows = session.execute(
        _STORED_OLD, {"participant": participant_id, "device": device_id, "seqs": old}
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def _check_seq_reuse(
    session: Session,
    participant_id: int,
    body: SyncRequest,
    stored: list[tuple[int, str | None, str, str | None]],
) -> None:
    """A seq the server already holds under another event id means the device's journal
    was restored or copied: refuse (409) rather than confirm an event never applied.

    A seq stored without an id was a duplicate of an id stored at another seq: only that
    id, resent, is the same event; an id the server does not hold is another event."""
    if not stored:
        return
    sent = {e.seq: str(e.id) for e in body.events}
    without_id: dict[int, str] = {}
    for seq, event_id, _, _ in stored:
        if event_id is None:
            without_id[seq] = sent[seq]
        elif event_id != sent[seq]:
            raise ApiError(409, msg(Code.SYNC_SEQ_CONFLICT, seq=seq))
    if not without_id:
        return
    known = set(
        session.exec(
            select(EventRow.event_id).where(
                EventRow.participant_id == participant_id,
                col(EventRow.event_id).in_(list(without_id.values())),
            )
        )
    )
    for seq, event_id in sorted(without_id.items()):
        if event_id not in known:
            raise ApiError(409, msg(Code.SYNC_SEQ_CONFLICT, seq=seq))


def _prefix(events: list[EventEnvelope], acked: int, limit: int) -> list[EventEnvelope]:
    """The events this request processes: from ``acked`` + 1 on, without a gap, at most
    ``limit`` of them. Seqs already processed are skipped: resending is a no-op."""
    todo: list[EventEnvelope] = []
    for envelope in sorted(events, key=lambda e: e.seq):
        if envelope.seq <= acked + len(todo):
            continue
        if envelope.seq != acked + len(todo) + 1 or len(todo) == limit:
            break  # a gap (nothing after it is processed), or this request's share is done
        todo.append(envelope)
    return todo


def _attempt_ids(events: list[EventEnvelope]) -> list[str]:
    """The attempt ids that attempt events name (as the typed payload will read them)."""
    ids: list[str] = []
    for envelope in events:
        if envelope.type == EventType.ATTEMPT_SUBMITTED.value:
            try:
                ids.append(str(uuid.UUID(str(envelope.payload.get("attempt_id")))))
            except ValueError:
                continue  # a malformed payload: rejected when it is processed
    return ids


def _start(session: Session, held: Held, todo: list[EventEnvelope]) -> Batch:
    """Read, once, what processing ``todo`` needs (what ``held`` lacks)."""
    participant, device = held.caller.participant, held.caller.device
    assert participant.id is not None
    assert device.id is not None
    batch = Batch(session, participant, held.state, held.newest, device.device_id, device.id, now())
    if held.activities is not None and held.known_ids is not None:
        batch.activities, batch.known_event_ids = held.activities, held.known_ids
    else:
        connection = session.connection()
        read = _ACTIVITIES_AND_KNOWN_IDS[connection.dialect.name]
        ids = [str(e.id) for e in todo]
        params = {"participant": participant.id, "ids": _sent_ids(connection.dialect.name, ids)}
        rows = connection.execute(read, params)
        for key, best, is_event in rows:
            if is_event:
                batch.known_event_ids.add(key)
            else:
                batch.activities[key] = best
    batch.stored_activities = set(batch.activities)
    if todo:
        attempts = _attempt_ids(todo)
        if attempts:
            batch.graded_attempt_ids = set(
                session.exec(
                    select(Attempt.attempt_id).where(
                        Attempt.participant_id == participant.id,
                        col(Attempt.attempt_id).in_(attempts),
                    )
                )
            )
    return batch


def _verdicts(
    body: SyncRequest,
    stored: list[tuple[int, str | None, str, str | None]],
    rejected: dict[int, str],
) -> list[Rejection]:
    """Verdicts on every rejected event of this request, new (``rejected``, by seq) or
    resent (``stored``), by seq."""
    seqs = {e.seq: e.id for e in body.events}
    reasons = {seq: reason for seq, _, outcome, reason in stored if outcome == "rejected"}
    reasons.update(rejected)
    return [
        Rejection(
            event_id=seqs[seq],
            seq=seq,
            reason=WireMessage.model_validate_json(reasons[seq] or "{}"),
        )
        for seq in sorted(reasons)
        if seq in seqs
    ]


def _locked_row(connection: Connection, params: dict[str, Any]) -> Sequence[Any] | None:
    """``_LOCK_AND_READ``'s row on PostgreSQL, ``_LOCK``'s elsewhere."""
    if connection.dialect.name == "postgresql":
        return _LOCK_AND_READ.first(connection, params)
    return connection.execute(_LOCK, params).first()


@dataclass
class Held:
    """What a push reads with the participant's lock (``_lock``): the caller, their state
    row, the device's acked seq, the course's newest package; on PostgreSQL, when the lock's
    statement saw the newest state row, also what ``_start`` and the answer's page need
    (``_LOCK_AND_READ``). None: read them after the lock."""

    caller: Caller
    state: ParticipantProgress
    acked: int
    newest: CoursePackage | None
    activities: dict[str, Decimal | None] | None = None  # activity id -> best score
    known_ids: set[str] | None = None  # of the request's event ids
    older: list[str] | None = None  # the bodies of the changes after the device's cursor


def _lock(
    session: Session, token: str, caller: Caller | None, body: SyncRequest, size: int
) -> Held:
    """The participant's state row, locked until the transaction ends (as
    ``lock_participant``), with the device's acked seq and the course's newest package:
    one query. On PostgreSQL by the access ``token`` (refused here when it is not valid),
    with what the push reads next (of the changes the device lacks, one more than the
    answer's page of ``size``); on SQLite by the ``caller`` already checked."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        params: dict[str, Any] = {
            "hash": token_hash(token),
            "ids": _sent_ids("postgresql", [str(e.id) for e in body.events]),
            "after": body.cursor,
            "until": body.cursor + size + 1,
        }
    else:
        assert caller is not None
        assert caller.device.id is not None
        params = {
            "participant": caller.participant.id,
            "device": caller.device.id,
            "course": caller.participant.course_id,
        }
    row = _locked_row(connection, params)
    if row is None:  # no state row yet (a sign-in makes it), or no such token: refused here
        caller = caller or caller_in(session, token)
        assert caller.participant.id is not None
        session.expunge(lock_participant(session, caller.participant.id))  # held_state's
        row = _locked_row(connection, params)
        assert row is not None
    if postgres:
        caller = caller_from(row[_CALLER_AT:])  # refused when the token is no longer valid
    assert caller is not None
    acked, version, sha = row[_LOCKED:_READ]
    newest = None
    if version is not None:
        newest = parsed_package(session, caller.participant.course_id, int(version), str(sha))
    held = Held(caller, held_state(row[:_LOCKED]), int(acked), newest)
    if postgres:
        locked_version, seen_version, ids, scores, known, older = row[_READ:_CALLER_AT]
        older = older or []
        lacked = min(held.state.last_cursor, body.cursor + size + 1) - body.cursor
        if locked_version == seen_version:  # the snapshot holds every earlier sync's rows
            held.activities = dict(zip(ids or (), scores or (), strict=True))
            held.known_ids = set(known or ())
            held.older = older if len(older) == max(lacked, 0) else None  # else a gap
    elif body.cursor == held.state.last_cursor:
        held.older = []  # the device had every change: none to read
    return held


@dataclass
class Sessions:
    """Where a sync reads and writes: each in a transaction of its own (SQLite, whose write
    transaction takes the database's write lock at BEGIN), or all in ``shared``, one
    transaction for the whole request (PostgreSQL, where nothing is locked before the
    participant's state row)."""

    runtime: ServerRuntime
    shared: Session | None = None

    def write(self) -> AbstractContextManager[Session]:
        return self._opened(self.runtime.transaction)

    def read(self) -> AbstractContextManager[Session]:
        return self._opened(self.runtime.read)

    @contextmanager
    def _opened(self, opens: Callable[[], AbstractContextManager[Session]]) -> Iterator[Session]:
        """``shared``, or a session of its own from ``opens``."""
        if self.shared is not None:
            yield self.shared
        else:
            with opens() as session:
                yield session


def _push(
    session: Session, settings: Settings, token: str, caller: Caller | None, body: SyncRequest
) -> SyncResponse:
    """Process the request's events (in a write transaction) and read its answer in the
    same transaction (the participant's rows cannot change meanwhile: their state row is
    locked). Short (at most ``sync_max_events`` events), so no other writer waits long.
    ``caller``: None when the token is still to be checked (with the lock, ``_lock``)."""
    size = settings.sync_page_size
    held = _lock(session, token, caller, body, size)
    if caller is None:  # checked with the lock: its device now
        check_device(body, held.caller)
    caller, device_id = held.caller, str(body.device_id)
    participant = caller.participant
    assert participant.id is not None
    locked, acked = held.state, held.acked
    logged = locked.last_cursor  # the end of the change log before this request
    stored = _stored_old(session, participant.id, device_id, body, acked)
    _check_seq_reuse(session, participant.id, body, stored)
    todo = _prefix(body.events, acked, settings.sync_max_events)
    batch = _start(session, held, todo)
    _grade_waiting(batch)  # attempts waiting for today come before new ones
    for envelope in todo:
        _process(batch, envelope)
    acked += len(todo)
    batch.write(acked)  # with the state row's changes and the device's sync
    if (
        held.older is not None
        and body.cursor <= logged
        and locked.last_cursor - logged == len(batch.changes)
    ):  # the page: the changes the device lacked before, then those this request logged
        changes, cursor, more = _page_held(held.older, batch.changes, body.cursor, size)
    else:
        session.flush()  # a change logged through the ORM (passing)
        changes, cursor, more = _page(session, participant.id, body.cursor, size)
    package = batch.newest_package
    if package is not None:
        moment = now()
        graded, waiting = (
            attempt_rows(session, participant.id) if locked.attempts_numbered else ([], [])
        )
        standing = standing_of(
            locked,
            batch.activities.items(),
            graded,
            waiting,
            locked.registered_devices,
            package.rules,
            moment,
        )
        changes.append(StandingRecomputedChange(cursor=cursor, at=moment, standing=standing))
    return SyncResponse(
        acked_seq=acked,
        processed_count=acked,  # a device's events are stored from seq 1 without a gap
        rejections=_verdicts(body, stored, batch.rejected),
        changes=changes,
        cursor=cursor,
        more=more,
        server_time=now(),
        package_version=package.version if package is not None else None,
    )


def _pull(session: Session, settings: Settings, caller: Caller, body: SyncRequest) -> SyncResponse:
    """A sync without events and without grading due: the page of changes (and the
    standing with it), read without the write lock."""
    participant = caller.participant
    assert participant.id is not None
    changes, cursor, more = _page(session, participant.id, body.cursor, settings.sync_page_size)
    package = course_package(session, participant.course_id)
    if package is not None and changes:
        # every answer that carries changes has the whole standing, so what the device
        # shows never loses confirmed work between pages
        moment = now()
        standing = read_standing(session, participant.id, package, moment)
        changes.append(StandingRecomputedChange(cursor=cursor, at=moment, standing=standing))
    acked = caller.device.acked_seq
    return SyncResponse(
        acked_seq=acked,
        processed_count=acked,
        changes=changes,
        cursor=cursor,
        more=more,
        server_time=now(),
        package_version=package.version if package is not None else None,
    )


def sync_once(
    sessions: Sessions, token: str, caller: Caller | None, body: SyncRequest
) -> SyncResponse:
    """One sync request (``body`` checked against ``caller`` by ``check_device``).
    ``caller``: whom ``token`` belongs to, or None for a push on PostgreSQL, whose token is
    checked with the participant's lock (one statement), and its device then."""
    settings = sessions.runtime.settings
    writes = bool(body.events)
    if not writes:
        assert caller is not None
        with sessions.read() as session:
            writes = _grading_due(session, caller.participant)
    if writes:
        with sessions.write() as session:
            return _push(session, settings, token, caller, body)
    assert caller is not None
    if sync_mark_due(caller.device, now()):  # a pull writes its time at most once per precision
        with sessions.write() as session:
            assert caller.device.id is not None
            mark_synced(session, caller.device.id, now())
    with sessions.read() as session:
        return _pull(session, settings, caller, body)


def check_device(body: SyncRequest, caller: Caller) -> None:
    """The request names the caller's device (403 otherwise), and so does each of its
    events (400 otherwise)."""
    if str(body.device_id) != caller.device.device_id:
        raise ApiError(403, msg(Code.SYNC_WRONG_DEVICE))
    if any(str(envelope.device_id) != str(body.device_id) for envelope in body.events):
        raise ApiError(400, msg(Code.SYNC_WRONG_DEVICE))


def _grading_due(session: Session, participant: Participant) -> bool:
    """Whether a sync without events must write: attempts wait, and some are due today."""
    assert participant.id is not None
    if count_waiting(session, participant.id) == 0:
        return False
    package = course_package(session, participant.course_id)
    if package is None:
        return False
    return Day.load(session, participant.id, package.rules, now()).due() > 0


def _check_passed(batch: Batch) -> None:
    """Record passing right after the event that made it true (whatever the batching).

    The conditions of ``progress().passed`` are checked first on what the batch keeps in
    memory, the cheap ones first; only when they all hold are the batch's rows written
    and the domain's own check run on the whole standing (once: passing happens once)."""
    if batch.state.passed_at is not None or batch.state.attempts_graded == 0:
        return
    rules = batch.latest().rules
    if batch.state.attempts_graded < rules.min_attempts:
        return
    best = batch.best_score()
    if best is None or best < rules.passing_score:
        return
    learning = batch.learning()
    if not (learning.complete and learning.trophies >= rules.pass_trophies):
        return
    batch.write()  # the standing is read from the rows
    record_passing(batch.session, batch.participant, batch.state, batch.moment)


def _page(
    session: Session, participant_id: int, after: int, size: int
) -> tuple[list[Change], int, bool]:
    rows = session.execute(
        _PAGE, {"participant": participant_id, "after": after, "size": size + 1}
    ).all()
    more = len(rows) > size
    rows = rows[:size]
    changes = [CHANGE.validate_json(body) for _, body in rows]
    return changes, (rows[-1][0] if rows else after), more


def _page_held(
    older: list[str], logged: list[Change], after: int, size: int
) -> tuple[list[Change], int, bool]:
    """``_page`` from what the push holds: ``older`` (the bodies of the changes after the
    device's cursor ``after`` that were logged before this request, at most ``size`` + 1),
    then the changes it ``logged``."""
    changes = [CHANGE.validate_json(body) for body in older[:size]]
    changes += logged[: size - len(changes)]
    more = len(older) + len(logged) > size
    return changes, (changes[-1].cursor if changes else after), more
