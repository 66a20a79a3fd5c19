"""The server's layout explains itself, and stays that way (issue 19).

- The HTTP layer (``latsar_server/api/`` and ``app.py``) imports the packages that hold
  the rules (``accounts``, ``courses``, ``sync``, ``certificates``), never the reverse,
  and only it (with ``errors.py``, the error body) knows FastAPI and Starlette.
- Routers are made only in ``api/``.
- The system time is read only by ``clock.py``: everything else asks the one clock.
- Each package's ``__init__`` names every module it holds, so its map stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.imports import imported_modules

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "latsar_server"
HTTP_LAYER = ("latsar_server.api", "latsar_server.app")
WEB_FRAMEWORKS = ("fastapi", "starlette")
MAY_USE_FRAMEWORKS = ("latsar_server/api/", "latsar_server/app.py", "latsar_server/errors.py")
MAPPED_PACKAGES = ("", "api", "accounts", "courses", "sync", "certificates")


def server_files() -> list[Path]:
    files = sorted(p for p in SERVER.rglob("*.py") if "migrations" not in p.parts)
    assert len(files) > 30, files
    return files


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def in_http_layer(path: Path) -> bool:
    return relative(path).startswith("latsar_server/api/") or path == SERVER / "app.py"


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def http_imports(path: Path) -> list[str]:
    """The HTTP-layer modules a file imports (``from latsar_server import api`` too)."""
    return [
        module
        for _line, module in imported_modules(path, expand="latsar_server")
        if within(module, HTTP_LAYER)
    ]


def framework_imports(path: Path) -> list[str]:
    return [m for _line, m in imported_modules(path) if within(m, WEB_FRAMEWORKS)]


def system_time_reads(path: Path) -> list[int]:
    """Lines that read the system's wall time (``datetime.now()``, ``date.today()``…)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        if (name, node.func.attr) in {
            ("datetime", "now"),
            ("datetime", "utcnow"),
            ("datetime", "today"),
            ("date", "today"),
            ("time", "time"),
        }:
            lines.append(node.lineno)
    return lines


def test_only_the_http_layer_imports_the_http_layer() -> None:
    offenders = {
        relative(path): found
        for path in server_files()
        if not in_http_layer(path) and (found := http_imports(path))
    }
    assert offenders == {}
    # the scan reads real imports: the application does import its routers
    assert "latsar_server.api.middleware" in http_imports(SERVER / "app.py")


def test_only_the_http_layer_knows_the_web_framework() -> None:
    offenders = {
        relative(path): found
        for path in server_files()
        if not relative(path).startswith(MAY_USE_FRAMEWORKS) and (found := framework_imports(path))
    }
    assert offenders == {}
    assert framework_imports(SERVER / "api" / "sync.py")


def test_routers_are_made_only_in_the_api_package() -> None:
    made = {
        relative(path)
        for path in server_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "APIRouter"
    }
    assert made, "no router found: the scan is broken"
    assert {path for path in made if not path.startswith("latsar_server/api/")} == set()


def test_only_the_clock_reads_the_system_time() -> None:
    offenders = {
        relative(path): lines
        for path in server_files()
        if path != SERVER / "clock.py" and (lines := system_time_reads(path))
    }
    assert offenders == {}
    assert system_time_reads(SERVER / "clock.py")  # the scan finds the one that does


@pytest.mark.parametrize("package", MAPPED_PACKAGES)
def test_each_package_names_every_module_it_holds(package: str) -> None:
    folder = SERVER / package
    docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text())) or ""
    entries = [
        f"{path.name}" if path.is_file() else f"{path.name}/"
        for path in sorted(folder.iterdir())
        if (path.suffix == ".py" and path.name != "__init__.py")
        or (path.is_dir() and (path / "__init__.py").is_file())
        or path.name == "migrations"
    ]
    assert entries
    unnamed = [entry for entry in entries if f"``{entry}``" not in docstring]
    assert unnamed == [], f"latsar_server/{package}/__init__.py does not say what these hold"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from latsar_server.api.dependencies import CallerDep\n", ["http"]),
        ("from latsar_server import api\n", ["http"]),
        ("def f():\n    from latsar_server.app import create_app\n", ["http"]),
        ("from fastapi import Request\n", ["framework"]),
        ("import starlette.types\n", ["framework"]),
        ("from datetime import datetime\nx = datetime.now()\n", ["time"]),
        ("import datetime\nx = datetime.datetime.now()\n", ["time"]),
        ("from datetime import date\nx = date.today()\n", ["time"]),
        (
            "from latsar_server import clock\nfrom latsar_server.sync import events\n"
            "from latsar_server.api_tools import x\nx = clock.now()\n",
            [],
        ),
    ],
)
def test_the_scanners_catch_what_they_look_for(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(source)
    found = (
        (["http"] if http_imports(sample) else [])
        + (["framework"] if framework_imports(sample) else [])
        + (["time"] if system_time_reads(sample) else [])
    )
    assert found == expected
