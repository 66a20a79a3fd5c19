"""``CertificateCheck``'s one verdict from the local check and the server's answer (the
server itself is in tests/integration/test_certificate_check.py): a genuine signature the
server does not know is not shown as genuine; a file whose signature does not hold here
(altered, or signed by a key this computer does not know) keeps its verdict whatever the
server says of the code it carries; the server's revocation wins over a genuine file; a
server answer about another certificate number makes a genuine signature ALTERED."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from latsar_desktop.certificate.verify import Verdict, Verification
from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.protocol import CertificateRecord, VerifyAnswer, VerifyStatus
from latsar_desktop.i18n import translate
from latsar_desktop.session.verify import CertificateCheck

RECORD = CertificateRecord(
    certificate_number="LATSAR/2026/000007",
    name="Ani Lestari",
    nip="199001012020122001",
    agency="Kementerian Contoh",
    course_title="Latsar PPPK 2026",
    period_start=date(2026, 1, 5),
    period_end=date(2026, 3, 5),
    final_score=Decimal("80.00"),
    predicate="Memuaskan",
    issued_on=date(2026, 3, 25),
    verification_code="ABCD-EFGH-JKLM",
    verify_url="http://127.0.0.1/verify/ABCD-EFGH-JKLM",
    key_id="k1",
)
UNKNOWN = VerifyAnswer(status=VerifyStatus.UNKNOWN)
REVOKED = VerifyAnswer(
    status=VerifyStatus.REVOKED,
    certificate_number=RECORD.certificate_number,
    revoked_at=datetime(2026, 4, 1, tzinfo=UTC),
)


def test_a_genuine_signature_the_server_does_not_know_is_not_genuine() -> None:
    check = CertificateCheck(Verification(Verdict.GENUINE, RECORD), online=UNKNOWN)
    assert check.verdict is Verdict.UNKNOWN_KEY
    assert check.message().code is Code.CERTIFICATE_NOT_ON_SERVER
    assert RECORD.certificate_number in translate(check.message(), "id")


def test_an_altered_file_stays_altered_whatever_the_server_says() -> None:
    for answer in (UNKNOWN, REVOKED, VerifyAnswer(status=VerifyStatus.GENUINE)):
        check = CertificateCheck(Verification(Verdict.ALTERED, RECORD), online=answer)
        assert check.verdict is Verdict.ALTERED
        assert check.message().code is Code.CERTIFICATE_ALTERED


def test_the_servers_revocation_wins_over_a_genuine_file() -> None:
    check = CertificateCheck(Verification(Verdict.RECORD_GENUINE, RECORD), online=REVOKED)
    assert check.verdict is Verdict.REVOKED
    assert check.message().code is Code.CERTIFICATE_REVOKED


def test_a_file_of_an_unknown_key_stays_unknown_whatever_the_server_says() -> None:
    # the code inside may be anyone's: the server's "revoked" is not about this file
    for answer in (UNKNOWN, REVOKED, VerifyAnswer(status=VerifyStatus.GENUINE)):
        check = CertificateCheck(Verification(Verdict.UNKNOWN_KEY, RECORD), online=answer)
        assert check.verdict is Verdict.UNKNOWN_KEY
        assert check.message().code is Code.CERTIFICATE_UNKNOWN_KEY
        assert RECORD.certificate_number not in translate(check.message(), "id")


def test_a_record_genuine_file_the_server_does_not_know_is_not_genuine() -> None:
    check = CertificateCheck(Verification(Verdict.RECORD_GENUINE, RECORD), online=UNKNOWN)
    assert check.verdict is Verdict.UNKNOWN_KEY
    assert check.message().code is Code.CERTIFICATE_NOT_ON_SERVER


def test_a_revocation_known_here_stands_when_the_server_does_not_know_the_code() -> None:
    check = CertificateCheck(Verification(Verdict.REVOKED, RECORD), online=UNKNOWN)
    assert check.verdict is Verdict.REVOKED
    assert check.message().code is Code.CERTIFICATE_REVOKED
    assert RECORD.certificate_number in translate(check.message(), "id")


def test_without_the_servers_answer_the_local_verdict_stands() -> None:
    for verdict in Verdict:
        record = None if verdict is Verdict.NOT_A_CERTIFICATE else RECORD
        local = Verification(verdict, record)
        check = CertificateCheck(local)
        assert check.verdict is verdict
        assert check.message() == local.message()
        assert not check.not_on_server
        assert not check.names_another


def test_the_server_vouching_for_another_number_makes_the_file_altered() -> None:
    for status in (VerifyStatus.GENUINE, VerifyStatus.REVOKED):
        other = VerifyAnswer(status=status, certificate_number="LATSAR/2026/000099")
        for verdict in (Verdict.GENUINE, Verdict.RECORD_GENUINE, Verdict.REVOKED):
            check = CertificateCheck(Verification(verdict, RECORD), online=other)
            assert check.names_another
            assert check.verdict is Verdict.ALTERED
            assert check.message().code is Code.CERTIFICATE_ALTERED
    # the same number: genuine
    same = VerifyAnswer(status=VerifyStatus.GENUINE, certificate_number=RECORD.certificate_number)
    check = CertificateCheck(Verification(Verdict.GENUINE, RECORD), online=same)
    assert check.verdict is Verdict.GENUINE
    assert check.message().code is Code.CERTIFICATE_GENUINE
