"""A message for every sync error (issue 14): each kind's own text, and the server's
reason preferred when this version knows it."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from latsar_desktop.domain.messages import Code, Message, ParamValue, msg
from latsar_desktop.domain.protocol import ErrorBody, WireMessage
from latsar_desktop.i18n import LANGUAGES, MISSING_PARAM, translate
from latsar_desktop.i18n.compile import read_catalog
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.errors import (
    KIND_CODES,
    SyncError,
    SyncErrorKind,
    error_message,
    skew_minutes,
)
from latsar_server.settings import Settings
from tests.servers import RunningServer, running_server

NIP = "199003152025061001"  # a well-formed NIP nobody was imported with
NIK = "3201011503900001"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def template(code: Code, language: str) -> str:
    entry = read_catalog(language).get(code.value)
    assert entry is not None, (code, language)
    return str(entry.string)


def error_of(kind: SyncErrorKind) -> SyncError:
    """An error of ``kind`` as the sync layer raises it, without a server's reason."""
    if kind is SyncErrorKind.CLOCK_SKEW:
        return SyncError(kind, "device clock ahead", clock_skew=timedelta(minutes=47))
    return SyncError(kind, f"a {kind.value} failure")


@pytest.mark.parametrize("kind", list(SyncErrorKind))
def test_every_kind_has_a_message_with_every_parameter_its_text_names(
    kind: SyncErrorKind,
) -> None:
    message = error_message(error_of(kind))
    assert message.code is KIND_CODES[kind]
    assert message.code.value == f"sync_error.{kind.value}"
    shown = {}
    for language in LANGUAGES:
        text = template(message.code, language)
        assert text.strip(), language
        assert placeholders(text) == set(message.params), language
        shown[language] = translate(message, language)
        assert MISSING_PARAM not in shown[language]
    assert shown["id"] != shown["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_two_kinds_say_the_same(language: str) -> None:
    texts = [translate(error_message(error_of(kind)), language) for kind in SyncErrorKind]
    assert len(set(texts)) == len(texts) == len(SyncErrorKind)


def test_the_sync_error_codes_are_exactly_the_kinds() -> None:
    codes = {code for code in Code if code.value.startswith("sync_error.")}
    assert set(KIND_CODES) == set(SyncErrorKind)
    # and one variant: CLIENT_TOO_OLD naming where the new version is (the 426's update_url)
    assert set(KIND_CODES.values()) == codes - {Code.SYNC_ERROR_CLIENT_TOO_OLD_URL}


def test_a_clock_far_off_is_told_in_minutes_and_the_sync_goes_on() -> None:
    behind = SyncError(SyncErrorKind.CLOCK_SKEW, clock_skew=-timedelta(minutes=12, seconds=31))
    message = error_message(behind)
    assert message == msg(Code.SYNC_ERROR_CLOCK_SKEW, minutes=13)
    assert translate(message, "id").startswith(
        "Jam komputer ini berbeda 13 menit dari jam server. Sinkronisasi tetap berjalan"
    )
    assert "13 minutes off the server's. Syncing goes on" in translate(message, "en")
    ahead = SyncError(SyncErrorKind.CLOCK_SKEW, clock_skew=timedelta(days=2))
    assert "2.880 menit" in translate(error_message(ahead), "id")
    assert skew_minutes(timedelta(seconds=20)) == 1  # never "0 minutes off"
    # the minutes are part of the error: one without them cannot be made
    with pytest.raises(TypeError, match="clock_skew"):
        SyncError(SyncErrorKind.CLOCK_SKEW, "no skew given")
    with pytest.raises(TypeError, match="clock_skew"):
        SyncError(SyncErrorKind.OFFLINE, clock_skew=timedelta(minutes=9))


# ------------------------------------------------------------------ the server's reason


class NewerServer(httpx.BaseTransport):
    """The real server, answering as a newer version would: with an error code this
    version does not know (``login.nik_expired``) in place of its own."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.renamed = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code < 400:
            return response
        try:
            body = json.loads(response.read())
        finally:
            response.close()
        body["error"] = {"code": "login.nik_expired", "params": {}}
        self.renamed += 1
        return httpx.Response(response.status_code, json=body)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}", data_dir=tmp_path / "server-data"
    )
    with running_server(settings) as running:
        yield running


def sign_in_fails(api: ApiClient) -> SyncError:
    with pytest.raises(SyncError) as failed:
        api.login(NIP, NIK, "PC kantor")
    return failed.value


def test_the_servers_reason_wins_when_this_version_knows_it(server: RunningServer) -> None:
    api = ApiClient(server.url, uuid4(), timeout=10.0)
    try:
        # a wrong NIK: by its kind alone the participant would read that the session ended
        wrong = sign_in_fails(api)
        assert wrong.kind is SyncErrorKind.AUTH_EXPIRED
        assert error_message(wrong) == msg(Code.AUTH_INVALID_CREDENTIALS)
        assert translate(error_message(wrong), "id") == (
            "NIP atau NIK salah. Periksa kembali dan coba lagi."
        )
        for _ in range(server.settings.nip_failure_limit - 2):
            sign_in_fails(api)
        # the try that locks the NIP: the server's code with its minutes, not "refused"
        locked = sign_in_fails(api)
        assert locked.kind is SyncErrorKind.REJECTED
        minutes = server.settings.nip_lock_minutes
        assert error_message(locked) == msg(Code.AUTH_NIP_LOCKED, minutes=minutes)
        assert translate(error_message(locked), "id") == (
            "Terlalu banyak percobaan masuk yang salah untuk NIP ini. "
            f"Coba lagi dalam {minutes} menit."
        )
    finally:
        api.close()


def test_a_code_this_version_does_not_know_gives_the_kinds_message(
    server: RunningServer,
) -> None:
    newer = NewerServer()
    api = ApiClient(server.url, uuid4(), timeout=10.0, transport=newer)
    try:
        failed = sign_in_fails(api)
    finally:
        api.close()
    assert newer.renamed == 1
    assert failed.body is not None
    assert failed.body.error.code == "login.nik_expired"
    assert failed.kind is SyncErrorKind.REJECTED
    assert error_message(failed) == msg(Code.SYNC_ERROR_REJECTED)


def test_an_expired_access_token_that_reaches_the_participant_asks_to_sign_in() -> None:
    """The client renews an expired access token by itself; when the code still reaches
    the participant, the renewal failed: "being renewed" would be wrong."""
    body = ErrorBody(error=WireMessage.of(msg(Code.AUTH_TOKEN_EXPIRED)))
    expired = SyncError(SyncErrorKind.AUTH_EXPIRED, "auth.token_expired", body)
    assert error_message(expired) == msg(Code.SYNC_ERROR_AUTH_EXPIRED)
    revoked = ErrorBody(error=WireMessage.of(msg(Code.AUTH_DEVICE_REVOKED)))
    assert error_message(SyncError(SyncErrorKind.AUTH_EXPIRED, "", revoked)) == msg(
        Code.AUTH_DEVICE_REVOKED
    )


# ------------------------------------------------------- the codes other parts use

# each code with its parameters, of the types their callers pass
OTHER_CODES: dict[Code, dict[str, ParamValue]] = {
    Code.NOTICE_ATTEMPT_GRADED: {"number": 3, "score": Decimal("72.50")},
    Code.NOTICE_ATTEMPT_QUEUED: {"number": 6, "date": date(2026, 12, 2)},
    Code.NOTICE_PASSED: {},
    Code.NOTICE_CERTIFICATE_ISSUED: {"number": "LATSAR/2026/000123"},
    Code.NOTICE_CERTIFICATE_REVOKED: {"number": "LATSAR/2026/000123"},
    Code.NOTICE_COURSE_UPDATED: {"version": 4},
    Code.SIGNIN_WRONG_NIK_OFFLINE: {"tries_left": 2},
    Code.SIGNIN_WAIT: {"seconds": 40},
    Code.SIGNIN_FIRST_ONLINE: {},
    Code.EVALUATION_GRADED_LEFT_TODAY: {"left": 2, "limit": 5},
}


@pytest.mark.parametrize("code", list(OTHER_CODES))
def test_the_codes_other_parts_use_name_exactly_their_parameters(code: Code) -> None:
    message = Message(code, OTHER_CODES[code])
    for language in LANGUAGES:
        assert placeholders(template(code, language)) == set(message.params), language
        assert MISSING_PARAM not in translate(message, language)
    assert translate(message, "id") != translate(message, "en")


def test_the_other_codes_params_read_well_in_indonesian() -> None:
    graded = Message(Code.NOTICE_ATTEMPT_GRADED, OTHER_CODES[Code.NOTICE_ATTEMPT_GRADED])
    assert translate(graded, "id") == "Percobaan evaluasi ke-3 sudah dinilai: nilai 72,50."
    queued = Message(Code.NOTICE_ATTEMPT_QUEUED, OTHER_CODES[Code.NOTICE_ATTEMPT_QUEUED])
    assert "akan dinilai pada 2 Desember 2026" in translate(queued, "id")
    issued = msg(Code.NOTICE_CERTIFICATE_ISSUED, number="LATSAR/2026/000123")
    assert "(nomor LATSAR/2026/000123)" in translate(issued, "id")
    assert translate(msg(Code.SIGNIN_WRONG_NIK_OFFLINE, tries_left=0), "id").endswith(
        "Sisa percobaan sebelum harus menunggu: 0."
    )
    left = msg(Code.EVALUATION_GRADED_LEFT_TODAY, left=0, limit=5)
    assert translate(left, "id") == "Sisa percobaan yang dinilai hari ini: 0 dari 5."
