"""Fuzz every operation of the OpenAPI document, on SQLite and on PostgreSQL: every answer
is documented (status, content type, headers, body schema) and none is a 5xx.

schemathesis generates both schema-valid and schema-violating requests (50 each per
operation where the operation has that many distinct inputs; only valid ones where no
input can break the schema). Some requests are bent towards deeper answers: the sync
body's device_id set to the signed-in device (so events reach per-event validation), the
participant's own course and a real asset (200s with real bodies), verify asked for JSON,
an old or a too-new protocol header (426, 400), no token (401).
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.errors import FailureGroup
from sqlmodel import Session, select

from latsar_desktop.domain.protocol import HEADER_PROTOCOL, PROTOCOL_VERSION, ErrorBody
from latsar_server.tables import ContentBlob
from tests.integration.serverkit import HEADERS, bearer, client, demo_people, load_demo, login
from tests.servers import RunningServer

EXAMPLES = 50
DOCUMENTED = [  # status, content type, headers and body as the document says; no 5xx
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _bend(case: Any, bend: int, context: dict[str, Any]) -> dict[str, str]:
    """Point some cases at real data or a refusal; returns the headers to send."""
    headers = {**(case.headers or {}), **HEADERS, **context["auth"]}
    path, positive = case.operation.path, case.meta.generation.mode.is_positive
    if bend == 0:
        headers[HEADER_PROTOCOL] = "0"  # 426 on /api/
    elif bend == 1:
        headers[HEADER_PROTOCOL] = str(PROTOCOL_VERSION + 1)  # 400 on /api/
    elif bend == 2:
        del headers["Authorization"]  # 401 where a token is needed
    elif bend < 10 and positive:  # positive only: negative cases must stay invalid
        if path.endswith("/sync") and isinstance(case.body, dict):
            case.body["device_id"] = context["device"]
        elif path.endswith("/package"):
            case.path_parameters["course_id"] = context["course_id"]
        elif path.startswith("/api/v1/assets/"):
            case.path_parameters["sha256"] = context["sha256s"][bend % len(context["sha256s"])]
        elif path.startswith("/verify/"):
            headers["Accept"] = "application/json"  # the JSON answer, not the page
    return headers


def _can_violate(definition: dict[str, Any]) -> bool:
    """Whether a request can break the operation's schema: it has a body, or a parameter
    other than a bare string in the path (any string fits that; hypothesis would search
    for a violation in vain)."""

    def bare(parameter: dict[str, Any]) -> bool:
        schema = parameter["schema"]
        return (
            parameter["in"] == "path"
            and schema.get("type") == "string"
            and set(schema) <= {"type", "title", "description"}
        )

    parameters = definition.get("parameters", [])
    return "requestBody" in definition or not all(bare(p) for p in parameters)


def test_fuzz_every_answer_is_documented(server: RunningServer) -> None:
    load_demo(server)
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    document = schema.raw_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    # sign-out last: it revokes the token the others use
    operations.sort(key=lambda op: op.path.endswith("/logout"))
    device = uuid.uuid4()
    with client(server) as http:
        signed_in = login(http, demo_people()[0], device)
    with Session(server.engine) as session:
        sha256s = list(session.exec(select(ContentBlob.sha256)).all())
    assert sha256s
    context = {
        "auth": bearer(signed_in),
        "device": str(device),
        "course_id": signed_in["course_id"],
        "sha256s": sha256s,
    }
    counts: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}  # one example of each distinct failure

    def fuzz(operation, label: str, mode: GenerationMode) -> None:  # type: ignore[no-untyped-def]
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), bend=st.integers(0, 19))
        def run(case, bend: int) -> None:  # type: ignore[no-untyped-def]
            headers = _bend(case, bend, context)
            response = case.call(base_url=server.url, headers=headers, timeout=30)
            counts[label] += 1
            statuses[response.status_code] += 1
            try:
                # an old protocol (426) is refused before the data is looked at
                checks = DOCUMENTED if bend == 0 else [*DOCUMENTED, negative_data_rejection]
                case.validate_response(response, checks=checks, headers=headers)
            except FailureGroup as exc:  # keep going: list every failure, not the first
                for failure in exc.exceptions:
                    key = f"{label}: {response.status_code} {failure.title}"
                    failures.setdefault(key, f"{label} ({mode.value}): {str(exc)[:1500]}")

        run()

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        definition = document["paths"][operation.path][operation.method.lower()]
        fuzz(operation, label, GenerationMode.POSITIVE)
        if _can_violate(definition):
            fuzz(operation, label, GenerationMode.NEGATIVE)
    print("examples per operation:", dict(counts))
    print("statuses:", dict(sorted(statuses.items())))
    if failures:
        summary, examples = "\n".join(failures), "\n\n".join(list(failures.values())[:3])
        pytest.fail(f"answers that break the document:\n{summary}\n\nexamples:\n\n{examples}")
    assert set(counts) == {f"{op.method.upper()} {op.path}" for op in operations}
    for operation in operations:
        definition = document["paths"][operation.path][operation.method.lower()]
        if definition.get("parameters") or definition.get("requestBody"):
            label = f"{operation.method.upper()} {operation.path}"
            assert counts[label] >= EXAMPLES, (label, counts[label])
        # operations without inputs (health, sign-out) vary only by the bends
    # the bent cases did reach the answers they aim at
    assert {200, 400, 401, 403, 404, 422, 426} <= set(statuses), statuses


def test_every_error_status_is_documented_with_the_error_body(sqlite_server: RunningServer) -> None:
    """Every documented non-2xx/3xx answer (but verify's own 404 and a file's 416) is an
    ErrorBody, and FastAPI's ``{"detail": ...}`` schema is gone from the document."""
    with client(sqlite_server) as http:
        document = http.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    body = {"$ref": "#/components/schemas/ErrorBody"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, answer in operation["responses"].items():
                if int(status) < 400 or (path, status) in {
                    ("/verify/{code}", "404"),
                    ("/api/v1/assets/{sha256}", "416"),
                }:
                    continue
                assert answer["content"] == {"application/json": {"schema": body}}, (
                    method,
                    path,
                    status,
                )
            if path.startswith("/api/"):
                assert {"400", "401", "403", "426", "500"} <= set(operation["responses"]), path
            assert "413" in operation["responses"], (method, path)  # every body has a limit


def test_unknown_route_and_method_answer_the_error_body(sqlite_server: RunningServer) -> None:
    """Each with a message code of its own (issue 13, item 10)."""
    with client(sqlite_server) as http:
        missing = http.get("/api/v1/nothing-here")
        missing_outside_api = http.get("/nothing-here")
        wrong_method = http.delete("/api/v1/sync")
        not_json = http.post(
            "/api/v1/auth/login", content=b"{", headers={"Content-Type": "application/json"}
        )
    assert missing.status_code == missing_outside_api.status_code == 404
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "POST"
    assert not_json.status_code == 422
    expected = {
        missing: ("request.not_found", {"where": "GET /api/v1/nothing-here"}),
        missing_outside_api: ("request.not_found", {"where": "GET /nothing-here"}),
        wrong_method: (
            "request.method_not_allowed",
            {"where": "DELETE /api/v1/sync", "allowed": "POST"},
        ),
        not_json: ("request.malformed", {"where": "body.1", "problem": "JSON decode error"}),
    }
    for response, (code, params) in expected.items():
        error = ErrorBody.model_validate_json(response.content)
        assert error.error.code == code, response.text
        assert {name: param.value for name, param in error.error.params.items()} == params
