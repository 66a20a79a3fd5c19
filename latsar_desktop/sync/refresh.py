"""Refreshing the course package: one request when nothing changed (ETag, 304).

A new version is validated and stored in one transaction together with any new
certificate keys (old keys are kept). Progress on activities that still exist is kept;
progress on removed ones stays in the journal but no longer counts, and the result
names them so the participant can be told. Content files the new version no longer
uses are released from this profile's needs (and deleted when no profile needs them).
A ``CancelToken`` stops the download of the package (CANCELLED, nothing stored); a
package that arrived whole is stored. ``progress(received_bytes, total_bytes)`` follows
the package as it arrives (total 0 when the server did not say).
"""

from __future__ import annotations

from dataclasses import dataclass

from latsar_desktop.domain.course import require_valid
from latsar_desktop.domain.protocol import (
    ActivityCompletedEvent,
    CoursePackage,
    PracticeGradedEvent,
)
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.api import ApiClient, ProgressCallback
from latsar_desktop.sync.cancel import CancelToken, check


@dataclass(frozen=True)
class PackageRefresh:
    changed: bool
    version: int
    removed_with_progress: tuple[str, ...] = ()  # titles of activities that no longer count
    new_keys: tuple[str, ...] = ()


def _touched_activities(store: ProfileStore) -> set[str]:
    standing = store.standing()
    touched = set(standing.completed_activities) | set(standing.practice_best)
    for event in store.journal():
        if isinstance(event, ActivityCompletedEvent | PracticeGradedEvent):
            touched.add(event.payload.activity_id)
    return touched


def refresh_package(
    api: ApiClient,
    store: ProfileStore,
    course_id: str,
    machine: MachineStore | None = None,
    profile_id: str | None = None,
    *,
    cancel: CancelToken | None = None,
    progress: ProgressCallback | None = None,
) -> PackageRefresh:
    check(cancel)
    old = store.package()
    etag_before = store.package_etag() if old else None
    fresh, etag = api.package(course_id, etag_before, cancel=cancel, progress=progress)
    if fresh is None:
        assert old is not None
        return PackageRefresh(False, old.version)
    require_valid(fresh)
    removed: tuple[str, ...] = ()
    new_keys = tuple(sorted({k.key_id for k in fresh.certificate_keys} - set(store.known_keys())))
    if old is not None:
        kept = {a.id for _, a in fresh.activities()}
        touched = _touched_activities(store)
        removed = tuple(
            a.title for _, a in old.activities() if a.id in touched and a.id not in kept
        )
    store.save_package(fresh, etag)
    if old is not None and machine is not None and profile_id is not None:
        _release_unused(machine, profile_id, old, fresh)
    return PackageRefresh(True, fresh.version, removed, new_keys)


def _release_unused(
    machine: MachineStore, profile_id: str, old: CoursePackage, fresh: CoursePackage
) -> None:
    unused = {r.sha256 for r in old.content_refs()} - {r.sha256 for r in fresh.content_refs()}
    machine.delete_content(machine.release_content(profile_id, unused))
