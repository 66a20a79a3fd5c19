"""An app too old for the server (426): told where to get the new version when the
server's answer names it, else to ask the training's helpdesk for it."""

from __future__ import annotations

import pytest

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import ErrorBody, WireMessage
from latsar_desktop.i18n import LANGUAGES, translate
from latsar_desktop.sync.errors import SyncError, SyncErrorKind, error_message

URL = "https://latsar.example.go.id/unduh"
REASON = WireMessage.of(msg(Code.PROTOCOL_CLIENT_TOO_OLD, version=1, minimum=2))


def too_old(update_url: str | None, *, body: bool = True) -> SyncError:
    answer = ErrorBody(error=REASON, update_required=True, update_url=update_url)
    return SyncError(SyncErrorKind.CLIENT_TOO_OLD, "HTTP 426", answer if body else None)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_message_names_the_update_url(language: str) -> None:
    message = error_message(too_old(URL))
    assert message == msg(Code.SYNC_ERROR_CLIENT_TOO_OLD_URL, url=URL)
    assert URL in translate(message, language)


@pytest.mark.parametrize(
    "error",
    [too_old(None), too_old("  "), too_old(None, body=False)],
    ids=["none", "blank", "no body"],
)
def test_without_an_update_url_ask_the_helpdesk(error: SyncError) -> None:
    message = error_message(error)
    assert message == msg(Code.SYNC_ERROR_CLIENT_TOO_OLD)
    assert "helpdesk" in translate(message, "id")
    assert "helpdesk" in translate(message, "en")


def test_an_older_server_sends_no_update_url() -> None:
    body = ErrorBody.model_validate_json(
        '{"error": {"code": "protocol.client_too_old", "params": {}}, "update_required": true}'
    )
    assert body.update_url is None
    assert error_message(SyncError(SyncErrorKind.CLIENT_TOO_OLD, "", body)) == msg(
        Code.SYNC_ERROR_CLIENT_TOO_OLD
    )
