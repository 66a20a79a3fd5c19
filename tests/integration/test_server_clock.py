"""The server has one clock, and a test that pins it pins all of the server (issue 19).

The real server over HTTP on 127.0.0.1 (SQLite), its clock (``latsar_server.clock``)
pinned half a year before the real date: sign-in, the tokens' expiry, the access-token
check, sync and the stored rows all read that one time. Were any of them to read the
system time instead, the token issued at the pinned time would already have expired, or
a time would differ.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from latsar_server import clock
from latsar_server.tables import Device, LoginFailure
from tests.integration.serverkit import bearer, client, demo_people, login
from tests.servers import RunningServer

BUDI = demo_people()[0]
PINNED = datetime(2026, 6, 1, 1, 2, 3, tzinfo=UTC)


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The server's clock, pinned; set ``moment[0]`` to move it."""
    now = [PINNED]
    monkeypatch.setattr(clock, "source", lambda: now[0])
    return now


def sync_body(device: uuid.UUID) -> dict[str, object]:
    return {"device_id": str(device), "cursor": 0, "events": []}


def test_a_pinned_clock_is_the_time_of_sign_in_tokens_sync_and_rows(
    sqlite_demo: RunningServer, moment: list[datetime]
) -> None:
    device = uuid.uuid4()
    with client(sqlite_demo) as http:
        signed_in = login(http, BUDI, device)
        assert datetime.fromisoformat(signed_in["server_time"]) == PINNED
        tokens = signed_in["tokens"]
        settings = sqlite_demo.settings
        access = timedelta(hours=settings.access_token_hours)
        assert datetime.fromisoformat(tokens["access_expires_at"]) == PINNED + access
        refresh = timedelta(days=settings.refresh_token_days)
        assert datetime.fromisoformat(tokens["refresh_expires_at"]) == PINNED + refresh

        moment[0] = PINNED + access - timedelta(seconds=1)
        synced = http.post("/api/v1/sync", json=sync_body(device), headers=bearer(signed_in))
        assert synced.status_code == 200, synced.text
        assert datetime.fromisoformat(synced.json()["server_time"]) == moment[0]

        moment[0] = PINNED + access  # at its expiry, the access token no longer works
        expired = http.post("/api/v1/sync", json=sync_body(device), headers=bearer(signed_in))
        assert expired.status_code == 401
        assert expired.json()["error"]["code"] == "auth.token_expired"

        wrong_nik = BUDI["nik"][:-1] + ("2" if BUDI["nik"].endswith("1") else "1")
        refused = http.post(
            "/api/v1/auth/login",
            json={"nip": BUDI["nip"], "nik": wrong_nik, "device_id": str(device)}
            | {"device_name": "PC uji"},
        )
        assert refused.status_code == 401, refused.text
    with Session(sqlite_demo.engine) as session:
        row = session.exec(select(Device).where(Device.device_id == str(device))).one()
        assert row.registered_at == PINNED
        assert row.last_sync_at == PINNED + access - timedelta(seconds=1)
        failures = session.exec(select(LoginFailure.at)).all()
        assert failures == [moment[0]]
