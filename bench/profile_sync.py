"""Where the server's sync time goes: py-spy samples of a real ``latsar-server serve``.

Measurement only (issue 19, "profile first"). Four parts, each optional:

``server``  ``bench/server_sync.py``'s load (participants push the demo course in batches
            of 20) against ``latsar-server serve`` with one worker, on SQLite and on
            PostgreSQL, with py-spy attached to the server's process. Also the CPU seconds
            the server, PostgreSQL's backends and this (client) process used, per request.
``push``    ``bench/sync_bench.py``'s push of 10,000 events (the desktop SyncEngine through
            the real API) against a separate server process with py-spy attached, on
            SQLite (as sync_bench) and PostgreSQL.
``queries`` SQL statements per sync request, by kind (one participant's batches, in-process).
``baseline`` the issue's baseline, in-process: the same 10,000 events as request bodies of
            100, parsed with the protocol models (``SyncRequest``) and bulk-inserted into
            the events table in one transaction (SQLAlchemy Core ``insert()``, many rows).

py-spy is not a project dependency: install it anywhere and pass ``--py-spy PATH``, e.g.
``.venv/bin/uv pip install --target /tmp/proftools py-spy`` then
``--py-spy /tmp/proftools/bin/py-spy``. Without it the ``server`` and ``push`` parts still
time, but do not sample.

    .venv/bin/python bench/profile_sync.py [--parts server,push,queries,baseline]
        [--databases sqlite,postgresql] [--participants 40] [--py-spy PATH] [--out DIR]

Writes the raw (collapsed) samples and a text report per run to ``--out``; prints one
JSON object on its last line. ``--report RAW`` analyses a raw file again. The default
parts take about eight minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # server_sync, sync_bench

from sqlalchemy import func, insert, select

from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    ActivityCompletedEvent,
    ActivityKind,
    EventEnvelope,
    SyncRequest,
)
from latsar_server.database import make_engine, migrate
from latsar_server.settings import Settings
from latsar_server.tables import EventRow
from tests.integration.serverkit import demo_package
from tests.servers import (
    PostgresCluster,
    PostgresUnavailable,
    RunningServer,
    ServerProcess,
)

TICKS = os.sysconf("SC_CLK_TCK")

# --------------------------------------------------------------------------- CPU accounting


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (its own threads; children not counted)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_cpu(pid: int) -> float:
    """CPU of a process and its live descendants."""
    return cpu_seconds(pid) + sum(tree_cpu(c) for c in children(pid))


def postmaster_pid(cluster: PostgresCluster | None) -> int | None:
    if cluster is None:
        return None
    return int((cluster.folder / "data" / "postmaster.pid").read_text().split()[0])


@contextmanager
def cpu_meter(server_pid: int, postmaster: int | None) -> Iterator[dict[str, float]]:
    """CPU seconds used inside the block by the server, PostgreSQL, and this process.

    PostgreSQL's figure counts backends alive at the end (the pool keeps them open)."""
    out: dict[str, float] = {}
    server0, client0 = tree_cpu(server_pid), cpu_seconds(os.getpid())
    pg0 = tree_cpu(postmaster) if postmaster else 0.0
    wall0 = time.perf_counter()
    yield out
    out["wall_s"] = time.perf_counter() - wall0
    out["server_cpu_s"] = tree_cpu(server_pid) - server0
    out["client_cpu_s"] = cpu_seconds(os.getpid()) - client0
    if postmaster:
        out["postgres_cpu_s"] = tree_cpu(postmaster) - pg0


# --------------------------------------------------------------------------- sampling


@contextmanager
def sampled(
    py_spy: str | None, pid: int, raw: Path, rate: int, subprocesses: bool = True
) -> Iterator[None]:
    """py-spy record on ``pid`` (and its worker processes) while the block runs.

    ``--gil``: only threads holding the GIL are sampled, so the samples are the server's
    Python CPU time (what one worker's throughput is bound by), not threads waiting on
    the database, a lock or the network."""
    if not py_spy:
        yield
        return
    command = [py_spy, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw"]
    command += ["--output", str(raw), "--nonblocking", "--gil"]
    command += ["--subprocesses"] if subprocesses else []  # the server is our child
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # attached before the load starts
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        _, err = spy.communicate(timeout=60)
        if not raw.exists():
            print(err.decode(errors="replace")[-2000:], file=sys.stderr)


def stacks(raw: Path) -> list[tuple[list[str], int]]:
    """py-spy's collapsed stacks, root first: each frame ``function (file:line)``."""
    out = []
    for line in raw.read_text().splitlines():
        path, _, count = line.rpartition(" ")
        if path:
            out.append((path.split(";"), int(count)))
    return out


def where(frame: str) -> tuple[str, str]:
    """(function, short file) of a frame, without the line."""
    name, _, rest = frame.partition(" (")
    file = rest.rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return name, file


# Exclusive buckets: the first rule whose test matches the stack (leaf → root order of
# checks is written into each rule) names the cost. Order matters: most specific first.
RULES: list[tuple[str, Callable[[list[tuple[str, str]]], bool]]] = []


def rule(name: str) -> Callable[[Callable[[list[tuple[str, str]]], bool]], None]:
    def add(test: Callable[[list[tuple[str, str]]], bool]) -> None:
        RULES.append((name, test))

    return add


def has(frames: list[tuple[str, str]], function: str, file_part: str = "") -> bool:
    return any((f == function or f.endswith("." + function)) and file_part in p for f, p in frames)


def under(frames: list[tuple[str, str]], file_part: str) -> bool:
    return any(file_part in p for _, p in frames)


@rule("auth: authenticated() (token, device, participant: 3 gets)")
def _auth(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "authenticated", "latsar_server/api/dependencies.py")


@rule("sync: the write transaction's commit (flush of every pending row + COMMIT)")
def _commit(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "sync_once", "sync/events.py") and has(fr, "commit", "sqlalchemy/orm/session.py")


@rule("sync: autoflush before a query inside the write")
def _autoflush(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "sync_once", "sync/events.py") and has(
        fr, "_autoflush", "sqlalchemy/orm/session.py"
    )


@rule("sync: record_passing / current_view in the write (whole standing)")
def _passing(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "record_passing", "standing.py")


@rule("sync: _standing_change (the standing rebuilt for the answer)")
def _standing(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_standing_change", "sync/events.py")


@rule("sync: _process: EventRow built + session.add (per event)")
def _event_row(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_process", "sync/events.py") and not has(fr, "_apply", "sync/events.py")


@rule("sync: _apply (event rules, changes appended)")
def _apply(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_apply", "sync/events.py")


@rule("sync: lock_participant (upsert + SELECT FOR UPDATE)")
def _lock(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "lock_participant", "standing.py")


@rule("sync: _start (activity rows, known ids)")
def _start(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_start", "sync/events.py")


@rule("sync: _acked_seq (max seq; twice per request)")
def _acked(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_acked_seq", "sync/events.py")


@rule("sync: _check_seq_reuse")
def _reuse(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_check_seq_reuse", "sync/events.py")


@rule("sync: _rejections")
def _rejections(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_rejections", "sync/events.py")


@rule("sync: _page (changes read and re-validated)")
def _page(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_page", "sync/events.py")


@rule("sync: _grading_due / _grade_waiting")
def _grading(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_grading_due", "sync/events.py") or has(fr, "_grade_waiting", "sync/events.py")


@rule("sync: _course_version")
def _version(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_course_version", "sync/events.py")


@rule("sync_once: the rest (sessions, pool, BEGIN, processed COUNT, SyncResponse)")
def _sync_rest(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "sync_once", "sync/events.py")


@rule("endpoint: request body read + gunzip (_decode)")
def _body(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "_decode", "latsar_server/api/sync.py") or (
        has(fr, "sync", "latsar_server/api/sync.py") and has(fr, "stream", "starlette")
    )


@rule("endpoint: SyncRequest.model_validate_json (the body parsed)")
def _parse(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "sync", "latsar_server/api/sync.py") and has(fr, "model_validate_json")


@rule("fastapi: response serialization (serialize_response / jsonable)")
def _serialize(fr: list[tuple[str, str]]) -> bool:
    return has(fr, "serialize_response", "fastapi") or has(fr, "jsonable_encoder", "fastapi")


@rule("framework: middleware stack (BodyLimit, GZip, logging), routing, dependency solving")
def _middleware(fr: list[tuple[str, str]]) -> bool:
    return under(fr, "latsar_server/api/middleware.py")


@rule("fastapi/starlette routing + dependency solving + threadpool hops")
def _framework(fr: list[tuple[str, str]]) -> bool:
    return under(fr, "fastapi/") or under(fr, "starlette/") or under(fr, "anyio/")


@rule("uvicorn HTTP (h11/httptools) + asyncio loop")
def _uvicorn(fr: list[tuple[str, str]]) -> bool:
    return under(fr, "uvicorn/") or under(fr, "asyncio/")


@rule("other")
def _other(fr: list[tuple[str, str]]) -> bool:
    return True


def leaf_bucket(frames: list[tuple[str, str]]) -> str:
    """Which library the sampled leaf frame is in: where the CPU really went."""
    function, file = frames[-1]
    for part, name in (
        ("sqlalchemy/orm/", "SQLAlchemy ORM (unit of work, identity map, loading)"),
        ("sqlalchemy/engine/default.py", "DB driver execute (sqlite3/psycopg, in C)"),
        ("sqlalchemy/", "SQLAlchemy Core (compile, execute, result)"),
        ("sqlmodel/", "SQLModel (model construction/validation)"),
        ("psycopg/", "psycopg (Python side)"),
        ("pydantic", "pydantic (validation/serialization)"),
        ("latsar_desktop/domain", "domain (latsar_desktop.domain)"),
        ("latsar_server/", "latsar_server own code"),
        ("fastapi/", "FastAPI"),
        ("starlette/", "Starlette"),
        ("anyio/", "anyio threadpool"),
        ("uvicorn/", "uvicorn"),
        ("h11/", "h11"),
        ("json/", "stdlib json"),
        ("asyncio/", "asyncio"),
        ("threading.py", "threading (locks, waits)"),
        ("concurrent/", "threading (locks, waits)"),
        ("logging/", "logging"),
        ("typing.py", "typing"),
    ):
        if part in file:
            return name
    return f"other: {function} ({file})"


def call_path(frames: list[tuple[str, str]]) -> str:
    """Our last three frames, then the first library function they called."""
    ours = [i for i, (_, file) in enumerate(frames) if "latsar_" in file]
    if not ours:
        return "(no latsar frame) " + " > ".join(f for f, _ in frames[-2:])
    last = ours[-1]
    path = " > ".join(frames[i][0] for i in ours[-3:])
    if last + 1 < len(frames):
        function, file = frames[last + 1]
        path += f" → {function} ({file.split('/')[0]})"
    return path


def report(raw: Path, title: str, requests: int, events: int, seconds: float) -> dict[str, Any]:
    """Percentages of the server's sampled CPU by cost, by library, and the hot paths."""
    samples = stacks(raw)
    total = sum(n for _, n in samples) or 1
    buckets: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    paths: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for frames_raw, count in samples:
        frames = [where(f) for f in frames_raw if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        name = next(n for n, test in RULES if test(frames))
        buckets[name] += count
        leaves[leaf_bucket(frames)] += count
        seen = set()
        for function, file in frames:
            key = f"{function} ({file})"
            if key not in seen and ("latsar_" in file or "sqlalchemy/orm/session" in file):
                inclusive[key] += count
                seen.add(key)
        paths[name][call_path(frames)] += count
    lines = [f"== {title}: {total} samples, {requests} requests, {events} events, {seconds:.1f}s"]
    lines.append("-- exclusive buckets (% of the server's sampled CPU), top paths within each")
    for name, count in buckets.most_common():
        lines.append(f"{100 * count / total:6.1f}%  {name}")
        for path, n in paths[name].most_common(3):
            lines.append(f"          {100 * n / total:5.1f}%  {path}")
    lines.append("-- by library of the sampled leaf frame")
    for name, count in leaves.most_common(15):
        lines.append(f"{100 * count / total:6.1f}%  {name}")
    lines.append("-- inclusive, our functions (and Session.commit/_autoflush)")
    for name, count in inclusive.most_common(40):
        lines.append(f"{100 * count / total:6.1f}%  {name}")
    text = "\n".join(lines)
    raw.with_suffix(".report.txt").write_text(text + "\n")
    print(text, flush=True)
    return {
        "samples": total,
        "buckets_percent": {k: round(100 * v / total, 1) for k, v in buckets.most_common()},
        "libraries_percent": {k: round(100 * v / total, 1) for k, v in leaves.most_common(12)},
    }


# --------------------------------------------------------------------------- the parts


def part_server(url: str, cluster: PostgresCluster | None, args: argparse.Namespace) -> dict:
    from server_sync import client, health, populate, push_all

    out_dir: Path = args.out
    kind = url.split(":")[0].split("+")[0]
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        work = populate(url, data_dir, args.participants, args.batch_size)
        requests = sum(len(w.batches) for w in work)
        events = sum(b.count for w in work for b in w.batches)
        served = ServerProcess.start(url, data_dir, 1, log=data_dir / "server.log")
        try:
            with client(served.url, args.concurrency) as http:
                health(http, 64, args.concurrency)  # warm-up
                raw_h = out_dir / f"server_{kind}_health.txt"
                with (
                    sampled(args.py_spy, served.process.pid, raw_h, args.rate),
                    cpu_meter(served.process.pid, postmaster_pid(cluster)) as cpu_h,
                ):
                    health_rate = health(http, requests, args.concurrency)
                raw = out_dir / f"server_{kind}_sync.txt"
                with (
                    sampled(args.py_spy, served.process.pid, raw, args.rate),
                    cpu_meter(served.process.pid, postmaster_pid(cluster)) as cpu,
                ):
                    seconds, _ = push_all(http, work, args.concurrency)
        finally:
            served.stop()
    result: dict[str, Any] = {
        "requests": requests,
        "events": events,
        "sync_per_second": round(requests / seconds, 1),
        "health_per_second": round(health_rate, 1),
        "ratio_to_health": round(requests / seconds / health_rate, 3),
        "per_sync_request_ms": {
            "wall": round(1000 * cpu["wall_s"] / requests, 2),
            "server_cpu": round(1000 * cpu["server_cpu_s"] / requests, 2),
            "postgres_cpu": round(1000 * cpu.get("postgres_cpu_s", 0) / requests, 2),
            "client_cpu": round(1000 * cpu["client_cpu_s"] / requests, 2),
        },
        "per_health_request_ms": {
            "server_cpu": round(1000 * cpu_h["server_cpu_s"] / requests, 2),
            "client_cpu": round(1000 * cpu_h["client_cpu_s"] / requests, 2),
        },
    }
    if args.py_spy and raw.exists():
        result["profile"] = report(raw, f"server_sync {kind}", requests, events, seconds)
    return result


def part_push(url: str, cluster: PostgresCluster | None, args: argparse.Namespace) -> dict:
    from sync_bench import add_events

    from latsar_desktop.sync.api import ApiClient
    from latsar_desktop.sync.engine import SyncEngine
    from tests.integration.serverkit import demo_people, load_demo, offline_store

    kind = url.split(":")[0].split("+")[0]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = Settings(database_url=url, data_dir=root / "server-data")
        migrate(url)
        served = ServerProcess.start(url, settings.data_dir, 1, log=root / "server.log")
        try:
            load_demo(RunningServer(served.url, settings))
            person = demo_people()[0]
            store = offline_store(root)
            api = ApiClient(served.url, store.device_id, timeout=120)
            api.login(person["nip"], person["nik"], "bench")
            engine = SyncEngine(api, store)
            add_events(store, 10_000)
            raw = args.out / f"push_{kind}.txt"
            raw_client = args.out / f"push_{kind}_client.txt"
            with (
                sampled(args.py_spy, served.process.pid, raw, args.rate),
                sampled(args.py_spy, os.getpid(), raw_client, args.rate, subprocesses=False),
                cpu_meter(served.process.pid, postmaster_pid(cluster)) as cpu,
            ):
                sync_report = engine.run()
            assert sync_report.consistent, sync_report
            assert sync_report.pushed == 10_000, sync_report
            api.close()
        finally:
            served.stop()
    result: dict[str, Any] = {
        "seconds": round(cpu["wall_s"], 2),
        "requests": sync_report.requests,
        "server_cpu_s": round(cpu["server_cpu_s"], 2),
        "postgres_cpu_s": round(cpu.get("postgres_cpu_s", 0), 2),
        "client_cpu_s": round(cpu["client_cpu_s"], 2),
        "server_cpu_ms_per_event": round(cpu["server_cpu_s"] / 10, 3),
    }
    if args.py_spy and raw.exists():
        result["profile"] = report(
            raw, f"push 10,000 {kind}", sync_report.requests, 10_000, cpu["wall_s"]
        )
    if args.py_spy and raw_client.exists():  # the desktop side: SyncEngine in this process
        client = report(raw_client, f"push 10,000 {kind}, client", 0, 10_000, cpu["wall_s"])
        result["client_profile_libraries"] = client["libraries_percent"]
    return result


def part_queries(url: str, args: argparse.Namespace) -> dict:
    """SQL statements per sync request (server_sync's batches of one participant), counted
    in-process on every engine: what "one query where there are several" would remove."""
    import httpx
    from server_sync import populate
    from sqlalchemy import Engine, event

    from tests.integration.serverkit import HEADERS
    from tests.servers import running_server

    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()[:4])[:60])

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        work = populate(url, data_dir, 1, args.batch_size)[0]
        settings = Settings(database_url=url, data_dir=data_dir)
        with running_server(settings) as server, httpx.Client(headers=HEADERS) as http:
            event.listen(Engine, "before_cursor_execute", seen)
            try:
                cursor = 0
                for n, batch in enumerate([*work.batches, None]):
                    statements.clear()
                    body = work.body(batch, cursor) if batch else work.body(work.batches[-1], 0)
                    label = f"batch {n + 1} ({batch.count} events)" if batch else "resend, all old"
                    response = http.post(
                        server.url + "/api/v1/sync",
                        content=body,
                        headers={
                            "Authorization": f"Bearer {work.token}",
                            "Content-Type": "application/json",
                        },
                    )
                    assert response.status_code == 200, response.text
                    cursor = response.json()["cursor"]
                    out[label] = {
                        "statements": len(statements),
                        "kinds": dict(collections.Counter(statements).most_common()),
                    }
            finally:
                event.remove(Engine, "before_cursor_execute", seen)
    return out


def events_like_sync_bench(count: int, per_request: int) -> list[bytes]:
    """Request bodies as the desktop sends sync_bench's events: activity completions of
    the demo course, in turn, ``per_request`` a request."""
    package = demo_package()
    ids = [a.id for _, a in package.activities() if a.kind is not ActivityKind.PRACTICE_QUIZ]
    device, at = uuid.uuid4(), datetime.now(UTC)
    envelopes = [
        EventEnvelope.of(
            ActivityCompletedEvent(
                id=uuid.uuid4(),
                device_id=device,
                seq=seq,
                at=at,
                payload=ActivityCompleted(
                    activity_id=ids[(seq - 1) % len(ids)], package_version=package.version
                ),
            )
        )
        for seq in range(1, count + 1)
    ]
    return [
        SyncRequest(device_id=device, events=envelopes[start : start + per_request], cursor=0)
        .model_dump_json()
        .encode()
        for start in range(0, count, per_request)
    ]


def part_baseline(url: str, args: argparse.Namespace) -> dict:
    """Parse the bodies with SyncRequest, then insert every event row in one transaction."""
    from server_sync import populate
    from sync_bench import event_rows

    with tempfile.TemporaryDirectory() as folder:
        populate(url, Path(folder), 1, 20)  # one participant (id 1) to own the events
    bodies = events_like_sync_bench(10_000, 100)
    engine = make_engine(url)
    best: dict[str, float] = {}
    try:
        for _ in range(args.baseline_runs):
            with engine.begin() as connection:
                connection.execute(EventRow.__table__.delete())  # type: ignore[attr-defined]
            started = time.perf_counter()
            requests = [SyncRequest.model_validate_json(body) for body in bodies]
            parsed = time.perf_counter()
            moment = datetime.now(UTC)
            rows = event_rows(requests, 1, moment)
            built = time.perf_counter()
            with engine.begin() as connection:
                connection.execute(insert(EventRow), rows)
            done = time.perf_counter()
            times = {
                "parse_s": parsed - started,
                "rows_s": built - parsed,
                "insert_s": done - built,
                "total_s": done - started,
            }
            if not best or times["total_s"] < best["total_s"]:
                best = times
        with engine.connect() as connection:
            stored = connection.execute(select(func.count()).select_from(EventRow)).scalar_one()
        assert stored == 10_000, stored
    finally:
        engine.dispose()
    return {k: round(v, 3) for k, v in best.items()} | {"runs": args.baseline_runs}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", default="server,push,queries,baseline")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--participants", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--py-spy", default=None, help="path of a py-spy binary")
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--report", type=Path, help="only analyse this raw file again")
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="profile-")))
    args = parser.parse_args()
    if args.report:
        report(args.report, args.report.stem, 0, 0, 0.0)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    parts, databases = args.parts.split(","), args.databases.split(",")
    results: dict[str, Any] = {"out": str(args.out), "load_average_at_start": os.getloadavg()[0]}
    cluster = None
    if "postgresql" in databases:
        try:
            cluster = PostgresCluster.start()
        except PostgresUnavailable as exc:
            results["postgresql"] = f"unavailable: {exc}"
    try:
        for database in databases:
            if database == "postgresql" and cluster is None:
                continue
            for part in parts:
                with tempfile.TemporaryDirectory() as folder:
                    if cluster is not None and database == "postgresql":
                        url = cluster.new_database()
                    else:
                        url = f"sqlite:///{folder}/bench.db"
                    if part == "server":
                        value = part_server(url, cluster, args)
                    elif part == "queries":
                        value = part_queries(url, args)
                    elif part == "push":
                        value = part_push(url, cluster, args)
                    else:
                        value = part_baseline(url, args)
                    results[f"{part}_{database}"] = value
                    print(json.dumps({f"{part}_{database}": value}), flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
    results["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
