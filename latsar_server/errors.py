"""Errors the API answers with: an HTTP status and an ``ErrorBody`` with a message code."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import ErrorBody, WireMessage


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: Message,
        *,
        retry_after: int | None = None,
        update_required: bool = False,
        update_url: str | None = None,
    ) -> None:
        super().__init__(message.code.value)
        self.status = status
        self.body = ErrorBody(
            error=WireMessage.of(message),
            retry_after_seconds=retry_after,
            update_required=update_required,
            update_url=update_url,
        )

    def response(self) -> JSONResponse:
        headers = {}
        if self.body.retry_after_seconds is not None:
            headers["Retry-After"] = str(self.body.retry_after_seconds)
        if self.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(
            self.body.model_dump(mode="json"), status_code=self.status, headers=headers
        )


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return exc.response()


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": ""}
    where = ".".join(str(part) for part in first.get("loc", ()))
    message = msg(Code.REQUEST_MALFORMED, where=where or "-", problem=str(first.get("msg", "")))
    return ApiError(422, message).response()


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (no such route 404, 405, a body it cannot parse): our body."""
    assert isinstance(exc, HTTPException)
    where = f"{request.method} {request.url.path}"[:200]
    if exc.status_code >= 500:
        message = msg(Code.SERVER_ERROR)
    elif exc.status_code == 404:
        message = msg(Code.REQUEST_NOT_FOUND, where=where)
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = msg(Code.REQUEST_METHOD_NOT_ALLOWED, where=where, allowed=allowed or "-")
    else:
        message = msg(Code.REQUEST_MALFORMED, where=where, problem=exc.detail)
    error = ApiError(exc.status_code, message)
    response = error.response()
    response.headers.update(exc.headers or {})  # e.g. Allow on a 405
    return response


# ------------------------------------------------------------------------- OpenAPI

_DESCRIPTIONS = {
    400: "Malformed request, or a protocol newer than the server's",
    401: "Not signed in: wrong credentials, or a missing, invalid or expired token",
    403: "This device was revoked, or the request names another device",
    404: "Not found",
    409: "A sequence number already used by another event (a restored journal)",
    413: "Request body too large",
    422: "The request does not match its schema",
    426: "The app's protocol is too old: update required",
    429: "Too many failed sign-ins: try again after Retry-After seconds",
    500: "Unexpected server error",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
    429: {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0}}},
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a router or route: each status answers an ``ErrorBody``."""
    return {
        status: {
            "model": ErrorBody,
            "description": _DESCRIPTIONS[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in statuses
    }


# What every /api/ route can answer: the protocol check (400, 426), sign-in or its
# token (401, 403), a crash (500).
API_ERRORS = error_responses(400, 401, 403, 426, 500)
