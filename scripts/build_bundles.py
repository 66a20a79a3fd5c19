"""Build both PyInstaller bundles (build.spec) and check the frozen binaries.

Run with the project's environment's Python (``scripts/build-bundles`` does), which must
have the ``bundle`` extra (PyInstaller) and the ``gui`` and ``server`` extras: this script
installs nothing.

1. Builds ``dist/latsar-desktop/`` and ``dist/latsar-desktop-demo/``: one PyInstaller
   process per bundle, side by side (``--jobs``), each with its workpath under ``build/``
   and its log in ``build/<bundle>.log``.
2. Checks each frozen binary (nothing it writes lands in $HOME: HOME, the XDG folders and
   TMPDIR point into a temporary folder):
   - ``--version`` prints the package's version;
   - ``--self-test`` passes offscreen (its lines are printed);
   - the participant's bundle carries none of the server's modules, and its ``--demo``
     says that the server is missing (exit status 2);
   - the demo bundle's ``--embedded-server`` serves: /health, a demo participant signs
     in and gets the course package;
   - the demo bundle's ``--demo`` reaches the sign-in screen (``LATSAR_STARTUP_PROBE=1``
     prints ``shown`` with what shows, then closes the window).
3. Zips each bundle (deflate, symbolic links kept as links, as ``zip -y`` does) to
   ``dist/<bundle>-<version>-<platform>.zip``.

The last line of the output is one JSON object: the version, the build and check times,
and each bundle's size raw and zipped. Exit status 0 when everything passed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import os
import platform
import queue
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "build.spec"
APP = "latsar-desktop"
DEMO = "latsar-desktop-demo"
BUNDLES = {APP: "app", DEMO: "demo"}  # the bundle's name: its LATSAR_BUNDLES value
# top-level modules the participant's bundle must not carry (the server and its stack)
SERVER_MODULES = ("latsar_server", "fastapi", "starlette", "uvicorn", "alembic", "psycopg")
SELF_TEST_TIMEOUT = 300.0
SERVER_TIMEOUT = 120.0
DEMO_TIMEOUT = 180.0
MB = 1_000_000


class CheckFailed(RuntimeError):
    """A frozen binary did not do what it should; the text says what it did instead."""


@dataclass
class Report:
    version: str
    build_seconds: dict[str, float] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def check(self, name: str, work: Callable[[], str]) -> bool:
        """Run one check, print its outcome, keep it; True when it passed."""
        print(f"== check {name}", flush=True)
        started = time.monotonic()
        try:
            detail, ok = work(), True
        except (CheckFailed, OSError, subprocess.SubprocessError, ValueError, KeyError) as error:
            detail, ok = f"{type(error).__name__}: {error}", False
        seconds = round(time.monotonic() - started, 1)
        self.checks[name] = {"ok": ok, "seconds": seconds, "detail": detail.splitlines()[-1:]}
        print(f"{'ok' if ok else 'FAIL'}  {name}  {seconds} s  {detail}", flush=True)
        return ok


# ------------------------------------------------------------------------- building


def pyinstaller_version() -> str:
    try:
        import PyInstaller  # type: ignore[import-untyped]
    except ImportError:
        raise SystemExit(
            "PyInstaller is missing from this environment: install the bundle extra, e.g. "
            f'{sys.executable} -m uv pip install -e ".[gui,server,bundle]"'
        ) from None
    return str(PyInstaller.__version__)


def build(name: str, dist: Path, work: Path) -> float:
    """One bundle with PyInstaller (its own process and workpath); the seconds it took."""
    work.mkdir(parents=True, exist_ok=True)
    log = work.parent / f"{name}.log"
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        status = subprocess.call(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--log-level",
                "WARN",
                "--distpath",
                str(dist),
                "--workpath",
                str(work),
                str(SPEC),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LATSAR_BUNDLES": BUNDLES[name],
                # PyInstaller's cache, in build/ instead of the user's home
                "PYINSTALLER_CONFIG_DIR": str(work / "pyinstaller-cache"),
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    seconds = time.monotonic() - started
    if status != 0:
        print(log.read_text(encoding="utf-8", errors="replace")[-6000:], file=sys.stderr)
        raise SystemExit(f"PyInstaller failed for {name} (status {status}); log: {log}")
    print(f"built {name} in {seconds:.0f} s (log: {log})", flush=True)
    return seconds


# ------------------------------------------------------------------------- checking


def binary(dist: Path, name: str) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / name / f"{name}{suffix}"


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a frozen binary: offscreen, its home and temporary files in
    ``home``, no LATSAR_* setting from the caller."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LATSAR_")}
    for variable, folder in {
        "HOME": "home",
        "USERPROFILE": "home",
        "XDG_DATA_HOME": "home/.local/share",
        "XDG_STATE_HOME": "home/.local/state",
        "XDG_CACHE_HOME": "home/.cache",
        "XDG_CONFIG_HOME": "home/.config",
        "TMPDIR": "tmp",
        "TEMP": "tmp",
        "TMP": "tmp",
    }.items():
        path = home / folder
        path.mkdir(parents=True, exist_ok=True)
        env[variable] = str(path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run(
    command: list[str], env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"exit status {result.returncode}; stdout:\n{result.stdout[-3000:]}\n"
        f"stderr:\n{result.stderr[-3000:]}"
    )


def check_version(exe: Path, version: str, home: Path) -> str:
    result = run([str(exe), "--version"], child_env(home), 60)
    said = result.stdout.strip()
    if result.returncode != 0 or said != f"latsar-desktop {version}":
        raise CheckFailed(f"expected 'latsar-desktop {version}'; {explain(result)}")
    return said


def check_self_test(exe: Path, home: Path) -> str:
    result = run([str(exe), "--self-test"], child_env(home), SELF_TEST_TIMEOUT)
    for line in result.stdout.splitlines():
        print(f"    {line}", flush=True)
    if result.returncode != 0:
        raise CheckFailed(f"exit status {result.returncode}; stderr:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


def bundled_modules(exe: Path) -> set[str]:
    """The top-level Python modules in a bundle: its archive's and its extension modules'."""
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

    archive = CArchiveReader(str(exe))
    names = set(archive.toc)
    if "PYZ.pyz" in archive.toc:
        names |= set(archive.open_embedded_archive("PYZ.pyz").toc)
    internal = exe.parent / "_internal"
    if internal.is_dir():
        names |= {path.name for path in internal.iterdir() if path.is_dir()}
    return {name.split(".", 1)[0] for name in names}


def check_no_server(exe: Path, home: Path) -> str:
    carried = sorted(set(SERVER_MODULES) & bundled_modules(exe))
    if carried:
        raise CheckFailed(f"the participant's bundle carries {carried}")
    result = run([str(exe), "--demo"], child_env(home), 120)
    if result.returncode != 2 or "latsar-desktop[gui,server]" not in result.stderr:
        raise CheckFailed(f"--demo should say the server is missing; {explain(result)}")
    return f"none of {', '.join(SERVER_MODULES)}; --demo exits 2"


def first_line(stream: IO[bytes], timeout: float) -> bytes:
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline(1000)), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return b""


def check_embedded_server(exe: Path, version: str, home: Path) -> str:
    """The demo bundle's server child: it serves, and a demo participant signs in."""
    import httpx

    from latsar_desktop.domain.protocol import HEADER_APP_VERSION, HEADER_PROTOCOL
    from latsar_desktop.domain.protocol import PROTOCOL_VERSION as PROTOCOL

    folder = home / "embedded-server"
    log_path = home / "embedded-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(exe), "--embedded-server", str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=child_env(home),
        )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        line = first_line(process.stdout, SERVER_TIMEOUT).decode("utf-8", "replace").strip()
        if not line.startswith("LATSAR-SERVER "):
            raise CheckFailed(f"no ready line ({line!r}); its log:\n{log_tail(log_path)}")
        url = line.split(" ", 1)[1]
        with open(ROOT / "resources/demo_course/participants.csv", encoding="utf-8") as handle:
            person = next(csv.DictReader(handle))
        headers = {HEADER_PROTOCOL: str(PROTOCOL), HEADER_APP_VERSION: version}
        with httpx.Client(base_url=url, timeout=60, headers=headers, trust_env=False) as client:
            health = client.get("/health").raise_for_status().json()
            login = client.post(
                "/api/v1/auth/login",
                json={
                    "nip": person["nip"],
                    "nik": person["nik"],
                    "device_id": str(uuid.uuid4()),
                    "device_name": "build-bundles",
                },
            ).raise_for_status()
            body = login.json()
            token = body["tokens"]["access_token"]
            package = client.get(
                f"/api/v1/courses/{body['course_id']}/package",
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
        materials = len(package.json()["materials"])
    except httpx.HTTPError as error:
        raise CheckFailed(f"{error}; its log:\n{log_tail(log_path)}") from error
    finally:
        process.stdin.close()  # end of input: the server stops
        try:
            status = process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        process.stdout.close()
    if status != 0:
        raise CheckFailed(f"the server exited with status {status}: {log_tail(log_path)}")
    return (
        f"{url}, version {health['version']}, {person['name']} signed in, "
        f"the course package ({materials} materials)"
    )


def log_tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-3000:]
    except OSError as error:
        return f"(no log: {error})"


def check_demo_signin(exe: Path, home: Path) -> str:
    """``--demo`` up to the sign-in screen: the app's start-up probe prints ``shown``."""
    env = child_env(home, LATSAR_STARTUP_PROBE="1")
    result = run([str(exe), "--demo"], env, DEMO_TIMEOUT)
    shown = [line for line in result.stdout.splitlines() if line.startswith("shown ")]
    if result.returncode != 0 or not shown:
        raise CheckFailed(explain(result))
    facts = json.loads(shown[-1].split(" ", 2)[2])
    if facts.get("signin") is not True:
        raise CheckFailed(f"not the sign-in screen: {shown[-1][:500]}")
    return f"the sign-in screen shown ({len(facts.get('modules', []))} modules imported by then)"


# ------------------------------------------------------------------------- sizes


def walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or path.is_file():
            yield path


def raw_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of a bundle as it lies on disk: a symbolic link counts as a link."""
    total = files = 0
    for path in walk(folder):
        total += path.lstat().st_size
        files += 1
    return total, files


def zip_bundle(folder: Path, target: Path) -> int:
    """Zip ``folder`` (deflate; a symbolic link stored as a link, as ``zip -y``); its size."""
    target.unlink(missing_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in walk(folder):
            name = path.relative_to(folder.parent).as_posix()
            if path.is_symlink():
                info = zipfile.ZipInfo(name, time.localtime(path.lstat().st_mtime)[:6])
                info.create_system = 3  # Unix: the mode below is read by unzip
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, os.readlink(path))
            else:
                archive.write(path, name)
    return target.stat().st_size


def zip_path(dist: Path, name: str, version: str) -> Path:
    return dist / f"{name}-{version}-{platform_tag()}.zip"


def timed(work: Callable[..., int], *args: Any) -> tuple[int, float]:
    started = time.monotonic()
    return work(*args), time.monotonic() - started


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    return f"{system}-{platform.machine().lower()}"


# ------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parse = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parse.add_argument("--dist", type=Path, default=ROOT / "dist")
    parse.add_argument("--work", type=Path, default=ROOT / "build")
    parse.add_argument("--jobs", type=int, default=2, help="PyInstaller processes at once")
    parse.add_argument("--skip-build", action="store_true", help="check the bundles in --dist")
    args = parse.parse_args(argv)
    started = time.monotonic()
    print(f"PyInstaller {pyinstaller_version()}, Python {platform.python_version()}", flush=True)
    sys.path.insert(0, str(ROOT))
    from latsar_desktop import __version__

    report = Report(version=__version__)
    if not args.skip_build:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            builds = {
                name: pool.submit(build, name, args.dist, args.work / name) for name in BUNDLES
            }
            for name, built in builds.items():
                report.build_seconds[name] = round(built.result(), 1)

    app, demo = binary(args.dist, APP), binary(args.dist, DEMO)
    home = Path(tempfile.mkdtemp(prefix="latsar-bundles-"))
    # the zips are written while the checks run (the checks mostly wait on their children)
    zipper = concurrent.futures.ThreadPoolExecutor(len(BUNDLES))
    zip_started = time.monotonic()
    zips = {
        name: zipper.submit(
            timed, zip_bundle, args.dist / name, zip_path(args.dist, name, __version__)
        )
        for name in BUNDLES
    }
    checks_started = time.monotonic()
    try:
        for name, exe in ((APP, app), (DEMO, demo)):
            report.check(f"{name} --version", partial(check_version, exe, __version__, home))
            report.check(f"{name} --self-test", partial(check_self_test, exe, home))
        report.check(f"{APP} without the server", lambda: check_no_server(app, home))
        report.check(
            f"{DEMO} --embedded-server", lambda: check_embedded_server(demo, __version__, home)
        )
        report.check(f"{DEMO} --demo sign-in", lambda: check_demo_signin(demo, home))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    check_seconds = time.monotonic() - checks_started

    with zipper:
        for name, zipping in zips.items():
            raw, files = raw_size(args.dist / name)
            zipped, seconds = zipping.result()
            report.bundles[name] = {
                "raw_mb": round(raw / MB, 1),
                "zip_mb": round(zipped / MB, 1),
                "raw_bytes": raw,
                "zip_bytes": zipped,
                "files": files,
                "zip": zip_path(args.dist, name, __version__).name,
            }
            print(
                f"{name}: {raw / MB:.1f} MB raw, {zipped / MB:.1f} MB zipped ({seconds:.0f} s)",
                flush=True,
            )
    zip_seconds = time.monotonic() - zip_started
    failed = [name for name, outcome in report.checks.items() if not outcome["ok"]]
    summary = {
        "version": report.version,
        "platform": platform_tag(),
        "ok": not failed,
        "failed": failed,
        "build_s": report.build_seconds,
        "check_s": round(check_seconds, 1),
        "zip_s": round(zip_seconds, 1),  # beside the checks, not after them
        "total_s": round(time.monotonic() - started, 1),
        "bundles": report.bundles,
        "checks": {name: outcome["seconds"] for name, outcome in report.checks.items()},
    }
    print(json.dumps(summary), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
