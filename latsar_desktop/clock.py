"""The client's one clock: wall time in UTC and a monotonic clock, both injectable.

Every part of the client that reads the time takes a ``WallClock`` (or a ``Monotonic``)
with these defaults, so a test (or the session object) can give all of them one clock.
Wall times are stored in UTC; SQLite hands them back naive, and ``aware`` restores the zone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

WallClock = Callable[[], datetime]
Monotonic = Callable[[], float]


def utc_now() -> datetime:
    return datetime.now(UTC)


monotonic: Monotonic = time.monotonic


def aware(value: datetime) -> datetime:
    """A datetime read back from SQLite (naive) as the UTC time it was stored as."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
