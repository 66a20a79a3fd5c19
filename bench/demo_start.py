"""How long the README's run command takes to show the sign-in screen with the demo people.

On a fresh Xvfb display (Qt's xcb platform, as a participant's screen), ``--rounds``
times: ``scripts/demo`` is started (the environment already made: "once set up") and
timed until its log says the sign-in screen is shown; then it is closed (SIGTERM). The
baseline is timed the same way on the same display in the same run: the environment's
Python showing a bare Qt window (import PySide6, one QLabel, first paint). The issue's
target: the sign-in screen within 10 s.

    .venv/bin/python bench/demo_start.py [--rounds 3]

Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.xvfb import Display, xvfb  # noqa: E402

SHOWN = "sign-in screen shown"
BARE_WINDOW = (
    "from PySide6.QtWidgets import QApplication, QLabel\n"
    "from PySide6.QtCore import QTimer\n"
    "app = QApplication([])\n"
    "label = QLabel('Latsar baseline')\n"
    "label.setWindowTitle('baseline window')\n"
    "label.show()\n"
    "QTimer.singleShot(0, lambda: print('shown', flush=True))\n"
    "app.exec()\n"
)


def time_baseline(display: Display) -> float:
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-c", BARE_WINDOW], env=display.env(), stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    child.stdout.readline()
    took = time.monotonic() - started
    child.terminate()
    child.wait(30)
    return took


def time_demo(display: Display) -> float:
    with tempfile.TemporaryDirectory() as folder:
        logs = Path(folder) / "logs"
        env = display.env(TMPDIR=folder, HOME=folder, LATSAR_LOG_DIR=str(logs))
        env.pop("LATSAR_DATA_DIR", None)
        started = time.monotonic()
        child = subprocess.Popen([str(ROOT / "scripts" / "demo")], cwd=ROOT, env=env)
        log = logs / "latsar-desktop.log"
        try:
            while not (log.exists() and SHOWN in log.read_text("utf-8")):
                if child.poll() is not None or time.monotonic() - started > 120:
                    raise RuntimeError("the demo did not show its sign-in screen")
                time.sleep(0.05)
            return time.monotonic() - started
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with xvfb() as display:
        time_demo(display)  # the environment made once, as "once set up" says
        baseline = [time_baseline(display) for _ in range(args.rounds)]
        demo = [time_demo(display) for _ in range(args.rounds)]
    result = {
        "baseline_bare_qt_window_s": round(statistics.median(baseline), 2),
        "demo_sign_in_shown_s": round(statistics.median(demo), 2),
        "demo_runs_s": [round(x, 2) for x in demo],
        "ratio_to_baseline": round(statistics.median(demo) / statistics.median(baseline), 1),
        "target_s": 10,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
