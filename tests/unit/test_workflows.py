"""The GitHub Actions workflows (``.github/workflows``) pass actionlint.

They cannot run here (no Windows or macOS runner), so actionlint is their check: YAML and
workflow syntax, expressions, action inputs and runtimes, runner labels, and every bash
``run:`` step through shellcheck when shellcheck is installed. The ``actionlint`` binary
comes from the dev extra; CI fails without it, elsewhere these tests skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
BUNDLES = WORKFLOWS / "bundles.yml"


def find_actionlint() -> str | None:
    """The environment's own ``actionlint`` (its scripts folder, where the dev extra's
    package puts it), else one on PATH."""
    for folder in dict.fromkeys((sysconfig.get_path("scripts"), str(Path(sys.executable).parent))):
        for name in ("actionlint", "actionlint.exe"):
            candidate = Path(folder, name)
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("actionlint")


@pytest.fixture(scope="module")
def actionlint() -> str:
    found = find_actionlint()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs actionlint: install the dev extra")
        pytest.skip("actionlint is not installed (CI fails instead of skipping)")
    return found


def lint(actionlint: str, files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint, "-no-color", "-oneline", *(str(path) for path in files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def workflow_files() -> list[Path]:
    return sorted(path for path in WORKFLOWS.iterdir() if path.suffix in (".yml", ".yaml"))


def test_every_workflow_passes_actionlint(actionlint: str) -> None:
    files = workflow_files()
    assert BUNDLES in files
    result = lint(actionlint, files, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_copy_of_the_bundles_workflow(
    actionlint: str, tmp_path: Path
) -> None:
    """The check above can fail: the same binary rejects bundles.yml with one mistake."""
    text = BUNDLES.read_text(encoding="utf-8")
    broken = text.replace("runs-on: ${{ matrix.os }}", "runs-on: ${{ matrix.system }}")
    assert broken != text
    copy = tmp_path / ".github" / "workflows" / "bundles.yml"
    copy.parent.mkdir(parents=True)
    copy.write_text(broken, encoding="utf-8")
    result = lint(actionlint, [copy], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'property "system" is not defined' in result.stdout


def test_the_workflow_builds_checks_and_packs_on_the_three_systems() -> None:
    """Its steps name files that exist: the build script, which runs each frozen binary's
    --self-test offscreen, and the Windows installer's script."""
    text = BUNDLES.read_text(encoding="utf-8")
    assert "os: [windows-latest, macos-latest, ubuntu-24.04]" in text
    assert "QT_QPA_PLATFORM: offscreen" in text
    assert "run: python scripts/build_bundles.py\n" in text
    assert "--self-test" in (ROOT / "scripts" / "build_bundles.py").read_text(encoding="utf-8")
    assert "run: ./installer/build-installer.ps1\n" in text
    assert (ROOT / "installer" / "build-installer.ps1").is_file()
    assert "path: dist/installer/*.exe\n" in text
