"""``machine.db``: the profiles on this computer, the shared content index, settings.

Content files live once per computer by SHA-256; the index records which profiles need
which file, so one participant's "delete" never removes a file another still uses.

Each profile row also holds what an offline sign-in needs (``store.credentials``): the
NIK verifier, the tokens sealed under a key derived from the NIK, and the wrong-NIK count
with the time the next offline try may come, so the wait survives a restart. Sign-in:

- online, the server accepted the NIK: ``remember_sign_in`` (first time: ``add_profile``
  with the device id the login used, then ``remember_sign_in``);
- online, the server said ``auth.invalid_credentials``: nothing here. The server has the
  last word and that wrong NIK does not count offline; do not try ``offline_sign_in``;
- the server cannot be reached (or no address is set): ``offline_sign_in``;
- the API client refreshed the tokens: ``reseal_tokens`` with the key of the sign-in.

The profile's HTTP proxy user and password (``ProxyCredentials``) are sealed under the
same key with the proxy address they are for (``save_connection``,
``proxy_credentials``: only for the address set now); a sign-in that makes a new
verifier (a fresh salt, so a new key) seals them again under the new key. An online
sign-in through such a proxy opens them first with the typed NIK (``sign_in_proxy``).

The NIK itself is never written anywhere (a test scans every byte of every database).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col, select

from latsar_desktop.clock import WallClock, aware, utc_now
from latsar_desktop.domain.identity import normalize, parse_nik
from latsar_desktop.locations import data_dir
from latsar_desktop.store import migrations
from latsar_desktop.store.database import READ_ONLY, open_database, read, write

# ``store.credentials`` (cryptography) is imported by the sign-in's methods and
# ``store.profile`` when a profile is opened: listing the profiles (the sign-in screen,
# before its window shows) needs neither, nor the wire models (only named here)
if TYPE_CHECKING:
    from latsar_desktop.domain.protocol import ContentRef, Tokens
    from latsar_desktop.store.credentials import ProxyCredentials, TokenKey
    from latsar_desktop.store.profile import ProfileStore

MACHINE_SCHEMA_VERSION = 3
# this computer's connection settings (JSON strings); ``sync.api.client_for`` reads them
SERVER_URL_SETTING = "server_url"
HTTP_PROXY_SETTING = "http_proxy"  # empty: take a proxy from the environment, if any
log = logging.getLogger(__name__)


class MachineTable(SQLModel, registry=registry()):
    """Base of the tables of machine.db (their own metadata)."""


class Profile(MachineTable, table=True):
    __tablename__ = "profile"
    id: str = Field(primary_key=True)
    nip: str = Field(unique=True)
    name: str
    agency: str = ""
    device_id: str = Field(unique=True)  # this profile on this installation
    created_at: datetime
    last_sign_in_at: datetime | None = None
    nik_verifier: str | None = None  # salted scrypt of the NIK, never the NIK
    sealed_tokens: str | None = None  # tokens encrypted with a key derived from the NIK
    # wrong NIKs offline in a row, and when the next offline try may come (schema 2)
    offline_failures: int = 0
    offline_retry_at: datetime | None = None
    # the HTTP proxy's user and password, sealed under the token key (schema 3)
    sealed_proxy: str | None = None


class ContentFile(MachineTable, table=True):
    __tablename__ = "content_file"
    sha256: str = Field(primary_key=True)
    size: int
    media_type: str
    stored: bool = False  # the verified file is in content/ab/abcdef…
    stored_at: datetime | None = None


class ContentNeed(MachineTable, table=True):
    __tablename__ = "content_need"
    profile_id: str = Field(primary_key=True, foreign_key="profile.id", ondelete="CASCADE")
    sha256: str = Field(primary_key=True, foreign_key="content_file.sha256")


class Setting(MachineTable, table=True):
    __tablename__ = "setting"
    key: str = Field(primary_key=True)
    value: str  # JSON


MACHINE_TABLES: list[str] = [str(t.__tablename__) for t in MachineTable.__subclasses__()]


@dataclass(frozen=True)
class SignedIn:
    """A sign-in that succeeded: the profile, its tokens, and the key that seals them
    again after a refresh (``MachineStore.reseal_tokens``). Keep it, not the NIK."""

    profile: Profile
    tokens: Tokens
    key: TokenKey


def offline_wait(profile: Profile, now: datetime) -> timedelta:
    """How long ``profile``'s next offline try must still wait at ``now`` (zero: none).

    Never longer than the wait its failure count sets, so a clock turned back does not
    lock the profile for the hours it was turned back by.
    """
    from latsar_desktop.store.credentials import wait_after

    if profile.offline_retry_at is None:
        return timedelta(0)
    left = aware(profile.offline_retry_at) - now
    return max(timedelta(0), min(left, wait_after(profile.offline_failures)))


class MachineStore:
    """The Qt-free API over machine.db and the folders beside it. Every method may be
    called from any thread (each opens its own connection; writes are BEGIN IMMEDIATE)."""

    def __init__(self, root: Path | None = None, clock: WallClock = utc_now):
        self.clock = clock
        self.root = root if root is not None else data_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = open_database(
            self.root / "machine.db",
            MachineTable,
            MACHINE_SCHEMA_VERSION,
            migrations.MACHINE_UPGRADES,
        )

    def close(self) -> None:
        self.engine.dispose()

    # ---------------------------------------------------------------- profiles

    def add_profile(
        self, nip: str, name: str, agency: str = "", device_id: uuid.UUID | None = None
    ) -> Profile:
        """A new profile; ``device_id`` is the one its first (online) sign-in used."""
        profile = Profile(
            id=str(uuid.uuid4()),
            nip=nip,
            name=name,
            agency=agency,
            device_id=str(device_id or uuid.uuid4()),
            created_at=self.clock(),
        )
        with write(self.engine) as session:
            session.add(profile)
        return profile

    def profiles(self) -> list[Profile]:
        with read(self.engine) as session:
            return list(session.exec(select(Profile).order_by(col(Profile.name))))

    def profile_by_nip(self, nip: str) -> Profile | None:
        with read(self.engine) as session:
            return session.exec(select(Profile).where(Profile.nip == nip)).first()

    def update_profile(self, profile_id: str, **values: Any) -> Profile:
        with write(self.engine) as session:
            profile = session.get(Profile, profile_id)
            if profile is None:
                raise KeyError(profile_id)
            for key, value in values.items():
                setattr(profile, key, value)
            session.add(profile)
        return profile

    def profile_path(self, profile: Profile) -> Path:
        return self.root / "profiles" / f"{profile.id}.db"

    def open_profile(self, profile: Profile) -> ProfileStore:
        from latsar_desktop.store.profile import ProfileStore

        return ProfileStore(self.profile_path(profile), uuid.UUID(profile.device_id))

    def remove_profile(self, profile_id: str) -> list[str]:
        """Forget a profile, its database and the content files no one else needs (returned).

        The caller warns first when the profile still has unsynced events.
        """
        with write(self.engine) as session:
            profile = session.get(Profile, profile_id)
            if profile is None:
                raise KeyError(profile_id)
            needs = list(
                session.exec(select(ContentNeed).where(ContentNeed.profile_id == profile_id))
            )
            for need in needs:
                session.delete(need)
            session.delete(profile)
            session.flush()
            orphans = self._orphans(session, [n.sha256 for n in needs])
        path = self.root / "profiles" / f"{profile_id}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.delete_content(orphans)
        return orphans

    # ---------------------------------------------------------------- sign-in

    def remember_sign_in(
        self, profile_id: str, nik: str, tokens: Tokens, old_key: TokenKey | None = None
    ) -> SignedIn:
        """The server accepted ``nik`` and sent ``tokens``: keep a fresh verifier (new salt,
        current cost) and the tokens sealed under its key; clear the wrong-NIK count.

        Proxy credentials the profile keeps are opened with the key of the verifier they
        sit beside (``old_key`` when the sign-in made it already, ``sign_in_proxy``; else
        one more scrypt, only then) and sealed again under the new key.

        The scrypts run before the write transaction (they must not hold the lock).
        """
        from latsar_desktop.store.credentials import (
            new_credentials,
            seal_proxy_credentials,
            seal_tokens,
        )

        nik = parse_nik(nik).value
        with read(self.engine) as session:
            row = session.get(Profile, profile_id)
            if row is None:
                raise KeyError(profile_id)
            kept = (row.nik_verifier, row.sealed_proxy)
        proxy = None
        if kept[0] is not None and kept[1] is not None:
            if old_key is None or old_key.verifier != kept[0]:
                old_key = self._key_for(nik, kept[0])
            proxy = self._open_proxy(kept[1], old_key, profile_id)
        verifier, key = new_credentials(nik)
        resealed = seal_proxy_credentials(proxy, key, profile_id) if proxy else None
        carried = (kept[1], resealed)
        profile = self._settle(
            profile_id, (verifier, seal_tokens(tokens, key, profile_id)), carried
        )
        if profile is None:
            raise KeyError(profile_id)
        return SignedIn(profile, tokens, key)

    def reseal_tokens(self, profile_id: str, key: TokenKey, tokens: Tokens) -> bool:
        """Keep refreshed tokens, sealed with the key of the current sign-in. False (and
        nothing written) when the profile has signed in anew since that key was made: the
        blob must stay readable with the verifier it sits beside."""
        from latsar_desktop.store.credentials import seal_tokens

        with write(self.engine) as session:
            profile = self._profile_for_key(session, profile_id, key)
            if profile is None:
                return False
            profile.sealed_tokens = seal_tokens(tokens, key, profile_id)
            session.add(profile)
        return True

    def offline_sign_in(self, nip: str, nik: str) -> SignedIn:
        """Sign in without the server: check ``nik`` against the verifier, open the tokens.

        Only for when the server cannot be reached; never after it refused the NIK. Raises
        (``store.credentials``, each a ``DomainError`` with its message):

        - ``NeedsOnlineSignIn``: no profile for this NIP here, or nothing usable to check;
        - ``SignInWait``: a try during the wait; the NIK is not even looked at;
        - ``WrongNikOffline``: counted. After 3 in a row each further try waits twice as
          long as the one before (10 s, 20 s, 40 s … 5 minutes), across restarts;
        - ``DomainError`` with a ``nik.*`` code for a malformed NIK (not counted).

        The try is counted before the slow check and forgiven when the NIK is right, so
        two tries at once (two app windows) are both counted and cannot slip past a wait.
        """
        from latsar_desktop.store.credentials import (
            DEFAULT_COST,
            CredentialsUnreadable,
            NeedsOnlineSignIn,
            SignInWait,
            WrongNikOffline,
            check_nik,
            new_credentials,
            open_tokens,
            seal_proxy_credentials,
            seal_tokens,
            tries_left,
            verifier_cost,
            wait_after,
        )

        nik = parse_nik(nik).value
        with write(self.engine) as session:
            profile = session.exec(select(Profile).where(Profile.nip == normalize(nip))).first()
            if profile is None or profile.nik_verifier is None or profile.sealed_tokens is None:
                raise NeedsOnlineSignIn()
            now = self.clock()
            waiting = offline_wait(profile, now)
            if waiting:
                raise SignInWait(waiting)
            profile.offline_failures += 1
            wait = wait_after(profile.offline_failures)
            profile.offline_retry_at = now + wait if wait else None
            session.add(profile)
            profile_id, verifier = profile.id, profile.nik_verifier
            sealed, failures = profile.sealed_tokens, profile.offline_failures
        try:
            key = check_nik(nik, verifier)
        except CredentialsUnreadable:
            self._settle(profile_id)
            raise NeedsOnlineSignIn() from None
        if key is None:
            raise WrongNikOffline(tries_left(failures), wait)
        try:
            tokens = open_tokens(sealed, key, profile_id)
        except CredentialsUnreadable:
            self._settle(profile_id)  # the NIK was right; the blob is not readable
            raise NeedsOnlineSignIn() from None
        carried: tuple[str | None, str | None] | None = None
        if verifier_cost(verifier) != DEFAULT_COST:  # a verifier from another version
            old_key, kept = key, self._sealed_proxy(profile_id)
            verifier, key = new_credentials(nik)
            sealed = seal_tokens(tokens, key, profile_id)
            proxy = self._open_proxy(kept, old_key, profile_id) if kept else None
            carried = (kept, seal_proxy_credentials(proxy, key, profile_id) if proxy else None)
        row = self._settle(profile_id, (verifier, sealed), carried)
        if row is None:
            raise NeedsOnlineSignIn()  # removed meanwhile
        return SignedIn(row, tokens, key)

    def _settle(
        self,
        profile_id: str,
        credentials: tuple[str, str] | None = None,
        proxy: tuple[str | None, str | None] | None = None,
    ) -> Profile | None:
        """Clear the profile's wrong-NIK count and wait; with ``credentials`` (verifier,
        sealed tokens) also keep them and note the sign-in. ``proxy`` (the sealed proxy
        credentials read before, the same sealed under the new key): a new verifier's
        key opens only the new blob, so it replaces the old one (None: they are gone). A
        blob changed since it was read was sealed under the old key: it is dropped too.
        None: no such profile."""
        with write(self.engine) as session:
            row = session.get(Profile, profile_id)
            if row is None:
                return None
            if credentials is not None:
                if row.nik_verifier != credentials[0] and row.sealed_proxy is not None:
                    before, after = proxy if proxy is not None else (None, None)
                    row.sealed_proxy = after if row.sealed_proxy == before else None
                    if row.sealed_proxy is None:
                        log.warning("the proxy credentials of a profile could not be kept")
                row.nik_verifier, row.sealed_tokens = credentials
                row.last_sign_in_at = self.clock()
            row.offline_failures, row.offline_retry_at = 0, None
            session.add(row)
        return row

    # ---------------------------------------------------------------- proxy credentials

    def proxy_credentials(
        self, profile_id: str, key: TokenKey, *, any_proxy: bool = False
    ) -> ProxyCredentials | None:
        """The profile's proxy user and password for the proxy set now, opened with the key
        of its sign-in. None: none kept, not readable with this key (logged, never the
        secret), or kept for another proxy address than the one set now (the address
        changed since: they are not sent to the new one). ``any_proxy``: whatever address
        they are for (the settings decide whether a kept password still applies)."""
        sealed = self._sealed_proxy(profile_id)
        opened = self._open_proxy(sealed, key, profile_id) if sealed is not None else None
        if opened is None or any_proxy:
            return opened
        return opened if opened.for_proxy(self.setting(HTTP_PROXY_SETTING)) else None

    def sign_in_proxy(self, nip: str, nik: str) -> tuple[TokenKey | None, ProxyCredentials | None]:
        """For an online sign-in through a proxy that wants the profile's user and password:
        the key ``nik`` opens (one scrypt, only when the profile keeps proxy credentials)
        and the credentials for the proxy set now. (None, None): no such profile, nothing
        kept, or ``nik`` is not the verified one. Not an offline try: nothing is counted
        (the server, or the offline check after it, decides about the NIK)."""
        nik = parse_nik(nik).value
        profile = self.profile_by_nip(normalize(nip))
        if profile is None or profile.nik_verifier is None or profile.sealed_proxy is None:
            return None, None
        key = self._key_for(nik, profile.nik_verifier)
        if key is None:
            return None, None
        return key, self.proxy_credentials(profile.id, key)

    @staticmethod
    def _key_for(nik: str, verifier: str) -> TokenKey | None:
        from latsar_desktop.store.credentials import CredentialsUnreadable, check_nik

        try:
            return check_nik(nik, verifier)
        except CredentialsUnreadable:
            return None

    def save_connection(
        self,
        profile_id: str,
        key: TokenKey,
        server_url: str,
        proxy_url: str,
        proxy: ProxyCredentials | None,
    ) -> bool:
        """Keep the server address and the proxy address (this computer's settings) and the
        profile's proxy credentials (sealed with ``key``; None: none), in one transaction.
        Checked before (``session.connection``). False (and nothing written) when the
        profile has signed in anew since ``key`` was made, as ``reseal_tokens``."""
        from latsar_desktop.store.credentials import seal_proxy_credentials

        sealed = seal_proxy_credentials(proxy, key, profile_id) if proxy is not None else None
        with write(self.engine) as session:
            profile = self._profile_for_key(session, profile_id, key)
            if profile is None:
                return False
            profile.sealed_proxy = sealed
            session.add(profile)
            self._put_setting(session, SERVER_URL_SETTING, server_url)
            self._put_setting(session, HTTP_PROXY_SETTING, proxy_url)
        return True

    @staticmethod
    def _profile_for_key(session: Any, profile_id: str, key: TokenKey) -> Profile | None:
        """The profile's row when ``key`` belongs to its verifier; None when the profile
        signed in anew since ``key`` was made (``KeyError``: no such profile)."""
        profile: Profile | None = session.get(Profile, profile_id)
        if profile is None:
            raise KeyError(profile_id)
        return profile if profile.nik_verifier == key.verifier else None

    def _sealed_proxy(self, profile_id: str) -> str | None:
        with read(self.engine) as session:
            row = session.get(Profile, profile_id)
            return row.sealed_proxy if row is not None else None

    @staticmethod
    def _open_proxy(sealed: str, key: TokenKey | None, profile_id: str) -> ProxyCredentials | None:
        from latsar_desktop.store.credentials import CredentialsUnreadable, open_proxy_credentials

        if key is None:
            log.warning("the proxy credentials of a profile are not readable: no key")
            return None
        try:
            return open_proxy_credentials(sealed, key, profile_id)
        except CredentialsUnreadable as exc:
            log.warning("the proxy credentials of a profile are not readable: %s", exc)
            return None

    # ---------------------------------------------------------------- settings

    def setting(self, key: str, default: Any = None) -> Any:
        # one plain SELECT, no ORM session: the start reads three before its window shows
        query = f"SELECT value FROM {Setting.__tablename__} WHERE key = ?"
        with self.engine.execution_options(**{READ_ONLY: True}).connect() as connection:
            value = connection.exec_driver_sql(query, (key,)).scalar()
        return json.loads(value) if value is not None else default

    def set_setting(self, key: str, value: Any) -> None:
        with write(self.engine) as session:
            self._put_setting(session, key, value)

    @staticmethod
    def _put_setting(session: Any, key: str, value: Any) -> None:
        row = session.get(Setting, key) or Setting(key=key, value="null")
        row.value = json.dumps(value)
        session.add(row)

    # ---------------------------------------------------------------- content index

    def content_path(self, sha256: str) -> Path:
        return self.root / "content" / sha256[:2] / sha256

    def need_content(self, profile_id: str, refs: Iterable[ContentRef]) -> None:
        with write(self.engine) as session:
            for ref in refs:
                if session.get(ContentFile, ref.sha256) is None:
                    session.add(
                        ContentFile(sha256=ref.sha256, size=ref.size, media_type=ref.media_type)
                    )
                    session.flush()
                if session.get(ContentNeed, (profile_id, ref.sha256)) is None:
                    session.add(ContentNeed(profile_id=profile_id, sha256=ref.sha256))

    def release_content(self, profile_id: str, sha256s: Iterable[str]) -> list[str]:
        """This profile no longer needs these files; returns those no profile needs."""
        wanted = list(sha256s)
        with write(self.engine) as session:
            for sha in wanted:
                need = session.get(ContentNeed, (profile_id, sha))
                if need is not None:
                    session.delete(need)
            session.flush()
            return self._orphans(session, wanted)

    def _orphans(self, session: Any, candidates: Iterable[str]) -> list[str]:
        orphans = []
        for sha in sorted(set(candidates)):
            still = session.exec(select(ContentNeed).where(ContentNeed.sha256 == sha)).first()
            if still is None:
                orphans.append(sha)
        return orphans

    def needed_by(self, sha256: str) -> list[str]:
        with read(self.engine) as session:
            query = select(ContentNeed.profile_id).where(ContentNeed.sha256 == sha256)
            return sorted(session.exec(query))

    def mark_stored(self, sha256: str, stored: bool = True) -> None:
        with write(self.engine) as session:
            row = session.get(ContentFile, sha256)
            if row is None:
                if stored:
                    raise KeyError(sha256)
                return  # never indexed: nothing to forget
            row.stored, row.stored_at = stored, (self.clock() if stored else None)
            session.add(row)

    def adopt_content(self, sha256: str, verified: Path) -> Path:
        """Move a file checked against its SHA-256 and size (a download's or a USB copy's
        partial file, on the content folder's disk) into place, atomically, and mark it
        stored; its row must exist (``need_content``). Returns its path."""
        path = self.content_path(sha256)
        os.replace(verified, path)
        self.mark_stored(sha256)
        return path

    def delete_content(self, sha256s: Iterable[str]) -> None:
        """Remove files (and their partial downloads) that no profile needs any more."""
        for sha in sha256s:
            path = self.content_path(sha)
            path.unlink(missing_ok=True)
            path.with_suffix(".part").unlink(missing_ok=True)
            self.mark_stored(sha, False)

    def content_file(self, sha256: str) -> ContentFile | None:
        with read(self.engine) as session:
            return session.get(ContentFile, sha256)
