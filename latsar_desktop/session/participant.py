"""``ParticipantSession``: the one Qt-free object the screens drive (Anki's ``Collection``).

A session is one participant signed in on this computer. It owns that profile's store
(``store/profile.py``), its API client (``sync.api.client_for``: the server address and
proxy from machine.db's settings, the proxy's user and password the profile's, opened
with the sign-in's key), sync engine, downloader and package refresh, all on
ONE wall clock (``latsar_desktop/clock.py``; by default the ``MachineStore``'s) and one
monotonic clock (the evaluation timer). It holds a lock file next to the profile database
(``session/lock.py``) from sign-in to sign-out: one writer per profile, a second session
on the same profile (another window) is refused with ``Code.SIGNIN_PROFILE_IN_USE``.

Errors. Sign-in raises ``SessionError`` (a ``DomainError``: ``.message``/``.messages``),
whatever went wrong: a malformed NIP or NIK, the server's refusal, an offline refusal
(wrong NIK, the growing wait, first sign-in needs the server), the profile in use; the
sign-in screen reads it through ``field_messages("nip"|"nik")``, ``general_messages()``
and ``wait_seconds`` (``session/errors.py``). The other methods raise ``SyncError`` for
the network (``message_for`` turns it into a ``Message``: the one place),
``DomainError`` for a rule (evaluation locked, no genuine certificate), ``KeyError`` for
an unknown id, ``RuntimeError`` once signed out.

Threads. "any": any thread, several at once too (each call is a short SQLite
transaction or a read). "worker": it may wait for the network or the disk for seconds
to minutes, so the UI calls it from a worker thread (it is safe from any thread) and
stops it with the ``CancelToken`` it passes. "UI": the UI's own thread (one at a time).

- worker: ``ParticipantSession.sign_in(machine, nip, nik, device_name=…)`` (online when
  it can, else offline: ``online``, ``offline_reason``; the app passes
  ``default_device_name()``); ``sync(cancel, progress)`` (``SyncError(BUSY)`` while
  another or a refresh runs); ``refresh_package(cancel, progress)`` (never while an
  attempt is open: a course update waits for the submission);
  ``download_material(id, cancel, progress)``; ``download_all(cancel, progress)``;
  ``welcome_video(cancel, progress)`` (the welcome clip's file, fetched first when not
  stored); ``fetch_content(activity_id, cancel, progress)`` (an activity's file, the same
  way); ``export_content(folder, cancel, progress)`` and ``import_content(folder, cancel,
  progress)`` (the USB copy, ``session/usb.py``: no network); ``certificate_pdf(language)``
  (draws the PDF); ``save_certificate(path, language)`` (draws it and writes it whole:
  ``.part`` then ``os.replace``); ``check_certificate(path, cancel)`` (any PDF: here,
  then the server's ``/verify``; offline is not an error, ``session/verify.py``);
  ``devices(cancel)`` and ``revoke_device(device_id, cancel)`` (the participant's own
  devices on the server).
- any, reads: ``view()``, ``beranda()`` (Beranda's whole picture, ``session/beranda.py``),
  ``package()``, ``evaluation()``, ``attempts()``, ``graded_left_today()``,
  ``notifications(unseen_only)``, ``rejections()``, ``rejected_events()``,
  ``sync_status()``, ``pending_count()``,
  ``plan_material(id)``, ``plan_all()``, ``storage_summary()``, ``offline_materials()``,
  ``content_path(activity_id)``, ``hemat_data()``, ``link_up()`` (the link's last known
  state, from the sign-in, syncs, probes and downloads: no request), ``certificate()``,
  ``message_for(error)``, ``connection_settings()``.
- any, short writes: ``watch_welcome()``, ``complete_activity(id)``,
  ``record_practice(id, answers)``, ``record_reflection(id, text)``, ``mark_seen(ids)``,
  ``delete_material(id)``, ``set_connection_settings(...)`` (the next request uses them;
  work running goes on with the client it had).
- UI: ``start_attempt()`` and ``open_attempt()`` (an ``AttemptRun``, used from that
  thread only: answers, ``tick()`` from the screen's timer, ``submit()``);
  ``start_background(on_result, on_progress)``, ``sync_now()``, ``cancel_sync()``,
  ``stop_background()`` (``on_result`` and ``on_progress`` are called from the sync
  thread: the UI re-posts them); ``sign_out()``.

``store``, ``api``, ``engine`` and ``downloader`` are the parts themselves, for tests and
tools; the screens use the methods.

``progress`` callbacks receive ``(done, total)`` (events or bytes) from the thread doing
the work. ``sign_out()`` cancels every piece of work the session is doing (the tokens
passed in are cancelled too), stops the background sync and the connectivity watcher
and joins their threads, closes any open evaluation run (its elapsed time saved), waits
for work running on the caller's threads to stop, closes the store and the API client
and releases the lock (work that has not stopped after the wait closes them when it
does: the profile stays locked until then). The refresh token is not revoked on the
server: a later sign-in on this computer may be offline and needs it.

The NIK is used for the sign-in and forgotten: only the token key derived from it is
kept in memory, to seal refreshed tokens (``MachineStore.reseal_tokens``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import filelock
from annotated_types import MaxLen
from sqlalchemy.exc import IntegrityError

from latsar_desktop import clock as clocks
from latsar_desktop.certificate import download as certificates
from latsar_desktop.certificate.verify import Verification
from latsar_desktop.clock import Monotonic, WallClock
from latsar_desktop.domain.identity import parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.progress import Progress
from latsar_desktop.domain.protocol import (
    ActivityCompleted,
    ActivityKind,
    ContentRef,
    CoursePackage,
    DeviceInfo,
    JournalEvent,
    Participant,
    Tokens,
    VerifyAnswer,
)
from latsar_desktop.session import usb
from latsar_desktop.session.beranda import Beranda, beranda
from latsar_desktop.session.connection import ConnectionSettings, check_connection
from latsar_desktop.session.errors import SessionError
from latsar_desktop.session.evaluation import (
    AttemptRow,
    AttemptRun,
    EvaluationOutlook,
    attempt_history,
    evaluation_outlook,
)
from latsar_desktop.session.lock import take_profile_lock
from latsar_desktop.session.usb import CopyReport
from latsar_desktop.session.verify import CertificateCheck, check_certificate
from latsar_desktop.store.credentials import (
    NeedsOnlineSignIn,
    ProxyCredentials,
    SignInRefused,
    TokenKey,
)
from latsar_desktop.store.machine import (
    HTTP_PROXY_SETTING,
    SERVER_URL_SETTING,
    MachineStore,
    Profile,
)
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.store.views import Notification, RefusedEvent, Rejection, SyncStatus
from latsar_desktop.sync.api import ApiClient, client_for
from latsar_desktop.sync.cancel import CancelToken
from latsar_desktop.sync.deadline import DEADLINE_MARGIN, SLOWEST_LINK
from latsar_desktop.sync.downloader import HEMAT_DATA, Downloader, MaterialUsage, Plan
from latsar_desktop.sync.engine import Backoff, SyncEngine, SyncReport, SyncScheduler
from latsar_desktop.sync.errors import LINK_DOWN_KINDS, SyncError, SyncErrorKind, error_message
from latsar_desktop.sync.probe import PROBE_INTERVAL, ConnectivityWatcher, probe
from latsar_desktop.sync.refresh import PackageRefresh
from latsar_desktop.sync.refresh import refresh_package as fetch_package

__all__ = [
    "ConnectionSettings",
    "ParticipantSession",
    "RefusedEvent",
    "SessionError",
    "SessionOptions",
    "SessionSyncReport",
    "StorageSummary",
    "default_device_name",
]

log = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int], None]
ResultCallback = Callable[[SyncReport | SyncError], None]
_Part = TypeVar("_Part")

# A sign-in falls back to the offline check when the server could not judge the NIK:
# no address, no link, not our server (a captive portal), a server error, a server that
# no longer serves this version, or a proxy that refused the user and password (a first
# sign-in has none: they are kept per profile; an existing profile's are opened with the
# typed NIK first, so a wrong NIK has none); the reason comes with ``offline_reason``.
_SERVER_CANNOT_JUDGE = LINK_DOWN_KINDS | {SyncErrorKind.CLIENT_TOO_OLD, SyncErrorKind.PROXY_REFUSED}
# failures that say nothing of the link: the work stopped or failed on this computer
_NOT_THE_LINK = frozenset(
    {
        SyncErrorKind.CANCELLED,
        SyncErrorKind.BUSY,
        SyncErrorKind.DISK_FULL,
        SyncErrorKind.PROXY_REFUSED,
        SyncErrorKind.CLOCK_SKEW,
    }
)
DEVICE_NAME_MAX = 120  # LoginRequest.device_name's max_length
# the longest reflection the protocol takes (ActivityCompleted.reflection_text's max_length)
REFLECTION_MAX: int = next(
    rule.max_length
    for rule in ActivityCompleted.model_fields["reflection_text"].metadata
    if isinstance(rule, MaxLen)
)
DEFAULT_DEVICE_NAME = "Latsar Desktop"  # a computer without a host name


@dataclass(frozen=True)
class SessionOptions:
    """The session's tunables; the defaults are the app's."""

    batch_size: int = 500  # events per sync request
    sync_interval: float = 300.0  # seconds between background syncs while online
    retry_base: float = 5.0  # the first retry after a failed background sync (then doubled)
    probe_interval: float = PROBE_INTERVAL  # first connectivity probe after the link went down
    parallel_downloads: int = 2
    deadline_margin: float = DEADLINE_MARGIN  # each call's deadline: margin + bytes / link
    slowest_link: float = SLOWEST_LINK  # bytes per second


@dataclass(frozen=True)
class SessionSyncReport(SyncReport):
    """A sync as the session ran it: the engine's report, the package refresh the server's
    newer version led to (None when none was due), and warnings that are not failures
    (the device clock far from the server's, activities a course update removed, a
    package refresh that failed after the sync itself succeeded)."""

    refreshed: PackageRefresh | None = None
    warnings: tuple[Message, ...] = ()


@dataclass(frozen=True)
class StorageSummary:
    """Per material, the bytes stored on this computer and its total; the free space of
    the content folder's disk."""

    materials: tuple[MaterialUsage, ...]
    free_bytes: int

    @property
    def total(self) -> int:
        """The bytes the materials store on this computer, together."""
        return sum(usage.stored_bytes for usage in self.materials)


def default_device_name() -> str:
    """How this computer is named in the participant's device list on the server: its
    host name, bounded to what the protocol takes (``LoginRequest.device_name``)."""
    name = " ".join(platform.node().split())  # no line breaks or runs of spaces
    return name[:DEVICE_NAME_MAX].rstrip() or DEFAULT_DEVICE_NAME


def _first_profile(
    machine: MachineStore, participant: Participant, device_id: uuid.UUID
) -> Profile:
    """The profile a first sign-in makes, with the device id it signed in with. When
    another first sign-in of the NIP (another window) made it meanwhile, with a device id
    of its own, this one is refused (the NIP is unique): opening that profile with this
    sign-in's device id would journal events no sync sends."""
    try:
        return machine.add_profile(
            participant.nip, participant.name, participant.agency, device_id=device_id
        )
    except IntegrityError:
        raise SessionError(msg(Code.SIGNIN_PROFILE_IN_USE)) from None


def _first_sign_in_refused(reason: Message, link: SyncError) -> tuple[Message, ...]:
    """Why a first sign-in (it must be online) did not happen, without the sync texts'
    "your progress is safe on this computer" (there is none yet). An app too old for the
    server is told to update first: connecting again would not help."""
    kind = link.kind
    if kind is SyncErrorKind.CLIENT_TOO_OLD:
        return (reason, msg(Code.SIGNIN_FIRST_ONLINE))
    if kind is SyncErrorKind.SERVER_ERROR:
        return (msg(Code.SIGNIN_FIRST_SERVER_ERROR),)
    if kind is SyncErrorKind.NO_SERVER:
        return (msg(Code.SIGNIN_FIRST_NO_SERVER),)
    if kind is SyncErrorKind.BAD_RESPONSE:  # a captive portal: its own advice helps
        return (msg(Code.SIGNIN_FIRST_ONLINE), reason)
    return (msg(Code.SIGNIN_FIRST_ONLINE),)


def _tuned(api: ApiClient, clock: WallClock, options: SessionOptions) -> ApiClient:
    """The client on the session's clock (its clock-skew check) and deadline rule."""
    api.clock = clock
    api.deadline_margin = options.deadline_margin
    api.slowest_link = options.slowest_link
    return api


class ParticipantSession:
    """One participant signed in on this computer; see the module docstring.

    Made by ``sign_in`` (or ``attach``, for tests and tools), not directly.
    """

    def __init__(
        self,
        store: ProfileStore,
        *,
        machine: MachineStore | None,
        profile: Profile | None,
        api: ApiClient | None,
        tokens: Tokens | None,
        key: TokenKey | None,
        lock: filelock.BaseFileLock | None,
        clock: WallClock,
        monotonic: Monotonic,
        options: SessionOptions,
        online: bool,
        offline_reason: Message | None = None,
    ) -> None:
        self.store = store
        self.machine = machine
        self.profile_id = profile.id if profile is not None else None
        self.nip = profile.nip if profile is not None else None
        self.name = profile.name if profile is not None else None
        self.agency = profile.agency if profile is not None else None
        self.device_id = store.device_id
        self.clock = clock
        self.monotonic = monotonic
        self.options = options
        self.online = online  # the sign-in reached the server
        self._link_up = online  # the last known state of the link (``link_up``)
        self.offline_reason = offline_reason  # why it did not, when it did not
        self._key = key
        self._tokens = tokens  # for the API client made later (offline sign-in)
        self._lock = lock
        self._api = api
        if api is not None:
            _tuned(api, clock, options)
        self._engine: SyncEngine | None = None
        self._downloader: Downloader | None = None
        self._building = threading.Lock()  # the API client, engine, downloader: made once
        # clients replaced by new connection settings, with their generation, until no
        # work that may use them runs; work running now, counted by the generation it
        # began in (under ``_state``). See ``_retire_api``.
        self._generation = 0
        self._retired: list[tuple[int, ApiClient]] = []
        self._starts: Counter[int] = Counter()
        self._syncing = threading.Lock()  # one sync (with its package refresh) at a time
        self._state = threading.Condition()
        # work running now, to cancel on sign-out: a count per token (jobs may share one)
        self._active: Counter[CancelToken] = Counter()
        self._runs: list[AttemptRun] = []
        self._scheduler: SyncScheduler | None = None
        self._watcher: ConnectivityWatcher | None = None
        self._background = CancelToken()  # cancelled when the background sync stops
        self._current_sync: CancelToken | None = None  # the background sync running now
        self._sync_progress: ProgressCallback | None = None
        self._closed = False
        self._release_when_idle = False  # a sign-out stopped waiting: the last work closes

    # ================================================================ signing in and out

    @classmethod
    def sign_in(
        cls,
        machine: MachineStore,
        nip: str,
        nik: str,
        *,
        device_name: str,
        clock: WallClock | None = None,
        monotonic: Monotonic = clocks.monotonic,
        options: SessionOptions | None = None,
        cancel: CancelToken | None = None,
    ) -> ParticipantSession:
        """Sign in: online when a server is configured and answers, offline otherwise.

        The NIP and NIK are checked for shape first (``nip.*``/``nik.*`` messages). Online,
        a new profile is made in machine.db at its first sign-in, the NIK verifier and
        the sealed tokens are remembered, and the course package is fetched when the
        profile has none; the server's refusal (a wrong NIK, a locked NIP) is its own
        message and does not count against the offline tries. Offline (the server could
        not judge: no address, no link, not our server, a server error), the NIK is
        checked against the verifier (``MachineStore.offline_sign_in``: the growing
        wait); the first sign-in of a profile must be online. Every refusal raises
        ``SessionError``.
        """
        options = options or SessionOptions()
        wall = clock if clock is not None else machine.clock
        try:
            nip = parse_nip(nip).value
            nik = parse_nik(nik).value
        except DomainError as exc:
            raise SessionError(*exc.messages, cause=exc) from None
        profile = machine.profile_by_nip(nip)
        lock = take_profile_lock(machine.profile_path(profile)) if profile is not None else None
        api: ApiClient | None = None
        try:
            device_id = uuid.UUID(profile.device_id) if profile is not None else uuid.uuid4()
            # the profile's proxy user and password, when the typed NIK opens them
            old_key, proxy_auth = machine.sign_in_proxy(nip, nik) if profile else (None, None)
            try:
                client = client_for(machine, device_id, proxy_auth=proxy_auth)
                api = _tuned(client, wall, options)
                answer = api.login(nip, nik, device_name, cancel=cancel)
            except SyncError as error:
                if error.kind not in _SERVER_CANNOT_JUDGE:
                    raise SessionError(error_message(error), cause=error) from None
                if api is not None:
                    api.close()
                    api = None
                return cls._offline(
                    machine, profile, nip, nik, lock, error, wall, monotonic, options
                )
            if profile is None:
                profile = _first_profile(machine, answer.participant, device_id)
                lock = take_profile_lock(machine.profile_path(profile))
            signed = machine.remember_sign_in(profile.id, nik, answer.tokens, old_key)
            store = ProfileStore(machine.profile_path(profile), device_id, wall)
        except BaseException:
            if api is not None:
                api.close()
            if lock is not None:
                lock.release()
            raise
        # from here on the session owns the store, the client and the lock
        session = cls(
            store,
            machine=machine,
            profile=signed.profile,
            api=api,
            tokens=answer.tokens,
            key=signed.key,
            lock=lock,
            clock=wall,
            monotonic=monotonic,
            options=options,
            online=True,
        )
        api.on_tokens = session._reseal
        if store.package() is None:
            try:
                session._refresh(answer.course_id, cancel, None)
            except BaseException as exc:
                session.sign_out()
                if isinstance(exc, SyncError):
                    raise SessionError(error_message(exc), cause=exc) from None
                raise
        return session

    @classmethod
    def _offline(
        cls,
        machine: MachineStore,
        profile: Profile | None,
        nip: str,
        nik: str,
        lock: filelock.BaseFileLock | None,
        link: SyncError,
        clock: WallClock,
        monotonic: Monotonic,
        options: SessionOptions,
    ) -> ParticipantSession:
        reason = error_message(link)
        if profile is None:
            raise SessionError(*_first_sign_in_refused(reason, link), cause=link)
        try:
            signed = machine.offline_sign_in(nip, nik)
        except NeedsOnlineSignIn as exc:
            raise SessionError(*exc.messages, reason, cause=exc) from None
        except SignInRefused as exc:
            raise SessionError(*exc.messages, cause=exc) from None
        store = ProfileStore(machine.profile_path(profile), uuid.UUID(profile.device_id), clock)
        if store.package() is None:  # the first sign-in could not fetch it
            store.close()
            raise SessionError(*_first_sign_in_refused(reason, link), cause=link)
        return cls(
            store,
            machine=machine,
            profile=signed.profile,
            api=None,
            tokens=signed.tokens,
            key=signed.key,
            lock=lock,
            clock=clock,
            monotonic=monotonic,
            options=options,
            online=False,
            offline_reason=reason,
        )

    @classmethod
    def attach(
        cls,
        store: ProfileStore,
        api: ApiClient,
        *,
        clock: WallClock | None = None,
        monotonic: Monotonic = clocks.monotonic,
        options: SessionOptions | None = None,
    ) -> ParticipantSession:
        """A session over a profile database outside machine.db and an API client made by
        the caller (tests of one layer, tools): the same engine and package refresh, no
        downloads, no offline sign-in, no lock. The caller signs the client in."""
        return cls(
            store,
            machine=None,
            profile=None,
            api=api,
            tokens=api.tokens,
            key=None,
            lock=None,
            clock=clock if clock is not None else store.clock,
            monotonic=monotonic,
            options=options or SessionOptions(),
            online=True,
        )

    def sign_out(self, timeout: float = 30.0) -> None:
        """Stop everything (see the module docstring) and close. Safe to call twice.

        Every step runs even when one before it failed (the first error is raised at the
        end). Work still running after ``timeout`` seconds keeps the store open and the
        profile locked (logged): the last piece of it to stop closes and releases them."""
        with self._state:
            if self._closed:
                return
            self._closed = True
            running = list(self._active)
        try:
            for token in running:
                token.cancel()
            self._stop_background()
        finally:
            try:
                self._close_runs()
            finally:
                with self._state:
                    idle = self._state.wait_for(lambda: not self._active, timeout)
                    if not idle:
                        self._release_when_idle = True
                        log.error(
                            "sign-out: %s pieces of work did not stop; the profile stays "
                            "locked until they do",
                            self._active.total(),
                        )
                if idle:
                    self._release()

    def _release(self) -> None:
        """Close the API clients and the store, then release the profile's lock (last)."""
        try:
            with self._state:
                retired, self._retired = self._retired, []
            for _, client in retired:
                client.close()
            if self._api is not None:
                self._api.close()
        finally:
            try:
                self.store.close()
            finally:
                if self._lock is not None:
                    self._lock.release()

    @property
    def signed_in(self) -> bool:
        return not self._closed

    # ================================================================ the parts

    @property
    def api(self) -> ApiClient:
        """The API client, made from machine.db's settings when first needed (an offline
        sign-in makes none until then). ``SyncError(NO_SERVER)`` when no address is set."""
        self._require_open()
        with self._building:
            if self._api is None:
                if self.machine is None:
                    raise SyncError(SyncErrorKind.NO_SERVER, "no server for this session")
                api = client_for(
                    self.machine,
                    self.device_id,
                    self._tokens,
                    self._reseal,
                    proxy_auth=self._proxy_credentials(),
                )
                self._api = _tuned(api, self.clock, self.options)
            return self._api

    @property
    def engine(self) -> SyncEngine:
        def build(api: ApiClient) -> SyncEngine:
            if self._engine is None:
                self._engine = SyncEngine(api, self.store, batch_size=self.options.batch_size)
            return self._engine

        return self._on_current_api(build)

    @property
    def downloader(self) -> Downloader:
        """The downloader (needs the API client: ``SyncError(NO_SERVER)`` without one)."""

        def build(api: ApiClient) -> Downloader:
            if self._downloader is None:
                self._downloader = Downloader(
                    api,
                    self._machine(),
                    self._profile_id(),
                    parallel=self.options.parallel_downloads,
                )
            return self._downloader

        return self._on_current_api(build)

    def _on_current_api(self, build: Callable[[ApiClient], _Part]) -> _Part:
        """``build(api)`` under ``_building``, with the current API client: when new
        connection settings replaced the client meanwhile, again with theirs."""
        while True:
            api = self.api
            with self._building:
                if self._api is api:
                    return build(api)

    def _reseal(self, tokens: Tokens) -> None:
        """An API client refreshed the tokens: keep them, sealed with the sign-in's key,
        and hand them to the session's other clients (after new connection settings, the
        old one may still run), so none refreshes with a rotated refresh token."""
        self._tokens = tokens
        with self._state:
            clients = [client for _, client in self._retired]
        current = self._api
        for client in (*clients, current):
            if client is not None and client.tokens != tokens:
                client.tokens = tokens
        if self.machine is None or self._key is None or self.profile_id is None:
            return
        if not self.machine.reseal_tokens(self.profile_id, self._key, tokens):
            log.warning("refreshed tokens not kept: the profile signed in anew meanwhile")

    def _machine(self) -> MachineStore:
        if self.machine is None:
            raise RuntimeError("this session has no machine.db (attach)")
        return self.machine

    def _profile_id(self) -> str:
        if self.profile_id is None:
            raise RuntimeError("this session has no profile in machine.db (attach)")
        return self.profile_id

    def _require_open(self) -> None:
        if self._closed:
            raise RuntimeError("the session is signed out")

    @contextmanager
    def _work(self, cancel: CancelToken | None) -> Iterator[CancelToken]:
        """Run a piece of work under ``cancel`` (a new token if None), cancelled on sign-out."""
        token = cancel if cancel is not None else CancelToken()
        with self._state:
            self._require_open()
            self._active[token] += 1
            began = self._generation
            self._starts[began] += 1
        try:
            yield token
        finally:
            with self._state:
                self._active[token] -= 1
                if self._active[token] <= 0:
                    del self._active[token]
                self._ended(began)
                self._state.notify_all()
                last = self._release_when_idle and not self._active
                if last:
                    self._release_when_idle = False
            if last:
                log.info("sign-out: the last piece of work stopped; closing")
                self._release()
            else:
                self._close_unused()

    # ================================================================ what the screens show

    def view(self) -> Progress:
        """The participant's view (Beranda, the course tree, the evaluation's state)."""
        self._require_open()
        return self.store.progress()

    def package(self) -> CoursePackage:
        self._require_open()
        package = self.store.package()
        if package is None:  # a session is never made without one (sign_in fetches it)
            raise RuntimeError("no course package in this profile")
        return package

    def notifications(self, unseen_only: bool = False) -> list[Notification]:
        self._require_open()
        return self.store.notifications(unseen_only)

    def mark_seen(self, ids: Iterable[int]) -> int:
        self._require_open()
        return self.store.mark_seen(ids)

    def rejections(self) -> list[Rejection]:
        self._require_open()
        return self.store.rejections()

    def rejected_events(self) -> list[RefusedEvent]:
        """The events the server refused, oldest first: each event's type, its time, the
        activity it names (with the current package's title and kind) and the server's
        reason. Reads the refused events by id (two short reads), not the journal."""
        self._require_open()
        rejections = self.store.rejections()
        if not rejections:
            return []
        events = self.store.events(r.event_id for r in rejections)
        package = self.store.package()
        refused = []
        for rejection in rejections:
            event = events.get(rejection.event_id)
            named = getattr(event.payload, "activity_id", None) if event is not None else None
            activity_id = str(named) if named is not None else None
            activity = None
            if activity_id is not None and package is not None:
                activity = package.activity(activity_id)
            refused.append(
                RefusedEvent(
                    event_id=rejection.event_id,
                    seq=rejection.seq,
                    type=event.type if event is not None else None,
                    recorded_at=event.at if event is not None else None,
                    activity_id=activity_id,
                    activity_title=activity.title if activity is not None else None,
                    activity_kind=activity.kind if activity is not None else None,
                    reason=rejection.message.to_message(),
                )
            )
        return refused

    def sync_status(self) -> SyncStatus:
        self._require_open()
        return self.store.sync_status()

    def pending_count(self) -> int:
        """Events recorded on this computer that the server has not confirmed yet."""
        self._require_open()
        return self.store.count_unconfirmed()

    @staticmethod
    def message_for(error: SyncError | DomainError) -> Message:
        """What the participant is told about an error (``sync.errors.error_message``)."""
        if isinstance(error, SyncError):
            return error_message(error)
        return error.message

    # ================================================================ recording

    def watch_welcome(self) -> JournalEvent:
        self._require_open()
        return self.store.watch_welcome()

    def complete_activity(self, activity_id: str) -> JournalEvent:
        """A video watched or a module read (a reflection: ``record_reflection``)."""
        self._require_open()
        return self.store.complete_activity(activity_id)

    def record_practice(self, activity_id: str, answers: Mapping[str, str]) -> JournalEvent:
        """A practice quiz taken: graded on the device, recorded with its answers."""
        self._require_open()
        return self.store.record_practice(activity_id, dict(answers))

    def record_reflection(self, activity_id: str, text: str) -> JournalEvent:
        """A reflection written: ``text`` stripped, then recorded. ``DomainError`` when
        nothing is left (``reflection.empty``) or it is longer than the protocol takes
        (``reflection.too_long``: ``limit``, ``over``), nothing recorded."""
        self._require_open()
        activity = self.package().activity(activity_id)
        if activity is None or activity.kind is not ActivityKind.REFLECTION:
            raise KeyError(activity_id)
        text = text.strip()
        if not text:
            raise DomainError(msg(Code.REFLECTION_EMPTY))
        if len(text) > REFLECTION_MAX:
            over = len(text) - REFLECTION_MAX
            raise DomainError(msg(Code.REFLECTION_TOO_LONG, limit=REFLECTION_MAX, over=over))
        return self.store.complete_activity(activity_id, reflection_text=text)

    # ================================================================ the evaluation

    def evaluation(self) -> EvaluationOutlook:
        """What the evaluation screen shows before an attempt."""
        self._require_open()
        return evaluation_outlook(self.store, self.clock())

    def attempts(self) -> tuple[AttemptRow, ...]:
        """The attempts' history, latest number first (any thread; one short read)."""
        self._require_open()
        return attempt_history(self.store, self.clock())

    def graded_left_today(self) -> tuple[int, int] | None:
        """(left, limit) of "sisa percobaan yang dinilai hari ini"; None without a limit."""
        return self.evaluation().graded_left_today

    def start_attempt(self) -> AttemptRun:
        """A new attempt, or the open one resumed (``DomainError`` when locked). A run
        of it shown before is closed first (it refuses answers; its ticks do nothing)."""
        self._require_open()
        self._close_runs()
        return self._keep(AttemptRun.start(self.store, self.monotonic))

    def open_attempt(self) -> AttemptRun | None:
        """The open attempt with its answers and elapsed time as last saved (after a
        crash or a sign-out), or None. A run of it shown before is closed first."""
        self._require_open()
        self._close_runs()
        run = AttemptRun.resume(self.store, self.monotonic)
        return self._keep(run) if run is not None else None

    def _close_runs(self) -> None:
        """Close the runs still open (one attempt is open at a time: they are of the one
        about to be run), saving their elapsed time for the new run to go on from."""
        runs, self._runs = self._runs, []
        for run in runs:
            run.close()

    def _keep(self, run: AttemptRun) -> AttemptRun:
        self._runs.append(run)
        return run

    # ================================================================ sync

    def sync(
        self, cancel: CancelToken | None = None, progress: ProgressCallback | None = None
    ) -> SessionSyncReport:
        """One sync: every unconfirmed event up, the server's changes down, then the
        package refreshed when the server named a newer version, unless an attempt is
        open (it stays due: a sync after the submission refreshes). ``progress(done,
        total)`` counts events. Cancelled, it stops between batches
        (``SyncError(CANCELLED)``). A refresh that fails after the sync succeeded is a
        warning of the report (the sync's events are applied), not the sync's error."""
        warnings: list[Message] = []
        with self._work(cancel) as token:
            if not self._syncing.acquire(blocking=False):
                raise SyncError(SyncErrorKind.BUSY)
            try:
                engine = self.engine
                engine.progress = progress
                try:
                    with self._link_seen():
                        report = engine.run(token)
                finally:
                    engine.progress = None
                refreshed = None
                if report.package_outdated and not self._attempt_open():
                    try:
                        refreshed = self._refresh(self.package().course_id, token, None)
                    except SyncError as error:
                        log.warning("sync: the package refresh after it failed: %s", error)
                        warnings.append(error_message(error))
            finally:
                self._syncing.release()
        if report.clock_skew is not None:
            skew = SyncError(SyncErrorKind.CLOCK_SKEW, clock_skew=report.clock_skew)
            warnings.append(error_message(skew))
        if refreshed is not None and refreshed.removed_with_progress:
            removed = ", ".join(refreshed.removed_with_progress)
            warnings.append(msg(Code.CONTENT_ACTIVITIES_REMOVED, activities=removed))
        engine_fields = {f.name: getattr(report, f.name) for f in dataclasses.fields(SyncReport)}
        return SessionSyncReport(**engine_fields, refreshed=refreshed, warnings=tuple(warnings))

    def refresh_package(
        self, cancel: CancelToken | None = None, progress: ProgressCallback | None = None
    ) -> PackageRefresh:
        """Fetch the course package if it changed (one request, no body, when it did not).

        Not while an attempt is open: its questions and time limit are the stored
        version's (nothing is fetched; ``changed`` False, the stored version). Not beside
        a sync either (``SyncError(BUSY)``): a sync refreshes the package itself."""
        with self._work(cancel) as token:
            if not self._syncing.acquire(blocking=False):
                raise SyncError(SyncErrorKind.BUSY)
            try:
                if self._attempt_open():
                    return PackageRefresh(False, self.package().version)
                return self._refresh(self.package().course_id, token, progress)
            finally:
                self._syncing.release()

    def _attempt_open(self) -> bool:
        """An evaluation attempt is open: its package must stay until it is submitted."""
        return bool(self.store.open_drafts())

    def _refresh(
        self, course_id: str, cancel: CancelToken | None, progress: ProgressCallback | None
    ) -> PackageRefresh:
        return fetch_package(
            self.api,
            self.store,
            course_id,
            self.machine,
            self.profile_id,
            cancel=cancel,
            progress=progress,
        )

    def start_background(
        self,
        on_result: ResultCallback | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        """Sync now, every ``sync_interval`` while online, and when a connection appears
        (the connectivity probe); failures retry with backoff. ``on_result`` hears each
        sync's report or error, ``on_progress(done, total)`` each sync's events sent
        (``(0, total)`` when one starts), both from the sync thread."""
        self._require_open()
        if self._scheduler is not None:
            return
        scheduler = SyncScheduler(
            self._background_sync,
            interval=self.options.sync_interval,
            backoff=Backoff(base=self.options.retry_base),
            on_result=on_result,
        )
        watcher = ConnectivityWatcher(
            self._probe, scheduler.connection_appeared, interval=self.options.probe_interval
        )
        scheduler.on_link = watcher.link
        self._scheduler, self._watcher = scheduler, watcher
        self._background = CancelToken()
        self._sync_progress = on_progress
        scheduler.start()
        watcher.start()

    def sync_now(self) -> None:
        """ "Sinkronkan sekarang": the background sync runs at once (``start_background``
        first)."""
        self._require_open()
        if self._scheduler is None:
            raise RuntimeError("start_background() first")
        self._scheduler.sync_now()

    def cancel_sync(self) -> bool:
        """Stop the background sync running now (False: none runs). It ends with
        ``SyncError(CANCELLED)``; the background sync goes on at its next time."""
        token = self._current_sync
        if token is None:
            return False
        token.cancel()
        return True

    def stop_background(self) -> None:
        """Stop the background sync (a sync running is cancelled) and the probe; joined."""
        self._require_open()
        self._stop_background()

    def _stop_background(self) -> None:
        scheduler, watcher = self._scheduler, self._watcher
        self._scheduler = self._watcher = None
        if scheduler is None or watcher is None:
            return
        self._background.cancel()
        running = self._current_sync
        if running is not None:  # it stops between batches or in its call
            running.cancel()
        watcher.stop()
        scheduler.stop()

    def _background_sync(self) -> SyncReport:
        # Set before looking at ``_background``: a stop either sees this token or is
        # seen by the check below.
        token = self._current_sync = CancelToken()
        try:
            if self._background.cancelled:
                token.cancel()
            return self.sync(token, self._sync_progress)
        finally:
            self._current_sync = None

    def _probe(self) -> bool:
        with self._state:
            began = self._generation
            self._starts[began] += 1
        try:
            self._link_up = reached = probe(self.api)
            return reached
        except SyncError:  # no server address (yet): nothing to reach
            self._link_up = False
            return False
        finally:
            with self._state:
                self._ended(began)
            self._close_unused()

    # ================================================================ content

    def plan_material(self, material_id: str) -> Plan:
        """What downloading a material would move (its size, shown before starting)."""
        self._require_open()
        return self._planner().plan_material(self.package(), material_id)

    def download_material(
        self,
        material_id: str,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
    ) -> Plan:
        """Keep a material for offline use: fetch what is missing (resuming partial
        files). ``progress(done_bytes, total_bytes)``; cancelled, the partial files stay."""
        with self._work(cancel) as token, self._link_seen():
            return self.downloader.download_material(self.package(), material_id, progress, token)

    def plan_all(self) -> Plan:
        """What "Unduh semua" would move: every content file of the package (the welcome
        video too), its total and what is still missing (shown before starting)."""
        self._require_open()
        return self._planner().plan_all(self.package())

    def download_all(
        self, cancel: CancelToken | None = None, progress: ProgressCallback | None = None
    ) -> Plan:
        """ "Unduh semua": every material kept for offline use, in one download (one
        ``progress(done_bytes, total_bytes)`` over all the missing bytes). Cancelled or
        failed, no material is marked and the partial files stay: the next try resumes."""
        with self._work(cancel) as token, self._link_seen():
            return self.downloader.download_all(self.package(), progress, token)

    def offline_materials(self) -> set[str]:
        """The materials this profile keeps for offline use ("Unduh untuk offline")."""
        self._require_open()
        return self._planner().offline_materials()

    def hemat_data(self) -> bool:
        """This computer's "Hemat data" setting ("Unduh semua" asks first when it is on)."""
        self._require_open()
        return bool(self._machine().setting(HEMAT_DATA, False))

    def content_path(self, activity_id: str) -> Path | None:
        """The stored file of an activity's content (the welcome video's too), or None:
        the activity has no content file, or this computer does not store it (yet).
        ``KeyError``: no such activity. No network, no write."""
        self._require_open()
        ref = self._content_ref(activity_id)
        if ref is None:
            return None
        path = self._machine().content_path(ref.sha256)
        return path if path.is_file() else None

    def fetch_content(
        self,
        activity_id: str,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
    ) -> Path:
        """The local file of an activity's content (a module or clip of a material not
        kept offline), fetched first when this computer does not store it, exactly as
        ``welcome_video``: recorded as needed by this profile, resumed, checked;
        ``progress(done_bytes, total_bytes)``. ``SyncError`` when it is not stored and the
        server is not reached; ``KeyError``: no such activity, or it has no file."""
        with self._work(cancel) as token:
            ref = self._content_ref(activity_id)
            if ref is None:
                raise KeyError(activity_id)
            return self._local_file(ref, token, progress)

    def welcome_video(
        self, cancel: CancelToken | None = None, progress: ProgressCallback | None = None
    ) -> Path | None:
        """The local file of the package's welcome video (None: the package has none).

        Fetched first when this computer does not store it yet, as every download
        (resumed from a partial file, checked against its SHA-256; ``progress(done_bytes,
        total_bytes)``). The need is recorded in machine.db either way, so no other
        profile's deletion removes it. Not stored and the server out of reach: the
        ``SyncError`` (the screen offers the activity's ``url`` instead)."""
        with self._work(cancel) as token:
            ref = self.package().welcome_video.content
            if ref is None:
                return None
            return self._local_file(ref, token, progress)

    def _content_ref(self, activity_id: str) -> ContentRef | None:
        """The content file of an activity or the welcome video (``KeyError``: neither)."""
        package = self.package()
        activity = (
            package.welcome_video
            if activity_id == package.welcome_video.id
            else package.activity(activity_id)
        )
        if activity is None:
            raise KeyError(activity_id)
        return activity.content

    def _local_file(
        self, ref: ContentRef, token: CancelToken, progress: ProgressCallback | None
    ) -> Path:
        """``ref``'s stored file, fetched first when missing; needed by this profile."""
        machine = self._machine()
        path = machine.content_path(ref.sha256)
        if path.is_file():  # no network needed: an offline session plays it too
            machine.need_content(self._profile_id(), [ref])
            return path
        with self._link_seen():
            self.downloader.download([ref], progress, token)
        return path

    def export_content(
        self,
        folder: Path,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
    ) -> CopyReport:
        """ "Salin ke folder…": the content files this computer stores of the package,
        with an index, into ``folder/latsar-konten/`` (``session/usb.py``); no network.
        ``DomainError`` when the folder cannot take them."""
        with self._work(cancel) as token:
            return usb.export_content(self.package(), self._machine(), folder, token, progress)

    def import_content(
        self,
        folder: Path,
        cancel: CancelToken | None = None,
        progress: ProgressCallback | None = None,
    ) -> CopyReport:
        """ "Ambil dari folder…": the package's files a copy folder holds, each checked
        against the package's SHA-256 and size (``session/usb.py``); no network. Then
        every material whose files are all stored is kept offline. ``DomainError`` when
        the folder or its index cannot be read, or this computer has no room."""
        with self._work(cancel) as token:
            package = self.package()
            report = usb.import_content(
                package, self._machine(), self._profile_id(), folder, token, progress
            )
            planner = self._planner()
            planner.keep_offline(planner.complete_materials(package))
            return report

    def delete_material(self, material_id: str) -> list[str]:
        """No longer keep a material offline; the files no one else needs are removed."""
        self._require_open()
        return self._planner().delete_material(self.package(), material_id)

    def storage_summary(self) -> StorageSummary:
        self._require_open()
        machine = self._machine()
        content = machine.root / "content"
        free = shutil.disk_usage(content if content.is_dir() else machine.root).free
        return StorageSummary(tuple(self._planner().usage(self.package())), free)

    # ================================================================ the link

    def link_up(self) -> bool:
        """The last known state of the link to the server: True after an online sign-in
        and after a sync, probe or download that reached the server, False after one that
        did not (the link down: no connection, no address, not our server, a server
        error). Known from work done anyway: it sends no request."""
        return self._link_up

    @contextmanager
    def _link_seen(self) -> Iterator[None]:
        """What a call to the server tells of the link: it reached the server (returned,
        or failed for a reason of its own) or found the link down."""
        try:
            yield
        except SyncError as error:
            if error.link_down:
                self._link_up = False
            elif error.kind not in _NOT_THE_LINK:
                self._link_up = True
            raise
        self._link_up = True

    def _planner(self) -> Downloader:
        """The downloader for what needs no network (plans, usage, deletion): works with
        no server address configured too."""
        try:
            return self.downloader
        except SyncError:
            # planning and deleting never touch the API client
            return Downloader(cast(ApiClient, None), self._machine(), self._profile_id())

    # ================================================================ connection settings

    def connection_settings(self) -> ConnectionSettings:
        """The server address and the proxy (this computer's), and this profile's proxy
        user, and whether a proxy password is kept (the password itself never is given).
        Credentials kept for another proxy address than the one set now (another profile
        changed it) are not this proxy's: ``proxy_user`` "" and ``proxy_password_set``
        False until they are typed again."""
        self._require_open()
        return self._connection_settings()

    def _connection_settings(self) -> ConnectionSettings:
        machine = self._machine()
        proxy = self._proxy_credentials()
        return ConnectionSettings(
            server_url=str(machine.setting(SERVER_URL_SETTING) or ""),
            proxy_url=str(machine.setting(HTTP_PROXY_SETTING) or ""),
            proxy_user=proxy.user if proxy is not None else "",
            proxy_password_set=proxy is not None and bool(proxy.password),
        )

    def set_connection_settings(
        self, server_url: str, proxy_url: str, proxy_user: str, proxy_password: str | None
    ) -> ConnectionSettings:
        """Check and keep the connection settings (``session/connection.py`` says what is
        accepted); ``SessionError`` with each wrong field's messages, and nothing kept,
        otherwise. ``proxy_password`` None keeps the password kept, "" removes it.

        The server and proxy addresses are this computer's (every profile's); the proxy
        user and password this profile's, sealed under the sign-in's key. The next
        request uses them: the API client, the sync engine and the downloader are made
        anew; a sync or download running goes on with the client it has, which is closed
        once no work that may use it runs (or at sign-out). A piece of work itself: a
        sign-out waits for it to finish. ``proxy_password`` None keeps the kept password
        only for the proxy address it was typed for (``session/connection.py``)."""
        machine = self._machine()
        profile_id = self._profile_id()
        if self._key is None:
            raise RuntimeError("this session has no key to seal the proxy credentials")
        # a piece of work: a sign-out waits for it (nothing written, no client retired
        # after the session let go of the store)
        with self._work(None):
            kept = machine.proxy_credentials(profile_id, self._key, any_proxy=True)
            checked = check_connection(server_url, proxy_url, proxy_user, proxy_password, kept)
            if not machine.save_connection(
                profile_id, self._key, checked.server_url, checked.proxy_url, checked.proxy
            ):  # cannot happen while this session holds the profile's lock
                raise RuntimeError("the profile signed in anew: its credentials have another key")
            log.info(
                "connection settings saved (proxy %s, proxy credentials %s)",
                "set" if checked.proxy_url else "from the environment",
                "kept" if checked.proxy is not None else "none",
            )
            self._retire_api()
            return self._connection_settings()  # a sign-out may have begun meanwhile

    def _proxy_credentials(self) -> ProxyCredentials | None:
        """This profile's proxy user and password for the proxy set now (None: none kept,
        no key to open them, or kept for another proxy address)."""
        if self.machine is None or self._key is None or self.profile_id is None:
            return None
        return self.machine.proxy_credentials(self.profile_id, self._key)

    def _retire_api(self) -> None:
        """The next request makes a new API client (and engine and downloader). The old
        client joins the retired, tagged with the generation it belonged to: work that
        began in that generation or before may hold it; work that began later cannot (it
        finds the new parts). It is closed when no such work runs any more."""
        with self._building:
            old = self._api
            self._api, self._engine, self._downloader = None, None, None
            with self._state:
                if old is not None:
                    self._retired.append((self._generation, old))
                self._generation += 1
        self._close_unused()

    def _ended(self, began: int) -> None:
        """A piece of work that began in generation ``began`` ended (under ``_state``)."""
        self._starts[began] -= 1
        if self._starts[began] <= 0:
            del self._starts[began]

    def _close_unused(self) -> None:
        """Close the retired clients no running work may use."""
        with self._state:
            if not self._retired:
                return
            oldest = min(self._starts, default=None)
            unused = [c for g, c in self._retired if oldest is None or g < oldest]
            self._retired = [(g, c) for g, c in self._retired if oldest is not None and g >= oldest]
        for client in unused:
            client.close()

    # ================================================================ the certificate

    def certificate(self) -> Verification | None:
        """The newest certificate received, checked against the known keys (None: none)."""
        self._require_open()
        return certificates.current_certificate(self.store)

    def certificate_pdf(self, language: str = "id") -> bytes:
        """The PDF of a genuine certificate (``DomainError`` with the reason otherwise)."""
        self._require_open()
        return certificates.certificate_pdf(self.store, language)

    def save_certificate(self, path: Path, language: str = "id") -> Path:
        """Write the genuine certificate's PDF to ``path`` (any thread): drawn first
        (refused like ``certificate_pdf``, nothing written), then written whole beside it
        as ``<name>.part``, flushed and renamed over ``path`` (``os.replace``), so ``path``
        is never half-written; ``OSError`` when the folder cannot take it. A piece of work:
        a sign-out waits for it (the store stays open while it draws)."""
        with self._work(None):
            pdf = certificates.certificate_pdf(self.store, language)
            part = path.with_name(path.name + ".part")
            try:
                with part.open("wb") as file:
                    file.write(pdf)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(part, path)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            return path

    def check_certificate(self, path: Path, cancel: CancelToken | None = None) -> CertificateCheck:
        """Any certificate PDF checked here, then by the server's ``/verify`` when it can
        be reached (worker; ``session/verify.py``): offline is not an error
        (``online_problem`` says why), only CANCELLED is raised; ``OSError`` when the file
        cannot be read."""
        with self._work(cancel) as token:
            known_revoked = {
                received.signed.record.certificate_number
                for received in self.store.certificates()
                if received.revoked
            }

            def ask(code: str, cancel: CancelToken | None) -> VerifyAnswer:
                return self.api.verify(code, cancel=cancel)

            return check_certificate(path, self.store.known_keys(), known_revoked, ask, token)

    # ================================================================ devices

    def devices(self, cancel: CancelToken | None = None) -> list[DeviceInfo]:
        """This participant's devices that are not revoked, from the server (worker;
        ``current``: this computer). ``SyncError`` when it cannot be reached."""
        with self._work(cancel) as token:
            return list(self.api.devices(cancel=token).devices)

    def revoke_device(self, device_id: uuid.UUID | str, cancel: CancelToken | None = None) -> None:
        """Revoke another of this participant's devices on the server (worker): its tokens
        stop working and its next sync is refused (``auth.device_revoked``); its unsynced
        work is lost. ``SyncError`` (REJECTED) for this computer itself
        (``device.is_current``) or a device that is not the participant's
        (``device.unknown``); ``message_for`` says which."""
        with self._work(cancel) as token:
            self.api.revoke_device(device_id, cancel=token)

    # ================================================================ Beranda

    def beranda(self) -> Beranda:
        """Everything Beranda shows, and what follows from it (``session/beranda.py``),
        read in one go (any thread)."""
        self._require_open()
        view = self.store.progress()
        outlook = evaluation_outlook(self.store, self.clock())
        last_sync_at = self.store.sync_status().last_sync_at
        pending = self.store.count_unconfirmed()
        rules = self.package().rules
        return beranda(view, outlook, last_sync_at, pending, rules.min_attempts)
