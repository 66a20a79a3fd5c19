"""The demo: the bundled demo course with an embedded reference server (``--demo``).

One fresh data directory serves both sides: the client's machine.db and profiles in it,
the server's database, content, keys and log in its ``server/`` folder. The server is a
child process of this same executable (``--embedded-server FOLDER``), never a thread of
the app, so it does not compete with the window; it listens on 127.0.0.1 only and stops
with the app: it watches its stdin, a pipe from the app, and leaves at end of file, which
comes when the app closes it or dies.

The app's side (``ui/application.py`` drives it)::

    problem = server_extra_missing()        # None, or the pip command to print (exit 2)
    machine, server = open_demo(fresh_demo_dir())
    ... demo_people() on the sign-in screen ...
    server.stop(); machine.close()

The child's side is :func:`serve_embedded`: migrate, the first time a signing key and the
demo course and participants (:func:`load_demo_course`, as an operator does; the tests'
servers are set up by it too), then uvicorn on a socket it bound itself, printing
``LATSAR-SERVER <url>`` on stdout once it serves, and the daily job (grading and
issuance) every minute, with a certificate delay of a few minutes
(``DEMO_CERTIFICATE_DELAY``) stamped into the course.

Qt-free, and ``latsar_server`` (the ``server`` extra) is imported only inside the
functions that need it: without the extra, :func:`server_extra_missing` says what to
install instead of the app failing on an import.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import importlib.util
import logging
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from latsar_desktop.locations import resources_dir

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy import Engine

    from latsar_desktop.store.machine import MachineStore
    from latsar_server.settings import Settings

log = logging.getLogger(__name__)

DEMO_CERTIFICATE_DELAY = 180  # seconds from passing to the certificate, in the demo
DEMO_ISSUE_EVERY = 60.0  # seconds between two runs of the daily job, in the demo
READY = "LATSAR-SERVER"  # the child's ready line: "LATSAR-SERVER http://127.0.0.1:<port>"
SERVER_FOLDER = "server"  # the embedded server's folder in the demo's data directory
LOG_NAME = "embedded-server.log"  # the child's stderr, in its folder
LOADED_MARK = "demo-loaded"  # written once the demo course and people are imported
INSTALL_SERVER_EXTRA = 'pip install "latsar-desktop[gui,server]"'
# what the embedded server needs beyond the core (the server extra; psycopg is for
# PostgreSQL only)
SERVER_MODULES = ("latsar_server", "fastapi", "uvicorn", "alembic")
LOG_TAIL_BYTES = 4000


@dataclass(frozen=True)
class DemoPerson:
    """A demo participant, as the sign-in screen shows them (NIP and NIK to type)."""

    nip: str
    nik: str
    name: str


def server_extra_missing() -> str | None:
    """None when the embedded server can run here; else the command that installs what it
    needs (the caller prints it and exits with status 2).

    Looks the modules up without importing them: the window does not pay for FastAPI."""
    for name in SERVER_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return INSTALL_SERVER_EXTRA
    return None


def demo_course_dir() -> Path:
    """The bundled demo course (package.json, content/, participants.csv)."""
    return resources_dir() / "demo_course"


def demo_people() -> list[DemoPerson]:
    """The demo participants, in the order of the bundled participants.csv."""
    with (demo_course_dir() / "participants.csv").open(encoding="utf-8", newline="") as handle:
        return [DemoPerson(row["nip"], row["nik"], row["name"]) for row in csv.DictReader(handle)]


def fresh_demo_dir() -> Path:
    """A new, empty temporary folder for one demo run (client and server)."""
    return Path(tempfile.mkdtemp(prefix="latsar-demo-"))


def self_command() -> list[str]:
    """How to run this executable again: the bundle itself, or this Python with the app."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "latsar_desktop.app"]


class EmbeddedServerError(RuntimeError):
    """The embedded server did not start; the text ends with its log's last lines."""


def _log_tail(path: Path, limit: int = LOG_TAIL_BYTES) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - limit))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError as exc:
        return f"(no log: {exc})"


class EmbeddedServer:
    """The demo's server: a child process of this executable, on 127.0.0.1.

    ``start`` spawns it and waits for its ready line; ``url`` is where it serves,
    ``process`` the child. ``stop`` closes the child's stdin (it leaves at end of file),
    waits, and terminates or kills it when it does not leave. A context manager.
    """

    def __init__(self, process: subprocess.Popen[bytes], url: str, folder: Path) -> None:
        self.process = process
        self.url = url
        self.folder = folder

    @property
    def log_path(self) -> Path:
        return self.folder / LOG_NAME

    @classmethod
    def start(cls, data_dir: Path, timeout: float = 60) -> EmbeddedServer:
        """Spawn the server on ``data_dir / "server"`` and wait up to ``timeout`` seconds for
        it to serve; raise :class:`EmbeddedServerError` (with its log's tail) if it does not."""
        folder = data_dir / SERVER_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / LOG_NAME
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console window
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                [*self_command(), "--embedded-server", str(folder)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                creationflags=flags,
            )
        lines: queue.Queue[bytes] = queue.Queue()
        assert process.stdout is not None
        reader = threading.Thread(
            target=_read_ready_line,
            args=(process.stdout, lines),
            name="embedded-server-ready",
            daemon=True,
        )
        reader.start()
        try:
            line, timed_out = lines.get(timeout=timeout), False
        except queue.Empty:
            line, timed_out = b"", True
        text = line.decode("utf-8", "replace").strip()
        if not text.startswith(READY + " "):
            status = cls._kill(process)
            reader.join(5)
            process.stdout.close()
            if timed_out:
                problem = f"no ready line within {timeout:g} s"
            elif line:
                problem = f"it said {text!r} instead of its ready line"
            else:
                problem = f"it exited with status {status}"
            raise EmbeddedServerError(
                f"The embedded server did not start ({problem}); the end of {log_path}:\n"
                + _log_tail(log_path)
            )
        reader.join(5)  # it read the one line and ended
        process.stdout.close()  # the child writes nothing more there
        return cls(process, text.split(" ", 1)[1], folder)

    def stop(self, timeout: float = 10) -> int:
        """Stop the child: end of file on its stdin, then terminate, then kill; its status."""
        _close_input(self.process)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("the embedded server did not leave at end of input: terminating it")
        return self._kill(self.process)

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> int:
        _close_input(process)
        process.terminate()
        try:
            return process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def _close_input(process: subprocess.Popen[bytes]) -> None:
    """End of file on the child's stdin: the child stops serving and leaves."""
    if process.stdin is not None and not process.stdin.closed:
        with contextlib.suppress(OSError):  # it is gone already: a broken pipe
            process.stdin.close()


def _read_ready_line(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    """Put the child's first stdout line (empty at end of file) for ``start`` to read."""
    try:
        lines.put(stream.readline(1000))
    except (OSError, ValueError):  # closed under us: the child was killed
        lines.put(b"")


def open_demo(data_dir: Path, timeout: float = 60) -> tuple[MachineStore, EmbeddedServer]:
    """The demo's client and server on ``data_dir``: the embedded server started, and this
    computer's machine.db in ``data_dir`` pointed at it. The caller closes both."""
    from latsar_desktop.store.machine import MachineStore
    from latsar_desktop.sync.api import SERVER_URL_SETTING

    server = EmbeddedServer.start(data_dir, timeout)
    try:
        machine = MachineStore(data_dir)
        machine.set_setting(SERVER_URL_SETTING, server.url)
    except BaseException:
        server.stop()
        raise
    return machine, server


# ------------------------------------------------------------------------- the child


def serve_embedded(folder: Path) -> int:
    """Run the embedded server on ``folder`` until stdin ends (``--embedded-server``).

    SQLite and content in ``folder``; 127.0.0.1 on a port the system picks; one process,
    uvicorn in this (the main) thread. Prints ``LATSAR-SERVER <url>`` on stdout once it
    serves, and nothing else there: every log line goes to stderr (the log file the app
    opened for it). Returns the exit status.
    """
    ready = _claim_stdout()  # before anything else could print there
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    import uvicorn

    from latsar_server.app import configure_logging, create_app
    from latsar_server.database import make_engine, migrate
    from latsar_server.settings import Settings

    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    configure_logging()  # the server's request log: JSON lines, on stderr
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings = dataclasses.replace(
            Settings.from_env(),  # LATSAR_SERVER_* may tune the rest (min_protocol, ...)
            database_url=f"sqlite:///{folder / 'server.db'}",
            data_dir=folder,
            certificate_delay_seconds=DEMO_CERTIFICATE_DELAY,
            public_url=url,
        )
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        app = create_app(settings)
        try:
            load_demo_once(engine, settings)
            config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
            server = _ready_server(config, lambda: _say_ready(ready, url))
            stop = threading.Event()
            jobs = threading.Thread(
                target=_daily_jobs, args=(engine, settings, stop), name="demo-daily-job"
            )
            watcher = threading.Thread(
                target=_exit_at_end_of_input, args=(server,), name="stdin-watch", daemon=True
            )
            jobs.start()
            watcher.start()
            try:
                server.run(sockets=[sock])
            finally:
                stop.set()
                jobs.join()
        finally:
            app.state.latsar.close()
            engine.dispose()
    log.info("the embedded server stopped")
    return 0 if server.started else 1


def load_demo_once(engine: Engine, settings: Settings) -> bool:
    """The first time on this folder: :func:`load_demo_course`. True when it loaded the
    demo; False when an earlier run had (nothing is imported twice)."""
    mark = settings.data_dir / LOADED_MARK
    if mark.exists():
        return False
    load_demo_course(engine, settings)
    mark.write_text(datetime.now(UTC).isoformat() + "\n", encoding="utf-8")
    log.info("demo course and participants loaded in %s", settings.data_dir)
    return True


def load_demo_course(
    engine: Engine, settings: Settings, *, workers: int = 1, package: Path | None = None
) -> None:
    """A signing key, the demo course (the settings' certificate delay stamped in) and
    its participants, as an operator sets a server up. ``package``: another course file
    instead of the bundled one (its content beside it); ``workers``: the processes that
    hash the NIKs. The embedded server and the tests' servers are set up by this."""
    from latsar_server.accounts.imports import import_participants
    from latsar_server.certificates.keys import keygen
    from latsar_server.courses.imports import import_course

    course = demo_course_dir()
    keygen(engine, settings.key_dir)
    import_course(
        engine,
        settings.content_dir,
        package or course / "package.json",
        certificate_delay_seconds=settings.certificate_delay_seconds,
    )
    report = import_participants(engine, course / "participants.csv", workers=workers)
    if report.errors:  # the bundled file is checked by tests: a damaged installation
        raise RuntimeError(f"demo participants refused: {report.errors}")


def _ready_server(config: uvicorn.Config, ready: Callable[[], None]) -> uvicorn.Server:
    """uvicorn's Server, calling ``ready`` once it has started (its sockets listen)."""
    import uvicorn

    class ReadyServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                ready()

    return ReadyServer(config)


def _claim_stdout() -> IO[str] | None:
    """This process's stdout, kept for the ready line alone: file descriptor 1 and
    ``sys.stdout`` now go to stderr, so a stray print lands in the log, never in the pipe
    (which the app stops reading after that line). None when there is no stdout."""
    try:
        kept = os.dup(1)
        os.dup2(2, 1)
    except OSError:
        return None
    sys.stdout = sys.stderr
    return os.fdopen(kept, "w", encoding="utf-8")


def _say_ready(stream: IO[str] | None, url: str) -> None:
    if stream is None:
        log.error("no stdout: cannot tell the app that the server is ready at %s", url)
        return
    try:
        stream.write(f"{READY} {url}\n")
        stream.close()
    except OSError:  # the app is gone already: stdin's end of file stops the server
        log.warning("the app did not read the ready line")


def _exit_at_end_of_input(server: uvicorn.Server) -> None:
    """Read stdin until it ends (the app closed the pipe, or died), then stop serving.

    Reads the file descriptor itself: a daemon thread blocked in ``sys.stdin`` would hold
    its lock when the interpreter finalizes."""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    log.info("end of input: the embedded server stops")
    server.should_exit = True


def _daily_jobs(engine: Engine, settings: Settings, stop: threading.Event) -> None:
    """What ``latsar-server issue-certificates`` runs, every ``DEMO_ISSUE_EVERY`` seconds:
    grade the attempts that are due, then issue the certificates that are due."""
    from latsar_server.certificates.issuance import issue_certificates
    from latsar_server.sync.daily import grade_all_due

    while not stop.wait(DEMO_ISSUE_EVERY):
        try:
            now = datetime.now(UTC)
            graded = grade_all_due(engine, now)
            issued = issue_certificates(engine, settings, now)
        except Exception:  # the next run tries again; the server keeps serving
            log.exception("the demo's daily job failed")
            continue
        if graded or issued:
            log.info("daily job: %d attempts graded; issued: %s", graded, issued)
