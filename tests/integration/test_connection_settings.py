"""The connection settings (issue 16's Settings) through ``ParticipantSession``, Qt-free,
against the real server on 127.0.0.1.

What is refused, field by field, and that nothing is kept then; a new server address
that the next sync uses (the server moved: the old address is dead); a sync running
while the settings change, which finishes on its own client, closed only afterwards;
an HTTP proxy on 127.0.0.1 that wants Basic credentials: the profile's user and
password are passed through, sealed in machine.db (not one byte of them in plain text,
nor in the DEBUG log), unreadable by another profile's session, kept across the
sign-in's new key; and a wrong password is the proxy's refusal, told as such.
"""

from __future__ import annotations

import base64
import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import pytest

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import ActivityKind
from latsar_desktop.i18n import translate
from latsar_desktop.session import ParticipantSession, SessionError, SessionSyncReport
from latsar_desktop.session.connection import check_connection
from latsar_desktop.store.credentials import (
    CredentialsUnreadable,
    ProxyCredentials,
    check_nik,
    open_proxy_credentials,
    open_tokens,
)
from latsar_desktop.store.machine import HTTP_PROXY_SETTING, SERVER_URL_SETTING, MachineStore
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import (
    demo_people,
    demo_server_process,
    load_demo,
    sign_in,
    sqlite_settings,
)
from tests.nikscan import client_files, log_files, password_forms
from tests.servers import RunningServer, running_server, wait_until

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]
# a password as offices make them: a colon, a percent sign, an at sign, a space, non-ASCII
PROXY_USER, PROXY_PASSWORD = "budi.kantor", "Rahasia:50% @Ü"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The module's server, in a process of its own (as tests/integration/test_session.py)."""
    with demo_server_process(tmp_path_factory.mktemp("server")) as running:
        yield running


def record(session: ParticipantSession, count: int) -> None:
    """``count`` more videos or readings completed (events to sync)."""
    done = {
        activity.activity_id
        for material in session.view().materials
        for activity in material.activities
        if activity.completed
    }
    todo = [
        activity.id
        for _, activity in session.package().activities()
        if activity.kind in (ActivityKind.VIDEO, ActivityKind.READING) and activity.id not in done
    ]
    for activity_id in todo[:count]:
        session.complete_activity(activity_id)


def codes(error: SessionError, field: str) -> list[Code]:
    return [m.code for m in error.field_messages(field)]  # type: ignore[arg-type]


# ------------------------------------------------------------------------ 1. refusals


VALID_SERVER = "https://latsar.contoh.go.id"


@pytest.mark.parametrize(
    ("server_url", "code"),
    [
        ("", Code.SETTINGS_SERVER_URL_EMPTY),
        ("   ", Code.SETTINGS_SERVER_URL_EMPTY),
        ("ftp://latsar.contoh.go.id", Code.SETTINGS_SERVER_URL_INVALID),
        ("https://", Code.SETTINGS_SERVER_URL_INVALID),
        ("https://latsar contoh.go.id", Code.SETTINGS_SERVER_URL_INVALID),
        ("https://budi:rahasia@latsar.contoh.go.id", Code.SETTINGS_SERVER_URL_INVALID),
        ("https://latsar.contoh.go.id:99999", Code.SETTINGS_SERVER_URL_INVALID),
        ("https://latsar.contoh.go.id:", Code.SETTINGS_SERVER_URL_INVALID),
        ("https://latsar.contoh.go.id/?kursus=1", Code.SETTINGS_SERVER_URL_INVALID),
        ("https://-latsar.contoh.go.id", Code.SETTINGS_SERVER_URL_INVALID),
        ("http://300.1.2.3", Code.SETTINGS_SERVER_URL_INVALID),
    ],
)
def test_a_server_address_that_cannot_be_used_is_refused_under_its_field(
    server_url: str, code: Code
) -> None:
    with pytest.raises(SessionError) as refused:
        check_connection(server_url, "", "", None, None)
    assert codes(refused.value, "server_url") == [code]
    assert refused.value.messages == refused.value.field_messages("server_url")
    assert "https://latsar.contoh.go.id" in translate(refused.value.message, "id")


@pytest.mark.parametrize(
    ("proxy_url", "code"),
    [
        ("proxy.kantor.go.id", Code.SETTINGS_PROXY_URL_INVALID),  # no port
        ("socks5://proxy.kantor.go.id:1080", Code.SETTINGS_PROXY_URL_INVALID),
        ("http://proxy.kantor.go.id:8080/jalur", Code.SETTINGS_PROXY_URL_INVALID),
        ("http://proxy.kantor.go.id:port", Code.SETTINGS_PROXY_URL_INVALID),
        ("http://budi:rahasia@proxy.kantor.go.id:8080", Code.SETTINGS_PROXY_URL_CREDENTIALS),
    ],
)
def test_a_proxy_address_that_cannot_be_used_is_refused_under_its_field(
    proxy_url: str, code: Code
) -> None:
    with pytest.raises(SessionError) as refused:
        check_connection(VALID_SERVER, proxy_url, "", None, None)
    assert codes(refused.value, "proxy_url") == [code]
    assert codes(refused.value, "server_url") == []


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (("  latsar.contoh.go.id  ", ""), ("https://latsar.contoh.go.id", "")),
        (
            ("HTTP://127.0.0.1:8000/", "proxy.kantor.go.id:8080"),
            ("http://127.0.0.1:8000", "http://proxy.kantor.go.id:8080"),
        ),
        (
            ("https://Latsar.Contoh.go.id/latsar/", "https://[::1]:3128/"),
            ("https://latsar.contoh.go.id/latsar", "https://[::1]:3128"),
        ),
    ],
)
def test_addresses_are_kept_trimmed_with_their_scheme(
    typed: tuple[str, str], kept: tuple[str, str]
) -> None:
    """Without a scheme, a server is https:// and a proxy http://; a trailing / goes."""
    checked = check_connection(*typed, "", None, None)
    assert (checked.server_url, checked.proxy_url) == kept
    assert checked.proxy is None


def test_the_proxy_user_and_password_go_together_and_with_a_proxy() -> None:
    proxy = "http://proxy.kantor.go.id:8080"
    kept = ProxyCredentials(PROXY_USER, PROXY_PASSWORD, proxy)
    with pytest.raises(SessionError) as no_proxy:
        check_connection(VALID_SERVER, "", PROXY_USER, "x", None)
    assert codes(no_proxy.value, "proxy_url") == [Code.SETTINGS_PROXY_URL_NEEDED]
    with pytest.raises(SessionError) as no_user:
        check_connection(VALID_SERVER, proxy, "  ", "x", None)
    assert codes(no_user.value, "proxy_user") == [Code.SETTINGS_PROXY_USER_NEEDED]
    with pytest.raises(SessionError) as colon:
        check_connection(VALID_SERVER, proxy, "kantor:budi", "x", None)
    assert codes(colon.value, "proxy_user") == [Code.SETTINGS_PROXY_USER_INVALID]
    # None keeps the kept password, also under a corrected user; "" removes it
    assert check_connection(VALID_SERVER, proxy, " budi ", None, kept).proxy == (
        ProxyCredentials("budi", PROXY_PASSWORD, proxy)
    )
    assert check_connection(VALID_SERVER, proxy, PROXY_USER, "", kept).proxy == (
        ProxyCredentials(PROXY_USER, "", proxy)
    )
    # the kept password was typed for another proxy: it does not go to this one
    elsewhere = ProxyCredentials(PROXY_USER, PROXY_PASSWORD, "http://proxy.lain.go.id:8080")
    assert check_connection(VALID_SERVER, proxy, PROXY_USER, None, elsewhere).proxy == (
        ProxyCredentials(PROXY_USER, "", proxy)
    )
    # no user: no credentials, whatever was kept
    assert check_connection(VALID_SERVER, proxy, "", None, kept).proxy is None
    assert check_connection(VALID_SERVER, proxy, "", "", kept).proxy is None


def test_every_wrong_field_is_told_at_once_and_nothing_is_kept(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    machine = MachineStore(tmp_path / "pc")
    sessions.append(session := sign_in(machine, demo_server.url, BUDI))
    proxy = "http://127.0.0.1:3128"
    before = session.set_connection_settings(demo_server.url, proxy, PROXY_USER, "lama")
    assert (before.proxy_user, before.proxy_password_set) == (PROXY_USER, True)
    with pytest.raises(SessionError) as refused:
        session.set_connection_settings("ftp://x", "http://proxy:8080/x", "", "baru")
    error = refused.value
    assert codes(error, "server_url") == [Code.SETTINGS_SERVER_URL_INVALID]
    assert codes(error, "proxy_url") == [Code.SETTINGS_PROXY_URL_INVALID]
    assert codes(error, "proxy_user") == [Code.SETTINGS_PROXY_USER_NEEDED]
    assert error.general_messages() == ()
    for message in error.messages:  # Indonesian first, and English too
        assert translate(message, "id") != translate(message, "en")
    assert session.connection_settings() == before
    assert machine.setting(SERVER_URL_SETTING) == demo_server.url
    assert machine.setting(HTTP_PROXY_SETTING) == proxy


# ------------------------------------------------------------------------ 2. a new server


def test_a_new_server_address_is_where_the_next_sync_goes(
    tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    """The server moved: the same service (its database and secret) at another address.
    With the old address dead, a sync can only succeed at the new one."""
    (tmp_path / "server").mkdir()
    settings = sqlite_settings(tmp_path / "server")
    machine = MachineStore(tmp_path / "pc")
    with running_server(settings) as old:
        load_demo(old)
        sessions.append(session := sign_in(machine, old.url, BUDI))
        record(session, 2)
        assert session.sync().consistent  # a client with a connection to the old address
    with running_server(settings) as new:
        record(session, 1)
        with pytest.raises(SyncError) as gone:
            session.sync()
        assert gone.value.kind is SyncErrorKind.OFFLINE
        saved = session.set_connection_settings(f"  {new.url}/ ", "", "", None)
        assert saved.server_url == new.url
        assert machine.setting(SERVER_URL_SETTING) == new.url  # for every profile
        report = session.sync()
        assert report.consistent
        assert session.pending_count() == 0
        assert session.api.base_url == new.url
        session.sign_out()


def test_a_sync_running_when_the_address_changes_finishes_on_its_own_client(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    port = urlsplit(demo_server.url).port or 80
    machine = MachineStore(tmp_path / "pc")
    with FaultProxy("127.0.0.1", port) as relay:
        sessions.append(session := sign_in(machine, relay.url, SITI))
        record(session, 2)
        old = session.api
        relay.reset_counters()
        relay.hold_response(once=True)  # the sync's answer waits at the relay
        results: list[object] = []
        running = threading.Thread(target=lambda: results.append(session.sync()))
        running.start()
        try:
            assert wait_until(lambda: relay.requests == 1, 10)
            session.set_connection_settings(demo_server.url, "", "", None)
            assert not old._client.is_closed  # the sync still uses it
            assert session.api is not old
        finally:
            relay.release()
            running.join(30)
        [report] = results
        assert isinstance(report, SessionSyncReport)
        assert report.consistent
        assert old._client.is_closed  # closed once nothing used it any more
        record(session, 1)
        assert session.sync().consistent
        assert relay.requests == 1  # the next sync went straight to the server
        session.sign_out()


# ------------------------------------------------------------------------ 3. the proxy


class AuthProxy:
    """A forward HTTP proxy on 127.0.0.1 that wants Basic credentials
    (``Proxy-Authorization``) and forwards to 127.0.0.1 only; 407 without them."""

    def __init__(self, user: str, password: str) -> None:
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.required = True
        self.accepted = 0
        self.refused = 0
        self.given: list[str | None] = []  # each request's Proxy-Authorization
        self.connects = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30

            def log_message(self, format: str, *args: object) -> None:
                pass

            def allowed(self) -> bool:
                """The credentials are right (counted); a 407 sent when they are not."""
                given = self.headers.get("Proxy-Authorization")
                with outer._lock:
                    outer.given.append(given)
                    ok = not outer.required or given == outer.expected
                    if ok:
                        outer.accepted += 1
                    else:
                        outer.refused += 1
                if not ok:
                    text = b"Proxy kantor: masuk dulu"
                    self.send_response(407)
                    self.send_header("Proxy-Authenticate", 'Basic realm="kantor"')
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                return ok

            def do_CONNECT(self) -> None:
                """A tunnel for an https server: refused (407) without the credentials;
                with them 502 (this proxy tunnels nowhere: no https server here)."""
                with outer._lock:
                    outer.connects += 1
                if self.allowed():
                    self.send_response(502)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def forward(self) -> None:
                target = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if not self.allowed():
                    return
                assert target.hostname == "127.0.0.1", target
                skip = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                upstream = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
                try:
                    path = target.path + (f"?{target.query}" if target.query else "")
                    upstream.request(self.command, path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in {"transfer-encoding", "connection", "content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="auth-proxy")

    def __enter__(self) -> AuthProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()  # joins the connections' threads
        self._thread.join(10)


def secret_forms(user: str, password: str) -> dict[str, bytes]:
    """The password in every form ``password_forms`` knows, and its ASCII start alone."""
    return {**password_forms(user, password), "ascii start": password.encode()[:8]}


def test_the_proxy_gets_the_profiles_credentials_sealed_and_a_wrong_password_is_told(
    demo_server: RunningServer,
    tmp_path: Path,
    debug_logs: Path,
) -> None:
    machine = MachineStore(tmp_path / "pc")
    with AuthProxy(PROXY_USER, PROXY_PASSWORD) as proxy:
        # Siti has signed in here before (a profile of hers), directly
        sign_in(machine, demo_server.url, SITI).sign_out()
        budi = sign_in(machine, demo_server.url, BUDI)
        try:
            saved = budi.set_connection_settings(
                demo_server.url, proxy.url, PROXY_USER, PROXY_PASSWORD
            )
            assert (saved.proxy_url, saved.proxy_user, saved.proxy_password_set) == (
                proxy.url,
                PROXY_USER,
                True,
            )
            record(budi, 2)
            assert budi.sync().consistent  # through the proxy, with the credentials
            assert proxy.accepted >= 1
            assert proxy.refused == 0
            # a wrong password: the proxy's refusal, told as such (not "offline")
            budi.set_connection_settings(demo_server.url, proxy.url, PROXY_USER, "salah")
            record(budi, 1)
            with pytest.raises(SyncError) as wrong:
                budi.sync()
            assert wrong.value.kind is SyncErrorKind.PROXY_REFUSED
            assert not wrong.value.link_down
            assert not wrong.value.retryable
            told = budi.message_for(wrong.value)
            assert told.code is Code.SYNC_ERROR_PROXY_REFUSED
            assert "proksi" in translate(told, "id").lower()
            assert proxy.refused == 1
            # the right one again, the password left as kept when not typed
            budi.set_connection_settings(demo_server.url, proxy.url, PROXY_USER, PROXY_PASSWORD)
            again = budi.set_connection_settings(demo_server.url, proxy.url, PROXY_USER, None)
            assert again.proxy_password_set
            assert budi.sync().consistent
        finally:
            budi.sign_out()

        # Siti: the machine's proxy, but not Budi's credentials. Her sign-in falls back
        # offline (the sign-in has no proxy credentials), and her sync is refused
        refused_before = proxy.refused
        siti = sign_in(machine, None, SITI)
        try:
            assert not siti.online
            assert siti.offline_reason is not None
            assert siti.offline_reason.code is Code.SYNC_ERROR_PROXY_REFUSED
            mine = siti.connection_settings()
            assert (mine.proxy_url, mine.proxy_user, mine.proxy_password_set) == (
                proxy.url,
                "",
                False,
            )
            with pytest.raises(SyncError) as hers:
                siti.sync()
            assert hers.value.kind is SyncErrorKind.PROXY_REFUSED
            assert proxy.refused == refused_before + 2  # her sign-in, her sync
        finally:
            siti.sign_out()
        rows = {p.nip: p for p in machine.profiles()}
        assert rows[BUDI["nip"]].sealed_proxy
        assert rows[SITI["nip"]].sealed_proxy is None
        siti_key = check_nik(SITI["nik"], rows[SITI["nip"]].nik_verifier or "")
        assert siti_key is not None
        sealed = rows[BUDI["nip"]].sealed_proxy or ""
        with pytest.raises(CredentialsUnreadable):  # Budi's blob, Siti's key
            open_proxy_credentials(sealed, siti_key, rows[BUDI["nip"]].id)
        assert machine.proxy_credentials(rows[BUDI["nip"]].id, siti_key) is None
        budi_key = check_nik(BUDI["nik"], rows[BUDI["nip"]].nik_verifier or "")
        assert budi_key is not None
        with pytest.raises(CredentialsUnreadable):  # nor is it a token blob, or his tokens it
            open_tokens(sealed, budi_key, rows[BUDI["nip"]].id)
        with pytest.raises(CredentialsUnreadable):
            open_proxy_credentials(
                rows[BUDI["nip"]].sealed_tokens or "", budi_key, rows[BUDI["nip"]].id
            )

        # Budi again, with a wrong NIK: it opens no credentials, the proxy refuses the
        # sign-in, and the offline check refuses the NIK (counted as offline tries are)
        refused_before = proxy.refused
        with pytest.raises(SessionError) as wrong_nik:
            sign_in(machine, None, BUDI, nik="3273011405909999")
        assert [m.code for m in wrong_nik.value.messages][:1] == [Code.SIGNIN_WRONG_NIK_OFFLINE]
        assert proxy.refused == refused_before + 1
        # his NIK opens his credentials before the login: his sign-in is ONLINE, through
        # the proxy, and makes a new key (the credentials sealed again under it, still used)
        accepted_before = proxy.accepted
        budi = sign_in(machine, None, BUDI)
        try:
            assert budi.online
            assert proxy.accepted == accepted_before + 1  # the login, through the proxy
            assert proxy.refused == refused_before + 1
            row = machine.profile_by_nip(BUDI["nip"])
            assert row is not None
            assert row.sealed_proxy not in (None, sealed)
            kept = budi.connection_settings()
            assert (kept.proxy_user, kept.proxy_password_set) == (PROXY_USER, True)
            record(budi, 1)
            assert budi.sync().consistent
        finally:
            budi.sign_out()
        assert proxy.accepted >= 4

    # not one byte of the password (or the header made of it) on this computer or in the log
    files = client_files(machine.root) + log_files(debug_logs)
    logged = b"".join(path.read_bytes() for path in log_files(debug_logs))
    assert b"POST http://127.0.0.1" in logged  # httpx: each request, as sent via the proxy
    assert b" DEBUG [" in logged  # httpcore's and the others' DEBUG records too
    found = [
        (path.name, form)
        for path in files
        for form, needle in secret_forms(PROXY_USER, PROXY_PASSWORD).items()
        if needle in path.read_bytes()
    ]
    assert found == []


def test_a_proxy_refusing_a_connect_is_told_as_the_proxys_refusal() -> None:
    """For an https server the proxy answers the CONNECT: httpx raises ProxyError."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ProxyError("407 Proxy Authentication Required", request=request)

    api = ApiClient("https://latsar.contoh.go.id", uuid4(), transport=httpx.MockTransport(refuse))
    try:
        with pytest.raises(SyncError) as refused:
            api.health()
    finally:
        api.close()
    assert refused.value.kind is SyncErrorKind.PROXY_REFUSED
    assert "407" in refused.value.detail


def test_proxy_credentials_go_only_to_the_proxy_they_were_typed_for(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Budi's user and password are sealed with his proxy's address. When another profile
    sets another proxy, they are not sent there (that proxy would take them: it wants the
    same ones), and his settings show none kept for it; back at his proxy, they are his
    again."""
    machine = MachineStore(tmp_path / "pc")
    with (
        AuthProxy(PROXY_USER, PROXY_PASSWORD) as his,
        AuthProxy(PROXY_USER, PROXY_PASSWORD) as other,
    ):
        sign_in(machine, demo_server.url, SITI).sign_out()
        budi = sign_in(machine, demo_server.url, BUDI)
        try:
            budi.set_connection_settings(demo_server.url, his.url, PROXY_USER, PROXY_PASSWORD)
            record(budi, 1)
            assert budi.sync().consistent
            assert his.accepted >= 1
        finally:
            budi.sign_out()
        siti = sign_in(machine, None, SITI)  # no credentials of hers: offline
        try:
            assert not siti.online
            siti.set_connection_settings(demo_server.url, other.url, "", None)
        finally:
            siti.sign_out()
        assert other.given == []

        budi = sign_in(machine, None, BUDI)
        try:
            assert not budi.online  # the other proxy refused the login without credentials
            shown = budi.connection_settings()
            assert (shown.proxy_url, shown.proxy_user, shown.proxy_password_set) == (
                other.url,
                "",
                False,
            )
            record(budi, 1)
            with pytest.raises(SyncError) as refused:
                budi.sync()
            assert refused.value.kind is SyncErrorKind.PROXY_REFUSED
            # his user typed for the other proxy, the password left empty: not carried over
            moved = budi.set_connection_settings(demo_server.url, other.url, PROXY_USER, None)
            assert (moved.proxy_user, moved.proxy_password_set) == (PROXY_USER, False)
            with pytest.raises(SyncError):
                budi.sync()
            assert other.accepted == 0
            assert set(other.given) <= {None, f"Basic {base64.b64encode(b'budi.kantor:').decode()}"}
            # his password again, for his proxy; then anyone sets the other address
            budi.set_connection_settings(demo_server.url, his.url, PROXY_USER, PROXY_PASSWORD)
            machine.set_setting(HTTP_PROXY_SETTING, other.url)
            assert budi.connection_settings().proxy_password_set is False
        finally:
            budi.sign_out()
        budi = sign_in(machine, None, BUDI)  # his NIK opens them, but not for this proxy
        try:
            assert not budi.online
            # back at his proxy, the password left empty: the one he typed for it
            back = budi.set_connection_settings(demo_server.url, his.url, PROXY_USER, None)
            assert (back.proxy_user, back.proxy_password_set) == (PROXY_USER, True)
            assert budi.sync().consistent
        finally:
            budi.sign_out()
    assert other.accepted == 0
    assert his.expected not in other.given
    assert other.refused == len(other.given) >= 4


def test_a_connect_refused_by_the_proxy_is_told_as_the_proxys_refusal(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    """An https server through a proxy: the proxy answers the CONNECT with 407 when the
    credentials are wrong; the participant is told it is the proxy's refusal."""
    machine = MachineStore(tmp_path / "pc")
    with AuthProxy(PROXY_USER, PROXY_PASSWORD) as proxy:
        sessions.append(session := sign_in(machine, demo_server.url, BUDI))
        server = "https://127.0.0.1:9"  # never reached: the tunnel is refused first
        session.set_connection_settings(server, proxy.url, PROXY_USER, "salah")
        record(session, 1)
        with pytest.raises(SyncError) as refused:
            session.sync()
        assert refused.value.kind is SyncErrorKind.PROXY_REFUSED
        assert "407" in refused.value.detail
        assert (proxy.connects, proxy.refused, proxy.accepted) == (1, 1, 0)
        told = session.message_for(refused.value)
        assert told.code is Code.SYNC_ERROR_PROXY_REFUSED
        session.sign_out()


def test_a_sign_out_waits_for_connection_settings_being_saved(
    demo_server: RunningServer,
    tmp_path: Path,
    sessions: list[ParticipantSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Saving the settings is a piece of work: a sign-out begun meanwhile keeps the profile
    locked until the save is done, and then closes the client it replaced."""
    machine = MachineStore(tmp_path / "pc")
    sessions.append(session := sign_in(machine, demo_server.url, BUDI))
    old = session.api
    saving, go = threading.Event(), threading.Event()
    save = machine.save_connection

    def slow_save(*args: object, **kwargs: object) -> bool:
        saving.set()
        assert go.wait(30)
        return save(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(machine, "save_connection", slow_save)
    saved: list[object] = []
    setter = threading.Thread(
        target=lambda: saved.append(session.set_connection_settings(demo_server.url, "", "", None))
    )
    setter.start()
    signing_out = threading.Thread(target=session.sign_out)
    try:
        assert saving.wait(30)
        signing_out.start()
        assert wait_until(lambda: not session.signed_in, 30)
        assert session._lock is not None
        assert session._lock.is_locked  # the sign-out waits for the save
        assert not old._client.is_closed
    finally:
        go.set()
        setter.join(30)
        signing_out.join(30)
    assert not setter.is_alive()
    assert not signing_out.is_alive()
    assert [type(s).__name__ for s in saved] == ["ConnectionSettings"]
    assert not session._lock.is_locked  # released after the save
    assert old._client.is_closed
