"""The desktop app's command line, ``QApplication`` start-up and wiring.

``latsar-desktop`` opens the app on this computer's data directory (``LATSAR_DATA_DIR``
or the platform's user data folder). ``--demo`` opens it on the bundled demo course with
an embedded reference server (``latsar_desktop/demo.py``): one fresh data directory for
both, the server a child process of this same executable, on 127.0.0.1, stopped with
the app. ``--embedded-server FOLDER`` is that child (hidden: the app starts it itself);
it never imports Qt. ``--self-test`` checks this installation offscreen
(``latsar_desktop/selftest.py``) and exits 0, or non-zero naming what failed.

Before Qt is imported, ``latsar_desktop/display.py`` checks that a window can be shown
here (Linux: a display, the system libraries Qt's platform plugin needs); when not, a
message in Indonesian and English naming the Debian packages to install, and exit
status 3, instead of Qt's abort.

Python's cyclic garbage collector is paused from here until the sign-in screen shows
(``ui/application.py`` lets it run again then): the start makes some 130,000 objects
and next to no garbage, and the collector's passes over them, again and again while
the modules are imported, took about a tenth of the start (bench/startup.py). Every
other way out of ``main`` lets it run again as it was.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from latsar_desktop import __version__

EMBEDDED_SERVER_FLAG = "--embedded-server"


def parser() -> argparse.ArgumentParser:
    from latsar_desktop import i18n  # imported with the collector paused (``main``)

    parse = argparse.ArgumentParser(prog="latsar-desktop", description="Latsar Desktop")
    parse.add_argument("--version", action="version", version=f"latsar-desktop {__version__}")
    parse.add_argument(
        "--demo",
        action="store_true",
        help="open the demo course with an embedded local server (needs the server extra)",
    )
    parse.add_argument(
        "--data-dir", type=Path, help="the data directory (default: LATSAR_DATA_DIR or the user's)"
    )
    parse.add_argument("--server", help="the central server's address, kept as a setting")
    parse.add_argument("--lang", choices=i18n.LANGUAGES, help="the language of the screens")
    parse.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation offscreen (pages, a clip, a certificate) and exit",
    )
    parse.add_argument(EMBEDDED_SERVER_FLAG, type=Path, help=argparse.SUPPRESS)
    return parse


def main(argv: list[str] | None = None) -> int:
    collecting = gc.isenabled()
    gc.disable()  # the start, until the sign-in screen shows (the module's docstring)
    try:
        args = parser().parse_args(argv)
        if args.embedded_server is not None or args.self_test:
            if collecting:  # no sign-in screen to wait for
                gc.enable()
            return _without_window(args)
        from latsar_desktop import display

        found = display.problem()
        if found is not None:
            print(display.explain(found), file=sys.stderr)
            return display.EXIT_NO_DISPLAY
        from latsar_desktop.ui.application import run

        return run(args, collect_when_shown=collecting)
    finally:
        if collecting:
            gc.enable()


def _without_window(args: argparse.Namespace) -> int:
    if args.embedded_server is not None:  # the demo's server: a child of this executable
        from latsar_desktop.demo import serve_embedded

        return serve_embedded(args.embedded_server)
    from latsar_desktop.selftest import run_self_test

    return run_self_test()


if __name__ == "__main__":
    sys.exit(main())
