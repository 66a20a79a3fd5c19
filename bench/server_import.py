"""Participants imported per second by ``import-participants``, and the time for 1,000,000.

Baseline, measured in the same run: bare NIK hashing with the same scrypt parameters on
the same number of processes, i.e. the ceiling the import could reach. The database is a
fresh SQLite file; ``--postgres`` uses a fresh database in a throwaway PostgreSQL cluster
(as the tests make); ``--database-url`` an existing, empty database. Usage:

    .venv/bin/python bench/server_import.py [--count 1000] [--workers N]
        [--postgres | --database-url URL]

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from latsar_server.accounts.imports import import_participants
from latsar_server.accounts.passwords import SCRYPT_N, SCRYPT_P, SCRYPT_R, hash_nik
from latsar_server.courses.imports import import_course
from latsar_server.database import make_engine, migrate
from tests.servers import PostgresCluster

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo_course"


def people(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    lines = ["nip,nik,name,agency,course"]
    for i in range(count):
        year, month, day = rng.randint(1965, 2003), rng.randint(1, 12), rng.randint(1, 28)
        female = i % 2 == 1
        nip = f"{year:04d}{month:02d}{day:02d}202601{2 if female else 1}{i % 999 + 1:03d}"
        nik = (
            f"3273{rng.randint(10, 99):02d}{day + (40 if female else 0):02d}{month:02d}"
            f"{year % 100:02d}{i % 10000:04d}"
        )
        lines.append(f"{nip},{nik},Peserta {i},Instansi {i % 50},latsar-pppk-2026")
    return lines


def _hash_many(niks: list[str]) -> int:
    for nik in niks:
        hash_nik(nik)
    return len(niks)


def baseline(count: int, workers: int) -> float:
    niks = [f"{3273011405900000 + i}" for i in range(count)]
    chunks = [niks[i : i + 16] for i in range(0, count, 16)]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        sum(pool.map(_hash_many, chunks))
    return count / (time.perf_counter() - started)


def measure(url: str, folder: Path, count: int, workers: int) -> dict[str, float]:
    migrate(url)
    engine = make_engine(url)
    try:
        import_course(engine, folder / "content", DEMO / "package.json")
        csv = folder / "people.csv"
        csv.write_text("\n".join(people(count)) + "\n", encoding="utf-8")
        ceiling = baseline(max(64, count // 4), workers)
        started = time.perf_counter()
        report = import_participants(engine, csv, workers=workers)
        seconds = time.perf_counter() - started
        assert not report.errors, report.errors[:3]
        assert report.imported == count
        started = time.perf_counter()
        again = import_participants(engine, csv, workers=workers)
        update_seconds = time.perf_counter() - started
        assert again.updated == count
    finally:
        engine.dispose()
    return {"rate": count / seconds, "update_rate": count / update_seconds, "ceiling": ceiling}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster")
    where.add_argument("--database-url", default=None, help="an existing, empty database")
    args = parser.parse_args()
    cluster = PostgresCluster.start() if args.postgres else None
    try:
        with tempfile.TemporaryDirectory() as folder:
            if cluster is not None:
                url = cluster.new_database()
            else:
                url = args.database_url or f"sqlite:///{folder}/bench.db"
            figures = measure(url, Path(folder), args.count, args.workers)
    finally:
        if cluster is not None:
            cluster.stop()
    rate, update_rate, ceiling = figures["rate"], figures["update_rate"], figures["ceiling"]
    print(
        json.dumps(
            {
                "participants": args.count,
                "workers": args.workers,
                "database": url.split(":")[0].split("+")[0],
                "scrypt": {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
                "imported_per_second": round(rate, 1),
                "updated_per_second": round(update_rate, 1),
                "baseline_hashes_per_second": round(ceiling, 1),
                "ratio_to_baseline": round(rate / ceiling, 3),
                "projected_hours_for_1m": round(1_000_000 / rate / 3600, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
