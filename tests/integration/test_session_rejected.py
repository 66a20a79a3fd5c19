"""``ParticipantSession.rejected_events()`` (the sync details' list), Qt-free, against the
real server on 127.0.0.1: each event the server refused, with its type, the time it was
recorded on this computer, the activity it names (the package's title and kind) and the
server's reason; the journal is not read whole for it. And ``StorageSummary.total``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import ActivityCompleted, ActivityKind, EventType
from latsar_desktop.session import ParticipantSession
from latsar_desktop.session.participant import StorageSummary
from latsar_desktop.store.database import write
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.downloader import MaterialUsage
from tests.integration.serverkit import demo_people, sign_in, sqlite_demo_server, take_attempt
from tests.servers import RunningServer

PEOPLE = demo_people()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with sqlite_demo_server(tmp_path) as running:
        yield running


def test_rejected_events_name_each_refused_event_its_activity_and_the_servers_reason(
    server: RunningServer,
    tmp_path: Path,
    sessions: list[ParticipantSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = sign_in(MachineStore(tmp_path / "pc"), server.url, PEOPLE[0])
    sessions.append(session)
    assert session.rejected_events() == []
    package = session.package()
    video = next(a for _, a in package.activities() if a.kind is ActivityKind.VIDEO)
    quiz = next(a for _, a in package.activities() if a.kind is ActivityKind.PRACTICE_QUIZ)
    accepted = session.complete_activity(video.id)
    # a practice quiz recorded as "completed" (not graded): the server refuses its kind
    with write(session.store.engine) as db:
        payload = ActivityCompleted(activity_id=quiz.id, package_version=package.version)
        wrong_kind = session.store._append(db, payload, EventType.ACTIVITY_COMPLETED)
    attempt = take_attempt(session.store, 20)  # the evaluation is locked: refused
    report = session.sync()
    assert (report.pushed, report.rejected) == (3, 2)

    def whole_journal(self: ProfileStore) -> object:
        raise AssertionError("the journal read whole")

    monkeypatch.setattr(ProfileStore, "journal", whole_journal)
    first, second = session.rejected_events()
    assert (first.event_id, first.seq, first.type) == (
        wrong_kind.id,
        wrong_kind.seq,
        EventType.ACTIVITY_COMPLETED,
    )
    assert first.recorded_at == wrong_kind.at
    assert (first.activity_id, first.activity_title, first.activity_kind) == (
        quiz.id,
        quiz.title,
        ActivityKind.PRACTICE_QUIZ,
    )
    assert first.reason.code is Code.SYNC_WRONG_ACTIVITY_KIND
    assert first.reason.params == {"activity": quiz.id}
    assert (second.event_id, second.type, second.recorded_at) == (
        attempt.id,
        EventType.ATTEMPT_SUBMITTED,
        attempt.at,
    )
    assert (second.activity_id, second.activity_title, second.activity_kind) == (None,) * 3
    assert second.reason.code is Code.SYNC_EVALUATION_LOCKED
    assert accepted.id not in {first.event_id, second.event_id}


def test_the_storage_summary_totals_the_bytes_the_materials_store() -> None:
    summary = StorageSummary(
        (MaterialUsage("m1", "Satu", 1200, 5000), MaterialUsage("m2", "Dua", 34, 34)), 10**9
    )
    assert summary.total == 1234
    assert StorageSummary((), 0).total == 0
