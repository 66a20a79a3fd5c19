"""A participant's own devices, through ``ParticipantSession`` against the real server on
127.0.0.1: two computers (two MachineStore roots) of one participant list each other with
``current`` right and their last sync; one revokes the other, whose next sync is refused
with a coded message; a pull records the last sync at most once per
``LAST_SYNC_PRECISION``; a device cannot revoke itself, however its id is spelt; another
participant's device cannot be reached (404, like a device that exists nowhere) and keeps
working; an id that is not a UUID is malformed (422).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from latsar_desktop.domain.messages import Code
from latsar_desktop.i18n import translate
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from tests.integration.serverkit import client, demo_people, sign_in, sqlite_demo_server
from tests.servers import RunningServer

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    with sqlite_demo_server(tmp_path) as running:
        yield running


def computer(
    server: RunningServer,
    folder: Path,
    person: dict[str, str],
    name: str,
    sessions: list[ParticipantSession],
) -> ParticipantSession:
    session = sign_in(MachineStore(folder), server.url, person, device_name=name)
    sessions.append(session)
    return session


def refusal(error: pytest.ExceptionInfo[SyncError]) -> Code:
    return ParticipantSession.message_for(error.value).code


def test_two_devices_listed_then_one_revoked_from_the_other(
    server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    office = computer(server, tmp_path / "office", BUDI, "Laptop kantor", sessions)
    home = computer(server, tmp_path / "home", BUDI, "Laptop rumah", sessions)
    home.watch_welcome()
    before_sync = datetime.now(UTC)
    home.sync()
    listed = {device.device_id: device for device in office.devices()}
    assert set(listed) == {office.device_id, home.device_id}
    assert listed[office.device_id].current
    assert listed[office.device_id].name == "Laptop kantor"
    assert not listed[home.device_id].current
    assert listed[home.device_id].name == "Laptop rumah"
    home_synced = listed[home.device_id].last_sync_at
    assert home_synced is not None
    assert home_synced >= before_sync.replace(microsecond=0)  # this sync's, not an older one
    # the other computer sees the same list, with itself as the current one
    seen_from_home = {d.device_id: d.current for d in home.devices()}
    assert seen_from_home == {office.device_id: False, home.device_id: True}

    home.complete_activity("kebijakan-1-video")  # work the revocation will strand
    office.revoke_device(home.device_id)
    assert [d.device_id for d in office.devices()] == [office.device_id]
    office.revoke_device(home.device_id)  # again (a retry after a lost answer): no error
    with pytest.raises(SyncError) as refused:
        home.sync()
    assert refused.value.kind is SyncErrorKind.AUTH_EXPIRED
    assert refusal(refused) is Code.AUTH_DEVICE_REVOKED
    text = translate(ParticipantSession.message_for(refused.value), "id")
    assert "dicabut dari akun Anda" in text
    assert home.pending_count() == 1  # kept on that computer, never sent
    office.sync()  # the revoking device goes on


def test_a_pull_without_events_records_the_last_sync(
    server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    office = computer(server, tmp_path / "office", BUDI, "Laptop kantor", sessions)
    home = computer(server, tmp_path / "home", BUDI, "Laptop rumah", sessions)
    first = {d.device_id: d.last_sync_at for d in office.devices()}
    assert first[home.device_id] is None  # signed in, never synced
    assert home.pending_count() == 0
    home.sync()  # nothing to send: a pull
    after = {d.device_id: d.last_sync_at for d in office.devices()}
    assert after[home.device_id] is not None
    # another pull within LAST_SYNC_PRECISION (10 minutes) of it writes nothing
    home.sync()
    again = {d.device_id: d.last_sync_at for d in office.devices()}
    assert again[home.device_id] == after[home.device_id]


def test_a_device_cannot_revoke_itself(
    server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    office = computer(server, tmp_path / "office", BUDI, "Laptop kantor", sessions)
    with pytest.raises(SyncError) as refused:
        office.revoke_device(office.device_id)
    assert refused.value.kind is SyncErrorKind.REJECTED
    assert refusal(refused) is Code.DEVICE_IS_CURRENT
    assert [d.device_id for d in office.devices()] == [office.device_id]
    office.watch_welcome()
    office.sync()
    assert office.pending_count() == 0
    # on the wire: 409 with the code
    tokens = office.api.tokens
    assert tokens is not None
    with client(server) as http:
        answer = http.post(
            f"/api/v1/devices/{office.device_id}/revoke",
            headers={"Authorization": f"Bearer {tokens.access_token}"},
        )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "device.is_current"
    # the same id spelt in capitals is still this device: found first, then compared
    with client(server) as http:
        shouted = http.post(
            f"/api/v1/devices/{str(office.device_id).upper()}/revoke",
            headers={"Authorization": f"Bearer {tokens.access_token}"},
        )
    assert shouted.status_code == 409
    assert shouted.json()["error"]["code"] == "device.is_current"
    office.sync()  # still signed in


def test_another_participants_device_cannot_be_revoked(
    server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    budi = computer(server, tmp_path / "budi", BUDI, "Laptop Budi", sessions)
    siti = computer(server, tmp_path / "siti", SITI, "Laptop Siti", sessions)
    with pytest.raises(SyncError) as refused:
        budi.revoke_device(siti.device_id)
    assert refused.value.kind is SyncErrorKind.REJECTED
    assert refusal(refused) is Code.DEVICE_UNKNOWN
    assert siti.device_id not in {d.device_id for d in budi.devices()}
    # a device id that exists nowhere is answered the same: nothing tells them apart
    tokens = budi.api.tokens
    assert tokens is not None
    auth = {"Authorization": f"Bearer {tokens.access_token}"}
    with client(server) as http:
        someone_elses = http.post(f"/api/v1/devices/{siti.device_id}/revoke", headers=auth)
        nowhere = http.post(f"/api/v1/devices/{uuid.uuid4()}/revoke", headers=auth)
    assert someone_elses.status_code == nowhere.status_code == 404
    assert someone_elses.json() == nowhere.json()
    assert someone_elses.json()["error"]["code"] == "device.unknown"
    # an id that is not a UUID is refused as malformed (REVOKE_ERRORS documents 422)
    with client(server) as http:
        malformed = http.post("/api/v1/devices/not-a-device/revoke", headers=auth)
    assert malformed.status_code == 422
    assert malformed.json()["error"]["code"] == "request.malformed"
    # Siti's device still works, and still lists itself
    siti.watch_welcome()
    siti.sync()
    assert siti.pending_count() == 0
    assert [(d.device_id, d.current) for d in siti.devices()] == [(siti.device_id, True)]
