"""The profiles on this computer, as the sign-in screen shows and removes them.

``profile_cards(machine)`` lists every profile with what its card shows and what removing
it would lose: the events not yet confirmed by the server, counted straight from the
profile's database (read-only, no session opened, nothing written). A profile in use by
a session (another window) can be listed, but ``remove_profile`` refuses it with
``Code.SIGNIN_PROFILE_IN_USE``: it takes the same lock file a session holds.

Qt-free: the screens call these from any thread (each call is a few short reads).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from latsar_desktop.session.participant import LOCK_SUFFIX, _take_lock
from latsar_desktop.store import journal
from latsar_desktop.store.database import make_engine, read
from latsar_desktop.store.machine import MachineStore, Profile
from latsar_desktop.store.profile_tables import JournalRow

__all__ = ["ProfileCard", "group_nip", "profile_cards", "remove_profile"]

log = logging.getLogger(__name__)

# 18 digits read as birth date, appointment month, sex, serial: "19900514 202601 1 901"
_NIP_GROUPS = (8, 6, 1, 3)


@dataclass(frozen=True)
class ProfileCard:
    """One profile on this computer. ``unsynced``: its events the server has not
    confirmed yet (lost if the profile is removed); None when its database could not be
    read (a removal may lose events: the screen warns without a number)."""

    id: str
    nip: str
    name: str
    agency: str
    unsynced: int | None

    @property
    def nip_grouped(self) -> str:
        return group_nip(self.nip)


def group_nip(nip: str) -> str:
    """An 18-digit NIP grouped for reading ("19900514 202601 1 901"); any other text as is."""
    if len(nip) != sum(_NIP_GROUPS) or not nip.isdigit():
        return nip
    parts, start = [], 0
    for size in _NIP_GROUPS:
        parts.append(nip[start : start + size])
        start += size
    return " ".join(parts)


def unsynced_events(database: Path, device_id: str) -> int | None:
    """The events of ``device_id`` in ``database`` still waiting for the server (0 when
    the database does not exist; None when it cannot be read)."""
    if not database.is_file():
        return 0
    engine = make_engine(database)
    try:
        with read(engine) as session:
            return journal.count(
                session, uuid.UUID(device_id), JournalRow.status == journal.PENDING
            )
    except (SQLAlchemyError, ValueError) as error:
        log.warning("profile database %s not readable: %s", database.name, error)
        return None
    finally:
        engine.dispose()


def profile_cards(machine: MachineStore) -> list[ProfileCard]:
    """Every profile on this computer, by name, with its unsynced events."""
    return [_card(machine, profile) for profile in machine.profiles()]


def _card(machine: MachineStore, profile: Profile) -> ProfileCard:
    return ProfileCard(
        id=profile.id,
        nip=profile.nip,
        name=profile.name,
        agency=profile.agency,
        unsynced=unsynced_events(machine.profile_path(profile), profile.device_id),
    )


def remove_profile(machine: MachineStore, profile_id: str) -> list[str]:
    """Forget a profile: its row, its database, its lock file and the content files no
    other profile needs (their SHA-256s are returned). ``SessionError`` with
    ``Code.SIGNIN_PROFILE_IN_USE`` while a session holds it; ``KeyError`` for an unknown
    id. The caller warns first (``ProfileCard.unsynced``)."""
    profile = next((p for p in machine.profiles() if p.id == profile_id), None)
    if profile is None:
        raise KeyError(profile_id)
    database = machine.profile_path(profile)
    lock = _take_lock(database)
    try:
        orphans = machine.remove_profile(profile_id)
    finally:
        lock.release()
    # after the release: a lock file held open cannot be deleted everywhere (Windows);
    # one a new session took meanwhile stays, harmless beside a profile no longer listed
    with contextlib.suppress(OSError):
        Path(f"{database}{LOCK_SUFFIX}").unlink(missing_ok=True)
    return orphans
