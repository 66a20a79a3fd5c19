"""Server processes started at once on one fresh PostgreSQL database each migrate it (every
``serve`` migrates at start): they take turns, and every one of them succeeds.

Made to collide for sure: the test creates the table Alembic creates first
(``alembic_version``) in a transaction it keeps open, so both ``latsar-server migrate`` runs
stop on it; once both wait, it rolls back and lets them go at the same moment. Without the
migrations' lock one of them failed (``UniqueViolation`` on ``pg_type``: both created the
same table), as two runs at once did in 5 of 6 tries by hand.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from tests.servers import PostgresCluster, wait_until

RUNS = 2


def test_migrations_started_together_take_turns(postgres: PostgresCluster | None) -> None:
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (CI fails instead of skipping)")
    url = postgres.new_database()
    engine = create_engine(url)
    command = [sys.executable, "-m", "latsar_server.cli", "--database-url", url, "migrate"]
    try:
        with engine.connect() as blocker, engine.connect() as watcher:
            blocker.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            runs = [
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(RUNS)
            ]

            def waiting() -> bool:
                found = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
                watcher.commit()
                return found.scalar_one() >= RUNS

            assert wait_until(waiting, 60, 0.05), "the migrations never both waited"
            blocker.rollback()  # both go now
            results = [(run.wait(timeout=120), run.communicate()[1][-2000:]) for run in runs]
        assert [code for code, _ in results] == [0] * RUNS, results
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert len(versions.all()) == 1
    finally:
        engine.dispose()
