"""``machine.db``: the profiles on this computer, the shared content index, settings.

Content files live once per computer by SHA-256; the index records which profiles need
which file, so one participant's "delete" never removes a file another still uses.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col, select

from latsar_desktop.domain.protocol import ContentRef
from latsar_desktop.locations import data_dir
from latsar_desktop.store import migrations
from latsar_desktop.store.database import open_database, read, write
from latsar_desktop.store.profile import ProfileStore

MACHINE_SCHEMA_VERSION = 1


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


MACHINE_TABLES = [t.__tablename__ for t in MachineTable.__subclasses__()]


def _now() -> datetime:
    return datetime.now(UTC)


class MachineStore:
    """The Qt-free API over machine.db and the folders beside it."""

    def __init__(self, root: Path | None = None):
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

    def add_profile(self, nip: str, name: str, agency: str = "") -> Profile:
        profile = Profile(
            id=str(uuid.uuid4()),
            nip=nip,
            name=name,
            agency=agency,
            device_id=str(uuid.uuid4()),
            created_at=_now(),
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

    # ---------------------------------------------------------------- settings

    def setting(self, key: str, default: Any = None) -> Any:
        with read(self.engine) as session:
            row = session.get(Setting, key)
            return json.loads(row.value) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with write(self.engine) as session:
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
            row.stored, row.stored_at = stored, (_now() if stored else None)
            session.add(row)

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
