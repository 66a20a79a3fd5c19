"""The server's one clock: every time the server reads (a token's expiry, an event's
``received_at``, a change's ``at``, the day a graded-per-day attempt is due, a
certificate's date) comes from :func:`now`.

There is one per process, as there is one set of settings per process (each uvicorn
worker is a process). It is not carried by ``ServerRuntime``: the code that reads the
time most (the change log, the standing, a key's creation) runs where no runtime is at
hand, and threading one through every call would change no behaviour. A test pins it by
replacing :data:`source` (``monkeypatch.setattr(clock, "source", lambda: moment)``);
``tests/unit/test_server_layout.py`` checks that nothing else in the server reads the
system time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

WallClock = Callable[[], datetime]


def system_time() -> datetime:
    return datetime.now(UTC)


source: WallClock = system_time  # what now() reads: replaced by tests that pin the clock


def now() -> datetime:
    """The server's time: aware, in UTC."""
    return source()
