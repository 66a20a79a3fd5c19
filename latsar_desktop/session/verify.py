"""Profil → "Verifikasi sertifikat…": any certificate PDF, checked on this computer and,
when the server can be reached, by the server's ``/verify``.

On this computer (``verify_pdf``, no connection needed): the embedded signed record against
the signing keys this profile received and the certificate numbers it knows revoked, and
the page against what that record draws. Then, when the file holds a record, the server is
asked about the record's verification code, because a revocation of someone else's
certificate is known only there. The link being down is not an error: the local verdict
stands and ``online_problem`` says why the server was not asked.

The file's signature decides whether the server's word counts: only when a known key
signed the record (GENUINE, RECORD_GENUINE or REVOKED here) can the server's answer about
its code change the verdict, and then only when the answer is about the record's own
certificate number (a certificate of another number under that code: ALTERED). An ALTERED
file, or one signed by a key this computer does not know (UNKNOWN_KEY), may carry anyone's
verification code: its local verdict stands, whatever the server says of the code.
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

# The verdicts whose record the server's answer speaks about: a known key signed it. An
# ALTERED file's record is not what was signed, and an UNKNOWN_KEY file's signature cannot
# be checked here: either may carry anyone's verification code, so the server's answer
# about that code says nothing of this file.
_ASKED_ABOUT = frozenset({Verdict.GENUINE, Verdict.RECORD_GENUINE, Verdict.REVOKED})

Ask = Callable[[str, CancelToken | None], VerifyAnswer]


@dataclass(frozen=True)
class CertificateCheck:
    """A certificate file checked: ``local`` (``verify_pdf``), ``online`` (the server's
    answer, None when it was not asked or not reached) and ``online_problem`` (why not
    reached: the link's message; None when it was, or when the file holds no record).

    ``verdict``, the one that counts:

    - the local verdict when the server was not asked or not reached, or when the file's
      signature does not hold here (ALTERED, UNKNOWN_KEY: see ``_ASKED_ABOUT``);
    - ALTERED when the server knows the record's verification code as a certificate with
      another number (``names_another``): a key of this course signed a record the server
      did not issue under that code (a leaked key), so the file is not the certificate
      it claims to be;
    - REVOKED when the server says the record's certificate is revoked, although this
      computer did not know yet;
    - UNKNOWN_KEY when the signature holds (GENUINE or RECORD_GENUINE here) but the server
      does not know the record's verification code: a key of this course signed it, yet
      the server has no such certificate (a server reset, another server's certificate,
      or a signing key that leaked). It cannot be vouched for, like a key this computer
      does not know, so it is not shown as genuine; ``message()`` says which case it is
      (``certificate.not_on_server``). A certificate this computer knows revoked stays
      REVOKED;
    - else the local verdict.
    """

    local: Verification
    online: VerifyAnswer | None = None
    online_problem: Message | None = None

    @property
    def _heard(self) -> VerifyAnswer | None:
        """The server's answer when it speaks about this file (see ``_ASKED_ABOUT``)."""
        return self.online if self.local.verdict in _ASKED_ABOUT else None

    @property
    def names_another(self) -> bool:
        """The signature holds, but the server's certificate with the record's code has
        another certificate number."""
        online, record = self._heard, self.local.record
        return (
            online is not None
            and record is not None
            and online.status is not VerifyStatus.UNKNOWN
            and online.certificate_number != record.certificate_number
        )

    @property
    def not_on_server(self) -> bool:
        """The signature holds, but the server knows no certificate with its code."""
        online = self._heard
        return (
            online is not None
            and online.status is VerifyStatus.UNKNOWN
            and self.local.record_genuine
        )

    @property
    def verdict(self) -> Verdict:
        online = self._heard
        if online is None:
            return self.local.verdict
        if self.names_another:
            return Verdict.ALTERED
        if online.status is VerifyStatus.REVOKED:
            return Verdict.REVOKED
        if self.not_on_server:
            return Verdict.UNKNOWN_KEY
        return self.local.verdict

    def message(self) -> Message:
        """The one sentence to show about the file (the link's problem is apart)."""
        record = self.local.record
        if self.not_on_server:
            assert record is not None
            return msg(Code.CERTIFICATE_NOT_ON_SERVER, number=record.certificate_number)
        verdict = self.verdict
        if verdict is self.local.verdict:
            return self.local.message()
        if verdict is Verdict.ALTERED:
            return msg(Code.CERTIFICATE_ALTERED)
        # REVOKED by the server, about the record's own number (``names_another`` is not)
        assert record is not None
        return msg(Code.CERTIFICATE_REVOKED, number=record.certificate_number)


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
