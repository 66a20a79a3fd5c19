"""The Qt binding keeps Python's reference counts.

PySide6 6.12.0 does not on Python 3.11: each call of a method that returns nothing takes
a reference away from ``None``, and each ``SignalInstance.emit()`` one from ``True``
(the wheel is built as if they were immortal, which they are only from Python 3.12 on).
After some thousands of calls CPython aborts ("Fatal Python error: none_dealloc" or
"bool_dealloc") at a random place: a busy progress bar, a burst of background tasks, or
``qtbot.waitUntil`` polling. 6.11.2 is fine. This test names the cause at once instead of
leaving a random crash to find.
"""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

CALLS = 200


class Probe(QObject):
    ping = Signal()


def test_void_calls_and_emits_keep_the_references_of_none_and_true(qtbot: QtBot) -> None:
    label, probe = QLabel(), Probe()
    qtbot.addWidget(label)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(CALLS):
        label.setText("Latsar")  # returns None
        probe.ping.emit()  # returns True
    none_lost = none_before - sys.getrefcount(None)
    true_lost = true_before - sys.getrefcount(True)
    version = PySide6.__version__
    assert none_lost < CALLS // 2, (
        f"PySide6 {version} drops a reference to None per call ({none_lost} in {CALLS}): "
        "Python will abort; use a PySide6 without this bug (6.11.2 is fine)"
    )
    assert true_lost < CALLS // 2, (
        f"PySide6 {version} drops a reference to True per emit ({true_lost} in {CALLS}): "
        "Python will abort; use a PySide6 without this bug (6.11.2 is fine)"
    )
