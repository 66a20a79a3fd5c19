"""``SessionError``: a sign-in (or a session) that did not happen, and what a screen needs
of it: the messages about the NIP field, about the NIK field, the rest, and the offline
wait in seconds. The connection settings refuse with it too, their messages about the
fields "server_url", "proxy_url" and "proxy_user". Qt-free; re-exported by
``session.participant``.
"""

from __future__ import annotations

from typing import Literal

from latsar_desktop.domain.messages import Code, DomainError, Message

__all__ = ["FIELDS", "Field", "SessionError"]

Field = Literal["nip", "nik", "server_url", "proxy_url", "proxy_user"]
FIELDS: tuple[Field, ...] = ("nip", "nik", "server_url", "proxy_url", "proxy_user")

# the shape checks of a field (``parse_nip``/``parse_nik``) speak in codes named after it;
# the server's and the offline check's refusals (a wrong NIK, a locked NIP) are about the
# sign-in as a whole, not a field's shape; the connection settings' codes are
# "settings.<field>_<what>"
_FIELD_CODES: dict[Field, frozenset[Code]] = {
    field: frozenset(
        code for code in Code if code.value.startswith((f"{field}.", f"settings.{field}_"))
    )
    for field in FIELDS
}


class SessionError(DomainError):
    """A sign-in (or a session) that did not happen, with the messages saying why.

    ``cause`` is the underlying error when there is one (a ``SyncError`` from the server,
    a ``SignInRefused`` from the offline check), for the logs and for tests.
    ``wait_seconds``: the offline slow-down, the whole seconds before the next try is
    looked at (None when there is no wait).
    """

    def __init__(self, *messages: Message, cause: BaseException | None = None) -> None:
        super().__init__(*messages)
        self.cause = cause
        self.wait_seconds: int | None = _wait_seconds(self.messages)

    def field_messages(self, field: Field) -> tuple[Message, ...]:
        """The messages about one field ("nip", "nik"; "server_url", "proxy_url",
        "proxy_user" of the connection settings): shown under it."""
        if field not in _FIELD_CODES:
            raise ValueError(f"unknown field {field!r}; one of {FIELDS}")
        return tuple(m for m in self.messages if m.code in _FIELD_CODES[field])

    def general_messages(self) -> tuple[Message, ...]:
        """The messages about no one field (the server's refusal, the offline wait, no
        connection on a first sign-in, the profile in use): shown under "Masuk"."""
        fields = frozenset().union(*_FIELD_CODES.values())
        return tuple(m for m in self.messages if m.code not in fields)


def _wait_seconds(messages: tuple[Message, ...]) -> int | None:
    for message in messages:
        if message.code is Code.SIGNIN_WAIT:
            seconds = message.params.get("seconds")
            if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
                return seconds
    return None
