"""A whole participant through ``ParticipantSession`` against the real server on 127.0.0.1.

No Qt: the session is what the screens will drive. Sign-in online and offline (the server
stopped), the growing wait after wrong NIKs offline (an injected clock), two profiles on
one machine.db that cannot open each other's tokens, a download cancelled half way and
resumed, a sync cancelled between batches and finished exactly once, an answer trickled
in that ends at its deadline, an evaluation attempt that survives a SIGKILL of the app,
a course update that arrives as a notification and a refreshed package; then study to
certificate through the session's methods alone, a far-off device clock, and the
background sync that a connection appearing sets off. After the sessions, no NIK is
anywhere on the client (tests/nikscan.py), nor in the app's log file written at DEBUG
(every library's records too) during the sign-ins: online, wrong, offline, refused.

One server for the module, in a process of its own (each test has its own computer,
tmp_path); the tests that stop their server or change the course have their own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import mmap
import os
import queue
import shutil
import signal
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from latsar_desktop.certificate.render import verify_pdf
from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.i18n import translate
from latsar_desktop.session import ParticipantSession, SessionError, SessionOptions
from latsar_desktop.session.evaluation import CHECKPOINT_SECONDS, AttemptRun
from latsar_desktop.store.credentials import CredentialsUnreadable, check_nik, open_tokens
from latsar_desktop.store.machine import MachineStore, Profile
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.engine import SyncReport
from latsar_desktop.sync.errors import SyncError, SyncErrorKind
from latsar_desktop.sync.refresh import PackageRefresh
from latsar_server.certificates.issuance import issue_certificates
from latsar_server.courses.imports import import_course
from latsar_server.tables import EventRow
from tests import recipes
from tests.faultproxy import Fault, FaultProxy
from tests.integration.serverkit import (
    DEMO,
    demo_people,
    demo_server_process,
    load_demo,
    play,
    sign_in,
    sqlite_demo_server,
)
from tests.nikscan import client_files, log_files, scan_files
from tests.servers import RunningServer, dead_url, wait_until
from tools import demo_course as demo

PEOPLE = demo_people()
NIKS = [p["nik"] for p in PEOPLE]
BIG = demo.large_clip()  # the 1 MB demo clip, the largest file of the package


class FakeClock:
    """The session's one wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The module's server, as an operator runs it: ``latsar-server serve`` in a process
    of its own (its threads are not this process's, which the leak check would flag)."""
    with demo_server_process(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
def proxy(demo_server: RunningServer) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", urlsplit(demo_server.url).port or 80) as running:
        yield running


def codes(error: SessionError) -> list[Code]:
    return [m.code for m in error.messages]


def assert_no_nik(machine: MachineStore, logs: Path | None = None) -> None:
    """Every byte of machine.db, the profile databases (with -wal, -shm), lock files, and
    of the log files when given: which must hold the sign-ins' requests, at DEBUG."""
    files = client_files(machine.root)
    if logs is not None:
        logged = b"".join(path.read_bytes() for path in log_files(logs))
        assert b"POST http://127.0.0.1" in logged  # httpx: each request's method and URL
        assert b"/api/v1/auth/login" in logged
        assert b" DEBUG [" in logged  # httpcore's and the others' DEBUG records too
        files += log_files(logs)
    assert scan_files(NIKS, files) == []


def device_events(server: RunningServer, device_id: object) -> tuple[int, int]:
    """(rows, distinct event ids) the server holds for one device."""
    with server.engine.connect() as connection:
        query = select(func.count(), func.count(col(EventRow.event_id).distinct())).where(
            col(EventRow.device_id) == str(device_id)
        )
        total, distinct = connection.execute(query).one()
    return int(total), int(distinct)


# ------------------------------------------------------------------------ 1. on and off


def test_sign_in_online_sign_out_then_offline_with_the_server_stopped(
    tmp_path: Path, debug_logs: Path
) -> None:
    machine = MachineStore(tmp_path / "pc")
    budi, siti = PEOPLE[0], PEOPLE[1]
    with sqlite_demo_server(tmp_path) as server:
        # the shape is checked before anything else, in Indonesian
        with pytest.raises(SessionError) as malformed:
            sign_in(machine, server.url, budi, nik=budi["nik"][:-1])
        assert codes(malformed.value) == [Code.NIK_WRONG_LENGTH]
        assert "16" in translate(malformed.value.message, "id")
        assert machine.profiles() == []
        # the first sign-in: online, the profile made, the package fetched
        session = sign_in(machine, server.url, budi)
        assert session.online
        assert session.offline_reason is None
        assert session.package().course_id == "latsar-pppk-2026"
        profile = machine.profile_by_nip(budi["nip"])
        assert profile is not None
        assert profile.id == session.profile_id
        session.api.refresh()  # rotated tokens: sealed again with the sign-in's key
        first_tokens = session.api.tokens
        assert first_tokens is not None
        session.watch_welcome()
        session.complete_activity("kebijakan-1-video")
        assert session.view().welcome_watched
        session.sign_out()
        assert not session.signed_in
        # a wrong NIK online is the server's answer, and it does not count offline
        with pytest.raises(SessionError) as refused:
            sign_in(machine, server.url, budi, nik=siti["nik"])
        assert codes(refused.value) == [Code.AUTH_INVALID_CREDENTIALS]
        assert isinstance(refused.value.cause, SyncError)
        profile = machine.profile_by_nip(budi["nip"])
        assert profile is not None
        assert profile.offline_failures == 0
    # the server is gone: the same sign-in works offline, with what was recorded
    session = sign_in(machine, None, budi)
    try:
        assert not session.online
        assert session.offline_reason is not None
        assert session.offline_reason.code is Code.SYNC_ERROR_OFFLINE
        view = session.view()
        assert view.welcome_watched
        assert session.store.count_unconfirmed() == 2
        assert session.api.tokens == first_tokens  # the refreshed ones, unsealed with the NIK
        with pytest.raises(SyncError) as offline:
            session.sync()
        assert offline.value.kind is SyncErrorKind.OFFLINE
        assert session.message_for(offline.value).code is Code.SYNC_ERROR_OFFLINE
    finally:
        session.sign_out()
    # a profile's first sign-in cannot be offline
    with pytest.raises(SessionError) as first:
        sign_in(machine, None, siti)
    assert codes(first.value) == [Code.SIGNIN_FIRST_ONLINE]  # no "progress safe here"
    assert_no_nik(machine, debug_logs)


# ------------------------------------------------------------------------ 2. wrong NIKs offline


def test_four_wrong_niks_offline_and_the_wait_grows(
    demo_server: RunningServer, tmp_path: Path, debug_logs: Path
) -> None:
    clock = FakeClock()
    machine = MachineStore(tmp_path / "pc", clock=clock)
    ani, wrong = PEOPLE[2], PEOPLE[3]["nik"]
    sign_in(machine, demo_server.url, ani).sign_out()
    machine.set_setting(SERVER_URL_SETTING, dead_url())  # the link is down from now on

    def refused(nik: str, on: MachineStore = machine) -> SessionError:
        with pytest.raises(SessionError) as info:
            sign_in(on, None, ani, nik=nik)
        return info.value

    def params(error: SessionError) -> list[tuple[Code, dict[str, object]]]:
        return [(m.code, dict(m.params)) for m in error.messages]

    # three tries, then the waits begin
    assert params(refused(wrong)) == [(Code.SIGNIN_WRONG_NIK_OFFLINE, {"tries_left": 2})]
    assert params(refused(wrong)) == [(Code.SIGNIN_WRONG_NIK_OFFLINE, {"tries_left": 1})]
    assert params(refused(wrong)) == [
        (Code.SIGNIN_WRONG_NIK_OFFLINE, {"tries_left": 0}),
        (Code.SIGNIN_WAIT, {"seconds": 10}),
    ]
    # during the wait even the right NIK is not looked at, and nothing is counted
    clock.now += timedelta(seconds=4)
    assert params(refused(ani["nik"])) == [(Code.SIGNIN_WAIT, {"seconds": 6})]
    clock.now += timedelta(seconds=6)
    # the fourth wrong NIK: the wait doubles
    assert params(refused(wrong)) == [
        (Code.SIGNIN_WRONG_NIK_OFFLINE, {"tries_left": 0}),
        (Code.SIGNIN_WAIT, {"seconds": 20}),
    ]
    # the wait survives a restart of the app
    restarted = MachineStore(tmp_path / "pc", clock=clock)
    assert params(refused(ani["nik"], restarted)) == [(Code.SIGNIN_WAIT, {"seconds": 20})]
    clock.now += timedelta(seconds=20)
    session = sign_in(restarted, None, ani)
    session.sign_out()
    assert not session.online
    profile = restarted.profile_by_nip(ani["nip"])
    assert profile is not None
    assert (profile.offline_failures, profile.offline_retry_at) == (0, None)
    assert_no_nik(restarted, debug_logs)


# ------------------------------------------------------------------------ 3. two profiles


def test_two_profiles_on_one_machine_cannot_open_each_others_tokens(
    demo_server: RunningServer,
    tmp_path: Path,
    sessions: list[ParticipantSession],
    debug_logs: Path,
) -> None:
    machine = MachineStore(tmp_path / "pc")
    budi, siti = PEOPLE[0], PEOPLE[1]
    for person in (budi, siti):
        sessions.append(sign_in(machine, demo_server.url, person))
        sessions[-1].watch_welcome()
        sessions[-1].sync()
    # one writer per profile: a second session on Budi's is refused while his is open
    with pytest.raises(SessionError) as in_use:
        sign_in(machine, demo_server.url, budi)
    assert codes(in_use.value) == [Code.SIGNIN_PROFILE_IN_USE]
    for session in sessions:
        session.sign_out()
    rows = {p.nip: p for p in machine.profiles()}
    mine, theirs = rows[budi["nip"]], rows[siti["nip"]]
    assert mine.nik_verifier
    assert theirs.nik_verifier
    assert mine.sealed_tokens
    assert theirs.sealed_tokens
    key = check_nik(budi["nik"], mine.nik_verifier)
    assert key is not None
    assert open_tokens(mine.sealed_tokens, key, mine.id).refresh_token
    with pytest.raises(CredentialsUnreadable):  # Siti's blob, Budi's NIK-derived key
        open_tokens(theirs.sealed_tokens, key, theirs.id)
    assert check_nik(budi["nik"], theirs.nik_verifier) is None  # nor does his NIK verify
    # offline, Budi's NIK does not open Siti's profile either
    machine.set_setting(SERVER_URL_SETTING, dead_url())
    with pytest.raises(SessionError) as wrong:
        sign_in(machine, None, siti, nik=budi["nik"])
    assert codes(wrong.value) == [Code.SIGNIN_WRONG_NIK_OFFLINE]
    # after these sessions: no NIK in any byte on this computer, nor in its log
    assert_no_nik(machine, debug_logs)


# ------------------------------------------------------------------------ 4. a download


def test_a_download_cancelled_half_way_resumes_to_completion(
    proxy: FaultProxy, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    machine = MachineStore(tmp_path / "pc")
    sessions.append(sign_in(machine, proxy.url, PEOPLE[0]))
    session = sessions[0]
    material = session.package().material("kebijakan")
    others = sum(r.size for r in material.content_refs() if r.sha256 != BIG.sha256)
    assert BIG in material.content_refs()
    assert session.plan_material("kebijakan").missing_bytes == BIG.size + others
    proxy.rate(1_000_000)  # a link slow enough that cancelling leaves little in flight
    proxy.reset_counters()
    cancel = CancelToken()

    def halfway(done: int, total: int) -> None:
        if done >= total // 2:
            cancel.cancel()

    with pytest.raises(SyncError) as stopped:
        session.download_material("kebijakan", cancel, halfway)
    assert stopped.value.kind is SyncErrorKind.CANCELLED
    assert session.message_for(stopped.value).code is Code.SYNC_ERROR_CANCELLED
    partial = session.downloader.partial(BIG)
    assert 0.25 * BIG.size < partial.stat().st_size < 0.75 * BIG.size  # kept to resume
    assert not machine.content_path(BIG.sha256).exists()
    seen: list[tuple[int, int]] = []
    plan = session.download_material("kebijakan", progress=lambda *p: seen.append(p))
    assert plan.files
    assert seen[-1][0] == seen[-1][1] == plan.missing_bytes
    stored = machine.content_path(BIG.sha256)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == BIG.sha256
    assert not partial.exists()
    # the clip cost at most 2 % more than its size, heads included
    assert session.downloader.received <= 1.02 * BIG.size + others
    assert proxy.bytes_down <= 1.02 * BIG.size + others
    summary = {u.material_id: u for u in session.storage_summary().materials}
    assert summary["kebijakan"].stored_bytes == summary["kebijakan"].total_bytes


# ------------------------------------------------------------------------ 5. a sync


def test_a_sync_cancelled_between_batches_then_finished_exactly_once(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    machine = MachineStore(tmp_path / "pc")
    options = SessionOptions(batch_size=3)
    sessions.append(sign_in(machine, demo_server.url, PEOPLE[4], options=options))
    session = sessions[0]
    play(session.store, recipes.recipe_steps("27")[:14])
    cancel = CancelToken()
    batches: list[tuple[int, int]] = []

    def after_a_batch(done: int, total: int) -> None:
        batches.append((done, total))
        if done >= 6:  # two batches applied: stop before the third
            cancel.cancel()

    with pytest.raises(SyncError) as stopped:
        session.sync(cancel, after_a_batch)
    assert stopped.value.kind is SyncErrorKind.CANCELLED
    assert batches == [(0, 14), (3, 14), (6, 14)]
    # stopped between batches: what the server processed is what the profile applied
    assert session.store.count_processed() == 6
    assert session.sync_status().acked_seq == 6
    assert device_events(demo_server, session.device_id) == (6, 6)
    report = session.sync()
    assert report.pushed == 8
    assert report.consistent
    assert session.store.count_unconfirmed() == 0
    assert device_events(demo_server, session.device_id) == (14, 14)  # each event once
    assert report.refreshed is None
    assert report.warnings == ()


# ------------------------------------------------------------------------ 6. a trickled answer


TRICKLE_CUT = 600  # bytes of the answer (head included) the trickle sends at most


class TrickleProxy(FaultProxy):
    """The test proxy, its ``rate`` applied to answer bodies only: requests and answer
    heads pass at once, then the body comes ``TRICKLE`` bytes at a time at ``rate``."""

    TRICKLE = 4

    async def _send(self, flow, data: bytes) -> None:  # type: ignore[no-untyped-def]
        fault = flow.fault
        if fault.rate is None:
            await super()._send(flow, data)
            return
        if flow.upstream or flow.first:  # the request, or the answer's head
            flow.fault = dataclasses.replace(fault, rate=None)
            try:
                await super()._send(flow, data)
            finally:
                flow.fault = fault
            return
        for start in range(0, len(data), self.TRICKLE):
            await super()._send(flow, data[start : start + self.TRICKLE])


def test_a_trickled_answer_ends_at_its_deadline_and_the_next_sync_completes(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    # a short deadline: 1 s plus the exchange's bytes at 8 kB/s (the app: 30 s, 250 B/s)
    options = SessionOptions(deadline_margin=1.0, slowest_link=8000.0)
    with TrickleProxy("127.0.0.1", urlsplit(demo_server.url).port or 80) as proxy:
        machine = MachineStore(tmp_path / "pc")
        sessions.append(sign_in(machine, proxy.url, PEOPLE[3], options=options))
        session = sessions[0]
        play(session.store, recipes.recipe_steps("27")[:3])
        # 4 bytes every 0.2 s: every read gets data, no read timeout can end it. The proxy
        # gives up after TRICKLE_CUT bytes, so that a client without a deadline fails here
        # in seconds instead of waiting minutes for the whole answer
        proxy.reset_counters()
        proxy.set_fault(Fault(rate=20, cut_down=TRICKLE_CUT), once=True)
        with pytest.raises(SyncError) as late:
            session.sync()
        assert late.value.kind is SyncErrorKind.OFFLINE
        assert "deadline" in late.value.detail
        assert "while receiving the answer" in late.value.detail
        proxy.wait_idle(10)
        assert proxy.bytes_down < TRICKLE_CUT  # the client hung up: the proxy did not give up
        assert session.message_for(late.value).code is Code.SYNC_ERROR_OFFLINE
        assert session.store.count_unconfirmed() == 3  # the answer was not applied
        report = session.sync()
        assert report.consistent
        assert session.store.count_unconfirmed() == 0
        assert device_events(demo_server, session.device_id) == (3, 3)
        session.sign_out()


# ------------------------------------------------------------------------ 7. a crash


# shared memory the child reports into: a count, then (step, elapsed, answered) records
_RECORD = struct.Struct("<iii")
_SLOTS = 4096
_ANSWERING_STEPS = 20
_STEPS_BEFORE_KILL = 40  # at least, 20 steps of ticking alone


def _child_takes_the_attempt(root: Path, person: dict[str, str], report: mmap.mmap) -> None:
    """Signs in (offline), starts an attempt and takes it on a fake monotonic clock, one
    second per step: answers a question every second step up to ``_ANSWERING_STEPS``,
    then only the screen's timer ticks (a checkpoint every few seconds is all that saves
    the elapsed time). After each step it reports where it is. Runs until killed."""
    clock = FakeMonotonic()
    session = ParticipantSession.sign_in(
        MachineStore(root), person["nip"], person["nik"], device_name="PC uji", monotonic=clock
    )
    run = session.start_attempt()
    step = answered = 0
    while True:
        step += 1
        clock.now += 1.0
        if step <= _ANSWERING_STEPS and step % 2 == 0:
            question = run.questions[answered]
            run.answer(question.id, question.choices[answered % len(question.choices)].id)
            answered += 1
        run.tick()
        _RECORD.pack_into(
            report, 8 + (step % _SLOTS) * _RECORD.size, step, run.elapsed_seconds, answered
        )
        struct.pack_into("<i", report, 0, step)
        time.sleep(0.002)


def test_an_attempt_survives_a_sigkill_with_its_answers_and_remaining_time(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    budi = PEOPLE[0]
    machine = MachineStore(tmp_path / "pc")
    session = sign_in(machine, demo_server.url, budi)
    play(session.store, recipes.recipe_steps("28"))  # the evaluation unlocks at 28
    session.sign_out()
    machine.set_setting(SERVER_URL_SETTING, None)  # the child and the resume are offline
    report = mmap.mmap(-1, 8 + _SLOTS * _RECORD.size)  # shared with the forked child
    pid = os.fork()
    if pid == 0:  # the child never returns to pytest
        try:
            _child_takes_the_attempt(machine.root, budi, report)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(1)
    exited: int | None = None

    def far_enough() -> bool:
        nonlocal exited
        if struct.unpack_from("<i", report, 0)[0] >= _STEPS_BEFORE_KILL:
            return True
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            exited = status
            raise AssertionError("the child stopped before it was killed (traceback above)")
        return False

    try:
        assert wait_until(far_enough, 60, 0.005), "the child did not get going"
    finally:
        if exited is None:
            os.kill(pid, signal.SIGKILL)
            exited = os.waitpid(pid, 0)[1]
    assert os.WIFSIGNALED(exited)
    last = struct.unpack_from("<i", report, 0)[0]
    step, elapsed, answered = _RECORD.unpack_from(report, 8 + (last % _SLOTS) * _RECORD.size)
    assert step == last
    assert answered == _ANSWERING_STEPS // 2
    # the app again (the kill released the profile's lock): the attempt comes back
    resumed_session = sign_in(MachineStore(machine.root), None, budi, monotonic=FakeMonotonic())
    try:
        run = resumed_session.open_attempt()
        assert isinstance(run, AttemptRun)
        given = {
            q.id: q.choices[n % len(q.choices)].id for n, q in enumerate(run.questions[:answered])
        }
        assert dict(run.answers) == given
        child_remaining = run.time_limit_seconds - elapsed
        # the child may have done one more step after its last report
        assert child_remaining - 1 <= run.remaining_seconds <= child_remaining + 5
        assert run.remaining_seconds - child_remaining <= CHECKPOINT_SECONDS + 1
        event = run.submit()
        assert event.payload.attempt_id == run.attempt_id
        assert resumed_session.open_attempt() is None
    finally:
        resumed_session.sign_out()
    assert_no_nik(machine)


# ------------------------------------------------------------------------ 8. a course update


def test_a_course_update_arrives_as_a_notification_and_a_refreshed_package(
    sqlite_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    load_demo(sqlite_server)
    machine = MachineStore(tmp_path / "pc")
    sessions.append(sign_in(machine, sqlite_server.url, PEOPLE[1]))
    session = sessions[0]
    session.watch_welcome()
    first = session.sync()
    assert first.refreshed is None
    assert session.package().version == 1
    assert session.notifications() == []
    # the operator imports version 2 of the course
    v2 = tmp_path / "v2"
    shutil.copytree(DEMO, v2, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((v2 / "package.json").read_text(encoding="utf-8"))
    data["version"] = 2
    (v2 / "package.json").write_text(json.dumps(data), encoding="utf-8")
    import_course(sqlite_server.engine, sqlite_server.settings.content_dir, v2 / "package.json")
    report = session.sync()
    assert report.refreshed is not None
    assert report.refreshed.changed
    assert report.refreshed.version == 2
    assert session.package().version == 2
    assert session.view().welcome_watched  # progress kept across the update
    unseen = session.notifications(unseen_only=True)
    assert [n.message.to_message() for n in unseen] == [msg(Code.NOTICE_COURSE_UPDATED, version=2)]
    assert session.mark_seen([n.id for n in unseen]) == 1
    assert session.notifications(unseen_only=True) == []
    assert session.sync().refreshed is None  # nothing more to fetch


# ------------------------------------------------------------------------ the rest of the surface


def test_a_whole_participant_through_the_session(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    """Study, an evaluation attempt, sync, passing, the certificate and its PDF, and the
    notifications on the way: nothing but the session's methods."""
    ani = PEOPLE[2]
    machine = MachineStore(tmp_path / "pc")
    sessions.append(sign_in(machine, demo_server.url, ani))
    session = sessions[0]
    recipes.play_recipe(session, "32-retake")
    assert session.view().trophies == 32
    before = session.evaluation()
    assert before.state.unlocked
    assert session.graded_left_today() == (5, 5)  # the demo grades 5 attempts a day
    recipes.take_attempt(session, right=16)  # 16 of 20: 80.00
    assert session.open_attempt() is None
    assert session.graded_left_today() == (4, 5)
    report = session.sync()
    assert report.consistent
    assert session.view().passed
    assert session.rejections() == []
    notices = [n.message.to_message() for n in session.notifications(unseen_only=True)]
    assert sorted(notices, key=lambda m: m.code) == [
        msg(Code.NOTICE_ATTEMPT_GRADED, number=1, score=Decimal("80.00")),
        msg(Code.NOTICE_PASSED),
    ]
    assert session.certificate() is None
    with pytest.raises(DomainError):
        session.certificate_pdf()
    # twenty days later the server issues the certificate; the next sync brings it
    passed_at = session.view().passed_at
    assert passed_at is not None
    (number,) = issue_certificates(
        demo_server.engine, demo_server.settings, passed_at + timedelta(days=20)
    )
    session.sync()
    verification = session.certificate()
    assert verification is not None
    assert verification.genuine
    assert verification.record is not None
    assert verification.record.certificate_number == number
    pdf = tmp_path / "sertifikat.pdf"
    pdf.write_bytes(session.certificate_pdf("id"))
    assert verify_pdf(pdf, session.store.known_keys()).genuine
    newest = session.notifications(unseen_only=True)[0]
    assert newest.message.to_message() == msg(Code.NOTICE_CERTIFICATE_ISSUED, number=number)
    assert session.view().certificate_issued
    assert session.sync_status().last_sync_at is not None


def test_a_far_off_device_clock_is_a_warning_not_a_failure(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    clock = FakeClock()
    clock.now = datetime.now(UTC) + timedelta(hours=2)  # the device's clock is 2 h ahead
    machine = MachineStore(tmp_path / "pc", clock=clock)
    sessions.append(sign_in(machine, demo_server.url, PEOPLE[3]))
    session = sessions[0]
    session.watch_welcome()
    report = session.sync()
    assert session.store.count_unconfirmed() == 0  # the sync went on
    assert report.warnings == (msg(Code.SYNC_ERROR_CLOCK_SKEW, minutes=120),)
    translate(report.warnings[0], "id")  # the message has its text


def test_a_connection_appearing_triggers_the_background_sync(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    """The background sync fails while the link is down and retries only after a long
    backoff; the connectivity probe notices the link is back and syncs at once. Signing
    out stops and joins both threads (the leak check of tests/conftest.py)."""
    machine = MachineStore(tmp_path / "pc")
    options = SessionOptions(retry_base=3600.0, probe_interval=0.1)
    session = sign_in(machine, proxy.url, PEOPLE[4], options=options)
    try:
        session.watch_welcome()
        results: queue.Queue[SyncReport | SyncError] = queue.Queue()
        proxy.reset()  # the link is down: every connection is reset
        session.start_background(results.put)
        first = results.get(timeout=30)
        assert isinstance(first, SyncError)
        assert first.kind is SyncErrorKind.OFFLINE
        assert session.store.count_unconfirmed() == 1
        proxy.clear()  # the link is back: the next probe sees it, and the sync follows
        second = results.get(timeout=30)
        assert isinstance(second, SyncReport)
        assert session.store.count_unconfirmed() == 0
        session.sync_now()  # "Sinkronkan sekarang"
        assert isinstance(results.get(timeout=30), SyncReport)
    finally:
        session.sign_out()


# ------------------------------------------------------------------------ review findings


def import_version(
    server: RunningServer, folder: Path, version: int, edit: Callable[[dict[str, Any]], None]
) -> None:
    """The operator imports another version of the demo course, changed by ``edit``."""
    copy = folder / f"v{version}"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((copy / "package.json").read_text(encoding="utf-8"))
    data["version"] = version
    edit(data)
    (copy / "package.json").write_text(json.dumps(data), encoding="utf-8")
    import_course(server.engine, server.settings.content_dir, copy / "package.json")


class BlockedSync:
    """A sync on a thread of its own that stops in its first progress report, before its
    first request, until ``finish()``: work that does not look at its token meanwhile."""

    def __init__(self, session: ParticipantSession, cancel: CancelToken | None = None) -> None:
        self.entered = threading.Event()
        self.go = threading.Event()
        self.outcome: list[SyncReport | Exception] = []

        def progress(done: int, total: int) -> None:
            self.entered.set()
            self.go.wait(60)

        def work() -> None:
            try:
                self.outcome.append(session.sync(cancel, progress))
            except Exception as exc:
                self.outcome.append(exc)

        self.thread = threading.Thread(target=work, name="blocked-sync")
        self.thread.start()
        assert self.entered.wait(30), "the sync did not start"

    def finish(self) -> SyncReport | Exception:
        self.go.set()
        self.thread.join(60)
        assert not self.thread.is_alive()
        return self.outcome[0]


def test_a_sign_out_on_another_thread_releases_the_profile(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Review 1: the lock taken by the sign-in's thread is released by the sign-out's."""
    machine = MachineStore(tmp_path / "pc")
    person = PEOPLE[0]
    session = sign_in(machine, demo_server.url, person)
    worker = threading.Thread(target=session.sign_out, name="sign-out")
    worker.start()
    worker.join(60)
    assert not session.signed_in
    sign_in(machine, demo_server.url, person).sign_out()  # not SIGNIN_PROFILE_IN_USE


def test_a_course_update_waits_until_the_open_attempt_is_submitted(
    sqlite_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    """Review 2: version 2 drops the questions the open attempt shows and halves the time
    limit. Neither a sync nor a refresh asked for replaces the package under the attempt;
    the first sync after the submission does."""
    load_demo(sqlite_server)
    machine = MachineStore(tmp_path / "pc")
    sessions.append(sign_in(machine, sqlite_server.url, PEOPLE[0], monotonic=FakeMonotonic()))
    session = sessions[0]
    play(session.store, recipes.recipe_steps("28"))  # the evaluation unlocks at 28
    run = session.start_attempt()
    shown = {q.id for q in run.questions}
    limit = run.time_limit_seconds

    def drop_the_attempts_questions(data: dict[str, Any]) -> None:
        evaluation = data["evaluation"]
        evaluation["questions"] = [q for q in evaluation["questions"] if q["id"] not in shown]
        evaluation["time_limit_seconds"] = limit // 2

    import_version(sqlite_server, tmp_path, 2, drop_the_attempts_questions)
    report = session.sync()
    assert report.consistent
    assert report.refreshed is None
    assert session.store.package_outdated()  # still due: the next sync tries again
    assert session.package().version == 1
    assert session.refresh_package() == PackageRefresh(False, 1)
    assert session.package().version == 1
    resumed = session.open_attempt()  # the questions it shows are still there
    assert resumed is not None
    assert resumed.time_limit_seconds == limit
    question = resumed.questions[0]
    resumed.answer(question.id, question.choices[0].id)
    resumed.submit()
    after = session.sync()
    assert after.refreshed is not None
    assert after.refreshed.version == 2
    assert session.package().version == 2
    assert not session.store.package_outdated()
    assert (after.rejected, session.rejections()) == (0, [])  # graded on its version 1


def test_a_sign_out_that_fails_half_way_still_closes_and_releases(
    demo_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 5: saving the open attempt fails at sign-out (a full disk); the session is
    closed all the same and the profile free for the next sign-in."""
    machine = MachineStore(tmp_path / "pc")
    person = PEOPLE[1]
    session = sign_in(machine, demo_server.url, person, monotonic=FakeMonotonic())
    play(session.store, recipes.recipe_steps("28"))
    run = session.start_attempt()

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session.store, "save_draft", disk_full)
    with pytest.raises(OSError, match="No space left"):
        session.sign_out()
    assert not session.signed_in
    assert not run.running
    session.sign_out()  # the second time: nothing left to do
    sign_in(machine, demo_server.url, person).sign_out()  # not SIGNIN_PROFILE_IN_USE


def test_a_sign_out_that_times_out_keeps_the_profile_until_the_work_stops(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Review 5: work still running when the sign-out stops waiting keeps the store open
    and the profile locked; it closes and releases them when it stops."""
    machine = MachineStore(tmp_path / "pc")
    person = PEOPLE[2]
    session = sign_in(machine, demo_server.url, person)
    session.watch_welcome()
    blocked = BlockedSync(session)
    try:
        session.sign_out(timeout=0.2)
        assert not session.signed_in
        with pytest.raises(SessionError) as in_use:
            sign_in(machine, demo_server.url, person)
        assert codes(in_use.value) == [Code.SIGNIN_PROFILE_IN_USE]
    finally:
        outcome = blocked.finish()
    assert isinstance(outcome, SyncError)
    assert outcome.kind is SyncErrorKind.CANCELLED  # cancelled by the sign-out
    sign_in(machine, demo_server.url, person).sign_out()  # released as the sync stopped


def test_sign_out_waits_for_every_piece_of_work_sharing_a_cancel_token(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Review 6: a sync and a download under one token; the download ending does not
    make the sign-out forget the sync."""
    machine = MachineStore(tmp_path / "pc")
    person = PEOPLE[3]
    session = sign_in(machine, demo_server.url, person)
    session.watch_welcome()
    token = CancelToken()
    blocked = BlockedSync(session, token)
    try:
        session.download_material("kebijakan", token)  # the same token, and it ends
        session.sign_out(timeout=0.2)
        with pytest.raises(SessionError) as in_use:
            sign_in(machine, demo_server.url, person)
        assert codes(in_use.value) == [Code.SIGNIN_PROFILE_IN_USE]
    finally:
        outcome = blocked.finish()
    assert isinstance(outcome, SyncError)
    assert outcome.kind is SyncErrorKind.CANCELLED
    sign_in(machine, demo_server.url, person).sign_out()


def test_a_package_refresh_asked_for_during_a_sync_is_busy(
    demo_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    """Review 8: one sync or package refresh at a time."""
    machine = MachineStore(tmp_path / "pc")
    sessions.append(sign_in(machine, demo_server.url, PEOPLE[4]))
    session = sessions[0]
    session.watch_welcome()
    blocked = BlockedSync(session)
    try:
        with pytest.raises(SyncError) as busy:
            session.refresh_package()
        assert busy.value.kind is SyncErrorKind.BUSY
    finally:
        outcome = blocked.finish()
    assert isinstance(outcome, SyncReport)
    assert session.refresh_package().changed is False  # and afterwards it runs


def test_a_sync_whose_package_refresh_fails_is_a_sync_with_a_warning(
    sqlite_server: RunningServer, tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    """Review 8: the events went up and the answer was applied; the package refresh that
    followed failed. The report says so in a warning, and the next sync refreshes."""
    load_demo(sqlite_server)
    with FaultProxy("127.0.0.1", urlsplit(sqlite_server.url).port or 80) as proxy:
        machine = MachineStore(tmp_path / "pc")
        sessions.append(sign_in(machine, proxy.url, PEOPLE[1]))
        session = sessions[0]
        import_version(sqlite_server, tmp_path, 2, lambda data: None)
        session.watch_welcome()

        def then_the_server_fails(done: int, total: int) -> None:
            if total and done == total:  # the answer is applied: the refresh comes next
                proxy.http_error(503, once=True)

        report = session.sync(progress=then_the_server_fails)
        assert (report.pushed, report.consistent) == (1, True)
        assert session.store.count_unconfirmed() == 0
        assert report.refreshed is None
        assert [w.code for w in report.warnings] == [Code.SYNC_ERROR_SERVER_ERROR]
        assert session.package().version == 1
        assert session.store.package_outdated()
        again = session.sync()
        assert again.refreshed is not None
        assert again.refreshed.version == 2
        assert again.warnings == ()


class RacingMachine(MachineStore):
    """machine.db as one sign-in sees it while a second first sign-in of the same NIP (on
    its own ``MachineStore``: another window) runs whole just after this one looked: the
    first look-up of the profile finds nothing."""

    def __init__(self, root: Path, person: dict[str, str]) -> None:
        super().__init__(root)
        self.person = person
        self.rival: ParticipantSession | None = None

    def profile_by_nip(self, nip: str) -> Profile | None:
        if self.rival is None:
            self.rival = ParticipantSession.sign_in(
                MachineStore(self.root),
                self.person["nip"],
                self.person["nik"],
                device_name="PC lain",
            )
            self.rival.sign_out()
            return None
        return super().profile_by_nip(nip)


def test_two_first_sign_ins_of_one_nip_keep_one_device_id(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    """Review 11: the second first sign-in is refused instead of opening the rival's
    profile with a device id of its own (events no sync would then send)."""
    person = PEOPLE[0]
    root = tmp_path / "pc"
    MachineStore(root).set_setting(SERVER_URL_SETTING, demo_server.url)
    racing = RacingMachine(root, person)
    with pytest.raises(SessionError) as in_use:
        ParticipantSession.sign_in(racing, person["nip"], person["nik"], device_name="PC uji")
    assert codes(in_use.value) == [Code.SIGNIN_PROFILE_IN_USE]
    assert racing.rival is not None
    (profile,) = MachineStore(root).profiles()
    assert profile.device_id == str(racing.rival.device_id)
    again = sign_in(MachineStore(root), None, person)
    assert str(again.device_id) == profile.device_id
    again.sign_out()
