"""The ``latsar-server`` command line. For now it only reports its version."""

from __future__ import annotations

import argparse
import sys

from latsar_desktop import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="latsar-server", description="Latsar central server")
    parser.add_argument("--version", action="version", version=f"latsar-server {__version__}")
    parser.parse_args(argv)
    print(f"latsar-server {__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
