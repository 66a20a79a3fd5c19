"""Offline sign-in: the NIK verifier, sealed tokens, the growing wait, the NIK scan."""

from __future__ import annotations

import secrets
import sqlite3
import time
from contextlib import ExitStack, closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.domain.protocol import Tokens
from latsar_desktop.store import migrations
from latsar_desktop.store.credentials import (
    DEFAULT_COST,
    CredentialsUnreadable,
    NeedsOnlineSignIn,
    ScryptCost,
    SignInWait,
    WrongNikOffline,
    check_nik,
    new_credentials,
    open_tokens,
    seal_tokens,
    verifier_cost,
    wait_after,
)
from latsar_desktop.store.database import make_engine, schema_version, table_layout
from latsar_desktop.store.machine import MACHINE_SCHEMA_VERSION, MACHINE_TABLES, MachineStore
from tests import factories
from tests.nikscan import client_files, find_forms, nik_forms, scan_files

# two participants (fictitious; each NIK's birth date matches its NIP's)
BUDI_NIP, BUDI_NIK = "199005142026011901", "3273011405909901"
SITI_NIP, SITI_NIK = "199308212026012902", "3578056108939902"
T0 = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def tokens() -> Tokens:
    return Tokens(
        access_token=f"ac_{secrets.token_urlsafe(32)}",
        access_expires_at=T0 + timedelta(hours=8),
        refresh_token=f"re_{secrets.token_urlsafe(32)}",
        refresh_expires_at=T0 + timedelta(days=180),
    )


def wrong_nik(machine: MachineStore, nip: str = BUDI_NIP, nik: str = SITI_NIK) -> WrongNikOffline:
    with pytest.raises(WrongNikOffline) as wrong:
        machine.offline_sign_in(nip, nik)
    return wrong.value


def must_wait(machine: MachineStore, nip: str = BUDI_NIP, nik: str = BUDI_NIK) -> SignInWait:
    with pytest.raises(SignInWait) as wait:
        machine.offline_sign_in(nip, nik)
    return wait.value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def machine(tmp_path: Path, clock: FakeClock) -> MachineStore:
    return MachineStore(tmp_path / "pc", clock=clock)


# ------------------------------------------------------------------------- verifier


def test_verifier_round_trip() -> None:
    verifier, key = new_credentials(BUDI_NIK)
    assert verifier.startswith("scrypt-hkdf-sha256$16384$8$1$")  # the cost travels with it
    assert verifier_cost(verifier) == DEFAULT_COST
    assert find_forms(BUDI_NIK, verifier.encode()) == []
    again = check_nik(BUDI_NIK, verifier)
    assert again is not None
    assert again.verifier == verifier
    assert check_nik(SITI_NIK, verifier) is None
    assert check_nik(BUDI_NIK[:-1] + "2", verifier) is None
    # the key check_nik gives back opens what the first key sealed
    sealed = seal_tokens(sent := tokens(), key, "profile-a")
    assert open_tokens(sealed, again, "profile-a") == sent
    assert find_forms(BUDI_NIK, sealed.encode()) == []
    # a new salt each time: the same NIK never gives the same verifier twice
    other, _ = new_credentials(BUDI_NIK)
    assert other != verifier
    assert repr(key) == "TokenKey(<hidden>)"


def test_a_check_costs_about_a_tenth_of_a_second_at_most() -> None:
    """Not a timing assertion on the product: it fails only if the chosen cost is absurd
    for this machine (over a second), which would make every sign-in screen hang."""
    verifier, _ = new_credentials(BUDI_NIK)
    started = time.perf_counter()
    check_nik(BUDI_NIK, verifier)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "scrypt$16384$8$1$AAAA$AAAA",  # the server's format, not ours
        "scrypt-hkdf-sha256$16384$8$1$not base64!$AAAA",
        "scrypt-hkdf-sha256$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",  # check too short
        "scrypt-hkdf-sha256$16383$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "=",  # N not 2^k
        # a tampered cost that would take gigabytes and minutes: refused before scrypt runs
        "scrypt-hkdf-sha256$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "=",
        "scrypt-hkdf-sha256$1048576$16$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "=",
        "scrypt-hkdf-sha256$-1$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "=",
    ],
)
def test_an_unreadable_verifier_is_a_typed_error(stored: str) -> None:
    with pytest.raises(CredentialsUnreadable):
        check_nik(BUDI_NIK, stored)


@pytest.mark.parametrize(
    "sealed", ["", "aes256gcm", "x$y$z", "aes256gcm$!!$!!", "aes256gcm$AAAA$AAAA", "aes256gcm$$"]
)
def test_malformed_sealed_tokens_are_a_typed_error(sealed: str) -> None:
    _, key = new_credentials(BUDI_NIK)
    with pytest.raises(CredentialsUnreadable):
        open_tokens(sealed, key, "profile-a")


def test_wait_schedule() -> None:
    waits = [wait_after(n).total_seconds() for n in range(12)]
    assert waits == [0, 0, 0, 10, 20, 40, 80, 160, 300, 300, 300, 300]
    assert wait_after(10**9) == timedelta(minutes=5)


# ------------------------------------------------------------------- sealed tokens


def test_two_profiles_cannot_open_each_others_tokens(machine: MachineStore) -> None:
    budi = machine.add_profile(BUDI_NIP, "Budi")
    siti = machine.add_profile(SITI_NIP, "Siti")
    budi_tokens, siti_tokens = tokens(), tokens()
    machine.remember_sign_in(budi.id, BUDI_NIK, budi_tokens)
    machine.remember_sign_in(siti.id, SITI_NIK, siti_tokens)
    rows = {p.nip: p for p in machine.profiles()}
    budi_row, siti_row = rows[BUDI_NIP], rows[SITI_NIP]
    assert budi_row.sealed_tokens
    assert siti_row.sealed_tokens
    assert budi_row.nik_verifier
    assert siti_row.nik_verifier
    budi_key = check_nik(BUDI_NIK, budi_row.nik_verifier)
    siti_key = check_nik(SITI_NIK, siti_row.nik_verifier)
    assert budi_key is not None
    assert siti_key is not None
    # each profile's own key opens its own blob ...
    assert open_tokens(budi_row.sealed_tokens, budi_key, budi.id) == budi_tokens
    assert open_tokens(siti_row.sealed_tokens, siti_key, siti.id) == siti_tokens
    # ... and Siti's NIK-derived key opens nothing of Budi's, whatever profile id is claimed
    for profile_id in (budi.id, siti.id):
        with pytest.raises(CredentialsUnreadable):
            open_tokens(budi_row.sealed_tokens, siti_key, profile_id)
    # Budi's own key fails too once the blob is claimed for another profile (associated data)
    with pytest.raises(CredentialsUnreadable):
        open_tokens(budi_row.sealed_tokens, budi_key, siti.id)
    # Siti's NIK does not pass Budi's verifier
    assert check_nik(SITI_NIK, budi_row.nik_verifier) is None
    # Budi's blob copied onto Siti's row: Siti signs in with her NIK and still cannot read it
    machine.update_profile(siti.id, sealed_tokens=budi_row.sealed_tokens)
    with pytest.raises(NeedsOnlineSignIn):
        machine.offline_sign_in(SITI_NIP, SITI_NIK)
    # and Budi, unaffected, signs in offline with his
    assert machine.offline_sign_in(BUDI_NIP, BUDI_NIK).tokens == budi_tokens


def test_remember_then_offline_sign_in(machine: MachineStore, clock: FakeClock) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    sent = tokens()
    remembered = machine.remember_sign_in(profile.id, BUDI_NIK, sent)
    assert remembered.profile.last_sign_in_at == clock()
    clock.advance(3600)
    # typed the way people do: grouped with spaces and dots
    signed = machine.offline_sign_in("19900514 202601 1 901", "3273.0114.0590.9901")
    assert signed.profile.id == profile.id
    assert signed.tokens == sent
    assert signed.profile.last_sign_in_at == clock()
    stored = machine.profile_by_nip(BUDI_NIP)
    assert stored is not None
    assert stored.last_sign_in_at is not None


def test_refreshed_tokens_are_sealed_again_with_the_sign_in_key(machine: MachineStore) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    first = machine.remember_sign_in(profile.id, BUDI_NIK, tokens())
    refreshed = tokens()
    assert machine.reseal_tokens(profile.id, first.key, refreshed)
    assert machine.offline_sign_in(BUDI_NIP, BUDI_NIK).tokens == refreshed
    # a new sign-in wrote a new verifier: the old key would leave an unreadable blob, so
    # it is refused and the newest tokens stay
    newest = tokens()
    second = machine.remember_sign_in(profile.id, BUDI_NIK, newest)
    assert not machine.reseal_tokens(profile.id, first.key, tokens())
    assert machine.offline_sign_in(BUDI_NIP, BUDI_NIK).tokens == newest
    # nor does another profile's key reseal this one
    siti = machine.add_profile(SITI_NIP, "Siti")
    siti_key = machine.remember_sign_in(siti.id, SITI_NIK, tokens()).key
    assert not machine.reseal_tokens(profile.id, siti_key, tokens())
    assert machine.reseal_tokens(profile.id, second.key, refreshed)


def test_an_old_cost_is_raised_at_the_next_offline_sign_in(machine: MachineStore) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    sent = tokens()
    old = ScryptCost(n=2**10, r=8, p=1)
    verifier, key = new_credentials(BUDI_NIK, old)
    machine.update_profile(
        profile.id, nik_verifier=verifier, sealed_tokens=seal_tokens(sent, key, profile.id)
    )
    signed = machine.offline_sign_in(BUDI_NIP, BUDI_NIK)
    assert signed.tokens == sent
    row = machine.profile_by_nip(BUDI_NIP)
    assert row is not None
    assert row.nik_verifier is not None
    assert verifier_cost(row.nik_verifier) == DEFAULT_COST
    assert signed.key.verifier == row.nik_verifier
    assert machine.offline_sign_in(BUDI_NIP, BUDI_NIK).tokens == sent


def test_first_sign_in_needs_the_server(machine: MachineStore) -> None:
    with pytest.raises(NeedsOnlineSignIn) as unknown:
        machine.offline_sign_in(BUDI_NIP, BUDI_NIK)
    assert unknown.value.message == msg(Code.SIGNIN_FIRST_ONLINE)
    machine.add_profile(BUDI_NIP, "Budi")  # a profile that never signed in online
    with pytest.raises(NeedsOnlineSignIn):
        machine.offline_sign_in(BUDI_NIP, BUDI_NIK)


def test_a_tampered_verifier_asks_for_an_online_sign_in(machine: MachineStore) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    machine.remember_sign_in(profile.id, BUDI_NIK, tokens())
    huge = "scrypt-hkdf-sha256$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "="
    machine.update_profile(profile.id, nik_verifier=huge)
    with pytest.raises(NeedsOnlineSignIn):
        machine.offline_sign_in(BUDI_NIP, BUDI_NIK)
    row = machine.profile_by_nip(BUDI_NIP)
    assert row is not None
    assert row.offline_failures == 0


# --------------------------------------------------------------------- growing wait


def test_wrong_niks_offline_wait_longer_each_time_and_across_a_restart(
    tmp_path: Path, machine: MachineStore, clock: FakeClock
) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    sent = tokens()
    machine.remember_sign_in(profile.id, BUDI_NIK, sent)
    # three wrong NIKs are free; the third starts the waits
    assert [wrong_nik(machine).tries_left for _ in range(3)] == [2, 1, 0]
    clock.advance(1)
    # during a wait the NIK is not even looked at, so the right one is refused too, uncounted
    waited = must_wait(machine)
    assert waited.message == msg(Code.SIGNIN_WAIT, seconds=9)
    clock.advance(8.5)
    assert must_wait(machine).wait_seconds == 1  # 0.5 s left, shown as 1
    clock.advance(0.5)
    # the 4th wrong NIK: each further try waits twice as long
    fourth = wrong_nik(machine)
    assert fourth.messages == (
        msg(Code.SIGNIN_WRONG_NIK_OFFLINE, tries_left=0),
        msg(Code.SIGNIN_WAIT, seconds=20),
    )
    assert fourth.wait_seconds == 20
    clock.advance(19)
    assert must_wait(machine).wait_seconds == 1
    # a restart: the wait and the count are kept in machine.db
    machine.close()
    again = MachineStore(tmp_path / "pc", clock=clock)
    assert must_wait(again).wait_seconds == 1
    clock.advance(1)
    waits = []
    for _ in range(5):
        wrong = wrong_nik(again)
        waits.append(wrong.wait_seconds)
        clock.advance(wrong.wait_seconds)
    assert waits == [40, 80, 160, 300, 300]  # up to 5 minutes, no more
    # the right NIK after the wait: signed in, and the count starts over
    assert again.offline_sign_in(BUDI_NIP, BUDI_NIK).tokens == sent
    assert wrong_nik(again).tries_left == 2


def test_a_clock_turned_back_does_not_lengthen_the_wait(
    machine: MachineStore, clock: FakeClock
) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    machine.remember_sign_in(profile.id, BUDI_NIK, tokens())
    for _ in range(3):
        wrong_nik(machine)
    clock.advance(-86400)  # set back a day
    assert must_wait(machine).wait_seconds == 10


def test_a_malformed_nik_is_not_counted(machine: MachineStore) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    machine.remember_sign_in(profile.id, BUDI_NIK, tokens())
    for typed in ("", "123", "32730114059099O1", "3273013205909901"):
        with pytest.raises(DomainError) as malformed:
            machine.offline_sign_in(BUDI_NIP, typed)
        assert not isinstance(malformed.value, WrongNikOffline)
        assert malformed.value.message.code.value.startswith("nik.")
    assert wrong_nik(machine).tries_left == 2


def test_an_online_sign_in_clears_the_count_and_the_wait(
    machine: MachineStore, clock: FakeClock
) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    machine.remember_sign_in(profile.id, BUDI_NIK, tokens())
    for _ in range(4):
        wrong_nik(machine)
        clock.advance(10)
    must_wait(machine)
    machine.remember_sign_in(profile.id, BUDI_NIK, tokens())  # the server accepted the NIK
    assert wrong_nik(machine).tries_left == 2


# ------------------------------------------------------------------ schema upgrade


def test_machine_schema_1_upgrades_to_2(tmp_path: Path) -> None:
    old = tmp_path / "old" / "machine.db"
    old.parent.mkdir()
    with closing(sqlite3.connect(old)) as connection:
        for ddl in migrations.MACHINE_V1_DDL:
            connection.execute(ddl)
        connection.execute(
            "INSERT INTO profile VALUES ('p1', ?, 'Budi', '', 'd1', '2026-11-01 08:00:00', "
            "NULL, NULL, NULL)",
            (BUDI_NIP,),
        )
        connection.execute("INSERT INTO setting VALUES ('server_url', '\"https://x\"')")
        connection.execute("PRAGMA user_version = 1")
        connection.commit()
    assert schema_version(make_engine(old)) == 1
    machine = MachineStore(old.parent)
    assert schema_version(machine.engine) == MACHINE_SCHEMA_VERSION == 3
    [profile] = machine.profiles()
    assert (profile.id, profile.offline_failures, profile.offline_retry_at) == ("p1", 0, None)
    assert machine.setting("server_url") == "https://x"
    # and it works at the new version
    machine.remember_sign_in("p1", BUDI_NIK, sent := tokens())
    wrong_nik(machine)
    assert machine.offline_sign_in(BUDI_NIP, BUDI_NIK).tokens == sent
    fresh = MachineStore(tmp_path / "fresh")
    assert table_layout(machine.engine, MACHINE_TABLES) == table_layout(
        fresh.engine, MACHINE_TABLES
    )


# ------------------------------------------------------------------------ NIK scan


def test_no_nik_in_machine_db_or_profile_databases_after_sign_ins(machine: MachineStore) -> None:
    handed: list[Tokens] = []
    with ExitStack() as stack:

        def hold(path: Path) -> None:
            """A connection held open, as a running app holds one: SQLite keeps the -wal
            file then (the last connection to close folds it into the database)."""
            held = stack.enter_context(closing(sqlite3.connect(path)))
            held.execute("SELECT count(*) FROM sqlite_master").fetchall()

        hold(machine.root / "machine.db")
        for nip, nik, name in ((BUDI_NIP, BUDI_NIK, "Budi"), (SITI_NIP, SITI_NIK, "Siti")):
            profile = machine.add_profile(nip, name)
            handed.append(sent := tokens())
            signed = machine.remember_sign_in(profile.id, nik, sent)
            store = machine.open_profile(profile)
            hold(machine.profile_path(profile))
            store.save_package(factories.package())
            store.watch_welcome()
            store.complete_activity("m0-video")
            with pytest.raises(WrongNikOffline):
                machine.offline_sign_in(nip, BUDI_NIK if nik == SITI_NIK else SITI_NIK)
            machine.offline_sign_in(nip, nik)
            machine.reseal_tokens(profile.id, signed.key, refreshed := tokens())
            handed.append(refreshed)
            store.close()
        files = client_files(machine.root)
        wal = machine.root / "machine.db-wal"
        assert wal in files
        assert sum(p.name.endswith(".db-wal") for p in files) == 3
        # the sign-ins are in the WAL: the scan reads what a dump of the rows would miss
        verifiers = [p.nik_verifier for p in machine.profiles()]
        assert any(v is not None and v.encode() in wal.read_bytes() for v in verifiers)
        assert scan_files([BUDI_NIK, SITI_NIK], files) == []
        # the tokens are sealed: none is readable in any file either
        for sent in handed:
            for secret in (sent.access_token, sent.refresh_token):
                assert all(secret.encode() not in path.read_bytes() for path in files)


def test_the_scan_finds_a_planted_nik_in_every_form(machine: MachineStore) -> None:
    profile = machine.add_profile(BUDI_NIP, "Budi")
    machine.remember_sign_in(profile.id, BUDI_NIK, tokens())
    store = machine.open_profile(profile)
    store.save_package(factories.package())
    store.close()
    assert scan_files([BUDI_NIK], client_files(machine.root)) == []
    # machine.db: the NIK as a participant types it, in a setting
    machine.set_setting("last_typed", "3273 0114 0590 9901")
    # a profile database: every other form, the number in an INTEGER and a REAL column
    forms = nik_forms(BUDI_NIK)
    with closing(sqlite3.connect(machine.profile_path(profile))) as connection:
        connection.execute("CREATE TABLE planted (name VARCHAR, data BLOB)")
        connection.executemany(
            "INSERT INTO planted VALUES (?, ?)",
            [(name, data) for name, data in forms.items() if "64-" not in name],
        )
        connection.execute("CREATE TABLE numbers (i INTEGER, r REAL)")
        connection.execute("INSERT INTO numbers VALUES (?, ?)", (int(BUDI_NIK), float(BUDI_NIK)))
        connection.commit()
    hits = scan_files([BUDI_NIK, SITI_NIK], client_files(machine.root))
    assert {h.nik for h in hits} == {BUDI_NIK}
    in_machine = {h.form for h in hits if h.path.name.startswith("machine.db")}
    in_profile = {h.form for h in hits if h.path.parent.name == "profiles"}
    assert in_machine == {"grouped"}
    # SQLite keeps INTEGER and REAL big-endian; the little-endian forms are there as blobs
    assert in_profile == set(forms) - {"int64-le", "float64-le"}
    # and every little-endian form is found too when it is there
    blob = b"".join(forms[name] for name in forms if name.endswith("64-le"))
    assert set(find_forms(BUDI_NIK, blob)) == {"int64-le", "float64-le"}
