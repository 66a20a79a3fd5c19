"""The server's certificate delay in seconds (the demo's few minutes): stamped into the
course package at import, issuance waits exactly that long after passing, and the app,
which learns it from the package it downloads, expects the certificate then."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from latsar_desktop.certificate.download import current_certificate
from latsar_desktop.domain.progress import certificate_delay
from latsar_desktop.sync.refresh import refresh_package
from latsar_server.accounts.imports import import_participants
from latsar_server.certificates.issuance import issue_certificates
from latsar_server.certificates.keys import keygen
from latsar_server.cli import main as server_cli
from latsar_server.courses.imports import import_course
from latsar_server.database import make_engine, transaction
from latsar_server.settings import Settings
from latsar_server.tables import PackageVersion
from tests import recipes as demo
from tests.integration.serverkit import (
    DEMO_PACKAGE,
    DEMO_PARTICIPANTS,
    demo_package,
    demo_people,
    engine_for,
    offline_store,
    play,
    server_view,
    take_attempt,
)
from tests.servers import RunningServer, running_server

BUDI = demo_people()[0]
COURSE = "latsar-pppk-2026"
DELAY = 180


@pytest.fixture
def quick_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server with the certificate delay overridden to 3 minutes, set up as an operator
    would: the course imported with the server's settings."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'server.db'}",
        data_dir=tmp_path / "server-data",
        certificate_delay_seconds=DELAY,
    )
    with running_server(settings) as server:
        keygen(server.engine, settings.key_dir)
        import_course(
            server.engine,
            settings.content_dir,
            DEMO_PACKAGE,
            certificate_delay_seconds=settings.certificate_delay_seconds,
        )
        assert import_participants(server.engine, DEMO_PARTICIPANTS, workers=1).errors == []
        yield server


def test_certificate_issued_after_the_override_and_expected_then(
    quick_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path / "budi")
    assert certificate_delay(store.package().rules) == timedelta(days=20)  # the raw package
    play(store, demo.recipe_steps("32-retake"))
    take_attempt(store, 16)  # 80.00: passes
    api, engine = engine_for(quick_server, store, BUDI)
    refresh_package(api, store, COURSE)  # the package the server serves
    assert store.package().rules.certificate_delay_seconds == DELAY
    engine.run()
    passed_at = server_view(quick_server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None
    due = passed_at + timedelta(seconds=DELAY)
    # the app expects the certificate exactly then
    view = store.progress()
    assert view.passed
    assert view.passed_at == passed_at
    assert view.expected_issue_at == due
    # the server issues it then, not a second earlier (its clock injected as ``now``)
    settings = quick_server.settings
    assert issue_certificates(quick_server.engine, settings, due - timedelta(seconds=1)) == []
    (number,) = issue_certificates(quick_server.engine, settings, due)
    engine.run()
    verification = current_certificate(store)
    assert verification is not None
    assert verification.genuine
    assert verification.record is not None
    assert verification.record.certificate_number == number


def test_the_import_command_stamps_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LATSAR_SERVER_CERTIFICATE_DELAY_SECONDS", str(DELAY))
    database = f"sqlite:///{tmp_path / 'server.db'}"
    args = ["--database-url", database, "--data-dir", str(tmp_path / "data")]
    assert server_cli([*args, "import-course", str(DEMO_PACKAGE)]) == 0
    assert server_cli([*args, "import-course", str(DEMO_PACKAGE)]) == 0  # the same again
    engine = make_engine(database)
    try:
        with transaction(engine) as session:
            (row,) = session.exec(select(PackageVersion)).all()  # imported once
            body = json.loads(row.body)
    finally:
        engine.dispose()
    assert body["rules"]["certificate_delay_seconds"] == DELAY
    # everything else is the package as written
    del body["rules"]["certificate_delay_seconds"]
    assert body == json.loads(demo_package().model_dump_json())
