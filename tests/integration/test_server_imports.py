"""The operator's command line: imports, keys, devices (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from latsar_server.cli import main
from latsar_server.database import make_engine
from latsar_server.tables import Course, PackageVersion, Participant, SigningKey
from tests.integration.serverkit import DEMO, DEMO_PARTICIPANTS


@pytest.fixture
def cli(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    base = ["--database-url", database_url, "--data-dir", str(tmp_path / "server-data")]

    def run(*args: str) -> int:
        return main([*base, *args])

    run.engine = make_engine(database_url)  # type: ignore[attr-defined]
    run.data = tmp_path / "server-data"  # type: ignore[attr-defined]
    return run


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def test_import_course_and_versions(cli, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli("import-course", str(DEMO / "package.json")) == 0
    assert "latsar-pppk-2026" in capsys.readouterr().out
    assert cli("import-course", str(DEMO / "package.json")) == 0  # the same again: no-op
    stored = list((cli.data / "content").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == len(list((DEMO / "content").iterdir()))
    # version 2 of the package: both versions are kept
    copy = tmp_path / "v2"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((copy / "package.json").read_text())
    data["version"] = 2
    (copy / "package.json").write_text(json.dumps(data))
    assert cli("import-course", str(copy / "package.json")) == 0
    assert count(cli.engine, PackageVersion) == 2
    # a changed body under an existing version number is refused
    data["title"] = "Judul lain"
    (copy / "package.json").write_text(json.dumps(data))
    assert cli("import-course", str(copy / "package.json")) == 1
    assert "versi 2 sudah ada" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("trophies", "Jumlah trofi semua aktivitas adalah 51"),
        ("missing_file", "tidak ada di folder paket"),
        ("corrupt_file", "tidak cocok dengan SHA-256"),
        ("not_json", "Paket kursus rusak"),
    ],
)
def test_bad_package_changes_nothing(
    cli,
    tmp_path: Path,
    capsys,
    damage: str,  # type: ignore[no-untyped-def]
    expected: str,
) -> None:
    copy = tmp_path / "bad"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((copy / "package.json").read_text())
    first_sub = data["materials"][0]["sub_materials"][0]
    if damage == "trophies":
        first_sub["activities"][0]["trophies"] += 1
    elif damage == "missing_file":
        (copy / "content" / first_sub["activities"][0]["content"]["name"]).unlink()
    elif damage == "corrupt_file":
        target = copy / "content" / first_sub["activities"][1]["content"]["name"]
        target.write_bytes(target.read_bytes().replace(b"a", b"b", 1))
    (copy / "package.json").write_text("{" if damage == "not_json" else json.dumps(data))
    assert cli("import-course", str(copy / "package.json")) == 1
    assert expected in capsys.readouterr().err
    assert count(cli.engine, Course) == 0
    assert count(cli.engine, PackageVersion) == 0
    assert not (cli.data / "content").exists() or not any((cli.data / "content").rglob("*"))


def test_import_participants_reports_lines_and_updates(cli, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli("import-course", str(DEMO / "package.json")) == 0
    good = DEMO_PARTICIPANTS.read_text(encoding="utf-8").strip().splitlines()
    bad_lines = [
        "19900514202601190,3273011405909901,Pendek,Kota Bandung,latsar-pppk-2026",
        "199105142026011906,32730114O5919906,Huruf O,Kota Bandung,latsar-pppk-2026",
        "199105142026011907,3273011405919907,,Kota Bandung,latsar-pppk-2026",
        "199105142026011908,3273011405919908,Kursus Lain,Kota Bandung,kursus-lain",
        good[1],  # the same NIP twice in one file
    ]
    csv = tmp_path / "people.csv"
    csv.write_text("\n".join([*good, *bad_lines]) + "\n", encoding="utf-8")
    assert cli("import-participants", str(csv), "--workers", "2") == 0
    out = capsys.readouterr()
    first_bad = len(good) + 1
    for offset, fragment in enumerate(
        [
            "harus 18 angka",
            '"O"',
            '"name" kosong',
            '"kursus-lain" belum diimpor',
            "sudah ada di baris 2",
        ]
    ):
        assert f"Baris {first_bad + offset}: " in out.err
        assert fragment in out.err.splitlines()[offset]
    assert "5 peserta baru, 0 diperbarui, 5 baris ditolak" in out.out
    assert count(cli.engine, Participant) == 5
    # re-import with a changed name updates instead of duplicating
    csv.write_text(good[0] + "\n" + good[1].replace("Budi Santoso", "Budi Santoso Putra") + "\n")
    assert cli("import-participants", str(csv), "--workers", "1") == 0
    assert "0 peserta baru, 1 diperbarui" in capsys.readouterr().out
    assert count(cli.engine, Participant) == 5
    with Session(cli.engine) as session:
        budi = session.exec(select(Participant).where(Participant.nip == good[1][:18])).one()
        assert budi.name == "Budi Santoso Putra"
    missing = tmp_path / "columns.csv"
    missing.write_text("nip,name\n1,2\n")
    assert cli("--lang", "en", "import-participants", str(missing)) == 1
    assert "nik, agency, course" in capsys.readouterr().err


def test_keygen_rotation(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli("keygen") == 0
    assert cli("keygen") == 0
    assert cli("keygen", "--inactive") == 0
    with Session(cli.engine) as session:
        keys = session.exec(select(SigningKey)).all()
    assert len(keys) == 3
    assert sum(k.active for k in keys) == 1
    pems = list((cli.data / "keys").glob("*.pem"))
    assert len(pems) == 3
    assert all(p.stat().st_mode & 0o077 == 0 for p in pems)


def test_a_package_without_evaluation_keys_is_refused(cli, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "nokeys"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((copy / "package.json").read_text())
    data["evaluation"]["questions"][3]["answer"] = None
    (copy / "package.json").write_text(json.dumps(data))
    assert cli("import-course", str(copy / "package.json")) == 1
    assert "Kunci jawaban soal" in capsys.readouterr().err
    assert count(cli.engine, PackageVersion) == 0
