"""The screens' texts: labels and messages in the language the participant chose.

One language for the whole app at a time (``set_language``); screens read their texts
through ``tr`` (a ``Label`` or a message ``Code`` with parameters) and ``say`` (a core
``Message``), and re-read them in ``retranslate()`` when the language changes.

The language chosen is kept in machine.db (``LANGUAGE_SETTING``): ``keep_language`` when
the participant picks one, ``choose_language`` at the start (``--lang``, else the one
kept, else Indonesian).

Times are shown in one time zone at a time too (``set_time_zone``; ``tr``/``say`` format
every ``datetime`` parameter in it): WIB, WITA or WIT as the participant chose in the
settings, or "auto", the computer's own (``choose_time_zone``: a computer set to UTC+7,
+8 or +9 shows WIB, WITA or WIT; any other offset its own zone). The choice is kept in
machine.db (``TIME_ZONE_SETTING``: ``"auto"`` or one of ``TIME_ZONES``' names) by
``keep_time_zone``. ``size_text`` says a number of bytes the way the language writes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Code, Message, ParamValue
from latsar_desktop.i18n.labels import Label

if TYPE_CHECKING:
    from latsar_desktop.store.machine import MachineStore

LANGUAGE_SETTING = "language"  # machine.db's setting: the language last chosen
TIME_ZONE_SETTING = "time_zone"  # machine.db's setting: "auto" or a name of TIME_ZONES
AUTO_TIME_ZONE = "auto"  # the computer's own time zone
TIME_ZONES = i18n.TIME_ZONES
LANGUAGE_NAMES = {"id": Label.LANGUAGE_ID, "en": Label.LANGUAGE_EN}  # each in its own words


def _offset(name: str) -> timedelta:
    """A zone's UTC offset (Indonesia's have no summer time: one offset all year)."""
    return datetime(2000, 1, 1, tzinfo=ZoneInfo(name)).utcoffset() or timedelta(0)


# a computer's UTC offset (+7, +8, +9 hours) → its zone, each zone's own offset
_OFFSET_ZONES = {_offset(name): name for name in TIME_ZONES}
SIZE_UNITS = ("KB", "MB", "GB", "TB")  # of 1024: as the computer's file manager counts

_language = i18n.DEFAULT_LANGUAGE
_time_zone: tzinfo = i18n.DEFAULT_TIME_ZONE


def language() -> str:
    return _language


def set_language(code: str) -> None:
    """Switch every later text to ``code`` (one of ``i18n.LANGUAGES``)."""
    global _language
    if code not in i18n.LANGUAGES:
        raise ValueError(f"unsupported language {code!r}")
    _language = code


def choose_language(requested: str | None, kept: Any) -> str:
    """``--lang``, else the language chosen before (``LANGUAGE_SETTING``'s value), else
    Indonesian. Anything else (an unknown code, a damaged setting) is passed over."""
    for code in (requested, kept):
        if isinstance(code, str) and code in i18n.LANGUAGES:
            return code
    return i18n.DEFAULT_LANGUAGE


def keep_language(machine: MachineStore, code: str) -> None:
    """The participant chose ``code``: every later text in it, and the next start too."""
    set_language(code)
    machine.set_setting(LANGUAGE_SETTING, code)


def time_zone() -> tzinfo:
    """The time zone every time is shown in."""
    return _time_zone


def set_time_zone(tz: tzinfo) -> None:
    """Show every later time in ``tz``."""
    global _time_zone
    _time_zone = tz


def computer_time_zone(local: tzinfo | None = None) -> tzinfo:
    """The computer's time zone (``local``: its zone, for tests): an offset of +7, +8 or
    +9 hours now is WIB, WITA or WIT (their Indonesian names); any other, the zone as it
    is (a computer abroad, or one left on UTC)."""
    now = datetime.now(local) if local is not None else datetime.now().astimezone()
    zone = now.tzinfo
    assert zone is not None
    name = _OFFSET_ZONES.get(now.utcoffset() or timedelta(0))
    return ZoneInfo(name) if name is not None else zone


def choose_time_zone(kept: Any, local: tzinfo | None = None) -> tzinfo:
    """The zone of ``TIME_ZONE_SETTING``'s value: one of ``TIME_ZONES``, else (``"auto"``,
    nothing kept, a damaged setting) the computer's (``computer_time_zone``)."""
    if isinstance(kept, str) and kept in TIME_ZONES:
        return ZoneInfo(kept)
    return computer_time_zone(local)


def keep_time_zone(machine: MachineStore, value: str, local: tzinfo | None = None) -> None:
    """The participant chose ``value`` (``"auto"`` or a name of ``TIME_ZONES``): every
    later time in it, and at the next start too."""
    if value != AUTO_TIME_ZONE and value not in TIME_ZONES:
        raise ValueError(f"unsupported time zone {value!r}")
    set_time_zone(choose_time_zone(value, local))
    machine.set_setting(TIME_ZONE_SETTING, value)


zone_name = i18n.zone_name


def size_text(size: int) -> str:
    """A number of bytes as people read it, in the language's digits: "0 B", "812 B",
    "12,4 MB" (Indonesian) or "12.4 MB" (English), "356 MB" (no decimal from 100 on);
    never four digits before the unit (1000 KB and more is said in MB)."""
    if size < 1000:
        return f"{i18n.format_param(max(size, 0), _language)} B"
    value = Decimal(size) / 1024
    unit = 0
    while value.quantize(Decimal(1)) >= 1000 and unit < len(SIZE_UNITS) - 1:
        value /= 1024
        unit += 1
    shown = value.quantize(Decimal("0.1"))
    if shown >= 100:
        shown = value.quantize(Decimal(1))
    return f"{i18n.format_param(shown, _language)} {SIZE_UNITS[unit]}"


def tr(code: Label | Code, **params: ParamValue) -> str:
    return i18n.text(code, _language, params, _time_zone)


def say(message: Message) -> str:
    return i18n.translate(message, _language, _time_zone)


def say_all(texts: Iterable[Message | Label]) -> str:
    """Several messages (or labels, without parameters) as one text, a line each."""
    return "\n".join(tr(text) if isinstance(text, Label) else say(text) for text in texts)
