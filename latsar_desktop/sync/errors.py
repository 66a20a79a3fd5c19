"""Typed errors of the sync layer, and the one place they become a message.

``error_message`` turns a :class:`SyncError` into a :class:`Message` the UI translates
(Indonesian first): the server's own reason when it sent one this version knows, else
the text of the error's kind, which tells the participant what to do.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from latsar_desktop.domain.messages import Code, Message, msg

if TYPE_CHECKING:  # the wire models are not needed before a sync: not at the sign-in screen
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
    NO_SERVER = "no_server"  # no server address is configured: not retried as if offline
    CANCELLED = "cancelled"  # the participant (or shutdown) stopped the work; nothing half-done
    # the HTTP proxy refused its user and password (407): the settings must change; not
    # retried, and not "offline" (the participant has something to fix)
    PROXY_REFUSED = "proxy_refused"


# Failures a later try may not meet (backoff and retry), and those where the server was not
# reached as our server at all (no address either): the sign-in's offline fallback and the
# status bar's "offline" both read these, so the notion is written once.
RETRYABLE_KINDS = frozenset(
    {SyncErrorKind.OFFLINE, SyncErrorKind.SERVER_ERROR, SyncErrorKind.BAD_RESPONSE}
)
LINK_DOWN_KINDS = RETRYABLE_KINDS | {SyncErrorKind.NO_SERVER}


class SyncError(Exception):
    """A failure of one call to the server, with its kind and the server's reason if any.

    ``kind`` decides what the participant is told; ``detail`` names what happened, in
    English, for the logs (e.g. "no answer within 30.0 s", "HTTP 502 Bad Gateway").
    A CLOCK_SKEW error (a warning: the sync goes on) carries ``clock_skew``, the device
    clock minus the server's, which its message states in minutes.
    """

    def __init__(
        self,
        kind: SyncErrorKind,
        detail: str = "",
        body: ErrorBody | None = None,
        *,
        clock_skew: timedelta | None = None,
    ) -> None:
        if (kind is SyncErrorKind.CLOCK_SKEW) != (clock_skew is not None):
            raise TypeError("clock_skew is given with a CLOCK_SKEW error, and only with it")
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail
        self.body = body
        self.clock_skew = clock_skew

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS

    @property
    def link_down(self) -> bool:
        """The server was not reached as our server: no link, no address configured, not
        our server answering (a captive portal), or a server error. The participant works
        offline meanwhile: the status bar says "offline", not a problem to act on."""
        return self.kind in LINK_DOWN_KINDS

    @property
    def inconclusive(self) -> bool:
        """The call says nothing about the link or the server: it was stopped (a sign-out,
        the participant) or not made (a sync was already running). Not news."""
        return self.kind in (SyncErrorKind.CANCELLED, SyncErrorKind.BUSY)


KIND_CODES: dict[SyncErrorKind, Code] = {
    SyncErrorKind.OFFLINE: Code.SYNC_ERROR_OFFLINE,
    SyncErrorKind.AUTH_EXPIRED: Code.SYNC_ERROR_AUTH_EXPIRED,
    SyncErrorKind.REJECTED: Code.SYNC_ERROR_REJECTED,
    SyncErrorKind.SERVER_ERROR: Code.SYNC_ERROR_SERVER_ERROR,
    SyncErrorKind.BAD_RESPONSE: Code.SYNC_ERROR_BAD_RESPONSE,
    SyncErrorKind.CLIENT_TOO_OLD: Code.SYNC_ERROR_CLIENT_TOO_OLD,
    SyncErrorKind.CLOCK_SKEW: Code.SYNC_ERROR_CLOCK_SKEW,
    SyncErrorKind.BUSY: Code.SYNC_ERROR_BUSY,
    SyncErrorKind.DISK_FULL: Code.SYNC_ERROR_DISK_FULL,
    SyncErrorKind.CORRUPT: Code.SYNC_ERROR_CORRUPT,
    SyncErrorKind.NO_SERVER: Code.SYNC_ERROR_NO_SERVER,
    SyncErrorKind.CANCELLED: Code.SYNC_ERROR_CANCELLED,
    SyncErrorKind.PROXY_REFUSED: Code.SYNC_ERROR_PROXY_REFUSED,
}

# Server codes that say less than the kind's own text: an unknown code (a newer
# server's), and an expired access token, which the client renews by itself; when it
# still reaches the participant the renewal failed, and signing in again is the way on.
NOT_MORE_PRECISE = frozenset({Code.MESSAGE_UNKNOWN, Code.AUTH_TOKEN_EXPIRED})


def error_message(error: SyncError) -> Message:
    """What the participant is told about ``error``.

    An app too old for the server (426) is told what to do about it: where to get the new
    version when the server's answer names it (``ErrorBody.update_url``), else to ask the
    training's helpdesk for it; the server's own reason (the protocol numbers) stays in
    ``error.detail`` for the logs. Otherwise the server's reason, when its error body
    carries a code this version knows (for example ``auth.nip_locked`` with the minutes
    left), is more precise and wins; else the kind's message, which has every parameter
    its text names.
    """
    if error.kind is SyncErrorKind.CLIENT_TOO_OLD:
        url = error.body.update_url if error.body is not None else None
        if url and url.strip():
            return msg(Code.SYNC_ERROR_CLIENT_TOO_OLD_URL, url=url.strip())
        return msg(Code.SYNC_ERROR_CLIENT_TOO_OLD)
    if error.body is not None:
        reason = error.body.error.to_message()
        if reason.code not in NOT_MORE_PRECISE:
            return reason
    code = KIND_CODES[error.kind]
    if error.clock_skew is not None:
        return msg(code, minutes=skew_minutes(error.clock_skew))
    return msg(code)


def skew_minutes(skew: timedelta) -> int:
    """The clocks' difference in whole minutes, either way, at least 1."""
    return max(1, round(abs(skew) / timedelta(minutes=1)))
