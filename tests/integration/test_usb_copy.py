"""The USB copy: "Salin ke folder…" on one computer, "Ambil dari folder…" on another.

Computer A (its own data directory) downloads the course from the real server on
127.0.0.1 and exports it into a folder (the "USB stick"). Computer B (another data
directory) signs in once online, then works with the server out of reach and imports
from the folder: every file is checked against the SHA-256 and size of the signed-in
package, a tampered file is refused and named, a file the package does not list is
skipped, and B then opens the video offline. The index is only a hint: wrong paths in it
are harmless, a renamed file is still found by its bytes, a path outside the copy folder
is never read.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.protocol import ActivityKind, ContentRef, CoursePackage
from latsar_desktop.session import ParticipantSession, usb
from latsar_desktop.session.usb import COPY_FOLDER, INDEX_NAME
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.downloader import SPACE_MARGIN
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from tests.integration.serverkit import demo_people, sign_in, signed_in_offline
from tests.servers import RunningServer, dead_url

PEOPLE = demo_people()
Computers = namedtuple("Computers", "a b")


@pytest.fixture
def computers(tmp_path: Path) -> Iterator[Computers]:
    """Two data directories: two computers."""
    a, b = MachineStore(tmp_path / "a"), MachineStore(tmp_path / "b")
    yield Computers(a, b)
    a.close()
    b.close()


@pytest.fixture
def a(
    sqlite_demo: RunningServer, computers: Computers, sessions: list[ParticipantSession]
) -> ParticipantSession:
    """Computer A: Budi signed in online, nothing downloaded yet."""
    session = sign_in(computers.a, sqlite_demo.url, PEOPLE[0])
    sessions.append(session)
    return session


@pytest.fixture
def b(
    sqlite_demo: RunningServer, computers: Computers, sessions: list[ParticipantSession]
) -> ParticipantSession:
    """Computer B: Siti's profile made by one online sign-in; from then on no server."""
    session = signed_in_offline(computers.b, sqlite_demo.url, PEOPLE[1])
    sessions.append(session)
    return session


@pytest.fixture
def stick(a: ParticipantSession, tmp_path: Path) -> Path:
    """The chosen folder (the "USB stick"): A downloaded every material and copied it."""
    folder = tmp_path / "stick"
    a.download_all()
    report = a.export_content(folder)
    assert report.exported
    assert set(report.copied) == {r.name for r in a.package().content_refs()}
    return folder


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_index(copy: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The copy's index, and its entries by the package's file name (the same dicts)."""
    index = json.loads((copy / INDEX_NAME).read_text(encoding="utf-8"))
    return index, {entry["name"]: entry for entry in index["files"]}


def video_of(package: CoursePackage, material_id: str) -> tuple[str, ContentRef]:
    for sub in package.material(material_id).sub_materials:
        for activity in sub.activities:
            if activity.kind is ActivityKind.VIDEO and activity.content is not None:
                return activity.id, activity.content
    raise AssertionError(f"no video in {material_id}")


def tamper(path: Path) -> None:
    """One byte changed, the size kept."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_copy_imports_offline_refusing_a_tampered_file_and_skipping_junk(
    stick: Path, b: ParticipantSession, computers: Computers
) -> None:
    copy = stick / COPY_FOLDER
    index, by_name = read_index(copy)
    assert index["course_id"]
    assert index["package_version"]
    package = b.package()
    video_id, video = video_of(package, "bela-negara")
    module = package.material("kebijakan").content_refs()[1]  # modul-kebijakan-1.pdf
    tamper(copy / by_name[module.name]["path"])
    (copy / "catatan-rapat.txt").write_text("bukan materi kursus\n", encoding="utf-8")
    assert b.content_path(video_id) is None
    seen: list[tuple[int, int]] = []

    report = b.import_content(stick, progress=lambda done, total: seen.append((done, total)))

    assert [r.name for r in report.refused] == [module.name]
    assert report.refused[0].reason.code is Code.USB_FILE_HASH_MISMATCH
    assert report.refused[0].reason.params == {"name": module.name}
    assert report.skipped == ("catatan-rapat.txt",)
    assert len(report.copied) == len(package.content_refs()) - 1
    assert report.missing == ()
    assert report.message().code is Code.USB_IMPORTED
    assert report.message().params["refused"] == 1
    path = b.content_path(video_id)
    assert path is not None
    assert sha(path) == video.sha256
    assert b.profile_id in computers.b.needed_by(video.sha256)
    # the tampered file is not stored, not even as a partial file
    stored = computers.b.content_path(module.sha256)
    assert not stored.exists()
    assert not stored.with_suffix(".part").exists()
    row = computers.b.content_file(module.sha256)
    assert row is None or not row.stored
    assert b.offline_materials() == {m.id for m in package.materials} - {"kebijakan"}
    assert seen[0] == (0, sum(r.size for r in package.content_refs()))
    assert seen[-1][0] <= seen[-1][1]
    # the junk was not taken anywhere on B
    assert not any(p.name == "catatan-rapat.txt" for p in (computers.b.root).rglob("*"))

    # the right file on the stick again: only it moves; the rest is stored already
    (copy / by_name[module.name]["path"]).write_bytes(
        computers.a.content_path(module.sha256).read_bytes()
    )
    again = b.import_content(copy)  # the copy folder itself may be chosen too
    assert again.copied == (module.name,)
    assert again.refused == ()
    assert len(again.present) == len(package.content_refs()) - 1
    assert "kebijakan" in b.offline_materials()


def test_wrong_index_paths_a_renamed_and_a_truncated_file(
    stick: Path, b: ParticipantSession, computers: Computers
) -> None:
    copy = stick / COPY_FOLDER
    index, files = read_index(copy)
    refs = {r.name: r for r in b.package().content_refs()}
    # the index names the first clip at the second clip's path
    files["video-bela-negara-1.mp4"]["path"] = files["video-bela-negara-2.webm"]["path"]
    # a renamed file (its index entry points at nothing now), a truncated one
    os.replace(copy / "video-berakhlak-1.webm", copy / "klip.bin")
    truncated = copy / "video-smart-governance-1.mp4"
    truncated.write_bytes(truncated.read_bytes()[:1000])
    (copy / INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")

    report = b.import_content(stick)

    assert [(r.name, r.reason.code) for r in report.refused] == [
        ("video-smart-governance-1.mp4", Code.USB_FILE_SIZE_MISMATCH)
    ]
    assert report.refused[0].reason.params["size"] == 1000
    assert report.skipped == ()  # klip.bin was taken: it is a package file
    for name in ("video-bela-negara-1.mp4", "video-bela-negara-2.webm", "video-berakhlak-1.webm"):
        assert name in report.copied
        assert sha(computers.b.content_path(refs[name].sha256)) == refs[name].sha256
    assert len(report.copied) == len(refs) - 1
    assert "smart-governance" not in b.offline_materials()


def test_an_index_path_outside_the_copy_folder_is_never_read(
    stick: Path, b: ParticipantSession, computers: Computers, tmp_path: Path
) -> None:
    """The genuine bytes of two modules lie outside the copy folder (beside it, and at an
    absolute path) and the index points there; the copy folder has neither: both stay
    missing (reading them would have passed every check: they are the package's)."""
    copy = stick / COPY_FOLDER
    index, files = read_index(copy)
    beside, elsewhere = "modul-berakhlak-1.html", "modul-kebijakan-2.html"
    outside = tmp_path / "di-luar"
    outside.mkdir()
    os.replace(copy / files[beside]["path"], stick / beside)
    os.replace(copy / files[elsewhere]["path"], outside / elsewhere)
    files[beside]["path"] = f"../{beside}"
    files[elsewhere]["path"] = str(outside / elsewhere)  # an absolute path
    (copy / INDEX_NAME).write_text(json.dumps(index), encoding="utf-8")
    refs = {r.name: r for r in b.package().content_refs()}
    assert sha(stick / beside) == refs[beside].sha256  # the genuine bytes, outside
    assert sha(outside / elsewhere) == refs[elsewhere].sha256

    report = b.import_content(stick)

    assert sorted(report.missing) == sorted([beside, elsewhere])
    assert report.refused == ()
    assert len(report.copied) == len(refs) - 2
    for name in (beside, elsewhere):
        assert not computers.b.content_path(refs[name].sha256).exists()


def test_a_renamed_copy_of_a_stored_file_is_not_skipped(stick: Path, b: ParticipantSession) -> None:
    copy = stick / COPY_FOLDER
    assert b.import_content(stick).skipped == ()
    # on the stick again, renamed (its index entry points at nothing), and some junk
    os.replace(copy / "video-berakhlak-1.webm", copy / "klip.bin")
    (copy / "catatan-rapat.txt").write_text("bukan materi kursus\n", encoding="utf-8")

    again = b.import_content(stick)

    assert again.copied == ()
    assert len(again.present) == len(b.package().content_refs())
    assert again.skipped == ("catatan-rapat.txt",)  # klip.bin is a file of the package


def test_an_import_needs_room_only_for_the_files_the_folder_holds(
    a: ParticipantSession,
    b: ParticipantSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a.download_material("bela-negara")
    stick = tmp_path / "stick"
    a.export_content(stick)
    held = sum(r.size for r in b.package().material("bela-negara").content_refs())
    assert held < sum(r.size for r in b.package().content_refs())
    real = usb.shutil.disk_usage
    room = held + SPACE_MARGIN  # just enough for what the stick holds, not for the course
    monkeypatch.setattr(usb.shutil, "disk_usage", lambda path: real(path)._replace(free=room))

    report = b.import_content(stick)

    material = {r.name for r in b.package().material("bela-negara").content_refs()}
    assert set(report.copied) == material
    assert len(report.missing) == len(b.package().content_refs()) - len(material)


def test_an_export_into_a_folder_with_a_copy_updates_it(stick: Path, a: ParticipantSession) -> None:
    copy = stick / COPY_FOLDER
    names = sorted(p.name for p in copy.iterdir())
    changed = copy / "modul-kebijakan-2.html"
    tamper(changed)

    report = a.export_content(stick)

    assert report.copied == ("modul-kebijakan-2.html",)
    assert len(report.present) == len(a.package().content_refs()) - 1
    assert sorted(p.name for p in copy.iterdir()) == names  # nothing duplicated, no .part
    refs = {r.name: r for r in a.package().content_refs()}
    assert sha(changed) == refs[changed.name].sha256
    assert report.message().code is Code.USB_EXPORTED


def test_only_stored_files_are_exported_and_the_index_lists_them(
    a: ParticipantSession, computers: Computers, tmp_path: Path
) -> None:
    a.download_material("bela-negara")
    stick = tmp_path / "stick"
    computers.a.set_setting(SERVER_URL_SETTING, dead_url())  # no network needed

    report = a.export_content(stick)

    material = {r.name for r in a.package().material("bela-negara").content_refs()}
    assert set(report.copied) == material
    assert len(report.missing) == len(a.package().content_refs()) - len(material)
    index, _ = read_index(stick / COPY_FOLDER)
    assert {e["name"] for e in index["files"]} == material
    for entry in index["files"]:
        assert sha(stick / COPY_FOLDER / entry["path"]) == entry["sha256"]
        assert set(entry) == {"sha256", "size", "name", "media_type", "path"}


def test_a_folder_without_a_copy_or_with_a_broken_index_is_a_clear_message(
    sqlite_demo: RunningServer,
    computers: Computers,
    tmp_path: Path,
    sessions: list[ParticipantSession],
) -> None:
    online = sign_in(computers.b, sqlite_demo.url, PEOPLE[1])
    sessions.append(online)
    empty = tmp_path / "kosong"
    empty.mkdir()
    with pytest.raises(DomainError) as missing:
        online.import_content(empty)
    assert missing.value.message.code is Code.USB_INDEX_MISSING
    with pytest.raises(DomainError) as gone:
        online.import_content(tmp_path / "tidak-ada")
    assert gone.value.message.code is Code.USB_FOLDER_UNREADABLE
    for broken in ("{bukan json", '{"format": "lain", "files": []}', "[]", "\xff\xfe"):
        (empty / INDEX_NAME).write_bytes(broken.encode("latin-1"))
        with pytest.raises(DomainError) as invalid:
            online.import_content(empty)
        assert invalid.value.message.code is Code.USB_INDEX_INVALID
    assert not list((computers.b.root / "content").rglob("*.part"))


def test_a_disk_filling_during_an_export_names_the_room_still_needed(
    a: ParticipantSession,
    computers: Computers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a.download_material("kebijakan")
    refs = [r for r in a.package().content_refs() if computers.a.content_path(r.sha256).is_file()]
    written: list[Path] = []
    write = usb._write_copy

    def full_after_one(source: Path, dest: Path, *rest: Any) -> None:
        if written:  # the stick's disk fills at the second file
            raise OSError(errno.ENOSPC, "No space left on device")
        write(source, dest, *rest)
        written.append(dest)

    monkeypatch.setattr(usb, "_write_copy", full_after_one)
    with pytest.raises(DomainError) as full:
        a.export_content(tmp_path / "stick")

    assert full.value.message.code is Code.USB_FOLDER_FULL
    left = sum(r.size for r in refs) - written[0].stat().st_size
    assert full.value.message.params["needed_mb"] == usb._mb(left + usb.FOLDER_MARGIN)


def test_a_stored_file_gone_during_an_export_is_missing_not_the_folders_fault(
    a: ParticipantSession, computers: Computers, tmp_path: Path
) -> None:
    a.download_material("kebijakan")
    gone = a.package().material("kebijakan").content_refs()[0]

    def remove_one(done: int, total: int) -> None:  # another profile deleted it meanwhile
        computers.a.content_path(gone.sha256).unlink(missing_ok=True)

    report = a.export_content(tmp_path / "stick", progress=remove_one)

    assert gone.name in report.missing
    assert gone.name not in report.copied
    copy = tmp_path / "stick" / COPY_FOLDER
    assert gone.name not in read_index(copy)[1]
    assert not list(copy.glob("*.part"))


def test_an_export_checks_the_folders_free_space_first(
    a: ParticipantSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a.download_material("kebijakan")
    real = usb.shutil.disk_usage
    monkeypatch.setattr(usb.shutil, "disk_usage", lambda path: real(path)._replace(free=100_000))
    stick = tmp_path / "stick"
    with pytest.raises(DomainError) as full:
        a.export_content(stick)
    assert full.value.message.code is Code.USB_FOLDER_FULL
    assert list((stick / COPY_FOLDER).iterdir()) == []  # nothing half-written


def test_a_cancelled_import_keeps_nothing_half_copied(
    stick: Path, b: ParticipantSession, computers: Computers
) -> None:
    token = CancelToken()

    def stop_after_some(done: int, total: int) -> None:
        if done > 100_000:
            token.cancel()

    with pytest.raises(SyncError) as cancelled:
        b.import_content(stick, token, stop_after_some)
    assert cancelled.value.kind is SyncErrorKind.CANCELLED
    assert not list((computers.b.root / "content").rglob("*.part"))
    report = b.import_content(stick)  # the next one takes the rest
    assert report.refused == ()
    assert report.missing == ()
    assert len(report.copied) + len(report.present) == len(b.package().content_refs())
    assert report.copied  # the cancelled file among them
