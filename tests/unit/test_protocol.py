from __future__ import annotations

import inspect
import json
import re
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import Tag, ValidationError

from latsar_desktop.domain import protocol
from latsar_desktop.domain.course import parse_package
from latsar_desktop.domain.messages import Code, DomainError, Message, msg
from latsar_desktop.domain.protocol import (
    CHANGE,
    JOURNAL_EVENT,
    RECEIVED_CHANGE,
    CertificateRecord,
    SignedCertificate,
    StrictWireModel,
    SyncResponse,
    UnknownChange,
    WireMessage,
    WireModel,
    WireParam,
)
from tests import factories
from tests.compat import with_unknown_fields

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
FENCE = re.compile(r"```json model=(\w+)\n(.*?)\n```", re.S)


def examples() -> list[tuple[str, str]]:
    return FENCE.findall(DOC.read_text(encoding="utf-8"))


def wire_models() -> dict[str, type[WireModel]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(protocol, inspect.isclass)
        if issubclass(cls, WireModel)
        and cls not in (WireModel, StrictWireModel)
        and not name.startswith("_")
    }


def test_every_model_has_an_example() -> None:
    documented = {name for name, _ in examples()}
    assert set(wire_models()) - documented == set()
    assert documented - set(wire_models()) == set()


@pytest.mark.parametrize(("name", "body"), examples(), ids=[n for n, _ in examples()])
def test_example_parses_and_round_trips(name: str, body: str) -> None:
    model = wire_models()[name]
    parsed = model.model_validate_json(body)
    again = model.model_validate_json(parsed.model_dump_json())
    assert again == parsed
    assert json.loads(parsed.model_dump_json()) == json.loads(body)


def test_unions_pick_their_type() -> None:
    for name, body in examples():
        if name.endswith("Event") and name != "JournalEvent":
            assert type(JOURNAL_EVENT.validate_json(body)).__name__ == name
        if name.endswith("Change"):
            assert type(RECEIVED_CHANGE.validate_json(body)).__name__ == name
            if name != "UnknownChange":
                assert type(CHANGE.validate_json(body)).__name__ == name


def test_every_change_type_is_read_by_the_client() -> None:
    """``ReceivedChange`` is ``Change`` plus ``UnknownChange``: a type missing there would
    make every answer carrying it unreadable."""
    (known,) = typing.get_args(protocol.Change)[:1]
    (received,) = typing.get_args(protocol.ReceivedChange)[:1]
    tagged = {
        next(m.tag for m in typing.get_args(a)[1:] if isinstance(m, Tag)): typing.get_args(a)[0]
        for a in typing.get_args(received)
    }
    assert set(tagged) == {t.value for t in protocol.ChangeType} | {"unknown"}
    assert set(tagged.values()) == {*typing.get_args(known), UnknownChange}
    for kind, cls in tagged.items():
        if cls is not UnknownChange:
            assert cls.model_fields["type"].default == kind


def test_scores_are_exact_strings_not_floats() -> None:
    body = dict(examples())["GradedAttempt"]
    assert '"score": "90.01"' in body
    attempt = protocol.GradedAttempt.model_validate_json(body)
    assert attempt.score == Decimal("90.01")
    with pytest.raises(ValidationError):
        protocol.GradedAttempt.model_validate_json(body.replace('"90.01"', '"90.001"', 1))


def test_naive_times_and_unknown_fields_are_refused() -> None:
    body = json.loads(dict(examples())["WelcomeWatchedEvent"])
    body["at"] = "2026-11-20T02:30:00"
    with pytest.raises(ValidationError):
        protocol.WelcomeWatchedEvent.model_validate(body)
    body["at"], body["extra"] = "2026-11-20T09:30:00+07:00", 1
    with pytest.raises(ValidationError):
        protocol.WelcomeWatchedEvent.model_validate(body)
    del body["extra"]
    assert protocol.WelcomeWatchedEvent.model_validate(body).at.tzinfo == UTC


def test_wire_message_keeps_parameter_types() -> None:
    original = msg(Code.CHECKLIST_AWAITING_ISSUANCE, date=datetime(2026, 12, 1, 3, tzinfo=UTC))
    wire = WireMessage.model_validate_json(WireMessage.of(original).model_dump_json())
    assert wire.to_message() == original
    mixed = msg(Code.IDENTITY_BIRTH_DATE_MISMATCH, nip_date=date(1990, 3, 15), nik_date="x")
    assert WireMessage.of(mixed).to_message() == mixed
    score = msg(Code.CHECKLIST_SCORE_BELOW_PASSING, score=Decimal("64.50"), passing=Decimal(65))
    assert WireMessage.of(score).to_message().params["score"] == Decimal("64.50")


def test_certificate_record_json_is_the_canonical_record() -> None:
    record = CertificateRecord.model_validate_json(dict(examples())["CertificateRecord"])
    signed = SignedCertificate.model_validate_json(dict(examples())["SignedCertificate"])
    assert signed.record == record
    data = signed.signed_bytes()
    assert data == signed.record_json.encode("utf-8")
    assert b'": ' not in data
    assert b'", "' not in data
    assert data.startswith(b'{"agency":"Pemerintah Kabupaten Bandung","certificate_number"')
    keys = list(json.loads(data))
    assert keys == sorted(keys)
    # a newer server's added field is ignored when parsing, and kept in the signed text
    added = json.dumps({**json.loads(data), "signer_title": "Kepala LAN"}, sort_keys=True)
    newer = SignedCertificate(record_json=added, signature=signed.signature)
    assert newer.record == record
    assert SignedCertificate.model_validate_json(newer.model_dump_json()).record_json == added


# --------------------------------------------------------------------------------------
# Compatibility: the server reads strictly, the client leniently (DESIGN §3)

SERVER_READS = {  # every body the server reads; everything else is read by the client
    "LoginRequest",
    "RefreshRequest",
    "SyncRequest",
    "EventEnvelope",
    "WelcomeWatchedEvent",
    "ActivityCompletedEvent",
    "PracticeGradedEvent",
    "AttemptSubmittedEvent",
    "WelcomeWatched",
    "ActivityCompleted",
    "PracticeGraded",
    "AttemptSubmitted",
}


def test_only_what_the_server_reads_is_strict() -> None:
    strict = {
        name for name, cls in wire_models().items() if cls.model_config.get("extra") == "forbid"
    }
    assert strict == SERVER_READS
    assert all(issubclass(wire_models()[name], StrictWireModel) for name in SERVER_READS)


@pytest.mark.parametrize(("name", "body"), examples(), ids=[n for n, _ in examples()])
def test_unknown_fields_everywhere(name: str, body: str) -> None:
    """A newer server's extra field in every object: the client reads the same values; the
    server refuses a request with one."""
    model = wire_models()[name]
    parsed = model.model_validate_json(body)
    newer, added = with_unknown_fields(parsed, json.loads(body))
    assert added >= 1
    if name in SERVER_READS:
        with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
            model.model_validate(newer)
    elif name == "UnknownChange":  # kept as received, the newer fields with it
        assert model.model_validate(newer).model_dump(mode="json") == newer
    else:
        assert model.model_validate(newer) == parsed


def test_a_sync_response_with_an_unknown_change_type() -> None:
    response = json.loads(dict(examples())["SyncResponse"])
    badge = {"cursor": 42, "at": "2026-11-20T02:30:00Z", "type": "badge.awarded", "badge": [1]}
    response["changes"].insert(1, badge)
    parsed = SyncResponse.model_validate(response)
    assert [type(c).__name__ for c in parsed.changes] == [
        "AttemptGradedChange",
        "UnknownChange",
        "StandingRecomputedChange",
    ]
    kept = parsed.changes[1]
    assert isinstance(kept, UnknownChange)
    assert (kept.type, kept.cursor) == ("badge.awarded", 42)
    assert json.loads(kept.model_dump_json()) == badge  # every field, as received
    # a known type keeps its shape: a change that breaks it is still a bad answer
    response["changes"][0] = {**response["changes"][0], "attempt": {"number": 4}}
    with pytest.raises(ValidationError):
        SyncResponse.model_validate(response)
    # the server's own answers still document each change type once (OpenAPI oneOf)
    variants = SyncResponse.model_json_schema()["properties"]["changes"]["items"]["oneOf"]
    assert len(variants) == len(protocol.ChangeType) + 1


def test_unknown_parameter_kinds_and_unreadable_values_read_as_text() -> None:
    assert WireParam.model_validate({"kind": "duration", "value": "PT15M"}).to_value() == "PT15M"
    assert WireParam(kind=protocol.ParamKind.INT, value="15 menit").to_value() == "15 menit"
    assert WireParam(kind=protocol.ParamKind.DECIMAL, value="n/a").to_value() == "n/a"
    assert WireParam(kind=protocol.ParamKind.DATE, value="besok").to_value() == "besok"


def test_unknown_message_code_becomes_message_unknown() -> None:
    wire = WireMessage.model_validate(
        {"code": "badge.revoked", "params": {"badge": {"kind": "badge", "value": "x"}}}
    )
    assert wire.to_message() == Message(Code.MESSAGE_UNKNOWN, {"code": "badge.revoked"})
    error = protocol.ErrorBody.model_validate(
        {"error": wire.model_dump(), "retry_after_seconds": 5, "lock_reason": "new"}
    )
    assert error.error.to_message().code is Code.MESSAGE_UNKNOWN


def test_package_import_is_strict_the_client_is_not() -> None:
    data = factories.package_dict()
    data["materials"][1]["sub_materials"][0]["activities"][2]["trophys"] = 4  # misspelt
    data["rules"]["badge_rules"] = {}
    served = protocol.CoursePackage.model_validate(data)  # the client: ignored
    assert served == parse_package(factories.package_dict())
    assert parse_package(data, strict=False) == served
    for given in (data, json.dumps(data), json.dumps(data).encode()):
        with pytest.raises(DomainError) as info:
            parse_package(given)  # the operator's import (strict by default)
        (problem,) = info.value.messages
        assert problem.code is Code.COURSE_MALFORMED
        assert problem.params["where"] == "materials.1.sub_materials.0.activities.2.trophys"
        assert problem.params["count"] == 2
    assert protocol.unknown_fields(served, data) == [
        ("materials", 1, "sub_materials", 0, "activities", 2, "trophys"),
        ("rules", "badge_rules"),
    ]
