"""The session's content calls against the real server on 127.0.0.1 (no Qt).

"Unduh semua" (``plan_all``/``download_all``: sizes, one progress over every byte, every
material kept offline, a cancel keeps the partial files), one activity's file
(``content_path``/``fetch_content``), the link's last known state (``link_up``) and
provisional trophies before and after a sync.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from latsar_desktop.domain.protocol import ActivityKind, CoursePackage
from latsar_desktop.session import ParticipantSession, SessionOptions
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.downloader import HEMAT_DATA
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from tests.integration.serverkit import (
    demo_people,
    load_demo,
    sign_in,
    signed_in_offline,
    sqlite_settings,
)
from tests.servers import RunningServer, running_server

PEOPLE = demo_people()


def first(package: CoursePackage, kind: ActivityKind) -> str:
    return next(a.id for _, a in package.activities() if a.kind is kind)


def test_download_all_moves_every_file_once_with_one_progress(
    budi: ParticipantSession, machine: MachineStore
) -> None:
    session = budi
    refs = session.package().content_refs()
    total = sum(r.size for r in refs)
    plan = session.plan_all()
    assert (plan.total_bytes, plan.missing_bytes, len(plan.files)) == (total, total, len(refs))
    assert session.offline_materials() == set()
    seen: list[tuple[int, int]] = []

    session.download_all(progress=lambda done, total: seen.append((done, total)))

    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    assert all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    for ref in refs:
        path = machine.content_path(ref.sha256)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == ref.sha256
    assert session.offline_materials() == {m.id for m in session.package().materials}
    after = session.plan_all()
    assert (after.total_bytes, after.missing_bytes, after.files) == (total, 0, ())
    received = session.downloader.received
    session.download_all()  # nothing left: no byte moves
    assert session.downloader.received == received


def test_a_cancelled_download_all_keeps_its_partial_files_and_marks_nothing(
    sqlite_demo: RunningServer, machine: MachineStore, sessions: list[ParticipantSession]
) -> None:
    session = sign_in(
        machine, sqlite_demo.url, PEOPLE[0], options=SessionOptions(parallel_downloads=1)
    )
    sessions.append(session)
    total = session.plan_all().total_bytes
    token = CancelToken()

    def stop_midway(done: int, _: int) -> None:
        if done > 200_000:
            token.cancel()

    with pytest.raises(SyncError) as cancelled:
        session.download_all(token, stop_midway)
    assert cancelled.value.kind is SyncErrorKind.CANCELLED
    assert session.offline_materials() == set()
    left = session.plan_all().missing_bytes
    assert 0 < left < total - 200_000  # what arrived counts (partial files too)
    seen: list[tuple[int, int]] = []
    session.download_all(progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][1] == left  # resumed: only the rest moved
    assert session.plan_all().missing_bytes == 0


def test_an_activitys_file_is_fetched_once_and_then_found(
    budi: ParticipantSession, machine: MachineStore
) -> None:
    session = budi
    package = session.package()
    video = first(package, ActivityKind.VIDEO)
    ref = package.activity(video).content  # type: ignore[union-attr]
    assert ref is not None
    assert session.content_path(video) is None

    path = session.fetch_content(video)

    assert hashlib.sha256(path.read_bytes()).hexdigest() == ref.sha256
    assert session.content_path(video) == path
    assert machine.needed_by(ref.sha256) == [session.profile_id]
    received = session.downloader.received
    assert session.fetch_content(video) == path  # stored: no byte moves
    assert session.downloader.received == received
    quiz = first(package, ActivityKind.PRACTICE_QUIZ)
    assert session.content_path(quiz) is None  # no file at all
    with pytest.raises(KeyError):
        session.fetch_content(quiz)
    with pytest.raises(KeyError):
        session.content_path("tidak-ada")
    assert session.content_path(package.welcome_video.id) is None  # not fetched yet
    assert session.hemat_data() is False
    machine.set_setting(HEMAT_DATA, True)
    assert session.hemat_data() is True


def test_offline_a_file_not_stored_is_the_link_error(
    sqlite_demo: RunningServer, machine: MachineStore, sessions: list[ParticipantSession]
) -> None:
    session = signed_in_offline(machine, sqlite_demo.url, PEOPLE[0])
    sessions.append(session)
    assert session.link_up() is False
    module = first(session.package(), ActivityKind.READING)
    with pytest.raises(SyncError) as offline:
        session.fetch_content(module)
    assert offline.value.kind is SyncErrorKind.OFFLINE
    assert session.content_path(module) is None


def test_link_up_follows_the_syncs(
    machine: MachineStore, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    folder = tmp_path / "server"
    folder.mkdir()
    with running_server(sqlite_settings(folder)) as server:
        load_demo(server)
        session = sign_in(machine, server.url, PEOPLE[0])
        sessions.append(session)
        assert session.link_up() is True  # an online sign-in
        session.sync()
        assert session.link_up() is True
    # the server stopped: the next sync does not reach it
    with pytest.raises(SyncError) as down:
        session.sync()
    assert down.value.link_down
    assert session.link_up() is False
    # the server back where it was: the next sync reaches it again
    with running_server(sqlite_settings(folder), port=urlsplit(server.url).port or 0):
        session.sync()
        assert session.link_up() is True


def test_trophies_are_provisional_until_a_sync_confirms_them(
    budi: ParticipantSession,
) -> None:
    session = budi
    package = session.package()
    video = first(package, ActivityKind.VIDEO)
    material = next(m for m, a in package.activities() if a.id == video)
    session.complete_activity(video)

    before = session.view()
    shown = next(m for m in before.materials if m.material_id == material.id)
    done = next(a for a in shown.activities if a.activity_id == video)
    assert done.completed
    assert done.provisional
    assert shown.provisional_trophies == done.trophies > 0
    assert before.provisional_trophies == done.trophies

    session.sync()

    after = session.view()
    shown = next(m for m in after.materials if m.material_id == material.id)
    done = next(a for a in shown.activities if a.activity_id == video)
    assert done.completed
    assert not done.provisional
    assert shown.provisional_trophies == 0
    assert after.provisional_trophies == 0
    assert after.trophies == before.trophies
