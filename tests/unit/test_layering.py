"""Qt stays out of the core: only latsar_desktop/ui/ and latsar_desktop/app.py import it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.imports import imported_modules

ROOT = Path(__file__).resolve().parents[2]
QT_ALLOWED = (ROOT / "latsar_desktop" / "ui", ROOT / "latsar_desktop" / "app.py")


def test_core_and_server_import_without_loading_qt() -> None:
    code = (
        "import sys\n"
        "import latsar_desktop.domain, latsar_desktop.domain.progress, latsar_desktop.store\n"
        "import latsar_desktop.sync, latsar_desktop.certificate, latsar_desktop.i18n\n"
        "import latsar_desktop.session, latsar_desktop.clock\n"
        "import latsar_server\n"
        "import pkgutil, importlib\n"
        "for pkg in ('latsar_desktop.domain', 'latsar_desktop.store', 'latsar_desktop.sync',\n"
        "            'latsar_desktop.certificate', 'latsar_desktop.i18n',\n"
        "            'latsar_desktop.session', 'latsar_server'):\n"
        "    mod = importlib.import_module(pkg)\n"
        "    for info in pkgutil.walk_packages(mod.__path__, pkg + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


def imports_qt(path: Path) -> bool:
    return any(
        module.split(".")[0] in ("PySide6", "shiboken6") for _, module in imported_modules(path)
    )


def test_no_module_outside_ui_imports_qt() -> None:
    offenders = []
    for package in ("latsar_desktop", "latsar_server"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(path == allowed or allowed in path.parents for allowed in QT_ALLOWED):
                continue
            if imports_qt(path):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_scanner_catches_an_import(tmp_path: Path) -> None:
    for source in (
        "import PySide6\n",
        "from PySide6.QtCore import QObject\n",
        "import importlib\nimportlib.import_module('PySide6.QtGui')\n",
    ):
        sample = tmp_path / "sample.py"
        sample.write_text(source)
        assert imports_qt(sample), source
    sample.write_text("from .PySide6 import x\nimport pyside_like\n")
    assert not imports_qt(sample)
