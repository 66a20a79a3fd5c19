"""Errors the API answers with: an HTTP status and an ``ErrorBody`` with a message code."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

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
    ) -> None:
        super().__init__(message.code.value)
        self.status = status
        self.body = ErrorBody(
            error=WireMessage.of(message),
            retry_after_seconds=retry_after,
            update_required=update_required,
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
