"""The participant's session: what the screens drive, Qt-free.

``participant`` has ``ParticipantSession``, the one object the UI drives (sign-in, the
view, recording, the evaluation, sync, content, the certificate, notifications);
``evaluation`` runs evaluation attempts (``AttemptRun``) and says what the evaluation
screen shows before one (``evaluation_outlook``).
"""

from __future__ import annotations

from latsar_desktop.session.evaluation import AttemptRun, EvaluationOutlook
from latsar_desktop.session.participant import (
    ParticipantSession,
    SessionError,
    SessionOptions,
    SessionSyncReport,
    StorageSummary,
)

__all__ = [
    "AttemptRun",
    "EvaluationOutlook",
    "ParticipantSession",
    "SessionError",
    "SessionOptions",
    "SessionSyncReport",
    "StorageSummary",
]
