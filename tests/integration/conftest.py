from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from latsar_server.settings import Settings
from tests.integration.serverkit import load_demo, sqlite_settings
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
