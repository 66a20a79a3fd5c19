"""A profile's writer lock: a lock file next to its database, held by a session from
sign-in to sign-out and taken by a profile's removal, so neither happens beside the other
(another window on the same computer). Qt-free.
"""

from __future__ import annotations

from pathlib import Path

import filelock

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.session.errors import SessionError

__all__ = ["LOCK_SUFFIX", "lock_path", "take_profile_lock"]

LOCK_SUFFIX = ".lock"


def lock_path(database: Path) -> Path:
    """The lock file of the profile database ``database``."""
    return Path(f"{database}{LOCK_SUFFIX}")


def take_profile_lock(database: Path) -> filelock.BaseFileLock:
    """The profile's writer lock, held (release it), or ``SessionError`` with
    ``Code.SIGNIN_PROFILE_IN_USE`` when another session holds it. Never waits."""
    database.parent.mkdir(parents=True, exist_ok=True)
    # not thread-local: the sign-out (or the last piece of work) may run on another thread
    lock = filelock.FileLock(str(lock_path(database)), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout as exc:
        raise SessionError(msg(Code.SIGNIN_PROFILE_IN_USE), cause=exc) from None
    return lock
