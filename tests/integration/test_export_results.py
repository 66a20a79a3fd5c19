"""``latsar-server export-results``: the organiser's CSV, read back with Python's csv
module as a program would, on SQLite and PostgreSQL."""

from __future__ import annotations

import codecs
import csv
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from latsar_desktop.domain.identity import normalize
from latsar_desktop.domain.protocol import SignedCertificate
from latsar_desktop.sync.refresh import refresh_package
from latsar_server.certificates.issuance import issue_certificates, revoke_certificate
from latsar_server.cli import main as server_cli
from latsar_server.database import transaction
from latsar_server.results import HEADER, export_results
from latsar_server.tables import Certificate
from tests import recipes as demo
from tests.integration.serverkit import (
    demo_people,
    engine_for,
    offline_store,
    play,
    server_view,
    take_attempt,
)
from tests.servers import RunningServer

PEOPLE = demo_people()
BUDI, MADE = PEOPLE[0], PEOPLE[2]
COURSE = "latsar-pppk-2026"
JAKARTA = ZoneInfo("Asia/Jakarta")


def synced(
    server: RunningServer, tmp_path: Path, person: dict[str, str], recipe: str, correct: int
) -> None:
    """A participant who played ``recipe``, took one attempt with ``correct`` answers
    right (of 20) and synced."""
    store = offline_store(tmp_path / person["nip"])
    play(store, demo.recipe_steps(recipe))
    take_attempt(store, correct)
    api, engine = engine_for(server, store, person)
    refresh_package(api, store, COURSE)
    engine.run()


def export(server: RunningServer, out: Path, *extra: str) -> int:
    settings = server.settings
    args = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    return server_cli([*args, "export-results", "--out", str(out), *extra])


def read(path: Path) -> dict[str, dict[str, str]]:
    """The rows by NIP (spaces removed), after checking the BOM and the header."""
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADER
    by_nip = {normalize(row[0]): dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert len(by_nip) == len(rows) - 1  # each participant once
    return by_nip


def test_export_results_csv_values_on_both_databases(
    demo_server: RunningServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Budi passes with 80.00; Made unlocked the evaluation (28 trophies) and failed it
    # with 50.00; the others did nothing. Then Budi's certificate is issued, and revoked.
    synced(demo_server, tmp_path, BUDI, "32-retake", 16)
    synced(demo_server, tmp_path, MADE, "28", 10)
    passed_at = server_view(demo_server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None

    out = tmp_path / "hasil.csv"
    assert export(demo_server, out) == 0
    assert f"{len(PEOPLE)} peserta ditulis ke {out}" in capsys.readouterr().out
    rows = read(out)
    assert sorted(rows) == sorted(p["nip"] for p in PEOPLE)
    assert rows[BUDI["nip"]] == {
        "NIP": "19900514 202601 1 901",  # Excel keeps it as text: no digit lost
        "Nama": "Budi Santoso",
        "Instansi": "Pemerintah Kota Bandung",
        "Kursus": COURSE,
        "Trofi": "32",
        "Percobaan Dinilai": "1",
        "Nilai Akhir": "80.00",
        "Lulus Pada": passed_at.astimezone(JAKARTA).isoformat(timespec="seconds"),
        "Nomor Sertifikat": "",
        "Tanggal Sertifikat": "",
        "Sertifikat Dicabut Pada": "",
    }
    assert rows[BUDI["nip"]]["Lulus Pada"].endswith("+07:00")
    made = rows[MADE["nip"]]
    assert made["NIP"] == "19881103 202601 1 903"
    assert [made[h] for h in HEADER[4:]] == ["28", "1", "50.00", "", "", "", ""]
    for person in PEOPLE[3:]:
        row = rows[person["nip"]]
        assert (row["Nama"], row["Instansi"]) == (person["name"], person["agency"])
        assert [row[h] for h in HEADER[4:]] == ["0", "0", "", "", "", "", ""]
    # the trophies are the server's own (domain.progress), whatever the state
    for person in PEOPLE:
        trophies = server_view(demo_server, person["nip"]).progress.trophies
        assert rows[person["nip"]]["Trofi"] == str(trophies)
    text = out.read_text(encoding="utf-8-sig")
    for person in PEOPLE:
        assert person["nik"] not in text

    # the certificate: its number, and the date printed on it
    due = passed_at + timedelta(days=20)
    (number,) = issue_certificates(demo_server.engine, demo_server.settings, due)
    assert export_results(demo_server.engine, out, JAKARTA, COURSE) == len(PEOPLE)
    with transaction(demo_server.engine) as session:
        body = session.exec(select(Certificate.body).where(Certificate.number == number)).one()
    printed_on = SignedCertificate.model_validate_json(body).record.issued_on
    assert printed_on == due.astimezone(JAKARTA).date()
    budi = read(out)[BUDI["nip"]]
    assert [budi[h] for h in HEADER[6:]] == [
        "80.00",
        passed_at.astimezone(JAKARTA).isoformat(timespec="seconds"),
        number,
        printed_on.isoformat(),
        "",
    ]
    # a revoked certificate keeps its number and says when it was revoked
    revoked_at = due + timedelta(days=1)
    assert revoke_certificate(demo_server.engine, number, revoked_at)
    assert export_results(demo_server.engine, out, JAKARTA) == len(PEOPLE)
    budi = read(out)[BUDI["nip"]]
    assert budi["Nomor Sertifikat"] == number
    assert budi["Sertifikat Dicabut Pada"] == revoked_at.astimezone(JAKARTA).date().isoformat()
    # an unknown course: an error, and no file
    missing = tmp_path / "tidak-ada.csv"
    assert export(demo_server, missing, "--course", "tidak-ada") == 1
    assert 'Kursus "tidak-ada" belum diimpor.' in capsys.readouterr().err
    assert not missing.exists()
    assert not missing.with_name(missing.name + ".part").exists()
