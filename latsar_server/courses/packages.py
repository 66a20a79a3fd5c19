"""Stored course packages as the server reads them (parsed once per worker), and the
package a participant is served.

With the setting ``content_base_url`` the served package points every content file at a
static host (``<base>/<sha256>``); the body, hence the ETag, changes with the setting."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from latsar_desktop.domain.protocol import Activity, CertificateKey, CoursePackage
from latsar_server.tables import PackageVersion, SigningKey


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
