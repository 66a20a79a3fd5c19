"""The refresh-token secret lives in the database, shared by every server process (issue 19).

Before migration 0008 it was a file in each data folder (``keys/refresh-token.secret``). An
upgraded server copies that file's key into the database on first use, so a refresh token
rotated before the upgrade still answers its successor; after that, the file is not
needed. Processes that make the key at the same moment all end up with the first one.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlmodel import col

from latsar_server.accounts.server_secret import REFRESH_SECRET, SECRET_BYTES, shared_secret
from latsar_server.accounts.tokens import derived_token
from latsar_server.database import make_engine, migrate
from latsar_server.settings import Settings
from latsar_server.tables import ServerSecret
from tests.integration.serverkit import client, demo_people, load_demo, login
from tests.servers import PostgresCluster, running_server, wait_until

REFRESH = "/api/v1/auth/refresh"


def stored_keys(url: str) -> list[bytes]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [
                bytes(value)
                for value in connection.execute(
                    select(col(ServerSecret.value)).where(col(ServerSecret.name) == REFRESH_SECRET)
                ).scalars()
            ]
    finally:
        engine.dispose()


def test_an_upgraded_server_keeps_the_key_of_its_secret_file(
    server_settings: Settings, tmp_path: Path
) -> None:
    """The file a server before 0008 made is the key stored; a process with another data
    folder (no file) then answers a retried refresh with the same successor."""
    old_key = secrets.token_bytes(SECRET_BYTES)
    legacy = server_settings.token_secret_path
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(old_key)
    device = uuid.uuid4()
    with running_server(server_settings) as upgraded:
        load_demo(upgraded)
        with client(upgraded) as http:
            token = login(http, demo_people()[0], device)["tokens"]["refresh_token"]
            body = {"refresh_token": token, "device_id": str(device)}
            rotated = http.post(REFRESH, json=body)
        assert rotated.status_code == 200, rotated.text
    successor = rotated.json()["tokens"]
    assert successor["refresh_token"] == derived_token(old_key, "refresh", token)
    assert stored_keys(server_settings.database_url) == [old_key]
    # the answer was lost; the retry reaches a process whose data folder has no file
    elsewhere = replace(server_settings, data_dir=tmp_path / "another-data-folder")
    with running_server(elsewhere) as other, client(other) as http:
        retried = http.post(REFRESH, json=body)
    assert retried.status_code == 200, retried.text
    assert retried.json()["tokens"] == successor
    assert not elsewhere.token_secret_path.exists()


def test_a_process_that_finds_the_key_missing_as_another_makes_it_reads_that_one(
    postgres: PostgresCluster | None,
) -> None:
    """Process A has inserted its key and not yet committed; process B found none and
    inserts its own. B waits for A's commit (on PostgreSQL), then reads A's key."""
    if postgres is None:
        pytest.skip("PostgreSQL is not installed (CI fails instead of skipping)")
    url = postgres.new_database()
    migrate(url)
    first, second = make_engine(url), make_engine(url)
    key_a = secrets.token_bytes(SECRET_BYTES)
    found: list[bytes] = []
    try:
        with first.connect() as making:
            making.execute(
                insert(ServerSecret).values(
                    name=REFRESH_SECRET, value=key_a, created_at=datetime.now(UTC)
                )
            )  # uncommitted
            racing = threading.Thread(
                target=lambda: found.append(shared_secret(second, REFRESH_SECRET))
            )
            racing.start()
            with first.connect() as watching:

                def waits_on_a_lock() -> bool:
                    waiting = watching.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                    ).scalar_one()
                    watching.rollback()  # a fresh snapshot of the view each time
                    return bool(waiting)

                blocked = wait_until(waits_on_a_lock, 30)
            making.commit()
            racing.join(timeout=30)
        assert blocked, "the second process's insert did not wait for the first's"
        assert found == [key_a]
        with second.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(ServerSecret))
            assert rows.scalar_one() == 1
    finally:
        first.dispose()
        second.dispose()


def test_the_key_is_read_once_per_engine(tmp_path: Path) -> None:
    """Each worker reads the key once: a change in the database reaches new engines only."""
    url = f"sqlite:///{tmp_path / 'server.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        key = shared_secret(engine, REFRESH_SECRET)
        assert len(key) == SECRET_BYTES
        replaced = secrets.token_bytes(SECRET_BYTES)
        with engine.begin() as connection:
            connection.execute(update(ServerSecret).values(value=replaced))
        assert shared_secret(engine, REFRESH_SECRET) == key
        fresh = make_engine(url)
        try:
            assert shared_secret(fresh, REFRESH_SECRET) == replaced
        finally:
            fresh.dispose()
    finally:
        engine.dispose()
