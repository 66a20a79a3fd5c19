"""The screens' texts: labels and messages in the language the participant chose.

One language for the whole app at a time (``set_language``); screens read their texts
through ``tr`` (a ``Label`` or a message ``Code`` with parameters) and ``say`` (a core
``Message``), and re-read them in ``retranslate()`` when the language changes.
"""

from __future__ import annotations

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Code, Message, ParamValue
from latsar_desktop.i18n.labels import Label

_language = i18n.DEFAULT_LANGUAGE


def language() -> str:
    return _language


def set_language(code: str) -> None:
    """Switch every later text to ``code`` (one of ``i18n.LANGUAGES``)."""
    global _language
    if code not in i18n.LANGUAGES:
        raise ValueError(f"unsupported language {code!r}")
    _language = code


def tr(code: Label | Code, **params: ParamValue) -> str:
    return i18n.text(code, _language, params)


def say(message: Message) -> str:
    return i18n.translate(message, _language)


def say_all(messages: tuple[Message, ...] | list[Message]) -> str:
    """Several messages as one text, a line each."""
    return "\n".join(say(message) for message in messages)
