"""Content from a static host: a real nginx serves the content files named by SHA-256.

The server's setting ``content_base_url`` points the package's content files at the
static host (``<base>/<sha256>``); the app downloads from there, through our FaultProxy,
with the same Range resume and SHA-256 check as from the API, and never sends the
participant's token there. nginx runs in the foreground (``daemon off``) with a config
written here, on a 127.0.0.1 port, every path (pid, logs, temp folders, the files) in a
``mkdtemp`` folder made readable to its workers (they do not run as root). One nginx, one
proxy and one loaded database for the module; the API (in this process) per test. Skipped
without nginx (Debian's ``nginx-light``), failed instead under CI=true.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from latsar_desktop.domain.protocol import CoursePackage
from latsar_desktop.session import ParticipantSession
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_server.courses.packages import with_content_urls
from latsar_server.database import migrate
from latsar_server.settings import Settings
from tests.faultproxy import FaultProxy
from tests.integration.serverkit import (
    bearer,
    client,
    demo_people,
    load_demo,
    login,
    sign_in,
    sqlite_settings,
)
from tests.servers import RunningServer, free_port, running_server, wait_until
from tools import demo_course as demo

PEOPLE = demo_people()
BIG = demo.large_clip()
PREFIX = "/konten/latsar"  # the files' folder on the static host (a base URL with a path)
# one line per request: what the test checks (no token, the Range, the answer)
LOG_FORMAT = '$request_method $uri "$http_authorization" "$http_range" $status $body_bytes_sent'
NGINX_CONF = """\
{user}daemon off;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format cdn '{log_format}';
    access_log {root}/access.log cdn;
    client_body_temp_path {root}/temp/body;
    proxy_temp_path {root}/temp/proxy;
    fastcgi_temp_path {root}/temp/fastcgi;
    uwsgi_temp_path {root}/temp/uwsgi;
    scgi_temp_path {root}/temp/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        location {prefix}/ {{
            alias {root}/files/;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class Request:
    """One line of nginx's access log."""

    method: str
    path: str
    authorization: str  # "-": none sent
    range: str  # "-": none sent
    status: int
    body_bytes: int


@dataclass
class Nginx:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    def requests(self) -> list[Request]:
        log = self.root / "access.log"
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        found = []
        for line in lines:
            method, path, rest = line.split(" ", 2)
            authorization, _, rest = rest[1:].partition('" "')
            range_, _, rest = rest.partition('" ')
            status, body = rest.split()
            found.append(Request(method, path, authorization, range_, int(status), int(body)))
        return found

    def requests_for(self, sha256: str, count: int) -> list[Request]:
        """The logged requests for the file, once there are ``count`` of them (nginx logs
        a request the proxy cut when it notices that the connection is gone)."""
        wanted = f"{PREFIX}/{sha256}"

        def logged() -> list[Request]:
            found = [r for r in self.requests() if r.path == wanted]
            return found if len(found) >= count else []

        return wait_until(logged, 10) or [r for r in self.requests() if r.path == wanted]

    def forget_requests(self) -> None:
        (self.root / "access.log").write_bytes(b"")  # nginx appends (O_APPEND) from 0


def nginx_binary() -> str:
    found = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found is None:
        message = "nginx is not installed (Debian: nginx-light)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs nginx: {message}")
        pytest.skip(message)
    return found


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def nginx() -> Iterator[Nginx]:
    """nginx serving every demo content file as ``<PREFIX>/<sha256>``."""
    binary = nginx_binary()
    root = Path(tempfile.mkdtemp(prefix="latsar-nginx-"))
    try:
        root.chmod(0o755)  # the workers (www-data under root) read the files
        files = root / "files"
        files.mkdir(mode=0o755)
        (root / "temp").mkdir(mode=0o755)
        for ref in demo.load_package().content_refs():
            target = files / ref.sha256
            shutil.copyfile(demo.content_dir() / ref.name, target)
            target.chmod(0o644)
        port = free_port()
        config = root / "nginx.conf"
        config.write_text(
            NGINX_CONF.format(
                user="user www-data;\n" if os.geteuid() == 0 else "",
                root=root,
                port=port,
                prefix=PREFIX,
                log_format=LOG_FORMAT,
            ),
            encoding="utf-8",
        )
        command = [binary, "-p", f"{root}/", "-e", f"{root}/error.log", "-c", str(config)]
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        try:
            wait_until(lambda: process.poll() is not None or answers(port), 10)
            if process.poll() is not None or not answers(port):
                errors = (root / "error.log").read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"nginx did not start: {errors}")
            yield Nginx(root, port, process)
        finally:
            process.send_signal(signal.SIGTERM)  # fast shutdown: master and workers
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def cdn(nginx: Nginx) -> Iterator[FaultProxy]:
    """The static host as the app reaches it: through a proxy that can cut a download."""
    with FaultProxy("127.0.0.1", nginx.port) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def settings(cdn: FaultProxy, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A SQLite database with the demo course and people (loaded once for the module), its
    content_base_url on the static host."""
    folder = tmp_path_factory.mktemp("static-host-server")
    chosen = sqlite_settings(folder, content_base_url=f"{cdn.url}{PREFIX}/")
    migrate(chosen.database_url)
    loader = RunningServer("not served", chosen)
    load_demo(loader)
    loader.engine.dispose()
    return chosen


@pytest.fixture
def server(settings: Settings) -> Iterator[RunningServer]:
    """The API on the module's database, per test (a server in this process must stop
    before the test ends: its threads would count as leaked)."""
    with running_server(settings) as running:
        yield running


@pytest.fixture
def proxy(cdn: FaultProxy, nginx: Nginx) -> Iterator[FaultProxy]:
    """The proxy to the static host, without faults, its counters and nginx's log empty."""
    cdn.clear()
    cdn.reset_counters()
    nginx.forget_requests()
    yield cdn
    cdn.clear()


@pytest.fixture
def budi(
    server: RunningServer, machine: MachineStore, sessions: list[ParticipantSession]
) -> ParticipantSession:
    session: ParticipantSession = sign_in(machine, server.url, PEOPLE[0])
    sessions.append(session)
    return session


def content_json(package: dict[str, Any]) -> list[dict[str, Any]]:
    """The ContentRef objects of a package's JSON, each file once."""
    activities = [package["welcome_video"]] + [
        activity
        for material in package["materials"]
        for sub in material["sub_materials"]
        for activity in sub["activities"]
    ]
    refs = {a["content"]["sha256"]: a["content"] for a in activities if a["content"]}
    return list(refs.values())


def clip_activity(package: CoursePackage) -> str:
    return next(
        a.id for _, a in package.activities() if a.content and a.content.sha256 == BIG.sha256
    )


def test_cut_download_resumes_with_range_from_the_static_host(
    proxy: FaultProxy, nginx: Nginx, budi: ParticipantSession, machine: MachineStore
) -> None:
    package = budi.package()
    activity = clip_activity(package)
    ref = package.activity(activity).content  # type: ignore[union-attr]
    assert ref is not None
    assert ref.url == f"{proxy.url}{PREFIX}/{BIG.sha256}"
    cut_at = int(BIG.size * 0.4)
    proxy.cut_down(cut_at, once=True)
    with pytest.raises(SyncError) as info:
        budi.fetch_content(activity)
    assert info.value.kind is SyncErrorKind.OFFLINE
    partial = budi.downloader.partial(ref)
    kept = partial.stat().st_size
    assert 0.3 * BIG.size < kept < cut_at
    assert budi.content_path(activity) is None

    path = budi.fetch_content(activity)

    assert path == machine.content_path(BIG.sha256)
    assert demo.content_dir().joinpath(BIG.name).read_bytes() == path.read_bytes()
    assert not partial.exists()
    first, resumed = nginx.requests_for(BIG.sha256, 2)
    assert (first.method, first.range, first.status) == ("GET", "-", 200)
    assert (resumed.range, resumed.status) == (f"bytes={kept}-", 206)
    assert resumed.body_bytes == BIG.size - kept  # only the rest moved
    assert first.authorization == resumed.authorization == "-"  # no token to a CDN
    assert proxy.requests == 2


def test_a_file_that_does_not_match_its_hash_is_not_kept(
    proxy: FaultProxy, nginx: Nginx, budi: ParticipantSession, machine: MachineStore
) -> None:
    """The static host is not trusted: what it serves is checked by SHA-256 and size."""
    package = budi.package()
    module = next(a for _, a in package.activities() if a.content and a.content.size < 50_000)
    assert module.content is not None
    served = nginx.root / "files" / module.content.sha256
    original = served.read_bytes()
    served.write_bytes(original[:-10] + b"X" * 10)  # same size, other bytes
    try:
        with pytest.raises(SyncError) as info:
            budi.fetch_content(module.id)
    finally:
        served.write_bytes(original)
    assert info.value.kind is SyncErrorKind.CORRUPT
    assert not machine.content_path(module.content.sha256).exists()
    assert proxy.requests == 2  # fetched whole once more, then refused


def test_the_package_etag_changes_with_the_setting(server: RunningServer) -> None:
    """The same database served without content_base_url: no ``url`` (the package as
    before the setting existed), another ETag, and the first server's ETag does not
    answer 304 there: an app fetches the package again when the setting changes."""
    plain = dataclasses.replace(server.settings, content_base_url="")
    path = f"/api/v1/courses/{demo.load_package().course_id}/package"
    with client(server) as http:
        auth = bearer(login(http, PEOPLE[1]))
        placed = http.get(path, headers=auth)
    with running_server(plain) as other, client(other) as http:
        unplaced = http.get(path, headers={**auth, "If-None-Match": placed.headers["ETag"]})
        again = http.get(path, headers={**auth, "If-None-Match": unplaced.headers["ETag"]})
    assert placed.status_code == unplaced.status_code == 200
    assert placed.headers["ETag"] != unplaced.headers["ETag"]
    assert again.status_code == 304
    without = CoursePackage.model_validate_json(unplaced.content)
    base = server.settings.content_base_url
    assert CoursePackage.model_validate_json(placed.content) == with_content_urls(without, base)
    assert all(ref.url is None for ref in without.content_refs())
    assert [sorted(ref) for ref in content_json(unplaced.json())] == [
        ["media_type", "name", "sha256", "size"]  # the key absent, not null
    ] * len(without.content_refs())


def test_a_content_base_url_must_be_an_http_address(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="content_base_url"):
        sqlite_settings(tmp_path, content_base_url="konten.example.invalid/latsar")
    assert sqlite_settings(tmp_path, content_base_url="https://konten.example.invalid/a")
