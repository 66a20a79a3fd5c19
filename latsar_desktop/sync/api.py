"""The httpx client of the central server's API: typed answers, typed errors, tokens.

Every call has a timeout; HTTPS certificates are verified; a proxy comes from the
environment (``HTTPS_PROXY`` …) or from the settings. An expired access token is
refreshed once, automatically, and the new tokens are handed to ``on_tokens`` so the
caller can keep them (sealed) for the next start.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

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
    ErrorBody,
    LoginRequest,
    LoginResponse,
    RefreshRequest,
    RefreshResponse,
    SyncRequest,
    SyncResponse,
    Tokens,
)
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

Model = TypeVar("Model", bound=BaseModel)
GZIP_ABOVE = 4096  # bytes of JSON: smaller requests are not worth compressing
CLOCK_SKEW_LIMIT = timedelta(minutes=5)


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


@dataclass(frozen=True)
class Traffic:
    requests: int = 0
    sent: int = 0  # request body bytes as sent (after gzip)
    received: int = 0  # response body bytes as received (before decompression)


@dataclass
class ApiClient:
    """One participant's connection to the server (one per profile)."""

    base_url: str
    device_id: UUID
    tokens: Tokens | None = None
    on_tokens: Callable[[Tokens], None] | None = None
    proxy: str | None = None
    timeout: float = 30.0
    transport: httpx.BaseTransport | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout, connect=min(10.0, self.timeout)),
            headers={HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_APP_VERSION: __version__},
            proxy=self.proxy,
            trust_env=self.proxy is None,
            transport=self.transport,
            follow_redirects=False,
        )
        self._lock = threading.Lock()
        self.traffic = Traffic()
        self.clock_skew: timedelta | None = None

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ calls

    def login(self, nip: str, nik: str, device_name: str) -> LoginResponse:
        body = LoginRequest(nip=nip, nik=nik, device_id=self.device_id, device_name=device_name)
        answer = self._call("POST", "/api/v1/auth/login", body, LoginResponse, auth=False)
        self._set_tokens(answer.tokens)
        self._note_clock(answer.server_time)
        return answer

    def refresh(self) -> RefreshResponse:
        if self.tokens is None:
            raise SyncError(SyncErrorKind.AUTH_EXPIRED, "no tokens")
        body = RefreshRequest(refresh_token=self.tokens.refresh_token, device_id=self.device_id)
        try:
            answer = self._call("POST", "/api/v1/auth/refresh", body, RefreshResponse, auth=False)
        except SyncError as exc:
            if exc.kind is SyncErrorKind.REJECTED and exc.body is not None:
                raise SyncError(SyncErrorKind.AUTH_EXPIRED, exc.detail, exc.body) from exc
            raise
        self._set_tokens(answer.tokens)
        return answer

    def sync(self, request: SyncRequest) -> SyncResponse:
        answer = self._call("POST", "/api/v1/sync", request, SyncResponse)
        self._note_clock(answer.server_time)
        return answer

    def package(self, course_id: str, etag: str | None = None) -> tuple[CoursePackage | None, str]:
        """The course package, or None when unchanged since ``etag`` (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self._send("GET", f"/api/v1/courses/{course_id}/package", None, headers)
        if response.status_code == 304:
            return None, etag or ""
        return self._parse(response, CoursePackage), response.headers.get("ETag", "")

    def logout(self) -> None:
        self._send("POST", "/api/v1/auth/logout", None, {})

    @contextmanager
    def stream_asset(self, sha256: str, start: int = 0) -> Iterator[httpx.Response]:
        """A content file, from byte ``start`` on (Range); the caller reads the body."""
        headers = self._auth_headers()
        if start:
            headers["Range"] = f"bytes={start}-"
        answer: httpx.Response | None = None  # set once the answer's head has arrived
        watch = SendWatch()
        path = f"/api/v1/assets/{sha256}"
        try:
            with self._client.stream(
                "GET", path, headers=headers, extensions={"trace": watch}
            ) as r:
                answer = r
                if r.status_code == 401:
                    r.read()  # the error body, before looking at it
                if r.status_code == 401 and self._refresh_after(r):
                    r.close()
                    with self.stream_asset(sha256, start) as again:
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
        """The OFFLINE error naming how the link failed (see ``link_failure``)."""
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

    def _auth_headers(self) -> dict[str, str]:
        if self.tokens is None:
            raise SyncError(SyncErrorKind.AUTH_EXPIRED, "not signed in")
        return {HEADER_AUTHORIZATION: f"{BEARER} {self.tokens.access_token}"}

    def _call(
        self,
        method: str,
        path: str,
        body: BaseModel | None,
        answer: type[Model],
        *,
        auth: bool = True,
    ) -> Model:
        response = self._send(method, path, body, {}, auth=auth)
        return self._parse(response, answer)

    def _send(
        self,
        method: str,
        path: str,
        body: BaseModel | None,
        headers: dict[str, str],
        *,
        auth: bool = True,
    ) -> httpx.Response:
        content = body.model_dump_json().encode() if body is not None else None
        headers = {**headers}
        if content is not None:
            headers["Content-Type"] = "application/json"
            if len(content) > GZIP_ABOVE:
                content = gzip.compress(content, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        for attempt in (1, 2):
            sent = {**headers, **(self._auth_headers() if auth else {})}
            watch = SendWatch()
            request = self._client.build_request(
                method, path, content=content, headers=sent, extensions={"trace": watch}
            )
            try:  # the head first, then the body: a failure names how far the call got
                response = self._client.send(request, stream=True)
            except httpx.TransportError as exc:
                raise self.link_failure(exc, None, watch) from exc
            except httpx.HTTPError as exc:
                raise SyncError(SyncErrorKind.BAD_RESPONSE, f"{type(exc).__name__}: {exc}") from exc
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
                and self._refresh_after(response)
            ):
                continue
            if response.status_code >= 400:
                self._raise_for(response)
            return response
        raise AssertionError("unreachable")

    def _count(self, sent: int, response: httpx.Response) -> None:
        length = response.headers.get("Content-Length", "")
        received = int(length) if length.isdigit() else len(response.content)
        with self._lock:
            self.traffic = Traffic(
                self.traffic.requests + 1,
                self.traffic.sent + sent,
                self.traffic.received + received,
            )

    def _refresh_after(self, response: httpx.Response) -> bool:
        """On an expired access token, refresh once; True when the call can be retried."""
        body = self._error_body(response)
        if body is None or body.error.code != "auth.token_expired":
            return False
        self.refresh()
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
        length = answer.headers.get("Content-Length", "")
        of = f" of {length}" if length.isdigit() else ""
        got = f"received {answer.num_bytes_downloaded}{of} bytes"
        return SyncError(SyncErrorKind.OFFLINE, f"{what} while receiving the answer ({got})")
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
        detail = f"the proxy failed: {exc}"
    else:
        detail = f"no answer: {type(exc).__name__}: {exc}"
    return SyncError(SyncErrorKind.OFFLINE, detail)


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


SERVER_URL_SETTING = "server_url"
HTTP_PROXY_SETTING = "http_proxy"  # empty: take a proxy from the environment, if any


def client_for(
    machine: MachineStore,
    device_id: UUID,
    tokens: Tokens | None = None,
    on_tokens: Callable[[Tokens], None] | None = None,
) -> ApiClient:
    """An API client configured from this computer's settings (server address, proxy)."""
    url = machine.setting(SERVER_URL_SETTING)
    if not url:
        raise SyncError(SyncErrorKind.OFFLINE, "no server address configured")
    return ApiClient(
        str(url),
        device_id,
        tokens=tokens,
        on_tokens=on_tokens,
        proxy=machine.setting(HTTP_PROXY_SETTING) or None,
    )
