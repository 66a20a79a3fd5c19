"""The overall deadline and the cancel token of one HTTP call, at the socket.

A hand-written server on 127.0.0.1 sends an answer's head and one byte of its body, then
holds the rest until the test releases it: only a limit enforced inside the read can end
the call while it waits (per-read timeouts are long here, and no more bytes arrive).
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from types import TracebackType

import httpx
import pytest

from latsar_desktop.domain.protocol import Tokens
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.deadline import HEADS, UNKNOWN_ANSWER, CallLimit, LimitedBackend
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

BODY = b'{"a":1234}'  # 10 bytes, of which the first is sent at once


class StallingServer:
    """Answers one request: a head announcing ``BODY``, its first byte, then nothing until
    ``release`` is set (or 60 s passed), then the rest."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.answering = threading.Event()  # the head and the first byte are sent
        self.release = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="stalling-server")

    def __enter__(self) -> StallingServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release.set()
        self._thread.join(30)
        self._listener.close()

    def _serve(self) -> None:
        self._listener.settimeout(30)
        connection, _ = self._listener.accept()
        with connection:
            connection.settimeout(30)
            received = b""
            while b"\r\n\r\n" not in received:
                received += connection.recv(65536)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(BODY)}\r\n\r\n"
            ).encode()
            connection.sendall(head + BODY[:1])
            self.answering.set()
            self.release.wait(60)
            with contextlib.suppress(OSError):  # the client may have gone
                connection.sendall(BODY[1:])


@pytest.fixture
def stalling() -> Iterator[StallingServer]:
    with StallingServer() as server:
        yield server


def test_a_read_stalled_inside_the_body_ends_at_the_deadline(stalling: StallingServer) -> None:
    """The read timeout is 120 s and the server holds the rest until the call is over (or
    60 s): the deadline (0.5 s + bytes at 1 MB/s) must end the call inside that read."""
    api = ApiClient(
        stalling.url, uuid.uuid4(), timeout=120.0, deadline_margin=0.5, slowest_link=1e6
    )
    with pytest.raises(SyncError) as info:
        api.login("199001012020121001", "3201010101900001", "PC uji")
    assert info.value.kind is SyncErrorKind.OFFLINE
    assert info.value.retryable
    assert "deadline of " in info.value.detail
    assert info.value.detail.endswith(
        f"while receiving the answer (received 1 of {len(BODY)} bytes)"
    )
    api.close()


def test_cancel_ends_a_read_in_flight(stalling: StallingServer) -> None:
    """Cancelled once the first byte is through (reported by progress): only the read
    waiting for the rest can notice; the server holds the rest until the call is over (or
    60 s) and the deadline is two minutes away."""
    tokens = Tokens(
        access_token="a",
        access_expires_at=datetime.now(UTC),
        refresh_token="r",
        refresh_expires_at=datetime.now(UTC),
    )
    api = ApiClient(stalling.url, uuid.uuid4(), tokens=tokens, timeout=120.0, deadline_margin=120.0)
    cancel = CancelToken()
    first_byte = threading.Event()
    outcome: queue.Queue[object] = queue.Queue()

    def progress(done: int, total: int) -> None:
        if done:
            first_byte.set()

    def call() -> None:
        try:
            outcome.put(api.package("course", cancel=cancel, progress=progress))
        except SyncError as error:
            outcome.put(error)

    worker = threading.Thread(target=call)
    worker.start()
    try:
        assert first_byte.wait(30)
        cancel.cancel()
        result = outcome.get(timeout=30)
    finally:
        stalling.release.set()
        worker.join(30)
    assert isinstance(result, SyncError), result
    assert result.kind is SyncErrorKind.CANCELLED
    assert not result.retryable
    assert result.detail == (
        f"stopped on request while receiving the answer (received 1 of {len(BODY)} bytes)"
    )
    api.close()


def test_a_cancelled_token_sends_nothing() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        api = ApiClient(f"http://127.0.0.1:{listener.getsockname()[1]}", uuid.uuid4())
        cancel = CancelToken()
        cancel.cancel()
        with pytest.raises(SyncError) as info:
            api.login("199001012020121001", "3201010101900001", "PC", cancel=cancel)
        assert info.value.kind is SyncErrorKind.CANCELLED
        with pytest.raises(BlockingIOError):  # no connection was even opened
            listener.accept()
        api.close()


def test_the_deadline_rule() -> None:
    now = [100.0]
    limit = CallLimit(sent=1000, margin=30.0, rate=250.0, clock=lambda: now[0])
    assert limit.seconds == 30.0 + (1000 + HEADS) / 250.0  # before the answer's head
    limit.answer_arrived(httpx.Response(200, headers={"Content-Length": "5000"}))
    assert limit.seconds == 30.0 + (1000 + HEADS + 5000) / 250.0
    assert limit.deadline == 100.0 + limit.seconds
    now[0] = limit.deadline - 0.1
    assert not limit.passed()
    now[0] = limit.deadline
    assert limit.passed()
    unknown = CallLimit(sent=0, margin=30.0, rate=250.0)
    unknown.answer_arrived(httpx.Response(200, headers={"Transfer-Encoding": "chunked"}))
    assert unknown.seconds == 30.0 + (HEADS + UNKNOWN_ANSWER) / 250.0
    fixed = CallLimit(sent=10**9, within=5.0)
    assert fixed.seconds == 5.0


def _backends(api: ApiClient) -> list[object]:
    client = api._client
    transports = [client._transport, *client._mounts.values()]
    return [t._pool._network_backend for t in transports if isinstance(t, httpx.HTTPTransport)]


def test_every_transport_httpx_builds_has_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Direct, through the proxy of the settings, and through the environment's proxies
    (the default transport stays for the addresses no proxy covers)."""
    for name in ("ALL_PROXY", "NO_PROXY", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    direct = ApiClient("http://127.0.0.1:9", uuid.uuid4())
    configured = ApiClient("http://127.0.0.1:9", uuid.uuid4(), proxy="http://127.0.0.1:3128")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:3128")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:3129")
    from_environment = ApiClient("http://127.0.0.1:9", uuid.uuid4())
    for api, count in ((direct, 1), (configured, 2), (from_environment, 3)):
        backends = _backends(api)
        assert len(backends) == count
        assert all(isinstance(b, LimitedBackend) for b in backends)
        api.close()
