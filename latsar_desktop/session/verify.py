"""Profil → "Verifikasi sertifikat…": any certificate PDF, checked on this computer and,
when the server can be reached, by the server's ``/verify``.

On this computer (``verify_pdf``, no connection needed): the embedded signed record against
the signing keys this profile received and the certificate numbers it knows revoked, and
the page against what that record draws. Then, when the file holds a record, the server is
asked about the record's verification code, because a revocation of someone else's
certificate is known only there. The link being down is not an error: the local verdict
stands and ``online_problem`` says why the server was not asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from latsar_desktop.certificate.render import verify_pdf
from latsar_desktop.certificate.verify import Verdict, Verification
from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import VerifyAnswer, VerifyStatus
from latsar_desktop.sync.cancel import CancelToken, check
from latsar_desktop.sync.errors import SyncError, SyncErrorKind, error_message

# The verdicts whose record the server's answer speaks about: the signature holds (or
# cannot be checked here). An ALTERED file's record is not what was signed, so its
# verification code may be anyone's: the server's answer about it says nothing of this file.
_ASKED_ABOUT = frozenset(
    {Verdict.GENUINE, Verdict.RECORD_GENUINE, Verdict.UNKNOWN_KEY, Verdict.REVOKED}
)

Ask = Callable[[str, CancelToken | None], VerifyAnswer]


@dataclass(frozen=True)
class CertificateCheck:
    """A certificate file checked: ``local`` (``verify_pdf``), ``online`` (the server's
    answer, None when it was not asked or not reached) and ``online_problem`` (why not
    reached: the link's message; None when it was, or when the file holds no record).

    ``verdict``, the one that counts:

    - REVOKED when the server says the certificate is revoked (and the file's record is
      not ALTERED: see ``_ASKED_ABOUT``), although this computer did not know yet;
    - UNKNOWN_KEY when the signature holds (GENUINE or RECORD_GENUINE here) but the server
      does not know the record's verification code: a key of this course signed it, yet
      the server has no such certificate (a server reset, another server's certificate,
      or a signing key that leaked). It cannot be vouched for, like a key this computer
      does not know, so it is not shown as genuine; ``message()`` says which case it is
      (``certificate.not_on_server``);
    - else the local verdict (offline too).
    """

    local: Verification
    online: VerifyAnswer | None = None
    online_problem: Message | None = None

    @property
    def not_on_server(self) -> bool:
        """The signature holds, but the server knows no certificate with its code."""
        return (
            self.online is not None
            and self.online.status is VerifyStatus.UNKNOWN
            and self.local.record_genuine
        )

    @property
    def verdict(self) -> Verdict:
        online, local = self.online, self.local.verdict
        if online is not None and local in _ASKED_ABOUT:
            if online.status is VerifyStatus.REVOKED:
                return Verdict.REVOKED
            if self.not_on_server:
                return Verdict.UNKNOWN_KEY
        return local

    def message(self) -> Message:
        """The one sentence to show about the file (the link's problem is apart)."""
        record = self.local.record
        if self.not_on_server:
            assert record is not None
            return msg(Code.CERTIFICATE_NOT_ON_SERVER, number=record.certificate_number)
        verdict = self.verdict
        if verdict is self.local.verdict:
            return self.local.message()
        # REVOKED by the server: the record's number (the server's when it has none)
        assert self.online is not None
        number = record.certificate_number if record is not None else None
        return msg(Code.CERTIFICATE_REVOKED, number=number or self.online.certificate_number or "-")


def check_certificate(
    path: Path,
    keys: Mapping[str, str],
    revoked: frozenset[str] | set[str],
    ask: Ask,
    cancel: CancelToken | None = None,
) -> CertificateCheck:
    """Check ``path`` here, then ask the server (``ask(code, cancel)``, e.g.
    ``ApiClient.verify``) about its record's verification code. Any ``SyncError`` of the
    asking (offline, no server address, a server error, a proxy refusal …) becomes
    ``online_problem``; only CANCELLED is raised (the participant stopped it). An
    unreadable file raises ``OSError``."""
    check(cancel)
    local = verify_pdf(path, keys, revoked)
    record = local.record
    if record is None:
        return CertificateCheck(local)
    try:
        answer = ask(record.verification_code, cancel)
    except SyncError as error:
        if error.kind is SyncErrorKind.CANCELLED:
            raise
        return CertificateCheck(local, online_problem=error_message(error))
    return CertificateCheck(local, online=answer)
