"""``latsar-desktop --self-test``: is this installation whole? (also a frozen bundle's)

Offscreen (``QT_QPA_PLATFORM=offscreen`` unless the caller chose a platform), in a
temporary data directory (``LATSAR_DATA_DIR`` and ``LATSAR_LOG_DIR`` point there for the
run, so the user's own is never opened; it is deleted at the end), it checks in turn:

- ``display``: ``latsar_desktop/display.py`` finds nothing that would stop Qt;
- ``resources``: the bundled resources (``locations.resources_dir``: the fonts, both
  catalogs, the course package and the clip the later checks use);
- ``qt``: the QApplication starts on its platform, styled;
- ``profile``: a profile made on this computer (machine.db, its verifier and sealed
  tokens, the bundled course package) and signed in offline, as a participant does
  with no server;
- ``pages``: the main window shows the sign-in screen with that profile, then every page
  is built and shown: the first sync's, the welcome video's, the shell's Beranda,
  Course, Pengaturan, Profil and the attempt's (``latsar_desktop/ui/selftest.py``);
- ``clip``: ``SELFTEST_PLAY_MS`` of the bundled clip played by the app's own player
  (QtMultimedia), its position seen past that;
- ``certificate``: a certificate signed here with a fresh key, drawn as a PDF with the
  bundled fonts and verified genuine (signature and byte-for-byte redraw);
- ``cleanup``: the temporary data directory is gone.

One line per check on stdout, ``ok    <name>  <ms> ms`` or ``FAIL  <name>  <ms> ms  <why>``
(``skip`` when a check it needs failed), then a summary line. Every check runs even when
one before it failed (unless it needs that one): the exit status is 0 when all passed,
1 otherwise, and the summary names the failed checks.

``LATSAR_SELFTEST_CLIP`` names another clip to play instead of the bundled one (a test
gives it a broken file to see the ``clip`` check fail).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from latsar_desktop import locations

if TYPE_CHECKING:
    from latsar_desktop.domain.protocol import CoursePackage
    from latsar_desktop.session.participant import ParticipantSession
    from latsar_desktop.store.machine import MachineStore

CLIP_ENV = "LATSAR_SELFTEST_CLIP"
SELFTEST_PLAY_MS = 500
PACKAGE = Path("demo_course") / "package.json"  # under resources/
CLIP = Path("demo_course") / "content" / "video-sambutan.mp4"
# a fictitious participant (valid NIP and NIK shapes, the same birth date)
NIP, NIK = "199001012026011001", "3201010101900001"
NAME, AGENCY = "Peserta Uji Mandiri", "Latsar Desktop"


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # "ok", "FAIL", "skip"
    ms: float
    detail: str = ""

    def line(self) -> str:
        detail = f"  {self.detail}" if self.detail else ""
        return f"{self.status:<4}  {self.name:<11}  {self.ms:7.0f} ms{detail}"


class SelfTest:
    """Runs checks in order, prints each outcome at once, keeps them."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.outcomes: dict[str, Outcome] = {}

    def check(self, name: str, work: Callable[[], str | None], needs: Iterable[str] = ()) -> bool:
        """Run ``work`` (it returns a detail for the line, or None) unless a check it
        ``needs`` did not pass; True when it passed."""
        blocked = [need for need in needs if self.outcomes[need].status != "ok"]
        started = time.perf_counter()
        if blocked:
            outcome = Outcome(name, "skip", 0.0, "needs " + ", ".join(blocked))
        else:
            try:
                detail = work()
                outcome = Outcome(name, "ok", _ms(started), detail or "")
            except Exception as error:
                why = f"{type(error).__name__}: {error}".replace("\n", " | ")
                outcome = Outcome(name, "FAIL", _ms(started), why)
                traceback.print_exc(file=sys.stderr)
        self.outcomes[name] = outcome
        print(outcome.line(), file=self.out, flush=True)
        return outcome.status == "ok"

    def failed(self) -> list[str]:
        return [name for name, outcome in self.outcomes.items() if outcome.status != "ok"]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def run_self_test(out: IO[str] | None = None) -> int:
    """Every check (see the module docstring); the exit status."""
    out = out if out is not None else sys.stdout
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    root = Path(tempfile.mkdtemp(prefix="latsar-selftest-"))
    os.environ[locations.DATA_DIR_ENV] = str(root / "data")
    os.environ[locations.LOG_DIR_ENV] = str(root / "logs")
    test = SelfTest(out)
    kept: dict[str, Any] = {}
    try:
        test.check("display", _display)
        test.check("resources", lambda: _resources(kept))
        test.check("qt", _qt, needs=["display"])
        test.check("profile", lambda: _profile(root / "data", kept), needs=["resources"])
        test.check("pages", lambda: _pages(kept), needs=["qt", "profile"])
        test.check("clip", lambda: _clip(kept), needs=["qt", "resources"])
        test.check("certificate", _certificate, needs=["resources"])
    finally:
        _close(kept)
    test.check("cleanup", lambda: _cleanup(root))
    failed = test.failed()
    if failed:
        print(f"self-test FAILED: {', '.join(failed)}", file=out, flush=True)
        return 1
    print(f"self-test ok: {len(test.outcomes)} checks", file=out, flush=True)
    return 0


# ------------------------------------------------------------------ the checks


def _display() -> str:
    from latsar_desktop import display

    found = display.problem()
    if found is not None:
        raise RuntimeError(display.explain(found))
    return f"platform {display.platform_name(os.environ)}"


def _resources(kept: dict[str, Any]) -> str:
    from latsar_desktop import i18n
    from latsar_desktop.certificate import layout1
    from latsar_desktop.domain.messages import Code
    from latsar_desktop.domain.protocol import CoursePackage

    folder = locations.resources_dir()
    for file in layout1.FONT_FILES.values():
        if not (folder / "fonts" / file).is_file():
            raise FileNotFoundError(f"font {file} missing under {folder}")
    for language in i18n.LANGUAGES:
        i18n.text(Code.DISPLAY_NONE, language)  # the catalog loads and has its texts
    package = CoursePackage.model_validate_json((folder / PACKAGE).read_bytes())
    clip = Path(os.environ.get(CLIP_ENV) or folder / CLIP)
    if not clip.is_file():
        raise FileNotFoundError(f"clip {clip} missing")
    kept["package"], kept["clip"] = package, clip
    return str(folder)


def _qt() -> str:
    from latsar_desktop.ui.selftest import start_qt

    return f"platform {start_qt()}"


def _profile(data: Path, kept: dict[str, Any]) -> str:
    from latsar_desktop.clock import utc_now
    from latsar_desktop.domain.protocol import Tokens
    from latsar_desktop.session.participant import ParticipantSession
    from latsar_desktop.store.machine import MachineStore
    from latsar_desktop.store.profile import ProfileStore

    package: CoursePackage = kept["package"]
    machine = MachineStore(data)
    kept["machine"] = machine
    profile = machine.add_profile(NIP, NAME, AGENCY)
    now = utc_now()
    tokens = Tokens(
        access_token="self-test",
        access_expires_at=now + timedelta(hours=1),
        refresh_token="self-test",
        refresh_expires_at=now + timedelta(days=1),
    )
    machine.remember_sign_in(profile.id, NIK, tokens)
    store = ProfileStore(machine.profile_path(profile), uuid.UUID(profile.device_id))
    try:
        store.save_package(package)
    finally:
        store.close()
    session = ParticipantSession.sign_in(machine, NIP, NIK, device_name="self-test")
    kept["session"] = session
    if session.online:
        raise RuntimeError("the sign-in went online: no server was configured")
    view = session.view()
    return f"offline, {len(package.materials)} materials, {view.trophies} trophies"


def _pages(kept: dict[str, Any]) -> str:
    from latsar_desktop.ui.selftest import build_pages

    machine: MachineStore = kept["machine"]
    session: ParticipantSession = kept["session"]
    return " ".join(build_pages(machine, session))


def _clip(kept: dict[str, Any]) -> str:
    from latsar_desktop.ui.selftest import play_clip

    clip: Path = kept["clip"]
    position = play_clip(clip, SELFTEST_PLAY_MS)
    return f"{clip.name} at {position} ms"


def _certificate() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from latsar_desktop.certificate.render import render_pdf, verify_pdf
    from latsar_desktop.domain.protocol import CertificateRecord, SignedCertificate

    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    record = CertificateRecord(
        certificate_number="SELFTEST/0001",
        name=NAME,
        nip=NIP,
        agency=AGENCY,
        course_title="Uji mandiri Latsar Desktop",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 1),
        final_score=Decimal("90.00"),
        predicate="Sangat Memuaskan",
        issued_on=date(2026, 2, 2),
        verification_code="SELF-TEST-0001",
        verify_url="https://latsar.example.invalid/verify/SELF-TEST-0001",
        key_id="k-self-test",
    )
    fields = record.model_dump(mode="json")
    record_json = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signature = base64.b64encode(private.sign(record_json.encode("utf-8"))).decode("ascii")
    signed = SignedCertificate(record_json=record_json, signature=signature)
    pdf = render_pdf(signed, "id")
    if not pdf.startswith(b"%PDF-"):
        raise RuntimeError("the certificate is not a PDF")
    folder = Path(os.environ[locations.DATA_DIR_ENV])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "certificate.pdf"
    path.write_bytes(pdf)
    verdict = verify_pdf(path, {"k-self-test": base64.b64encode(public).decode("ascii")})
    if not verdict.genuine:
        raise RuntimeError(f"the certificate drawn here verifies as {verdict.verdict.value}")
    return f"{len(pdf)} bytes, genuine"


def _close(kept: dict[str, Any]) -> None:
    """Sign the session out and close machine.db (before the folder is deleted)."""
    session = kept.pop("session", None)
    if session is not None:
        try:
            session.sign_out(timeout=10.0)
        except Exception:
            traceback.print_exc(file=sys.stderr)
    machine = kept.pop("machine", None)
    if machine is not None:
        machine.close()


def _cleanup(root: Path) -> str:
    for attempt in range(20):  # Windows: a file handle may close a moment late
        shutil.rmtree(root, ignore_errors=True)
        if not root.exists():
            return ""
        time.sleep(0.1 * (attempt + 1))
    raise OSError(f"the temporary folder {root} could not be deleted")
