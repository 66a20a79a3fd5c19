"""The repository's layout (DESIGN §3): resources/ holds data only, tools/ never ships."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
# every folder of the repository with Python code (not .venv, caches or build output)
CODE_FOLDERS = ("latsar_desktop", "latsar_server", "tests", "bench", "tools", "scripts")


def python_files() -> list[Path]:
    files = [path for folder in CODE_FOLDERS for path in (ROOT / folder).rglob("*.py")]
    assert any(path.parent == ROOT / "tools" / "demo_course" for path in files)
    return files


def imported_modules(path: Path) -> set[str]:
    """The absolute imports of a Python file (``import a.b`` and ``from a.b import c``)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_resources_holds_no_python_file() -> None:
    assert RESOURCES.is_dir()
    assert sorted(RESOURCES.rglob("*.py")) == []
    assert (RESOURCES / "demo_course" / "package.json").is_file()  # the built course stays


def test_nothing_imports_resources_as_a_package() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "resources"
        )
        for path in python_files()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_wheel_ships_resources_but_not_the_tools() -> None:
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"][
        "build"
    ]["targets"]["wheel"]
    shipped = [*wheel["packages"], *wheel["force-include"]]
    assert "resources" in wheel["force-include"]
    assert not [name for name in shipped if name.split("/")[0] in ("tools", "tests")]
