from __future__ import annotations

import inspect
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from latsar_desktop.domain import protocol
from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import (
    CHANGE,
    JOURNAL_EVENT,
    CertificateRecord,
    WireMessage,
    WireModel,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
FENCE = re.compile(r"```json model=(\w+)\n(.*?)\n```", re.S)


def examples() -> list[tuple[str, str]]:
    return FENCE.findall(DOC.read_text(encoding="utf-8"))


def wire_models() -> dict[str, type[WireModel]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(protocol, inspect.isclass)
        if issubclass(cls, WireModel) and cls is not WireModel and not name.startswith("_")
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
            assert type(CHANGE.validate_json(body)).__name__ == name


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


def test_certificate_signed_bytes_are_canonical() -> None:
    record = CertificateRecord.model_validate_json(dict(examples())["CertificateRecord"])
    data = record.signed_bytes()
    assert b'": ' not in data
    assert b'", "' not in data
    assert data.startswith(b'{"agency":"Pemerintah Kabupaten Bandung","certificate_number"')
    keys = list(json.loads(data))
    assert keys == sorted(keys)
    assert CertificateRecord.model_validate_json(data).signed_bytes() == data
