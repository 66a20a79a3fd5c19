"""The desktop app's command line and start-up. For now it only reports its version."""

from __future__ import annotations

import argparse
import sys

from latsar_desktop import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="latsar-desktop", description="Latsar Desktop")
    parser.add_argument("--version", action="version", version=f"latsar-desktop {__version__}")
    parser.parse_args(argv)
    print(f"latsar-desktop {__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
