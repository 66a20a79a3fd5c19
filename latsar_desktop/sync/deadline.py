"""An overall deadline and a cancel token for every HTTP call, enforced at the socket.

httpx has only per-operation timeouts (connect, each read, each write: encode/httpx#1450),
so an answer trickled at one byte every 29 s never trips a 30 s read timeout and can hold
a sync for hours. ``ApiClient`` therefore runs each call under a ``CallLimit``, kept in a
thread-local while the call runs (httpx's sync client does its I/O in the calling
thread), and ``install()`` puts ``LimitedBackend`` under its httpx transports. Every
socket operation of a call then gets at most the time left until the call's deadline
(never more than httpx's own timeout for it):

* a read waits in slices of ``POLL`` seconds and looks at the cancel token between
  slices, so a call in flight ends within a slice of ``cancel()`` and at its deadline
  even while bytes keep trickling in;
* a write goes out in pieces of ``WRITE_PIECE`` bytes, each given the time left, with
  the token looked at between pieces;
* a connection attempt gets the time left (the token is looked at before it starts).

A limit that passed raises httpcore's ``ReadTimeout``/``WriteTimeout``/``ConnectTimeout``
and a cancelled one its ``ReadError``/``WriteError``/``ConnectError``; httpcore then
closes the connection (it is never reused half-read), and ``ApiClient`` turns the failure
into ``OFFLINE`` ("deadline ... passed") or ``CANCELLED`` by asking the limit which of
the two happened.

The deadline is ``margin + bytes / rate``: a fixed margin (the server's own time, the
round trips) plus the bytes of the exchange at the slowest link still worth using
(default 2 kbit/s = 250 B/s). The bytes are the request body, ``HEADS`` for the two
message heads, and the answer's ``Content-Length`` once its head has arrived; for a ranged
download the length is the ranged part's. An answer without one (chunked, e.g. re-chunked
by a proxy or a captive portal; this server always sends a length, also gzipped) counts
the bytes received so far plus ``UNKNOWN_ALLOWANCE``: it may go on as long as it keeps
arriving at the slowest link or faster, and a slower one ends within about
``margin + UNKNOWN_ALLOWANCE / rate`` (5 minutes by default) of stalling, not after the
70 minutes a fixed mebibyte would give it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from latsar_desktop.sync.cancel import CancelToken

POLL = 0.2  # seconds a read waits between looks at the cancel token
WRITE_PIECE = 4096  # bytes written at once while a call is limited
HEADS = 2048  # bytes counted for the request's and the answer's heads together
UNKNOWN_ALLOWANCE = 64 * 1024  # bytes allowed beyond those received, without a length
SLOWEST_LINK = 250.0  # bytes per second: 2 kbit/s
DEADLINE_MARGIN = 30.0  # seconds


@dataclass(eq=False)
class CallLimit:
    """When one HTTP call must be over, and whether it was asked to stop."""

    sent: int  # request body bytes
    margin: float = DEADLINE_MARGIN
    rate: float = SLOWEST_LINK  # bytes per second
    cancel: CancelToken | None = None
    within: float | None = None  # a fixed overall limit in seconds, instead of the rule
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)
    answer: int | None = None  # the answer's announced length, once its head arrived
    open_ended: bool = False  # the answer's head arrived without a Content-Length
    received: int = 0  # bytes read from the link during the call (heads included)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def answer_arrived(self, response: httpx.Response) -> None:
        """Count the answer's body from its head (``Content-Length``) on."""
        length = response.headers.get("Content-Length", "")
        if length.isdigit():
            self.answer = int(length)
        else:
            self.open_ended = True

    def arrived(self, count: int) -> None:
        """``count`` more bytes were read from the link."""
        self.received += count

    @property
    def budget_bytes(self) -> int:
        answer = self.received + UNKNOWN_ALLOWANCE if self.open_ended else self.answer or 0
        return self.sent + HEADS + answer

    @property
    def seconds(self) -> float:
        """The whole time the call may take, as known now."""
        if self.within is not None:
            return self.within
        return self.margin + self.budget_bytes / self.rate

    @property
    def deadline(self) -> float:
        return self.started + self.seconds

    def left(self) -> float:
        return self.deadline - self.clock()

    def passed(self) -> bool:
        return self.left() <= 0

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.cancelled

    def describe(self) -> str:
        """The deadline, in English, for the logs."""
        if self.within is not None:
            return f"deadline of {self.within:.1f} s passed"
        return (
            f"deadline of {self.seconds:.1f} s passed ({self.budget_bytes} bytes at "
            f"{self.rate:g} B/s + {self.margin:g} s)"
        )


_local = threading.local()


def current() -> CallLimit | None:
    """The limit of the call this thread is making, if any."""
    stack: list[CallLimit] = getattr(_local, "stack", [])
    return stack[-1] if stack else None


@contextmanager
def limited(limit: CallLimit) -> Iterator[CallLimit]:
    """Run the socket operations of this thread under ``limit`` (calls may nest: a token
    refresh inside a call has its own limit)."""
    stack: list[CallLimit] = _local.__dict__.setdefault("stack", [])
    stack.append(limit)
    try:
        yield limit
    finally:
        for index in range(len(stack) - 1, -1, -1):
            if stack[index] is limit:
                del stack[index]
                break


def _clamp(timeout: float | None, left: float) -> float:
    return left if timeout is None else min(timeout, left)


class LimitedStream(httpcore.NetworkStream):
    """A network stream whose reads and writes obey the calling thread's ``CallLimit``."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        limit = current()
        if limit is None:
            return self._inner.read(max_bytes, timeout)
        clock = limit.clock
        gives_up = None if timeout is None else clock() + timeout  # httpx's read timeout
        while True:
            if limit.cancelled:
                raise httpcore.ReadError("cancelled")
            left = limit.left()
            if left <= 0:
                raise httpcore.ReadTimeout(limit.describe())
            if gives_up is not None:
                left = min(left, gives_up - clock())
                if left <= 0:
                    raise httpcore.ReadTimeout("timed out")
            try:
                data = self._inner.read(max_bytes, min(POLL, left))
            except httpcore.ReadTimeout:
                continue  # a slice ended: look at the token and the time again
            limit.arrived(len(data))
            return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        limit = current()
        if limit is None:
            self._inner.write(buffer, timeout)
            return
        for start in range(0, len(buffer), WRITE_PIECE):
            if limit.cancelled:
                raise httpcore.WriteError("cancelled")
            left = limit.left()
            if left <= 0:
                raise httpcore.WriteTimeout(limit.describe())
            self._inner.write(buffer[start : start + WRITE_PIECE], _clamp(timeout, left))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = current()
        if limit is not None:
            timeout = _clamp(timeout, max(limit.left(), 0.001))
        return LimitedStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class LimitedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its streams wrapped in ``LimitedStream``."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit = current()
        if limit is not None:
            if limit.cancelled:
                raise httpcore.ConnectError("cancelled")
            left = limit.left()
            if left <= 0:
                raise httpcore.ConnectTimeout(limit.describe())
            timeout = _clamp(timeout, left)
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return LimitedStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return LimitedStream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(client: httpx.Client) -> int:
    """Put ``LimitedBackend`` under every transport of ``client`` that httpx built
    (the direct one and the proxies', from the settings or the environment); returns how
    many. A transport passed in from outside (tests) is left as it is.

    httpx offers no public way to choose httpcore's network backend, so this reaches
    into ``Client._transport``/``_mounts`` and ``HTTPTransport._pool``; if a new httpx
    moves them it fails loudly here rather than calls running without deadlines.
    """
    transports = [client._transport, *client._mounts.values()]
    count = 0
    for transport in transports:
        if type(transport) is not httpx.HTTPTransport:
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            raise RuntimeError("httpx changed: cannot put the deadline under its transport")
        if not isinstance(backend, LimitedBackend):
            pool._network_backend = LimitedBackend(backend)  # type: ignore[union-attr]
        count += 1
    return count
