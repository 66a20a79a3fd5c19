"""The profiles on this computer, as the sign-in screen shows and removes them.

``profile_cards(machine)`` lists every profile with what its card shows and what removing
it would lose: the events not yet confirmed by the server, counted straight from the
profile's database (read-only, no session opened, nothing written);
``counted=False`` leaves the count out (``unsynced`` None), as the sign-in screen's list
does: read before its window shows, it opens no profile's database and imports none of
the profile's tables, and its removal warning counts anew (``profile_card``). A profile
in use by a session (another window) can be listed, but ``remove_profile`` refuses it
with ``Code.SIGNIN_PROFILE_IN_USE``: it takes the same lock file a session holds.

Qt-free: the screens call these from any thread (each call is a few short reads).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from latsar_desktop.domain.identity import group_nip
from latsar_desktop.store.database import make_engine, read
from latsar_desktop.store.machine import MachineStore, Profile

__all__ = ["ProfileCard", "group_nip", "profile_card", "profile_cards", "remove_profile"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProfileCard:
    """One profile on this computer. ``unsynced``: its events the server has not
    confirmed yet (lost if the profile is removed); None when its database could not be
    read (a removal may lose events: the screen warns without a number), or not counted
    (``profile_cards(machine, counted=False)``)."""

    id: str
    nip: str
    name: str
    agency: str
    unsynced: int | None

    @property
    def nip_grouped(self) -> str:
        return group_nip(self.nip)


def unsynced_events(database: Path, device_id: str) -> int | None:
    """The events of ``device_id`` in ``database`` still waiting for the server (0 when
    the database does not exist; None when it cannot be read)."""
    if not database.is_file():
        return 0
    # the profile's tables: imported when a profile's database is read, not with the list
    from latsar_desktop.store import journal
    from latsar_desktop.store.profile_tables import JournalRow

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


def profile_cards(machine: MachineStore, *, counted: bool = True) -> list[ProfileCard]:
    """Every profile on this computer, by name, with its unsynced events (``counted``;
    else ``unsynced`` is None and no profile's database is opened)."""
    return [_card(machine, profile, counted) for profile in machine.profiles()]


def profile_card(machine: MachineStore, profile_id: str) -> ProfileCard | None:
    """One profile's card, its unsynced events counted now (only its database is read);
    None when the profile is gone."""
    profile = _profile(machine, profile_id)
    return _card(machine, profile) if profile is not None else None


def _profile(machine: MachineStore, profile_id: str) -> Profile | None:
    return next((p for p in machine.profiles() if p.id == profile_id), None)


def _card(machine: MachineStore, profile: Profile, counted: bool = True) -> ProfileCard:
    return ProfileCard(
        id=profile.id,
        nip=profile.nip,
        name=profile.name,
        agency=profile.agency,
        unsynced=(
            unsynced_events(machine.profile_path(profile), profile.device_id) if counted else None
        ),
    )


def remove_profile(machine: MachineStore, profile_id: str) -> list[str]:
    """Forget a profile: its row, its database, its lock file and the content files no
    other profile needs (their SHA-256s are returned). ``SessionError`` with
    ``Code.SIGNIN_PROFILE_IN_USE`` while a session holds it; ``KeyError`` for an unknown
    id. The caller warns first (``ProfileCard.unsynced``)."""
    from latsar_desktop.session.lock import lock_path, take_profile_lock  # filelock: only here

    profile = _profile(machine, profile_id)
    if profile is None:
        raise KeyError(profile_id)
    database = machine.profile_path(profile)
    lock = take_profile_lock(database)
    try:
        orphans = machine.remove_profile(profile_id)
    finally:
        lock.release()
    # after the release: a lock file held open cannot be deleted everywhere (Windows);
    # one a new session took meanwhile stays, harmless beside a profile no longer listed
    with contextlib.suppress(OSError):
        lock_path(database).unlink(missing_ok=True)
    return orphans
