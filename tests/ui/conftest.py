from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_server.settings import Settings
from tests.integration.serverkit import demo_people, load_demo
from tests.servers import RunningServer, running_server

UI_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/ui needs Qt: mark it, so `-m qt` and `-m "not qt"` split
    the suite between the gui environment and the Qt-free one without a forgotten mark."""
    for item in items:
        if UI_TESTS in item.path.parents:
            item.add_marker(pytest.mark.qt)


@pytest.fixture
def ui_server(tmp_path: Path) -> Iterator[RunningServer]:
    """The real server on 127.0.0.1 (SQLite), set up with the demo course and people."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    with running_server(settings) as server:
        load_demo(server)
        yield server


@pytest.fixture
def machine(tmp_path: Path, ui_server: RunningServer) -> Iterator[MachineStore]:
    """This computer's machine.db, pointed at ``ui_server``."""
    store = MachineStore(tmp_path / "pc")
    store.set_setting(SERVER_URL_SETTING, ui_server.url)
    yield store
    store.close()


@pytest.fixture
def people() -> list[dict[str, str]]:
    """The demo participants: nip, nik, name, agency, course."""
    return demo_people()
