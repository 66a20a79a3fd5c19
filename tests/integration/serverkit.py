"""Helpers for tests that talk to the real server over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from latsar_desktop.demo import load_demo_course
from latsar_desktop.domain.protocol import HEADER_APP_VERSION, HEADER_PROTOCOL, PROTOCOL_VERSION
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_server.settings import Settings
from tests.servers import RunningServer, ServerProcess, dead_url, running_server

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo_course"
DEMO_PACKAGE = DEMO / "package.json"
DEMO_PARTICIPANTS = DEMO / "participants.csv"
HEADERS = {HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_APP_VERSION: "test"}


def demo_people() -> list[dict[str, str]]:
    import csv

    with DEMO_PARTICIPANTS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_demo(server: RunningServer, package: Path = DEMO_PACKAGE) -> None:
    """A signing key, the demo course and the demo participants, as an operator would
    (``latsar_desktop.demo.load_demo_course``, as the demo's embedded server does)."""
    load_demo_course(server.engine, server.settings, workers=2, package=package)


def sqlite_settings(folder: Path, **overrides: Any) -> Settings:
    """A server's settings on SQLite in ``folder`` (server.db, server-data/); ``overrides``:
    other settings (``min_protocol=…``, ``update_url=…``)."""
    return Settings(
        **{
            "database_url": f"sqlite:///{folder / 'server.db'}",
            "data_dir": folder / "server-data",
            **overrides,
        }
    )


@contextmanager
def sqlite_demo_server(
    folder: Path, machine: MachineStore | None = None, **overrides: Any
) -> Iterator[RunningServer]:
    """The real server on 127.0.0.1 on SQLite in ``folder`` (``sqlite_settings``), with the
    demo course and people loaded, and this computer's ``machine`` (if given) pointed at
    it; stopped at the end (the machine keeps its address: then it is offline)."""
    with running_server(sqlite_settings(folder, **overrides)) as server:
        load_demo(server)
        if machine is not None:
            machine.set_setting(SERVER_URL_SETTING, server.url)
        yield server


@contextmanager
def demo_server_process(folder: Path) -> Iterator[RunningServer]:
    """The demo course's server as an operator runs it: ``latsar-server serve`` in a
    process of its own (its threads are not this process's, which the leak check would
    flag), on a SQLite database in ``folder``."""
    from latsar_server.database import migrate

    settings = sqlite_settings(folder)
    migrate(settings.database_url)
    loader = RunningServer("not served yet", settings)
    load_demo(loader)
    loader.engine.dispose()
    served = ServerProcess.start(settings.database_url, settings.data_dir, workers=1)
    running = RunningServer(served.url, settings)
    try:
        yield running
    finally:
        served.stop()
        running.engine.dispose()


def client(server: RunningServer, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={**HEADERS, **headers}, timeout=30)


def login(
    http: httpx.Client, person: dict[str, str], device: uuid.UUID | None = None
) -> dict[str, Any]:
    response = http.post(
        "/api/v1/auth/login",
        json={
            "nip": person["nip"],
            "nik": person["nik"],
            "device_id": str(device or uuid.uuid4()),
            "device_name": "PC uji",
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['tokens']['access_token']}"}


# ------------------------------------------------------------------------- offline clients


def demo_package(path: Path = DEMO_PACKAGE):  # type: ignore[no-untyped-def]
    from latsar_desktop.domain.course import parse_package

    return parse_package(path.read_text(encoding="utf-8"))


def offline_store(folder: Path, package_path: Path = DEMO_PACKAGE):  # type: ignore[no-untyped-def]
    """A participant's profile database with the package as a client would have it."""
    from latsar_desktop.store.profile import ProfileStore

    store = ProfileStore(folder / f"{uuid.uuid4()}.db", uuid.uuid4())
    store.save_package(demo_package(package_path).without_evaluation_keys())
    return store


def play(store, steps) -> None:  # type: ignore[no-untyped-def]
    """Replay a recipe of tests/recipes.py on a profile, offline."""
    package = store.package()
    for step in steps:
        if step.activity_id == package.welcome_video.id:
            store.watch_welcome()
            continue
        activity = package.activity(step.activity_id)
        if step.correct is None:
            store.complete_activity(activity.id)
        else:
            store.record_practice(
                activity.id,
                {
                    q.id: (q.answer if i < step.correct else _wrong(q))
                    for i, q in enumerate(activity.questions)
                },
            )


def _wrong(question) -> str:  # type: ignore[no-untyped-def]
    return next(c.id for c in question.choices if c.id != question.answer)


def take_attempt(
    store,
    correct: int,
    *,
    keys_from: Path = DEMO_PACKAGE,  # type: ignore[no-untyped-def]
    elapsed: int = 600,
):
    """An offline evaluation attempt: the questions drawn for it, the first ``correct`` of
    them answered right and the others wrong (keys from the server copy)."""
    keys = {q.id: q for q in demo_package(keys_from).evaluation.questions}
    attempt = store.start_attempt()
    answers = {
        question_id: (keys[question_id].answer if i < correct else _wrong(keys[question_id]))
        for i, question_id in enumerate(store.attempt_questions(attempt))
    }
    store.save_draft(attempt, answers, elapsed)
    return store.submit_attempt(attempt)


def push(
    http: httpx.Client,
    auth: dict[str, str],
    store,
    *,
    events=None,  # type: ignore[no-untyped-def]
    cursor: int = 0,
):
    """One sync request with the store's unconfirmed events (or ``events``)."""
    from latsar_desktop.domain.protocol import EventEnvelope, SyncRequest, SyncResponse

    pending = store.unconfirmed() if events is None else events
    body = SyncRequest(
        device_id=store.device_id, events=[EventEnvelope.of(e) for e in pending], cursor=cursor
    )
    response = post_sync(http, auth, body)
    assert response.status_code == 200, response.text
    return SyncResponse.model_validate_json(response.content)


def post_sync(http: httpx.Client, auth: dict[str, str], body) -> httpx.Response:  # type: ignore[no-untyped-def]
    """POST a SyncRequest (or raw bytes) to /api/v1/sync; the raw answer, whatever it is."""
    content = body if isinstance(body, bytes) else body.model_dump_json()
    return http.post(
        "/api/v1/sync", content=content, headers={**auth, "Content-Type": "application/json"}
    )


def engine_for(  # type: ignore[no-untyped-def]
    server: RunningServer,
    store,
    person: dict[str, str],
    url: str | None = None,
    timeout: float = 10.0,
):
    """A signed-in API client and sync engine for a bare profile database (no machine.db),
    assembled by the session as the app assembles them (``ParticipantSession.attach``)."""
    from latsar_desktop.session.participant import ParticipantSession, SessionOptions
    from latsar_desktop.sync.api import ApiClient

    api = ApiClient(url or server.url, store.device_id, timeout=timeout)
    api.login(person["nip"], person["nik"], "PC uji")
    session = ParticipantSession.attach(store, api, options=SessionOptions(batch_size=50))
    return session.api, session.engine


def sign_in(  # type: ignore[no-untyped-def]
    machine,
    url: str | None,
    person: dict[str, str],
    *,
    nik: str | None = None,
    device_name: str = "PC uji",
    **options,
):
    """A participant signed in on a computer (``machine``) whose server address is ``url``
    (None: no address set), as the app signs in: ``ParticipantSession.sign_in``."""
    from latsar_desktop.session.participant import ParticipantSession
    from latsar_desktop.sync.api import SERVER_URL_SETTING

    if url is not None:
        machine.set_setting(SERVER_URL_SETTING, url)
    return ParticipantSession.sign_in(
        machine, person["nip"], nik or person["nik"], device_name=device_name, **options
    )


def signed_in_offline(  # type: ignore[no-untyped-def]
    machine: MachineStore, url: str, person: dict[str, str]
):
    """``person`` signed in with the server out of reach: the profile made by one online
    sign-in to ``url``, then the server's address one where nothing answers."""
    sign_in(machine, url, person).sign_out()
    machine.set_setting(SERVER_URL_SETTING, dead_url())
    session = sign_in(machine, None, person)
    assert not session.online
    return session


def server_view(server: RunningServer, nip: str):  # type: ignore[no-untyped-def]
    """The server's authoritative view of a participant (package, standing, progress)."""
    from sqlmodel import select

    from latsar_server.database import transaction
    from latsar_server.sync.standing import current_view, lock_participant
    from latsar_server.tables import Participant

    with transaction(server.engine) as session:
        participant = session.exec(select(Participant).where(Participant.nip == nip)).one()
        assert participant.id is not None
        return current_view(session, participant, lock_participant(session, participant.id))
