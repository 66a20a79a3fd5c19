"""The httpx client of the central server's API: typed answers, typed errors, tokens.

Every call has per-operation timeouts and an overall deadline (``margin + bytes /
slowest_link``, see ``sync/deadline.py``): an answer trickled in ends at its deadline as
OFFLINE, like any timeout. Every call takes an optional ``CancelToken``; cancelled, even
in flight, it raises CANCELLED and returns nothing half-read. HTTPS certificates are
verified against certifi's authorities plus those of ``SSL_CERT_FILE``/``SSL_CERT_DIR``
(an office's TLS-inspecting proxy), wherever the proxy comes from: the environment
(``HTTPS_PROXY`` …) or the settings (then httpx itself ignores the environment). A
proxy that refuses its user and password (407, on a plain request or on a CONNECT) is
PROXY_REFUSED: the participant is told to check the proxy settings.
An expired access token is refreshed automatically, once for all the calls (a sync and
downloads, on several threads) that found it expired at the same time, and the new
tokens are handed to ``on_tokens`` so the caller can keep them (sealed) for the next
start. One client may be used from several threads at once.
"""

from __future__ import annotations

import gzip
import logging
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

import certifi
import httpx
from pydantic import BaseModel, ValidationError

from latsar_desktop import __version__
from latsar_desktop.domain.protocol import (
    BEARER,
    HEADER_APP_VERSION,
    HEADER_AUTHORIZATION,
    HEADER_PROTOCOL,
    PROTOCOL_VERSION,
    CoursePackage,
    DevicesResponse,
    ErrorBody,
    HealthResponse,
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    RefreshResponse,
    SyncRequest,
    SyncResponse,
    Tokens,
    VerifyAnswer,
)
from latsar_desktop.store.credentials import ProxyCredentials
from latsar_desktop.store.machine import HTTP_PROXY_SETTING as HTTP_PROXY_SETTING
from latsar_desktop.store.machine import SERVER_URL_SETTING as SERVER_URL_SETTING
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.cancel import CancelToken, check
from latsar_desktop.sync.deadline import (
    DEADLINE_MARGIN,
    POLL,
    SLOWEST_LINK,
    CallLimit,
    current,
    install,
    limited,
)
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

Model = TypeVar("Model", bound=BaseModel)
ProgressCallback = Callable[[int, int], None]
GZIP_ABOVE = 4096  # bytes of JSON: smaller requests are not worth compressing
CLOCK_SKEW_LIMIT = timedelta(minutes=5)
HEALTH_SECONDS = 5.0  # the whole of a connectivity probe (GET /health)
log = logging.getLogger(__name__)


def tls_context() -> ssl.SSLContext:
    """The authorities an HTTPS call trusts: certifi's, plus those of the files named by
    ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` when set (added, not instead: a laptop that
    leaves the office still reaches the server directly). httpx reads these variables
    only when it also takes its proxy from the environment; this context is passed
    whatever the proxy source. A variable that names nothing readable is logged and
    left out."""
    context = ssl.create_default_context(cafile=certifi.where())
    for variable, option in (("SSL_CERT_FILE", "cafile"), ("SSL_CERT_DIR", "capath")):
        location = os.environ.get(variable)
        if not location:
            continue
        try:
            context.load_verify_locations(**{option: location})
        except (OSError, ssl.SSLError) as exc:
            log.warning("%s=%s is not used: %s", variable, location, exc)
    return context


class SendWatch:
    """Notes a failure while sending a request, through httpx's ``trace`` extension.

    httpcore hides an error while writing the request and reads on (a server may answer
    early), so the error that surfaces later says only that no answer came.
    """

    def __init__(self) -> None:
        self.failure: BaseException | None = None

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event.startswith("http11.send_request_") and event.endswith(".failed"):
            self.failure = info.get("exception")


class _Watched(httpx.SyncByteStream):
    """An answer's body stream that reports ``(received, total)`` bytes as they arrive
    (as on the wire, before decompression; total 0 when the answer gave no length) and
    stops between chunks when ``cancel`` is cancelled (even chunks already buffered)."""

    def __init__(
        self,
        inner: httpx.SyncByteStream,
        total: int,
        report: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> None:
        self._inner = inner
        self._total = total
        self._report = report or (lambda done, total: None)
        self._cancel = cancel

    def __iter__(self) -> Iterator[bytes]:
        done = 0
        self._report(done, self._total)
        for chunk in self._inner:
            if self._cancel is not None and self._cancel.cancelled:
                where = _receiving(done, self._total or None)
                raise SyncError(SyncErrorKind.CANCELLED, f"stopped on request {where}")
            done += len(chunk)
            self._report(done, self._total)
            yield chunk

    def close(self) -> None:
        self._inner.close()


@dataclass(frozen=True)
class Traffic:
    requests: int = 0
    sent: int = 0  # request body bytes as sent (after gzip)
    received: int = 0  # response body bytes as received (before decompression)


@dataclass
class ApiClient:
    """One participant's connection to the server (one per profile).

    ``timeout`` is httpx's per-operation timeout (connect at most 10 s); ``deadline_margin``
    (seconds) and ``slowest_link`` (bytes per second) make each call's overall deadline.
    ``proxy`` is the proxy's URL (None: the environment's, if any); ``proxy_auth`` its
    user and password (Basic), handed to httpx as ``httpx.Proxy(proxy, auth=(user,
    password))`` (never written into a URL, so nothing needs percent-encoding), not in
    the repr. They are sent to ``proxy`` whatever address ``proxy_auth`` names: the
    caller checks that (``client_for``).
    """

    base_url: str
    device_id: UUID
    tokens: Tokens | None = None
    on_tokens: Callable[[Tokens], None] | None = None
    proxy: str | None = None
    proxy_auth: ProxyCredentials | None = field(default=None, repr=False)
    timeout: float = 30.0
    transport: httpx.BaseTransport | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    deadline_margin: float = DEADLINE_MARGIN
    slowest_link: float = SLOWEST_LINK

    def __post_init__(self) -> None:
        proxy: httpx.Proxy | str | None = self.proxy
        if self.proxy and self.proxy_auth is not None:
            auth = (self.proxy_auth.user, self.proxy_auth.password)
            proxy = httpx.Proxy(self.proxy, auth=auth)
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
            headers={HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_APP_VERSION: __version__},
            proxy=proxy,
            trust_env=self.proxy is None,
            verify=tls_context(),
            transport=self.transport,
            follow_redirects=False,
        )
        install(self._client)
        self._lock = threading.Lock()
        self._refreshing = threading.RLock()  # one token refresh at a time
        self.traffic = Traffic()
        self.clock_skew: timedelta | None = None

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ calls

    def login(
        self, nip: str, nik: str, device_name: str, *, cancel: CancelToken | None = None
    ) -> LoginResponse:
        body = LoginRequest(nip=nip, nik=nik, device_id=self.device_id, device_name=device_name)
        answer = self._call(
            "POST", "/api/v1/auth/login", body, LoginResponse, auth=False, cancel=cancel
        )
        self._set_tokens(answer.tokens)
        self._note_clock(answer.server_time)
        return answer

    def refresh(self, *, cancel: CancelToken | None = None) -> RefreshResponse:
        with self._refreshing:
            if self.tokens is None:
                raise SyncError(SyncErrorKind.AUTH_EXPIRED, "no tokens")
            body = RefreshRequest(refresh_token=self.tokens.refresh_token, device_id=self.device_id)
            try:
                answer = self._call(
                    "POST", "/api/v1/auth/refresh", body, RefreshResponse, auth=False, cancel=cancel
                )
            except SyncError as exc:
                if exc.kind is SyncErrorKind.REJECTED and exc.body is not None:
                    raise SyncError(SyncErrorKind.AUTH_EXPIRED, exc.detail, exc.body) from exc
                raise
            self._set_tokens(answer.tokens)
            return answer

    def sync(
        self, request: SyncRequest | bytes, *, cancel: CancelToken | None = None
    ) -> SyncResponse:
        """One sync request: a ``SyncRequest``, or its JSON made already (the engine's
        ``request_body``)."""
        answer = self._call("POST", "/api/v1/sync", request, SyncResponse, cancel=cancel)
        self._note_clock(answer.server_time)
        return answer

    def devices(self, *, cancel: CancelToken | None = None) -> DevicesResponse:
        """The participant's devices that are not revoked (``current``: this one)."""
        return self._call("GET", "/api/v1/devices", None, DevicesResponse, cancel=cancel)

    def revoke_device(self, device_id: UUID | str, *, cancel: CancelToken | None = None) -> None:
        """Revoke another of the participant's devices (204). Refused (REJECTED, with the
        server's code): this device itself (``device.is_current``), a device that is not
        the participant's (``device.unknown``)."""
        path = f"/api/v1/devices/{quote(str(device_id), safe='')}/revoke"
        self._send("POST", path, None, {}, cancel=cancel)

    def verify(self, code: str, *, cancel: CancelToken | None = None) -> VerifyAnswer:
        """``GET /verify/{code}?format=json`` (no sign-in needed): the server's word on a
        certificate's verification code. An unknown code is an answer (404 with a
        ``VerifyAnswer`` body, status ``unknown``), not an error."""
        path = f"/verify/{quote(code, safe='')}?format=json"
        response = self._send("GET", path, None, {}, auth=False, cancel=cancel, answers=(404,))
        if response.status_code == 404:
            try:
                return VerifyAnswer.model_validate_json(response.content)
            except ValidationError:
                self._raise_for(response)  # no such path on this server: its error body
        return self._parse(response, VerifyAnswer)

    def package(
        self,
        course_id: str,
        etag: str | None = None,
        *,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
    ) -> tuple[CoursePackage | None, str]:
        """The course package, or None when unchanged since ``etag`` (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        path = f"/api/v1/courses/{course_id}/package"
        response = self._send("GET", path, None, headers, cancel=cancel, progress=progress)
        if response.status_code == 304:
            return None, etag or ""
        return self._parse(response, CoursePackage), response.headers.get("ETag", "")

    def health(
        self, within: float = HEALTH_SECONDS, *, cancel: CancelToken | None = None
    ) -> HealthResponse:
        """``GET /health``, all of it within ``within`` seconds (a connectivity probe)."""
        return self._call(
            "GET", "/health", None, HealthResponse, auth=False, cancel=cancel, within=within
        )

    @contextmanager
    def stream_asset(
        self,
        sha256: str,
        start: int = 0,
        *,
        url: str | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[httpx.Response]:
        """A content file, from byte ``start`` on (Range); the caller reads the body
        inside the ``with`` block, under the call's deadline (the ranged part's length at
        the slowest link) and ``cancel``.

        ``url``: the file's address on a static host (the package's ``ContentRef.url``),
        fetched instead of ``/api/v1/assets/<sha256>``, through the same proxy, but never
        with the Authorization header: the participant's token does not go to a CDN (and
        a 401 there is an error like any other, not an expired token)."""
        renew = url is None
        with self._stream_asset(sha256, start, cancel, renew=renew, url=url) as response:
            yield response

    @contextmanager
    def _stream_asset(
        self,
        sha256: str,
        start: int,
        cancel: CancelToken | None,
        *,
        renew: bool,
        url: str | None = None,
    ) -> Iterator[httpx.Response]:
        check(cancel)
        used = self.tokens
        headers = self._auth_headers(used) if url is None else {}
        if start:
            headers["Range"] = f"bytes={start}-"
        answer: httpx.Response | None = None  # set once the answer's head has arrived
        watch = SendWatch()
        path = f"/api/v1/assets/{sha256}" if url is None else url
        with limited(self._limit(0, cancel)) as limit:
            try:
                with self._client.stream(
                    "GET", path, headers=headers, extensions={"trace": watch}
                ) as r:
                    answer = r
                    limit.answer_arrived(r)
                    if r.status_code == 401:
                        r.read()  # the error body, before looking at it
                    if r.status_code == 401 and renew and self._refresh_after(r, used, cancel):
                        r.close()  # once, like every call: then a 401 is an answer
                        with self._stream_asset(sha256, start, cancel, renew=False) as again:
                            yield again
                        return
                    if r.status_code not in (200, 206):
                        r.read()
                        self._raise_for(r)
                    yield r
            except httpx.TransportError as exc:
                raise self.link_failure(exc, answer, watch) from exc

    def link_failure(
        self,
        exc: httpx.TransportError,
        answer: httpx.Response | None = None,
        watch: SendWatch | None = None,
    ) -> SyncError:
        """The error for a call of this thread that failed on the link: CANCELLED when its
        token was cancelled, OFFLINE naming the deadline when that passed, else OFFLINE
        naming how the link failed (see ``link_failure``)."""
        limit = current()
        if limit is not None:
            stopped = _stopped(limit, answer)
            if stopped is not None:
                return stopped
        sending = watch.failure if watch is not None else None
        return link_failure(exc, self._client.timeout, answer, sending)

    # ------------------------------------------------------------------ plumbing

    def _set_tokens(self, tokens: Tokens) -> None:
        self.tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)

    def _note_clock(self, server_time: datetime) -> None:
        skew = self.clock() - server_time
        self.clock_skew = skew if abs(skew) > CLOCK_SKEW_LIMIT else None

    @staticmethod
    def _auth_headers(tokens: Tokens | None) -> dict[str, str]:
        if tokens is None:
            raise SyncError(SyncErrorKind.AUTH_EXPIRED, "not signed in")
        return {HEADER_AUTHORIZATION: f"{BEARER} {tokens.access_token}"}

    def _limit(
        self, sent: int, cancel: CancelToken | None, within: float | None = None
    ) -> CallLimit:
        return CallLimit(sent, self.deadline_margin, self.slowest_link, cancel, within)

    def _call(
        self,
        method: str,
        path: str,
        body: BaseModel | bytes | None,
        answer: type[Model],
        *,
        auth: bool = True,
        cancel: CancelToken | None = None,
        within: float | None = None,
    ) -> Model:
        response = self._send(method, path, body, {}, auth=auth, cancel=cancel, within=within)
        return self._parse(response, answer)

    def _send(
        self,
        method: str,
        path: str,
        body: BaseModel | bytes | None,
        headers: dict[str, str],
        *,
        auth: bool = True,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
        within: float | None = None,
        answers: tuple[int, ...] = (),
    ) -> httpx.Response:
        """One call, its answer read whole under the call's deadline and ``cancel``;
        ``within`` replaces the deadline rule (and the timeouts) with a fixed limit;
        ``answers``: error statuses returned as answers instead of raised."""
        content = body.model_dump_json().encode() if isinstance(body, BaseModel) else body
        headers = {**headers}
        if content is not None:
            headers["Content-Type"] = "application/json"
            if len(content) > GZIP_ABOVE:
                content = gzip.compress(content, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        timeout = httpx.Timeout(within) if within is not None else httpx.USE_CLIENT_DEFAULT
        for attempt in (1, 2):
            check(cancel)
            used = self.tokens  # the tokens this try sends
            sent = {**headers, **(self._auth_headers(used) if auth else {})}
            watch = SendWatch()
            request = self._client.build_request(
                method,
                path,
                content=content,
                headers=sent,
                extensions={"trace": watch},
                timeout=timeout,
            )
            with limited(self._limit(len(content or b""), cancel, within)) as limit:
                try:  # the head first, then the body: a failure names how far the call got
                    response = self._client.send(request, stream=True)
                except httpx.TransportError as exc:
                    raise self.link_failure(exc, None, watch) from exc
                except httpx.HTTPError as exc:
                    detail = f"{type(exc).__name__}: {exc}"
                    raise SyncError(SyncErrorKind.BAD_RESPONSE, detail) from exc
                limit.answer_arrived(response)
                if progress is not None or cancel is not None:
                    assert isinstance(response.stream, httpx.SyncByteStream)
                    total = _content_length(response) or 0
                    response.stream = _Watched(response.stream, total, progress, cancel)
                try:
                    response.read()
                except httpx.TransportError as exc:
                    raise self.link_failure(exc, response) from exc
                except httpx.HTTPError as exc:  # e.g. a body that does not decode
                    detail = f"answer does not decode: {type(exc).__name__}: {exc}"
                    raise SyncError(SyncErrorKind.BAD_RESPONSE, detail) from exc
                finally:
                    response.close()
            self._count(len(content or b""), response)
            if (
                auth
                and attempt == 1
                and response.status_code == 401
                and self._refresh_after(response, used, cancel)
            ):
                continue
            if response.status_code >= 400 and response.status_code not in answers:
                self._raise_for(response)
            return response
        raise AssertionError("unreachable")

    def _count(self, sent: int, response: httpx.Response) -> None:
        received = _content_length(response)
        if received is None:
            received = len(response.content)
        with self._lock:
            self.traffic = Traffic(
                self.traffic.requests + 1,
                self.traffic.sent + sent,
                self.traffic.received + received,
            )

    def _refresh_after(
        self, response: httpx.Response, used: Tokens | None, cancel: CancelToken | None
    ) -> bool:
        """On an expired access token, see that it is refreshed; True when the call can be
        retried.

        One refresh at a time (a lock): calls that found the token expired together wait
        for the first one's refresh, and a call that sent older tokens than the current
        ones just retries with the current ones instead of refreshing again.
        """
        body = self._error_body(response)
        if body is None or body.error.code != "auth.token_expired":
            return False
        while not self._refreshing.acquire(timeout=POLL):
            check(cancel)  # waiting for another call's refresh can be stopped too
        try:
            now = self.tokens
            renewed = now is not None and (used is None or now.access_token != used.access_token)
            if not renewed:
                self.refresh(cancel=cancel)
        finally:
            self._refreshing.release()
        return True

    @staticmethod
    def _error_body(response: httpx.Response) -> ErrorBody | None:
        try:
            return ErrorBody.model_validate_json(response.content)
        except ValidationError:
            return None

    def _raise_for(self, response: httpx.Response) -> None:
        body = self._error_body(response)
        status = response.status_code
        named = f"HTTP {status} {response.reason_phrase}".rstrip()
        if body is not None:
            named += f" ({body.error.code})"
        if status == 426:
            raise SyncError(SyncErrorKind.CLIENT_TOO_OLD, named, body)
        if status == 407:  # the proxy's answer, not the server's
            raise SyncError(SyncErrorKind.PROXY_REFUSED, named)
        if status >= 500:
            raise SyncError(SyncErrorKind.SERVER_ERROR, named, body)
        if body is None:
            raise SyncError(SyncErrorKind.BAD_RESPONSE, f"{named} without an error body")
        if status in (401, 403) and body.error.code.startswith("auth."):
            raise SyncError(SyncErrorKind.AUTH_EXPIRED, body.error.code, body)
        raise SyncError(SyncErrorKind.REJECTED, body.error.code, body)

    @staticmethod
    def _parse(response: httpx.Response, answer: type[Model]) -> Model:
        kind = response.headers.get("Content-Type", "")
        if "application/json" not in kind:
            raise SyncError(SyncErrorKind.BAD_RESPONSE, f"{kind or 'untyped'} answer, not JSON")
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            raise SyncError(
                SyncErrorKind.BAD_RESPONSE, f"{answer.__name__}: {exc.error_count()} errors"
            ) from exc


def _stopped(limit: CallLimit, answer: httpx.Response | None) -> SyncError | None:
    """CANCELLED or the deadline's OFFLINE when ``limit`` explains a failure, else None."""
    if answer is None:
        where = "before any answer"
    else:
        where = _receiving(answer.num_bytes_downloaded, _content_length(answer))
    if limit.cancelled:
        return SyncError(SyncErrorKind.CANCELLED, f"stopped on request {where}")
    if limit.passed():
        return SyncError(SyncErrorKind.OFFLINE, f"{limit.describe()} {where}")
    return None


def link_failure(
    exc: httpx.TransportError,
    timeout: httpx.Timeout,
    answer: httpx.Response | None = None,
    sending: BaseException | None = None,
) -> SyncError:
    """The error for a link that failed during one call: always OFFLINE (retryable).

    ``answer`` is the response whose head had arrived when the body broke off, or None
    when the failure came before any answer; ``sending`` is the error, if any, that
    writing the request met (see ``SendWatch``). A response cut short (the connection closed,
    reset or stalled inside the body, or a body shorter than its Content-Length) is OFFLINE
    too, not BAD_RESPONSE: on the wire it is the same as a link that died while receiving,
    the server may have processed the request, and a retry is safe because sync is
    idempotent. The detail says what happened, in English, for the logs.
    """
    if answer is not None:
        if isinstance(exc, httpx.TimeoutException):
            what = f"no data for {_seconds(timeout.read)}"
        elif _was_reset(exc):
            what = "connection reset"
        else:
            what = "connection cut"
        where = _receiving(answer.num_bytes_downloaded, _content_length(answer))
        return SyncError(SyncErrorKind.OFFLINE, f"{what} {where}")
    if isinstance(exc, httpx.ConnectTimeout):
        detail = f"could not connect within {_seconds(timeout.connect)}"
    elif isinstance(exc, httpx.ConnectError):
        detail = f"could not connect: {exc}"
    elif isinstance(exc, httpx.PoolTimeout):
        detail = f"no free connection within {_seconds(timeout.pool)}"
    elif isinstance(exc, httpx.WriteTimeout):
        detail = f"could not send the request within {_seconds(timeout.write)}"
    elif isinstance(exc, httpx.ReadTimeout):
        detail = f"no answer within {_seconds(timeout.read)}"
    elif isinstance(exc, httpx.WriteError) or sending is not None:
        what = "connection reset" if _was_reset(sending or exc) else "connection cut"
        detail = f"{what} while sending the request"
    elif _was_reset(exc):
        detail = "connection reset before any answer"
    elif isinstance(exc, httpx.RemoteProtocolError):
        detail = "connection closed before any answer"
    elif isinstance(exc, httpx.ProxyError):
        if str(exc).startswith("407"):  # a CONNECT refused for want of the right password
            return SyncError(SyncErrorKind.PROXY_REFUSED, f"the proxy refused: {exc}")
        detail = f"the proxy failed: {exc}"
    else:
        detail = f"no answer: {type(exc).__name__}: {exc}"
    return SyncError(SyncErrorKind.OFFLINE, detail)


def _content_length(response: httpx.Response) -> int | None:
    """The answer's announced length (as on the wire); None when it gave none."""
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def _receiving(received: int, total: int | None) -> str:
    """Where a call broke off inside an answer, for the logs (``total``: its length)."""
    of = "" if total is None else f" of {total}"
    return f"while receiving the answer (received {received}{of} bytes)"


def _seconds(limit: float | None) -> str:
    return f"{limit:.1f} s" if limit is not None else "the time limit"


def _was_reset(exc: BaseException) -> bool:
    """Whether the peer reset the connection (TCP RST), anywhere in the exception chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionResetError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def client_for(
    machine: MachineStore,
    device_id: UUID,
    tokens: Tokens | None = None,
    on_tokens: Callable[[Tokens], None] | None = None,
    proxy_auth: ProxyCredentials | None = None,
) -> ApiClient:
    """An API client configured from this computer's settings (server address, proxy),
    with a profile's proxy user and password when given (opened with the key the NIK
    gives: a session's, or a sign-in's for a profile that keeps them). They are used
    only for the proxy address they were kept for, and only when it is the one set now:
    without a proxy address in the settings (the environment's proxy keeps its own) or
    with another one, the client has none."""
    url = machine.setting(SERVER_URL_SETTING)
    if not url:
        raise SyncError(SyncErrorKind.NO_SERVER, "no server address configured")
    proxy = machine.setting(HTTP_PROXY_SETTING) or None
    if proxy_auth is not None and not proxy_auth.for_proxy(proxy):
        log.info("proxy credentials not used: they were kept for another proxy address")
        proxy_auth = None
    return ApiClient(
        str(url),
        device_id,
        tokens=tokens,
        on_tokens=on_tokens,
        proxy=proxy,
        proxy_auth=proxy_auth,
    )
