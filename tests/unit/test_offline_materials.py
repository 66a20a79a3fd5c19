"""The list of materials a profile keeps offline, changed from two threads at once.

The files are on this computer already, so no download touches the network (the API
client points at a closed port on 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.downloader import Downloader
from tools.demo_course.package import content_files, load_package

MATERIALS = ("bela-negara", "berakhlak")


class Interleaving(MachineStore):
    """Holds each read of a profile's offline materials until a second read comes (or
    1 s passed): unguarded, two ``download_material`` calls both read the old list before
    either writes its own, and one of the two materials is lost."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.together = threading.Barrier(2)

    def setting(self, key: str, default: Any = None) -> Any:
        value = super().setting(key, default)
        if key.startswith("offline_materials/"):
            # broken: the other one cannot read now (the list is guarded)
            with contextlib.suppress(threading.BrokenBarrierError):
                self.together.wait(timeout=1.0)
        return value


def test_two_materials_kept_offline_at_once_are_both_kept(tmp_path: Path) -> None:
    package = load_package()
    files = content_files(package)
    machine = Interleaving(tmp_path / "pc")
    for material_id in MATERIALS:
        for ref in package.material(material_id).content_refs():
            target = machine.content_path(ref.sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(files[ref.sha256], target)
    profile = machine.add_profile("199005142026011901", "Budi")
    api = ApiClient("http://127.0.0.1:9", uuid.UUID(profile.device_id))
    downloader = Downloader(api, machine, profile.id)
    failures: list[BaseException] = []

    def keep(material_id: str) -> None:
        try:
            downloader.download_material(package, material_id)
        except BaseException as error:  # reported below
            failures.append(error)

    workers = [threading.Thread(target=keep, args=(m,)) for m in MATERIALS]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    api.close()
    assert failures == []
    assert downloader.offline_materials() == set(MATERIALS)
