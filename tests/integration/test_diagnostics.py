"""The diagnostic report ("Bantuan → Buat laporan", ``latsar_desktop/diagnostics.py``),
Qt-free, from a real profile made against the real server on 127.0.0.1.

Budi signs in with his NIK (tokens kept, sealed), writes reflections, answers practice
quizzes and an evaluation attempt, syncs, records one thing more (pending), and keeps an
HTTP proxy with a user and password; the environment names a proxy with a password too,
and the log runs at DEBUG. The report is unpacked and every byte of every file searched
for each secret: the NIK in every form ``tests/nikscan.py`` knows, both tokens, the
sealed tokens and proxy credentials and the NIK verifier (a NIK can be guessed from it
offline), the proxy passwords, the reflection texts and the answers. None may be there;
the parts that must be there are (integrity "ok", the versions, the sync state, the
settings, the log's lines), and the databases were only read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from latsar_desktop import __version__, diagnostics
from latsar_desktop.domain.protocol import EventType
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.credentials import check_nik, open_tokens
from latsar_desktop.store.machine import MachineStore
from tests.integration.serverkit import demo_people, sign_in
from tests.nikscan import find_forms, password_forms
from tests.recipes import REFLECTION_TEXT, play_recipe, take_attempt
from tests.servers import RunningServer, free_port

BUDI = demo_people()[0]
PROXY_USER, PROXY_PASSWORD = "budi.kantor", "Rahasia:50% @Ü"
ENV_PROXY_PASSWORD = "EnvSandi-8841"
OWN_REFLECTION = "Refleksi pribadi: saya ingin melayani warga Sukamaju dengan jujur dan cepat."


def answer_forms(db: Path) -> dict[str, bytes]:
    """Each answer the journal holds (practice quizzes, the evaluation attempt) as JSON
    writes it, question id and choice together, in both spacings."""
    forms: dict[str, bytes] = {}
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type, payload FROM journal WHERE type IN (?, ?)",
            (EventType.PRACTICE_GRADED.value, EventType.ATTEMPT_SUBMITTED.value),
        ).fetchall()
    types = {kind for kind, _ in rows}
    assert types == {EventType.PRACTICE_GRADED.value, EventType.ATTEMPT_SUBMITTED.value}
    for _, payload in rows:
        for question, choice in json.loads(payload)["answers"].items():
            for spacing in (": ", ":"):
                pair = f"{json.dumps(question)}{spacing}{json.dumps(choice)}"
                forms[f"answer {pair}"] = pair.encode()
    return forms


def files_of(report: Path, into: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(report) as archive:
        archive.extractall(into)
        names = archive.namelist()
    return {name: (into / name).read_bytes() for name in names}


def fingerprints(root: Path) -> dict[str, str]:
    """The SHA-256 of every database file and its WAL (what a write would change). An
    empty WAL is no WAL: a read-only reader may leave one where none was."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name.endswith((".db", ".db-wal")) and path.stat().st_size
    }


def test_the_report_holds_the_parts_a_helper_needs_and_no_secret(
    sqlite_demo: RunningServer,
    machine: MachineStore,
    sessions: list[ParticipantSession],
    debug_logs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    budi = sign_in(machine, sqlite_demo.url, BUDI)  # online, with his NIK
    sessions.append(budi)
    play_recipe(budi, "28")  # reflections written, the evaluation unlocked
    budi.record_reflection("kebijakan-1-refleksi", OWN_REFLECTION)
    budi.record_practice(
        "kebijakan-1-latihan",
        {q.id: q.choices[-1].id for q in budi.package().activity("kebijakan-1-latihan").questions},  # type: ignore[union-attr]
    )
    take_attempt(budi, right=3)
    assert budi.sync().consistent
    budi.complete_activity("kebijakan-1-video")  # one event waiting for the server
    proxy_url = f"http://127.0.0.1:{free_port()}"
    budi.set_connection_settings(sqlite_demo.url, proxy_url, PROXY_USER, PROXY_PASSWORD)
    monkeypatch.setenv("HTTPS_PROXY", f"http://envuser:{ENV_PROXY_PASSWORD}@127.0.0.1:3128")

    profile = machine.profile_by_nip(BUDI["nip"])
    assert profile is not None
    assert profile.nik_verifier
    assert profile.sealed_tokens
    assert profile.sealed_proxy
    key = check_nik(BUDI["nik"], profile.nik_verifier)
    assert key is not None
    tokens = open_tokens(profile.sealed_tokens, key, profile.id)
    profile_db = machine.profile_path(profile)
    secrets: dict[str, bytes] = {
        "access token": tokens.access_token.encode(),
        "refresh token": tokens.refresh_token.encode(),
        "NIK verifier": profile.nik_verifier.encode(),
        "sealed tokens": profile.sealed_tokens.encode(),
        "sealed proxy credentials": profile.sealed_proxy.encode(),
        "reflection (recipe)": REFLECTION_TEXT.encode(),
        "reflection (own)": OWN_REFLECTION.encode(),
        "reflection (own, JSON)": json.dumps(OWN_REFLECTION).encode()[1:-1],
        **{f"proxy password {f}": v for f, v in password_forms(PROXY_USER, PROXY_PASSWORD).items()},
        **{
            f"env proxy password {f}": v
            for f, v in password_forms("envuser", ENV_PROXY_PASSWORD).items()
        },
        **answer_forms(profile_db),
    }
    # the secrets are where the scan could find them, had the report copied the files
    raw = b"".join(p.read_bytes() for p in machine.root.rglob("*") if p.is_file())
    assert OWN_REFLECTION.encode() in raw
    assert profile.nik_verifier.encode() in raw
    logged = b"".join(p.read_bytes() for p in debug_logs.iterdir())
    assert b"POST http://127.0.0.1" in logged  # the sign-in and the sync, at DEBUG

    before = fingerprints(machine.root)
    now = datetime(2026, 12, 2, 5, 30, 15, tzinfo=UTC)
    report = diagnostics.write_report(
        machine.root, log_dir=debug_logs, now=now, extra_versions={"qt": "6.test"}
    )
    assert fingerprints(machine.root) == before  # read-only: not a byte written
    assert report == machine.root / "reports" / "laporan-latsar-20261202T053015Z.zip"
    files = files_of(report, tmp_path / "unpacked")

    found = [
        (name, f"NIK {form}")
        for name, data in files.items()
        for form in find_forms(BUDI["nik"], data)
    ] + [
        (name, what)
        for name, data in files.items()
        for what, needle in secrets.items()
        if needle in data
    ]
    assert found == []

    # what a helper needs is there
    assert {"README.txt", "versions.json", "settings.json", "sync.json", "integrity.json"} <= set(
        files
    )
    versions = json.loads(files["versions.json"])
    assert versions["app"] == __version__
    assert versions["sqlite"] == sqlite3.sqlite_version
    assert versions["python"]
    assert versions["os"]
    assert versions["qt"] == "6.test"
    assert versions["libraries"]["sqlmodel"] != "not found"  # (no PySide6 in the Qt-free run)
    integrity = json.loads(files["integrity.json"])
    assert set(integrity) == {"machine.db", f"profiles/{profile.id}.db"}
    assert {name: part["result"] for name, part in integrity.items()} == {
        name: "ok" for name in integrity
    }
    settings = json.loads(files["settings.json"])
    assert settings["settings"]["server_url"] == sqlite_demo.url
    assert settings["settings"]["http_proxy"] == proxy_url
    assert settings["environment"]["HTTPS_PROXY"] == "http://***@127.0.0.1:3128"
    sync = json.loads(files["sync.json"])
    assert sync["server_url"] == sqlite_demo.url
    [state] = sync["profiles"]
    assert state["profile_id"] == profile.id
    assert state["proxy_credentials_kept"]
    assert state["tokens_kept"]
    status = budi.sync_status()
    database = state["database"]
    assert database["pending_events"] == budi.pending_count() == 1
    assert database["confirmed_events"] == status.processed_count > 0
    assert database["package_version"] == budi.package().version
    assert database["last_sync_at"] is not None
    log_names = [name for name in files if name.startswith("logs/")]
    assert log_names == ["logs/latsar-desktop.log"]
    assert b"POST http://127.0.0.1" in files["logs/latsar-desktop.log"]
    assert f"latsar-desktop {__version__}".encode() in files["logs/latsar-desktop.log"]


def test_a_nik_or_token_in_the_log_by_mistake_is_masked_in_the_report(
    tmp_path: Path, debug_logs: Path
) -> None:
    """The app logs none of them; if a bug ever did, the report still does not carry them."""
    nik, nip = BUDI["nik"], BUDI["nip"]
    grouped = " ".join(nik[i : i + 4] for i in range(0, 16, 4))
    logging.getLogger("a.buggy.module").warning(
        "login nik=%s (%s) nip %s; Authorization: Bearer tok-123.abc; "
        '{"access_token": "acc-456", "refresh_token":"ref-789"}; via http://u:pw-42@proxy:8080',
        nik,
        grouped,
        nip,
    )
    report = diagnostics.write_report(tmp_path / "data", log_dir=debug_logs)
    logged = files_of(report, tmp_path / "unpacked")["logs/latsar-desktop.log"]
    assert find_forms(nik, logged) == []
    for secret in (b"tok-123.abc", b"acc-456", b"ref-789", b"pw-42"):
        assert secret not in logged
    assert nip.encode() in logged  # a NIP (18 digits) is not a NIK: left for the helper
    assert logged.count(diagnostics.MASK.encode()) >= 6


def test_a_damaged_database_is_reported_not_a_reason_to_fail(tmp_path: Path) -> None:
    """The case a report is needed most: machine.db is not a database any more."""
    data = tmp_path / "data"
    MachineStore(data).close()
    profile = data / "profiles" / "broken.db"
    profile.parent.mkdir()
    profile.write_bytes(b"this is not SQLite" * 100)
    report = diagnostics.write_report(data)
    files = files_of(report, tmp_path / "unpacked")
    integrity = json.loads(files["integrity.json"])
    assert integrity["machine.db"]["result"] == "ok"
    assert "DatabaseError" in integrity["profiles/broken.db"]["result"]
    assert json.loads(files["versions.json"])["app"] == __version__
