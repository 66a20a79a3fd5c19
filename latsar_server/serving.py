"""How uvicorn serves the API: its HTTP protocol, with ``TCP_NODELAY`` on every connection.

uvicorn writes a response's head and its body in two writes. asyncio turns Nagle's
algorithm off (``TCP_NODELAY``) only on sockets whose ``proto`` is ``IPPROTO_TCP``, and
the listening socket uvicorn binds itself for ``--workers 2`` or more (as a test binds
one) has ``proto`` 0: on those connections the kernel holds the body back until the
client acknowledges the head, and clients delay that acknowledgement (40 ms on Linux,
200 ms on Windows). Every sync request then waited that long for its own answer. This
protocol turns Nagle off on each connection it is given, however the socket was made.
(uvloop, which uvicorn picks when it is installed, as the server extra installs it on
Linux, turns it off itself; asyncio stays the loop on Windows and in the demo bundle.)

Used by ``latsar-server serve`` (``cli.py``) and by the tests' servers (``tests/servers.py``).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

HTTP_PROTOCOL = "latsar_server.serving:NoDelayHTTPProtocol"
"""uvicorn's ``http`` option (a string: the workers' config is pickled)."""


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's own HTTP protocol (h11, or httptools when installed), Nagle off."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        no_delay(transport)
        super().connection_made(transport)


def no_delay(transport: asyncio.BaseTransport) -> None:
    """Send each write at once on ``transport``'s TCP socket (a Unix socket: nothing)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
