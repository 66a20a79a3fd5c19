"""Holes found from outside (issue 13, items 3, 4 and 5), over HTTP on the real server.

- Every request body has a limit, enforced before the body is read: a Content-Length over
  it is refused before the app reads a byte, a chunked body as soon as the running count
  passes it (``BodyLimit`` in latsar_server/api/middleware.py). Sync keeps its own, larger limit.
- ``X-Latsar-Protocol`` is read as ASCII digits only (``"²".isdigit()`` is true, and
  ``int("²")`` was a 500).
- A refresh token has one successor: a retry answers the same one, and a replay of a
  rotated token after the grace window revokes every token of its family.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import Session, col
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import tests.servers
from latsar_desktop.domain.protocol import ErrorBody
from latsar_server.accounts.server_secret import REFRESH_SECRET
from latsar_server.accounts.tokens import derived_token
from latsar_server.api import sync
from latsar_server.app import create_app
from latsar_server.settings import Settings
from latsar_server.tables import Device, ServerSecret, Token
from tests.integration.serverkit import bearer, client, demo_people, load_demo, login
from tests.servers import RunningServer, running_server

BUDI, SITI = demo_people()[0], demo_people()[1]
PACKAGE = "/api/v1/courses/latsar-pppk-2026/package"
MiB = 2**20
CHUNK = b" " * 65536


def error(response: httpx.Response) -> ErrorBody:
    return ErrorBody.model_validate_json(response.content)


# --------------------------------------------------------------------- 3. body limits


@dataclass
class Received:
    """Body bytes the application pulled from the server (uvicorn) through ``receive``."""

    bytes: int = 0


class CountBody:
    """Outermost ASGI layer of the test server: counts the body bytes the app reads."""

    def __init__(self, app: ASGIApp, received: Received) -> None:
        self.app, self.received = app, received

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            self.received.bytes += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@pytest.fixture
def counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[RunningServer, Received]]:
    """A server whose application is wrapped in ``CountBody``."""
    received = Received()

    def counting_app(settings: Settings):  # type: ignore[no-untyped-def]
        app = create_app(settings)
        app.add_middleware(CountBody, received=received)  # added last: outermost
        return app

    monkeypatch.setattr(tests.servers, "create_app", counting_app)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    with running_server(settings) as running:
        yield running, received


class Body:
    """A request body of ``total`` bytes, made as it is sent; counts what was taken."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.total, self.head, self.pulled = total, head, 0

    def __iter__(self) -> Iterator[bytes]:
        if self.head:
            self.pulled += len(self.head)
            yield self.head
        while self.pulled < self.total:
            chunk = CHUNK[: self.total - self.pulled]
            self.pulled += len(chunk)
            yield chunk


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_large_sign_in_body_is_refused_before_it_is_read(
    counted: tuple[RunningServer, Received], framing: str
) -> None:
    server, received = counted
    limit, total = server.settings.max_body_bytes, 100 * MiB
    body = Body(total)
    headers = {"Content-Type": "application/json"}
    if framing == "content-length":
        headers["Content-Length"] = str(total)  # else httpx sends it chunked
    with client(server) as http:
        response = http.post("/api/v1/auth/login", content=body, headers=headers)
    assert response.status_code == 413, response.text
    refusal = error(response)
    assert refusal.error.code == "request.too_large"
    assert refusal.error.params["kib"].value == str(limit // 1024)
    assert response.headers["X-Request-Id"]  # through the logging middleware
    # The application read nothing of a declared 100 MiB, and at most one read of the
    # server's (a buffer of some 64 KiB to a few hundred) past the limit of a chunked one.
    # (httpx sends the whole body before it reads the answer; uvicorn drops the rest.)
    assert body.pulled == total
    if framing == "content-length":
        assert received.bytes == 0
    else:
        assert limit < received.bytes <= limit + 1 * MiB, received.bytes


def test_every_operation_has_the_small_limit(counted: tuple[RunningServer, Received]) -> None:
    """Each operation of the document but sync (routes that never read a body too, and
    the ones refused for other reasons before: no token, no such course)."""
    server, received = counted
    over = server.settings.max_body_bytes + 1
    with client(server) as http:
        document = http.get("/openapi.json").json()
        received.bytes, refused = 0, []
        for path, methods in document["paths"].items():
            if path == "/api/v1/sync":
                continue
            url = path.replace("{course_id}", "x").replace("{sha256}", "0" * 64)
            url = url.replace("{code}", "ABCD")
            url = url.replace("{device_id}", "6f1c2a4e-8d3b-4c1a-9e2f-0a1b2c3d4e5f")
            for method in methods:
                response = http.request(method.upper(), url, content=b"{" * over)
                assert response.status_code == 413, (method, path, response.text)
                assert error(response).error.code == "request.too_large"
                refused.append(f"{method} {path}")
        assert received.bytes == 0  # refused on their Content-Length, before any read
        # a route that reads its body, chunked: refused once the count passes the limit
        chunked = http.post("/api/v1/auth/refresh", content=Body(4 * over))
        assert chunked.status_code == 413
        assert error(chunked).error.code == "request.too_large"
        # just under the limit is read as usual
        fits = http.post("/api/v1/auth/refresh", content=b" " * (over - 1))
        assert fits.status_code == 422, fits.text
    assert len(refused) == 9, refused  # with GET /devices and POST /devices/{id}/revoke


def test_sync_takes_bodies_over_the_small_limit_up_to_its_own(
    counted: tuple[RunningServer, Received],
) -> None:
    server, received = counted
    load_demo(server)
    device = uuid.uuid4()
    small = server.settings.max_body_bytes
    with client(server) as http:
        auth = {**bearer(login(http, BUDI, device)), "Content-Type": "application/json"}
        request = f'{{"device_id": "{device}", "cursor": 0, "events": []}}'.encode()
        padded = request + b" " * (4 * small)  # JSON allows the whitespace
        whole = http.post("/api/v1/sync", content=padded, headers=auth)
        assert whole.status_code == 200, whole.text
        streamed = http.post("/api/v1/sync", content=Body(len(padded), request), headers=auth)
        assert streamed.status_code == 200, streamed.text
        received.bytes = 0
        declared = {**auth, "Content-Length": str(sync.MAX_BODY + 1)}
        too_big = http.post("/api/v1/sync", content=Body(sync.MAX_BODY + 1), headers=declared)
    assert too_big.status_code == 413
    assert error(too_big).error.code == "sync.body_too_large"
    assert received.bytes == 0


# ------------------------------------------------------------- 4. the protocol header


# Header bytes are read as latin-1: "¹²³" are the characters there for which
# str.isdigit() was true and int() raised (a plain-text 500).
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("²".encode("latin-1"), id="superscript-two"),
        pytest.param("¹²".encode("latin-1"), id="superscripts"),
        pytest.param("١".encode(), id="arabic-indic-one"),  # sent as UTF-8
        pytest.param(b"", id="empty"),
        pytest.param(b"9" * 7, id="seven-digits"),
        pytest.param(b"9" * 5000, id="5000-digits"),  # int() stops at 4300 digits: a 500
        pytest.param(b"+1", id="plus"),
        pytest.param(b"1.0", id="decimal"),
        pytest.param(b"nonsense", id="nonsense"),
    ],
)
def test_a_protocol_header_that_is_no_number_is_a_400(
    sqlite_server: RunningServer, value: bytes
) -> None:
    with httpx.Client(base_url=sqlite_server.url, timeout=30) as http:
        response = http.get(PACKAGE, headers={"X-Latsar-Protocol": value})
    assert response.status_code == 400, response.text
    refusal = error(response)
    assert refusal.error.code == "request.malformed"
    assert refusal.error.params["where"].value == "X-Latsar-Protocol"
    assert refusal.update_required is False


def test_a_missing_protocol_header_is_an_old_app(sqlite_server: RunningServer) -> None:
    with httpx.Client(base_url=sqlite_server.url, timeout=30) as http:
        missing = http.get(PACKAGE)
        leading_zeros = http.get(PACKAGE, headers={"X-Latsar-Protocol": "000001"})
        too_new = http.get(PACKAGE, headers={"X-Latsar-Protocol": "999999"})
    assert missing.status_code == 426
    assert error(missing).update_required is True
    assert leading_zeros.status_code == 401  # version 1: on to the missing token
    assert too_new.status_code == 400
    assert error(too_new).error.code == "protocol.server_too_old"


def test_a_nul_character_in_a_device_name_is_a_422_not_a_500(server: RunningServer) -> None:
    """PostgreSQL's text holds no NUL: the device's name (stored) failed there, a 500 (SQLite
    stored it); both refuse it now. (A NIP with one is refused as not digits already.)"""
    load_demo(server)
    body = {
        "nip": BUDI["nip"],
        "nik": BUDI["nik"],
        "device_id": str(uuid.uuid4()),
        "device_name": "PC uji",
    }
    body["device_name"] += "\x00"
    with client(server) as http:
        response = http.post("/api/v1/auth/login", json=body)
    assert response.status_code == 422, response.text
    refusal = error(response)
    assert refusal.error.code == "request.malformed"
    assert refusal.error.params["where"].value == "body.device_name"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_an_unhandled_error_is_logged_and_answered_500_with_our_body(tmp_path: Path) -> None:
    """The database file broken under a running server: ``/health`` fails in the app,
    and the request log middleware logs it with the request's id and answers our 500."""
    database = tmp_path / "server.db"
    settings = Settings(database_url=f"sqlite:///{database}", data_dir=tmp_path / "server-data")
    records, logger = Records(), logging.getLogger("latsar_server")
    level = logger.level
    logger.addHandler(records)
    logger.setLevel(logging.INFO)
    try:
        with running_server(settings) as server:
            for path in tmp_path.glob("server.db*"):
                path.unlink()
            database.write_bytes(b"not a database" * 512)
            with httpx.Client(base_url=server.url, timeout=30) as http:
                response = http.get("/health")
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    assert response.status_code == 500, response.text
    assert error(response).error.code == "server.error"
    request_id = response.headers["X-Request-Id"]
    logged = {r.getMessage(): getattr(r, "fields", {}) for r in records.records}
    assert logged["unhandled"] == {"request_id": request_id}
    assert logged["request"]["request_id"] == request_id
    assert logged["request"]["status"] == 500
    assert [r.exc_info is not None for r in records.records] == [True, False]


# ---------------------------------------------------------------- 5. refresh tokens


@pytest.fixture
def demo(server: RunningServer) -> RunningServer:
    load_demo(server)
    return server


def refresh(http: httpx.Client, token: str, device: uuid.UUID) -> httpx.Response:
    return http.post(
        "/api/v1/auth/refresh", json={"refresh_token": token, "device_id": str(device)}
    )


def device_tokens(server: RunningServer, device: uuid.UUID) -> list[Token]:
    with Session(server.engine) as session:
        statement = (
            select(Token)
            .join(Device, col(Device.id) == col(Token.device_pk))
            .where(Device.device_id == str(device))
        )
        return list(session.scalars(statement).all())


def age_rotation(server: RunningServer, token: str) -> None:
    """Move the token's rotation just past the grace window (the settings' own)."""
    past = datetime.now(UTC) - timedelta(seconds=server.settings.refresh_grace_seconds + 1)
    with server.engine.begin() as connection:
        connection.execute(
            update(Token)
            .where(col(Token.hash) == hashlib.sha256(token.encode()).hexdigest())
            .values(rotated_at=past)
        )


def test_a_retried_refresh_answers_the_same_successor(demo: RunningServer) -> None:
    device = uuid.uuid4()
    with client(demo) as http:
        first = login(http, BUDI, device)["tokens"]
        answers = [refresh(http, first["refresh_token"], device) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        successors = [a.json()["tokens"] for a in answers]
        assert successors[0] == successors[1] == successors[2]  # tokens and expiry times
        successor = successors[0]
        assert successor["refresh_token"] != first["refresh_token"]
        # one live refresh token; the access tokens of the sign-in and of one refresh
        tokens = device_tokens(demo, device)
        live = [t for t in tokens if t.kind == "refresh" and t.rotated_at is None]
        assert len(live) == 1
        assert len([t for t in tokens if t.kind == "access"]) == 2
        assert all(t.revoked_at is None for t in tokens)
        assert http.get(PACKAGE, headers=bearer({"tokens": successor})).status_code == 200
    # derived with the server's secret, made on first use in the database (no file)
    with demo.engine.connect() as connection:
        key = connection.execute(
            select(col(ServerSecret.value)).where(col(ServerSecret.name) == REFRESH_SECRET)
        ).scalar_one()
    assert derived_token(key, "refresh", first["refresh_token"]) == successor["refresh_token"]
    assert not demo.settings.token_secret_path.exists()


def test_parallel_refreshes_of_one_token_get_one_successor(demo: RunningServer) -> None:
    device = uuid.uuid4()
    with client(demo) as http:
        first = login(http, BUDI, device)["tokens"]
    start = threading.Barrier(8)

    def one(_: int) -> tuple[int, Any]:
        with client(demo) as http:
            start.wait()
            response = refresh(http, first["refresh_token"], device)
            return response.status_code, response.json().get("tokens")

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert [status for status, _ in answers] == [200] * 8, answers
    assert len({tokens["refresh_token"] for _, tokens in answers}) == 1
    live = [t for t in device_tokens(demo, device) if t.kind == "refresh" and not t.rotated_at]
    assert len(live) == 1


def test_a_replay_after_the_grace_window_revokes_the_family(demo: RunningServer) -> None:
    device, other = uuid.uuid4(), uuid.uuid4()
    with client(demo) as http:
        signed_in = login(http, BUDI, device)
        elsewhere = login(http, BUDI, other)  # another sign-in: another family
        first = signed_in["tokens"]
        answer = refresh(http, first["refresh_token"], device)
        assert answer.status_code == 200
        successor = answer.json()
        assert http.get(PACKAGE, headers=bearer(successor)).status_code == 200
        age_rotation(demo, first["refresh_token"])
        replay = refresh(http, first["refresh_token"], device)
        assert replay.status_code == 401
        assert error(replay).error.code == "auth.token_invalid"
        # every token descended from that sign-in stops working
        assert refresh(http, successor["tokens"]["refresh_token"], device).status_code == 401
        assert http.get(PACKAGE, headers=bearer(successor)).status_code == 401
        assert http.get(PACKAGE, headers=bearer(signed_in)).status_code == 401
        assert all(t.revoked_at is not None for t in device_tokens(demo, device))
        # ... and nothing else: the other device's sign-in goes on
        assert http.get(PACKAGE, headers=bearer(elsewhere)).status_code == 200
        assert refresh(http, elsewhere["tokens"]["refresh_token"], other).status_code == 200
        # the device signs in again as usual
        again = login(http, BUDI, device)
        assert http.get(PACKAGE, headers=bearer(again)).status_code == 200


def test_a_retry_after_the_successor_was_used_is_a_replay(demo: RunningServer) -> None:
    """Within the grace window too: whoever retries never received the successor that
    has since been rotated, so one of the two holders is not the device."""
    device = uuid.uuid4()
    with client(demo) as http:
        first = login(http, BUDI, device)["tokens"]
        successor = refresh(http, first["refresh_token"], device).json()["tokens"]
        third = refresh(http, successor["refresh_token"], device).json()
        replay = refresh(http, first["refresh_token"], device)
        assert replay.status_code == 401
        assert http.get(PACKAGE, headers=bearer(third)).status_code == 401
        assert refresh(http, third["tokens"]["refresh_token"], device).status_code == 401


def test_a_retry_whose_successor_is_unknown_revokes_nothing(demo: RunningServer) -> None:
    """A token rotated before token families existed (its successor was random), or
    before the secret file was replaced: refused, but nothing says it was stolen."""
    device = uuid.uuid4()
    with client(demo) as http:
        signed_in = login(http, BUDI, device)
        token = signed_in["tokens"]["refresh_token"]
        with demo.engine.begin() as connection:
            connection.execute(
                update(Token)
                .where(col(Token.hash) == hashlib.sha256(token.encode()).hexdigest())
                .values(rotated_at=datetime.now(UTC))
            )
        retry = refresh(http, token, device)
        assert retry.status_code == 401
        assert error(retry).error.code == "auth.token_invalid"
        assert http.get(PACKAGE, headers=bearer(signed_in)).status_code == 200
