"""The fault-injecting proxy, in front of a tiny threaded HTTP/1.1 server."""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.faultproxy import (
    CAPTIVE_PORTAL_HTML,
    TRUNCATED_JSON_BODY,
    Canned,
    Fault,
    FaultProxy,
)

BIG = bytes(range(256)) * 800  # 200 KiB
SMALL = b"ok"
CHUNKS = [b"alpha-", b"beta-" * 300, b"gamma"]
TRANSPORT_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class _Stats:
    """What the upstream saw; bytes are counted exactly as the HTTP parser consumed them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bytes_in = 0
        self.bytes_out = 0
        self.connections = 0
        self.handled: list[str] = []

    def add_in(self, size: int) -> None:
        with self.lock:
            self.bytes_in += size

    def add_out(self, size: int) -> None:
        with self.lock:
            self.bytes_out += size


class _CountingReader:
    """Wraps the handler's rfile to count the request bytes it hands out."""

    def __init__(self, raw: io.BufferedIOBase, stats: _Stats) -> None:
        self._raw = raw
        self._stats = stats

    def readline(self, size: int = -1) -> bytes:
        data = self._raw.readline(size)
        self._stats.add_in(len(data))
        return data

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._stats.add_in(len(data))
        return data

    def close(self) -> None:
        self._raw.close()


class _Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.stats = _Stats()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the proxy breaks connections on purpose


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Upstream

    def setup(self) -> None:
        super().setup()
        self.rfile = _CountingReader(self.rfile, self.server.stats)  # type: ignore[assignment]
        with self.server.stats.lock:
            self.server.stats.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _write(self, data: bytes) -> None:
        self.server.stats.add_out(len(data))  # before writing: the client may look at once
        self.wfile.write(data)

    def _reply(self, body: bytes, content_type: str = "application/octet-stream") -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}"
        self._write(head.encode() + b"\r\n\r\n" + body)

    def _handled(self, what: str) -> None:
        with self.server.stats.lock:
            self.server.stats.handled.append(what)

    def do_GET(self) -> None:
        self._handled(f"GET {self.path}")
        if self.path == "/big":
            self._reply(BIG)
        elif self.path == "/chunked":
            self._write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for chunk in CHUNKS:
                self._write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self._write(b"0\r\n\r\n")
        else:
            self._reply(SMALL, "text/plain")

    def do_POST(self) -> None:
        expected = int(self.headers["Content-Length"])
        received = len(self.rfile.read(expected))
        if received < expected:
            self.close_connection = True
            return
        self._handled(f"POST {self.path}")
        self._reply(json.dumps({"received": received}).encode(), "application/json")


@contextmanager
def _running_upstream(idle_timeout: float | None = None) -> Iterator[_Upstream]:
    handler = type("Handler", (_Handler,), {"timeout": idle_timeout})
    server = _Upstream(handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def upstream() -> Iterator[_Upstream]:
    with _running_upstream() as server:
        yield server


@pytest.fixture
def proxy(upstream: _Upstream) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.port) as running:
        yield running


def _client(proxy: FaultProxy, timeout: float = 5.0) -> httpx.Client:
    return httpx.Client(base_url=proxy.url, timeout=timeout, trust_env=False)


def _timed_get(client: httpx.Client, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_pass_through_counts_bytes_and_keep_alive_requests(
    proxy: FaultProxy, upstream: _Upstream
) -> None:
    with _client(proxy) as client:
        big = client.get("/big")
        echo = client.post("/echo", content=b"x" * 5000)
        small = client.get("/small")

    assert big.content == BIG
    assert echo.json() == {"received": 5000}
    assert small.content == SMALL
    assert proxy.requests == 3
    assert proxy.connections == 1
    assert upstream.stats.connections == 1
    assert proxy.bytes_up == upstream.stats.bytes_in
    assert proxy.bytes_down == upstream.stats.bytes_out
    assert proxy.bytes_down > len(BIG)

    proxy.reset_counters()
    assert (proxy.bytes_up, proxy.bytes_down, proxy.connections, proxy.requests) == (0, 0, 0, 0)


def test_chunked_responses_are_framed(proxy: FaultProxy, upstream: _Upstream) -> None:
    with _client(proxy) as client:
        first = client.get("/chunked")
        second = client.get("/chunked")

    assert first.content == second.content == b"".join(CHUNKS)
    assert proxy.requests == 2
    assert proxy.connections == 1
    assert proxy.bytes_down == upstream.stats.bytes_out


def test_delay_slows_every_chunk_even_on_a_kept_alive_connection(proxy: FaultProxy) -> None:
    with _client(proxy) as client:
        client.get("/small")
        proxy.delay(0.15)
        response, elapsed = _timed_get(client, "/small")

    assert response.content == SMALL
    assert elapsed >= 0.4  # request head, response head, response body: three chunks
    assert proxy.connections == 1


def test_latency_adds_a_round_trip(proxy: FaultProxy) -> None:
    proxy.latency(0.4)
    with _client(proxy) as client:
        response, elapsed = _timed_get(client, "/small")

    assert response.content == SMALL
    assert elapsed >= 0.38


def test_rate_limits_throughput(proxy: FaultProxy) -> None:
    proxy.rate(100_000)
    with _client(proxy) as client:
        response, elapsed = _timed_get(client, "/big")

    assert response.content == BIG
    assert 1.5 <= elapsed < 5


def test_cut_up_breaks_the_request(proxy: FaultProxy, upstream: _Upstream) -> None:
    proxy.cut_up(1000)
    with _client(proxy) as client, pytest.raises(TRANSPORT_ERRORS):
        client.post("/echo", content=b"x" * 100_000)

    assert proxy.bytes_up == 1000
    assert "POST /echo" not in upstream.stats.handled


def test_cut_down_breaks_the_response(proxy: FaultProxy, upstream: _Upstream) -> None:
    proxy.cut_down(5000)
    with _client(proxy) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/big")

    assert proxy.bytes_down == 5000
    assert upstream.stats.handled == ["GET /big"]


def test_cut_down_at_zero_after_the_server_committed(
    proxy: FaultProxy, upstream: _Upstream
) -> None:
    proxy.cut_down(0)
    with _client(proxy) as client, pytest.raises(httpx.RemoteProtocolError):
        client.post("/echo", content=b"payload")

    assert proxy.bytes_down == 0
    assert upstream.stats.handled == ["POST /echo"]


def test_reset_on_request(proxy: FaultProxy, upstream: _Upstream) -> None:
    proxy.reset()
    with _client(proxy) as client:
        for _ in range(2):
            with pytest.raises((httpx.ReadError, httpx.ConnectError)):
                client.get("/small")

    assert proxy.requests == 2
    assert proxy.bytes_up == 0
    assert upstream.stats.handled == []


@pytest.mark.parametrize(("forward", "handled"), [(False, []), (True, ["POST /echo"])])
def test_reset_after_request(
    proxy: FaultProxy, upstream: _Upstream, forward: bool, handled: list[str]
) -> None:
    proxy.reset(after_request=True, forward=forward)
    with _client(proxy) as client, pytest.raises(httpx.ReadError):
        client.post("/echo", content=b"x" * 20_000)

    assert upstream.stats.handled == handled
    assert proxy.bytes_down == 0


@pytest.mark.parametrize("path", ["/small", "/chunked"])
def test_hold_response_until_release(proxy: FaultProxy, upstream: _Upstream, path: str) -> None:
    proxy.hold_response()
    with _client(proxy) as client, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.get, path)
        assert proxy.response_held.wait(5)
        assert upstream.stats.handled == [f"GET {path}"]
        time.sleep(0.1)
        assert not pending.done()
        assert proxy.bytes_down == 0

        proxy.release()
        response = pending.result(5)
        after = client.get("/small")  # release() removed the hold

    assert response.status_code == 200
    assert response.content == (SMALL if path == "/small" else b"".join(CHUNKS))
    assert after.content == SMALL


def test_http_error_never_reaches_the_server(proxy: FaultProxy, upstream: _Upstream) -> None:
    proxy.http_error(503)
    with _client(proxy) as client:
        response = client.get("/small")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Service Unavailable"}
    assert proxy.requests == 1
    assert proxy.bytes_up == 0
    canned = Canned(503, b'{"detail": "Service Unavailable"}', "application/json").encode()
    assert proxy.bytes_down == len(canned)
    assert upstream.stats.handled == []


def test_captive_portal_hijacks_every_request(proxy: FaultProxy, upstream: _Upstream) -> None:
    proxy.captive_portal()
    with _client(proxy) as client:
        responses = [client.get("/small"), client.post("/echo", content=b"x" * 30_000)]

    for response in responses:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "Silakan masuk ke Wi-Fi Kantor" in response.text
        assert response.content == CAPTIVE_PORTAL_HTML
    assert proxy.requests == 2
    assert proxy.connections == 2  # canned answers close the connection
    assert proxy.bytes_up == 0
    assert upstream.stats.handled == []


def test_truncated_json(proxy: FaultProxy, upstream: _Upstream) -> None:
    proxy.truncated_json()
    with _client(proxy) as client:
        with client.stream("GET", "/small") as response:
            status = response.status_code
            content_type = response.headers["content-type"]
            length = int(response.headers["content-length"])
            with pytest.raises(httpx.RemoteProtocolError):
                response.read()
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/small")

    assert (status, content_type, length) == (200, "application/json", len(TRUNCATED_JSON_BODY))
    assert upstream.stats.handled == []


def test_respond_truncate_to_sends_the_first_bytes_then_closes(proxy: FaultProxy) -> None:
    proxy.respond(200, b"0123456789", truncate_to=4)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        received = b""
        while data := sock.recv(4096):
            received += data

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Length: 10" in head
    assert b"Content-Type: text/plain" in head
    assert body == b"0123"


def test_once_applies_to_the_next_request_only(proxy: FaultProxy, upstream: _Upstream) -> None:
    with _client(proxy) as client:
        before = client.get("/small")
        proxy.http_error(503, once=True)
        faulted = client.get("/small")
        after = client.get("/small")
        proxy.reset(once=True)
        with pytest.raises(httpx.ReadError):
            client.get("/small")
        last = client.get("/small")

    assert [r.status_code for r in (before, faulted, after, last)] == [200, 503, 200, 200]
    assert upstream.stats.handled == ["GET /small"] * 3
    assert proxy.requests == 5


def test_combined_fault_and_clear(proxy: FaultProxy) -> None:
    proxy.set_fault(Fault(latency=0.2, cut_down=10))
    with _client(proxy) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/small")
        proxy.clear()
        response, elapsed = _timed_get(client, "/small")

    assert response.content == SMALL
    assert elapsed < 0.2


def test_upstream_closing_an_idle_connection_is_transparent() -> None:
    with (
        _running_upstream(idle_timeout=0.2) as server,
        FaultProxy("127.0.0.1", server.port) as proxy,
        _client(proxy) as client,
    ):
        first = client.get("/small")
        time.sleep(0.5)  # the server closes its idle end of the kept-alive connection
        second = client.get("/small")

    assert first.content == second.content == SMALL
    assert proxy.connections == 1
    assert server.stats.connections == 2


def test_stop_closes_connections_and_joins_the_thread(upstream: _Upstream) -> None:
    proxy = FaultProxy("127.0.0.1", upstream.port).start()
    url = proxy.url
    idle = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    proxy.hold_response()
    with _client(proxy) as client, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.get, "/small")
        assert proxy.response_held.wait(5)
        proxy.stop()
        with pytest.raises(TRANSPORT_ERRORS):
            pending.result(5)
    with idle:
        assert idle.recv(1) == b""

    assert not proxy.running
    proxy.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2, trust_env=False)


def test_invalid_settings_are_refused(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("192.0.2.1", 80)
    with pytest.raises(ValueError, match="rate"):
        proxy.rate(0)
    with pytest.raises(ValueError, match="exclude"):
        Fault(hold=True, reset="on_request")
    with pytest.raises(ValueError, match="status"):
        proxy.respond(42, b"")
    with pytest.raises(RuntimeError, match="once"):
        proxy.start()
