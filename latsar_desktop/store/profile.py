"""One participant's database on this computer: the Qt-free API over it.

Every event is appended together with the local state it implies, in one
``BEGIN IMMEDIATE`` transaction, and gets the next ``seq`` of this device with no gap.
What the participant sees is ``progress(package, standing, pending events)``; this store
gives that input and applies what the server sends back. The view is kept between reads
and each appended event folded into it (``store/view_cache.py``), so it stays fast. It
hands out read models (``store/views.py``), never database rows. The work is done by one module per
responsibility: ``journal`` (events), ``drafts`` (evaluation attempts), ``apply`` (the
server's answers), ``diagnostics`` (self-checks); ``profile_tables`` holds the schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlmodel import Session, col, select

from latsar_desktop.clock import WallClock, utc_now
from latsar_desktop.domain.course import require_valid
from latsar_desktop.domain.grading import grade
from latsar_desktop.domain.progress import PendingSummary, Progress
from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    ActivityKind,
    CertificateKey,
    CoursePackage,
    EventType,
    JournalEvent,
    PracticeGraded,
    ReceivedChange,
    Rejection,
    Standing,
    SyncResponse,
    WelcomeWatched,
)
from latsar_desktop.store import apply, diagnostics, drafts, journal, migrations, notifications
from latsar_desktop.store.database import open_database, read, write
from latsar_desktop.store.journal import Outgoing, PendingAfter
from latsar_desktop.store.profile_tables import (
    PROFILE_SCHEMA_VERSION,
    AttemptDraft,
    CertificateRow,
    JournalRow,
    KnownKey,
    LastSync,
    PackageRow,
    ProfileTable,
    RejectionRow,
)
from latsar_desktop.store.view_cache import ViewCache
from latsar_desktop.store.views import Certificate, Draft, Kept, Notification, SyncStatus
from latsar_desktop.store.views import Rejection as RejectionView

__all__ = ["PROFILE_SCHEMA_VERSION", "ProfileStore", "consistency_problems"]


class ProfileStore:
    """The Qt-free API over one profile database. Safe to use from several threads: every
    method is one transaction of its own (SQLite serialises the writers)."""

    def __init__(self, path: Path, device_id: uuid.UUID, clock: WallClock = utc_now):
        self.path = path
        self.device_id = device_id
        self.clock = clock
        self._package: CoursePackage | None = None
        self.engine = open_database(
            path, ProfileTable, PROFILE_SCHEMA_VERSION, migrations.PROFILE_UPGRADES
        )
        self._view = ViewCache(self.engine, device_id)  # after each commit: appended/invalidate
        with write(self.engine) as session:
            if session.get(LastSync, 1) is None:
                session.add(LastSync(standing=Standing().model_dump_json()))
            apply.apply_kept(session, self.clock)

    def close(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- package

    def save_package(self, package: CoursePackage, etag: str | None = None) -> None:
        require_valid(package)
        with write(self.engine) as session:
            now = self.clock()
            row = session.get(PackageRow, 1) or PackageRow(
                course_id=package.course_id, version=package.version, body="", fetched_at=now
            )
            row.course_id, row.version, row.etag = package.course_id, package.version, etag
            row.body, row.fetched_at = package.model_dump_json(), now
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

    # ---------------------------------------------------------------- recording

    def _append(
        self,
        session: Session,
        payload: WelcomeWatched | ActivityCompleted | PracticeGraded,
        type_: EventType,
    ) -> JournalEvent:
        return journal.append(session, self.device_id, self.clock, payload, type_)

    def watch_welcome(self) -> JournalEvent:
        package = self._require_package()
        with write(self.engine) as session:
            payload = WelcomeWatched(package_version=package.version)
            event = self._append(session, payload, EventType.WELCOME_WATCHED)
            journal.touch_activity(session, package.welcome_video.id, event, None)
        self._view.appended(event)
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
            journal.touch_activity(session, activity_id, event, None)
        self._view.appended(event)
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
            journal.touch_activity(session, activity_id, event, result.score)
        self._view.appended(event)
        return event

    # ---------------------------------------------------------------- evaluation attempts

    def start_attempt(self) -> uuid.UUID:
        """Start an evaluation attempt: its questions drawn from the stored package with a
        new seed, both kept on the draft (``attempt_questions`` gives them)."""
        package = self._require_package()
        with write(self.engine) as session:
            return drafts.start(session, package, self.clock)

    def save_draft(
        self, attempt_id: uuid.UUID, answers: dict[str, str], elapsed_seconds: int
    ) -> None:
        with write(self.engine) as session:
            drafts.save(session, attempt_id, answers, elapsed_seconds, self.clock)

    def attempt_questions(self, attempt_id: uuid.UUID) -> list[str]:
        """The question ids of an attempt (open or submitted), in the order shown."""
        draft = self.draft(attempt_id)
        if draft is None:
            raise KeyError(f"no attempt {attempt_id}")
        return list(draft.question_order)

    def draft(self, attempt_id: uuid.UUID) -> Draft | None:
        with read(self.engine) as session:
            row = session.get(AttemptDraft, str(attempt_id))
            return Draft.of(row) if row is not None else None

    def open_drafts(self) -> list[Draft]:
        with read(self.engine) as session:
            return [Draft.of(row) for row in drafts.open_drafts(session)]

    def submit_attempt(self, attempt_id: uuid.UUID) -> JournalEvent:
        """The submitted attempt becomes a journal event; the draft is closed with it."""
        with write(self.engine) as session:
            event = drafts.submit(session, self.device_id, attempt_id, self.clock)
        self._view.appended(event)
        return event

    # ---------------------------------------------------------------- journal and sync

    def unconfirmed(self, after_seq: int = 0, limit: int | None = None) -> list[JournalEvent]:
        """This device's events the server has not processed yet, in seq order."""
        with read(self.engine) as session:
            return journal.pending(session, self.device_id, after_seq, limit)

    def journal(self) -> list[JournalEvent]:
        with read(self.engine) as session:
            return journal.everything(session)

    def events(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, JournalEvent]:
        """The journal's events with these ids (those it has), by id."""
        wanted = sorted({str(i) for i in ids})
        with read(self.engine) as session:
            rows = session.exec(select(JournalRow).where(col(JournalRow.id).in_(wanted)))
            return {event.id: event for event in map(journal.to_event, rows)}

    def count_processed(self) -> int:
        """Events of this device the server has processed (confirmed or rejected)."""
        with read(self.engine) as session:
            return journal.count(session, self.device_id, JournalRow.status != journal.PENDING)

    def outbox(self) -> tuple[int, int]:
        """How many of this device's events wait for the server, and the journal's last
        seq, read together (a sync's start)."""
        with read(self.engine) as session:
            waiting = journal.count(session, self.device_id, JournalRow.status == journal.PENDING)
            return waiting, journal.last_seq(session, self.device_id)

    def count_unconfirmed(self, up_to_seq: int | None = None) -> int:
        """Events of this device still waiting for the server, up to ``up_to_seq`` if given
        (no event is parsed)."""
        condition = JournalRow.status == journal.PENDING
        if up_to_seq is not None:
            condition = condition & (JournalRow.seq <= up_to_seq)
        with read(self.engine) as session:
            return journal.count(session, self.device_id, condition)

    def outgoing(self, after_seq: int = 0, limit: int | None = None) -> Outgoing:
        """The next sync request's events and cursor, in one read: the pending events after
        ``after_seq`` as their envelopes' JSON (``journal.outgoing``), not parsed."""
        with read(self.engine) as session:
            return journal.outgoing(session, self.device_id, after_seq, limit)

    def apply_sync(
        self,
        *,
        acked_seq: int,
        processed_count: int,
        rejections: Sequence[Rejection],
        changes: Sequence[ReceivedChange],
        cursor: int,
        package_version: int | None = None,
        batch: tuple[int, int] | None = None,
    ) -> PendingAfter:
        """Apply one sync answer atomically: confirmations, rejections, changes, cursor,
        and the notifications they bring (``package_version``: the course's current one).

        A change of a type this version does not know is kept and the cursor moves past
        it, like past every change, so sync goes on (see ``store/apply.py``).
        ``batch``: the seqs (first, last) the request sent, read by ``outgoing`` (first >
        last: none); nothing before first is pending. Returns, from the same transaction,
        the pending events as they stand then (``journal.PendingAfter``)."""
        first, last = batch if batch is not None else (1, 0)
        with write(self.engine) as session:
            apply.apply_answer(
                session,
                self.device_id,
                self.clock,
                acked_seq=acked_seq,
                processed_count=processed_count,
                rejections=rejections,
                changes=changes,
                cursor=cursor,
                package_version=package_version,
                after_seq=first - 1,
            )
            pending = journal.pending_after(session, self.device_id, first, last)
        self._view.invalidate()
        return pending

    def apply_response(
        self, response: SyncResponse, batch: tuple[int, int] | None = None
    ) -> PendingAfter:
        """Apply a whole sync response (see apply_sync)."""
        return self.apply_sync(
            acked_seq=response.acked_seq,
            processed_count=response.processed_count,
            rejections=response.rejections,
            changes=response.changes,
            cursor=response.cursor,
            package_version=response.package_version,
            batch=batch,
        )

    def apply_kept_changes(self) -> int:
        """Apply the kept changes this version can now apply, in cursor order; how many.

        Runs when the store opens, so an updated app applies what an older one kept."""
        with write(self.engine) as session:
            applied = apply.apply_kept(session, self.clock)
        self._view.invalidate()
        return applied

    def kept_changes(self) -> list[Kept]:
        with read(self.engine) as session:
            return [Kept.of(row) for row in apply.kept(session)]

    def rejections(self) -> list[RejectionView]:
        with read(self.engine) as session:
            rows = session.exec(select(RejectionRow).order_by(col(RejectionRow.seq)))
            return [RejectionView.of(row) for row in rows]

    def sync_status(self) -> SyncStatus:
        with read(self.engine) as session:
            return SyncStatus.of(apply.last_sync(session))

    def standing(self) -> Standing:
        return self.sync_status().standing

    # ---------------------------------------------------------------- notifications

    def notifications(self, unseen_only: bool = False) -> list[Notification]:
        """What the participant should hear about (``store/notifications.py``), newest first."""
        with read(self.engine) as session:
            return [Notification.of(row) for row in notifications.listing(session, unseen_only)]

    def mark_seen(self, ids: Iterable[int]) -> int:
        """Mark notifications seen; how many were not seen before."""
        with write(self.engine) as session:
            return notifications.mark_seen(session, ids, self.clock)

    def package_outdated(self) -> bool:
        """Whether a package refresh is due: no package is stored, or a sync answer named a
        newer version of the course than the stored one (``refresh_package`` clears it)."""
        with read(self.engine) as session:
            return notifications.package_outdated(session)

    def certificates(self) -> list[Certificate]:
        """Every certificate received, newest first."""
        with read(self.engine) as session:
            query = select(CertificateRow).order_by(col(CertificateRow.received_at).desc())
            return [Certificate.of(row) for row in session.exec(query)]

    # ---------------------------------------------------------------- the participant's view

    def progress_input(self) -> tuple[CoursePackage, Standing, PendingSummary]:
        """The package, the last standing and the unconfirmed events as their summary (a
        copy): what ``progress``, ``next_attempt_grading`` and ``graded_left_today`` take."""
        package = self._require_package()
        return (package, *self._view.inputs())

    def progress(self) -> Progress:
        """``progress(package, standing, unconfirmed events)``, kept between reads: O(package)
        after an append through this store, whatever the number of unconfirmed events."""
        return self._view.progress(self._require_package())

    def problems(self) -> list[str]:
        """Every way this profile disagrees with itself (see ``store/diagnostics.py``)."""
        package = self.package()
        welcome = package.welcome_video.id if package is not None else None
        with read(self.engine) as session:
            return diagnostics.consistency_problems(session, self.device_id, welcome)


def consistency_problems(store: ProfileStore) -> list[str]:
    """``store.problems()``: every way the journal and the local state disagree."""
    return store.problems()
