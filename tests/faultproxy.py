"""A fault-injecting HTTP/1.1 proxy for integration tests of the sync client.

Put it between the client and a real server on 127.0.0.1 and point the client at
``proxy.url``::

    with FaultProxy("127.0.0.1", server_port) as proxy:
        client = httpx.Client(base_url=proxy.url)
        proxy.cut_down(500, once=True)  # the next response dies after 500 bytes
        ...

The proxy is an asyncio server in a daemon thread, listening on a random free port of
127.0.0.1; it only ever connects to a loopback upstream. Every public method is meant for
the test thread and is thread-safe; standard library only.

Faults apply per request, not per connection
--------------------------------------------
The proxy frames HTTP/1.1 messages instead of shovelling bytes, and it looks the fault up
when the *next request* begins, on any connection, new or kept alive. (Deciding per
connection would let an httpx pool bypass a fault on a connection it opened earlier.)
``once=True`` faults are consumed by that one request; after it the proxy passes through
again. A fault set while a request is in flight does not affect that request. Canned
answers and resets close the connection (canned answers say ``Connection: close``), so a
one-shot fault never leaks onto the next request of a keep-alive connection.

Request counting
----------------
Per client connection the proxy reads a request head (up to the blank line), counts it in
``requests``, forwards exactly the body its ``Content-Length`` or chunked encoding
announces, then reads the response the same way (``Content-Length``, chunked, no body for
HEAD/1xx/204/304, else until the upstream closes) before reading the next request head.
So the count is exact for sequential keep-alive HTTP/1.1 requests (and for pipelined ones,
which are served one after another); requests answered by a canned response or a reset
count too, since their request line was seen.

Byte counters
-------------
``bytes_up`` counts bytes written to the upstream, ``bytes_down`` bytes written to the
client (canned answers included). Bytes are counted just before they are written, so a
counter is never behind what the other end may already have received.

Limitations: HTTP/1.x only (no TLS, HTTP/2, CONNECT or Upgrade: a 101 response ends the
connection after it is forwarded); ``Expect: 100-continue`` is not honoured (the proxy
waits for the body before reading the interim response); when the upstream cannot be
reached the client connection is reset (a real client would see "connection refused").
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http
import ipaddress
import json
import socket
import struct
import threading
import weakref
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Self

__all__ = [
    "CAPTIVE_PORTAL_HTML",
    "TRUNCATED_JSON_BODY",
    "Canned",
    "Fault",
    "FaultProxy",
    "ResetPoint",
    "running_proxies",
]

ResetPoint = Literal["on_request", "after_request", "after_response"]
"""When ``Fault.reset`` resets the client connection:

* ``"on_request"``: as soon as the request head arrives; nothing reaches the upstream.
* ``"after_request"``: once the whole request has been read; nothing reaches the upstream.
* ``"after_response"``: the request is forwarded and the upstream's complete response is
  read (the server has committed), then the client is reset instead of answered.
"""

PASS_CHUNK = 64 * 1024
"""Largest chunk forwarded at once when not rate-limited."""
RATE_CHUNK = 1024
"""Largest chunk forwarded at once when rate-limited, so the rate is smooth."""
HEAD_LIMIT = 64 * 1024
"""Longest message head (and chunk-size line) accepted."""
CONNECT_TIMEOUT = 5.0
CLOSE_TIMEOUT = 2.0
THREAD_TIMEOUT = 10.0

CAPTIVE_PORTAL_HTML = b"""\
<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>Wi-Fi Kantor</title>
</head>
<body>
<h1>Silakan masuk ke Wi-Fi Kantor</h1>
<p>Masukkan NIP dan kata sandi Anda untuk menggunakan internet.</p>
<form method="post" action="/login">
<label>NIP <input name="nip" inputmode="numeric"></label>
<label>Kata sandi <input name="sandi" type="password"></label>
<button type="submit">Masuk</button>
</form>
</body>
</html>
"""
"""The login page of an office Wi-Fi that answers every request itself."""

TRUNCATED_JSON_BODY = json.dumps(
    {
        "changes": [
            {"id": n, "kind": "progress", "module": f"modul-{n}", "done": True}
            for n in range(1, 21)
        ],
        "cursor": "c-000020",
    },
    separators=(",", ":"),
).encode()
"""A valid JSON document of which ``truncated_json()`` sends only the first half."""


class _Abort(Exception):
    """Ends the current client connection."""


class _Cut(_Abort):
    """A cut fault fired: close both sides."""


class _Reset(_Abort):
    """Reset the client connection (RST)."""


class _Broken(_Abort):
    """A peer broke the protocol or went away mid-message."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_header_text(*values: str) -> None:
    for value in values:
        if "\r" in value or "\n" in value:
            raise ValueError(f"line break in header text {value!r}")


@dataclass(frozen=True)
class Canned:
    """A raw HTTP/1.1 response written by the proxy itself; the upstream is not contacted.

    It always says ``Connection: close`` and the proxy closes the connection after it.
    ``truncate_to=N`` keeps the full ``Content-Length`` but sends only N body bytes.
    """

    status: int
    body: bytes = b""
    content_type: str = "text/plain"
    truncate_to: int | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError(f"canned status must be 200..599, not {self.status}")
        if self.truncate_to is not None and self.truncate_to < 0:
            raise ValueError("truncate_to must be >= 0")
        _check_header_text(self.content_type, *(text for pair in self.headers for text in pair))

    def encode(self, *, with_body: bool = True) -> bytes:
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [
            f"HTTP/1.1 {self.status} {reason}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(self.body)}",
            "Connection: close",
            *(f"{name}: {value}" for name, value in self.headers),
        ]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not with_body:
            return head
        body = self.body if self.truncate_to is None else self.body[: self.truncate_to]
        return head + body


@dataclass(frozen=True)
class Fault:
    """What the proxy does to a request and its response; fields combine.

    ``delay``: seconds slept before every forwarded chunk, both directions.
    ``latency``: a round trip time; half of it is slept before the first chunk of every
    message in each direction (request, then response).
    ``rate``: bytes per second per direction (chunks of at most ``RATE_CHUNK`` bytes).
    ``cut_up``: forward at most this many request bytes, then close both sides; the
    response is never forwarded (if the request is shorter, it all reaches the upstream).
    ``cut_down``: forward at most this many response bytes, then close both sides (also
    after a shorter, complete response); the upstream has processed the request.
    ``reset``: reset the client connection, see ``ResetPoint``.
    ``hold``: read the complete upstream response but keep it until ``release()``.
    ``respond``: answer with this canned response, never contacting the upstream.

    ``respond``, ``reset`` and ``hold`` exclude each other; shaping (``delay``,
    ``latency``, ``rate``) and cuts apply to whatever is forwarded, canned bytes included.
    """

    delay: float = 0.0
    latency: float = 0.0
    rate: float | None = None
    cut_up: int | None = None
    cut_down: int | None = None
    reset: ResetPoint | None = None
    hold: bool = False
    respond: Canned | None = None

    def __post_init__(self) -> None:
        if self.delay < 0 or self.latency < 0:
            raise ValueError("delay and latency must be >= 0")
        if self.rate is not None and self.rate <= 0:
            raise ValueError("rate must be > 0 bytes per second")
        for cut in (self.cut_up, self.cut_down):
            if cut is not None and cut < 0:
                raise ValueError("cut_up and cut_down must be >= 0")
        if self.reset not in (None, "on_request", "after_request", "after_response"):
            raise ValueError(f"unknown reset point {self.reset!r}")
        if sum((self.respond is not None, self.reset is not None, self.hold)) > 1:
            raise ValueError("respond, reset and hold exclude each other")


_PASS = Fault()


@dataclass(frozen=True)
class _Head:
    """A parsed message head; header names are lower-cased."""

    raw: bytes
    start: list[str]
    version: str
    headers: list[tuple[str, str]]

    @classmethod
    def parse(cls, raw: bytes, *, request: bool) -> _Head:
        lines = raw.decode("latin-1").split("\r\n")
        if request:
            start = lines[0].split(" ")
            if len(start) != 3 or not start[0] or not start[2].startswith("HTTP/1."):
                raise _Broken(f"not an HTTP/1.x request line: {lines[0]!r}")
            version = start[2]
        else:
            start = lines[0].split(" ", 2)
            ok = len(start) >= 2 and start[0].startswith("HTTP/1.")
            if not ok or len(start[1]) != 3 or not start[1].isdigit():
                raise _Broken(f"not an HTTP/1.x status line: {lines[0]!r}")
            version = start[0]
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _Broken(f"bad header line {line!r}")
            headers.append((name.lower(), value.strip()))
        return cls(raw, start, version, headers)

    @property
    def method(self) -> str:
        return self.start[0]

    @property
    def status(self) -> int:
        return int(self.start[1])

    def tokens(self, name: str) -> list[str]:
        return [
            token.strip().lower()
            for key, value in self.headers
            if key == name
            for token in value.split(",")
            if token.strip()
        ]

    def content_length(self) -> int | None:
        values = set(self.tokens("content-length"))
        if not values:
            return None
        (value, *others) = values
        if others or not value.isdigit():
            raise _Broken("bad Content-Length")
        return int(value)

    def keep_alive(self) -> bool:
        tokens = self.tokens("connection")
        if "close" in tokens:
            return False
        return self.version != "HTTP/1.0" or "keep-alive" in tokens


Framing = tuple[Literal["length", "chunked", "eof"], int]


def _request_framing(head: _Head) -> Framing:
    encodings = head.tokens("transfer-encoding")
    if encodings:
        if encodings[-1] != "chunked":
            raise _Broken("unsupported request Transfer-Encoding")
        return ("chunked", 0)
    return ("length", head.content_length() or 0)


def _response_framing(head: _Head, method: str) -> Framing:
    status = head.status
    if method == "HEAD" or 100 <= status < 200 or status in (204, 304):
        return ("length", 0)
    encodings = head.tokens("transfer-encoding")
    if encodings:
        return ("chunked", 0) if encodings[-1] == "chunked" else ("eof", 0)
    length = head.content_length()
    return ("eof", 0) if length is None else ("length", length)


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    """The next message head, blank line included; None on EOF before any byte."""
    while True:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise _Broken("connection closed inside a message head") from exc
            return None
        except asyncio.LimitOverrunError as exc:
            raise _Broken("message head too long") from exc
        raw = raw.lstrip(b"\r\n")  # empty lines before a request line are allowed
        if raw:
            return raw


Sink = Callable[[bytes], Awaitable[None]]


async def _copy_body(reader: asyncio.StreamReader, framing: Framing, sink: Sink, size: int) -> None:
    """Read exactly one message body as framed, passing its raw bytes to sink."""
    kind, length = framing
    if kind == "length":
        await _copy_exactly(reader, length, sink, size)
    elif kind == "chunked":
        while True:
            line = await _read_line(reader)
            await sink(line)
            try:
                chunk = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise _Broken("bad chunk size") from exc
            if chunk < 0:
                raise _Broken("bad chunk size")
            if chunk == 0:
                break
            await _copy_exactly(reader, chunk + 2, sink, size)  # data and its CRLF
        while True:  # trailer section, up to its blank line
            line = await _read_line(reader)
            await sink(line)
            if line == b"\r\n":
                break
    else:
        while data := await reader.read(size):
            await sink(data)


async def _copy_exactly(reader: asyncio.StreamReader, count: int, sink: Sink, size: int) -> None:
    while count > 0:
        data = await reader.read(min(size, count))
        if not data:
            raise _Broken("connection closed inside a message body")
        count -= len(data)
        await sink(data)


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n")
    except asyncio.IncompleteReadError as exc:
        raise _Broken("connection closed inside chunked framing") from exc
    except asyncio.LimitOverrunError as exc:
        raise _Broken("chunk line too long") from exc


async def _discard(data: bytes) -> None:
    return None


def _start_close(writer: asyncio.StreamWriter, *, rst: bool = False, graceful: bool = True) -> None:
    """Begin closing one side: flush then FIN, or abort at once, or RST (SO_LINGER 0)."""
    if rst:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if rst or not graceful:
        writer.transport.abort()
    else:
        writer.close()


async def _wait_closed(*writers: asyncio.StreamWriter) -> None:
    """Wait until closes begun by _start_close are done; abort on timeout or cancellation."""

    async def wait(writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    try:
        await asyncio.wait_for(asyncio.gather(*(wait(w) for w in writers)), CLOSE_TIMEOUT)
    except TimeoutError:  # a peer does not read what is left to flush
        for writer in writers:
            writer.transport.abort()
        await asyncio.sleep(0)
    except asyncio.CancelledError:
        for writer in writers:
            writer.transport.abort()
        raise


@dataclass(eq=False)
class _Pacer:
    """Rate limiting state of one direction of one connection (no burst credit)."""

    next_at: float = 0.0


@dataclass(eq=False)
class _Flow:
    """One message on its way to writer, shaped by fault."""

    writer: asyncio.StreamWriter
    upstream: bool
    fault: Fault
    pacer: _Pacer
    budget: int | None
    first: bool = True

    @property
    def chunk(self) -> int:
        return RATE_CHUNK if self.fault.rate else PASS_CHUNK


@dataclass(eq=False)
class _Conn:
    client_reader: asyncio.StreamReader
    client_writer: asyncio.StreamWriter
    upstream_reader: asyncio.StreamReader | None = None
    upstream_writer: asyncio.StreamWriter | None = None
    up_pacer: _Pacer = field(default_factory=_Pacer)
    down_pacer: _Pacer = field(default_factory=_Pacer)


_STARTED: weakref.WeakSet[FaultProxy] = weakref.WeakSet()
"""Every FaultProxy started (a running one is also held by its thread, so never dropped)."""


def running_proxies() -> list[FaultProxy]:
    """Every FaultProxy whose thread still runs (tests/conftest.py fails a test that leaks one)."""
    return [proxy for proxy in list(_STARTED) if proxy.running]


class FaultProxy:
    """An HTTP/1.1 proxy on 127.0.0.1 that injects faults into chosen requests.

    ``set_fault()`` installs a ``Fault`` (``once=True``: for the next request only); the
    helper methods (``delay()``, ``cut_down()``, ``captive_portal()``, ...) build and install
    one. ``clear()`` goes back to passing everything through. A FaultProxy starts once.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        if not _is_loopback(upstream_host):
            raise ValueError(f"the upstream must be a loopback address, not {upstream_host!r}")
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.port = 0
        self.response_held = threading.Event()
        """Set once a held upstream response has fully arrived (the server answered)."""
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._once = False
        self._bytes_up = 0
        self._bytes_down = 0
        self._connections = 0
        self._open = 0  # connections not yet closed (not reset by reset_counters)
        self._idle = threading.Condition(self._lock)
        self._requests = 0
        self._thread: threading.Thread | None = None
        self._started = False
        self._ready = threading.Event()
        self._error: Exception | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._closing = False
        self._held: set[asyncio.Event] = set()  # touched in the proxy thread only
        self._tasks: set[asyncio.Task[None]] = set()  # likewise

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        if self._started:
            raise RuntimeError("a FaultProxy can be started only once")
        self._started = True
        _STARTED.add(self)
        self._thread = threading.Thread(target=self._run, name="FaultProxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(THREAD_TIMEOUT):
            raise RuntimeError("the fault proxy did not start")
        if self._error is not None:
            self._thread.join(THREAD_TIMEOUT)
            self._thread = None
            raise RuntimeError("the fault proxy did not start") from self._error
        return self

    def stop(self) -> None:
        """Close the listener and every connection, then join the thread; idempotent."""
        thread = self._thread
        if thread is None:
            return
        loop, stop_event = self._loop, self._stop_event
        if loop is not None and stop_event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                loop.call_soon_threadsafe(stop_event.set)
        thread.join(THREAD_TIMEOUT)
        if thread.is_alive():
            raise RuntimeError("the fault proxy thread did not stop")
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("the fault proxy is not started")
        return f"http://127.0.0.1:{self.port}"

    # -- counters --------------------------------------------------------------------

    @property
    def bytes_up(self) -> int:
        """Bytes written to the upstream (client to server)."""
        with self._lock:
            return self._bytes_up

    @property
    def bytes_down(self) -> int:
        """Bytes written to the client (server to client, canned answers included)."""
        with self._lock:
            return self._bytes_down

    @property
    def connections(self) -> int:
        """Client connections accepted."""
        with self._lock:
            return self._connections

    @property
    def requests(self) -> int:
        """Request heads read from clients (see the module docstring)."""
        with self._lock:
            return self._requests

    @property
    def open_connections(self) -> int:
        """Client connections accepted and not yet closed."""
        with self._lock:
            return self._open

    def wait_idle(self, timeout: float) -> bool:
        """Until no client connection is open (True) or ``timeout`` passed (False).

        A connection whose client died is closed once the proxy notices (its answer
        cannot be written, or the next read sees the end): counters reset after this
        see nothing more of it.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._open == 0, timeout)

    def reset_counters(self) -> None:
        with self._lock:
            self._bytes_up = self._bytes_down = self._connections = self._requests = 0

    # -- faults ----------------------------------------------------------------------

    def set_fault(self, fault: Fault, *, once: bool = False) -> None:
        """Apply fault to the requests that begin from now on (only the next one if once)."""
        if not isinstance(fault, Fault):
            raise TypeError(f"expected a Fault, not {type(fault).__name__}")
        with self._lock:
            self._fault = fault
            self._once = once
            if fault.hold:
                self.response_held.clear()

    def clear(self) -> None:
        """Pass everything through again; responses being held are released."""
        with self._lock:
            self._fault = None
            self._once = False
        self._wake_held()

    def delay(self, seconds: float, *, once: bool = False) -> None:
        """Sleep this long before every forwarded chunk, both directions."""
        self.set_fault(Fault(delay=seconds), once=once)

    def latency(self, rtt_seconds: float, *, once: bool = False) -> None:
        """Add a round trip: rtt/2 before the request and rtt/2 before the response."""
        self.set_fault(Fault(latency=rtt_seconds), once=once)

    def rate(self, bytes_per_second: float, *, once: bool = False) -> None:
        """Limit the throughput of each direction."""
        self.set_fault(Fault(rate=bytes_per_second), once=once)

    def cut_up(self, after_bytes: int, *, once: bool = False) -> None:
        """Forward at most after_bytes of the request, then close both sides."""
        self.set_fault(Fault(cut_up=after_bytes), once=once)

    def cut_down(self, after_bytes: int, *, once: bool = False) -> None:
        """Forward at most after_bytes of the response, then close both sides."""
        self.set_fault(Fault(cut_down=after_bytes), once=once)

    def reset(
        self, *, after_request: bool = False, forward: bool = False, once: bool = False
    ) -> None:
        """Reset (RST) the client connection.

        By default as soon as the request head arrives; ``after_request=True``: once the
        whole request has been read; ``forward=True`` (implies after_request): after the
        request went to the upstream and its complete response came back.
        """
        point: ResetPoint = (
            "after_response" if forward else "after_request" if after_request else "on_request"
        )
        self.set_fault(Fault(reset=point), once=once)

    def hold_response(self, *, once: bool = False) -> None:
        """Forward requests but keep their complete responses until ``release()``."""
        self.set_fault(Fault(hold=True), once=once)

    def release(self) -> None:
        """Forward every held response; a hold fault still installed is removed."""
        with self._lock:
            if self._fault is not None and self._fault.hold:
                self._fault = None
                self._once = False
        self._wake_held()

    def respond(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/plain",
        truncate_to: int | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        once: bool = False,
    ) -> None:
        """Answer requests with this response without contacting the upstream."""
        canned = Canned(status, body, content_type, truncate_to, tuple((headers or {}).items()))
        self.set_fault(Fault(respond=canned), once=once)

    def http_error(self, status: int = 503, *, once: bool = False) -> None:
        """Answer with an error status and a short JSON body ``{"detail": phrase}``."""
        try:
            phrase = http.HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        body = json.dumps({"detail": phrase}).encode()
        self.respond(status, body, "application/json", once=once)

    def captive_portal(self, *, once: bool = False) -> None:
        """Answer every request with the office Wi-Fi login page (200, text/html)."""
        self.respond(200, CAPTIVE_PORTAL_HTML, "text/html; charset=utf-8", once=once)

    def truncated_json(self, *, once: bool = False) -> None:
        """Answer 200 application/json with the full Content-Length but half the body."""
        body = TRUNCATED_JSON_BODY
        self.respond(200, body, "application/json", truncate_to=len(body) // 2, once=once)

    # -- the proxy thread ------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except Exception as exc:
            self._error = exc
        finally:
            self._ready.set()
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        self._stop_event = asyncio.Event()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0, limit=HEAD_LIMIT)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            self._closing = True
            server.close()
            await self._cancel_connections()
            await server.wait_closed()
            await self._cancel_connections()  # any accepted while closing
            for _ in range(3):  # let aborted transports run their connection_lost
                await asyncio.sleep(0)

    async def _cancel_connections(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback that runs its own task: given a coroutine, Python 3.11's
        # start_server logs a spurious error for every connection task cancelled by stop().
        task = asyncio.get_running_loop().create_task(self._handle(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._connection_done)

    def _connection_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            task.get_loop().call_exception_handler(
                {"message": "fault proxy connection failed", "exception": exc, "task": task}
            )

    def _wake_held(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._release_held)

    def _release_held(self) -> None:
        for event in self._held:
            event.set()
        self._held.clear()

    def _count(self, upstream: bool, size: int) -> None:
        with self._lock:
            if upstream:
                self._bytes_up += size
            else:
                self._bytes_down += size

    def _next_fault(self) -> tuple[Fault, asyncio.Event | None]:
        """Count a request and take the fault for it (consuming a one-shot fault)."""
        with self._lock:
            self._requests += 1
            fault = self._fault or _PASS
            if self._once:
                self._fault = None
                self._once = False
            hold = None
            if fault.hold:  # registered under the lock, so a racing release() sees it
                hold = asyncio.Event()
                self._held.add(hold)
            return fault, hold

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._closing:
            _start_close(writer, graceful=False)
            await _wait_closed(writer)
            return
        with self._lock:
            self._connections += 1
            self._open += 1
        conn = _Conn(reader, writer)
        rst = False
        try:
            while True:
                raw = await _read_head(reader)
                if raw is None:
                    break
                head = _Head.parse(raw, request=True)
                fault, hold = self._next_fault()
                try:
                    keep_alive = await self._exchange(conn, head, fault, hold)
                finally:
                    if hold is not None:
                        self._held.discard(hold)
                if not keep_alive:
                    break
        except _Reset:
            rst = True
        except (_Abort, OSError, EOFError):
            pass
        finally:
            # Both closes begin before any await, so a cancellation (stop()) cannot skip one.
            graceful = not self._closing
            writers = [writer]
            if conn.upstream_writer is not None:
                _start_close(conn.upstream_writer, graceful=graceful)
                writers.append(conn.upstream_writer)
            _start_close(writer, rst=rst, graceful=graceful)
            try:
                await _wait_closed(*writers)
            finally:
                with self._idle:
                    self._open -= 1
                    self._idle.notify_all()

    async def _upstream(self, conn: _Conn) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The connection's upstream, (re)opened if absent or closed by the server."""
        reader, writer = conn.upstream_reader, conn.upstream_writer
        if reader is not None and writer is not None:
            closed = writer.is_closing() or reader.at_eof() or reader.exception() is not None
            if not closed:
                return reader, writer
            # The server closed the idle keep-alive connection: forget it, open another.
            conn.upstream_reader = conn.upstream_writer = None
            _start_close(writer)
            await _wait_closed(writer)
        try:
            opened = await asyncio.wait_for(
                asyncio.open_connection(self.upstream_host, self.upstream_port, limit=HEAD_LIMIT),
                CONNECT_TIMEOUT,
            )
        except OSError as exc:
            raise _Reset("the upstream cannot be reached") from exc
        conn.upstream_reader, conn.upstream_writer = opened
        return opened

    async def _exchange(
        self, conn: _Conn, head: _Head, fault: Fault, hold: asyncio.Event | None
    ) -> bool:
        """Serve one request under fault; True if the connection may serve another."""
        method = head.method
        framing = _request_framing(head)
        if fault.reset == "on_request":
            raise _Reset
        down = _Flow(conn.client_writer, False, fault, conn.down_pacer, fault.cut_down)
        if fault.respond is not None or fault.reset == "after_request":
            await _copy_body(conn.client_reader, framing, _discard, PASS_CHUNK)
            if fault.respond is None:
                raise _Reset
            await self._send(down, fault.respond.encode(with_body=method != "HEAD"))
            return False

        up_reader, up_writer = await self._upstream(conn)
        up = _Flow(up_writer, True, fault, conn.up_pacer, fault.cut_up)
        await self._send(up, head.raw)
        await _copy_body(conn.client_reader, framing, functools.partial(self._send, up), up.chunk)
        if fault.cut_up is not None:
            raise _Cut

        held: list[bytes] | None = None
        if hold is not None or fault.reset == "after_response":
            held = []

        async def sink(data: bytes) -> None:
            if held is None:
                await self._send(down, data)
            else:
                held.append(data)

        while True:  # interim (1xx) responses, then the final one
            raw = await _read_head(up_reader)
            if raw is None:
                raise _Broken("the upstream closed without responding")
            response = _Head.parse(raw, request=False)
            await sink(raw)
            body = _response_framing(response, method)
            await _copy_body(up_reader, body, sink, down.chunk)
            if not 100 <= response.status < 200 or response.status == 101:
                break

        if held is not None:
            if hold is None:
                raise _Reset
            if not hold.is_set():
                self.response_held.set()
                await hold.wait()
            await self._send(down, b"".join(held))
        if fault.cut_down is not None:
            raise _Cut
        return (
            body[0] != "eof"
            and response.status != 101
            and head.keep_alive()
            and response.keep_alive()
        )

    async def _send(self, flow: _Flow, data: bytes) -> None:
        """Write data to flow.writer in chunks, applying the flow's shaping and budget."""
        fault = flow.fault
        step = flow.chunk
        loop = asyncio.get_running_loop()
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            cut_short = False
            if flow.budget is not None:
                if flow.budget <= 0:
                    raise _Cut
                cut_short = len(piece) > flow.budget
                piece = piece[: flow.budget]
            if flow.first:
                flow.first = False
                if fault.latency:
                    await asyncio.sleep(fault.latency / 2)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.rate:
                now = loop.time()
                flow.pacer.next_at = max(flow.pacer.next_at, now) + len(piece) / fault.rate
                await asyncio.sleep(flow.pacer.next_at - now)
            self._count(flow.upstream, len(piece))
            flow.writer.write(piece)
            await flow.writer.drain()
            if flow.budget is not None:
                flow.budget -= len(piece)
            if cut_short:
                raise _Cut
