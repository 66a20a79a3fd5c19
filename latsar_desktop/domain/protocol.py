"""The wire format, defined once: every body that crosses between client and server.

Pydantic models (pydantic comes with SQLModel). Scores are ``Decimal`` and travel as JSON
strings ("90.01"), never floats. Times are timezone-aware UTC.

Compatibility: the server is strict about what it reads (``StrictWireModel``: requests,
events), the client is lenient (``WireModel``: every answer, change, package and message
ignores fields it does not know), so a newer server never breaks an older client. A change
of an unknown type parses as ``UnknownChange`` and is kept; a message parameter of an
unknown kind reads as text; an unknown message code becomes ``message.unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    model_validator,
)

from latsar_desktop.domain.messages import Code, Message, ParamValue

PROTOCOL_VERSION = 1
MAX_INT = 2**31 - 1  # every integer on the wire fits a PostgreSQL INTEGER column


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must carry a time zone")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


# Free text a server stores as it came: PostgreSQL's text holds no NUL character
StoredText = Annotated[str, AfterValidator(_no_nul)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class WireModel(BaseModel):
    """Base of every wire model the client reads: fields it does not know are ignored (a
    newer server may add them); values are immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class StrictWireModel(WireModel):
    """Base of what the server reads (requests, journal events): unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


FieldPath = tuple[str | int, ...]


def unknown_fields(model: BaseModel, data: Any) -> list[FieldPath]:
    """Where ``data``, the JSON value ``model`` was parsed from, has fields the models do not
    know: what a strict reader of a lenient model refuses (the server importing a package)."""
    found: list[FieldPath] = []

    def walk(value: Any, raw: Any, path: FieldPath) -> None:
        if isinstance(value, BaseModel) and isinstance(raw, dict):
            fields = type(value).model_fields
            for key, item in raw.items():
                if key in fields:
                    walk(getattr(value, key), item, (*path, key))
                else:
                    found.append((*path, key))
        elif isinstance(value, list | tuple) and isinstance(raw, list):
            for index, (item, raw_item) in enumerate(zip(value, raw, strict=False)):
                walk(item, raw_item, (*path, index))
        elif isinstance(value, dict) and isinstance(raw, dict):
            for key, raw_item in raw.items():
                if key in value:
                    walk(value[key], raw_item, (*path, key))

    walk(model, data, ())
    return found


# --------------------------------------------------------------------------------------
# The course package


class ActivityKind(StrEnum):
    VIDEO = "video"
    READING = "reading"
    PRACTICE_QUIZ = "practice_quiz"
    REFLECTION = "reflection"


class ContentRef(WireModel):
    """A content file, stored and fetched by its SHA-256."""

    sha256: Sha256
    size: int = Field(ge=0, le=MAX_INT)
    media_type: str
    name: str
    # Where the file is fetched (the server setting ``content_base_url``: a static host or
    # CDN, ``<base>/<sha256>``), without the participant's token; checked by its SHA-256 as
    # ever. None: the API's ``/api/v1/assets/<sha256>``. Absent from the JSON when None, so
    # a package without it reads, hashes and is served as before; an older client ignores it.
    url: str | None = Field(default=None, max_length=2048, exclude_if=lambda value: value is None)


class Choice(WireModel):
    id: Identifier
    text: str


class Question(WireModel):
    id: Identifier
    text: str
    choices: list[Choice] = Field(min_length=2)
    # The id of the right choice. Always present for practice quizzes; for the
    # evaluation it is present only in the server's copy and removed before serving.
    answer: Identifier | None = None


class Activity(WireModel):
    id: Identifier
    kind: ActivityKind
    title: str
    required: bool
    trophies: int = Field(ge=0, le=MAX_INT)
    content: ContentRef | None = None
    url: str | None = None  # a video can always be opened as a link
    questions: list[Question] = Field(default_factory=list)  # practice quiz
    prompt: str | None = None  # reflection


class SubMaterial(WireModel):
    id: Identifier
    title: str
    activities: list[Activity] = Field(min_length=1)


class MaterialKind(StrEnum):
    POLICY = "policy"
    LEARNING = "learning"


def _unique_refs(activities: Iterable[Activity]) -> list[ContentRef]:
    refs = {a.content.sha256: a.content for a in activities if a.content is not None}
    return list(refs.values())


class Material(WireModel):
    id: Identifier
    kind: MaterialKind
    title: str
    sub_materials: list[SubMaterial] = Field(min_length=1)

    def content_refs(self) -> list[ContentRef]:
        """The material's content files, each once, in course order."""
        return _unique_refs(a for sub in self.sub_materials for a in sub.activities)


class CapBand(WireModel):
    """Attempts ``first_attempt`` .. ``last_attempt`` (None: and every later one)."""

    first_attempt: int = Field(ge=1, le=MAX_INT)
    last_attempt: int | None = Field(default=None, ge=1, le=MAX_INT)
    cap: Decimal


DEFAULT_CAP_TABLE: tuple[CapBand, ...] = (
    CapBand(first_attempt=1, last_attempt=3, cap=Decimal("100")),
    CapBand(first_attempt=4, last_attempt=5, cap=Decimal("90.01")),
    CapBand(first_attempt=6, last_attempt=6, cap=Decimal("80.01")),
    CapBand(first_attempt=7, last_attempt=None, cap=Decimal("70.01")),
)


class Rules(WireModel):
    """The numbers of the training; every one can be overridden by a package."""

    max_trophies: int = Field(default=50, ge=1, le=MAX_INT)
    unlock_trophies: int = Field(default=28, ge=0, le=MAX_INT)
    pass_trophies: int = Field(default=32, ge=0, le=MAX_INT)
    min_attempts: int = Field(default=1, ge=1, le=MAX_INT)
    passing_score: Decimal = Decimal("65.00")
    cap_table: list[CapBand] = Field(default_factory=lambda: list(DEFAULT_CAP_TABLE))
    certificate_delay_days: int = Field(default=20, ge=0, le=MAX_INT)
    # when present, replaces the days: the delay in seconds (a server's override, such as
    # the demo's few minutes, stamped into the package as it is imported). Absent from the
    # JSON when None, so a package without it reads, hashes and is served as before; an
    # older client ignores it. ``domain.progress.certificate_delay`` reads the two.
    certificate_delay_seconds: int | None = Field(
        default=None, ge=0, le=MAX_INT, exclude_if=lambda value: value is None
    )
    # at most this many evaluation attempts are graded per calendar day (None: no limit);
    # later ones are numbered at once and graded on the following days, in order
    max_graded_per_day: int | None = Field(default=None, ge=1, le=MAX_INT)
    time_zone: str = "Asia/Jakarta"  # the course's calendar days (IANA name)


class Evaluation(WireModel):
    id: Identifier
    title: str
    time_limit_seconds: int = Field(gt=0, le=MAX_INT)
    grace_seconds: int = Field(default=120, ge=0, le=MAX_INT)
    # each attempt shows this many questions drawn from ``questions`` (None: all of them)
    questions_per_attempt: int | None = Field(default=None, ge=1, le=MAX_INT)
    questions: list[Question]


class CertificateKey(WireModel):
    key_id: Identifier
    public_key: str  # Ed25519 raw public key, base64


class CoursePackage(WireModel):
    format: Literal[1] = 1
    course_id: Identifier
    version: int = Field(ge=1, le=MAX_INT)
    title: str
    welcome_video: Activity
    materials: list[Material] = Field(min_length=1)
    evaluation: Evaluation
    rules: Rules = Field(default_factory=Rules)
    certificate_keys: list[CertificateKey] = Field(default_factory=list)

    def activities(self) -> list[tuple[Material, Activity]]:
        """Every activity of the materials, with its material, in course order."""
        return [
            (material, activity)
            for material in self.materials
            for sub in material.sub_materials
            for activity in sub.activities
        ]

    def content_refs(self) -> list[ContentRef]:
        """Every content file of the package, each once: welcome video first."""
        return _unique_refs([self.welcome_video, *(a for _, a in self.activities())])

    def material(self, material_id: str) -> Material:
        for material in self.materials:
            if material.id == material_id:
                return material
        raise KeyError(material_id)

    def activity(self, activity_id: str) -> Activity | None:
        for _, activity in self.activities():
            if activity.id == activity_id:
                return activity
        return None

    def without_evaluation_keys(self) -> CoursePackage:
        """The copy served to clients: evaluation answer keys never leave the server."""
        questions = [q.model_copy(update={"answer": None}) for q in self.evaluation.questions]
        evaluation = self.evaluation.model_copy(update={"questions": questions})
        return self.model_copy(update={"evaluation": evaluation})


# --------------------------------------------------------------------------------------
# Journal events (what the device records and pushes)


class EventType(StrEnum):
    WELCOME_WATCHED = "welcome.watched"
    ACTIVITY_COMPLETED = "activity.completed"
    PRACTICE_GRADED = "practice.graded"
    ATTEMPT_SUBMITTED = "attempt.submitted"


class WelcomeWatched(StrictWireModel):
    package_version: int = Field(ge=1, le=MAX_INT)


class ActivityCompleted(StrictWireModel):
    """A video watched, a module read or a reflection written (not a practice quiz)."""

    activity_id: Identifier
    package_version: int = Field(ge=1, le=MAX_INT)
    reflection_text: str | None = Field(default=None, max_length=20000)


class PracticeGraded(StrictWireModel):
    """A practice quiz taken and graded on the device (the server grades it again)."""

    activity_id: Identifier
    package_version: int = Field(ge=1, le=MAX_INT)
    answers: dict[Identifier, Identifier]
    correct: int = Field(ge=0, le=MAX_INT)
    total: int = Field(gt=0, le=MAX_INT)
    score: Score


class AttemptSubmitted(StrictWireModel):
    """An evaluation attempt: answers only; the server grades it with its keys.

    ``seed`` fixes the questions drawn and their order (``domain/draw.py``); the server
    recomputes ``question_order`` from it and refuses an attempt whose questions differ.
    Without a seed (an app older than the draw) the attempt must show every question."""

    attempt_id: UUID
    package_version: int = Field(ge=1, le=MAX_INT)
    seed: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    question_order: list[Identifier]
    answers: dict[Identifier, Identifier]
    elapsed_seconds: int = Field(ge=0, le=MAX_INT)
    started_at: UtcDateTime


class _EventBase(StrictWireModel):
    id: UUID
    device_id: UUID
    seq: int = Field(ge=1, le=MAX_INT)
    at: UtcDateTime  # device clock, informational only


class WelcomeWatchedEvent(_EventBase):
    type: Literal[EventType.WELCOME_WATCHED] = EventType.WELCOME_WATCHED
    payload: WelcomeWatched


class ActivityCompletedEvent(_EventBase):
    type: Literal[EventType.ACTIVITY_COMPLETED] = EventType.ACTIVITY_COMPLETED
    payload: ActivityCompleted


class PracticeGradedEvent(_EventBase):
    type: Literal[EventType.PRACTICE_GRADED] = EventType.PRACTICE_GRADED
    payload: PracticeGraded


class AttemptSubmittedEvent(_EventBase):
    type: Literal[EventType.ATTEMPT_SUBMITTED] = EventType.ATTEMPT_SUBMITTED
    payload: AttemptSubmitted


JournalEvent = Annotated[
    WelcomeWatchedEvent | ActivityCompletedEvent | PracticeGradedEvent | AttemptSubmittedEvent,
    Field(discriminator="type"),
]
EventPayload = WelcomeWatched | ActivityCompleted | PracticeGraded | AttemptSubmitted
JOURNAL_EVENT: TypeAdapter[JournalEvent] = TypeAdapter(JournalEvent)

EVENT_CLASSES: dict[EventType, type[_EventBase]] = {
    EventType.WELCOME_WATCHED: WelcomeWatchedEvent,
    EventType.ACTIVITY_COMPLETED: ActivityCompletedEvent,
    EventType.PRACTICE_GRADED: PracticeGradedEvent,
    EventType.ATTEMPT_SUBMITTED: AttemptSubmittedEvent,
}


# --------------------------------------------------------------------------------------
# The server's authoritative standing of one participant


class GradedAttempt(WireModel):
    attempt_id: UUID
    number: int = Field(ge=1, le=MAX_INT)
    package_version: int = Field(ge=1, le=MAX_INT)
    raw_score: Score
    cap: Score
    score: Score
    graded_at: UtcDateTime


class AcceptedAttempt(WireModel):
    """An attempt the server accepted and numbered, to be graded later: the course grades
    at most ``max_graded_per_day`` attempts a day, and this one came after them.

    ``grade_on`` is the calendar day (the course's time zone) it is due to be graded, at
    the participant's next sync on or after that day or by the server's daily job."""

    attempt_id: UUID
    number: int = Field(ge=1, le=MAX_INT)
    package_version: int = Field(ge=1, le=MAX_INT)
    cap: Score
    accepted_at: UtcDateTime
    grade_on: date


class Standing(WireModel):
    """What the server knows of a participant; the client keeps its last copy."""

    welcome_watched: bool = False
    completed_activities: list[Identifier] = Field(default_factory=list)
    practice_best: dict[Identifier, Score] = Field(default_factory=dict)
    attempts: list[GradedAttempt] = Field(default_factory=list)  # graded, by number
    # accepted and numbered, not graded yet (graded per day), by number
    pending_attempts: list[AcceptedAttempt] = Field(default_factory=list)
    registered_devices: int = Field(default=0, ge=0, le=MAX_INT)  # 0: not known yet
    passed_at: UtcDateTime | None = None
    certificate_issued_at: UtcDateTime | None = None


# --------------------------------------------------------------------------------------
# Headers and messages on the wire

HEADER_PROTOCOL = "X-Latsar-Protocol"
HEADER_APP_VERSION = "X-Latsar-App-Version"
HEADER_AUTHORIZATION = "Authorization"  # "Bearer <access token>"
BEARER = "Bearer"


class ParamKind(StrEnum):
    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"


_PARAM_KINDS = frozenset(kind.value for kind in ParamKind)


def _known_kind(value: Any) -> Any:
    """A kind this version does not know (a newer server's) is read as text."""
    return value if isinstance(value, str) and value in _PARAM_KINDS else ParamKind.TEXT


class WireParam(WireModel):
    """A message parameter with its type, so the reader formats it for its language.

    Lenient: an unknown kind reads as text, and a value that does not parse as its kind is
    shown as sent."""

    kind: Annotated[ParamKind, BeforeValidator(_known_kind)]
    value: str

    @classmethod
    def of(cls, value: ParamValue) -> WireParam:
        if isinstance(value, bool):
            return cls(kind=ParamKind.TEXT, value=str(value))
        if isinstance(value, int):
            return cls(kind=ParamKind.INT, value=str(value))
        if isinstance(value, Decimal):
            return cls(kind=ParamKind.DECIMAL, value=str(value))
        if isinstance(value, datetime):
            return cls(kind=ParamKind.DATETIME, value=value.astimezone(UTC).isoformat())
        if isinstance(value, date):
            return cls(kind=ParamKind.DATE, value=value.isoformat())
        return cls(kind=ParamKind.TEXT, value=value)

    def to_value(self) -> ParamValue:
        try:
            match self.kind:
                case ParamKind.INT:
                    return int(self.value)
                case ParamKind.DECIMAL:
                    return Decimal(self.value)
                case ParamKind.DATETIME:
                    return datetime.fromisoformat(self.value)
                case ParamKind.DATE:
                    return date.fromisoformat(self.value)
        except (ValueError, ArithmeticError):  # decimal.InvalidOperation is arithmetic
            pass  # not readable as its kind: shown as sent
        return self.value


class WireMessage(WireModel):
    """A message code and its typed parameters (see ``domain.messages``)."""

    code: str
    params: dict[str, WireParam] = Field(default_factory=dict)

    @classmethod
    def of(cls, message: Message) -> WireMessage:
        return cls(
            code=message.code.value,
            params={name: WireParam.of(value) for name, value in message.params.items()},
        )

    def to_message(self) -> Message:
        """Back to a :class:`Message`. A code this version does not know (a newer server's)
        becomes ``message.unknown`` naming it, shown with a generic text."""
        try:
            code = Code(self.code)
        except ValueError:
            return Message(Code.MESSAGE_UNKNOWN, {"code": self.code})
        return Message(code, {k: p.to_value() for k, p in self.params.items()})


class ErrorBody(WireModel):
    """Every non-2xx answer of the API carries this body."""

    error: WireMessage
    retry_after_seconds: int | None = Field(default=None, ge=0, le=MAX_INT)  # a lock's time left
    update_required: bool = False  # the client is too old (HTTP 426)
    # with a 426: where to get the new version, when the server's operator configured it
    # (None: not configured, or an older server that does not say)
    update_url: str | None = Field(default=None, max_length=2000)


# --------------------------------------------------------------------------------------
# Sign-in


class LoginRequest(StrictWireModel):
    nip: str = Field(max_length=40)
    nik: str = Field(max_length=40)
    device_id: UUID
    device_name: StoredText = Field(max_length=120)


class Participant(WireModel):
    nip: str
    name: str
    agency: str


class Tokens(WireModel):
    access_token: str
    access_expires_at: UtcDateTime
    refresh_token: str
    refresh_expires_at: UtcDateTime


class LoginResponse(WireModel):
    tokens: Tokens
    participant: Participant
    course_id: Identifier
    registered_devices: int = Field(ge=1, le=MAX_INT)
    server_time: UtcDateTime


class RefreshRequest(StrictWireModel):
    refresh_token: str
    device_id: UUID


class RefreshResponse(WireModel):
    tokens: Tokens
    server_time: UtcDateTime


class HealthResponse(WireModel):
    status: Literal["ok"] = "ok"
    version: str
    protocol: int = PROTOCOL_VERSION


# --------------------------------------------------------------------------------------
# Certificates


class CertificateRecord(WireModel):
    """The certificate's content. Parsed leniently: a newer server may add fields, which
    this version ignores here (they stay covered by the signature, which is checked over
    ``SignedCertificate.record_json``, never over this parsed model)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    certificate_number: str
    name: str
    nip: str
    agency: str
    course_title: str
    period_start: date
    period_end: date
    final_score: Score
    predicate: str
    issued_on: date
    verification_code: str
    verify_url: str  # the page the QR code opens: <server>/verify/<verification_code>
    key_id: Identifier


@lru_cache(maxsize=256)
def _parse_record(record_json: str) -> CertificateRecord:
    return CertificateRecord.model_validate_json(record_json)


class SignedCertificate(WireModel):
    """A certificate record exactly as the server signed it.

    ``record_json`` is the signed text itself: the server writes the record as JSON with
    sorted keys and no spaces, signs its UTF-8 bytes and sends that text unchanged; the
    client keeps it unchanged (profile store, PDF) and checks the signature over
    :meth:`signed_bytes`. ``record`` is that text parsed, unknown fields ignored.
    """

    record_json: str
    signature: str  # Ed25519 over record_json's UTF-8 bytes, base64

    @model_validator(mode="after")
    def _record_parses(self) -> SignedCertificate:
        _parse_record(self.record_json)
        return self

    @property
    def record(self) -> CertificateRecord:
        return _parse_record(self.record_json)

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers, as received."""
        return self.record_json.encode("utf-8")


class VerifyStatus(StrEnum):
    GENUINE = "genuine"
    UNKNOWN = "unknown"
    REVOKED = "revoked"


class VerifyAnswer(WireModel):
    """``GET /verify/{code}`` as JSON; the NIP is partly masked."""

    status: VerifyStatus
    certificate_number: str | None = None
    name: str | None = None
    nip_masked: str | None = None
    course_title: str | None = None
    issued_on: date | None = None
    revoked_at: UtcDateTime | None = None


# --------------------------------------------------------------------------------------
# Devices (``GET /api/v1/devices``, ``POST /api/v1/devices/{device_id}/revoke``)


class DeviceInfo(WireModel):
    """One of the caller's own devices that is not revoked. ``last_sync_at``: when it last
    synced (None: never since it signed in); the server keeps it to within
    ``latsar_server.accounts.devices.LAST_SYNC_PRECISION`` for syncs that send no events.
    ``current``: the device whose access token asked."""

    device_id: UUID
    name: str
    registered_at: UtcDateTime
    last_sync_at: UtcDateTime | None = None
    current: bool = False


class DevicesResponse(WireModel):
    """The caller's devices, oldest registration first."""

    devices: list[DeviceInfo]


# --------------------------------------------------------------------------------------
# Server changes (pulled by sync, after the client's cursor)


class ChangeType(StrEnum):
    ATTEMPT_ACCEPTED = "attempt.accepted"
    ATTEMPT_GRADED = "attempt.graded"
    ACTIVITY_COMPLETED = "activity.completed"
    STANDING_RECOMPUTED = "standing.recomputed"
    PASSED = "passed"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    COURSE_UPDATED = "course.updated"
    DEVICES_CHANGED = "devices.changed"


class _ChangeBase(WireModel):
    cursor: int = Field(ge=0, le=MAX_INT)  # position in the participant's change log
    at: UtcDateTime  # server time


class AttemptAcceptedChange(_ChangeBase):
    """An attempt accepted and numbered now, graded later (the day's grading is used up).

    Its ``attempt.graded`` change follows when it is graded."""

    type: Literal[ChangeType.ATTEMPT_ACCEPTED] = ChangeType.ATTEMPT_ACCEPTED
    event_id: UUID
    attempt: AcceptedAttempt


class AttemptGradedChange(_ChangeBase):
    type: Literal[ChangeType.ATTEMPT_GRADED] = ChangeType.ATTEMPT_GRADED
    event_id: UUID
    attempt: GradedAttempt


class ActivityCompletedChange(_ChangeBase):
    """An activity done on another device (or a better practice score there)."""

    type: Literal[ChangeType.ACTIVITY_COMPLETED] = ChangeType.ACTIVITY_COMPLETED
    activity_id: Identifier
    device_id: UUID
    best_score: Score | None = None


class StandingRecomputedChange(_ChangeBase):
    """The participant's whole authoritative standing, as of the response's cursor.

    Sent last, on the last page of a sync that processed events or returned changes; not
    part of the stored change log. The client replaces its copy with it."""

    type: Literal[ChangeType.STANDING_RECOMPUTED] = ChangeType.STANDING_RECOMPUTED
    standing: Standing


class PassedChange(_ChangeBase):
    type: Literal[ChangeType.PASSED] = ChangeType.PASSED
    passed_at: UtcDateTime
    final_score: Score


class CertificateIssuedChange(_ChangeBase):
    type: Literal[ChangeType.CERTIFICATE_ISSUED] = ChangeType.CERTIFICATE_ISSUED
    certificate: SignedCertificate


class CertificateRevokedChange(_ChangeBase):
    type: Literal[ChangeType.CERTIFICATE_REVOKED] = ChangeType.CERTIFICATE_REVOKED
    certificate_number: str
    reason: WireMessage | None = None


class CourseUpdatedChange(_ChangeBase):
    type: Literal[ChangeType.COURSE_UPDATED] = ChangeType.COURSE_UPDATED
    course_id: Identifier
    version: int = Field(ge=1, le=MAX_INT)


class DevicesChangedChange(_ChangeBase):
    """A device of the participant was registered (first sign-in) or revoked: how many
    are registered now (the estimate label of the next attempt's cap depends on it)."""

    type: Literal[ChangeType.DEVICES_CHANGED] = ChangeType.DEVICES_CHANGED
    registered_devices: int = Field(ge=0, le=MAX_INT)


Change = Annotated[
    AttemptAcceptedChange
    | AttemptGradedChange
    | ActivityCompletedChange
    | StandingRecomputedChange
    | PassedChange
    | CertificateIssuedChange
    | CertificateRevokedChange
    | CourseUpdatedChange
    | DevicesChangedChange,
    Field(discriminator="type"),
]
CHANGE: TypeAdapter[Change] = TypeAdapter(Change)

_CHANGE_TYPES = frozenset(kind.value for kind in ChangeType)


class UnknownChange(WireModel):
    """A change of a type this version does not know (a newer server's), as received.

    The client keeps it in the profile as received, moves its cursor past it like any
    change, and applies it once an updated app knows its type. Every field but ``type`` and
    ``cursor`` is kept as sent (JSON values)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str = Field(json_schema_extra={"not": {"enum": [kind.value for kind in ChangeType]}})
    cursor: int = Field(ge=0, le=MAX_INT)


def _change_tag(value: Any) -> str:
    if isinstance(value, UnknownChange):
        return "unknown"
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return str(kind) if isinstance(kind, str) and kind in _CHANGE_TYPES else "unknown"


# A change as the client reads it: one of the known types, or an UnknownChange.
ReceivedChange = Annotated[
    Annotated[AttemptAcceptedChange, Tag(ChangeType.ATTEMPT_ACCEPTED.value)]
    | Annotated[AttemptGradedChange, Tag(ChangeType.ATTEMPT_GRADED.value)]
    | Annotated[ActivityCompletedChange, Tag(ChangeType.ACTIVITY_COMPLETED.value)]
    | Annotated[StandingRecomputedChange, Tag(ChangeType.STANDING_RECOMPUTED.value)]
    | Annotated[PassedChange, Tag(ChangeType.PASSED.value)]
    | Annotated[CertificateIssuedChange, Tag(ChangeType.CERTIFICATE_ISSUED.value)]
    | Annotated[CertificateRevokedChange, Tag(ChangeType.CERTIFICATE_REVOKED.value)]
    | Annotated[CourseUpdatedChange, Tag(ChangeType.COURSE_UPDATED.value)]
    | Annotated[DevicesChangedChange, Tag(ChangeType.DEVICES_CHANGED.value)]
    | Annotated[UnknownChange, Tag("unknown")],
    Discriminator(_change_tag),
]
RECEIVED_CHANGE: TypeAdapter[ReceivedChange] = TypeAdapter(ReceivedChange)


# --------------------------------------------------------------------------------------
# Sync: one round trip, push and pull


class EventEnvelope(_EventBase):
    """A journal event as pushed: the envelope is checked with the request, the payload
    one event at a time, so a malformed payload becomes a rejection of that event only."""

    type: str = Field(max_length=40)
    payload: dict[str, Any]

    @classmethod
    def of(cls, event: JournalEvent) -> EventEnvelope:
        return cls.model_validate(event.model_dump(mode="json"))

    def typed(self) -> JournalEvent:
        """The typed event; raises pydantic.ValidationError when the payload is malformed."""
        return JOURNAL_EVENT.validate_python(self.model_dump())


class SyncRequest(StrictWireModel):
    device_id: UUID
    events: list[EventEnvelope] = Field(default_factory=list, max_length=1000)
    cursor: int = Field(default=0, ge=0, le=MAX_INT)  # last server change the client applied


class Rejection(WireModel):
    """A final verdict: the event is never resent and never applied."""

    event_id: UUID
    seq: int = Field(ge=1, le=MAX_INT)
    reason: WireMessage


class SyncResponse(WireModel):
    acked_seq: int = Field(
        ge=0, le=MAX_INT
    )  # highest seq processed for this device (accepted or not)
    processed_count: int = Field(ge=0, le=MAX_INT)  # stored rows for this device on the server
    rejections: list[Rejection] = Field(default_factory=list)
    changes: list[ReceivedChange] = Field(default_factory=list)  # unknown types: UnknownChange
    cursor: int = Field(ge=0, le=MAX_INT)
    more: bool = False  # more changes wait: sync again with the new cursor
    server_time: UtcDateTime
    # the course's current package version (None: an older server that does not say); a
    # newer one than the device's is a notification and a package refresh
    package_version: int | None = Field(default=None, ge=1, le=MAX_INT)
