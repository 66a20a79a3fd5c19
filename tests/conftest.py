from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.sandbox import UNSET, private_dirs

if TYPE_CHECKING:
    from latsar_desktop.session import ParticipantSession
    from tests.faultproxy import FaultProxy

# Qt never needs a screen in tests; pytest-qt uses PySide6 (set here, not in the ini,
# so that the Qt-free run can disable the plugin under --strict-config).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTEST_QT_API", "pyside6")

LEAK_GRACE = 5.0
"""Seconds that the threads a test started may take, together, to finish after it ends
(the grace is only spent waiting for threads that are still alive)."""


@pytest.fixture(autouse=True)
def _private_data_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every data path at tmp_path, so no test can touch a real profile or $HOME."""
    for name, value in private_dirs(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sessions() -> Iterator[list[ParticipantSession]]:
    """Sessions a test opened (it appends them): signed out at its end, even when it fails."""
    opened: list[ParticipantSession] = []
    yield opened
    for session in opened:
        session.sign_out()


def _live_servers() -> dict[str, threading.Thread]:
    servers = sys.modules.get("tests.servers")  # never imported: no server was started
    return dict(servers.live_servers()) if servers is not None else {}


def _running_proxies() -> set[FaultProxy]:
    faultproxy = sys.modules.get("tests.faultproxy")
    return set(faultproxy.running_proxies()) if faultproxy is not None else set()


def _ours(thread: threading.Thread) -> bool:
    """Whether a test could have started ``thread`` and must stop it.

    Not ours: the main thread (pytest itself), and dummy threads (threading's stand-ins
    for threads it did not start, e.g. a Qt thread that called into Python: they cannot
    be joined, and Python 3.11 keeps them listed after the thread has ended).
    """
    return thread is not threading.main_thread() and not isinstance(
        thread,
        threading._DummyThread,  # type: ignore[attr-defined]
    )


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    """Fail a test that leaves a thread, a test server or a fault proxy running.

    Compares what runs before and after the test, its fixtures' teardowns included (this
    fixture is set up before the test's other function-scoped fixtures, so it ends after
    them). What a session- or module-scoped fixture started runs before the test already
    (pytest sets up wider scopes first), so it is not flagged.
    """
    threads = set(threading.enumerate())
    servers, proxies = _live_servers(), _running_proxies()
    yield
    deadline = time.monotonic() + LEAK_GRACE
    started = [t for t in threading.enumerate() if t not in threads and _ours(t)]
    for thread in started:
        thread.join(max(0.0, deadline - time.monotonic()))
    leaks = [f"test server {url}" for url in _live_servers().keys() - servers.keys()]
    server_threads = set(_live_servers().values())
    for proxy in _running_proxies() - proxies:
        leaks.append(f"FaultProxy {proxy.url}")
        with contextlib.suppress(RuntimeError):
            proxy.stop()  # so that it cannot disturb the next tests
    leaks += [f"thread {t.name!r}" for t in started if t.is_alive() and t not in server_threads]
    if leaks:
        pytest.fail("still running after the test: " + ", ".join(leaks), pytrace=False)
