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
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from latsar_desktop.domain.messages import Code, Message, ParamValue
from latsar_desktop.i18n.labels import Label
from latsar_desktop.locations import resources_dir

DOMAIN = "latsar"
LANGUAGES: tuple[str, ...] = ("id", "en")
DEFAULT_LANGUAGE = "id"
DEFAULT_TIME_ZONE = ZoneInfo("Asia/Jakarta")
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
    if isinstance(value, Decimal):
        places = max(0, -int(value.as_tuple().exponent))
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return str(format_decimal(value, format=pattern, locale=language))
    if isinstance(value, int):
        return str(format_decimal(value, format="#,##0", locale=language))
    if isinstance(value, datetime):
        return str(
            format_datetime(value.astimezone(tz), format="d MMMM y, HH.mm zzz", locale=language)
        )
    if isinstance(value, date):
        return str(format_date(value, format="d MMMM y", locale=language))
    return value


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
