"""The course package (with ETag) and content files (by SHA-256, with Range).

With the setting ``content_base_url`` the package points every content file at a static
host (``<base>/<sha256>``); the body, hence the ETag, changes with the setting."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from sqlmodel import Session, col, select

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import Activity, CertificateKey, CoursePackage
from latsar_server.auth import CallerDep, StateDep
from latsar_server.errors import API_ERRORS, ApiError, error_responses
from latsar_server.tables import ContentBlob, PackageVersion, SigningKey

router = APIRouter(prefix="/api/v1", tags=["content"], responses=API_ERRORS)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
IMMUTABLE = "private, max-age=31536000, immutable"
ANY_FILE = {"schema": {"type": "string", "format": "binary"}}


@lru_cache(maxsize=64)
def _parsed(course_id: str, version: int, sha256: str, body: str) -> CoursePackage:
    """Package versions never change once imported: parse each one once per worker."""
    return CoursePackage.model_validate_json(body)


def _load(session: Session, query: Any) -> CoursePackage | None:
    row = session.exec(query).first()
    return _parsed(row.course_id, row.version, row.sha256, row.body) if row else None


def latest_package(session: Session, course_id: str) -> CoursePackage | None:
    return _load(
        session,
        select(PackageVersion)
        .where(PackageVersion.course_id == course_id)
        .order_by(col(PackageVersion.version).desc())
        .limit(1),
    )


def package_version(session: Session, course_id: str, version: int) -> CoursePackage | None:
    return _load(
        session,
        select(PackageVersion).where(
            PackageVersion.course_id == course_id, PackageVersion.version == version
        ),
    )


def certificate_keys(session: Session) -> list[CertificateKey]:
    rows = session.exec(select(SigningKey).order_by(col(SigningKey.created_at)))
    return [CertificateKey(key_id=k.key_id, public_key=k.public_key) for k in rows]


def content_url(content_base_url: str, sha256: str) -> str:
    """A content file's address on the static host: ``<base>/<sha256>`` (a flat folder of
    files named by hash, the same last segment as ``/api/v1/assets/<sha256>``)."""
    return f"{content_base_url.rstrip('/')}/{sha256}"


def with_content_urls(package: CoursePackage, content_base_url: str) -> CoursePackage:
    """``package`` with every ContentRef's ``url`` on the static host."""

    def placed(activity: Activity) -> Activity:
        ref = activity.content
        if ref is None:
            return activity
        url = content_url(content_base_url, ref.sha256)
        return activity.model_copy(update={"content": ref.model_copy(update={"url": url})})

    materials = [
        material.model_copy(
            update={
                "sub_materials": [
                    sub.model_copy(update={"activities": [placed(a) for a in sub.activities]})
                    for sub in material.sub_materials
                ]
            }
        )
        for material in package.materials
    ]
    return package.model_copy(
        update={"welcome_video": placed(package.welcome_video), "materials": materials}
    )


def served_package(
    session: Session, course_id: str, content_base_url: str = ""
) -> CoursePackage | None:
    """What a participant downloads: no evaluation keys, every certificate public key, and
    with ``content_base_url`` (the server setting) each content file's static address."""
    package = latest_package(session, course_id)
    if package is None:
        return None
    served = package.without_evaluation_keys()
    if content_base_url:
        served = with_content_urls(served, content_base_url)
    return served.model_copy(update={"certificate_keys": certificate_keys(session)})


@router.get(
    "/courses/{course_id}/package",
    response_model=CoursePackage,
    responses={
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **error_responses(404, 422),
    },
)
def get_package(course_id: str, request: Request, caller: CallerDep, state: StateDep) -> Response:
    if caller.participant.course_id != course_id:
        raise ApiError(404, msg(Code.COURSE_NOT_FOUND, course=course_id))
    with state.read() as session:
        package = served_package(session, course_id, state.settings.content_base_url)
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
def get_asset(sha256: str, caller: CallerDep, state: StateDep) -> FileResponse:
    if not _SHA256.match(sha256):
        raise ApiError(404, msg(Code.ASSET_NOT_FOUND, sha256=sha256[:64]))
    with state.read() as session:
        blob = session.get(ContentBlob, sha256)
    path = state.settings.content_dir / sha256[:2] / sha256
    if blob is None or not path.is_file():
        raise ApiError(404, msg(Code.ASSET_NOT_FOUND, sha256=sha256))
    return FileResponse(
        path,
        media_type=blob.media_type,
        headers={"Cache-Control": IMMUTABLE, "ETag": f'"{sha256}"'},
    )
