"""``ParticipantSession.welcome_video``: the welcome clip's local file, against the real server.

No Qt. A first online sign-in fetches the clip (checked against its SHA-256, progress in
bytes) and records the need in machine.db; a second call moves no byte. Offline, a clip
another profile of this computer stored plays (and is recorded as needed by this one
too, so the other's deletions never remove it), and a clip not stored is the
``SyncError`` the screen turns into its link fallback. A package with no welcome clip
gives None.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from tests.integration.serverkit import DEMO, demo_people, load_demo, sign_in
from tests.servers import RunningServer, dead_url

PEOPLE = demo_people()


def test_the_first_call_downloads_the_clip_and_the_second_moves_nothing(
    budi: ParticipantSession, machine: MachineStore
) -> None:
    session = budi
    ref = session.package().welcome_video.content
    assert ref is not None
    assert not machine.content_path(ref.sha256).exists()
    reported: list[tuple[int, int]] = []

    path = session.welcome_video(progress=lambda done, total: reported.append((done, total)))

    assert path == machine.content_path(ref.sha256)
    assert path is not None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ref.sha256
    assert not path.with_suffix(".part").exists()
    assert reported[0] == (0, ref.size)
    assert reported[-1] == (ref.size, ref.size)
    assert machine.needed_by(ref.sha256) == [session.profile_id]
    received = session.downloader.received
    assert received == ref.size

    assert session.welcome_video() == path  # stored: read from the disk
    assert session.downloader.received == received


def test_offline_a_clip_stored_by_another_profile_plays_and_one_not_stored_is_the_error(
    sqlite_demo: RunningServer, machine: MachineStore, sessions: list[ParticipantSession]
) -> None:
    budi, siti, andi = PEOPLE[0], PEOPLE[1], PEOPLE[2]
    for person in (budi, siti, andi):  # the profiles made online; nothing downloaded yet
        sign_in(machine, sqlite_demo.url, person).sign_out()
    machine.set_setting(SERVER_URL_SETTING, dead_url())  # the server out of reach from now on

    offline = sign_in(machine, None, budi)
    sessions.append(offline)
    assert not offline.online
    with pytest.raises(SyncError) as unreachable:
        offline.welcome_video()
    assert unreachable.value.kind is SyncErrorKind.OFFLINE
    ref = offline.package().welcome_video.content
    assert ref is not None
    assert offline.package().welcome_video.url  # what the screen offers instead
    assert not machine.content_path(ref.sha256).exists()
    offline.sign_out()

    machine.set_setting(SERVER_URL_SETTING, sqlite_demo.url)
    online = sign_in(machine, None, siti)
    sessions.append(online)
    stored = online.welcome_video()
    assert stored is not None
    online.sign_out()

    machine.set_setting(SERVER_URL_SETTING, dead_url())
    again = sign_in(machine, None, andi)
    sessions.append(again)
    assert not again.online
    assert again.profile_id not in machine.needed_by(ref.sha256)
    assert again.welcome_video() == stored  # no network needed
    assert again.profile_id in machine.needed_by(ref.sha256)
    # no other profile needs it any more: the file stays, for this one
    for other in (offline.profile_id, online.profile_id):
        assert other is not None
        assert machine.release_content(other, [ref.sha256]) == []
    assert machine.needed_by(ref.sha256) == [again.profile_id]
    assert stored.is_file()


def test_a_package_without_a_welcome_clip_gives_none(
    sqlite_server: RunningServer,
    machine: MachineStore,
    sessions: list[ParticipantSession],
    tmp_path: Path,
) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(DEMO, bare, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((bare / "package.json").read_text(encoding="utf-8"))
    data["welcome_video"]["content"] = None  # a link only
    (bare / "package.json").write_text(json.dumps(data), encoding="utf-8")
    load_demo(sqlite_server, bare / "package.json")

    session = sign_in(machine, sqlite_server.url, PEOPLE[0])
    sessions.append(session)
    assert session.package().welcome_video.content is None
    assert session.welcome_video() is None
    assert session.package().welcome_video.url
