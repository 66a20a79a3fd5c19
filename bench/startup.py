"""How fast the sign-in screen shows, against a bare PySide6 + sqlmodel program.

In the same run, ``--rounds`` fresh processes each (interleaved, after one untimed
warm-up each), every one timed from its spawn to the moment it prints that its window
is exposed:

- ``source``: ``python -m latsar_desktop.app`` on a data directory prepared with two
  profiles, until the sign-in screen shows them (read from machine.db); the app's hidden
  probe (``LATSAR_STARTUP_PROBE=1``, ``latsar_desktop/ui/application.py``) prints
  ``shown <epoch seconds> …`` then and closes the window;
- ``frozen``: the participant's PyInstaller bundle (``dist/latsar-desktop/latsar-desktop``)
  the same way, when it has been built (else null);
- ``baseline``: the same Python importing sqlmodel, reading one row from a SQLite file,
  and showing a PySide6 window with one label.

Offscreen by default (``QT_QPA_PLATFORM=offscreen``); ``--xvfb`` runs every process on a
fresh Xvfb display instead (Qt's xcb platform, as a participant's screen). The medians
give ``startup_ratio`` (source ÷ baseline; the target is at most 1.3) and
``frozen_ratio`` (frozen ÷ baseline), printed in one JSON object on the last line, with
the same from the CPU seconds each process had used when it showed its window
(``cpu_*``: steadier than wall time when other work shares the machine's cores).

    .venv/bin/python bench/startup.py [--rounds 7] [--xvfb] [--bundle DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from latsar_desktop.store.machine import MachineStore  # noqa: E402
from latsar_desktop.ui.application import STARTUP_MARKER, STARTUP_PROBE_ENV  # noqa: E402

BUNDLE = ROOT / "dist" / "latsar-desktop"
GIVE_UP = 120.0  # seconds: a start that takes longer has failed
BASELINE = """\
import json, sys, time
import sqlmodel
from sqlalchemy import text
engine = sqlmodel.create_engine("sqlite:///" + sys.argv[1])
with engine.connect() as connection:
    row = connection.execute(text("SELECT id, name FROM person LIMIT 1")).one()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel(f"Latsar baseline: {row.name}")
label.setWindowTitle("baseline window")
label.resize(480, 320)
label.show()
def check():
    handle = label.windowHandle()
    if handle is None or not handle.isExposed():
        QTimer.singleShot(1, check)
        return
    print(f"shown {time.time():.6f} " + json.dumps({"cpu": time.process_time()}), flush=True)
    label.close()
QTimer.singleShot(0, check)
app.exec()
"""


def prepare(folder: Path) -> tuple[Path, Path]:
    """A data directory with two profiles in machine.db, and the baseline's SQLite file."""
    data = folder / "data"
    machine = MachineStore(data)
    try:
        machine.add_profile("199005142026011901", "Budi Santoso", "Pemerintah Kota Bandung")
        machine.add_profile("199308212026012902", "Siti Rahmawati", "Pemerintah Kota Surabaya")
    finally:
        machine.close()
    database = folder / "baseline.db"
    import sqlite3

    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO person (name) VALUES ('Budi Santoso')")
    return data, database


def time_to_marker(command: list[str], env: Mapping[str, str]) -> tuple[float, float | None]:
    """Seconds from the spawn of ``command`` to the time its marker line names, and the
    CPU seconds the process had used by then (as it says; None if it does not)."""
    lines: queue.Queue[str | None] = queue.Queue()
    started = time.time()
    child = subprocess.Popen(
        command, cwd=ROOT, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )

    def read() -> None:
        assert child.stdout is not None
        for raw in child.stdout:
            lines.put(raw.decode("utf-8", "replace"))
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while True:
            line = lines.get(timeout=max(0.1, started + GIVE_UP - time.time()))
            if line is None:
                raise RuntimeError(f"{command[0]} ended (status {child.wait()}) without a marker")
            if line.startswith(STARTUP_MARKER + " "):
                parts = line.split(" ", 2)
                shown = float(parts[1])
                facts = json.loads(parts[2]) if len(parts) > 2 else {}
                cpu = facts.get("cpu")
                break
        if child.wait(GIVE_UP) != 0:
            raise RuntimeError(f"{command[0]} exited with {child.returncode}")
        return shown - started, None if cpu is None else float(cpu)
    except queue.Empty:
        raise RuntimeError(f"{command[0]}: no marker within {GIVE_UP:.0f} s") from None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        reader.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed runs of each (>= 5)")
    parser.add_argument("--xvfb", action="store_true", help="on Xvfb instead of offscreen")
    parser.add_argument("--bundle", type=Path, default=BUNDLE, help="the frozen app's folder")
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("--rounds: at least 5")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="startup-")))
        data, database = prepare(folder)
        home = folder / "home"
        home.mkdir()
        env = {**os.environ, "HOME": str(home), "LATSAR_DATA_DIR": str(data)}
        env[STARTUP_PROBE_ENV] = "1"
        env.pop("LATSAR_LOG_DIR", None)
        # byte-code files written by the warm-up, as an installed app has them
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.xvfb:
            from tools.xvfb import xvfb

            env.update(stack.enter_context(xvfb()).env())
            env.pop("QT_QPA_PLATFORM", None)
        else:
            env["QT_QPA_PLATFORM"] = "offscreen"
        executable = args.bundle / ("latsar-desktop.exe" if os.name == "nt" else "latsar-desktop")
        app = [sys.executable, "-m", "latsar_desktop.app"]
        bare = [sys.executable, "-c", BASELINE, str(database)]
        kinds: dict[str, Callable[[], tuple[float, float | None]]] = {
            "source": lambda: time_to_marker(app, env),
            "baseline": lambda: time_to_marker(bare, env),
        }
        if executable.is_file():
            kinds["frozen"] = lambda: time_to_marker([str(executable)], env)
        walls: dict[str, list[float]] = {kind: [] for kind in kinds}
        cpus: dict[str, list[float]] = {kind: [] for kind in kinds}
        for measure in kinds.values():
            measure()  # warm-up: the disk cache, the byte-code files
        for round_ in range(args.rounds):
            for kind, measure in kinds.items():
                wall, cpu = measure()
                walls[kind].append(wall)
                if cpu is not None:
                    cpus[kind].append(cpu)
            print(
                f"round {round_ + 1}: "
                + ", ".join(f"{kind} {times[-1]:.3f} s" for kind, times in walls.items()),
                flush=True,
            )
    print(json.dumps(summary(walls, cpus, "xvfb" if args.xvfb else "offscreen")))


def summary(
    walls: Mapping[str, list[float]], cpus: Mapping[str, list[float]], platform: str
) -> dict[str, object]:
    """The medians and ratios (wall time: the target's; CPU time: steadier on a busy
    machine, where the wall times of one kind spread widely)."""

    def median(runs: Mapping[str, list[float]], kind: str) -> float | None:
        times = runs.get(kind) or []
        return round(statistics.median(times), 3) if times else None

    def ratio(top: float | None, bottom: float | None) -> float | None:
        return None if top is None or not bottom else round(top / bottom, 3)

    wall = {kind: median(walls, kind) for kind in ("source", "frozen", "baseline")}
    cpu = {kind: median(cpus, kind) for kind in ("source", "frozen", "baseline")}
    return {
        "platform": platform,
        "rounds": len(walls["source"]),
        "source_s": wall["source"],
        "frozen_s": wall["frozen"],
        "baseline_s": wall["baseline"],
        "startup_ratio": ratio(wall["source"], wall["baseline"]),
        "frozen_ratio": ratio(wall["frozen"], wall["baseline"]),
        "target_startup_ratio": 1.3,
        "cpu_source_s": cpu["source"],
        "cpu_frozen_s": cpu["frozen"],
        "cpu_baseline_s": cpu["baseline"],
        "cpu_startup_ratio": ratio(cpu["source"], cpu["baseline"]),
        "cpu_frozen_ratio": ratio(cpu["frozen"], cpu["baseline"]),
        "runs": {kind: [round(t, 3) for t in times] for kind, times in walls.items()},
        "cpu_runs": {kind: [round(t, 3) for t in times] for kind, times in cpus.items()},
    }


if __name__ == "__main__":
    main()
