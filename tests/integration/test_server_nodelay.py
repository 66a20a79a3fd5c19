"""Every connection the server accepts has Nagle's algorithm off (``TCP_NODELAY``).

uvicorn writes a response's head and body in two writes; on a socket that asyncio did not
set up itself (``--workers 2``, or a socket a test binds) the body waited for the
client's delayed acknowledgement of the head: 40 ms per sync request on Linux, 200 ms on
Windows (``latsar_server/serving.py``). These tests read the option off the server's own
accepted sockets, in a real uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from latsar_server import cli
from latsar_server.serving import HTTP_PROTOCOL, NoDelayHTTPProtocol
from tests.servers import wait_until


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def served(http: str, loop: str) -> Iterator[tuple[uvicorn.Server, int]]:
    """uvicorn with ``http`` and ``loop`` on a listening socket bound as uvicorn binds one
    for several workers (``socket.socket()``: ``proto`` 0)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(hello, http=http, loop=loop, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: server.started or not thread.is_alive(), 10, 0.01)
        yield server, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def accepted_nodelay(http: str, loop: str) -> int:
    """``TCP_NODELAY`` of the server's side of one open connection."""
    with (
        served(http, loop) as (server, port),
        socket.create_connection(("127.0.0.1", port)) as client,
    ):
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        (connection,) = server.server_state.connections
        sock = connection.transport.get_extra_info("socket")
        return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


# asyncio: Windows, and wherever uvloop is not installed (the demo bundle); uvloop (Linux,
# the server extra) turns Nagle off itself
@pytest.mark.parametrize("loop", ["asyncio", "auto"])
def test_connections_of_a_socket_bound_for_workers_have_nagle_off(loop: str) -> None:
    assert accepted_nodelay(HTTP_PROTOCOL, loop) == 1


def test_uvicorns_own_protocol_on_asyncio_leaves_nagle_on_there() -> None:
    # what the server did before, and why this test can tell: if asyncio or uvicorn ever
    # turn it off themselves, this fails and serving.py can go
    assert accepted_nodelay("auto", "asyncio") == 0


def test_serve_runs_uvicorn_with_the_protocol(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    called: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: called.update(options))
    monkeypatch.setattr(os, "environ", dict(os.environ))  # serve passes settings on there
    database = f"sqlite:///{tmp_path / 'server.db'}"
    places = ["--database-url", database, "--data-dir", str(tmp_path / "data")]
    assert cli.main([*places, "serve", "--workers", "2"]) == 0
    config = uvicorn.Config("latsar_server.app:app_from_env", http=called["http"])
    config.load()  # resolves the protocol class, as each worker does
    assert config.http_protocol_class is NoDelayHTTPProtocol
