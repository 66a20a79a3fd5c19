"""The frozen bundles' entry point (build.spec): ``latsar_desktop.app.main`` as a script.

PyInstaller runs its entry script as ``__main__``; this one only calls the app's ``main``,
so ``latsar_desktop.app`` is imported once, under its own name. The demo's embedded
server is this same executable run with ``--embedded-server`` (latsar_desktop/demo.py).
"""

from __future__ import annotations

import sys

from latsar_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
