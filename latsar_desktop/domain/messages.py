"""Message codes: what the core says, to be turned into text by ``latsar_desktop.i18n``.

Core code never builds user-visible sentences. It returns a :class:`Message` (a code and
its parameters) or raises a :class:`DomainError` carrying one; the UI, the server and
the PDF renderer translate it with the same catalogs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import TypeAlias

ParamValue: TypeAlias = str | int | Decimal | date | datetime


class Code(StrEnum):
    """Every message code the core and the server can produce.

    Each member must have an Indonesian and an English text in the ``i18n`` catalogs
    (a test checks this).
    """

    # identity: NIP (username) and NIK (password)
    NIP_EMPTY = "nip.empty"
    NIP_NOT_DIGITS = "nip.not_digits"
    NIP_WRONG_LENGTH = "nip.wrong_length"
    NIP_INVALID_BIRTH_DATE = "nip.invalid_birth_date"
    NIK_EMPTY = "nik.empty"
    NIK_NOT_DIGITS = "nik.not_digits"
    NIK_WRONG_LENGTH = "nik.wrong_length"
    NIK_INVALID_BIRTH_DATE = "nik.invalid_birth_date"
    IDENTITY_BIRTH_DATE_MISMATCH = "identity.birth_date_mismatch"

    # course package validation
    COURSE_MALFORMED = "course.malformed"
    COURSE_TROPHY_TOTAL_MISMATCH = "course.trophy_total_mismatch"
    COURSE_DUPLICATE_ID = "course.duplicate_id"
    COURSE_DUPLICATE_CHOICE = "course.duplicate_choice"
    COURSE_CAP_TABLE_EMPTY = "course.cap_table_empty"
    COURSE_CAP_TABLE_HOLE = "course.cap_table_hole"
    COURSE_CAP_TABLE_OVERLAP = "course.cap_table_overlap"
    COURSE_CAP_TABLE_RISING = "course.cap_table_rising"
    COURSE_CAP_TABLE_NOT_OPEN_ENDED = "course.cap_table_not_open_ended"
    COURSE_CAP_OUT_OF_RANGE = "course.cap_out_of_range"
    COURSE_UNLOCK_ABOVE_MAXIMUM = "course.unlock_above_maximum"
    COURSE_PASS_ABOVE_MAXIMUM = "course.pass_above_maximum"
    COURSE_UNLOCK_ABOVE_PASS = "course.unlock_above_pass"
    COURSE_PASSING_SCORE_OUT_OF_RANGE = "course.passing_score_out_of_range"
    COURSE_PRACTICE_WITHOUT_QUESTIONS = "course.practice_without_questions"
    COURSE_EVALUATION_WITHOUT_QUESTIONS = "course.evaluation_without_questions"
    COURSE_BAD_ANSWER_KEY = "course.bad_answer_key"
    # drawn evaluations and grading per day (issue 13, hole 2)
    COURSE_TOO_FEW_QUESTIONS = "course.too_few_questions"
    COURSE_BAD_TIME_ZONE = "course.bad_time_zone"

    # scoring
    SCORE_NO_QUESTIONS = "score.no_questions"
    SCORE_BAD_ATTEMPT_NUMBER = "score.bad_attempt_number"

    # progress: evaluation lock state
    EVALUATION_LOCKED_TROPHIES = "evaluation.locked_trophies"
    EVALUATION_UNLOCKED = "evaluation.unlocked"
    EVALUATION_CLOSED = "evaluation.closed_certificate_issued"
    # when the next attempt will be graded (the course grades at most so many a day)
    EVALUATION_GRADED_ON_SYNC = "evaluation.graded_on_sync"
    EVALUATION_GRADED_LATER = "evaluation.graded_later"

    # progress: certificate checklist, one code per unmet requirement
    CHECKLIST_WELCOME_NOT_WATCHED = "checklist.welcome_not_watched"
    CHECKLIST_MATERIAL_INCOMPLETE = "checklist.material_incomplete"
    CHECKLIST_TROPHIES_BELOW_PASS = "checklist.trophies_below_pass"
    CHECKLIST_NO_GRADED_ATTEMPT = "checklist.no_graded_attempt"
    CHECKLIST_ATTEMPT_AWAITING_SYNC = "checklist.attempt_awaiting_sync"
    CHECKLIST_ATTEMPT_AWAITING_GRADING = "checklist.attempt_awaiting_grading"
    CHECKLIST_SCORE_BELOW_PASSING = "checklist.score_below_passing"
    CHECKLIST_AWAITING_ISSUANCE = "checklist.awaiting_issuance"

    # the server's answers
    REQUEST_MALFORMED = "request.malformed"
    # no such route, a method the route does not take, a body over the limit (issue 13)
    REQUEST_NOT_FOUND = "request.not_found"
    REQUEST_METHOD_NOT_ALLOWED = "request.method_not_allowed"
    REQUEST_TOO_LARGE = "request.too_large"
    SERVER_ERROR = "server.error"
    PROTOCOL_CLIENT_TOO_OLD = "protocol.client_too_old"
    PROTOCOL_SERVER_TOO_OLD = "protocol.server_too_old"
    AUTH_INVALID_CREDENTIALS = "auth.invalid_credentials"
    # a wrong NIP or NIK when the NIP's lock is near (issue 15): tries_left: int (the wrong
    # tries before the lock, at least 1), minutes: int (how long the lock lasts)
    AUTH_INVALID_CREDENTIALS_TRIES_LEFT = "auth.invalid_credentials_tries_left"
    AUTH_NIP_LOCKED = "auth.nip_locked"
    AUTH_ADDRESS_LIMITED = "auth.address_limited"
    AUTH_TOKEN_INVALID = "auth.token_invalid"
    AUTH_TOKEN_EXPIRED = "auth.token_expired"
    AUTH_DEVICE_REVOKED = "auth.device_revoked"
    COURSE_NOT_FOUND = "course.not_found"
    ASSET_NOT_FOUND = "asset.not_found"
    # a code from a newer server that this version has no text for (issue 13): shown
    # with a generic text and the code itself
    MESSAGE_UNKNOWN = "message.unknown"

    # sync: why an event was rejected
    SYNC_MALFORMED_EVENT = "sync.malformed_event"
    SYNC_DUPLICATE_EVENT = "sync.duplicate_event"
    SYNC_UNKNOWN_ACTIVITY = "sync.unknown_activity"
    SYNC_WRONG_ACTIVITY_KIND = "sync.wrong_activity_kind"
    SYNC_UNKNOWN_PACKAGE_VERSION = "sync.unknown_package_version"
    SYNC_UNKNOWN_QUESTION = "sync.unknown_question"
    SYNC_EVALUATION_LOCKED = "sync.evaluation_locked"
    SYNC_TIME_OVER = "sync.time_over"
    SYNC_AFTER_CERTIFICATE = "sync.after_certificate"
    SYNC_STARTED_AFTER_SUBMITTED = "sync.started_after_submitted"
    SYNC_WRONG_DEVICE = "sync.wrong_device"
    SYNC_BODY_TOO_LARGE = "sync.body_too_large"
    SYNC_SEQ_CONFLICT = "sync.seq_conflict"
    # the attempt's questions are not those its seed draws (issue 13, hole 2)
    SYNC_QUESTIONS_NOT_DRAWN = "sync.questions_not_drawn"
    SYNC_ANSWER_NOT_DRAWN = "sync.answer_not_drawn"

    # the operator's imports and commands
    IMPORT_LINE_ERROR = "import.line_error"
    IMPORT_MISSING_COLUMNS = "import.missing_columns"
    IMPORT_EMPTY_FIELD = "import.empty_field"
    IMPORT_UNKNOWN_COURSE = "import.unknown_course"
    IMPORT_DUPLICATE_NIP = "import.duplicate_nip"
    IMPORT_PARTICIPANTS_DONE = "import.participants_done"
    IMPORT_CONTENT_MISSING = "import.content_missing"
    IMPORT_CONTENT_MISMATCH = "import.content_mismatch"
    IMPORT_VERSION_EXISTS = "import.version_exists"
    IMPORT_COURSE_DONE = "import.course_done"
    # unsafe content file names; CSV files as Excel saves them (issue 13, items 8-9)
    COURSE_BAD_CONTENT_NAME = "course.bad_content_name"
    IMPORT_CSV_READ = "import.csv_read"
    IMPORT_CSV_NOT_TEXT = "import.csv_not_text"
    IMPORT_CSV_UNDEFINED_BYTE = "import.csv_undefined_byte"
    IMPORT_EXCEL_NUMBER = "import.excel_number"
    IMPORT_EXCEL_ROUNDED_NIP = "import.excel_rounded_nip"
    IMPORT_EXCEL_ROUNDED_NIKS = "import.excel_rounded_niks"
    KEY_CREATED = "keys.created"
    DEVICE_REVOKED_DONE = "device.revoked_done"
    DEVICE_NOT_FOUND = "device.not_found"
    PARTICIPANT_NOT_FOUND = "participant.not_found"
    PARTICIPANT_HEADER = "participant.header"
    PARTICIPANT_PROGRESS = "participant.progress"
    PARTICIPANT_COMPLETE = "participant.complete"
    PARTICIPANT_INCOMPLETE = "participant.incomplete"
    PARTICIPANT_ATTEMPT = "participant.attempt"
    PARTICIPANT_ATTEMPT_PENDING = "participant.attempt_pending"
    GRADING_DONE = "grading.done"  # the daily job graded the attempts that were due
    PARTICIPANT_NO_ATTEMPTS = "participant.no_attempts"
    PARTICIPANT_PASSED = "participant.passed"
    PARTICIPANT_NOT_PASSED = "participant.not_passed"
    PARTICIPANT_CERTIFICATE = "participant.certificate"
    PARTICIPANT_NO_CERTIFICATE = "participant.no_certificate"
    EXPORT_RESULTS_DONE = "export.results_done"  # count: int, path: str

    # certificates, content updates and sync errors shown to the participant
    PREDICATE_VERY_SATISFYING = "predicate.very_satisfying"
    PREDICATE_SATISFYING = "predicate.satisfying"
    PREDICATE_FAIRLY_SATISFYING = "predicate.fairly_satisfying"
    PREDICATE_UNSATISFYING = "predicate.unsatisfying"
    CERTIFICATE_GENUINE = "certificate.genuine"
    CERTIFICATE_ALTERED = "certificate.altered"
    CERTIFICATE_UNKNOWN_KEY = "certificate.unknown_key"
    CERTIFICATE_REVOKED = "certificate.revoked"
    CERTIFICATE_NOT_A_CERTIFICATE = "certificate.not_a_certificate"
    # the signed record is genuine, the page cannot be redrawn byte for byte: compare it
    # (the PDF's own texts are frozen with its layout: latsar_desktop/certificate/layout1.py)
    CERTIFICATE_RECORD_GENUINE_COMPARE = "certificate.record_genuine_compare"
    CERTIFICATE_ISSUED_DONE = "certificate.issued_done"
    CERTIFICATE_REVOKED_DONE = "certificate.revoked_done"
    CERTIFICATE_NOT_FOUND = "certificate.not_found"
    CERTIFICATE_NO_SIGNING_KEY = "certificate.no_signing_key"
    VERIFY_TITLE = "verify.title"
    VERIFY_GENUINE = "verify.genuine"
    VERIFY_UNKNOWN = "verify.unknown"
    VERIFY_REVOKED = "verify.revoked"
    CONTENT_ACTIVITIES_REMOVED = "content.activities_removed"
    # one per SyncErrorKind ("sync_error.<kind>"), from sync.errors.error_message; only
    # CLOCK_SKEW has a parameter: minutes (int, the difference, rounded)
    SYNC_ERROR_OFFLINE = "sync_error.offline"
    SYNC_ERROR_AUTH_EXPIRED = "sync_error.auth_expired"
    SYNC_ERROR_REJECTED = "sync_error.rejected"
    SYNC_ERROR_SERVER_ERROR = "sync_error.server_error"
    SYNC_ERROR_BAD_RESPONSE = "sync_error.bad_response"
    SYNC_ERROR_CLIENT_TOO_OLD = "sync_error.client_too_old"
    SYNC_ERROR_CLOCK_SKEW = "sync_error.clock_skew"
    SYNC_ERROR_BUSY = "sync_error.busy"
    SYNC_ERROR_DISK_FULL = "sync_error.disk_full"
    SYNC_ERROR_CORRUPT = "sync_error.corrupt"
    SYNC_ERROR_NO_SERVER = "sync_error.no_server"
    SYNC_ERROR_CANCELLED = "sync_error.cancelled"
    # CLIENT_TOO_OLD when the server's 426 says where the new version is: url: str
    # (without one, SYNC_ERROR_CLIENT_TOO_OLD says to ask the training's helpdesk)
    SYNC_ERROR_CLIENT_TOO_OLD_URL = "sync_error.client_too_old_url"

    # notifications (issue 14); parameters and their types:
    NOTICE_ATTEMPT_GRADED = "notice.attempt_graded"  # number: int, score: Decimal
    NOTICE_ATTEMPT_QUEUED = "notice.attempt_queued"  # number: int, date: date (grading day)
    NOTICE_PASSED = "notice.passed"
    NOTICE_CERTIFICATE_ISSUED = "notice.certificate_issued"  # number: str ("LATSAR/2026/…")
    NOTICE_CERTIFICATE_REVOKED = "notice.certificate_revoked"  # number: str
    NOTICE_COURSE_UPDATED = "notice.course_updated"  # version: int

    # sign-in on this computer (issue 14)
    SIGNIN_WRONG_NIK_OFFLINE = "signin.wrong_nik_offline"  # tries_left: int (0: waits begin)
    SIGNIN_WAIT = "signin.wait"  # seconds: int
    SIGNIN_FIRST_ONLINE = "signin.first_online"  # a profile's first sign-in needs the server
    # ... and the server answered with an error, or no server address is set
    SIGNIN_FIRST_SERVER_ERROR = "signin.first_server_error"
    SIGNIN_FIRST_NO_SERVER = "signin.first_no_server"
    # the profile is open in another session (another window) on this computer
    SIGNIN_PROFILE_IN_USE = "signin.profile_in_use"
    # "sisa percobaan yang dinilai hari ini" (graded per day): left: int, limit: int
    EVALUATION_GRADED_LEFT_TODAY = "evaluation.graded_left_today"
    # the attempt's time limit has run out: no more answers, only submitting
    EVALUATION_TIME_OVER = "evaluation.time_over"

    # connection settings (issue 16): each refusal is about one field of the form
    SETTINGS_SERVER_URL_EMPTY = "settings.server_url_empty"
    SETTINGS_SERVER_URL_INVALID = "settings.server_url_invalid"
    SETTINGS_PROXY_URL_INVALID = "settings.proxy_url_invalid"
    # a user and password typed into the proxy's address (they have fields of their own)
    SETTINGS_PROXY_URL_CREDENTIALS = "settings.proxy_url_credentials"
    SETTINGS_PROXY_URL_NEEDED = "settings.proxy_url_needed"  # a proxy user without a proxy
    SETTINGS_PROXY_USER_NEEDED = "settings.proxy_user_needed"  # a password without a user
    SETTINGS_PROXY_USER_INVALID = "settings.proxy_user_invalid"  # a colon, a control character
    # the HTTP proxy refused its user and password (SyncErrorKind.PROXY_REFUSED)
    SYNC_ERROR_PROXY_REFUSED = "sync_error.proxy_refused"

    # copying the course content through a folder (a USB stick), issue 17
    # folder: str. The chosen folder cannot be read, or holds no copy (no index)
    USB_FOLDER_UNREADABLE = "usb.folder_unreadable"
    USB_INDEX_MISSING = "usb.index_missing"
    USB_INDEX_INVALID = "usb.index_invalid"  # folder: str; the index is not a copy's index
    USB_FOLDER_UNWRITABLE = "usb.folder_unwritable"  # folder: str
    USB_FOLDER_FULL = "usb.folder_full"  # needed_mb, free_mb: Decimal (the folder's disk)
    USB_DISK_FULL = "usb.disk_full"  # needed_mb, free_mb: Decimal (this computer's disk)
    # a file of the folder refused (name: the package's file name)
    USB_FILE_SIZE_MISMATCH = "usb.file_size_mismatch"  # size, expected: int (bytes); name
    USB_FILE_HASH_MISMATCH = "usb.file_hash_mismatch"  # name: str (shown before the text)
    USB_FILE_UNREADABLE = "usb.file_unreadable"  # name: str (shown before the text)
    # the summaries: copied, present (already there), missing (not stored here): int
    USB_EXPORTED = "usb.exported"
    # copied, present, refused, skipped (files the package does not list), missing: int
    USB_IMPORTED = "usb.imported"

    # the participant's own devices (issue 17, Profil): /api/v1/devices refusals
    DEVICE_UNKNOWN = "device.unknown"  # not one of the caller's devices (404)
    DEVICE_IS_CURRENT = "device.is_current"  # the caller's own device cannot revoke itself
    # "Verifikasi sertifikat…": the signature holds but the server knows no certificate
    # with the file's verification code: number: str
    CERTIFICATE_NOT_ON_SERVER = "certificate.not_on_server"
    # a reflection refused by ParticipantSession.record_reflection (nothing recorded)
    REFLECTION_EMPTY = "reflection.empty"  # nothing written (only spaces)
    # one attempt's status in the attempts' history (issue 18, session/evaluation.py)
    ATTEMPT_WAITING_SYNC = "attempt.waiting_sync"  # not processed by the server yet
    ATTEMPT_WAITING_SYNC_TOMORROW = "attempt.waiting_sync_tomorrow"  # ... graded tomorrow
    ATTEMPT_WAITING_SYNC_ON = "attempt.waiting_sync_on"  # ... graded on date: date
    ATTEMPT_GRADED_TOMORROW = "attempt.graded_tomorrow"  # accepted, graded tomorrow
    ATTEMPT_GRADED_ON = "attempt.graded_on"  # accepted, graded on date: date
    ATTEMPT_GRADED = "attempt.graded"
    REFLECTION_TOO_LONG = "reflection.too_long"  # limit, over: int (characters)
    # the window cannot be shown on this computer (issue 20, latsar_desktop/display.py),
    # printed before Qt starts: no display; display: str (DISPLAY) does not answer;
    # libraries: str (sonames), command: str (the apt command naming the Debian packages)
    DISPLAY_NONE = "display.none"
    DISPLAY_UNREACHABLE = "display.unreachable"
    DISPLAY_LIBRARIES_MISSING = "display.libraries_missing"


@dataclass(frozen=True)
class Message:
    """A code with its parameters; ``i18n.translate`` turns it into text."""

    code: Code
    params: Mapping[str, ParamValue] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


def msg(code: Code, **params: ParamValue) -> Message:
    """Shorthand: ``msg(Code.NIP_WRONG_LENGTH, length=17, expected=18)``."""
    return Message(code, params)


class DomainError(ValueError):
    """A rule was broken; carries one or more messages for the participant or operator."""

    def __init__(self, *messages: Message) -> None:
        if not messages:
            raise TypeError("DomainError needs at least one message")
        self.messages: tuple[Message, ...] = messages
        super().__init__("; ".join(m.code.value for m in messages))

    @property
    def message(self) -> Message:
        return self.messages[0]
