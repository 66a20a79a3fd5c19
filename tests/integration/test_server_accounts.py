"""Sign-in, tokens, rate limits, package and assets: the real server over HTTP."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text, update

from latsar_desktop.domain.protocol import CoursePackage, DevicesChangedChange, LoginResponse
from latsar_server.accounts.devices import revoke_device
from latsar_server.settings import Settings
from latsar_server.tables import Token
from tests.integration.serverkit import (
    DEMO,
    bearer,
    client,
    demo_people,
    load_demo,
    login,
    offline_store,
    push,
)
from tests.nikscan import find_forms, scan_files
from tests.servers import RunningServer, running_server

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]


@pytest.fixture
def demo(server: RunningServer) -> RunningServer:
    load_demo(server)
    return server


def error_code(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.json()["error"]["code"])


def test_sign_in_and_devices(demo: RunningServer) -> None:
    with client(demo) as http:
        first = LoginResponse.model_validate(login(http, BUDI))
        assert first.participant.name == BUDI["name"]
        assert first.course_id == "latsar-pppk-2026"
        assert first.registered_devices == 1
        assert first.tokens.refresh_expires_at - first.server_time > timedelta(days=90)
        second = LoginResponse.model_validate(login(http, BUDI))
        assert second.registered_devices == 2
        health = http.get("/health")
        assert health.json()["status"] == "ok"


def test_wrong_nik_and_malformed_nip(demo: RunningServer) -> None:
    with client(demo) as http:
        wrong = http.post(
            "/api/v1/auth/login",
            json={
                "nip": BUDI["nip"],
                "nik": SITI["nik"],
                "device_id": str(uuid.uuid4()),
                "device_name": "x",
            },
        )
        assert wrong.status_code == 401
        assert error_code(wrong) == "auth.invalid_credentials"
        assert wrong.headers["WWW-Authenticate"] == "Bearer"
        bad = http.post(
            "/api/v1/auth/login",
            json={
                "nip": BUDI["nip"][:-1],
                "nik": BUDI["nik"],
                "device_id": str(uuid.uuid4()),
                "device_name": "x",
            },
        )
        assert bad.status_code == 400
        assert error_code(bad) == "nip.wrong_length"
        assert bad.json()["error"]["params"]["length"] == {"kind": "int", "value": "17"}
        unknown = http.post(
            "/api/v1/auth/login",
            json={
                "nip": "199001012026011999",
                "nik": BUDI["nik"],
                "device_id": str(uuid.uuid4()),
                "device_name": "x",
            },
        )
        assert error_code(unknown) == "auth.invalid_credentials"


def test_nip_lock_after_five_failures(demo: RunningServer) -> None:
    body = {
        "nip": SITI["nip"],
        "nik": BUDI["nik"],
        "device_id": str(uuid.uuid4()),
        "device_name": "x",
    }
    with client(demo) as http:
        statuses = [http.post("/api/v1/auth/login", json=body).status_code for _ in range(5)]
        assert statuses == [401, 401, 401, 401, 429]
        locked = http.post("/api/v1/auth/login", json={**body, "nik": SITI["nik"]})
        assert locked.status_code == 429
        assert error_code(locked) == "auth.nip_locked"
        assert 880 <= locked.json()["retry_after_seconds"] <= 900
        assert locked.headers["Retry-After"]
        assert locked.json()["error"]["params"]["minutes"]["value"] == "15"
        # another NIP from the same office address is not locked
        login(http, BUDI)


def test_address_limit(server_settings: Settings) -> None:
    settings = dataclasses.replace(server_settings, address_failure_limit=3)
    with running_server(settings) as running:
        load_demo(running)
        with client(running) as http:
            codes = []
            for person in PEOPLE[:4]:
                response = http.post(
                    "/api/v1/auth/login",
                    json={
                        "nip": person["nip"],
                        "nik": "1111111111111111"[:6] + person["nik"][6:],
                        "device_id": str(uuid.uuid4()),
                        "device_name": "x",
                    },
                )
                codes.append(error_code(response))
            assert codes[-1] == "auth.address_limited"


def test_refresh_rotates_with_grace_window(demo: RunningServer) -> None:
    device = uuid.uuid4()
    with client(demo) as http:
        tokens = login(http, BUDI, device)["tokens"]
        body = {"refresh_token": tokens["refresh_token"], "device_id": str(device)}
        fresh = http.post("/api/v1/auth/refresh", json=body)
        assert fresh.status_code == 200
        new = fresh.json()["tokens"]
        assert new["refresh_token"] != tokens["refresh_token"]
        assert new["access_token"] != tokens["access_token"]
        # the answer was lost on a flaky link: the old token still works for a while
        again = http.post("/api/v1/auth/refresh", json=body)
        assert again.status_code == 200
        # the rotated token only works for its own device
        stolen = {"refresh_token": new["refresh_token"], "device_id": str(uuid.uuid4())}
        assert http.post("/api/v1/auth/refresh", json=stolen).status_code == 401
        # ... but not after the grace window
        old_hash = hashlib.sha256(tokens["refresh_token"].encode()).hexdigest()
        with demo.engine.begin() as connection:
            connection.execute(
                update(Token)
                .where(Token.hash == old_hash)
                .values(rotated_at=datetime.now(UTC) - timedelta(seconds=301))
            )
        late = http.post("/api/v1/auth/refresh", json=body)
        assert late.status_code == 401
        assert error_code(late) == "auth.token_invalid"
        # and that replay revoked its successor too (tests/integration/test_server_hardening.py)
        newest = {"refresh_token": new["refresh_token"], "device_id": str(device)}
        assert http.post("/api/v1/auth/refresh", json=newest).status_code == 401


def test_revoked_device_and_sign_out(demo: RunningServer) -> None:
    device = uuid.uuid4()
    with client(demo) as http:
        session = login(http, BUDI, device)
        package_url = "/api/v1/courses/latsar-pppk-2026/package"
        assert http.get(package_url, headers=bearer(session)).status_code == 200
        assert revoke_device(demo.engine, BUDI["nip"], str(device)) == 2
        refused = http.get(package_url, headers=bearer(session))
        assert refused.status_code in (401, 403)
        again = http.post(
            "/api/v1/auth/login",
            json={
                "nip": BUDI["nip"],
                "nik": BUDI["nik"],
                "device_id": str(device),
                "device_name": "x",
            },
        )
        assert again.status_code == 403
        assert error_code(again) == "auth.device_revoked"
        other = login(http, BUDI)
        assert other["registered_devices"] == 1
        assert http.post("/api/v1/auth/logout", headers=bearer(other)).status_code == 204
        after = http.get(package_url, headers=bearer(other))
        assert after.status_code == 401
        assert revoke_device(demo.engine, BUDI["nip"], str(uuid.uuid4())) is None


def test_other_devices_learn_the_device_count_without_sending_events(
    demo: RunningServer, tmp_path: Path
) -> None:
    """Registering a device (its first sign-in) or revoking one logs ``devices.changed``:
    a device that only pulls learns the count, and with it whether its predicted cap is an
    estimate ("perkiraan": unless it is the participant's only device)."""
    laptop = offline_store(tmp_path)
    with client(demo) as http:
        auth = bearer(login(http, BUDI, laptop.device_id))

        def pull() -> list[int]:
            answer = push(http, auth, laptop, events=[], cursor=laptop.sync_status().cursor)
            laptop.apply_response(answer)
            changed = [c for c in answer.changes if isinstance(c, DevicesChangedChange)]
            return [c.registered_devices for c in changed]

        assert pull() == [1]  # its own registration
        assert laptop.standing().registered_devices == 1
        assert laptop.progress().next_cap_estimated is False
        office = uuid.uuid4()
        login(http, BUDI, office)
        login(http, BUDI, office)  # signing in again registers nothing
        assert pull() == [2]
        assert laptop.standing().registered_devices == 2
        assert laptop.progress().next_cap_estimated is True
        assert revoke_device(demo.engine, BUDI["nip"], str(office)) == 4  # tokens: 2 × 2
        assert pull() == [1]
        assert laptop.standing().registered_devices == 1
        assert laptop.progress().next_cap_estimated is False
        assert revoke_device(demo.engine, BUDI["nip"], str(office)) == 0  # already revoked
        assert pull() == []


def test_old_client_gets_426(demo: RunningServer) -> None:
    with client(demo) as http:
        # a header that is no number at all: test_server_hardening.py (400)
        for headers in ({"X-Latsar-Protocol": "0"}, {"X-Latsar-Protocol": "000"}):
            response = http.get("/api/v1/courses/latsar-pppk-2026/package", headers=headers)
            assert response.status_code == 426
            assert response.json()["update_required"] is True
            assert error_code(response) == "protocol.client_too_old"
        newer = http.get("/api/v1/courses/x/package", headers={"X-Latsar-Protocol": "99"})
        assert newer.status_code == 400
        assert error_code(newer) == "protocol.server_too_old"


def test_package_etag_then_304(demo: RunningServer) -> None:
    with client(demo) as http:
        auth = bearer(login(http, BUDI))
        url = "/api/v1/courses/latsar-pppk-2026/package"
        first = http.get(url, headers=auth)
        assert first.status_code == 200
        package = CoursePackage.model_validate_json(first.content)
        assert all(q.answer is None for q in package.evaluation.questions)
        assert len(package.certificate_keys) == 1
        etag = first.headers["ETag"]
        second = http.get(url, headers={**auth, "If-None-Match": etag})
        assert second.status_code == 304
        assert second.content == b""
        assert http.get(url, headers={**auth, "If-None-Match": '"stale"'}).status_code == 200
        assert http.get("/api/v1/courses/other/package", headers=auth).status_code == 404
        assert http.get(url).status_code == 401


def test_range_request_on_the_big_clip(demo: RunningServer) -> None:
    package = CoursePackage.model_validate_json((DEMO / "package.json").read_text())
    refs = [a.content for _, a in package.activities() if a.content is not None]
    big = max(refs, key=lambda ref: ref.size)
    assert big.size >= 1_000_000
    data = (DEMO / "content" / big.name).read_bytes()
    with client(demo) as http:
        auth = bearer(login(http, BUDI))
        url = f"/api/v1/assets/{big.sha256}"
        part = http.get(url, headers={**auth, "Range": "bytes=300000-700000"})
        assert part.status_code == 206
        assert part.content == data[300000:700001]
        assert part.headers["Content-Range"] == f"bytes 300000-700000/{big.size}"
        assert "immutable" in part.headers["Cache-Control"]
        tail = http.get(url, headers={**auth, "Range": f"bytes={big.size - 10}-"})
        assert tail.content == data[-10:]
        whole = http.get(url, headers=auth)
        assert whole.status_code == 200
        assert hashlib.sha256(whole.content).hexdigest() == big.sha256
        assert http.get(f"/api/v1/assets/{'0' * 64}", headers=auth).status_code == 404
        assert http.get(url).status_code == 401


def test_no_plain_nik_anywhere(demo: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with client(demo) as http:
        for person in PEOPLE:
            login(http, person)
        http.post(
            "/api/v1/auth/login",
            json={
                "nip": BUDI["nip"],
                "nik": SITI["nik"],
                "device_id": str(uuid.uuid4()),
                "device_name": "x",
            },
        )
    niks = [p["nik"] for p in PEOPLE]
    # every row of every table
    dump = []
    with demo.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                dump.append(json.dumps([str(value) for value in row]))
    rows = "\n".join(dump)
    assert len(dump) > 10
    # every log line and every file the server wrote (database files included)
    logs = "\n".join(
        record.getMessage() + json.dumps(getattr(record, "fields", {})) for record in caplog.records
    )
    assert any(r.name == "latsar_server" for r in caplog.records)
    files = [p for p in Path(demo.settings.data_dir).rglob("*") if p.is_file()]
    if demo.settings.database_url.startswith("sqlite"):
        database = Path(demo.settings.database_url.removeprefix("sqlite:///"))
        files += [p for p in database.parent.glob(database.name + "*")]
    assert files
    for nik in niks:
        assert find_forms(nik, rows.encode()) == []
        assert find_forms(nik, logs.encode()) == []
    assert scan_files(niks, files) == []  # every byte, every form (tests/nikscan.py)


def test_parallel_wrong_guesses_cannot_beat_the_limit(demo: RunningServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    body = {
        "nip": SITI["nip"],
        "nik": BUDI["nik"],
        "device_id": str(uuid.uuid4()),
        "device_name": "x",
    }

    def guess(_: int) -> int:
        with client(demo) as http:
            return http.post("/api/v1/auth/login", json=body).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert statuses.count(401) <= 4  # the 5th failure already answers 429
    assert statuses.count(429) >= 16
