"""The profiles on this computer as the sign-in screen lists and removes them
(``session/profiles.py``): unsynced events counted from the profile's database, and no
removal while a session holds the profile."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from latsar_desktop.domain.messages import Code
from latsar_desktop.session.lock import LOCK_SUFFIX, take_profile_lock
from latsar_desktop.session.participant import SessionError
from latsar_desktop.session.profiles import group_nip, profile_cards, remove_profile
from latsar_desktop.store.machine import MachineStore
from tests import factories

NIP_A, NIP_B = "199005142026011901", "198811022026012002"


def machine_with_two(tmp_path: Path) -> MachineStore:
    """Ani with three events the server has not confirmed, Budi with none (no database)."""
    machine = MachineStore(tmp_path / "pc")
    ani = machine.add_profile(NIP_A, "Ani", "BKN")
    machine.add_profile(NIP_B, "Budi", "Kemenkeu")
    store = machine.open_profile(ani)
    store.save_package(factories.package())
    store.watch_welcome()
    activity = next(iter(store.package().activities()))[1]  # type: ignore[union-attr]
    store.complete_activity(activity.id)
    store.complete_activity(activity.id)
    store.close()
    return machine


def test_cards_list_every_profile_with_its_unsynced_events(tmp_path: Path) -> None:
    machine = machine_with_two(tmp_path)
    cards = profile_cards(machine)
    assert [(c.name, c.nip, c.agency, c.unsynced) for c in cards] == [
        ("Ani", NIP_A, "BKN", 3),
        ("Budi", NIP_B, "Kemenkeu", 0),
    ]
    assert cards[0].nip_grouped == "19900514 202601 1 901"


def test_confirmed_events_are_not_counted(tmp_path: Path) -> None:
    machine = machine_with_two(tmp_path)
    ani = machine.profile_by_nip(NIP_A)
    assert ani is not None
    store = machine.open_profile(ani)
    store.apply_sync(acked_seq=2, processed_count=2, rejections=[], changes=[], cursor=0)
    store.close()
    assert profile_cards(machine)[0].unsynced == 1


def test_an_unreadable_database_counts_as_unknown(tmp_path: Path) -> None:
    machine = MachineStore(tmp_path / "pc")
    ani = machine.add_profile(NIP_A, "Ani")
    machine.profile_path(ani).parent.mkdir(parents=True, exist_ok=True)
    machine.profile_path(ani).write_bytes(b"not a database, " * 100)
    assert profile_cards(machine)[0].unsynced is None


def test_removal_refused_while_a_session_holds_the_profile(tmp_path: Path) -> None:
    machine = machine_with_two(tmp_path)
    ani = machine.profile_by_nip(NIP_A)
    assert ani is not None
    database = machine.profile_path(ani)
    held = take_profile_lock(database)  # what a signed-in session holds
    try:
        with pytest.raises(SessionError) as refused:
            remove_profile(machine, ani.id)
        assert refused.value.message.code is Code.SIGNIN_PROFILE_IN_USE
        assert database.is_file()
        assert [c.name for c in profile_cards(machine)] == ["Ani", "Budi"]
    finally:
        held.release()
    remove_profile(machine, ani.id)
    assert [c.name for c in profile_cards(machine)] == ["Budi"]
    assert not database.exists()
    assert not Path(f"{database}{LOCK_SUFFIX}").exists()
    with pytest.raises(KeyError):
        remove_profile(machine, ani.id)


def test_removal_of_an_unknown_profile(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        remove_profile(MachineStore(tmp_path / "pc"), str(uuid.uuid4()))


def test_group_nip_leaves_other_text_alone() -> None:
    assert group_nip("123") == "123"
    assert group_nip("19900514202601190x") == "19900514202601190x"
