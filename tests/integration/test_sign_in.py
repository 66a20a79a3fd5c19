"""Online and offline sign-in of client profiles against the real server on 127.0.0.1:
what an online answer does to the offline wrong-NIK count, and no NIK on the client."""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import ExitStack, closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from latsar_desktop.domain.protocol import LoginResponse, Tokens
from latsar_desktop.store.credentials import TokenKey, WrongNikOffline
from latsar_desktop.store.machine import MachineStore, SignedIn
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine
from latsar_desktop.sync.errors import SyncError
from latsar_desktop.sync.refresh import refresh_package
from tests import recipes as demo
from tests.integration.serverkit import demo_people, load_demo, play
from tests.nikscan import client_files, scan_files
from tests.servers import RunningServer

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def demo_server(sqlite_server: RunningServer) -> RunningServer:
    load_demo(sqlite_server)
    return sqlite_server


def sign_in_online(
    machine: MachineStore, api: ApiClient, person: dict[str, str], nik: str | None = None
) -> tuple[LoginResponse, SignedIn]:
    """What the session does when the server accepts the NIK (the profile is made on the
    first sign-in, with the device id the login used)."""
    answer = api.login(person["nip"], nik or person["nik"], "PC uji")
    profile = machine.profile_by_nip(person["nip"]) or machine.add_profile(
        answer.participant.nip,
        answer.participant.name,
        answer.participant.agency,
        device_id=api.device_id,
    )
    return answer, machine.remember_sign_in(profile.id, nik or person["nik"], answer.tokens)


def offline_state(machine: MachineStore, nip: str) -> tuple[int, datetime | None]:
    profile = machine.profile_by_nip(nip)
    assert profile is not None
    return profile.offline_failures, profile.offline_retry_at


def test_a_wrong_nik_online_does_not_count_offline(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    machine = MachineStore(tmp_path / "pc", clock=FakeClock())
    with closing(ApiClient(demo_server.url, uuid.uuid4(), timeout=10)) as api:
        sign_in_online(machine, api, BUDI)
        # offline, three wrong NIKs: the waits begin
        for _ in range(3):
            with pytest.raises(WrongNikOffline):
                machine.offline_sign_in(BUDI["nip"], SITI["nik"])
        before = offline_state(machine, BUDI["nip"])
        assert before[0] == 3
        assert before[1] is not None
        # online, the server refuses a wrong NIK: its answer is final, nothing counts here
        with pytest.raises(SyncError) as refused:
            api.login(BUDI["nip"], SITI["nik"], "PC uji")
        assert refused.value.body is not None
        assert refused.value.body.error.code == "auth.invalid_credentials"
        assert offline_state(machine, BUDI["nip"]) == before
        # the right NIK online clears the count and the wait
        sign_in_online(machine, api, BUDI)
        assert offline_state(machine, BUDI["nip"]) == (0, None)
        with pytest.raises(WrongNikOffline) as wrong:
            machine.offline_sign_in(BUDI["nip"], SITI["nik"])
        assert wrong.value.tries_left == 2


def test_no_nik_on_the_client_after_real_sign_ins_syncs_and_refreshes(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    machine = MachineStore(tmp_path / "pc")
    handed: list[Tokens] = []
    with ExitStack() as stack:
        # connections held open as a running app holds them: the -wal files stay
        held = stack.enter_context(closing(sqlite3.connect(machine.root / "machine.db")))
        held.execute("SELECT count(*) FROM profile").fetchall()
        for person in (BUDI, SITI):
            api = stack.enter_context(closing(ApiClient(demo_server.url, uuid.uuid4(), timeout=10)))
            answer, signed = sign_in_online(machine, api, person)
            profile = signed.profile
            handed.append(answer.tokens)

            def reseal(
                tokens: Tokens, profile_id: str = profile.id, key: TokenKey = signed.key
            ) -> None:
                handed.append(tokens)
                assert machine.reseal_tokens(profile_id, key, tokens)

            api.on_tokens = reseal
            store = machine.open_profile(profile)
            held_profile = closing(sqlite3.connect(machine.profile_path(profile)))
            stack.enter_context(held_profile).execute(
                "SELECT count(*) FROM sqlite_master"
            ).fetchall()
            refresh_package(api, store, answer.course_id, machine, profile.id)
            play(store, demo.recipe_steps("27")[:6])
            report = SyncEngine(api, store, batch_size=2).run()
            assert report.pushed == 6
            assert report.consistent
            api.refresh()  # rotated tokens, sealed again
            assert api.tokens is not None
            assert api.tokens == handed[-1] != answer.tokens
            # the server is not asked: the newest tokens come back offline
            assert machine.offline_sign_in(person["nip"], person["nik"]).tokens == api.tokens
            store.close()
        files = client_files(machine.root)
        assert sum(p.name.endswith(".db-wal") for p in files) == 3
        niks = [p["nik"] for p in PEOPLE]
        assert scan_files(niks, files) == []
        for tokens in handed:  # sealed: no token is readable in any file
            for secret in (tokens.access_token, tokens.refresh_token):
                assert all(secret.encode() not in path.read_bytes() for path in files)
        # the scan itself works on these files: a NIK planted in machine.db is found
        machine.set_setting("planted", {"nik": BUDI["nik"]})
        hits = scan_files(niks, client_files(machine.root))
        assert {(h.path.name.split("-")[0], h.nik, h.form) for h in hits} == {
            ("machine.db", BUDI["nik"], "utf-8")
        }


def test_offline_sign_in_with_the_server_stopped(tmp_path: Path) -> None:
    """The first sign-in online, the later one offline once the server is gone."""
    from latsar_server.settings import Settings
    from tests.servers import running_server

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    machine = MachineStore(tmp_path / "pc")
    with running_server(settings) as server:
        load_demo(server)
        api = ApiClient(server.url, uuid.uuid4(), timeout=10)
        answer, _ = sign_in_online(machine, api, BUDI)
    with pytest.raises(SyncError):
        api.login(BUDI["nip"], BUDI["nik"], "PC uji")  # the server is gone
    api.close()
    signed = machine.offline_sign_in(BUDI["nip"], BUDI["nik"])
    assert signed.tokens == answer.tokens
    assert signed.profile.device_id == str(api.device_id)
    assert answer.tokens.refresh_expires_at - answer.server_time > timedelta(days=90)
