from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from latsar_desktop.domain.protocol import (
    ContentRef,
    Rejection,
    Standing,
    StandingRecomputedChange,
    WireMessage,
    WireParam,
)
from latsar_desktop.store import migrations
from latsar_desktop.store.database import make_engine, schema_version, table_layout
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.store.profile import (
    PROFILE_SCHEMA_VERSION,
    PROFILE_TABLES,
    ProfileStore,
    consistency_problems,
    rejection_message,
)
from tests import factories

T = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    profile = ProfileStore(tmp_path / "p.db", uuid.uuid4())
    profile.save_package(factories.package())
    return profile


def test_pragmas(store: ProfileStore) -> None:
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert schema_version(store.engine) == PROFILE_SCHEMA_VERSION


def test_append_confirm_reject_and_progress(store: ProfileStore) -> None:
    store.watch_welcome()
    store.complete_activity("m0-video")
    quiz = store.record_practice("m0-quiz", {"m0-q0": "a", "m0-q1": "a", "m0-q2": "a"})
    assert quiz.payload.score == Decimal("75.00")
    attempt = store.start_attempt(["e1", "e0"])
    store.save_draft(attempt, {"e0": "a"}, 30)
    store.save_draft(attempt, {"e0": "a", "e1": "b"}, 61)
    submitted = store.submit_attempt(attempt)
    assert submitted.payload.answers == {"e0": "a", "e1": "b"}
    assert submitted.payload.elapsed_seconds == 61
    assert [e.seq for e in store.unconfirmed()] == [1, 2, 3, 4]
    view = store.progress()
    assert view.trophies == 2 + 3
    assert view.attempts_pending == 1

    rejection = Rejection(
        event_id=store.unconfirmed()[1].id,
        seq=2,
        reason=WireMessage(code="sync.unknown_activity", params={"id": WireParam.of("x")}),
    )
    store.apply_sync(acked_seq=3, processed_count=3, rejections=[rejection], changes=[], cursor=0)
    assert [e.seq for e in store.unconfirmed()] == [4]
    assert store.count_processed() == 3
    (row,) = store.rejections()
    assert rejection_message(row) == rejection.reason
    with pytest.raises(KeyError):
        store.submit_attempt(attempt)  # closed with its event
    assert consistency_problems(store) == []


def test_standing_replaces_and_cursor_only_moves_forward(store: ProfileStore) -> None:
    done = StandingRecomputedChange(
        cursor=5, at=T, standing=Standing(completed_activities=["m0-video"])
    )
    store.apply_sync(acked_seq=0, processed_count=0, rejections=[], changes=[done], cursor=5)
    assert store.standing().completed_activities == ["m0-video"]
    assert store.progress().trophies == 2
    # a response for an older cursor (a resent request) never moves the cursor back
    store.apply_sync(acked_seq=0, processed_count=0, rejections=[], changes=[], cursor=3)
    assert store.server_state().cursor == 5
    # the standing of the newest response always wins
    newer = StandingRecomputedChange(cursor=5, at=T, standing=Standing())
    store.apply_sync(acked_seq=0, processed_count=0, rejections=[], changes=[newer], cursor=5)
    assert store.progress().trophies == 0


def test_two_profiles_on_one_machine(tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "data")
    ani = machine.add_profile("199003152025061001", "Ani")
    budi = machine.add_profile("198811022025061002", "Budi")
    assert ani.device_id != budi.device_id
    stores = [machine.open_profile(p) for p in (ani, budi)]
    for profile_store in stores:
        profile_store.save_package(factories.package())
    stores[0].complete_activity("m0-video")
    stores[0].complete_activity("m0-read")
    stores[1].complete_activity("m1-video")
    assert [e.payload.activity_id for e in stores[0].unconfirmed()] == ["m0-video", "m0-read"]
    assert [e.payload.activity_id for e in stores[1].unconfirmed()] == ["m1-video"]
    assert {str(e.device_id) for e in stores[0].journal()} == {ani.device_id}
    assert {str(e.device_id) for e in stores[1].journal()} == {budi.device_id}
    assert [e.seq for e in stores[1].journal()] == [1]
    assert stores[0].path != stores[1].path
    assert {p.nip for p in MachineStore(tmp_path / "data").profiles()} == {ani.nip, budi.nip}


def test_shared_content_index(tmp_path: Path) -> None:
    machine = MachineStore(tmp_path)
    a, b = machine.add_profile("1" * 18, "A"), machine.add_profile("2" * 18, "B")
    ref = ContentRef(sha256="ab" * 32, size=10, media_type="video/mp4", name="x.mp4")
    machine.need_content(a.id, [ref])
    machine.need_content(b.id, [ref])
    machine.need_content(b.id, [ref])
    assert machine.needed_by(ref.sha256) == sorted([a.id, b.id])
    assert machine.release_content(a.id, [ref.sha256]) == []
    assert machine.remove_profile(b.id) == [ref.sha256]
    assert machine.content_path(ref.sha256).parent.name == "ab"


def test_settings_round_trip(tmp_path: Path) -> None:
    machine = MachineStore(tmp_path)
    assert machine.setting("hemat_data", False) is False
    machine.set_setting("hemat_data", True)
    machine.set_setting("server_url", "https://latsar.example.invalid")
    again = MachineStore(tmp_path)
    assert again.setting("hemat_data") is True
    assert again.setting("server_url") == "https://latsar.example.invalid"


def test_data_dir_comes_from_the_environment(tmp_path: Path) -> None:
    machine = MachineStore()
    assert machine.root == tmp_path / "data"
    assert (tmp_path / "data" / "machine.db").exists()


def make_v1_profile(path: Path, device: uuid.UUID) -> None:
    connection = sqlite3.connect(path)
    for ddl in migrations.PROFILE_V1_DDL:
        connection.execute(ddl)
    package = factories.package()
    connection.execute(
        "INSERT INTO package VALUES (1, ?, 1, 'W/\"v1\"', ?, '2026-11-01 08:00:00')",
        (package.course_id, package.model_dump_json()),
    )
    for seq, (activity, confirmed) in enumerate(
        [("m0-video", True), ("m0-read", True), ("m1-video", False)], start=1
    ):
        event_id = str(uuid.uuid4())
        payload = json.dumps({"activity_id": activity, "package_version": 1})
        connection.execute(
            "INSERT INTO journal VALUES (?, ?, ?, 'activity.completed', "
            "'2026-11-01 08:00:00', ?, ?)",
            (event_id, str(device), seq, payload, confirmed),
        )
        connection.execute(
            "INSERT INTO activity_record VALUES (?, '2026-11-01 08:00:00', NULL, 1, ?)",
            (activity, event_id),
        )
    standing = Standing(completed_activities=["m0-video", "m0-read"]).model_dump_json()
    connection.execute("INSERT INTO server_state VALUES (1, ?, 7, 2, 2, NULL)", (standing,))
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()


def test_schema_upgrade_from_version_1(tmp_path: Path) -> None:
    device = uuid.uuid4()
    old = tmp_path / "old.db"
    make_v1_profile(old, device)
    assert schema_version(make_engine(old)) == 1
    store = ProfileStore(old, device)
    assert schema_version(store.engine) == PROFILE_SCHEMA_VERSION
    # the data is intact
    assert [e.payload.activity_id for e in store.unconfirmed()] == ["m1-video"]
    assert len(store.journal()) == 3
    assert store.count_processed() == 2
    assert store.server_state().cursor == 7
    assert store.package_etag() == 'W/"v1"'
    assert store.progress().trophies == 6
    assert consistency_problems(store) == []
    # and it keeps working at the new version
    store.complete_activity("m1-read")
    assert [e.seq for e in store.unconfirmed()] == [3, 4]
    # the upgraded layout is the one a new database gets
    fresh = ProfileStore(tmp_path / "fresh.db", device)
    assert table_layout(store.engine, PROFILE_TABLES) == table_layout(fresh.engine, PROFILE_TABLES)


def test_two_processes_upgrading_at_once(tmp_path: Path) -> None:
    import threading

    device = uuid.uuid4()
    old = tmp_path / "old.db"
    make_v1_profile(old, device)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def open_it() -> None:
        try:
            start.wait(5)
            ProfileStore(old, device).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert schema_version(make_engine(old)) == PROFILE_SCHEMA_VERSION
