"""An app too old for the server (426): the server's answer says where the new version is
(the ``update_url`` setting), and the participant is told so, through the session, on a
first sign-in (refused) and on a later one (offline, with that reason)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import PROTOCOL_VERSION, ErrorBody
from latsar_desktop.i18n import translate
from latsar_desktop.session.participant import SessionError
from latsar_desktop.store.machine import MachineStore
from latsar_server.settings import Settings
from tests.integration.serverkit import HEADERS, demo_people, load_demo, sign_in
from tests.servers import running_server

BUDI = demo_people()[0]
UPDATE_URL = "https://latsar.example.go.id/unduh"


def settings_for(tmp_path: Path, **values: object) -> Settings:
    base = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    return dataclasses.replace(base, **values)  # type: ignore[arg-type]


def test_the_426_answer_carries_the_configured_update_url(tmp_path: Path) -> None:
    newer = settings_for(tmp_path, min_protocol=PROTOCOL_VERSION + 1, update_url=UPDATE_URL)
    with running_server(newer) as server:
        answer = httpx.get(f"{server.url}/api/v1/sync", headers=HEADERS, timeout=10)
    assert answer.status_code == 426
    body = ErrorBody.model_validate_json(answer.content)
    assert body.update_required is True
    assert body.update_url == UPDATE_URL
    assert body.error.code == Code.PROTOCOL_CLIENT_TOO_OLD.value


def test_without_an_update_url_the_426_names_none(tmp_path: Path) -> None:
    with running_server(settings_for(tmp_path, min_protocol=PROTOCOL_VERSION + 1)) as server:
        answer = httpx.get(f"{server.url}/api/v1/sync", headers=HEADERS, timeout=10)
    assert answer.status_code == 426
    assert "update_url" in answer.json()  # sent, as null: "none configured"
    assert ErrorBody.model_validate_json(answer.content).update_url is None


def test_first_sign_in_refused_with_where_to_get_the_new_version(tmp_path: Path) -> None:
    newer = settings_for(tmp_path, min_protocol=PROTOCOL_VERSION + 1, update_url=UPDATE_URL)
    machine = MachineStore(tmp_path / "pc")
    try:
        with running_server(newer) as server:
            load_demo(server)
            with pytest.raises(SessionError) as refused:
                sign_in(machine, server.url, BUDI)
        codes = [m.code for m in refused.value.messages]
        assert codes == [Code.SYNC_ERROR_CLIENT_TOO_OLD_URL, Code.SIGNIN_FIRST_ONLINE]
        assert refused.value.messages[0] == msg(Code.SYNC_ERROR_CLIENT_TOO_OLD_URL, url=UPDATE_URL)
        for language in ("id", "en"):
            shown = " ".join(translate(m, language) for m in refused.value.messages)
            assert UPDATE_URL in shown
        assert machine.profiles() == []  # nothing was remembered
    finally:
        machine.close()


def test_later_sign_in_is_offline_with_the_update_message(tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "pc")
    try:
        with running_server(settings_for(tmp_path)) as server:  # today's server: online
            load_demo(server)
            first = sign_in(machine, server.url, BUDI)
            assert first.online
            first.sign_out()
        # the server is upgraded (same database), and refuses this app from now on
        newer = settings_for(tmp_path, min_protocol=PROTOCOL_VERSION + 1, update_url=UPDATE_URL)
        with running_server(newer) as server:
            later = sign_in(machine, server.url, BUDI)
            try:
                assert not later.online
                assert later.offline_reason == msg(
                    Code.SYNC_ERROR_CLIENT_TOO_OLD_URL, url=UPDATE_URL
                )
                assert later.offline_reason is not None
                assert UPDATE_URL in translate(later.offline_reason, "id")
                assert later.package().course_id == BUDI["course"]  # studies on, offline
            finally:
                later.sign_out()
        # without an update URL the reason says to ask the training's helpdesk
        older = settings_for(tmp_path, min_protocol=PROTOCOL_VERSION + 1)
        with running_server(older) as server:
            again = sign_in(machine, server.url, BUDI)
            try:
                assert not again.online
                assert again.offline_reason == msg(Code.SYNC_ERROR_CLIENT_TOO_OLD)
                assert again.offline_reason is not None
                assert "helpdesk" in translate(again.offline_reason, "id")
            finally:
                again.sign_out()
    finally:
        machine.close()
