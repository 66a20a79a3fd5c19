"""build.spec, run with stand-ins for PyInstaller's classes: what each bundle would hold.

The spec is plain Python that PyInstaller executes with ``Analysis``, ``PYZ``, ``EXE`` and
``COLLECT`` (and ``SPECPATH``, ``workpath``) defined; here they record their arguments,
so the data files, excludes and options are checked without building anything (the CI
stage ``scripts/build-bundles`` builds and runs the real bundles). Needs PySide6 (the spec
lists the installed Qt modules to exclude), not PyInstaller.
"""

from __future__ import annotations

import ast
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from latsar_desktop.i18n import LANGUAGES
from latsar_desktop.selftest import CLIP, PACKAGE

pytestmark = pytest.mark.qt

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build.spec"
RESOURCES = ROOT / "resources"
DEMO_COURSE = RESOURCES / "demo_course"
MIGRATIONS = ROOT / "latsar_server" / "migrations"
SERVER = ("latsar_server", "fastapi", "uvicorn", "alembic", "psycopg")
# what PyInstaller's own hooks would add to the data files (Babel's and Qt's, by language)
HOOK_DATAS = [
    "babel/global.dat",
    "babel/locale-data/root.dat",
    "babel/locale-data/id.dat",
    "babel/locale-data/id_ID.dat",
    "babel/locale-data/en.dat",
    "babel/locale-data/en_GB.dat",
    "babel/locale-data/fr.dat",
    "babel/locale-data/ja_JP.dat",
    "PySide6/Qt/translations/qtbase_en.qm",
    "PySide6/Qt/translations/qtmultimedia_en.qm",
    "PySide6/Qt/translations/qtbase_de.qm",
    "PySide6/Qt/translations/qt_help_fr.qm",
]


class Analysis:
    def __init__(self, scripts: list[str], **options: Any) -> None:
        self.script_files = scripts
        self.options = options
        self.given = list(options.get("datas", []))
        self.datas = [(str(Path(dest, Path(src).name)), src, "DATA") for src, dest in self.given]
        self.datas += [(dest, f"/site-packages/{dest}", "DATA") for dest in HOOK_DATAS]
        self.pure: list[Any] = []
        self.scripts: list[Any] = []
        self.binaries: list[Any] = []


class Recorded:
    def __init__(self, *args: Any, **options: Any) -> None:
        self.args = args
        self.options = options


class Bundle:
    """What the spec asked of one bundle."""

    def __init__(self, collect: Recorded) -> None:
        exe = collect.args[0]
        pyz = exe.args[0]
        self.collect, self.exe = collect, exe
        self.analysis: Analysis = next(
            a
            for a in ANALYSES
            if a.pure is pyz.args[0]  # the PYZ of this bundle's analysis
        )
        self.datas = [(Path(src), dest) for src, dest in self.analysis.given]
        self.kept = [entry[0] for entry in collect.args[2]]  # the data files after filtering
        self.excludes = set(self.analysis.options["excludes"])
        self.hidden = set(self.analysis.options["hiddenimports"])

    def sources(self) -> list[Path]:
        return [src for src, _ in self.datas]

    def under(self, folder: Path) -> set[str]:
        return {
            src.relative_to(folder).as_posix()
            for src in self.sources()
            if src.is_relative_to(folder)
        }


ANALYSES: list[Analysis] = []


def run_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Bundle]:
    """Execute build.spec with the stand-ins; its bundles by name."""
    ANALYSES.clear()
    collected: list[Recorded] = []
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.copy_metadata = lambda name: [(f"/site-packages/{name}.dist-info", f"{name}.dist-info")]  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda name: [f"{name}.code128", f"{name}.qr"]  # type: ignore[attr-defined]
    for name, module in {
        "PyInstaller": types.ModuleType("PyInstaller"),
        "PyInstaller.utils": types.ModuleType("PyInstaller.utils"),
        "PyInstaller.utils.hooks": hooks,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("LATSAR_BUNDLES", raising=False)

    def analysis(scripts: list[str], **options: Any) -> Analysis:
        made = Analysis(scripts, **options)
        made.pure = [made]  # a token that identifies the analysis through PYZ
        ANALYSES.append(made)
        return made

    def collect(*args: Any, **options: Any) -> Recorded:
        made = Recorded(*args, **options)
        collected.append(made)
        return made

    namespace = {
        "__name__": "__main__",
        "__file__": str(SPEC),
        "SPECPATH": str(ROOT),
        "workpath": str(tmp_path / "build"),
        "Analysis": analysis,
        "PYZ": Recorded,
        "EXE": Recorded,
        "COLLECT": collect,
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return {made.options["name"]: Bundle(made) for made in collected}


@pytest.fixture
def bundles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Bundle]:
    return run_spec(tmp_path, monkeypatch)


def test_two_one_folder_bundles_unstripped_from_one_spec(bundles: dict[str, Bundle]) -> None:
    assert sorted(bundles) == ["latsar-desktop", "latsar-desktop-demo"]
    for name, bundle in bundles.items():
        assert bundle.exe.options["name"] == name
        assert bundle.exe.options["exclude_binaries"] is True  # one folder, not one file
        assert bundle.exe.options["strip"] is False
        assert bundle.collect.options["strip"] is False
        assert bundle.exe.options["upx"] is False
        assert bundle.collect.options["upx"] is False
        assert Path(bundle.analysis.script_files[0]) == ROOT / "scripts" / "bundle_entry.py"
        # the version comes from the installed package's metadata, in the bundle too
        assert any(src.name == "latsar-desktop.dist-info" for src in bundle.sources())


def test_no_bundle_ships_test_data_or_the_demo_builder(bundles: dict[str, Bundle]) -> None:
    for bundle in bundles.values():
        for src in bundle.sources():
            if src.is_relative_to(ROOT):
                top = src.relative_to(ROOT).parts[0]
                assert top in ("resources", "latsar_server"), src
        shipped = bundle.under(RESOURCES)
        assert not [name for name in shipped if name.endswith("package-200.json")]
        assert not [name for name in shipped if name.startswith("demo_course/sources/")]
        assert not [name for name in shipped if name.endswith(".py")]
        for module in ("tests", "tools", "pytest", "hypothesis"):
            assert module in bundle.excludes


def test_participant_bundle_has_fonts_catalogs_and_the_self_test_files_but_no_server(
    bundles: dict[str, Bundle],
) -> None:
    app = bundles["latsar-desktop"]
    shipped = app.under(RESOURCES)
    fonts = {path.relative_to(RESOURCES).as_posix() for path in (RESOURCES / "fonts").iterdir()}
    assert fonts <= shipped
    for language in LANGUAGES:
        assert f"locale/{language}/LC_MESSAGES/latsar.mo" in shipped
    # from the demo course, only the course package and the clip that --self-test uses
    assert {name for name in shipped if name.startswith("demo_course/")} == {
        PACKAGE.as_posix(),
        CLIP.as_posix(),
    }
    assert set(SERVER) <= app.excludes
    assert app.under(MIGRATIONS) == set()
    assert not [name for name in app.hidden if name.split(".")[0] in SERVER]


def test_demo_bundle_has_the_demo_course_the_server_and_its_migrations(
    bundles: dict[str, Bundle],
) -> None:
    demo = bundles["latsar-desktop-demo"]
    shipped = demo.under(RESOURCES)
    content = {f"demo_course/content/{path.name}" for path in (DEMO_COURSE / "content").iterdir()}
    assert content <= shipped
    assert {"demo_course/package.json", "demo_course/participants.csv"} <= shipped
    assert not {"latsar_server", "fastapi", "uvicorn", "alembic"} & demo.excludes
    migrations = {path.relative_to(MIGRATIONS).as_posix() for path in MIGRATIONS.rglob("*")}
    migrations = {name for name in migrations if (MIGRATIONS / name).is_file()}
    migrations = {name for name in migrations if "__pycache__" not in name}
    assert migrations <= demo.under(MIGRATIONS)
    assert {"env.py", "script.py.mako"} <= migrations
    assert {"alembic", "sqlalchemy", "latsar_server.tables"} <= demo.hidden
    # the alembic scripts' folder keeps its place beside latsar_server's modules
    for src, dest in demo.datas:
        if src.is_relative_to(MIGRATIONS):
            assert (
                dest
                == Path("latsar_server/migrations", src.relative_to(MIGRATIONS).parent).as_posix()
            )


def qt_modules_the_code_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "latsar_desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                match = re.fullmatch(r"PySide6\.(Qt\w+)(\..*)?", name)
                if match:
                    found.add(match.group(1))
    return found


def test_the_qt_modules_the_app_uses_are_kept_and_the_others_excluded(
    bundles: dict[str, Bundle],
) -> None:
    used = qt_modules_the_code_imports()
    assert {"QtWidgets", "QtMultimedia", "QtPdf"} <= used
    for bundle in bundles.values():
        excluded = {
            name.split(".", 1)[1] for name in bundle.excludes if name.startswith("PySide6.")
        }
        assert not used & excluded
        assert "QtNetwork" not in excluded  # QtMultimedia needs it
        assert {"QtQml", "QtQuick", "QtTest"} <= excluded  # in PySide6-Essentials itself
        assert "PIL" not in bundle.excludes  # reportlab needs it


def test_babel_and_qt_translations_kept_only_for_the_app_languages(
    bundles: dict[str, Bundle],
) -> None:
    assert set(LANGUAGES) == {"id", "en"}
    for bundle in bundles.values():
        hooks = [name for name in bundle.kept if name in HOOK_DATAS]
        assert sorted(hooks) == sorted(
            [
                "babel/global.dat",
                "babel/locale-data/root.dat",
                "babel/locale-data/id.dat",
                "babel/locale-data/id_ID.dat",
                "babel/locale-data/en.dat",
                "babel/locale-data/en_GB.dat",
                "PySide6/Qt/translations/qtbase_en.qm",
                "PySide6/Qt/translations/qtmultimedia_en.qm",
            ]
        )
