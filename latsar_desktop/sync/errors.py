"""Typed errors of the sync layer; the UI turns each into one Indonesian message."""

from __future__ import annotations

from enum import StrEnum

from latsar_desktop.domain.protocol import ErrorBody


class SyncErrorKind(StrEnum):
    # The link failed: no connection, timeout, connection cut or reset, before or during
    # the answer. A response cut short (a body shorter than announced) is OFFLINE too: the
    # server may have processed the request, and retrying is safe (sync is idempotent).
    OFFLINE = "offline"
    AUTH_EXPIRED = "auth_expired"  # signing in again is needed
    REJECTED = "rejected"  # the server refused the request (4xx with a reason)
    SERVER_ERROR = "server_error"  # 5xx: try again later
    BAD_RESPONSE = "bad_response"  # a whole answer, not our server's: captive portal, garbage
    CLIENT_TOO_OLD = "client_too_old"  # 426: update the app
    CLOCK_SKEW = "clock_skew"  # the device clock is far from the server's (a warning)
    BUSY = "busy"  # a sync is already running
    DISK_FULL = "disk_full"  # not enough free space: the partial download is kept
    CORRUPT = "corrupt"  # a downloaded file did not match its SHA-256, even fetched again


class SyncError(Exception):
    """A failure of one call to the server, with its kind and the server's reason if any.

    ``kind`` decides what the participant is told; ``detail`` names what happened, in
    English, for the logs (e.g. "no answer within 30.0 s", "HTTP 502 Bad Gateway").
    """

    def __init__(
        self, kind: SyncErrorKind, detail: str = "", body: ErrorBody | None = None
    ) -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        self.body = body

    @property
    def retryable(self) -> bool:
        return self.kind in (
            SyncErrorKind.OFFLINE,
            SyncErrorKind.SERVER_ERROR,
            SyncErrorKind.BAD_RESPONSE,
        )
