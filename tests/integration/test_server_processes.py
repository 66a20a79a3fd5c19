"""Several server processes, one PostgreSQL database, nothing else shared (issue 19).

Two ``latsar-server serve`` processes, each started on its own (no common parent but
pytest), with its own port and its own data folder, serve one participant's two devices at
the same moment; and two ``latsar-server issue-certificates`` processes started together
issue each certificate once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text
from sqlmodel import col

from latsar_desktop.domain.protocol import EventType, SyncResponse
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_server.certificates.issuance import _next_serial
from latsar_server.database import make_engine, migrate, transaction
from latsar_server.settings import Settings
from latsar_server.tables import (
    Attempt,
    Certificate,
    CertificateCounter,
    ChangeRow,
    EventRow,
    Participant,
    ParticipantProgress,
)
from tests import recipes as demo
from tests.integration.serverkit import (
    DEMO,
    DEMO_PACKAGE,
    HEADERS,
    bearer,
    demo_people,
    load_demo,
    login,
    offline_store,
    play,
    push,
    take_attempt,
)
from tests.servers import PostgresCluster, RunningServer, ServerProcess, running_server

VARIANT = DEMO / "package-200.json"  # every question in each attempt, no daily limit
ROUNDS = 2
ATTEMPTS_PER_ROUND = 2  # per device


@pytest.fixture
def postgres_url(postgres: PostgresCluster | None) -> str:
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (CI fails instead of skipping)")
    return postgres.new_database()


@pytest.fixture(scope="module")
def shared_url(postgres: PostgresCluster | None) -> str:
    """The one database of ``two_servers`` (tests there use different participants)."""
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (CI fails instead of skipping)")
    return postgres.new_database()


@pytest.fixture(scope="module")
def two_servers(
    shared_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServerProcess]]:
    """Two separate ``serve`` processes on one database; each has its own (empty) data
    folder, so nothing but PostgreSQL is shared between them."""
    tmp_path = tmp_path_factory.mktemp("two-servers")
    migrate(shared_url)
    loader = RunningServer("not served", Settings(shared_url, tmp_path / "operator-data"))
    load_demo(loader, VARIANT)
    loader.engine.dispose()
    served: list[ServerProcess] = []
    try:
        for name in ("a", "b"):
            data_dir = tmp_path / f"process-{name}"
            log = tmp_path / f"process-{name}.log"
            served.append(ServerProcess.start(shared_url, data_dir, 1, log=log))
        yield served
    finally:
        for process in served:
            process.stop()


def _send_everywhere(
    clients: list[httpx.Client], auths: list[dict[str, str]], devices: list[Any]
) -> list[tuple[int, SyncResponse]]:
    """Every device sends its unconfirmed events through every process, all at once;
    the answers, by device."""
    pairs = [(d, c) for d in range(len(devices)) for c in range(len(clients))]
    barrier = threading.Barrier(len(pairs))
    answers: list[tuple[int, SyncResponse]] = []
    errors: list[BaseException] = []

    def send(device: int, process: int) -> None:
        try:
            barrier.wait(timeout=30)
            answer = push(clients[process], auths[device], devices[device])
            assert answer.rejections == []
            answers.append((device, answer))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(answers) == len(pairs)
    return answers


def test_two_processes_number_one_participants_attempts_without_gaps(
    two_servers: list[ServerProcess], shared_url: str, tmp_path: Path
) -> None:
    """Each device signs in through its own process, then sends every batch through both
    processes at once (as a retry that lands on the other process would): attempts are
    numbered 1..N and every event is stored once."""
    budi = demo_people()[0]
    devices = [offline_store(tmp_path, VARIANT) for _ in range(2)]
    for store in devices:
        play(store, demo.recipe_steps("28"))
    clients = [
        httpx.Client(base_url=process.url, headers=HEADERS, timeout=60) for process in two_servers
    ]
    # device 0 signs in through process a, device 1 through process b; each token is then
    # used on both processes
    auths = [
        bearer(login(http, budi, store.device_id))
        for http, store in zip(clients, devices, strict=True)
    ]
    sent: Counter[str] = Counter()
    for round_number in range(ROUNDS):
        for store in devices:
            for i in range(ATTEMPTS_PER_ROUND):
                take_attempt(store, 10 + round_number * 4 + i, keys_from=VARIANT)
        for store in devices:
            sent.update(str(event.id) for event in store.unconfirmed())
        answers = _send_everywhere(clients, auths, devices)
        for device, answer in sorted(answers, key=lambda pair: pair[1].cursor):
            devices[device].apply_response(answer)
    for index, store in enumerate(devices):
        http = clients[1 - index]  # the rest through the other process
        final = push(http, auths[index], store, cursor=store.sync_status().cursor)
        store.apply_response(final)
    for http in clients:
        http.close()

    engine = make_engine(shared_url)
    try:
        with engine.connect() as connection:
            (participant_id,) = connection.execute(
                select(col(Participant.id)).where(col(Participant.nip) == budi["nip"])
            ).one()
            attempts = connection.execute(
                select(Attempt).where(col(Attempt.participant_id) == participant_id)
            ).all()
            events = connection.execute(
                select(col(EventRow.event_id), col(EventRow.type), col(EventRow.outcome)).where(
                    col(EventRow.participant_id) == participant_id
                )
            ).all()
            numbered = connection.execute(
                select(col(ParticipantProgress.attempts_numbered)).where(
                    col(ParticipantProgress.participant_id) == participant_id
                )
            ).scalar_one()
    finally:
        engine.dispose()
    total = len(devices) * ROUNDS * ATTEMPTS_PER_ROUND
    assert sorted(a.number for a in attempts) == list(range(1, total + 1))
    assert numbered == total
    for attempt in attempts:
        assert attempt.cap == cap_for_attempt(attempt.number)
        assert attempt.score == min(attempt.raw_score, attempt.cap)
    # every event sent (twice) is stored once, under its own id, and none is a duplicate
    assert Counter(e.event_id for e in events) == Counter(dict.fromkeys(sent, 1))
    assert "rejected" not in {e.outcome for e in events}
    submitted = [e for e in events if e.type == EventType.ATTEMPT_SUBMITTED]
    assert [e.outcome for e in submitted] == ["accepted"] * total
    for store in devices:
        assert store.unconfirmed() == []
        assert len(store.standing().attempts) == total


def test_a_lost_refresh_answer_retried_through_the_other_process(
    two_servers: list[ServerProcess],
) -> None:
    """Within the grace window a refresh token used again answers its one successor, on
    whichever process the retry lands."""
    siti = demo_people()[1]
    device = uuid.uuid4()
    first, other = (
        httpx.Client(base_url=process.url, headers=HEADERS, timeout=60) for process in two_servers
    )
    with first, other:
        refresh_token = login(first, siti, device)["tokens"]["refresh_token"]
        body = {"refresh_token": refresh_token, "device_id": str(device)}
        rotated = first.post("/api/v1/auth/refresh", json=body)
        assert rotated.status_code == 200, rotated.text
        # the answer was lost on the way; the device retries, through the other process
        retried = other.post("/api/v1/auth/refresh", json=body)
        assert retried.status_code == 200, retried.text
        assert retried.json()["tokens"] == rotated.json()["tokens"]


# ------------------------------------------------------------------------- issuance


def _all_passed(server: RunningServer, tmp_path: Path, people: list[dict[str, str]]) -> None:
    """Every participant studied, passed and synced, as in test_certificates.py, but with
    one journal played offline once and sent by each participant in turn (the server files
    events under the signed-in participant; event ids are unique per participant)."""
    store = offline_store(tmp_path, DEMO_PACKAGE)
    play(store, demo.recipe_steps("32-retake"))
    take_attempt(store, 16)  # 80.00
    journal = store.unconfirmed()
    with httpx.Client(base_url=server.url, headers=HEADERS, timeout=60) as http:
        for person in people:
            answer = push(http, bearer(login(http, person, store.device_id)), store, events=journal)
            assert answer.rejections == []
            assert answer.acked_seq == journal[-1].seq
    with server.engine.connect() as connection:
        passed = connection.execute(
            select(func.count()).where(col(ParticipantProgress.passed_at).is_not(None))
        ).scalar_one()
    assert passed == len(people)


def _issue_command(settings: Settings, now: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "latsar_server.cli",
        "--database-url",
        settings.database_url,
        "--data-dir",
        str(settings.data_dir),
        "issue-certificates",
        "--now",
        now,
    ]


def test_two_issuance_runs_at_once_issue_each_certificate_once(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=postgres_url, data_dir=tmp_path / "server-data")
    people = demo_people()
    with running_server(settings) as server:
        load_demo(server)
        _all_passed(server, tmp_path, people)
        with server.engine.connect() as connection:
            latest = connection.execute(
                select(func.max(ParticipantProgress.passed_at))
            ).scalar_one()
    assert latest is not None
    due = (latest + timedelta(days=20)).isoformat()
    command = _issue_command(settings, due)
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
    printed = [line for out, _err in outputs for line in out.splitlines() if "/" in line]

    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            certificates = connection.execute(
                select(col(Certificate.number), col(Certificate.participant_id))
            ).all()
            counters = connection.execute(
                select(col(CertificateCounter.year), col(CertificateCounter.last))
            ).all()
            issued_changes = connection.execute(
                select(col(ChangeRow.participant_id)).where(
                    col(ChangeRow.type) == "certificate.issued"
                )
            ).all()
            participants = connection.execute(select(func.count()).select_from(Participant))
            participant_count = participants.scalar_one()
    finally:
        engine.dispose()
    assert participant_count == len(people)
    # one certificate per participant, announced once, printed by exactly one of the runs
    assert sorted(c.participant_id for c in certificates) == sorted(
        {c.participant_id for c in certificates}
    )
    assert len(certificates) == len(people)
    assert Counter(row.participant_id for row in issued_changes) == Counter(
        c.participant_id for c in certificates
    )
    assert sorted(printed) == sorted(c.number for c in certificates)
    # numbers LATSAR/<year>/000001 … without a gap, and the counter agrees
    ((year, last),) = counters
    assert last == len(people)
    assert sorted(c.number for c in certificates) == [
        settings.certificate_number_format.format(year=year, serial=serial)
        for serial in range(1, len(people) + 1)
    ]


def test_the_first_serial_of_a_year_numbered_by_two_runs_at_once(postgres_url: str) -> None:
    """Two runs number the year's first certificates at once (each for another
    participant): the second waits for the first and takes serial 2."""
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    serials: list[int] = []
    errors: list[BaseException] = []

    def second_run() -> None:
        try:
            with transaction(engine) as session:
                serials.append(_next_serial(session, 2027))
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    try:
        with transaction(engine) as session:
            serials.append(_next_serial(session, 2027))
            thread = threading.Thread(target=second_run)
            thread.start()
            _wait_until_blocked(engine, thread)  # then the first run commits
        thread.join(timeout=60)
    finally:
        engine.dispose()
    if errors:
        raise errors[0]
    assert serials == [1, 2]


def _wait_until_blocked(engine: Engine, thread: threading.Thread) -> None:
    """Until another session waits for a lock (the second run behind the first)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 60
    while thread.is_alive() and time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(waiting).scalar_one():
                return
        time.sleep(0.05)
