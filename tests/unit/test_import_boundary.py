"""The server imports only the shared part of latsar_desktop.

``latsar_server`` may import ``latsar_desktop.domain.*`` (the rules both sides apply),
``latsar_desktop.i18n.*`` (messages), the package itself for ``__version__``, and the shared
SQLite set-up ``latsar_desktop.sqlite``. Anything else (the store, sync, the session, the
UI) is the client's own and must not become a server dependency. Every ``.py`` file under
latsar_server/ is parsed, so imports inside functions, under ``TYPE_CHECKING`` and through
``importlib.import_module`` count too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports import imported_modules

ROOT = Path(__file__).resolve().parents[2]
CLIENT = "latsar_desktop"
ALLOWED_PACKAGES = ("latsar_desktop.domain", "latsar_desktop.i18n")
ALLOWED_MODULES = ("latsar_desktop", "latsar_desktop.__version__", "latsar_desktop.sqlite")


def allowed(module: str) -> bool:
    return module in ALLOWED_MODULES or any(
        module == package or module.startswith(package + ".") for package in ALLOWED_PACKAGES
    )


def client_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every latsar_desktop module the file imports.

    ``from latsar_desktop import x`` counts as importing ``latsar_desktop.x``: ``x`` may be
    a submodule (``store``) and only ``__version__`` is a plain name there.
    """
    return [
        (line, module)
        for line, module in imported_modules(path, expand=CLIENT)
        if module == CLIENT or module.startswith(CLIENT + ".")
    ]


def server_files() -> list[Path]:
    files = sorted((ROOT / "latsar_server").rglob("*.py"))
    assert len(files) > 10, files  # the walk found the server, not an empty folder
    return files


def test_the_server_imports_only_domain_i18n_the_version_and_the_sqlite_helper() -> None:
    offenders: list[str] = []
    seen: set[str] = set()
    for path in server_files():
        for line, module in client_imports(path):
            seen.add(module)
            if not allowed(module):
                offenders.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert offenders == [], "latsar_server may import only " + ", ".join(
        (*ALLOWED_PACKAGES, *ALLOWED_MODULES)
    )
    # the scan reads real imports: the server does use the shared parts it is allowed
    assert {"latsar_desktop.__version__", "latsar_desktop.sqlite"} <= seen
    assert any(module.startswith("latsar_desktop.domain.") for module in seen)


def test_the_shared_sqlite_helper_imports_nothing_else_from_the_client() -> None:
    # otherwise importing it would pull client-only code into the server after all
    helper = ROOT / "latsar_desktop" / "sqlite.py"
    assert client_imports(helper) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import latsar_desktop.store.database\n", ["latsar_desktop.store.database"]),
        ("from latsar_desktop.sync.api import Client\n", ["latsar_desktop.sync.api"]),
        ("from latsar_desktop import store, __version__\n", ["latsar_desktop.store"]),
        ("from latsar_desktop import *\n", ["latsar_desktop.*"]),
        ("def f():\n    from latsar_desktop.session import x\n", ["latsar_desktop.session"]),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from latsar_desktop.store.profile import ProfileStore\n",
            ["latsar_desktop.store.profile"],
        ),
        ("import importlib\nimportlib.import_module('latsar_desktop.ui')\n", ["latsar_desktop.ui"]),
        ("import latsar_desktop.domainish\n", ["latsar_desktop.domainish"]),
        ("import latsar_desktop.sqlite.extra\n", ["latsar_desktop.sqlite.extra"]),
        (
            "import latsar_desktop\nfrom latsar_desktop import __version__\n"
            "from latsar_desktop.domain.protocol import X\nimport latsar_desktop.i18n\n"
            "from latsar_desktop.sqlite import READ_ONLY\nfrom . import latsar_desktop\n"
            "import latsar_desktop_extras\n",
            [],
        ),
    ],
)
def test_the_scanner_catches_a_forbidden_import(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(source)
    forbidden = [module for _line, module in client_imports(sample) if not allowed(module)]
    assert forbidden == expected
