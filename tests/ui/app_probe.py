"""Runs the app as ``latsar-desktop`` does, in a process of its own, and reports what its
window showed: ``python -m tests.ui.app_probe OUT.json [latsar-desktop arguments…]``.

``tests/ui/test_application.py`` runs it: ``app.exec()`` ends with ``aboutToQuit``, after
which a test process's Qt (multimedia, window activation) is not what the next tests
need. Once the main window shows (with the demo people, in demo mode), its title, the
settings it was given and the server's answer are written to OUT.json, and the window is
closed as its close button does; then the exit status, and whether the demo's server
still answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from latsar_desktop import app
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.ui import application
from latsar_desktop.ui.main_window import MainWindow

POLL_MS = 50


def main(out: Path, argv: list[str]) -> None:
    qt = QApplication(sys.argv[:1])
    seen: dict[str, Any] = {}
    demo = "--demo" in argv

    def poll() -> None:
        shown = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        page = shown[0].signin if shown else None
        if page is None or (demo and (page.demo_panel is None or not page.demo_panel.isVisible())):
            QTimer.singleShot(POLL_MS, poll)
            return
        window = shown[0]
        url = window.machine.setting(SERVER_URL_SETTING)
        seen.update(
            title=window.windowTitle(),
            demo_people=len(page.demo_buttons),
            root=str(window.machine.root),
            server_url=url,
        )
        if demo:
            seen["health"] = httpx.get(f"{url}/health", timeout=10).status_code
        window.close()

    QTimer.singleShot(POLL_MS, poll)
    seen["status"] = application.run(app.parser().parse_args(argv))
    if demo and seen.get("server_url"):
        try:
            httpx.get(f"{seen['server_url']}/health", timeout=2)
            seen["after"] = "answers"
        except httpx.TransportError:
            seen["after"] = "gone"
    out.write_text(json.dumps(seen), encoding="utf-8")
    del qt


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
