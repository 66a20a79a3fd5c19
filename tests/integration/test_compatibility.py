"""A newer server never breaks today's client; the server stays strict (DESIGN §3).

The client talks to the real server on 127.0.0.1 through a transport that rewrites the
real answers as a newer server would send them: a field this version does not know in
every object of every answer (sign-in, package, sync), and a change of a type it does
not know in the change log. Today's client signs in, refreshes its package and syncs;
every known change takes effect, the unknown one is kept, and the next real sync goes on
from the cursor past it.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlmodel import Session, col, select

from latsar_desktop.certificate.verify import Verdict, verify_record
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.protocol import (
    CoursePackage,
    LoginResponse,
    SignedCertificate,
    SyncResponse,
)
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine
from latsar_desktop.sync.refresh import refresh_package
from latsar_server.certificates.issuance import issue_certificates, revoke_certificate
from latsar_server.courses.imports import import_course
from latsar_server.courses.packages import served_package
from latsar_server.tables import Certificate, ChangeRow, PackageVersion, Participant
from tests import recipes as demo
from tests.compat import NEWER_FIELD, NEWER_VALUE, with_unknown_fields
from tests.integration.serverkit import (
    DEMO_PACKAGE,
    bearer,
    client,
    demo_people,
    engine_for,
    load_demo,
    login,
    offline_store,
    play,
    post_sync,
    server_view,
    take_attempt,
)
from tests.servers import RunningServer

PEOPLE = demo_people()
BUDI = PEOPLE[0]
COURSE = "latsar-pppk-2026"
ANSWERS: dict[str, type[BaseModel]] = {  # what the client reads, by path
    "/api/v1/auth/login": LoginResponse,
    f"/api/v1/courses/{COURSE}/package": CoursePackage,
    "/api/v1/sync": SyncResponse,
}
BADGE = {"id": "tepat-waktu", "title": "Tepat waktu", "levels": [1, 2]}


class NewerServer(httpx.BaseTransport):
    """The real server, its answers rewritten as a newer server would send them."""

    def __init__(self, unknown_type_for: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.newer = True
        self.unknown_type_for = unknown_type_for  # this change type becomes "badge.awarded"
        self.added = 0  # objects that got a field they do not know
        self.renamed: list[int] = []  # cursors of the changes made unknown
        self.sync_cursors: list[int] = []  # the cursor of each sync request
        self.sync_changes: list[list[str]] = []  # the change types of each sync answer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/sync":
            body = request.read()
            if request.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            self.sync_cursors.append(json.loads(body)["cursor"])
        response = self.inner.handle_request(request)
        if path not in ANSWERS or response.status_code != 200:
            return response
        data = json.loads(response.read())
        if self.newer:
            data = self.rewrite(ANSWERS[path], data)
        if path == "/api/v1/sync":
            self.sync_changes.append([change["type"] for change in data["changes"]])
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in ("content-length", "content-encoding")
        ]
        return httpx.Response(200, headers=headers, json=data, request=request)

    def rewrite(self, model: type[BaseModel], data: Any) -> Any:
        newer, added = with_unknown_fields(model.model_validate(data), data)
        self.added += added
        for index, change in enumerate(newer.get("changes", [])):
            if change["type"] == self.unknown_type_for:
                self.renamed.append(change["cursor"])
                newer["changes"][index] = {
                    "cursor": change["cursor"],
                    "at": change["at"],
                    "type": "badge.awarded",
                    "badge": BADGE,
                    NEWER_FIELD: NEWER_VALUE,
                }
        return newer

    def close(self) -> None:
        self.inner.close()


def server_log(server: RunningServer, nip: str) -> list[tuple[int, str]]:
    """The participant's change log on the server: (cursor, type), in order."""
    with Session(server.engine) as session:
        participant = session.exec(select(Participant).where(Participant.nip == nip)).one()
        rows = session.exec(
            select(ChangeRow)
            .where(ChangeRow.participant_id == participant.id)
            .order_by(col(ChangeRow.cursor))
        )
        return [(row.cursor, row.type) for row in rows]


def server_certificate(server: RunningServer) -> SignedCertificate:
    with Session(server.engine) as session:
        (row,) = session.exec(select(Certificate)).all()
        return SignedCertificate.model_validate_json(row.body)


def test_todays_client_syncs_with_a_newer_server(
    sqlite_server: RunningServer, tmp_path: Path
) -> None:
    server = sqlite_server
    load_demo(server)
    # Budi studied and passed on the office PC; 20 days later his certificate is issued
    office = offline_store(tmp_path / "office")
    play(office, demo.recipe_steps("32-retake"))
    take_attempt(office, 16)
    office_api, office_engine = engine_for(server, office, BUDI)
    office_engine.run()
    office_api.close()
    passed_at = server_view(server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None
    (number,) = issue_certificates(server.engine, server.settings, passed_at + timedelta(days=20))
    # on his laptop he did some of it again, a quiz with a question the course lacks, and
    # an attempt: every known change and rejection has to reach the laptop
    laptop = offline_store(tmp_path / "laptop")
    play(laptop, demo.recipe_steps("32-retake")[:4])
    package = laptop.package()
    quiz = next(a for _, a in package.activities() if a.questions)
    laptop.record_practice(quiz.id, {"no-such-question": "a"})
    take_attempt(laptop, 10)

    newer = NewerServer(unknown_type_for="passed")
    api = ApiClient(server.url, laptop.device_id, timeout=10.0, transport=newer)
    api.login(BUDI["nip"], BUDI["nik"], "Laptop")
    refreshed = refresh_package(api, laptop, COURSE)
    assert refreshed.version == package.version
    with Session(server.engine) as session:
        assert laptop.package() == served_package(session, COURSE)
    engine = SyncEngine(api, laptop, batch_size=50)
    report = engine.run()
    log = server_log(server, BUDI["nip"])
    assert {"activity.completed", "attempt.graded", "passed", "certificate.issued"} <= {
        kind for _, kind in log
    }

    # the answers did carry unknown fields everywhere, and one unknown change type
    assert newer.added > 100
    (renamed,) = newer.renamed
    assert (renamed, "passed") in log
    assert any("badge.awarded" in kinds for kinds in newer.sync_changes)
    # every known change and verdict took effect
    assert report.consistent
    assert laptop.unconfirmed() == []
    assert laptop.standing() == server_view(server, BUDI["nip"]).standing
    assert laptop.progress().passed
    issued = server_certificate(server)
    assert [(c.signed, c.revoked) for c in laptop.certificates()] == [(issued, False)]
    assert verify_record(issued, laptop.known_keys()).verdict is Verdict.GENUINE
    reasons = sorted(
        (r.message.code, q.value if (q := r.message.params.get("question")) else None)
        for r in laptop.rejections()
    )
    assert reasons == [
        (Code.SYNC_AFTER_CERTIFICATE.value, None),
        (Code.SYNC_UNKNOWN_QUESTION.value, "no-such-question"),
    ]
    # the unknown change is kept as received; the cursor is past every change
    (kept,) = laptop.kept_changes()
    assert (kept.cursor, kept.type) == (renamed, "badge.awarded")
    assert json.loads(kept.body)["badge"] == BADGE
    assert json.loads(kept.body)[NEWER_FIELD] == NEWER_VALUE
    last = log[-1][0]
    assert renamed < last
    assert laptop.sync_status().cursor == last

    # a real second sync, answers as sent: it starts from that cursor and brings only
    # what came since (the revocation), not the unknown change again
    revoke_certificate(server.engine, number, datetime.now(UTC))
    newer.newer = False
    engine.run()
    assert newer.sync_cursors[-1] == last
    assert newer.sync_changes[-1] == ["certificate.revoked", "standing.recomputed"]
    assert laptop.sync_status().cursor == last + 1 == server_log(server, BUDI["nip"])[-1][0]
    assert [(c.signed, c.revoked) for c in laptop.certificates()] == [(issued, True)]
    assert [(k.cursor, k.type) for k in laptop.kept_changes()] == [(renamed, "badge.awarded")]
    assert laptop.standing() == server_view(server, BUDI["nip"]).standing
    api.close()


def test_the_server_reads_strictly(sqlite_server: RunningServer, tmp_path: Path) -> None:
    server = sqlite_server
    load_demo(server)
    with client(server) as http:
        device = "6f1c2a4e-8d3b-4c1a-9e2f-0a1b2c3d4e5f"
        person = {"nip": BUDI["nip"], "nik": BUDI["nik"], "device_id": device}
        surplus = http.post("/api/v1/auth/login", json={**person, "device_name": "PC", "x": 1})
        assert surplus.status_code == 422
        assert surplus.json()["error"]["code"] == "request.malformed"
        store = offline_store(tmp_path)
        auth = bearer(login(http, BUDI, store.device_id))
        play(store, demo.recipe_steps("32-retake")[:1])
        (event,) = store.unconfirmed()
        body: dict[str, Any] = {
            "device_id": str(store.device_id),
            "cursor": 0,
            "events": [{**event.model_dump(mode="json"), NEWER_FIELD: 1}],
        }
        refused = post_sync(http, auth, json.dumps(body).encode())
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "request.malformed"


def test_the_course_import_refuses_unknown_fields(
    sqlite_server: RunningServer, tmp_path: Path
) -> None:
    data = json.loads(DEMO_PACKAGE.read_text(encoding="utf-8"))
    data["materials"][0]["sub_materials"][0]["activities"][0]["trophys"] = 2  # misspelt
    package = tmp_path / "package.json"
    package.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DomainError) as info:
        import_course(sqlite_server.engine, sqlite_server.settings.content_dir, package)
    (problem,) = info.value.messages
    assert problem.code is Code.COURSE_MALFORMED
    assert problem.params["where"] == "materials.0.sub_materials.0.activities.0.trophys"
    with Session(sqlite_server.engine) as session:
        assert session.exec(select(PackageVersion)).all() == []
