"""Helpers for tests that talk to the real server over HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from latsar_desktop.domain.protocol import HEADER_APP_VERSION, HEADER_PROTOCOL, PROTOCOL_VERSION
from latsar_server.imports import import_course, import_participants
from latsar_server.keys import keygen
from tests.servers import RunningServer

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "demo_course"
DEMO_PACKAGE = DEMO / "package.json"
DEMO_PARTICIPANTS = DEMO / "participants.csv"
HEADERS = {HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_APP_VERSION: "test"}


def demo_people() -> list[dict[str, str]]:
    import csv

    with DEMO_PARTICIPANTS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_demo(server: RunningServer, package: Path = DEMO_PACKAGE) -> None:
    """A signing key, the demo course and the demo participants, as an operator would."""
    keygen(server.engine, server.settings.key_dir)
    import_course(server.engine, server.settings.content_dir, package)
    report = import_participants(server.engine, DEMO_PARTICIPANTS, workers=2)
    assert report.errors == []


def client(server: RunningServer, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={**HEADERS, **headers}, timeout=30)


def login(
    http: httpx.Client, person: dict[str, str], device: uuid.UUID | None = None
) -> dict[str, Any]:
    response = http.post(
        "/api/v1/auth/login",
        json={
            "nip": person["nip"],
            "nik": person["nik"],
            "device_id": str(device or uuid.uuid4()),
            "device_name": "PC uji",
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['tokens']['access_token']}"}
