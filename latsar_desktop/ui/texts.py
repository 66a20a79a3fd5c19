"""The screens' texts: labels and messages in the language the participant chose.

One language for the whole app at a time (``set_language``); screens read their texts
through ``tr`` (a ``Label`` or a message ``Code`` with parameters) and ``say`` (a core
``Message``), and re-read them in ``retranslate()`` when the language changes.

The language chosen is kept in machine.db (``LANGUAGE_SETTING``): ``keep_language`` when
the participant picks one, ``choose_language`` at the start (``--lang``, else the one
kept, else Indonesian).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Code, Message, ParamValue
from latsar_desktop.i18n.labels import Label

if TYPE_CHECKING:
    from latsar_desktop.store.machine import MachineStore

LANGUAGE_SETTING = "language"  # machine.db's setting: the language last chosen

_language = i18n.DEFAULT_LANGUAGE


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


def tr(code: Label | Code, **params: ParamValue) -> str:
    return i18n.text(code, _language, params)


def say(message: Message) -> str:
    return i18n.translate(message, _language)


def say_all(texts: Iterable[Message | Label]) -> str:
    """Several messages (or labels, without parameters) as one text, a line each."""
    return "\n".join(tr(text) if isinstance(text, Label) else say(text) for text in texts)
