from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
import uuid
from contextlib import closing
from datetime import UTC, datetime
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from latsar_desktop.domain.draw import draw_questions
from latsar_desktop.domain.grading import attempt_problem
from latsar_desktop.domain.protocol import (
    CertificateIssuedChange,
    CertificateRevokedChange,
    ContentRef,
    Rejection,
    SignedCertificate,
    Standing,
    StandingRecomputedChange,
    UnknownChange,
    WireMessage,
    WireParam,
)
from latsar_desktop.store import migrations
from latsar_desktop.store.database import Upgrade, make_engine, schema_version, table_layout
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.store.profile import PROFILE_SCHEMA_VERSION, ProfileStore, consistency_problems
from latsar_desktop.store.profile_tables import PROFILE_TABLES
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
    attempt = store.start_attempt()
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
    assert row.message == rejection.reason
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
    assert store.sync_status().cursor == 5
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


OLD_DRAFT = "6a1f0c4e-3b1d-4c55-9a7e-2f4f8c1d0b11"


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
    # an attempt open since before the draw (schema 5): every question, in its own order
    order = [q.id for q in package.evaluation.questions][::-1]
    connection.execute(
        'INSERT INTO attempt_draft VALUES (?, 1, ?, \'{"e0": "a"}\', 40, '
        "'2026-11-01 08:00:00', '2026-11-01 08:01:00', NULL)",
        (OLD_DRAFT, json.dumps(order)),
    )
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
    assert store.sync_status().cursor == 7
    assert store.package_etag() == 'W/"v1"'
    assert store.progress().trophies == 6
    assert consistency_problems(store) == []
    # and it keeps working at the new version, keeping changes it does not know (schema 4)
    store.complete_activity("m1-read")
    assert [e.seq for e in store.unconfirmed()] == [3, 4]
    assert store.kept_changes() == []
    badge = UnknownChange.model_validate({"type": "badge.awarded", "cursor": 8, "badge": "x"})
    store.apply_sync(acked_seq=2, processed_count=2, rejections=[], changes=[badge], cursor=8)
    assert [(k.cursor, k.type) for k in store.kept_changes()] == [(8, "badge.awarded")]
    assert store.sync_status().cursor == 8
    # the attempt open before the draw has no seed (schema 5) and is sent as it was shown;
    # a new attempt draws its questions with a seed
    old_attempt = uuid.UUID(OLD_DRAFT)
    assert [str(d.attempt_id) for d in store.open_drafts()] == [OLD_DRAFT]
    assert store.draft(old_attempt).seed is None  # type: ignore[union-attr]
    sent = store.submit_attempt(old_attempt)
    assert sent.payload.seed is None
    assert sent.payload.question_order == [f"e{i}" for i in range(19, -1, -1)]
    assert (sent.payload.answers, sent.payload.elapsed_seconds) == ({"e0": "a"}, 40)
    assert attempt_problem(factories.package().evaluation, sent.payload) is None
    new_attempt = store.start_attempt()
    seed = store.draft(new_attempt).seed  # type: ignore[union-attr]
    assert seed is not None
    assert store.attempt_questions(new_attempt) == draw_questions(
        seed, [f"e{i}" for i in range(20)]
    )
    assert consistency_problems(store) == []
    # the upgraded layout is the one a new database gets
    fresh = ProfileStore(tmp_path / "fresh.db", device)
    assert table_layout(store.engine, PROFILE_TABLES) == table_layout(fresh.engine, PROFILE_TABLES)


UPGRADE_ROUNDS = 4


def _open_profiles_together(
    paths: list[Path], device: uuid.UUID, start: Barrier, both_read: Barrier, out: Path
) -> None:
    """A forked process: open each v1 profile at the same moment as the other process.

    Both processes start each profile at ``start``. Each then holds its second transaction
    (the first one after reading ``user_version``) until the other got that far too, so
    both found schema 1 and compete for the upgrade. Writes to ``out``, per profile, the
    upgrade steps this process ran and how often it read the schema version, or the error
    that stopped it.
    """
    steps: list[int] = []
    seen = {"begins": 0, "reads": 0}
    for number, step in list(migrations.PROFILE_UPGRADES.items()):

        def counted(connection: Connection, number: int = number, step: Upgrade = step) -> None:
            steps.append(number)
            step(connection)

        migrations.PROFILE_UPGRADES[number] = counted

    def on_begin(_connection: Connection) -> None:
        # class-level listeners run before the engine's own, so before BEGIN IMMEDIATE:
        # this process holds no lock while it waits
        seen["begins"] += 1
        if seen["begins"] == 2:
            both_read.wait(60)

    def on_execute(_connection: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        seen["reads"] += statement.strip().upper() == "PRAGMA USER_VERSION"

    sqlalchemy.event.listen(Engine, "begin", on_begin)
    sqlalchemy.event.listen(Engine, "before_cursor_execute", on_execute)
    rounds = []
    try:
        for path in paths:
            start.wait(60)
            steps.clear()
            seen.update(begins=0, reads=0)
            ProfileStore(path, device).close()
            rounds.append({"steps": list(steps), "reads": seen["reads"]})
    except BaseException as exc:
        start.abort()  # the other process stops waiting too
        both_read.abort()
        out.write_text(json.dumps({"error": repr(exc), "rounds": rounds}))
        raise
    out.write_text(json.dumps({"rounds": rounds}))


def test_two_processes_upgrading_at_once(tmp_path: Path) -> None:
    device = uuid.uuid4()
    paths = [tmp_path / f"old{n}.db" for n in range(UPGRADE_ROUNDS)]
    for path in paths:
        make_v1_profile(path, device)
        # the app has always opened its databases in WAL mode, which stays in the file
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    context = multiprocessing.get_context("fork")  # real processes, without re-importing
    start, both_read = context.Barrier(2), context.Barrier(2)
    outputs = [tmp_path / f"process{n}.json" for n in range(2)]
    processes = [
        context.Process(target=_open_profiles_together, args=(paths, device, start, both_read, out))
        for out in outputs
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(180)
        if process.is_alive():  # stuck: fail below rather than leave it running
            process.kill()
            process.join()
    reports = [json.loads(out.read_text()) if out.exists() else {} for out in outputs]
    assert [p.exitcode for p in processes] == [0, 0], reports
    for first, second in zip(reports[0]["rounds"], reports[1]["rounds"], strict=True):
        # both read the version more than once: both found schema 1 and went to upgrade
        assert first["reads"] > 1, (first, second)
        assert second["reads"] > 1, (first, second)
        # and each upgrade step ran once, in one of the two processes
        assert sorted(first["steps"] + second["steps"]) == sorted(migrations.PROFILE_UPGRADES)
    print(f"upgrade steps run by each process: {[r['rounds'] for r in reports]}")
    fresh = ProfileStore(tmp_path / "fresh.db", device)
    for path in paths:
        assert schema_version(make_engine(path)) == PROFILE_SCHEMA_VERSION
        store = ProfileStore(path, device)
        assert [(e.seq, e.payload.activity_id) for e in store.journal()] == [
            (1, "m0-video"),
            (2, "m0-read"),
            (3, "m1-video"),
        ]
        assert [e.seq for e in store.unconfirmed()] == [3]
        assert store.count_processed() == 2
        assert (store.sync_status().cursor, store.sync_status().acked_seq) == (7, 2)
        assert store.package_etag() == 'W/"v1"'
        assert consistency_problems(store) == []
        assert table_layout(store.engine, PROFILE_TABLES) == table_layout(
            fresh.engine, PROFILE_TABLES
        )
        store.close()
        with closing(sqlite3.connect(path)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    fresh.close()


def signed_certificate(number: str) -> SignedCertificate:
    record = {
        "certificate_number": number,
        "name": "Siti Rahmawati",
        "nip": "199003152025061001",
        "agency": "Pemerintah Kabupaten Bandung",
        "course_title": "Pelatihan Dasar PPPK 2026",
        "period_start": "2026-10-01",
        "period_end": "2026-11-20",
        "final_score": "90.01",
        "predicate": "Sangat Memuaskan",
        "issued_on": "2026-12-10",
        "verification_code": "V7QK-3MZP-8RTA",
        "verify_url": "https://latsar.example.invalid/verify/V7QK-3MZP-8RTA",
        "key_id": "k2026a",
    }
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return SignedCertificate(record_json=text, signature="c2lnbmF0dXJl")


def test_unknown_changes_are_kept_skipped_and_applied_by_an_updated_app(tmp_path: Path) -> None:
    device = uuid.uuid4()
    store = ProfileStore(tmp_path / "p.db", device)
    certificate = signed_certificate("LATSAR/2026/000123")
    issued = CertificateIssuedChange(cursor=5, at=T, certificate=certificate)
    # an issue this version reads as an unknown type (as an older app read a newer type)
    as_unknown = UnknownChange.model_validate(issued.model_dump(mode="json"))
    revoked = CertificateRevokedChange(cursor=6, at=T, certificate_number="LATSAR/2026/000123")
    badge = {"type": "badge.awarded", "cursor": 7, "at": "2026-11-20T02:30:00Z", "id": [1]}
    changes = [as_unknown, revoked, UnknownChange.model_validate(badge)]
    for _ in range(2):  # the same answer twice (a resent request) keeps each change once
        store.apply_sync(acked_seq=0, processed_count=0, rejections=[], changes=changes, cursor=7)
        assert store.sync_status().cursor == 7  # past every change, known or not
        assert store.certificates() == []
        kept = [(k.cursor, k.type) for k in store.kept_changes()]
        # the revocation waits for its certificate, which came in a change kept unknown
        assert kept == [(5, "certificate.issued"), (6, "certificate.revoked"), (7, "badge.awarded")]
    assert json.loads(store.kept_changes()[2].body) == badge  # as received
    store.close()

    updated = ProfileStore(tmp_path / "p.db", device)  # an app that knows the type now
    # issued, then revoked: in order
    assert [(c.signed, c.revoked) for c in updated.certificates()] == [(certificate, True)]
    assert [(k.cursor, k.type) for k in updated.kept_changes()] == [(7, "badge.awarded")]
    assert updated.apply_kept_changes() == 0
    assert updated.sync_status().cursor == 7


def test_switching_a_new_database_to_wal_waits_for_another_reader(tmp_path: Path) -> None:
    """Two app instances opening a database that is not in WAL yet: SQLite refuses the
    switch at once (no busy wait) while another connection writes; the open must wait."""
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN IMMEDIATE")  # another instance is writing, in rollback-journal mode
    other.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        engine = make_engine(path)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        engine.dispose()
    finally:
        release.join()
        other.close()
