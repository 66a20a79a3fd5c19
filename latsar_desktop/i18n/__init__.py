"""Turning message codes into Indonesian (the default) or English text.

The catalogs are gettext ``.po`` files under ``i18n/catalogs/`` whose msgids are the
message codes; ``python -m latsar_desktop.i18n.compile`` builds them with Babel into
``resources/locale/<lang>/LC_MESSAGES/latsar.mo``, which is what runs. Parameters are
formatted for the language: decimals with the right separator, times in the
participant's time zone.

Texts are lenient about what a newer server sends: a code this version does not know
gets the generic ``message.unknown`` text naming the code, and a parameter the text
needs but the message lacks is shown as "…" instead of failing.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from latsar_desktop.domain.messages import Code, Message, ParamValue
from latsar_desktop.i18n.labels import Label
from latsar_desktop.locations import resources_dir

DOMAIN = "latsar"
LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_LANGUAGE = "id"
DEFAULT_TIME_ZONE = ZoneInfo("Asia/Jakarta")
# Indonesia's three zones (IANA name: short name), west to east; the short names are
# the official ones, the same in every language
TIME_ZONES: dict[str, str] = {
    "Asia/Jakarta": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
TIME_FORMATS = {"id": "d MMMM y, HH.mm", "en": "d MMMM y, HH:mm"}
log = logging.getLogger(__name__)


class MissingTranslation(LookupError):
    """A code has no text in a catalog: a bug, caught by the catalog test."""


def locale_dir() -> Path:
    return resources_dir() / "locale"


@cache
def catalog(language: str) -> gettext.GNUTranslations:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {LANGUAGES}")
    return gettext.translation(DOMAIN, localedir=str(locale_dir()), languages=[language])


def format_param(value: ParamValue, language: str, tz: tzinfo = DEFAULT_TIME_ZONE) -> str:
    """One parameter, formatted the way readers of ``language`` expect."""
    if isinstance(value, bool):
        return str(value)
    if not isinstance(value, (Decimal, int, date)):
        return value
    # Babel (its locale data) only when a number or a date is formatted: not at start-up
    from babel.dates import format_date, format_datetime
    from babel.numbers import format_decimal

    if isinstance(value, Decimal):
        places = max(0, -int(value.as_tuple().exponent))
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return str(format_decimal(value, format=pattern, locale=language))
    if isinstance(value, int):
        return str(format_decimal(value, format="#,##0", locale=language))
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        shown = format_datetime(local, format=TIME_FORMATS[language], locale=language)
        return f"{shown} {zone_name(tz, local)}"
    return str(format_date(value, format="d MMMM y", locale=language))


def zone_name(tz: tzinfo, at: datetime | None = None) -> str:
    """A zone's short name: WIB, WITA or WIT for Indonesia's (whatever the language),
    else its offset from UTC at ``at`` (now by default): "UTC", "UTC+2", "UTC-3:30"."""
    if isinstance(tz, ZoneInfo) and tz.key in TIME_ZONES:
        return TIME_ZONES[tz.key]
    offset = (at or datetime.now(tz)).astimezone(tz).utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "+" if offset > timedelta(0) else "-"
    hours, rest = divmod(abs(int(offset.total_seconds())), 3600)
    minutes = rest // 60
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


# the core's message codes and the screens' labels, one registry for the catalog test
KNOWN_CODES = frozenset(code.value for code in Code) | frozenset(label.value for label in Label)
MISSING_PARAM = "…"


class _Params(dict[str, str]):
    """Formatted parameters; one the text needs but the message lacks shows as "…"."""

    def __missing__(self, name: str) -> str:
        log.warning("message parameter %r missing", name)
        return MISSING_PARAM


def text(
    code: Code | Label | str,
    language: str = DEFAULT_LANGUAGE,
    params: Mapping[str, ParamValue] | None = None,
    tz: tzinfo = DEFAULT_TIME_ZONE,
) -> str:
    """The text of ``code`` in ``language`` with its parameters filled in.

    A code this version does not know (sent by a newer server) gives the generic
    ``message.unknown`` text with the code; a known code without a text is a bug
    (:class:`MissingTranslation`, caught by the catalog test).
    """
    key = str(code)
    if key not in KNOWN_CODES:
        return text(Code.MESSAGE_UNKNOWN, language, {"code": key}, tz)
    template = catalog(language).gettext(key)
    if template == key:
        raise MissingTranslation(f"{key} has no {language} text")
    formatted = {name: format_param(value, language, tz) for name, value in (params or {}).items()}
    return template.format_map(_Params(formatted))


def translate(
    message: Message, language: str = DEFAULT_LANGUAGE, tz: tzinfo = DEFAULT_TIME_ZONE
) -> str:
    """The text of a :class:`Message`."""
    return text(message.code, language, message.params, tz)
