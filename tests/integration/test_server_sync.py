"""POST /api/v1/sync over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, event, func, inspect, select, text, update
from sqlmodel import col

from latsar_desktop.domain.protocol import (
    ActivityKind,
    AttemptGradedChange,
    EventEnvelope,
    PassedChange,
    StandingRecomputedChange,
    SyncRequest,
    SyncResponse,
)
from latsar_server.cli import main as server_cli
from latsar_server.settings import Settings
from latsar_server.tables import (
    ActivityState,
    Attempt,
    ChangeRow,
    Device,
    EventRow,
    ParticipantProgress,
    Token,
)
from tests import recipes as demo
from tests.integration.serverkit import (
    DEMO,
    DEMO_PACKAGE,
    _wrong,
    bearer,
    client,
    demo_package,
    demo_people,
    load_demo,
    login,
    offline_store,
    play,
    post_sync,
    push,
    take_attempt,
)
from tests.servers import PostgresCluster, RunningServer, running_server

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]
UNLOCKED = demo.recipe_steps("28")
VARIANT = DEMO / "package-200.json"  # all 200 questions in each attempt, no daily limit


@contextmanager
def signed_in(
    server: RunningServer, store: Any, person: dict[str, str] = BUDI
) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    with client(server) as http:
        yield http, bearer(login(http, person, store.device_id))


def dump(server: RunningServer, *, volatile: bool) -> dict[str, list[Any]]:
    """Every row of the sync tables; with volatile=False, server times and tokens left out.
    A device's last contact (``device.last_sync_at``) is never compared: a request sent
    again is a contact again, not a change of what the device synced."""
    setup = {"token", "login_failure", "signing_key"}  # random per server, not sync state
    skip_tables = {"alembic_version"} | (set() if volatile else setup)
    result: dict[str, list[Any]] = {}
    with server.engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            if table in skip_tables:
                continue
            columns = inspect(connection).get_columns(table)
            names = [
                c["name"]
                for c in columns
                if (table, c["name"]) != ("device", "last_sync_at")
                and (
                    volatile
                    or (
                        "DATETIME" not in str(c["type"]).upper()
                        and "TIMESTAMP" not in str(c["type"]).upper()
                        and c["name"] != "nik_hash"
                    )
                )
            ]
            rows = connection.execute(
                text(f'SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{table}"')
            )
            result[table] = sorted(
                json.dumps([_plain(v, volatile) for v in row], default=str) for row in rows
            )
    return result


def _plain(value: Any, volatile: bool) -> Any:
    if volatile or not isinstance(value, str) or not value.startswith("{"):
        return value
    return _strip_times(json.loads(value))


def _strip_times(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: _strip_times(v) for k, v in data.items() if k not in ("at", "graded_at", "passed_at")
        }
    if isinstance(data, list):
        return [_strip_times(v) for v in data]
    return data


def test_offline_study_is_processed_once(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    play(store, UNLOCKED)
    take_attempt(store, 18)
    events = store.unconfirmed()
    with signed_in(demo_server, store) as (http, auth):
        first = push(http, auth, store)
        assert first.acked_seq == len(events) == first.processed_count
        assert first.rejections == []
        graded = [c for c in first.changes if isinstance(c, AttemptGradedChange)]
        assert [(c.attempt.number, c.attempt.raw_score, c.attempt.score) for c in graded] == [
            (1, Decimal("90.00"), Decimal("90.00"))
        ]
        standings = [c for c in first.changes if isinstance(c, StandingRecomputedChange)]
        assert len(standings) == 1
        assert first.changes[-1] is standings[0]
        before = dump(demo_server, volatile=True)
        again = push(http, auth, store, cursor=0)
        assert again.acked_seq == first.acked_seq
        assert again.processed_count == first.processed_count
        assert dump(demo_server, volatile=True) == before
        nothing = push(http, auth, store, events=[], cursor=first.cursor)
        assert nothing.changes == []
        assert nothing.cursor == first.cursor


@pytest.fixture
def twin_server(
    server_settings: Settings, postgres: PostgresCluster | None, tmp_path: Path
) -> Iterator[RunningServer]:
    """A second, independent server on the same kind of database."""
    if server_settings.database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'twin.db'}"
    else:
        assert postgres is not None
        url = postgres.new_database()
    with running_server(Settings(database_url=url, data_dir=tmp_path / "twin-data")) as twin:
        load_demo(twin)
        yield twin


def test_resending_and_rebatching_leave_the_same_state(
    demo_server: RunningServer, twin_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("31"))
    take_attempt(store, 12)
    take_attempt(store, 15)
    events = store.unconfirmed()
    assert len(events) > 20
    # server A: everything at once, then the very same request again
    with signed_in(demo_server, store) as (http, auth):
        push(http, auth, store)
        once = dump(demo_server, volatile=True)
        push(http, auth, store)
        assert dump(demo_server, volatile=True) == once
    # server B: the same events in overlapping batches of other sizes, some twice
    with signed_in(twin_server, store) as (http, auth):
        for start, stop in [
            (0, 7),
            (3, 11),
            (11, 12),
            (5, 30),
            (0, len(events)),
            (len(events) - 1, len(events)),
        ]:
            push(http, auth, store, events=events[start:stop])
    assert dump(twin_server, volatile=False) == dump(demo_server, volatile=False)


def test_events_after_a_gap_wait(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    play(store, UNLOCKED[:5])
    events = store.unconfirmed()
    with signed_in(demo_server, store) as (http, auth):
        result = push(http, auth, store, events=[events[0], events[1], events[3], events[4]])
        assert (result.acked_seq, result.processed_count) == (2, 2)
        result = push(http, auth, store, events=events[2:])
        assert (result.acked_seq, result.processed_count) == (5, 5)


def test_gzip_both_ways_and_paging(server_settings: Settings, tmp_path: Path) -> None:
    """A gzipped request; the answer gzipped when the client takes it and it is large
    enough (``api.sync._response``); a decompression bomb refused; the log in pages."""
    import dataclasses

    settings = dataclasses.replace(server_settings, sync_page_size=4)
    with running_server(settings) as running:
        load_demo(running)
        store = offline_store(tmp_path)
        play(store, UNLOCKED)
        with signed_in(running, store) as (http, auth):
            body = SyncRequest(
                device_id=store.device_id, events=[EventEnvelope.of(e) for e in store.unconfirmed()]
            )
            raw = body.model_dump_json().encode()
            response = http.post(
                "/api/v1/sync",
                content=gzip.compress(raw),
                headers={**auth, "Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
            assert response.status_code == 200, response.text
            # the answer gzipped for a client that takes it (httpx says so by default)
            assert response.headers["content-encoding"] == "gzip"
            assert response.headers["vary"] == "Accept-Encoding"
            first = response.json()
            assert first["more"] is True
            logged = [c for c in first["changes"] if c["type"] != "standing.recomputed"]
            assert len(logged) == 4  # one page of the log, plus the current standing
            assert first["changes"][-1]["type"] == "standing.recomputed"
            cursor, pages = first["cursor"], 1
            while True:
                page = push(http, auth, store, events=[], cursor=cursor)
                pages += 1
                cursor = page.cursor
                if not page.more:
                    break
            assert pages >= 5
            # plain for a client that does not take gzip, and for an answer too small
            plain = http.post(
                "/api/v1/sync",
                content=SyncRequest(device_id=store.device_id, cursor=0).model_dump_json(),
                headers={**auth, "Content-Type": "application/json", "Accept-Encoding": "identity"},
            )
            assert plain.status_code == 200, plain.text
            assert "content-encoding" not in plain.headers
            assert plain.headers["vary"] == "Accept-Encoding"  # GZipMiddleware's, as before
            assert SyncResponse.model_validate_json(plain.content).changes
            small = post_sync(http, auth, SyncRequest(device_id=store.device_id, cursor=cursor))
            assert small.status_code == 200, small.text
            assert len(small.content) < 1024
            assert "content-encoding" not in small.headers
            bomb = gzip.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}")
            refused = http.post(
                "/api/v1/sync",
                content=bomb,
                headers={**auth, "Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
            assert refused.status_code == 413


def rejection_case(store, case: str, demo_server: RunningServer):  # type: ignore[no-untyped-def]
    """Make the offline event of one rejection case; returns it."""
    if case == "unknown_activity":
        event = store.complete_activity("kebijakan-1-video")
        payload = {**event.payload.model_dump(mode="json"), "activity_id": "tidak-ada"}
        return event.model_copy(update={"payload": type(event.payload).model_validate(payload)})
    if case == "locked":
        return take_attempt(store, 20)
    play(store, UNLOCKED)
    if case == "unknown_question":
        event = take_attempt(store, 20)
        answers = {**event.payload.answers, "soal-asing": "a"}
        return event.model_copy(
            update={"payload": event.payload.model_copy(update={"answers": answers})}
        )
    if case == "time_over":
        return take_attempt(store, 20, elapsed=1800 + 121)
    if case == "started_after_submitted":
        event = take_attempt(store, 20)
        started = event.at + timedelta(minutes=5)  # a device clock cannot go forward and back
        return event.model_copy(
            update={"payload": event.payload.model_copy(update={"started_at": started})}
        )
    if case == "after_certificate":
        with demo_server.engine.begin() as connection:
            connection.execute(
                update(ParticipantProgress).values(certificate_issued_at=datetime.now(UTC))
            )
        return take_attempt(store, 20)
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("unknown_activity", "sync.unknown_activity"),
        ("locked", "sync.evaluation_locked"),
        ("unknown_question", "sync.unknown_question"),
        ("time_over", "sync.time_over"),
        ("started_after_submitted", "sync.started_after_submitted"),
        ("after_certificate", "sync.after_certificate"),
        ("malformed", "sync.malformed_event"),
        # PostgreSQL's text holds no NUL: the event's row failed, and so every resend (a 500)
        ("nul_in_type", "sync.malformed_event"),
    ],
)
def test_rejections(demo_server: RunningServer, tmp_path: Path, case: str, code: str) -> None:
    store = offline_store(tmp_path)
    with signed_in(demo_server, store) as (http, auth):
        store.watch_welcome()
        push(http, auth, store)  # the participant's state row now exists
        if case in ("malformed", "nul_in_type"):
            play(store, UNLOCKED[:2])
            events = [EventEnvelope.of(e) for e in store.unconfirmed()]
            broken = events[-1].model_copy(
                update={"payload": {"activity_id": 7}}
                if case == "malformed"
                else {"type": f"{events[-1].type}\x00"}
            )
            body = SyncRequest(device_id=store.device_id, events=[*events[:-1], broken])
            response = post_sync(http, auth, body)
            assert response.status_code == 200, response.text
            from latsar_desktop.domain.protocol import SyncResponse

            result = SyncResponse.model_validate_json(response.content)
            bad_seq = broken.seq
        else:
            bad = rejection_case(store, case, demo_server)
            events = [e for e in store.unconfirmed() if e.seq != bad.seq] + [bad]
            result = push(http, auth, store, events=sorted(events, key=lambda e: e.seq))
            bad_seq = bad.seq
        (rejection,) = result.rejections
        assert rejection.reason.code == code
        assert rejection.seq == bad_seq
        assert result.acked_seq == result.processed_count == bad_seq  # processed anyway
        # never applied
        with demo_server.engine.connect() as connection:
            attempts = connection.execute(select(Attempt)).all()
            activities = {r.activity_id for r in connection.execute(select(ActivityState))}
        if case in (
            "locked",
            "unknown_question",
            "time_over",
            "started_after_submitted",
            "after_certificate",
        ):
            assert attempts == []
        if case == "unknown_activity":
            assert "tidak-ada" not in activities
        # resending brings the same verdict back, and changes nothing
        again = push(http, auth, store, events=[])
        assert again.rejections == []
        assert again.processed_count == result.processed_count


def test_a_better_practice_score_in_a_later_request_replaces_the_stored_one(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """A quiz done again with more right answers, in a request after the one that stored
    it: the stored best score is raised (not inserted again), a lower one leaves it."""
    store = offline_store(tmp_path)
    quiz = next(a for _, a in store.package().activities() if a.kind is ActivityKind.PRACTICE_QUIZ)

    def answers(right: int) -> dict[str, str]:
        return {q.id: q.answer if i < right else _wrong(q) for i, q in enumerate(quiz.questions)}

    total = len(quiz.questions)
    cursor = 0
    with signed_in(demo_server, store) as (http, auth):
        for right in (1, total, 2):
            store.record_practice(quiz.id, answers(right))
            result = push(http, auth, store, cursor=cursor)
            assert result.rejections == []
            cursor = result.cursor
    standing = [c for c in result.changes if isinstance(c, StandingRecomputedChange)][-1]
    assert standing.standing.practice_best[quiz.id] == Decimal("100.00")
    with demo_server.engine.connect() as connection:
        (row,) = connection.execute(select(ActivityState)).all()
    assert (row.activity_id, row.best_score) == (quiz.id, Decimal("100.00"))


def test_same_activity_on_two_devices_counts_once(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    laptop, office = offline_store(tmp_path), offline_store(tmp_path)
    for store in (laptop, office):
        play(store, UNLOCKED[:6])
    results = []
    for store in (laptop, office):
        with signed_in(demo_server, store) as (http, auth):
            results.append(push(http, auth, store))
    assert all(r.rejections == [] for r in results)
    with demo_server.engine.connect() as connection:
        rows = connection.execute(select(ActivityState)).all()
    assert len(rows) == len({s.activity_id for s in UNLOCKED[:6]} - {"video-sambutan"})
    standing = [c for c in results[1].changes if isinstance(c, StandingRecomputedChange)][-1]
    assert len(standing.standing.completed_activities) == len(rows)
    assert standing.standing.registered_devices == 2


class HeldWrite:
    """Holds the server's transaction that runs a sync's write (the statement that records
    the device's new acked seq), after that statement and before the commit, until
    ``release()``. On every Engine of this process (the server's own is not reachable
    from the test), acting only on the server's, not on the test's ``server.engine``."""

    MARK = "UPDATE device SET last_sync_at"

    def __init__(self, server: RunningServer) -> None:
        self.own = server.engine
        self.written = threading.Event()
        self._go = threading.Event()
        self._armed = True

    def __enter__(self) -> HeldWrite:
        event.listen(Engine, "after_cursor_execute", self._statement)
        return self

    def __exit__(self, *_: object) -> None:
        self.release()
        event.remove(Engine, "after_cursor_execute", self._statement)

    def release(self) -> None:
        self._go.set()

    def _statement(self, conn: Connection, _cursor: Any, sql: str, *_: Any) -> None:
        if self.MARK not in sql or conn.engine is self.own or conn.engine.url != self.own.url:
            return
        if self._armed:  # the first such write only
            self._armed = False
            self.written.set()
            self._go.wait(60)


def _waiting_for_a_lock(server: RunningServer) -> bool:
    """Whether a server connection waits for a row lock (PostgreSQL; on SQLite a writer
    waits in BEGIN IMMEDIATE, which nothing shows: half a second is then taken as enough)."""
    if server.engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return True
    with server.engine.connect() as connection:
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        return bool(connection.execute(text(waiting)).scalar())


@pytest.mark.parametrize("case", ["same_activities", "same_rejected_event"])
def test_a_sync_that_waited_for_another_devices_sees_its_rows(
    demo_server: RunningServer, tmp_path: Path, case: str
) -> None:
    """The office's sync starts while the laptop's holds the participant's lock with its
    rows written, not committed: it waits, then must see those rows although its statement
    began before they were committed. The same activities: stored once, no error. The same
    event id (a copied journal), rejected on the laptop (a push that changes nothing in the
    participant's state): a duplicate on the office, not a second row with that id."""
    laptop, office = offline_store(tmp_path), offline_store(tmp_path)
    if case == "same_activities":
        bodies = []
        for store in (laptop, office):
            play(store, UNLOCKED[:6])
            events = [EventEnvelope.of(e) for e in store.unconfirmed()]
            bodies.append(SyncRequest(device_id=store.device_id, events=events))
    else:
        play(laptop, UNLOCKED[1:2])
        (event,) = [EventEnvelope.of(e) for e in laptop.unconfirmed()]
        broken = event.model_copy(update={"payload": {"activity_id": 7}})
        copied = broken.model_copy(update={"device_id": office.device_id})
        bodies = [
            SyncRequest(device_id=laptop.device_id, events=[broken]),
            SyncRequest(device_id=office.device_id, events=[copied]),
        ]
    results: dict[str, Any] = {}

    def sync(name: str, http: httpx.Client, auth: dict[str, str], body: SyncRequest) -> None:
        response = post_sync(http, auth, body)
        results[name] = response.text
        if response.status_code == 200:
            results[name] = SyncResponse.model_validate_json(response.content)

    with (
        signed_in(demo_server, laptop) as (laptop_http, laptop_auth),
        signed_in(demo_server, office) as (office_http, office_auth),
        HeldWrite(demo_server) as held,
    ):
        first = threading.Thread(target=sync, args=("laptop", laptop_http, laptop_auth, bodies[0]))
        first.start()
        assert held.written.wait(60), "the laptop's write never ran"
        second = threading.Thread(target=sync, args=("office", office_http, office_auth, bodies[1]))
        second.start()
        deadline = time.monotonic() + 30
        while not _waiting_for_a_lock(demo_server):
            assert time.monotonic() < deadline, "the office's sync never waited for the lock"
            time.sleep(0.02)
        held.release()
        first.join(60)
        second.join(60)
    assert all(isinstance(r, SyncResponse) for r in results.values()), results
    laptop_sync, office_sync = results["laptop"], results["office"]
    if case == "same_activities":
        assert laptop_sync.rejections == office_sync.rejections == []
        done = {s.activity_id for s in UNLOCKED[:6]} - {"video-sambutan"}
        with demo_server.engine.connect() as connection:
            rows = connection.execute(select(ActivityState)).all()
        assert sorted(r.activity_id for r in rows) == sorted(done)
        standing = [c for c in office_sync.changes if isinstance(c, StandingRecomputedChange)]
        assert sorted(standing[-1].standing.completed_activities) == sorted(done)
    else:
        assert [r.reason.code for r in laptop_sync.rejections] == ["sync.malformed_event"]
        assert [r.reason.code for r in office_sync.rejections] == ["sync.duplicate_event"]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("unknown_token", 401, "auth.token_invalid"),
        ("unknown_token_malformed_body", 401, "auth.token_invalid"),
        ("unknown_token_another_devices_events", 401, "auth.token_invalid"),
        ("expired_token", 401, "auth.token_expired"),
        ("revoked_token", 401, "auth.token_invalid"),
        ("revoked_device", 403, "auth.device_revoked"),
        ("another_devices_token", 403, "sync.wrong_device"),
    ],
)
def test_a_push_with_a_token_that_is_not_valid_is_refused_and_stores_nothing(
    demo_server: RunningServer, tmp_path: Path, case: str, status: int, code: str
) -> None:
    """On PostgreSQL a push's token is checked by the statement that locks the participant
    (its body parsed first): every refusal of the check made on its own still holds, and a
    body that does not parse is still refused for its token first."""
    store, other = offline_store(tmp_path), offline_store(tmp_path)
    play(store, UNLOCKED[:3])
    body = SyncRequest(
        device_id=store.device_id, events=[EventEnvelope.of(e) for e in store.unconfirmed()]
    )
    content = body.model_dump_json().encode()
    with signed_in(demo_server, store) as (http, auth):
        with signed_in(demo_server, other) as (_, other_auth):
            pass
        if case.startswith("unknown_token"):
            auth = {"Authorization": "Bearer ac_not-a-token"}
            if case.endswith("malformed_body"):
                content = content.replace(b'"seq":1', b'"seq":"one"')
            elif case.endswith("another_devices_events"):  # each event's device is checked too
                content = content.replace(
                    f'"device_id":"{store.device_id}","seq"'.encode(),
                    f'"device_id":"{other.device_id}","seq"'.encode(),
                )
                assert str(other.device_id).encode() in content
        elif case == "another_devices_token":
            auth = other_auth
        else:
            with demo_server.engine.begin() as connection:
                if case == "revoked_device":
                    connection.execute(
                        update(Device)
                        .where(col(Device.device_id) == str(store.device_id))
                        .values(revoked_at=datetime.now(UTC))
                    )
                elif case == "expired_token":
                    past = datetime.now(UTC) - timedelta(minutes=1)
                    connection.execute(update(Token).values(expires_at=past))
                else:
                    connection.execute(update(Token).values(revoked_at=datetime.now(UTC)))
        response = post_sync(http, auth, content)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    with demo_server.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(EventRow)).scalar() == 0
        assert connection.execute(select(func.count()).select_from(ActivityState)).scalar() == 0


def test_unlock_27_then_28(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("27"))
    take_attempt(store, 20)
    with signed_in(demo_server, store) as (http, auth):
        result = push(http, auth, store)
        assert [r.reason.code for r in result.rejections] == ["sync.evaluation_locked"]
        assert result.rejections[0].reason.params["trophies"].value == "27"
        store.apply_response(result)
        play(store, demo.RECIPES["28"].own_steps())
        take_attempt(store, 20)
        result = push(http, auth, store, cursor=result.cursor)
        assert result.rejections == []
        (graded,) = [c for c in result.changes if isinstance(c, AttemptGradedChange)]
        assert graded.attempt.number == 1  # the rejected attempt used no number


def test_attempt_4_with_191_of_200_scores_90_01(server: RunningServer, tmp_path: Path) -> None:
    variant = VARIANT  # every question in each attempt, no daily limit
    load_demo(server, variant)
    store = offline_store(tmp_path, variant)
    play(store, UNLOCKED)
    for correct in (100, 110, 120, 191):
        take_attempt(store, correct, keys_from=variant)
    with signed_in(server, store) as (http, auth):
        result = push(http, auth, store)
    graded = [c.attempt for c in result.changes if isinstance(c, AttemptGradedChange)]
    assert [(a.number, a.raw_score, a.cap, a.score) for a in graded] == [
        (1, Decimal("50.00"), Decimal("100.00"), Decimal("50.00")),
        (2, Decimal("55.00"), Decimal("100.00"), Decimal("55.00")),
        (3, Decimal("60.00"), Decimal("100.00"), Decimal("60.00")),
        (4, Decimal("95.50"), Decimal("90.01"), Decimal("90.01")),
    ]


def test_passing_needs_every_condition(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("31"))  # complete, 31 trophies
    take_attempt(store, 20)  # 100: a good score
    with signed_in(demo_server, store) as (http, auth):
        result = push(http, auth, store)
        assert not [c for c in result.changes if isinstance(c, PassedChange)]
        store.apply_response(result)
        play(store, demo.RECIPES["32-optional"].own_steps())
        result = push(http, auth, store, cursor=result.cursor)
        (passed,) = [c for c in result.changes if isinstance(c, PassedChange)]
        assert passed.final_score == Decimal("100.00")
        standing = [c for c in result.changes if isinstance(c, StandingRecomputedChange)][-1]
        assert standing.standing.passed_at == passed.passed_at
        assert abs((passed.passed_at - datetime.now(UTC)).total_seconds()) < 60


def test_isolation_between_participants(demo_server: RunningServer, tmp_path: Path) -> None:
    budi, siti = offline_store(tmp_path), offline_store(tmp_path)
    play(budi, UNLOCKED[:4])
    play(siti, UNLOCKED[:9])
    with (
        signed_in(demo_server, budi, BUDI) as (budi_http, budi_auth),
        signed_in(demo_server, siti, SITI) as (siti_http, siti_auth),
    ):
        push(siti_http, siti_auth, siti)
        mine = push(budi_http, budi_auth, budi)
        standing = [c for c in mine.changes if isinstance(c, StandingRecomputedChange)][-1]
        assert len(standing.standing.completed_activities) == 3  # welcome is a flag
        # Budi's token with Siti's device: refused, nothing read or written
        body = SyncRequest(device_id=siti.device_id, events=[])
        refused = post_sync(budi_http, budi_auth, body)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "sync.wrong_device"
        # Budi pushing events that claim Siti's device inside his own request: refused
        forged = [
            EventEnvelope.of(e).model_copy(update={"device_id": siti.device_id})
            for e in budi.unconfirmed()
        ]
        body = SyncRequest(device_id=budi.device_id, events=forged)
        response = post_sync(budi_http, budi_auth, body)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "sync.wrong_device"
        theirs = push(siti_http, siti_auth, siti, events=[])
        assert theirs.processed_count == len(siti.unconfirmed())


def test_participant_command(demo_server: RunningServer, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("32-retake"))
    take_attempt(store, 16)
    with signed_in(demo_server, store) as (http, auth):
        push(http, auth, store)
    settings = demo_server.settings
    args = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    assert server_cli([*args, "participant", BUDI["nip"]]) == 0
    out = capsys.readouterr().out
    assert BUDI["name"] in out
    assert "Trofi: 32 dari 50" in out
    assert "Percobaan ke-1: nilai mentah 80,00, batas 100,00, nilai 80,00" in out
    assert "Lulus pada" in out
    assert "Sertifikat belum terbit" in out
    assert server_cli([*args, "participant", "199001012026011999"]) == 1


def test_a_reused_seq_is_refused_not_confirmed(demo_server: RunningServer, tmp_path: Path) -> None:
    """A journal restored from a backup reuses seqs: the server says so (409)."""
    store = offline_store(tmp_path)
    play(store, UNLOCKED[:3])
    with signed_in(demo_server, store) as (http, auth):
        push(http, auth, store)
        reused = store.unconfirmed()[1].model_copy(update={"id": uuid.uuid4()})
        body = SyncRequest(device_id=store.device_id, events=[EventEnvelope.of(reused)])
        response = post_sync(http, auth, body)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "sync.seq_conflict"


def test_a_seq_stored_without_its_id_is_not_confirmed_for_another_event(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """A duplicate event id is stored without the id. The same seq resent with that id is
    the same event (a no-op); under an id the server never stored, it is another event (a
    restored journal): 409, as for a seq stored under another id."""
    store = offline_store(tmp_path)
    play(store, UNLOCKED[:3])
    first, second, _ = store.unconfirmed()
    twin = second.model_copy(update={"id": first.id})  # seq 2 came with seq 1's id
    with signed_in(demo_server, store) as (http, auth):
        result = push(http, auth, store, events=[first, twin])
        assert [(r.seq, r.reason.code) for r in result.rejections] == [(2, "sync.duplicate_event")]
        assert (result.acked_seq, result.processed_count) == (2, 2)
        again = push(http, auth, store, events=[first, twin])  # a lost answer: resent
        assert (again.acked_seq, again.processed_count) == (2, 2)
        other = SyncRequest(device_id=store.device_id, events=[EventEnvelope.of(second)])
        response = post_sync(http, auth, other)
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "sync.seq_conflict"
        assert response.json()["error"]["params"]["seq"]["value"] == "2"
        assert push(http, auth, store, events=[]).processed_count == 2


def test_attempt_and_event_ids_belong_to_their_participant(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Another participant's attempt id or event id is no duplicate: the attempt is graded."""
    budi, siti = offline_store(tmp_path), offline_store(tmp_path)
    for store in (budi, siti):
        play(store, UNLOCKED)
    his = take_attempt(budi, 20)
    with signed_in(demo_server, budi, BUDI) as (http, auth):
        assert push(http, auth, budi).rejections == []
    same_attempt_id = take_attempt(siti, 10)
    same_attempt_id = same_attempt_id.model_copy(
        update={
            "payload": same_attempt_id.payload.model_copy(
                update={"attempt_id": his.payload.attempt_id}
            )
        }
    )
    same_event_id = take_attempt(siti, 15).model_copy(update={"id": his.id})
    events = [e for e in siti.unconfirmed() if e.seq < same_attempt_id.seq]
    with signed_in(demo_server, siti, SITI) as (http, auth):
        result = push(http, auth, siti, events=[*events, same_attempt_id, same_event_id])
    assert result.rejections == []
    graded = [c.attempt for c in result.changes if isinstance(c, AttemptGradedChange)]
    assert [(a.number, a.attempt_id, a.raw_score) for a in graded] == [
        (1, his.payload.attempt_id, Decimal("50.00")),
        (2, same_event_id.payload.attempt_id, Decimal("75.00")),
    ]
    with demo_server.engine.connect() as connection:
        rows = connection.execute(
            select(Attempt.attempt_id, Attempt.raw_score).order_by(Attempt.raw_score)
        ).all()
    assert [(row.attempt_id, row.raw_score) for row in rows] == [
        (str(his.payload.attempt_id), Decimal("50.00")),
        (str(same_event_id.payload.attempt_id), Decimal("75.00")),
        (str(his.payload.attempt_id), Decimal("100.00")),  # his, untouched
    ]


def test_a_rejected_welcome_leaves_no_trace(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    event = store.watch_welcome()
    bad = event.model_copy(
        update={"payload": event.payload.model_copy(update={"package_version": 99})}
    )
    with signed_in(demo_server, store) as (http, auth):
        result = push(http, auth, store, events=[bad])
    assert [r.reason.code for r in result.rejections] == ["sync.unknown_package_version"]
    standing = [c for c in result.changes if isinstance(c, StandingRecomputedChange)][-1]
    assert standing.standing.welcome_watched is False


def test_every_page_that_confirms_carries_the_standing(
    server_settings: Settings, tmp_path: Path
) -> None:
    import dataclasses

    settings = dataclasses.replace(server_settings, sync_page_size=3)
    with running_server(settings) as running:
        load_demo(running)
        store = offline_store(tmp_path)
        play(store, UNLOCKED)
        with signed_in(running, store) as (http, auth):
            first = push(http, auth, store)
        assert first.more
        store.apply_response(first)  # the link drops after the first page
        assert store.unconfirmed() == []
        assert store.progress().trophies == 28  # confirmed work is still shown


def test_an_oversized_body_is_refused(demo_server: RunningServer, tmp_path: Path) -> None:
    store = offline_store(tmp_path)
    with signed_in(demo_server, store) as (http, auth):
        response = post_sync(http, auth, b" " * (17 * 1024 * 1024))
    assert response.status_code == 413


def journal_attempts(store: Any, count: int, package_path: Path = DEMO_PACKAGE) -> None:
    """``count`` submitted attempts (half the answers right) appended to the profile's
    journal in one transaction, as ``submit_attempt`` appends one (which takes three
    transactions: minutes for a thousand)."""
    from latsar_desktop.domain.draw import new_seed
    from latsar_desktop.domain.grading import drawn_questions
    from latsar_desktop.domain.protocol import AttemptSubmitted
    from latsar_desktop.store.database import write
    from latsar_desktop.store.profile_tables import JournalRow

    package = demo_package(package_path)  # the server's copy: it has the keys
    last = max(e.seq for e in store.journal())
    at = datetime.now(UTC)
    with write(store.engine) as session:
        for i in range(1, count + 1):
            seed = new_seed()
            questions = drawn_questions(package.evaluation, seed)
            answers = {
                q.id: q.answer if j % 2 else next(c.id for c in q.choices if c.id != q.answer)
                for j, q in enumerate(questions)
            }
            payload = AttemptSubmitted(
                attempt_id=uuid.uuid4(),
                package_version=package.version,
                seed=seed,
                question_order=[q.id for q in questions],
                answers=answers,
                elapsed_seconds=600,
                started_at=at - timedelta(seconds=600),
            )
            session.add(
                JournalRow(
                    id=str(uuid.uuid4()),
                    device_id=str(store.device_id),
                    seq=last + i,
                    type="attempt.submitted",
                    at=at,
                    payload=payload.model_dump_json(),
                    status="pending",
                )
            )


@pytest.fixture
def server_of_small_parts(database_url: str, tmp_path: Path) -> Iterator[RunningServer]:
    """A server that processes at most 200 events per sync request (500 by default)."""
    settings = Settings(
        database_url=database_url, data_dir=tmp_path / "server-data", sync_max_events=200
    )
    with running_server(settings) as running:
        yield running


def test_a_thousand_attempts_are_acked_in_parts_while_a_sign_in_goes_through(
    server_of_small_parts: RunningServer, tmp_path: Path
) -> None:
    """The client pushes 1,000+ events in one run; the server processes at most
    ``sync_max_events`` of them per request and acks that part, the client goes on from
    acked_seq + 1, and the sanity check holds. A sign-in sent while the sync runs (on
    SQLite it needs the same write lock) answers 200 and is written between two parts:
    it waits for one bounded write, not for the whole sync. (The test package: no daily
    grading limit, so every attempt is graded as it comes.)"""
    from latsar_desktop.sync.api import ApiClient
    from latsar_desktop.sync.engine import SyncEngine

    server = server_of_small_parts
    load_demo(server, VARIANT)
    store = offline_store(tmp_path, VARIANT)
    play(store, UNLOCKED)
    journal_attempts(store, 1000, VARIANT)
    total = len(store.unconfirmed())
    limit = server.settings.sync_max_events
    assert total > 1000
    assert limit * 4 < total

    sign_in: list[int] = []
    signed_in_event = threading.Event()

    def another_device_signs_in() -> None:
        with client(server) as http:
            sign_in.append(
                http.post(
                    "/api/v1/auth/login",
                    json={
                        "nip": BUDI["nip"],
                        "nik": BUDI["nik"],
                        "device_id": str(uuid.uuid4()),
                        "device_name": "PC kantor",
                    },
                ).status_code
            )
        signed_in_event.set()

    thread = threading.Thread(target=another_device_signs_in)
    done: list[int] = []

    def progress(acked: int, _total: int) -> None:
        done.append(acked)
        if len(done) == 2:  # the first part is acked: sign in while the next ones are sent
            thread.start()
        if len(done) == 4:  # let the sign-in finish before the sync goes on past part 3
            assert signed_in_event.wait(timeout=120)

    api = ApiClient(server.url, store.device_id, timeout=60)
    api.login(BUDI["nip"], BUDI["nik"], "PC uji")
    sent: list[int] = []
    real_sync = api.sync

    def counting_sync(request: SyncRequest | bytes, **options: Any) -> SyncResponse:
        parsed = SyncRequest.model_validate_json(request) if isinstance(request, bytes) else request
        sent.append(len(parsed.events))
        return real_sync(request, **options)

    api.sync = counting_sync  # type: ignore[method-assign]
    report = SyncEngine(api, store, progress=progress).run()
    thread.join(timeout=120)
    api.close()

    assert sign_in == [200]
    assert (report.pushed, report.rejected) == (total, 0)
    assert report.consistent
    assert report.server_count == total
    assert store.unconfirmed() == []
    parts = [b - a for a, b in itertools.pairwise(done) if b > a]
    assert len(parts) == -(-total // limit)
    assert max(parts) == limit
    # after the first partial ack the client sends no more than the server takes
    assert sent[0] > limit
    assert max(sent[1:]) == limit
    assert sum(sent[1:]) == total - limit
    with server.engine.connect() as connection:
        numbers = connection.execute(select(Attempt.number).order_by(Attempt.number)).scalars()
        assert list(numbers) == list(range(1, 1001))
        log = connection.execute(
            select(ChangeRow.type).order_by(ChangeRow.cursor)  # Budi's log: his only
        ).scalars()
        kinds = list(log)
    # the sign-in's own change sits between two parts' graded attempts
    devices = [i for i, kind in enumerate(kinds) if kind == "devices.changed"]
    assert len(devices) == 2  # this device's sign-in, then the other one's
    assert "attempt.graded" in kinds[: devices[1]]
    assert "attempt.graded" in kinds[devices[1] :]
