"""``/api/v1/courses/{course_id}/package`` (with ETag) and ``/api/v1/assets/{sha256}``
(content files by SHA-256, with Range): what a signed-in participant downloads."""

from __future__ import annotations

import hashlib
import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import CoursePackage
from latsar_server.api.dependencies import CallerDep, RuntimeDep
from latsar_server.courses.packages import served_package
from latsar_server.errors import API_ERRORS, ApiError, error_responses
from latsar_server.tables import ContentBlob

router = APIRouter(prefix="/api/v1", tags=["content"], responses=API_ERRORS)


_SHA256 = re.compile(r"^[0-9a-f]{64}$")


IMMUTABLE = "private, max-age=31536000, immutable"


ANY_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/courses/{course_id}/package",
    response_model=CoursePackage,
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **error_responses(404, 422),
    },
)
def get_package(
    course_id: str, request: Request, caller: CallerDep, runtime: RuntimeDep
) -> Response:
    if caller.participant.course_id != course_id:
        raise ApiError(404, msg(Code.COURSE_NOT_FOUND, course=course_id))
    with runtime.read() as session:
        package = served_package(session, course_id, runtime.settings.content_base_url)
    if package is None:
        raise ApiError(404, msg(Code.COURSE_NOT_FOUND, course=course_id))
    body = package.model_dump_json().encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/assets/{sha256}",
    response_class=FileResponse,
    responses={
        200: {"description": "The file, as its media type", "content": {"*/*": ANY_FILE}},
        206: {"description": "Partial content (Range)", "content": {"*/*": ANY_FILE}},
        416: {"description": "Range not satisfiable (empty body, with Content-Range)"},
        **error_responses(404, 422),
    },
)
def get_asset(sha256: str, caller: CallerDep, runtime: RuntimeDep) -> FileResponse:
    if not _SHA256.match(sha256):
        raise ApiError(404, msg(Code.ASSET_NOT_FOUND, sha256=sha256[:64]))
    with runtime.read() as session:
        blob = session.get(ContentBlob, sha256)
    path = runtime.settings.content_dir / sha256[:2] / sha256
    if blob is None or not path.is_file():
        raise ApiError(404, msg(Code.ASSET_NOT_FOUND, sha256=sha256))
    return FileResponse(
        path,
        media_type=blob.media_type,
        headers={"Cache-Control": IMMUTABLE, "ETag": f'"{sha256}"'},
    )
