"""Offline content: package refresh, resumable verified downloads, the shared cache."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.downloader import HEMAT_DATA, SMALL_FILE, Downloader
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_server.courses.imports import import_course
from tests import recipes
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import DEMO, demo_people, load_demo, play, sign_in
from tests.servers import RunningServer
from tools import demo_course as demo

PEOPLE = demo_people()
BIG = demo.large_clip()


@pytest.fixture
def proxy(sqlite_server: RunningServer) -> Iterator[FaultProxy]:
    load_demo(sqlite_server)
    with FaultProxy("127.0.0.1", urlsplit(sqlite_server.url).port or 80) as running:
        yield running


class Participant:
    """One profile on a shared PC, signed in through the session as the app does: its
    store, its signed-in client, its downloader."""

    def __init__(self, machine: MachineStore, url: str, person: dict[str, str]) -> None:
        self.session = sign_in(machine, url, person, device_name="PC kantor")
        assert self.session.profile_id is not None
        self.profile_id = self.session.profile_id
        self.store = self.session.store
        self.api = self.session.api
        self.downloader = self.session.downloader

    @property
    def package(self):  # type: ignore[no-untyped-def]
        return self.store.package()


@pytest.fixture
def machine(tmp_path: Path) -> MachineStore:
    return MachineStore(tmp_path / "pc")


@pytest.fixture
def people(proxy: FaultProxy, machine: MachineStore) -> Iterator[Callable[..., Participant]]:
    """Signs participants in on ``machine`` through the proxy; signs them out at the end."""
    signed: list[Participant] = []

    def sign(person: dict[str, str]) -> Participant:
        signed.append(Participant(machine, proxy.url, person))
        return signed[-1]

    yield sign
    for participant in signed:
        participant.session.sign_out()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_resume_after_cuts_at_30_and_70_percent(
    proxy: FaultProxy,
    people: Callable[..., Participant],
    machine: MachineStore,
) -> None:
    budi = people(PEOPLE[0])
    proxy.reset_counters()
    proxy.cut_down(int(BIG.size * 0.30), once=True)
    with pytest.raises(SyncError) as info:
        budi.downloader.download([BIG])
    assert info.value.kind is SyncErrorKind.OFFLINE
    partial = budi.downloader.partial(BIG)
    first = partial.stat().st_size
    assert 0.25 * BIG.size < first < 0.30 * BIG.size
    proxy.cut_down(int(BIG.size * 0.40), once=True)
    with pytest.raises(SyncError):
        budi.downloader.download([BIG])
    second = partial.stat().st_size
    assert 0.65 * BIG.size < second < 0.70 * BIG.size
    seen: list[tuple[int, int]] = []
    budi.downloader.download([BIG], lambda done, total: seen.append((done, total)))
    final = machine.content_path(BIG.sha256)
    assert sha(final) == BIG.sha256
    assert not partial.exists()
    assert seen[0] == (0, BIG.size - second)
    assert seen[-1] == (BIG.size - second, BIG.size - second)
    assert budi.downloader.received <= 1.02 * BIG.size
    assert proxy.bytes_down <= 1.02 * BIG.size + 3 * 1024  # plus three response heads
    assert proxy.requests == 3
    # already there: nothing moves
    proxy.reset_counters()
    assert budi.downloader.download([BIG]).files == ()
    assert proxy.requests == 0


def test_corrupted_partial_is_caught_and_fetched_again(
    people: Callable[..., Participant], machine: MachineStore
) -> None:
    budi = people(PEOPLE[0])
    data = bytearray((demo.content_dir() / BIG.name).read_bytes()[:500_000])
    data[1000:1010] = b"XXXXXXXXXX"
    partial = budi.downloader.partial(BIG)
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(bytes(data))
    budi.downloader.download([BIG])
    assert sha(machine.content_path(BIG.sha256)) == BIG.sha256
    assert budi.downloader.received == (BIG.size - 500_000) + BIG.size


def test_two_profiles_share_one_copy(
    proxy: FaultProxy, people: Callable[..., Participant], machine: MachineStore
) -> None:
    budi, siti = (people(p).session for p in PEOPLE[:2])
    plan = budi.plan_material("kebijakan")
    assert plan.missing_bytes == plan.total_bytes > BIG.size  # the size, before starting
    proxy.reset_counters()
    budi.download_material("kebijakan")
    fetched = proxy.requests
    assert fetched == len(demo.load_package().materials[0].content_refs())
    assert siti.plan_material("kebijakan").missing_bytes == 0
    siti.download_material("kebijakan")
    assert proxy.requests == fetched  # downloaded once for the computer
    summary = siti.storage_summary()
    usage = {u.material_id: u for u in summary.materials}
    assert usage["kebijakan"].stored_bytes == usage["kebijakan"].total_bytes == plan.total_bytes
    assert usage["bela-negara"].stored_bytes == 0
    assert summary.free_bytes > 0
    assert budi.delete_material("kebijakan") == []
    assert machine.content_path(BIG.sha256).is_file()  # Siti still needs it
    removed = siti.delete_material("kebijakan")
    assert BIG.sha256 in removed
    assert not machine.content_path(BIG.sha256).exists()


class FillingFile:
    """A partial file on a disk that is full after ``limit`` bytes (ENOSPC on write)."""

    def __init__(self, handle: Any, limit: int) -> None:
        self._handle, self._limit, self._written = handle, limit, handle.tell()

    def write(self, data: bytes) -> int:
        if self._written + len(data) > self._limit:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._written += len(data)
        return int(self._handle.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> FillingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


@pytest.fixture(params=["tmpfs", "injected"])
def full_disk(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], None]]:
    """Make content/ fill up at about 500-600 KB; yields the function that frees room."""
    folder = tmp_path / "pc" / "content"
    folder.mkdir(parents=True)
    if request.param == "tmpfs":
        mount = ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(folder)]
        try:
            mounted = subprocess.run(mount, capture_output=True, text=True)
            failure = ""
            if mounted.returncode != 0:
                failure = mounted.stderr.strip() or f"mount exited {mounted.returncode}"
        except OSError as exc:  # no mount(8) at all
            failure = str(exc)
        if failure:
            why = f"cannot mount a tmpfs ({failure})"
            if os.environ.get("CI") == "true":  # CI runs as root: the real disk-full must run
                pytest.fail(f"CI needs the real disk-full case: {why}")
            pytest.skip(f"{why}; the injected ENOSPC case covers it")
        try:
            assert shutil.disk_usage(folder).total <= 600 * 1024  # content/ is the small disk
            yield lambda: subprocess.run(
                ["mount", "-o", "remount,size=4m", str(folder)], check=True
            )
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=True, capture_output=True)
        return
    original = Path.open

    def opener(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = original(path, mode, *args, **kwargs)
        return FillingFile(handle, 500_000) if path.suffix == ".part" else handle

    monkeypatch.setattr(Path, "open", opener)
    yield monkeypatch.undo


def test_disk_full(
    proxy: FaultProxy,
    full_disk: Callable[[], None],
    people: Callable[..., Participant],
    machine: MachineStore,
) -> None:
    budi = people(PEOPLE[0])
    # not enough room: refused before any byte moves
    tight = Downloader(budi.api, machine, budi.profile_id, disk_free=lambda _path: 1000)
    proxy.reset_counters()
    with pytest.raises(SyncError) as info:
        tight.download([BIG])
    assert info.value.kind is SyncErrorKind.DISK_FULL
    assert proxy.requests == 0
    # the disk fills during the download: a clear error, the partial file kept
    with pytest.raises(SyncError) as info:
        budi.downloader.download([BIG])
    assert info.value.kind is SyncErrorKind.DISK_FULL
    kept = budi.downloader.partial(BIG).stat().st_size
    assert 400_000 < kept <= 600 * 1024
    # room again: the download resumes from the partial file
    full_disk()
    before = budi.downloader.received
    budi.downloader.download([BIG])
    assert sha(machine.content_path(BIG.sha256)) == BIG.sha256
    assert budi.downloader.received - before == BIG.size - kept


def test_package_update_keeps_progress(
    sqlite_server: RunningServer,
    tmp_path: Path,
    people: Callable[..., Participant],
) -> None:
    budi = people(PEOPLE[0])
    play(budi.store, recipes.recipe_steps("32-optional"))
    budi.session.sync()
    assert budi.store.progress().trophies == 32
    # version 2 drops the optional reflection kebijakan-1 and gives its trophy elsewhere
    v2 = tmp_path / "v2"
    shutil.copytree(DEMO, v2, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((v2 / "package.json").read_text())
    data["version"] = 2
    subs = data["materials"][0]["sub_materials"]
    subs[0]["activities"] = [a for a in subs[0]["activities"] if a["id"] != "kebijakan-1-refleksi"]
    next(a for a in subs[1]["activities"] if a["id"] == "kebijakan-2-refleksi")["trophies"] += 1
    (v2 / "package.json").write_text(json.dumps(data))
    import_course(sqlite_server.engine, sqlite_server.settings.content_dir, v2 / "package.json")
    result = budi.session.refresh_package()
    assert result.changed
    assert result.version == 2
    removed = demo.load_package().activity("kebijakan-1-refleksi")
    assert removed is not None
    assert result.removed_with_progress == (removed.title,)
    view = budi.store.progress()
    assert view.trophies == 32  # -1 for the removed reflection, +1 for kebijakan-2's
    assert "kebijakan-1-refleksi" in {
        e.payload.activity_id for e in budi.store.journal() if hasattr(e.payload, "activity_id")
    }


def test_unchanged_package_costs_one_request_and_no_body(
    proxy: FaultProxy, people: Callable[..., Participant]
) -> None:
    budi = people(PEOPLE[0])
    proxy.reset_counters()
    before = budi.api.traffic
    result = budi.session.refresh_package()
    assert not result.changed
    assert proxy.requests == 1
    assert proxy.bytes_down < 400  # a 304 head, no body
    assert budi.api.traffic.requests == before.requests + 1
    assert budi.api.traffic.received == before.received


def test_hemat_data_moves_only_small_files(
    people: Callable[..., Participant], machine: MachineStore
) -> None:
    budi = people(PEOPLE[0])
    everything = budi.downloader.automatic(budi.package)
    assert any(r.media_type.startswith("video/") for r in everything)
    machine.set_setting(HEMAT_DATA, True)
    small = budi.downloader.automatic(budi.package)
    assert small
    assert all(r.size <= SMALL_FILE for r in small)
    assert BIG not in small
    budi.downloader.download(small)
    assert not machine.content_path(BIG.sha256).exists()
    budi.downloader.download([BIG])  # an explicit request still works
    assert machine.content_path(BIG.sha256).is_file()


def test_download_refreshes_an_expired_token(
    sqlite_server: RunningServer,
    people: Callable[..., Participant],
    machine: MachineStore,
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from latsar_server.tables import Token

    budi = people(PEOPLE[0])
    with sqlite_server.engine.begin() as connection:
        connection.execute(
            update(Token)
            .where(Token.kind == "access")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    budi.downloader.download([BIG])
    assert sha(machine.content_path(BIG.sha256)) == BIG.sha256


def test_deleting_a_material_keeps_files_another_material_uses(
    people: Callable[..., Participant], machine: MachineStore
) -> None:
    budi = people(PEOPLE[0])
    package = budi.package
    # version 2 reuses the big clip in the second material too
    second = package.materials[1]
    sub = second.sub_materials[0]
    video = sub.activities[0].model_copy(update={"content": BIG})
    sub = sub.model_copy(update={"activities": [video, *sub.activities[1:]]})
    second = second.model_copy(update={"sub_materials": [sub, *second.sub_materials[1:]]})
    shared = package.model_copy(
        update={"version": 2, "materials": [package.materials[0], second, *package.materials[2:]]}
    )
    budi.downloader.download_material(shared, "kebijakan")
    budi.downloader.download_material(shared, second.id)
    removed = budi.downloader.delete_material(shared, "kebijakan")
    assert BIG.sha256 not in removed
    assert machine.content_path(BIG.sha256).is_file()
    assert BIG.sha256 in budi.downloader.delete_material(shared, second.id)
    assert not machine.content_path(BIG.sha256).exists()
