"""Fuzz every operation of the OpenAPI document, authenticated: no answer is a 5xx.

schemathesis generates both schema-valid and schema-violating requests (50 each per
operation where the operation has that many distinct inputs). The sync body's
device_id is set to the signed-in device half of the time, so events reach the
per-event validation instead of stopping at the device check.
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.integration.serverkit import HEADERS, bearer, client, demo_people, load_demo, login
from tests.servers import RunningServer

EXAMPLES = 50


def test_fuzz_every_operation(sqlite_server: RunningServer, tmp_path: Path) -> None:
    """Fuzzed once, on SQLite: the same code runs on PostgreSQL."""
    load_demo(sqlite_server)
    with client(sqlite_server) as http:
        document = http.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    # sign-out last: it revokes the token the others use
    operations.sort(key=lambda op: op.path.endswith("/logout"))
    counts: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    device = uuid.uuid4()
    with client(sqlite_server) as http:
        auth = bearer(login(http, demo_people()[0], device))
    headers = {**HEADERS, **auth}

    def fuzz(operation, label: str, mode: GenerationMode) -> None:  # type: ignore[no-untyped-def]
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), own_device=st.booleans())
        def run(case, own_device: bool) -> None:  # type: ignore[no-untyped-def]
            if operation.path.endswith("/sync") and own_device and isinstance(case.body, dict):
                case.body["device_id"] = str(device)
            response = case.call(
                base_url=sqlite_server.url, headers={**(case.headers or {}), **headers}, timeout=30
            )
            counts[label] += 1
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{label}: {response.status_code} {response.text[:200]}")

        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to violate (no parameters)

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, label, mode)
    print("examples per operation:", dict(counts))
    print("statuses:", dict(sorted(statuses.items())))
    assert failures == []
    assert set(counts) == {f"{op.method.upper()} {op.path}" for op in operations}
    for operation in operations:
        definition = document["paths"][operation.path][operation.method.lower()]
        if definition.get("parameters") or definition.get("requestBody"):
            label = f"{operation.method.upper()} {operation.path}"
            assert counts[label] >= EXAMPLES, (label, counts[label])
        # operations without inputs (health, sign-out) have only a couple of distinct cases
