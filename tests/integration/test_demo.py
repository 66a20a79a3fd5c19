"""The demo's embedded server, a real child process of this Python (``--embedded-server``):
it serves the demo course on 127.0.0.1 to a participant signing in through the session,
stops at the end of its input (the app closed it, or died), loads the demo once per
folder, says what is wrong when it cannot start, and never imports Qt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from latsar_desktop import demo
from latsar_desktop.demo import (
    DEMO_CERTIFICATE_DELAY,
    DemoPerson,
    EmbeddedServer,
    EmbeddedServerError,
    open_demo,
)
from latsar_desktop.domain.progress import certificate_delay
from latsar_desktop.session.participant import ParticipantSession
from latsar_server.database import make_engine, transaction
from latsar_server.tables import Participant, SigningKey
from tests.integration.serverkit import DEMO_PARTICIPANTS, demo_people
from tests.servers import wait_until

BUDI = demo_people()[0]
STOPPED_WITHIN = 30.0  # seconds: a bound on waiting for the child, not a timing assertion


def refuses_connections(url: str) -> bool:
    try:
        httpx.get(f"{url}/health", timeout=2)
    except httpx.TransportError:
        return True
    return False


def gone(pid: int) -> bool:
    """The process has ended (a zombie not yet reaped by its new parent counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_budi_signs_in_online_and_gets_the_demo_course(tmp_path: Path) -> None:
    machine, server = open_demo(tmp_path)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.process.poll() is None
        session = ParticipantSession.sign_in(machine, BUDI["nip"], BUDI["nik"], device_name="PC")
        try:
            assert session.online
            package = session.package()
            assert package.course_id == BUDI["course"]
            # the demo's short delay came with the package: the app expects it
            assert package.rules.certificate_delay_seconds == DEMO_CERTIFICATE_DELAY
            assert certificate_delay(package.rules) == timedelta(seconds=DEMO_CERTIFICATE_DELAY)
        finally:
            session.sign_out()
        assert [p.nip for p in machine.profiles()] == [BUDI["nip"]]
        # one data directory for both: the client's machine.db, the server's folder
        assert (tmp_path / "machine.db").is_file()
        assert (tmp_path / "server" / "server.db").is_file()
    finally:
        machine.close()
        assert server.stop() == 0
    assert refuses_connections(server.url)


def test_closing_its_input_stops_the_child(tmp_path: Path) -> None:
    server = EmbeddedServer.start(tmp_path)
    try:
        assert server.process.stdin is not None
        server.process.stdin.close()  # what the app's end does, without stop()
        assert server.process.wait(STOPPED_WITHIN) == 0
        assert refuses_connections(server.url)
    finally:
        server.stop()


PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from latsar_desktop.demo import EmbeddedServer
    server = EmbeddedServer.start(Path(sys.argv[1]))
    print(server.process.pid, server.url, flush=True)
    time.sleep(600)
    """
)


def test_the_child_stops_when_the_app_dies(tmp_path: Path) -> None:
    """The app is killed (no clean-up at all): its end of the pipe closes with it."""
    app = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    child = 0
    try:
        assert app.stdout is not None
        pid_text, url = app.stdout.readline().split()
        child = int(pid_text)
        assert not gone(child)
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200
        app.send_signal(signal.SIGKILL)
        app.wait(STOPPED_WITHIN)
        assert wait_until(lambda: gone(child), STOPPED_WITHIN), "the orphaned server stayed"
        assert refuses_connections(url)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        if app.stdout is not None:
            app.stdout.close()
        if child and not gone(child):  # the test failed: leave no server behind
            os.kill(child, signal.SIGKILL)


def test_a_second_start_on_the_same_folder_imports_nothing_again(tmp_path: Path) -> None:
    with EmbeddedServer.start(tmp_path) as first:
        pass
    assert first.process.returncode == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'server' / 'server.db'}")

    def loaded() -> tuple[list[str], list[tuple[str, object]]]:
        with transaction(engine) as session:
            keys = list(session.exec(select(SigningKey.key_id)))
            people = session.exec(
                select(Participant.nip, Participant.updated_at).order_by(col(Participant.nip))
            )
            return keys, [(nip, at) for nip, at in people]

    try:
        before = loaded()
        assert len(before[0]) == 1
        assert len(before[1]) == len(demo_people())
        with EmbeddedServer.start(tmp_path) as second:
            assert httpx.get(f"{second.url}/health").status_code == 200
        assert loaded() == before  # no second key, no participant re-imported
    finally:
        engine.dispose()
    log = (tmp_path / "server" / demo.LOG_NAME).read_text(encoding="utf-8")
    assert log.count("demo course and participants loaded") == 1
    assert log.count("the embedded server stopped") == 2


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "server" / "server.db").mkdir(parents=True)  # a folder where the file goes
    with pytest.raises(EmbeddedServerError) as failed:
        EmbeddedServer.start(tmp_path)
    text = str(failed.value)
    assert "exited with status" in text
    assert "unable to open database file" in text  # the tail of the child's log


@pytest.mark.parametrize(
    ("child", "timeout", "problem"),
    [
        # silent: the short wait runs out (a loaded machine only makes it more certain)
        ("import time; time.sleep(120)", 3, "no ready line within 3 s"),
        # chatty: its line is read as soon as it comes; the wait bounds a slow start only
        (
            "print('hello', flush=True); import time; time.sleep(120)",
            STOPPED_WITHIN,
            "it said 'hello'",
        ),
    ],
    ids=["silent", "chatty"],
)
def test_a_child_that_never_says_ready_is_stopped_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: str, timeout: float, problem: str
) -> None:
    monkeypatch.setattr(demo, "self_command", lambda: [sys.executable, "-c", child])
    with pytest.raises(EmbeddedServerError, match=problem):
        EmbeddedServer.start(tmp_path, timeout=timeout)


def test_the_embedded_server_never_imports_qt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python's import log of the real child run (into its log file) names no PySide6."""
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    with EmbeddedServer.start(tmp_path) as server:
        assert httpx.get(f"{server.url}/health").status_code == 200
    imports = (tmp_path / "server" / demo.LOG_NAME).read_text(encoding="utf-8")
    assert "import time:" in imports
    assert "latsar_server.app" in imports  # the log covers the server's imports
    assert "PySide6" not in imports
    assert "shiboken6" not in imports


def test_the_server_extra_is_installed_here_and_named_when_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert demo.server_extra_missing() is None
    real = demo.importlib.util.find_spec

    def without_uvicorn(name: str, *args: object) -> object:
        return None if name == "uvicorn" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(demo.importlib.util, "find_spec", without_uvicorn)
    assert demo.server_extra_missing() == 'pip install "latsar-desktop[gui,server]"'


def test_demo_people_and_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    with DEMO_PARTICIPANTS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert demo.demo_people() == [DemoPerson(r["nip"], r["nik"], r["name"]) for r in rows]
    assert demo.demo_people()[0] == DemoPerson(BUDI["nip"], BUDI["nik"], "Budi Santoso")
    monkeypatch.setattr(demo.tempfile, "tempdir", str(tmp_path))
    first, second = demo.fresh_demo_dir(), demo.fresh_demo_dir()
    assert first != second
    for folder in (first, second):
        assert folder.parent == tmp_path
        assert folder.name.startswith("latsar-demo-")
        assert list(folder.iterdir()) == []


def test_self_command_runs_this_app(monkeypatch: pytest.MonkeyPatch) -> None:
    assert demo.self_command() == [sys.executable, "-m", "latsar_desktop.app"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert demo.self_command() == [sys.executable]  # a bundle is the app itself
