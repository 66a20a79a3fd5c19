"""Copying the course content through a folder (a USB stick), with no connection.

In an office with a weak link one computer downloads the course, "Salin ke folder…"
(``export_content``) writes its content files to a folder, and the other computers take
them with "Ambil dari folder…" (``import_content``).

The copy is a folder ``latsar-konten/`` inside the chosen one: each file under its
package name (``video-kebijakan-1.mp4``: a person recognises them on the stick) and an
index, ``latsar-konten.json``: ``{"format", "course_id", "package_version", "files":
[{"sha256", "size", "name", "media_type", "path"}]}``. Exporting into a folder that holds
a copy already updates it: a file there with the right SHA-256 stays, others are written
again (each as ``<name>.part``, then renamed), and the index is written last.

Importing trusts only the signed-in course package. The index only helps find a file;
every file the package lists and this computer does not store is looked for among the
paths the index gives for its SHA-256 and the files of the copy folder with its size (or
its name), copied into the content folder's partial file while hashed, and kept only when
its SHA-256 and size are the package's. A file that does not match is refused and named
(the package's name, with the reason); a file the package does not list is never taken
(``skipped``); a file already stored is not read at all. Whatever the folder holds (a
truncated file, a renamed one, junk, an index naming a file at a wrong path), nothing
but the package's bytes reaches the content folder.

Both are worker calls: ``progress(done_bytes, total_bytes)`` and a ``CancelToken``
checked between chunks (``SyncError(CANCELLED)``; the half-written file is removed). A
folder that cannot be read or written, a missing or unreadable index and too little free
space are ``DomainError`` with their message.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from latsar_desktop.domain.course import content_name_is_plain
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.protocol import ContentRef, CoursePackage
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken, check
from latsar_desktop.sync.downloader import CHUNK, SPACE_MARGIN, file_lock

__all__ = [
    "COPY_FOLDER",
    "INDEX_FORMAT",
    "INDEX_NAME",
    "CopyReport",
    "Refused",
    "export_content",
    "import_content",
]

ProgressCallback = Callable[[int, int], None]
COPY_FOLDER = "latsar-konten"  # the copy's folder inside the chosen one
INDEX_NAME = "latsar-konten.json"
INDEX_FORMAT = "latsar-konten/1"
MAX_INDEX_BYTES = 16 * 1024 * 1024  # an index of a few thousand files is far below
FOLDER_MARGIN = 1024 * 1024  # room for the index on the stick
PART = ".part"


@dataclass(frozen=True)
class Refused:
    """A file of the package the folder holds only in a form that is not the package's."""

    name: str  # the package's file name
    reason: Message


@dataclass(frozen=True)
class CopyReport:
    """What a copy moved. Names are the package's file names.

    ``copied``: written (export) or taken (import); ``refused``: import only, files that
    did not match the package; ``skipped``: import only, the copy folder's files the
    package does not list (never taken: none at a package file's index path, of its name
    or of its size); ``bytes``: the bytes copied; ``present``: already
    there (in the folder, or on this computer), not copied again; ``missing``: files of
    the package not copied because the source has none (export: not downloaded on this
    computer; import: not found in the folder)."""

    copied: tuple[str, ...] = ()
    refused: tuple[Refused, ...] = ()
    skipped: tuple[str, ...] = ()
    bytes: int = 0
    present: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    exported: bool = False  # "Salin ke folder…" (else "Ambil dari folder…")

    def message(self) -> Message:
        """The one summary sentence to show."""
        if self.exported:
            return msg(
                Code.USB_EXPORTED,
                copied=len(self.copied),
                present=len(self.present),
                missing=len(self.missing),
            )
        return msg(
            Code.USB_IMPORTED,
            copied=len(self.copied),
            present=len(self.present),
            refused=len(self.refused),
            skipped=len(self.skipped),
            missing=len(self.missing),
        )


def _mb(count: int) -> Decimal:
    """Bytes as megabytes with one decimal place (rounded up: never "0,0 MB" needed)."""
    tenths = -(-count // 100_000)
    return Decimal(tenths) / 10


class _Progress:
    """One ``progress(done, total)`` over a copy; never above ``total``."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total, self.done, self.callback = total, 0, callback
        if callback is not None:
            callback(0, total)

    def moved(self, count: int) -> None:
        self.done = min(self.total, self.done + count)
        if self.callback is not None:
            self.callback(self.done, self.total)


class _Unreadable(Exception):
    """Reading a file of the folder failed (the source, not this computer's disk)."""


# ==================================================================== export


def export_content(
    package: CoursePackage,
    machine: MachineStore,
    folder: Path,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> CopyReport:
    """Write every content file of ``package`` this computer stores (the welcome video
    too) and the index into ``folder/latsar-konten/``; a copy there is updated.

    ``progress`` counts the bytes of the stored files: those checked in the folder
    (already there) and those written. A stored file that cannot be read (removed
    meanwhile, a disk error) is not copied: it counts as ``missing``. ``DomainError``: the
    folder cannot be written (``USB_FOLDER_UNWRITABLE``), or its disk has too little room
    (``USB_FOLDER_FULL``, checked before writing, and when the disk fills: the room the
    files not yet written still need)."""
    check(cancel)
    refs = package.content_refs()
    stored = [r for r in refs if machine.content_path(r.sha256).is_file()]
    missing = [r for r in refs if not machine.content_path(r.sha256).is_file()]
    names = _file_names(stored)
    target = folder / COPY_FOLDER
    moved = _Progress(sum(r.size for r in stored), progress)
    to_write: list[ContentRef] = []
    with _writing(folder, target, lambda: _room(target, names, to_write)):
        target.mkdir(parents=True, exist_ok=True)
        present: list[ContentRef] = []
        for ref in stored:
            dest = target / names[ref.sha256]
            if _holds(dest, ref, cancel, moved.moved):
                present.append(ref)
            else:
                to_write.append(ref)
        free = shutil.disk_usage(target).free
        need = _room(target, names, to_write)
        if free < need:
            raise DomainError(msg(Code.USB_FOLDER_FULL, needed_mb=_mb(need), free_mb=_mb(free)))
        for ref in list(to_write):
            try:
                _write_copy(
                    machine.content_path(ref.sha256), target / names[ref.sha256], cancel, moved
                )
            except _Unreadable:  # this computer's own file: not the folder's fault
                to_write.remove(ref)
                missing.append(ref)
        written = [r for r in stored if r not in missing]
        index = {
            "format": INDEX_FORMAT,
            "course_id": package.course_id,
            "package_version": package.version,
            "files": [
                {
                    "sha256": r.sha256,
                    "size": r.size,
                    "name": r.name,
                    "media_type": r.media_type,
                    "path": names[r.sha256],
                }
                for r in written
            ],
        }
        with _partial(target / INDEX_NAME) as part, part.open("w", encoding="utf-8") as handle:
            json.dump(index, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
    return CopyReport(
        copied=tuple(r.name for r in to_write),
        bytes=sum(r.size for r in to_write),
        present=tuple(r.name for r in present),
        missing=tuple(r.name for r in missing),
        exported=True,
    )


def _room(target: Path, names: dict[str, str], refs: Iterable[ContentRef]) -> int:
    """The free space writing ``refs`` into the copy folder needs: each file's size less
    what its old copy there frees (none once it is written), and room for the index."""
    return sum(max(0, r.size - _size(target / names[r.sha256])) for r in refs) + FOLDER_MARGIN


def _write_copy(source: Path, dest: Path, cancel: CancelToken | None, moved: _Progress) -> None:
    """Copy this computer's ``source`` to ``dest`` through ``dest``'s partial file.
    ``_Unreadable``: ``source`` could not be read (the partial file is removed); a
    failure to write is the ``OSError`` itself."""
    # (closed before ``_partial`` renames it: the contexts end in reverse order)
    with _partial(dest) as part, closing(_read(source, cancel)) as chunks, part.open("wb") as dst:
        for chunk in chunks:
            dst.write(chunk)
            moved.moved(len(chunk))
        dst.flush()
        os.fsync(dst.fileno())


def _file_names(refs: Iterable[ContentRef]) -> dict[str, str]:
    """Each file's name in the copy folder: the package's name when it is a plain one and
    not taken (a USB stick's file system ignores case), else one made from its SHA-256."""
    names: dict[str, str] = {}
    taken = {INDEX_NAME.casefold()}
    for ref in refs:
        name = ref.name
        if not content_name_is_plain(name) or name.endswith(PART):
            name = ref.sha256
        elif name.casefold() in taken:
            name = f"{ref.sha256[:12]}-{name}"
        taken.add(name.casefold())
        names[ref.sha256] = name
    return names


def _holds(
    dest: Path, ref: ContentRef, cancel: CancelToken | None, moved: Callable[[int], None]
) -> bool:
    """The folder's file is the package's (its size, then its SHA-256)."""
    if _size(dest) != ref.size or not dest.is_file():
        return False
    try:
        return _sha256(dest, cancel, moved) == ref.sha256
    except _Unreadable:
        return False  # written again


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


@contextmanager
def _writing(folder: Path, target: Path, still_needed: Callable[[], int]) -> Iterator[None]:
    """The folder's write failures as their message: a full disk (with the room
    ``still_needed()`` says the copy needs now), or any other."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            free = shutil.disk_usage(target if target.is_dir() else folder).free
            needed = msg(Code.USB_FOLDER_FULL, needed_mb=_mb(still_needed()), free_mb=_mb(free))
            raise DomainError(needed) from exc
        raise DomainError(msg(Code.USB_FOLDER_UNWRITABLE, folder=str(folder))) from exc


@contextmanager
def _partial(dest: Path) -> Iterator[Path]:
    """Write ``dest`` as ``dest.part``, renamed over ``dest`` when the block ends; any
    failure (a cancel too) removes the partial file."""
    part = dest.with_name(dest.name + PART)
    try:
        yield part
        os.replace(part, dest)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _sha256(path: Path, cancel: CancelToken | None, moved: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    for chunk in _read(path, cancel):
        digest.update(chunk)
        moved(len(chunk))
    return digest.hexdigest()


def _read(path: Path, cancel: CancelToken | None) -> Generator[bytes, None, None]:
    """``path``'s bytes, a chunk at a time, the cancel checked before each.
    ``_Unreadable``: the file could not be opened or read."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _Unreadable(str(exc)) from exc
    with handle:
        while True:
            check(cancel)
            try:
                chunk = handle.read(CHUNK)
            except OSError as exc:
                raise _Unreadable(str(exc)) from exc
            if not chunk:
                return
            yield chunk


# ==================================================================== import


def import_content(
    package: CoursePackage,
    machine: MachineStore,
    profile_id: str,
    folder: Path,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> CopyReport:
    """Take from ``folder`` (the copy folder, or the folder holding ``latsar-konten/``)
    every file of ``package`` this computer does not store, each checked against the
    package's SHA-256 and size; see the module docstring.

    Every file of the package stored now (taken, or there before) is recorded as needed
    by ``profile_id`` (no other profile's deletion removes it). ``progress`` counts the
    bytes read from the folder against the bytes of the files still to take (those it
    holds a file of their size for). ``DomainError``: the folder or its index cannot be
    read (``USB_FOLDER_UNREADABLE``, ``USB_INDEX_MISSING``, ``USB_INDEX_INVALID``), or
    this computer has too little room for those files (``USB_DISK_FULL``)."""
    check(cancel)
    root, index = _read_index(folder)
    listed = _index_paths(root, index)
    files = _folder_files(root, folder)
    sizes = {path: _size(path) for path in files}
    refs = package.content_refs()
    present = [r for r in refs if machine.content_path(r.sha256).is_file()]
    todo = [r for r in refs if not machine.content_path(r.sha256).is_file()]
    found = [(r, _candidates(r, listed, files, sizes)) for r in todo]
    # room only for what the folder may hold: a file of the package's size
    need = sum(r.size for r, paths in found if any(_size_of(p, sizes) == r.size for p in paths))
    content = machine.root / "content"
    content.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(content).free
    if need and free < need + SPACE_MARGIN:
        raise DomainError(msg(Code.USB_DISK_FULL, needed_mb=_mb(need), free_mb=_mb(free)))
    machine.need_content(profile_id, present)
    moved = _Progress(need, progress)
    looked_at: set[Path] = set()  # the folder's files that stand for a package file
    for ref in present:  # not read: stored already (a renamed copy too: by its size)
        looked_at.update(_candidates(ref, listed, files, sizes))
    copied: list[ContentRef] = []
    refused: list[Refused] = []
    missing: list[str] = []
    for ref, candidates in found:
        looked_at.update(candidates)
        if not candidates:
            missing.append(ref.name)
            continue
        reason: Message | None = None
        for path in candidates:
            size = _size_of(path, sizes)
            if size != ref.size:
                reason = reason or msg(
                    Code.USB_FILE_SIZE_MISMATCH, name=ref.name, size=max(size, 0), expected=ref.size
                )
                continue
            try:
                taken = _take(path, ref, machine, profile_id, cancel, moved.moved)
            except _Unreadable:
                reason = msg(Code.USB_FILE_UNREADABLE, name=ref.name)
                continue
            if taken:
                copied.append(ref)
                break
            reason = msg(Code.USB_FILE_HASH_MISMATCH, name=ref.name)
        else:
            assert reason is not None  # every candidate was looked at and failed
            refused.append(Refused(ref.name, reason))
    skipped = tuple(sorted(p.name for p in files if p not in looked_at))
    return CopyReport(
        copied=tuple(r.name for r in copied),
        refused=tuple(refused),
        skipped=skipped,
        bytes=sum(r.size for r in copied),
        present=tuple(r.name for r in present),
        missing=tuple(missing),
    )


def _read_index(folder: Path) -> tuple[Path, dict[str, Any]]:
    """The copy folder (``folder`` or its ``latsar-konten/``) and its index, read."""
    try:
        if not folder.is_dir():
            raise DomainError(msg(Code.USB_FOLDER_UNREADABLE, folder=str(folder)))
        root = next((r for r in (folder, folder / COPY_FOLDER) if (r / INDEX_NAME).is_file()), None)
        if root is None:
            raise DomainError(msg(Code.USB_INDEX_MISSING, folder=str(folder)))
        path = root / INDEX_NAME
        if path.stat().st_size > MAX_INDEX_BYTES:
            raise DomainError(msg(Code.USB_INDEX_INVALID, folder=str(folder)))
        text = path.read_bytes()
    except OSError as exc:
        raise DomainError(msg(Code.USB_FOLDER_UNREADABLE, folder=str(folder))) from exc
    try:
        index = json.loads(text)
    except ValueError as exc:  # not JSON, or not UTF-8
        raise DomainError(msg(Code.USB_INDEX_INVALID, folder=str(folder))) from exc
    if (
        not isinstance(index, dict)
        or index.get("format") != INDEX_FORMAT
        or not isinstance(index.get("files"), list)
    ):
        raise DomainError(msg(Code.USB_INDEX_INVALID, folder=str(folder)))
    return root, index


def _index_paths(root: Path, index: dict[str, Any]) -> dict[str, list[Path]]:
    """Where the index says each SHA-256 is: only paths inside the copy folder (an entry
    of another shape, or pointing outside, is ignored: the index is only a hint)."""
    inside = root.resolve()
    paths: dict[str, list[Path]] = {}
    for entry in index["files"]:
        if not isinstance(entry, dict):
            continue
        sha, relative = entry.get("sha256"), entry.get("path")
        if not isinstance(sha, str) or not isinstance(relative, str) or not relative:
            continue
        path = root / relative
        try:
            if not path.resolve().is_relative_to(inside) or path.name == INDEX_NAME:
                continue
        except (OSError, ValueError):
            continue
        paths.setdefault(sha.lower(), []).append(path)
    return paths


def _folder_files(root: Path, folder: Path) -> list[Path]:
    """The copy folder's own files (not its subfolders), but the index and partial files."""
    try:
        return sorted(
            p
            for p in root.iterdir()
            if p.name != INDEX_NAME and not p.name.endswith(PART) and p.is_file()
        )
    except OSError as exc:
        raise DomainError(msg(Code.USB_FOLDER_UNREADABLE, folder=str(folder))) from exc


def _candidates(
    ref: ContentRef, listed: dict[str, list[Path]], files: list[Path], sizes: dict[Path, int]
) -> list[Path]:
    """The folder's files that may be ``ref``: where the index puts it, a file of its
    name, then every file of its size (a renamed one); each once, in that order."""
    found = [
        *listed.get(ref.sha256, ()),
        *(p for p in files if p.name == ref.name),
        *(p for p in files if sizes[p] == ref.size),
    ]
    return [p for i, p in enumerate(found) if p not in found[:i] and p.is_file()]


def _size_of(path: Path, sizes: dict[Path, int]) -> int:
    """A candidate's size: the copy folder's files were measured once (-1: none)."""
    return sizes[path] if path in sizes else _size(path)


def _take(
    source: Path,
    ref: ContentRef,
    machine: MachineStore,
    profile_id: str,
    cancel: CancelToken | None,
    moved: Callable[[int], None],
) -> bool:
    """Copy ``source`` into ``ref``'s partial file while hashing it; keep it (stored,
    needed by the profile) only when it is the package's file. False: it is not (the
    partial file is removed). ``_Unreadable``: the source could not be read."""
    stored = machine.content_path(ref.sha256)
    with file_lock(ref.sha256):  # never beside a download of the same file
        if stored.is_file():  # another profile stored it meanwhile
            machine.need_content(profile_id, [ref])
            return True
        part = stored.with_suffix(PART)
        part.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with closing(_read(source, cancel)) as chunks, part.open("wb") as dst:
                for chunk in chunks:
                    dst.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    moved(len(chunk))
                    if size > ref.size:  # a file that grows past the size is not it
                        break
                dst.flush()
                os.fsync(dst.fileno())
            if size != ref.size or digest.hexdigest() != ref.sha256:
                part.unlink(missing_ok=True)
                return False
            machine.need_content(profile_id, [ref])
            machine.adopt_content(ref.sha256, part)
            return True
        except OSError as exc:
            part.unlink(missing_ok=True)
            if exc.errno == errno.ENOSPC:
                free = shutil.disk_usage(part.parent).free
                raise DomainError(
                    msg(Code.USB_DISK_FULL, needed_mb=_mb(ref.size), free_mb=_mb(free))
                ) from exc
            raise
        except BaseException:
            part.unlink(missing_ok=True)
            raise
