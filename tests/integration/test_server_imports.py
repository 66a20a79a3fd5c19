"""The operator's command line: imports, keys, devices (on SQLite and PostgreSQL)."""

from __future__ import annotations

import codecs
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from latsar_server.accounts.imports import import_participants
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


# ----------------------------------------------------------------- issue 13, items 8 and 9


def _demo_copy(folder: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("sources", "*.csv"))
    return folder / "package.json", json.loads((folder / "package.json").read_text())


def _listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", ["parent", "absolute", "nested_parent"])
def test_a_content_name_that_leaves_the_content_folder_is_refused(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, capsys, kind: str
) -> None:
    operator = tmp_path / "operator"
    package_path, data = _demo_copy(operator / "package")
    # beside package.json, one level above content/: where "../" leads
    secret = operator / "package" / "outside-secret.txt"
    secret.write_bytes(b"kata sandi basis data: rahasia\n")
    name = {
        "parent": "../outside-secret.txt",
        "absolute": str(secret),
        "nested_parent": "video/../../outside-secret.txt",
    }[kind]
    if kind == "nested_parent":
        (operator / "package" / "content" / "video").mkdir()
    # The reference is otherwise perfect: the file exists there and its hash matches.
    activity = data["materials"][0]["sub_materials"][0]["activities"][1]
    activity["content"] = {
        "sha256": hashlib.sha256(secret.read_bytes()).hexdigest(),
        "size": secret.stat().st_size,
        "media_type": "text/plain",
        "name": name,
    }
    package_path.write_text(json.dumps(data))
    before = _listing(operator)

    assert cli("import-course", str(package_path)) == 1

    err = capsys.readouterr().err
    assert f'Nama berkas materi "{name}" pada aktivitas "{activity["id"]}" ditolak' in err
    assert count(cli.engine, Course) == 0
    assert count(cli.engine, PackageVersion) == 0
    store = cli.data / "content"
    assert not store.exists() or not [p for p in store.rglob("*") if p.is_file()]
    assert _listing(operator) == before  # nothing read out of it, nothing written beside it


def _write_csv(path: Path, lines: list[str], *, encoding: str, newline: str = "\r\n") -> Path:
    path.write_bytes(newline.join([*lines, ""]).encode(encoding))
    return path


def _nip(i: int) -> str:
    return f"19900514202601{1 + i % 2}{i + 1:03d}"


def _nik(i: int, last: int = 1) -> str:
    return f"327301{14 + 40 * (i % 2)}0590{i + 1:03d}{last}"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "shown"),
    [
        ("utf-8", ",", "UTF-8"),
        ("utf-8-sig", ",", "UTF-8 + BOM"),  # Excel: "CSV UTF-8 (Comma delimited)"
        ("utf-8-sig", ";", "UTF-8 + BOM"),  # the same, in the Indonesian locale
        ("cp1252", ",", "Windows-1252"),  # Excel on Windows: "CSV (Comma delimited)"
        ("cp1252", ";", "Windows-1252"),  # the same, in the Indonesian locale
    ],
)
def test_participants_csv_as_excel_saves_it(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, capsys, encoding: str, delimiter: str, shown: str
) -> None:
    assert cli("import-course", str(DEMO / "package.json")) == 0
    capsys.readouterr()
    d = delimiter
    lines = [
        d.join(["nip", "nik", "name", "agency", "course"]),
        d.join([_nip(0), _nik(0), "Andréas Pérez", "Kota Bandung", "latsar-pppk-2026"]),
        # a field holding the separator is quoted, as Excel does
        d.join(
            [_nip(1), _nik(1), "Siti Nurhalizá", f'"Dinas A{d} Kota Bogor"', "latsar-pppk-2026"]
        ),
        d * 4,  # a blank row Excel writes for cells that were once touched
    ]
    path = _write_csv(tmp_path / "peserta.csv", lines, encoding=encoding)

    assert cli("import-participants", str(path), "--workers", "1") == 0

    out = capsys.readouterr()
    assert out.err == ""
    assert f'dibaca sebagai {shown} dengan pemisah kolom "{d}"' in out.out
    assert "2 peserta baru, 0 diperbarui, 0 baris ditolak" in out.out
    with Session(cli.engine) as session:
        people = {p.nip: p for p in session.exec(select(Participant))}
    assert people[_nip(0)].name == "Andréas Pérez"
    assert people[_nip(1)].name == "Siti Nurhalizá"
    assert people[_nip(1)].agency == f"Dinas A{d} Kota Bogor"
    # the import function says the same to its caller
    report = import_participants(cli.engine, path, workers=1)
    assert (report.encoding, report.delimiter, report.updated) == (shown, d, 2)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (("nip,nik\n".encode("utf-16")), "tersimpan sebagai UTF-16"),  # with a BOM
        (("nip,nik\n".encode("utf-16-le")), "tersimpan sebagai UTF-16"),  # without
        (b"PK\x03\x04\x14\x00\x06\x00", "berkas biner seperti .xlsx"),
        (
            b"nip,nik,name,agency,course\r\n"
            b"199005142026011001,3273011405900011,Budi,Kota,latsar-pppk-2026\r\n"
            b"199005142026011002,3273011405900021,Bud\x81i,Kota,latsar-pppk-2026\r\n",
            "Baris 3 berisi byte 0x81",
        ),
        (
            codecs.BOM_UTF8 + b"nip,nik,name,agency,course\r\n"
            b"199005142026011002,3273011405900021,Bud\xe9i,Kota,latsar-pppk-2026\r\n",
            "Baris 2 berisi byte 0xE9",  # says UTF-8 (BOM) and is not
        ),
    ],
)
def test_a_csv_that_is_not_utf8_or_cp1252_text_is_refused(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, capsys, content: bytes, expected: str
) -> None:
    assert cli("import-course", str(DEMO / "package.json")) == 0
    capsys.readouterr()
    path = tmp_path / "peserta.csv"
    path.write_bytes(content)
    assert cli("import-participants", str(path), "--workers", "1") == 1
    out = capsys.readouterr()
    assert expected in out.err
    assert "Tidak ada peserta yang diimpor" in out.err
    assert "Traceback" not in out.err
    assert count(cli.engine, Participant) == 0


def test_numbers_excel_mangled_are_refused_line_by_line(cli, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli("import-course", str(DEMO / "package.json")) == 0
    capsys.readouterr()
    course = "latsar-pppk-2026"
    lines = [
        "nip;nik;name;agency;course",
        f"{_nip(0)};{_nik(0)};Baik;Kota Bandung;{course}",
        f"1,99005E+17;{_nik(1)};Notasi Ilmiah NIP;Kota Bandung;{course}",
        f"{_nip(2)};3,27301E+15;Notasi Ilmiah NIK;Kota Bandung;{course}",
        f"199005142026012000;{_nik(3)};Dibulatkan Excel;Kota Bandung;{course}",
        f"199005142026011906,0;{_nik(4)};Desimal;Kota Bandung;{course}",
        f"1.99005E+17;{_nik(5)};Notasi Ilmiah Titik;Kota Bandung;{course}",
        f"{_nip(6)};{_nik(6)};Baik Juga;Kota Bandung;{course}",
    ]
    path = _write_csv(tmp_path / "peserta.csv", lines, encoding="cp1252")

    # bad lines are refused, good ones imported, as for every other line fault
    assert cli("import-participants", str(path), "--workers", "1") == 0

    out = capsys.readouterr()
    err = out.err.splitlines()
    assert len(err) == 5
    assert err[0].startswith('Baris 3: Kolom "nip" berisi "1,99005E+17": Excel menyimpannya')
    assert err[1].startswith('Baris 4: Kolom "nik" berisi "3,27301E+15"')
    assert err[2].startswith("Baris 5: NIP 199005142026012000 berakhiran 000")
    assert err[3].startswith('Baris 6: Kolom "nip" berisi "199005142026011906,0"')
    assert err[4].startswith('Baris 7: Kolom "nip" berisi "1.99005E+17"')
    assert "2 peserta baru, 0 diperbarui, 5 baris ditolak" in out.out
    with Session(cli.engine) as session:
        assert set(session.exec(select(Participant.nip))) == {_nip(0), _nip(6)}


def test_a_file_whose_niks_excel_rounded_imports_nothing(cli, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cli("import-course", str(DEMO / "package.json")) == 0
    capsys.readouterr()
    rows = [f"{_nip(i)},{_nik(i, last=0)},Peserta {i},Kota,latsar-pppk-2026" for i in range(10)]
    header = "nip,nik,name,agency,course"
    path = _write_csv(tmp_path / "peserta.csv", [header, *rows], encoding="utf-8")
    assert cli("import-participants", str(path), "--workers", "1") == 1
    assert "Semua 10 NIK di berkas ini berakhiran 0" in capsys.readouterr().err
    assert count(cli.engine, Participant) == 0
    # one NIK in ten ends in 0 in real life: one that does not is enough to accept the file
    rows[4] = f"{_nip(4)},{_nik(4, last=7)},Peserta 4,Kota,latsar-pppk-2026"
    path = _write_csv(path, [header, *rows], encoding="utf-8")
    assert cli("import-participants", str(path), "--workers", "2") == 0
    assert count(cli.engine, Participant) == 10
