"""One participant's database on this computer: package, journal, drafts, server state.

Every event is appended together with the local state it implies, in one
``BEGIN IMMEDIATE`` transaction, and gets the next ``seq`` of this device with no gap.
What the participant sees is ``progress(package, standing, pending events)``; this
module gives that input and applies what the server sends back.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Engine, UniqueConstraint, func
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, col, select

from latsar_desktop.domain.course import require_valid
from latsar_desktop.domain.draw import draw_questions, new_seed
from latsar_desktop.domain.grading import grade
from latsar_desktop.domain.progress import Progress, progress
from latsar_desktop.domain.protocol import (
    EVENT_CLASSES,
    JOURNAL_EVENT,
    RECEIVED_CHANGE,
    ActivityCompleted,
    ActivityKind,
    AttemptAcceptedChange,
    AttemptGradedChange,
    AttemptSubmitted,
    CertificateIssuedChange,
    CertificateKey,
    CertificateRevokedChange,
    Change,
    CoursePackage,
    EventPayload,
    EventType,
    JournalEvent,
    PracticeGraded,
    ReceivedChange,
    Rejection,
    SignedCertificate,
    Standing,
    StandingRecomputedChange,
    SyncResponse,
    UnknownChange,
    WelcomeWatched,
    WireMessage,
    WireParam,
)
from latsar_desktop.store import migrations
from latsar_desktop.store.database import open_database, read, write

PROFILE_SCHEMA_VERSION = 5
log = logging.getLogger(__name__)

# Test instrumentation: called with a phase name inside each append transaction.
TransactionProbe = Callable[[str], None]
transaction_probe: TransactionProbe | None = None


def _probe(phase: str) -> None:
    if transaction_probe is not None:
        transaction_probe(phase)


class ProfileTable(SQLModel, registry=registry()):
    """Base of the tables of a profile database (their own metadata)."""


class PackageRow(ProfileTable, table=True):
    __tablename__ = "package"
    id: int = Field(default=1, primary_key=True)
    course_id: str
    version: int
    etag: str | None = None
    body: str  # CoursePackage JSON
    fetched_at: datetime


class JournalRow(ProfileTable, table=True):
    __tablename__ = "journal"
    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_journal_device_seq"),)
    id: str = Field(primary_key=True)
    device_id: str
    seq: int
    type: str
    at: datetime
    payload: str  # JSON
    status: str = Field(index=True)  # pending | confirmed | rejected


class ActivityRecord(ProfileTable, table=True):
    """Local state of an activity, implied by its events (count kept for consistency)."""

    __tablename__ = "activity_record"
    activity_id: str = Field(primary_key=True)
    completed_at: datetime
    best_score: str | None = None  # Decimal, practice quizzes
    events: int = 0
    last_event_id: str = Field(foreign_key="journal.id")


class AttemptDraft(ProfileTable, table=True):
    """An evaluation attempt in progress: answers and elapsed time, saved as given.

    ``seed`` drew its questions and their order (``domain/draw.py``); a draft started
    before schema 5 has none (it shows every question, in the order it was given)."""

    __tablename__ = "attempt_draft"
    attempt_id: str = Field(primary_key=True)
    package_version: int
    seed: str | None = None
    question_order: str  # JSON list
    answers: str  # JSON object
    elapsed_seconds: int = 0
    started_at: datetime
    updated_at: datetime
    submitted_event_id: str | None = Field(default=None, foreign_key="journal.id")


class ServerState(ProfileTable, table=True):
    __tablename__ = "server_state"
    id: int = Field(default=1, primary_key=True)
    standing: str  # Standing JSON
    cursor: int = 0
    acked_seq: int = 0
    processed_count: int = 0
    last_sync_at: datetime | None = None


class RejectionRow(ProfileTable, table=True):
    __tablename__ = "rejection"
    event_id: str = Field(primary_key=True, foreign_key="journal.id")
    seq: int
    code: str
    params: str  # JSON of WireParam
    recorded_at: datetime


class KnownKey(ProfileTable, table=True):
    __tablename__ = "certificate_key"
    key_id: str = Field(primary_key=True)
    public_key: str
    added_at: datetime


class CertificateRow(ProfileTable, table=True):
    """Certificates the server issued to this participant (signed records, as received).

    ``body`` is the SignedCertificate JSON: its ``record_json`` is the exact text the
    server signed, kept unchanged (never rebuilt from parsed fields), so the signature
    still verifies when a newer server added fields this version does not know.
    """

    __tablename__ = "certificate"
    number: str = Field(primary_key=True)
    body: str  # SignedCertificate JSON, with the signed record text as received
    revoked: bool = False
    received_at: datetime


class KeptChange(ProfileTable, table=True):
    """A server change this version could not apply when it came, kept as received.

    Its type was unknown (a newer server's), or it revokes a certificate not received yet.
    The cursor has moved past it. On opening the store, kept changes that now parse and
    apply (an updated app; the certificate arrived) are applied in cursor order and removed.
    """

    __tablename__ = "kept_change"
    cursor: int = Field(primary_key=True)
    type: str = Field(primary_key=True)
    body: str  # the change's JSON, with the fields this version does not know
    received_at: datetime


PROFILE_TABLES = [t.__tablename__ for t in ProfileTable.__subclasses__()]


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ProfileStore:
    """The Qt-free API over one profile database."""

    def __init__(self, path: Path, device_id: uuid.UUID, clock: Callable[[], datetime] = _now):
        self.path = path
        self.device_id = device_id
        self.clock = clock
        self._package: CoursePackage | None = None
        self.engine: Engine = open_database(
            path, ProfileTable, PROFILE_SCHEMA_VERSION, migrations.PROFILE_UPGRADES
        )
        with write(self.engine) as session:
            if session.get(ServerState, 1) is None:
                session.add(ServerState(standing=Standing().model_dump_json()))
            self._apply_kept(session)

    def close(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- package

    def save_package(self, package: CoursePackage, etag: str | None = None) -> None:
        require_valid(package)
        with write(self.engine) as session:
            row = session.get(PackageRow, 1) or PackageRow(
                course_id=package.course_id, version=package.version, body="", fetched_at=_now()
            )
            row.course_id, row.version, row.etag = package.course_id, package.version, etag
            row.body, row.fetched_at = package.model_dump_json(), self.clock()
            session.add(row)
            self._add_keys(session, package.certificate_keys)
        self._package = package

    def package(self) -> CoursePackage | None:
        """The stored package, parsed once (it changes only through save_package)."""
        if self._package is None:
            with read(self.engine) as session:
                row = session.get(PackageRow, 1)
                self._package = CoursePackage.model_validate_json(row.body) if row else None
        return self._package

    def package_etag(self) -> str | None:
        with read(self.engine) as session:
            row = session.get(PackageRow, 1)
            return row.etag if row else None

    def _require_package(self) -> CoursePackage:
        package = self.package()
        if package is None:
            raise RuntimeError("no course package in this profile yet")
        return package

    def _add_keys(self, session: Session, keys: Iterable[CertificateKey]) -> None:
        for key in keys:
            if session.get(KnownKey, key.key_id) is None:
                session.add(
                    KnownKey(key_id=key.key_id, public_key=key.public_key, added_at=self.clock())
                )

    def known_keys(self) -> dict[str, str]:
        with read(self.engine) as session:
            return {k.key_id: k.public_key for k in session.exec(select(KnownKey))}

    # ---------------------------------------------------------------- journal

    def _append(self, session: Session, payload: EventPayload, type_: EventType) -> JournalEvent:
        _probe("begin")
        last = session.exec(
            select(func.max(JournalRow.seq)).where(JournalRow.device_id == str(self.device_id))
        ).one()
        event = EVENT_CLASSES[type_].model_validate(
            {
                "id": uuid.uuid4(),
                "device_id": self.device_id,
                "seq": (last or 0) + 1,
                "at": self.clock(),
                "payload": payload,
            }
        )
        session.add(
            JournalRow(
                id=str(event.id),
                device_id=str(self.device_id),
                seq=event.seq,
                type=type_.value,
                at=event.at,
                payload=payload.model_dump_json(),
                status="pending",
            )
        )
        session.flush()
        _probe("event-written")
        return cast("JournalEvent", event)  # built from its own class: no second validation

    def _touch_activity(
        self, session: Session, activity_id: str, event: JournalEvent, score: Decimal | None
    ) -> None:
        record = session.get(ActivityRecord, activity_id)
        if record is None:
            record = ActivityRecord(
                activity_id=activity_id, completed_at=event.at, last_event_id=str(event.id)
            )
        if score is not None:
            best = Decimal(record.best_score) if record.best_score is not None else None
            record.best_score = str(score if best is None else max(best, score))
        record.events += 1
        record.last_event_id = str(event.id)
        session.add(record)
        session.flush()
        _probe("state-written")

    def watch_welcome(self) -> JournalEvent:
        package = self._require_package()
        with write(self.engine) as session:
            event = self._append(
                session,
                WelcomeWatched(package_version=package.version),
                EventType.WELCOME_WATCHED,
            )
            self._touch_activity(session, package.welcome_video.id, event, None)
        return event

    def complete_activity(
        self, activity_id: str, reflection_text: str | None = None
    ) -> JournalEvent:
        package = self._require_package()
        activity = package.activity(activity_id)
        if activity is None or activity.kind is ActivityKind.PRACTICE_QUIZ:
            raise KeyError(activity_id)
        payload = ActivityCompleted(
            activity_id=activity_id,
            package_version=package.version,
            reflection_text=reflection_text,
        )
        with write(self.engine) as session:
            event = self._append(session, payload, EventType.ACTIVITY_COMPLETED)
            self._touch_activity(session, activity_id, event, None)
        return event

    def record_practice(self, activity_id: str, answers: dict[str, str]) -> JournalEvent:
        """Grade a practice quiz on the device and record it."""
        package = self._require_package()
        activity = package.activity(activity_id)
        if activity is None or activity.kind is not ActivityKind.PRACTICE_QUIZ:
            raise KeyError(activity_id)
        result = grade(activity.questions, answers)
        payload = PracticeGraded(
            activity_id=activity_id,
            package_version=package.version,
            answers=answers,
            correct=result.correct,
            total=result.total,
            score=result.score,
        )
        with write(self.engine) as session:
            event = self._append(session, payload, EventType.PRACTICE_GRADED)
            self._touch_activity(session, activity_id, event, result.score)
        return event

    # ---------------------------------------------------------------- evaluation drafts

    def start_attempt(self) -> uuid.UUID:
        """Start an evaluation attempt: draw its questions from the stored package with a
        new seed and keep both on the draft (``attempt_questions`` gives them)."""
        package = self._require_package()
        evaluation = package.evaluation
        seed = new_seed()
        order = draw_questions(
            seed, [q.id for q in evaluation.questions], evaluation.questions_per_attempt
        )
        attempt_id = uuid.uuid4()
        now = self.clock()
        with write(self.engine) as session:
            session.add(
                AttemptDraft(
                    attempt_id=str(attempt_id),
                    package_version=package.version,
                    seed=seed,
                    question_order=json.dumps(order),
                    answers="{}",
                    started_at=now,
                    updated_at=now,
                )
            )
        return attempt_id

    def save_draft(
        self, attempt_id: uuid.UUID, answers: dict[str, str], elapsed_seconds: int
    ) -> None:
        with write(self.engine) as session:
            draft = self._open_draft(session, attempt_id)
            outside = sorted(set(answers) - set(json.loads(draft.question_order)))
            if outside:
                raise KeyError(f"question {outside[0]} is not in attempt {attempt_id}")
            draft.answers = json.dumps(answers, sort_keys=True)
            draft.elapsed_seconds = max(draft.elapsed_seconds, elapsed_seconds)
            draft.updated_at = self.clock()
            session.add(draft)

    def attempt_questions(self, attempt_id: uuid.UUID) -> list[str]:
        """The question ids of an attempt (open or submitted), in the order shown."""
        draft = self.draft(attempt_id)
        if draft is None:
            raise KeyError(f"no attempt {attempt_id}")
        order: list[str] = json.loads(draft.question_order)
        return order

    def draft(self, attempt_id: uuid.UUID) -> AttemptDraft | None:
        with read(self.engine) as session:
            return session.get(AttemptDraft, str(attempt_id))

    def open_drafts(self) -> list[AttemptDraft]:
        with read(self.engine) as session:
            query = select(AttemptDraft).where(col(AttemptDraft.submitted_event_id).is_(None))
            return list(session.exec(query))

    def _open_draft(self, session: Session, attempt_id: uuid.UUID) -> AttemptDraft:
        draft = session.get(AttemptDraft, str(attempt_id))
        if draft is None or draft.submitted_event_id is not None:
            raise KeyError(f"no open attempt {attempt_id}")
        return draft

    def submit_attempt(self, attempt_id: uuid.UUID) -> JournalEvent:
        """The submitted attempt becomes a journal event; the draft is closed with it."""
        with write(self.engine) as session:
            draft = self._open_draft(session, attempt_id)
            payload = AttemptSubmitted(
                attempt_id=attempt_id,
                package_version=draft.package_version,
                seed=draft.seed,
                question_order=json.loads(draft.question_order),
                answers=json.loads(draft.answers),
                elapsed_seconds=draft.elapsed_seconds,
                started_at=_aware(draft.started_at),
            )
            event = self._append(session, payload, EventType.ATTEMPT_SUBMITTED)
            draft.submitted_event_id = str(event.id)
            session.add(draft)
            session.flush()
            _probe("state-written")
        return event

    # ---------------------------------------------------------------- sync support

    @staticmethod
    def _event(row: JournalRow) -> JournalEvent:
        return JOURNAL_EVENT.validate_python(
            {
                "id": row.id,
                "device_id": row.device_id,
                "seq": row.seq,
                "type": row.type,
                "at": _aware(row.at),
                "payload": json.loads(row.payload),
            }
        )

    def unconfirmed(self, after_seq: int = 0, limit: int | None = None) -> list[JournalEvent]:
        """This device's events the server has not processed yet, in seq order."""
        query = (
            select(JournalRow)
            .where(JournalRow.device_id == str(self.device_id))
            .where(JournalRow.status == "pending")
            .where(JournalRow.seq > after_seq)
            .order_by(col(JournalRow.seq))
        )
        if limit is not None:
            query = query.limit(limit)
        with read(self.engine) as session:
            return [self._event(row) for row in session.exec(query)]

    def journal(self) -> list[JournalEvent]:
        with read(self.engine) as session:
            rows = session.exec(select(JournalRow).order_by(col(JournalRow.seq)))
            return [self._event(row) for row in rows]

    def count_processed(self) -> int:
        """Events of this device the server has processed (confirmed or rejected)."""
        return self._count(JournalRow.status != "pending")

    def count_unconfirmed(self) -> int:
        """Events of this device still waiting for the server (no event is parsed)."""
        return self._count(JournalRow.status == "pending")

    def _count(self, condition: Any) -> int:
        with read(self.engine) as session:
            return session.exec(
                select(func.count())
                .select_from(JournalRow)
                .where(JournalRow.device_id == str(self.device_id))
                .where(condition)
            ).one()

    def apply_sync(
        self,
        *,
        acked_seq: int,
        processed_count: int,
        rejections: Sequence[Rejection],
        changes: Sequence[ReceivedChange],
        cursor: int,
    ) -> None:
        """Apply one sync response atomically: confirmations, rejections and changes.

        A change of a type this version does not know is kept (``KeptChange``) and the
        cursor moves past it, like past every change, so sync goes on."""
        with write(self.engine) as session:
            self._record_rejections(session, rejections)
            for row in session.exec(
                select(JournalRow)
                .where(JournalRow.device_id == str(self.device_id))
                .where(JournalRow.status == "pending")
                .where(JournalRow.seq <= acked_seq)
            ):
                row.status = "confirmed"
                session.add(row)
            state = session.get(ServerState, 1)
            assert state is not None
            for change in changes:
                if isinstance(change, StandingRecomputedChange):
                    # the whole standing as of the response: always the newest we have
                    state.standing = change.standing.model_dump_json()
                elif change.cursor > state.cursor:
                    if isinstance(change, UnknownChange) or not self._apply_change(session, change):
                        self._keep(session, change)
                    state.cursor = change.cursor  # logged changes apply once, by cursor
            state.cursor = max(state.cursor, cursor)
            state.acked_seq = max(state.acked_seq, acked_seq)
            state.processed_count = processed_count
            state.last_sync_at = self.clock()
            session.add(state)

    def apply_response(self, response: SyncResponse) -> None:
        """Apply a whole sync response (see apply_sync)."""
        self.apply_sync(
            acked_seq=response.acked_seq,
            processed_count=response.processed_count,
            rejections=response.rejections,
            changes=response.changes,
            cursor=response.cursor,
        )

    def _apply_change(self, session: Session, change: Change) -> bool:
        """Apply one logged change; False when it cannot take effect yet (keep it)."""
        if isinstance(change, AttemptAcceptedChange | AttemptGradedChange):
            self._apply_attempt_change(session, change)
        elif isinstance(change, CertificateIssuedChange):
            number = change.certificate.record.certificate_number
            if session.get(CertificateRow, number) is None:
                session.add(
                    CertificateRow(
                        number=number,
                        body=change.certificate.model_dump_json(),
                        received_at=self.clock(),
                    )
                )
                session.flush()
        elif isinstance(change, CertificateRevokedChange):
            row = session.get(CertificateRow, change.certificate_number)
            if row is None:
                return False  # its issue was kept (a type unknown then): apply after it
            row.revoked = True
            session.add(row)
        return True

    @staticmethod
    def _apply_attempt_change(
        session: Session, change: AttemptAcceptedChange | AttemptGradedChange
    ) -> None:
        """Bring the kept standing up to date with an attempt numbered or graded.

        The standing that ends each answer replaces it anyway; this keeps it right in
        between (and for a change applied later from ``KeptChange``). A graded attempt is
        never made pending again: an old ``attempt.accepted`` does nothing then."""
        state = session.get(ServerState, 1)
        assert state is not None
        standing = Standing.model_validate_json(state.standing)
        attempt_id = change.attempt.attempt_id
        graded = [a for a in standing.attempts if a.attempt_id != attempt_id]
        pending = [a for a in standing.pending_attempts if a.attempt_id != attempt_id]
        if isinstance(change, AttemptGradedChange):
            graded.append(change.attempt)
        elif len(graded) == len(standing.attempts):  # not graded yet
            pending.append(change.attempt)
        else:
            return
        update = {
            "attempts": sorted(graded, key=lambda a: a.number),
            "pending_attempts": sorted(pending, key=lambda a: a.number),
        }
        state.standing = standing.model_copy(update=update).model_dump_json()
        session.add(state)

    def _keep(self, session: Session, change: ReceivedChange) -> None:
        kind = str(change.type)
        log.info("keeping server change %s at cursor %s to apply later", kind, change.cursor)
        if session.get(KeptChange, (change.cursor, kind)) is None:
            session.add(
                KeptChange(
                    cursor=change.cursor,
                    type=kind,
                    body=change.model_dump_json(),
                    received_at=self.clock(),
                )
            )

    def _apply_kept(self, session: Session) -> int:
        applied = 0
        query = select(KeptChange).order_by(col(KeptChange.cursor), col(KeptChange.type))
        for row in session.exec(query).all():
            try:
                change = RECEIVED_CHANGE.validate_json(row.body)
            except ValidationError as exc:  # a known type in a shape this version cannot read
                log.warning("kept change %s at %s: %s", row.type, row.cursor, exc)
                continue
            if isinstance(change, UnknownChange):
                continue
            # an old standing is never applied: a newer one always came after it
            if isinstance(change, StandingRecomputedChange) or self._apply_change(session, change):
                session.delete(row)
                applied += 1
        return applied

    def apply_kept_changes(self) -> int:
        """Apply the kept changes this version can now apply, in cursor order; how many.

        Runs when the store opens, so an updated app applies what an older one kept."""
        with write(self.engine) as session:
            return self._apply_kept(session)

    def kept_changes(self) -> list[KeptChange]:
        with read(self.engine) as session:
            query = select(KeptChange).order_by(col(KeptChange.cursor), col(KeptChange.type))
            return list(session.exec(query))

    def certificates(self) -> list[tuple[SignedCertificate, bool]]:
        """Every certificate received, newest first, with whether it was revoked."""
        with read(self.engine) as session:
            rows = session.exec(select(CertificateRow).order_by(col(CertificateRow.received_at)))
            found = [(SignedCertificate.model_validate_json(r.body), r.revoked) for r in rows]
        return found[::-1]

    def _record_rejections(self, session: Session, rejections: Sequence[Rejection]) -> None:
        for rejection in rejections:
            row = session.get(JournalRow, str(rejection.event_id))
            if row is None:
                continue  # not ours: ignore rather than fail the whole sync
            row.status = "rejected"
            session.add(row)
            if session.get(RejectionRow, row.id) is None:
                session.add(
                    RejectionRow(
                        event_id=row.id,
                        seq=rejection.seq,
                        code=rejection.reason.code,
                        params=json.dumps(
                            {
                                k: v.model_dump(mode="json")
                                for k, v in rejection.reason.params.items()
                            }
                        ),
                        recorded_at=self.clock(),
                    )
                )

    def rejections(self) -> list[RejectionRow]:
        with read(self.engine) as session:
            return list(session.exec(select(RejectionRow).order_by(col(RejectionRow.seq))))

    def server_state(self) -> ServerState:
        with read(self.engine) as session:
            state = session.get(ServerState, 1)
            assert state is not None
            return state

    def standing(self) -> Standing:
        return Standing.model_validate_json(self.server_state().standing)

    # ---------------------------------------------------------------- the participant's view

    def progress_input(self) -> tuple[CoursePackage, Standing, list[JournalEvent]]:
        return self._require_package(), self.standing(), self.unconfirmed()

    def progress(self) -> Progress:
        return progress(*self.progress_input())


def consistency_problems(store: ProfileStore) -> list[str]:
    """Every way the journal and the local state disagree (used after crashes)."""
    problems: list[str] = []
    with read(store.engine) as session:
        rows = list(session.exec(select(JournalRow).order_by(col(JournalRow.seq))))
        seqs = [r.seq for r in rows if r.device_id == str(store.device_id)]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"seq gap: {seqs[:5]}…")
        counts: dict[str, int] = {}
        submitted: set[str] = set()
        for row in rows:
            payload: dict[str, Any] = json.loads(row.payload)
            if row.type in (EventType.ACTIVITY_COMPLETED, EventType.PRACTICE_GRADED):
                counts[payload["activity_id"]] = counts.get(payload["activity_id"], 0) + 1
            elif row.type == EventType.WELCOME_WATCHED:
                package = store.package()
                key = package.welcome_video.id if package else "welcome"
                counts[key] = counts.get(key, 0) + 1
            elif row.type == EventType.ATTEMPT_SUBMITTED:
                submitted.add(row.id)
        records = {r.activity_id: r.events for r in session.exec(select(ActivityRecord))}
        if records != counts:
            problems.append(f"activity state {records} != events {counts}")
        closed = {
            d.submitted_event_id
            for d in session.exec(select(AttemptDraft))
            if d.submitted_event_id is not None
        }
        if closed != submitted:
            problems.append(f"submitted drafts {closed} != attempt events {submitted}")
    return problems


def rejection_message(row: RejectionRow) -> WireMessage:
    """The stored reason of a rejection, for the UI to translate."""
    params = {k: WireParam.model_validate(v) for k, v in json.loads(row.params).items()}
    return WireMessage(code=row.code, params=params)
