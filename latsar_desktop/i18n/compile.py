"""Build the gettext catalogs: ``python -m latsar_desktop.i18n.compile``.

Reads ``latsar_desktop/i18n/catalogs/<lang>.po`` with Babel and writes
``resources/locale/<lang>/LC_MESSAGES/latsar.mo``. ``--check`` exits 1 when a compiled
catalog is missing or stale instead of writing it.
"""

from __future__ import annotations

import argparse
import gettext
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from latsar_desktop.i18n import DOMAIN, LANGUAGES, locale_dir

CATALOGS = Path(__file__).resolve().parent / "catalogs"


def read_catalog(language: str) -> Catalog:
    with (CATALOGS / f"{language}.po").open("rb") as handle:
        return read_po(handle, locale=language)


def compiled(language: str) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(language))
    return buffer.getvalue()


def messages(mo: bytes) -> dict[str, str]:
    """The texts of a compiled catalog, without its header (which carries build dates)."""
    texts: dict[str, str] = gettext.GNUTranslations(io.BytesIO(mo))._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in texts.items() if key}


def is_fresh(language: str) -> bool:
    target = mo_path(language)
    return target.exists() and messages(target.read_bytes()) == messages(compiled(language))


def mo_path(language: str) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for language in LANGUAGES:
        if is_fresh(language):
            continue
        data, target = compiled(language), mo_path(language)
        if args.check:
            stale.append(str(target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote {target}")
    if stale:
        print("stale catalogs (run python -m latsar_desktop.i18n.compile):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
