"""Content files: downloaded once per computer, resumable, verified, shared by profiles.

A file goes to ``content/ab/<sha256>.part``, resumes with ``Range`` from what the partial
already holds, is checked against its SHA-256 and only then moved into place
(``os.replace``, atomic). A file that fails the check is discarded and fetched once
more from the start. Free space is checked before a download starts; a disk that fills
during one raises ``DISK_FULL`` and keeps the partial file for resuming. Progress goes
through a plain ``progress(done_bytes, total_bytes)`` callback; at most ``parallel``
files move at once. A ``CancelToken`` stops a download between chunks (and a request in
flight, see ``sync/deadline.py``) with ``CANCELLED``: what arrived stays in the partial
file, and the next download resumes from there. Each request's deadline counts the bytes
of the ranged part at the slowest useful link. A file whose ``ContentRef`` names a ``url``
(the server's ``content_base_url``: a static host or CDN) comes from there, with the same
Range, resume and check, and without the participant's token.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from latsar_desktop.domain.protocol import ContentRef, CoursePackage
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.cancel import CancelToken, check
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

ProgressCallback = Callable[[int, int], None]
CHUNK = 64 * 1024
SPACE_MARGIN = 20 * 1024 * 1024  # leave this much free for the databases and the system
SMALL_FILE = 512 * 1024  # "Hemat data" moves only files up to this size automatically
HEMAT_DATA = "hemat_data"  # the setting's key in machine.db
_FILE_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
# per profile: its list of offline materials is read, changed and written under it
_MATERIAL_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


def file_lock(sha256: str) -> threading.Lock:
    """The lock under which a content file's partial file is written and moved into place:
    downloads and USB imports (``session/usb.py``) never write one file at once."""
    return _FILE_LOCKS[sha256]


@dataclass(frozen=True)
class Plan:
    """What a download would move: shown to the participant before it starts."""

    files: tuple[ContentRef, ...]  # the files not yet on this computer
    total_bytes: int  # of the whole material
    missing_bytes: int  # still to fetch (partial files count as half done)

    @property
    def shown_bytes(self) -> int:
        """The size a download button shows before it starts: what is still to move, or
        (all of it stored already) the whole size."""
        return self.missing_bytes if self.missing_bytes > 0 else self.total_bytes


@dataclass(frozen=True)
class MaterialUsage:
    material_id: str
    title: str
    stored_bytes: int
    total_bytes: int


class Downloader:
    def __init__(
        self,
        api: ApiClient,
        machine: MachineStore,
        profile_id: str,
        *,
        parallel: int = 2,
        disk_free: Callable[[Path], int] = lambda path: shutil.disk_usage(path).free,
    ) -> None:
        self.api = api
        self.machine = machine
        self.profile_id = profile_id
        self.parallel = parallel
        self.disk_free = disk_free
        self.received = 0  # response body bytes received, all downloads together
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- planning

    def stored(self, ref: ContentRef) -> bool:
        return self.machine.content_path(ref.sha256).is_file()

    def partial(self, ref: ContentRef) -> Path:
        return self.machine.content_path(ref.sha256).with_suffix(".part")

    def plan(self, refs: Iterable[ContentRef]) -> Plan:
        refs = list(refs)
        missing = [r for r in refs if not self.stored(r)]
        left = sum(r.size - self._partial_size(r) for r in missing)
        return Plan(tuple(missing), sum(r.size for r in refs), left)

    def plan_material(self, package: CoursePackage, material_id: str) -> Plan:
        return self.plan(package.material(material_id).content_refs())

    def plan_all(self, package: CoursePackage) -> Plan:
        """ "Unduh semua": every content file of the package (the welcome video too)."""
        return self.plan(package.content_refs())

    def automatic(self, package: CoursePackage) -> list[ContentRef]:
        """What may move without being asked: everything, or small files under Hemat data."""
        refs = package.content_refs()
        if self.machine.setting(HEMAT_DATA, False):
            refs = [r for r in refs if r.size <= SMALL_FILE]
        return refs

    def usage(self, package: CoursePackage) -> list[MaterialUsage]:
        """Space used per material on this computer (a file shared by two counts in each)."""
        result = []
        for material in package.materials:
            refs = material.content_refs()
            result.append(
                MaterialUsage(
                    material.id,
                    material.title,
                    sum(r.size for r in refs if self.stored(r)),
                    sum(r.size for r in refs),
                )
            )
        return result

    # ---------------------------------------------------------------- moving bytes

    def download(
        self,
        refs: Iterable[ContentRef],
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Plan:
        """Fetch what is missing of ``refs`` for this profile; returns what was planned."""
        check(cancel)
        refs = list(refs)
        self.machine.need_content(self.profile_id, refs)
        plan = self.plan(refs)
        if not plan.files:
            return plan
        root = self.machine.root
        free = self.disk_free(root)
        if free < plan.missing_bytes + SPACE_MARGIN:
            raise SyncError(
                SyncErrorKind.DISK_FULL, f"need {plan.missing_bytes} bytes, {free} free"
            )
        done = [0]

        def moved(count: int) -> None:
            with self._lock:
                done[0] += count
                self.received += count
                current = done[0]
            if progress is not None:
                progress(min(current, plan.missing_bytes), plan.missing_bytes)

        if progress is not None:
            progress(0, plan.missing_bytes)
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            futures = [pool.submit(self._fetch, ref, moved, cancel) for ref in plan.files]
            for future in futures:
                future.result()  # the first failure is raised; the others finish or fail
        return plan

    def _offline_key(self) -> str:
        return f"offline_materials/{self.profile_id}"

    def offline_materials(self) -> set[str]:
        """The materials this profile asked to keep for offline use."""
        return set(self.machine.setting(self._offline_key(), []))

    def keep_offline(self, material_ids: Iterable[str]) -> None:
        """Add materials to this profile's offline materials (their files are stored)."""
        with _MATERIAL_LOCKS[self.profile_id]:  # two at once: both are kept
            kept = self.offline_materials() | set(material_ids)
            self.machine.set_setting(self._offline_key(), sorted(kept))

    def download_material(
        self,
        package: CoursePackage,
        material_id: str,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Plan:
        plan = self.download(package.material(material_id).content_refs(), progress, cancel)
        self.keep_offline([material_id])
        return plan

    def download_all(
        self,
        package: CoursePackage,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Plan:
        """Every material kept offline (and the welcome video fetched): one download, so
        one progress over all the bytes; cancelled, no material is marked and the partial
        files stay for the next try to resume."""
        plan = self.download(package.content_refs(), progress, cancel)
        self.keep_offline(m.id for m in package.materials)
        return plan

    def complete_materials(self, package: CoursePackage) -> list[str]:
        """The materials whose files are all stored on this computer."""
        return [m.id for m in package.materials if all(self.stored(r) for r in m.content_refs())]

    def delete_material(self, package: CoursePackage, material_id: str) -> list[str]:
        """This profile no longer keeps the material offline; removes the files that
        neither another kept material of this profile nor another profile needs."""
        with _MATERIAL_LOCKS[self.profile_id]:  # the files of a material kept meanwhile stay
            kept = self.offline_materials() - {material_id}
            self.machine.set_setting(self._offline_key(), sorted(kept))
            mine = {r.sha256 for r in package.material(material_id).content_refs()}
            still_used = {
                r.sha256 for m in package.materials if m.id in kept for r in m.content_refs()
            }
            if package.welcome_video.content is not None:
                still_used.add(package.welcome_video.content.sha256)
            orphans = self.machine.release_content(self.profile_id, sorted(mine - still_used))
        self.machine.delete_content(orphans)
        return orphans

    def _partial_size(self, ref: ContentRef) -> int:
        part = self.partial(ref)
        return part.stat().st_size if part.is_file() else 0

    def _fetch(
        self, ref: ContentRef, moved: Callable[[int], None], cancel: CancelToken | None
    ) -> None:
        with file_lock(ref.sha256):  # two profiles never write one partial file
            for _ in range(2):
                check(cancel)
                if self.stored(ref) or self._fetch_once(ref, moved, cancel):
                    return
                # the file did not match its hash: discard it and fetch it whole once more
                self.partial(ref).unlink(missing_ok=True)
        raise SyncError(SyncErrorKind.CORRUPT, ref.name)

    def _fetch_once(
        self, ref: ContentRef, moved: Callable[[int], None], cancel: CancelToken | None
    ) -> bool:
        part = self.partial(ref)
        part.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        start = 0
        if part.is_file():
            with part.open("rb") as existing:
                for chunk in iter(lambda: existing.read(CHUNK), b""):
                    digest.update(chunk)
                    start += len(chunk)
        if start > ref.size:
            part.unlink()
            return False
        if start < ref.size:
            with self.api.stream_asset(ref.sha256, start, url=ref.url, cancel=cancel) as response:
                if start and response.status_code == 200:  # the server ignored Range
                    digest, start = hashlib.sha256(), 0
                    part.unlink(missing_ok=True)
                try:
                    with part.open("ab") as handle:
                        for chunk in response.iter_bytes():  # as it arrives
                            handle.write(chunk)
                            digest.update(chunk)
                            moved(len(chunk))
                            check(cancel)  # what arrived stays in the partial file
                        handle.flush()
                        os.fsync(handle.fileno())
                except OSError as exc:
                    if exc.errno == errno.ENOSPC:
                        raise SyncError(SyncErrorKind.DISK_FULL, ref.name) from exc
                    raise
                except httpx.TransportError as exc:  # the link broke inside the body
                    raise self.api.link_failure(exc, response) from exc
        if digest.hexdigest() != ref.sha256 or part.stat().st_size != ref.size:
            return False
        self.machine.adopt_content(ref.sha256, part)
        return True
