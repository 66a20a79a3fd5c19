"""Label codes: every text of the app's screens (titles, buttons, hints, page texts).

They live beside the message codes (``domain/messages.py``: what the core says) in the
same gettext catalogs, so a screen and the core speak with one voice and one test checks
that both languages have every text. ``latsar_desktop.i18n.text`` takes either.

Members are grouped by screen. Helpers add their screen's labels at the END of the class
(the class is the last thing in this file), ``ui.<screen>.<what>`` by convention.
"""

from __future__ import annotations

from enum import StrEnum


class Label(StrEnum):
    """Every screen text; each has an Indonesian and an English text (a test checks)."""

    # the app as a whole
    APP_TITLE = "ui.app.title"  # the window title: "Latsar Desktop"
    APP_TITLE_ON = "ui.app.title_on"  # screen: str: "Masuk · Latsar Desktop"
    LANGUAGE = "ui.app.language"  # "Bahasa"
    LANGUAGE_ID = "ui.app.language_id"  # "Bahasa Indonesia"
    LANGUAGE_EN = "ui.app.language_en"  # "English"
    CANCEL = "ui.app.cancel"
    CLOSE = "ui.app.close"
    WORKING = "ui.app.working"  # "Sedang diproses…"
