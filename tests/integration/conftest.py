from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from latsar_desktop.logs import setup_logging, stop_logging
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_server.settings import Settings
from tests.integration.serverkit import demo_people, load_demo, sign_in, sqlite_settings
from tests.servers import PostgresCluster, PostgresUnavailable, RunningServer, running_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster | None]:
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs PostgreSQL: {exc}")
        yield None
        return
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresCluster | None
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (CI fails instead of skipping)")
    return postgres.new_database()


@pytest.fixture
def server_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "server-data")


@pytest.fixture
def server(server_settings: Settings) -> Iterator[RunningServer]:
    with running_server(server_settings) as running:
        yield running


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[RunningServer]:
    """For tests about the client or the API surface: one database kind is enough."""
    with running_server(sqlite_settings(tmp_path)) as running:
        yield running


@pytest.fixture
def demo_server(server: RunningServer) -> RunningServer:
    """``server`` (SQLite and PostgreSQL) with a signing key, the demo course and its
    participants, as an operator would set it up."""
    load_demo(server)
    return server


@pytest.fixture
def sqlite_demo(sqlite_server: RunningServer) -> RunningServer:
    """``sqlite_server`` with the demo course and people loaded: for client tests."""
    load_demo(sqlite_server)
    return sqlite_server


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[MachineStore]:
    """This computer's data directory (``tmp_path / "pc"``), closed at the end."""
    store = MachineStore(tmp_path / "pc")
    yield store
    store.close()


@pytest.fixture
def budi(
    sqlite_demo: RunningServer, machine: MachineStore, sessions: list[ParticipantSession]
) -> ParticipantSession:
    """The first demo participant signed in online on ``machine`` (signed out at the end)."""
    session = sign_in(machine, sqlite_demo.url, demo_people()[0])
    sessions.append(session)
    return session


@pytest.fixture
def debug_logs(tmp_path: Path) -> Iterator[Path]:
    """The app's log file, as the app sets it up but at DEBUG (every library's records
    too), in tmp_path/"logs"."""
    root = logging.getLogger()
    level = root.level
    folder = tmp_path / "logs"
    setup_logging(folder, logging.DEBUG)
    yield folder
    stop_logging()
    root.setLevel(level)
