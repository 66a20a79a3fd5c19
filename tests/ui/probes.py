"""Running a probe: a module of tests/ui run as ``python -m tests.ui.<probe> OUT.json …`` in
a process of its own (what must happen before a QApplication exists, or what ends one
with ``app.exec()``), which writes what it saw to OUT.json.

The child's per-user folders (HOME, XDG_*, the app's data directory) are always its own,
under ``folder``: a probe started by a module-scoped fixture runs before the autouse
fixture that points this process's at tmp_path (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.sandbox import UNSET, private_dirs

ROOT = Path(__file__).resolve().parents[2]


def run_probe(
    probe: str,
    folder: Path,
    *args: str,
    env: Mapping[str, str | None] | None = None,
    timeout: float = 240,
) -> dict[str, Any]:
    """Run ``tests.ui.<probe>`` with ``OUT.json args…`` (OUT.json in ``folder``), in the
    environment of this process with the private folders under ``folder`` and ``env``
    (None: the variable removed); what the probe wrote. Fails with the end of its stderr
    if it exits with an error."""
    out = folder / f"{probe}-{len(list(folder.glob(f'{probe}-*.json')))}.json"
    child_env = {**os.environ, **private_dirs(folder / "sandbox")}
    for name, value in {**dict.fromkeys(UNSET), **(env or {})}.items():
        if value is None:
            child_env.pop(name, None)
        else:
            child_env[name] = value
    done = subprocess.run(
        [sys.executable, "-m", f"tests.ui.{probe}", str(out), *args],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return seen
