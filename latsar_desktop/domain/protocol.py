"""The wire format, defined once: every body that crosses between client and server.

Pydantic models (pydantic comes with SQLModel). Scores are ``Decimal`` and travel as JSON
strings ("90.01"), never floats. Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

PROTOCOL_VERSION = 1


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("time must carry a time zone")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Identifier = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class WireModel(BaseModel):
    """Base of every wire model: unknown fields are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
    size: int = Field(ge=0)
    media_type: str
    name: str


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
    trophies: int = Field(ge=0)
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


class Material(WireModel):
    id: Identifier
    kind: MaterialKind
    title: str
    sub_materials: list[SubMaterial] = Field(min_length=1)


class CapBand(WireModel):
    """Attempts ``first_attempt`` .. ``last_attempt`` (None: and every later one)."""

    first_attempt: int = Field(ge=1)
    last_attempt: int | None = Field(default=None, ge=1)
    cap: Decimal


DEFAULT_CAP_TABLE: tuple[CapBand, ...] = (
    CapBand(first_attempt=1, last_attempt=3, cap=Decimal("100")),
    CapBand(first_attempt=4, last_attempt=5, cap=Decimal("90.01")),
    CapBand(first_attempt=6, last_attempt=6, cap=Decimal("80.01")),
    CapBand(first_attempt=7, last_attempt=None, cap=Decimal("70.01")),
)


class Rules(WireModel):
    """The numbers of the training; every one can be overridden by a package."""

    max_trophies: int = Field(default=50, ge=1)
    unlock_trophies: int = Field(default=28, ge=0)
    pass_trophies: int = Field(default=32, ge=0)
    min_attempts: int = Field(default=1, ge=1)
    passing_score: Decimal = Decimal("65.00")
    cap_table: list[CapBand] = Field(default_factory=lambda: list(DEFAULT_CAP_TABLE))
    certificate_delay_days: int = Field(default=20, ge=0)


class Evaluation(WireModel):
    id: Identifier
    title: str
    time_limit_seconds: int = Field(gt=0)
    grace_seconds: int = Field(default=120, ge=0)
    questions: list[Question]


class CertificateKey(WireModel):
    key_id: Identifier
    public_key: str  # Ed25519 raw public key, base64


class CoursePackage(WireModel):
    format: Literal[1] = 1
    course_id: Identifier
    version: int = Field(ge=1)
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


class WelcomeWatched(WireModel):
    package_version: int = Field(ge=1)


class ActivityCompleted(WireModel):
    """A video watched, a module read or a reflection written (not a practice quiz)."""

    activity_id: Identifier
    package_version: int = Field(ge=1)
    reflection_text: str | None = Field(default=None, max_length=20000)


class PracticeGraded(WireModel):
    """A practice quiz taken and graded on the device (the server grades it again)."""

    activity_id: Identifier
    package_version: int = Field(ge=1)
    answers: dict[Identifier, Identifier]
    correct: int = Field(ge=0)
    total: int = Field(gt=0)
    score: Score


class AttemptSubmitted(WireModel):
    """An evaluation attempt: answers only; the server grades it with its keys."""

    attempt_id: UUID
    package_version: int = Field(ge=1)
    question_order: list[Identifier]
    answers: dict[Identifier, Identifier]
    elapsed_seconds: int = Field(ge=0)
    started_at: UtcDateTime


class _EventBase(WireModel):
    id: UUID
    device_id: UUID
    seq: int = Field(ge=1)
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
    number: int = Field(ge=1)
    package_version: int = Field(ge=1)
    raw_score: Score
    cap: Score
    score: Score
    graded_at: UtcDateTime


class Standing(WireModel):
    """What the server knows of a participant; the client keeps its last copy."""

    welcome_watched: bool = False
    completed_activities: list[Identifier] = Field(default_factory=list)
    practice_best: dict[Identifier, Score] = Field(default_factory=dict)
    attempts: list[GradedAttempt] = Field(default_factory=list)
    registered_devices: int = Field(default=1, ge=0)
    passed_at: UtcDateTime | None = None
    certificate_issued_at: UtcDateTime | None = None
