"""The participant's session: what the screens drive, Qt-free.

``participant`` has ``ParticipantSession``, the one object the UI drives (sign-in, the
view, recording, the evaluation, sync, content, the certificate, notifications);
``evaluation`` runs evaluation attempts (``AttemptRun``) and says what the evaluation
screen shows before one (``evaluation_outlook``).

The names below are imported when first used (PEP 562), not with the package: the
sign-in screen imports ``session.profiles`` before its window shows, and
``participant`` pulls in httpx and reportlab, which the start must not wait for
(``tests/ui/test_startup.py``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from latsar_desktop.session.evaluation import AttemptRun, EvaluationOutlook
    from latsar_desktop.session.participant import (
        ParticipantSession,
        SessionError,
        SessionOptions,
        SessionSyncReport,
        StorageSummary,
    )

_HOMES = {
    "AttemptRun": "latsar_desktop.session.evaluation",
    "EvaluationOutlook": "latsar_desktop.session.evaluation",
    "ParticipantSession": "latsar_desktop.session.participant",
    "SessionError": "latsar_desktop.session.participant",
    "SessionOptions": "latsar_desktop.session.participant",
    "SessionSyncReport": "latsar_desktop.session.participant",
    "StorageSummary": "latsar_desktop.session.participant",
}

__all__ = [
    "AttemptRun",
    "EvaluationOutlook",
    "ParticipantSession",
    "SessionError",
    "SessionOptions",
    "SessionSyncReport",
    "StorageSummary",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
