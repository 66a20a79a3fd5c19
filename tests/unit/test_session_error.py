"""What the sign-in screen reads of a refused sign-in (``SessionError``, Qt-free): the
messages under the NIP field, under the NIK field, the rest under "Masuk", and the
offline wait in seconds; and the name this computer signs in with
(``default_device_name``). The refusals are real ones, from ``ParticipantSession.sign_in``
on a machine.db in tmp_path with no server configured (an offline sign-in)."""

from __future__ import annotations

import platform
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from annotated_types import MaxLen

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import LoginRequest, Tokens
from latsar_desktop.session.participant import (
    DEVICE_NAME_MAX,
    ParticipantSession,
    SessionError,
    default_device_name,
)
from latsar_desktop.store.machine import MachineStore

BUDI_NIP, BUDI_NIK = "199005142026011901", "3273011405909901"
SITI_NIK = "3578056108939902"
T0 = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def refused(machine: MachineStore, nip: str, nik: str) -> SessionError:
    with pytest.raises(SessionError) as error:
        ParticipantSession.sign_in(machine, nip, nik, device_name="PC uji")
    return error.value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def machine(tmp_path: Path, clock: FakeClock) -> MachineStore:
    """Budi signed in online once before (his verifier and tokens kept); no server now."""
    store = MachineStore(tmp_path / "pc", clock=clock)
    profile = store.add_profile(BUDI_NIP, "Budi Santoso")
    tokens = Tokens(
        access_token=f"ac_{secrets.token_urlsafe(32)}",
        access_expires_at=T0 + timedelta(hours=8),
        refresh_token=f"re_{secrets.token_urlsafe(32)}",
        refresh_expires_at=T0 + timedelta(days=180),
    )
    store.remember_sign_in(profile.id, BUDI_NIK, tokens)
    return store


def test_a_malformed_nip_is_a_message_for_the_nip_field(machine: MachineStore) -> None:
    error = refused(machine, "19900514.202601 1 90", BUDI_NIK)  # one digit short
    assert error.field_messages("nip") == (msg(Code.NIP_WRONG_LENGTH, length=17, expected=18),)
    assert error.field_messages("nik") == ()
    assert error.general_messages() == ()
    assert error.wait_seconds is None


def test_a_malformed_nik_is_a_message_for_the_nik_field(machine: MachineStore) -> None:
    error = refused(machine, BUDI_NIP, "32730114O5")  # the letter O typed for a zero
    assert error.field_messages("nik") == (msg(Code.NIK_NOT_DIGITS, char="O", position=9),)
    assert error.field_messages("nip") == ()
    assert error.general_messages() == ()
    assert error.wait_seconds is None


def test_wrong_niks_offline_are_general_messages_then_the_wait_in_seconds(
    machine: MachineStore, clock: FakeClock
) -> None:
    for tries_left in (2, 1):
        error = refused(machine, BUDI_NIP, SITI_NIK)
        assert error.general_messages() == (
            msg(Code.SIGNIN_WRONG_NIK_OFFLINE, tries_left=tries_left),
        )
        assert error.wait_seconds is None
    third = refused(machine, BUDI_NIP, SITI_NIK)  # the third starts the waits
    assert third.general_messages() == (
        msg(Code.SIGNIN_WRONG_NIK_OFFLINE, tries_left=0),
        msg(Code.SIGNIN_WAIT, seconds=10),
    )
    assert third.wait_seconds == 10
    assert third.field_messages("nip") == third.field_messages("nik") == ()
    clock.advance(3)
    during = refused(machine, BUDI_NIP, BUDI_NIK)  # even the right NIK waits
    assert during.general_messages() == (msg(Code.SIGNIN_WAIT, seconds=7),)
    assert during.wait_seconds == 7


def test_a_first_sign_in_without_the_server_has_no_field_message_and_no_wait(
    machine: MachineStore,
) -> None:
    error = refused(machine, "199308212026012902", SITI_NIK)  # Siti: never signed in here
    # no server address on this computer: said once, without "your progress is safe here"
    assert error.messages == (msg(Code.SIGNIN_FIRST_NO_SERVER),)
    assert error.general_messages() == error.messages
    assert error.field_messages("nip") == error.field_messages("nik") == ()
    assert error.wait_seconds is None


def test_messages_keep_their_order_within_each_part() -> None:
    error = SessionError(
        msg(Code.SIGNIN_FIRST_ONLINE),
        msg(Code.NIK_EMPTY),
        msg(Code.NIP_EMPTY),
        msg(Code.AUTH_NIP_LOCKED, minutes=15),
        msg(Code.NIP_NOT_DIGITS, char="x", position=3),
    )
    assert error.field_messages("nip") == (
        msg(Code.NIP_EMPTY),
        msg(Code.NIP_NOT_DIGITS, char="x", position=3),
    )
    assert error.field_messages("nik") == (msg(Code.NIK_EMPTY),)
    # a locked NIP is the server's refusal of the sign-in, not the NIP field's shape
    assert error.general_messages() == (
        msg(Code.SIGNIN_FIRST_ONLINE),
        msg(Code.AUTH_NIP_LOCKED, minutes=15),
    )
    with pytest.raises(ValueError, match="unknown field"):
        error.field_messages("name")  # type: ignore[arg-type]


def test_the_device_name_is_the_host_name_bounded_to_the_protocol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (bound,) = (
        m for m in LoginRequest.model_fields["device_name"].metadata if isinstance(m, MaxLen)
    )
    assert bound.max_length == DEVICE_NAME_MAX

    monkeypatch.setattr(platform, "node", lambda: "pc-kantor-bkd")
    assert default_device_name() == "pc-kantor-bkd"

    monkeypatch.setattr(platform, "node", lambda: "pc-" + "x" * 300)
    long = default_device_name()
    assert long == ("pc-" + "x" * 300)[:DEVICE_NAME_MAX]
    request = LoginRequest(nip=BUDI_NIP, nik=BUDI_NIK, device_id=uuid4(), device_name=long)
    assert request.device_name == long  # the server's model takes it

    monkeypatch.setattr(platform, "node", lambda: "")  # a computer without a host name
    assert default_device_name() == "Latsar Desktop"
