"""``GET /verify/{code}``: is this certificate genuine? An Indonesian page, or JSON."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import VerifyAnswer, VerifyStatus
from latsar_desktop.i18n import text
from latsar_server.api.dependencies import RuntimeDep
from latsar_server.certificates.verification import verify_code
from latsar_server.errors import error_responses

router = APIRouter(tags=["certificates"])

PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em;
       color: #202124; }}
h1 {{ color: #0b3d91; font-size: 1.4em; }}
.{status} {{ border-left: 6px solid {colour}; padding: .8em 1em; background: #f6f8fa; }}
</style></head>
<body><h1>{title}</h1><p class="{status}">{verdict}</p></body></html>
"""
PAGE_SCHEMA = {"schema": {"type": "string"}}  # the page above, unless JSON was asked for
COLOURS = {"genuine": "#188038", "unknown": "#b06000", "revoked": "#c5221f"}


def _sentence(answer: VerifyAnswer, code: str) -> str:
    if answer.status is VerifyStatus.UNKNOWN:
        return text(Code.VERIFY_UNKNOWN, "id", {"code": code})
    number, name = answer.certificate_number or "", answer.name or ""
    if answer.status is VerifyStatus.REVOKED and answer.revoked_at is not None:
        return text(
            Code.VERIFY_REVOKED, "id", {"number": number, "name": name, "date": answer.revoked_at}
        )
    params = {
        "number": number,
        "name": name,
        "nip": answer.nip_masked or "",
        "course": answer.course_title or "",
    }
    return text(Code.VERIFY_GENUINE, "id", {**params, "date": answer.issued_on or ""})


@router.get(
    "/verify/{code}",
    response_model=VerifyAnswer,
    responses={
        200: {"content": {"text/html": PAGE_SCHEMA}},
        404: {
            "description": "Unknown verification code (or no such path: an error body)",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/VerifyAnswer"},
                            {"$ref": "#/components/schemas/ErrorBody"},
                        ]
                    }
                },
                "text/html": PAGE_SCHEMA,
            },
        },
        **error_responses(422, 500),
    },
)
def verify(code: str, request: Request, runtime: RuntimeDep) -> Response:
    with runtime.read() as session:
        answer = verify_code(session, code[:40])
    status = 404 if answer.status is VerifyStatus.UNKNOWN else 200
    wants_json = request.query_params.get("format") == "json" or "application/json" in (
        request.headers.get("accept", "")
    )
    if wants_json:
        return JSONResponse(answer.model_dump(mode="json"), status_code=status)
    page = PAGE.format(
        title=html.escape(text(Code.VERIFY_TITLE, "id")),
        status=answer.status.value,
        colour=COLOURS[answer.status.value],
        verdict=html.escape(_sentence(answer, code[:40])),
    )
    return HTMLResponse(page, status_code=status)
