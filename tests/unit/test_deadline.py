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
from latsar_desktop.sync.deadline import HEADS, UNKNOWN_ALLOWANCE, CallLimit, LimitedBackend
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from tools.demo_course.package import load_package

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


class ChunkedServer:
    """Answers one request with a chunked answer (no Content-Length): ``pieces`` one
    chunk each, ``pause`` seconds apart, then the last chunk. A re-chunking proxy or a
    captive portal passing an answer on."""

    def __init__(self, pieces: list[bytes], pause: float) -> None:
        self.pieces = pieces
        self.pause = pause
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._gone = threading.Event()  # the test is over
        self._thread = threading.Thread(target=self._serve, name="chunked-server")
        self._thread.start()

    def close(self) -> None:
        self._gone.set()
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
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            try:
                connection.sendall(head)
                for index, piece in enumerate(self.pieces):
                    if index and self._gone.wait(self.pause):
                        return
                    connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                connection.sendall(b"0\r\n\r\n")
                self._gone.wait(30)
            except OSError:  # the client gave up and closed
                return


def test_a_chunked_trickle_ends_long_before_a_mebibyte_would_have_arrived() -> None:
    """10 bytes every 0.1 s without a Content-Length, for 6 s. The slowest useful link is
    100 kB/s here, so the answer is far too slow: it must end at the deadline of what
    arrived so far plus a small allowance (about 0.5 s + 66 KiB at 100 kB/s = 1.2 s).
    Counted as a whole mebibyte the deadline would be 11 s away and the trickle would get
    through (then fail to parse)."""
    server = ChunkedServer([b" " * 10] * 60 + [b"{"], pause=0.1)
    api = ApiClient(server.url, uuid.uuid4(), timeout=120.0, deadline_margin=0.5, slowest_link=1e5)
    try:
        with pytest.raises(SyncError) as info:
            api.login("199001012020121001", "3201010101900001", "PC uji")
    finally:
        api.close()
        server.close()
    assert info.value.kind is SyncErrorKind.OFFLINE, info.value
    assert "deadline of " in info.value.detail
    assert "while receiving the answer (received " in info.value.detail


def test_a_chunked_answer_that_keeps_coming_is_not_cut() -> None:
    """About 430 KB without a Content-Length, 20 KiB every 0.1 s (about 200 kB/s, twice
    the slowest useful link of 100 kB/s here) for about 2 s: every byte that arrives
    moves the deadline on, so it never comes (the allowance alone would end the call
    after about 1.2 s)."""
    body = b" " * 320_000 + load_package().model_dump_json().encode()
    piece = 20 * 1024
    server = ChunkedServer([body[i : i + piece] for i in range(0, len(body), piece)], 0.1)
    api = ApiClient(
        server.url,
        uuid.uuid4(),
        tokens=_tokens(),
        timeout=120.0,
        deadline_margin=0.5,
        slowest_link=1e5,
    )
    try:
        package, _ = api.package("latsar-pppk-2026")
    finally:
        api.close()
        server.close()
    assert package is not None
    assert package.course_id == "latsar-pppk-2026"


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


def _tokens() -> Tokens:
    return Tokens(
        access_token="a",
        access_expires_at=datetime.now(UTC),
        refresh_token="r",
        refresh_expires_at=datetime.now(UTC),
    )


def test_cancel_ends_a_read_in_flight(stalling: StallingServer) -> None:
    """Cancelled once the first byte is through (reported by progress): only the read
    waiting for the rest can notice; the server holds the rest until the call is over (or
    60 s) and the deadline is two minutes away."""
    api = ApiClient(
        stalling.url, uuid.uuid4(), tokens=_tokens(), timeout=120.0, deadline_margin=120.0
    )
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
    assert unknown.seconds == 30.0 + (HEADS + UNKNOWN_ALLOWANCE) / 250.0
    unknown.arrived(10_000)  # what keeps arriving extends the deadline
    assert unknown.seconds == 30.0 + (HEADS + 10_000 + UNKNOWN_ALLOWANCE) / 250.0
    limit.arrived(10_000)  # an answer with a length has that length's deadline
    assert limit.seconds == 30.0 + (1000 + HEADS + 5000) / 250.0
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
