"""Real servers for tests: a throwaway PostgreSQL cluster, and the API under uvicorn.

The API runs in a thread on a random 127.0.0.1 port (``running_server``); the database
is a SQLite file in tmp_path or a fresh database in a PostgreSQL cluster made for the
test session (as ../shared/ENVIRONMENT.md describes: initdb cannot run as root, so the
cluster lives in a mkdtemp folder owned by ``postgres``).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import uvicorn

from latsar_server.app import create_app
from latsar_server.database import make_engine, migrate
from latsar_server.serving import HTTP_PROTOCOL
from latsar_server.settings import Settings

T = TypeVar("T")


class PostgresUnavailable(RuntimeError):
    pass


# runuser lives in /usr/sbin, which a minimal PATH may lack
RUNUSER = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dead_url() -> str:
    """An address on 127.0.0.1 where nothing listens: every connection is refused."""
    return f"http://127.0.0.1:{free_port()}"


def wait_until(predicate: Callable[[], T], timeout: float, interval: float = 0.05) -> T:
    """Call ``predicate`` every ``interval`` seconds until it returns a true value, and
    return that value; past ``timeout`` seconds, its last (false) value. It is always
    called once more after the deadline. A bound on waiting, never a timing assertion:
    the caller asserts the value (a predicate may raise to give up early)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


@dataclass
class PostgresCluster:
    folder: Path
    port: int
    bin_dir: Path
    _names = itertools.count(1)

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(RUNUSER), "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            cwd=self.folder,
        )

    @classmethod
    def start(cls) -> PostgresCluster:
        initdbs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not initdbs or RUNUSER is None:
            raise PostgresUnavailable("PostgreSQL server binaries not found")
        bin_dir = Path(initdbs[-1]).parent
        folder = Path(tempfile.mkdtemp(prefix="latsar-pg-"))
        shutil.chown(folder, "postgres", "postgres")
        cluster = cls(folder, free_port(), bin_dir)
        cluster._run(
            str(bin_dir / "initdb"),
            "-D",
            str(folder / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        )
        options = (
            f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        cluster._run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(folder / "data"),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "start",
        )
        return cluster

    def stop(self) -> None:
        subprocess.run(
            [
                str(RUNUSER),
                "-u",
                "postgres",
                "--",
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            cwd=self.folder,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    def new_database(self) -> str:
        import psycopg

        name = f"latsar_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@dataclass
class RunningServer:
    url: str
    settings: Settings

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self._engine

    def __post_init__(self) -> None:
        self._engine = make_engine(self.settings.database_url)


_LIVE: dict[str, threading.Thread] = {}
"""The thread of every server running_server started, by URL, until it has stopped."""


def live_servers() -> dict[str, threading.Thread]:
    """Servers whose thread still runs, by URL (tests/conftest.py fails a test leaking one)."""
    return {url: thread for url, thread in list(_LIVE.items()) if thread.is_alive()}


@contextmanager
def running_server(settings: Settings, port: int = 0) -> Iterator[RunningServer]:
    """The API under uvicorn in a thread, on a random 127.0.0.1 port (or ``port``: a
    server started again where a stopped one was)."""
    migrate(settings.database_url)
    app = create_app(settings)
    sock = socket.socket()
    # as uvicorn's own sockets: a server started again on the port (its connections
    # linger in TIME_WAIT) can bind it, when both sockets say so
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, http=HTTP_PROTOCOL, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), 10, 0.01)
    if not server.started:
        raise RuntimeError("the test server did not start")
    running = RunningServer(f"http://127.0.0.1:{port}", settings)
    _LIVE[running.url] = thread
    try:
        yield running
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if not thread.is_alive():  # else the leak check reports it
            del _LIVE[running.url]
        sock.close()
        running.engine.dispose()
        app.state.latsar.close()


@dataclass
class ServerProcess:
    """``latsar-server serve`` in its own process group on a free 127.0.0.1 port, as an
    operator runs it (workers are processes): for multi-worker tests and benchmarks."""

    url: str
    process: subprocess.Popen[bytes]

    @classmethod
    def start(
        cls, database_url: str, data_dir: Path, workers: int, log: Path | None = None
    ) -> ServerProcess:
        port = free_port()
        stderr = log.open("ab") if log is not None else subprocess.DEVNULL
        command = [sys.executable, "-m", "latsar_server.cli", "--database-url", database_url]
        command += ["--data-dir", str(data_dir), "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers)]
        served = cls(
            f"http://127.0.0.1:{port}",
            subprocess.Popen(command, start_new_session=True, stderr=stderr),
        )

        def answers_or_exited() -> bool:
            try:
                return httpx.get(served.url + "/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return served.process.poll() is not None

        if wait_until(answers_or_exited, 60, 0.1) and served.process.poll() is None:
            return served
        served.stop()
        raise RuntimeError(f"latsar-server serve --workers {workers} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
