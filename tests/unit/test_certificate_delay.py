"""The certificate delay: the package's days, or its seconds when it has them (a server's
override, such as the demo's few minutes); one function for the server's issuance and
the app's expected issue date."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from latsar_desktop.domain.course import parse_package
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.progress import certificate_delay, progress
from latsar_desktop.domain.protocol import Rules, Standing
from latsar_server.settings import Settings
from tests import factories as f
from tests.integration.serverkit import DEMO_PACKAGE

PASSED_AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def test_without_seconds_the_delay_is_the_days() -> None:
    assert certificate_delay(Rules()) == timedelta(days=20)
    assert certificate_delay(Rules(certificate_delay_days=3)) == timedelta(days=3)


def test_seconds_replace_the_days_zero_too() -> None:
    rules = Rules(certificate_delay_days=20, certificate_delay_seconds=180)
    assert certificate_delay(rules) == timedelta(seconds=180)
    # zero seconds is "at once", not "no override"
    assert certificate_delay(Rules(certificate_delay_seconds=0)) == timedelta(0)


def test_the_expected_issue_date_uses_the_seconds() -> None:
    standing = Standing(passed_at=PASSED_AT)
    days = progress(f.package(), standing)
    assert days.expected_issue_at == PASSED_AT + timedelta(days=20)
    seconds = progress(f.package(certificate_delay_seconds=180), standing)
    assert seconds.expected_issue_at == PASSED_AT + timedelta(seconds=180)
    assert progress(f.package(certificate_delay_seconds=180), Standing()).expected_issue_at is None


def test_a_package_without_seconds_is_written_as_before() -> None:
    """Absent from the JSON when unset: a stored package hashes (and its ETag reads) as
    before, and re-importing it is still 'the same import again'."""
    assert "certificate_delay_seconds" not in json.loads(Rules().model_dump_json())
    assert "certificate_delay_seconds" not in f.package().model_dump_json()
    stamped = json.loads(Rules(certificate_delay_seconds=180).model_dump_json())
    assert stamped["certificate_delay_seconds"] == 180
    assert Rules.model_validate(stamped) == Rules(certificate_delay_seconds=180)


def test_the_strict_import_reading_accepts_the_field_and_checks_it() -> None:
    raw = json.loads(DEMO_PACKAGE.read_text(encoding="utf-8"))
    raw["rules"]["certificate_delay_seconds"] = 180
    package = parse_package(raw, with_keys=True)
    assert certificate_delay(package.rules) == timedelta(seconds=180)
    raw["rules"]["certificate_delay_seconds"] = -1
    with pytest.raises(DomainError) as refused:
        parse_package(raw, with_keys=True)
    assert refused.value.message.code is Code.COURSE_MALFORMED
    assert refused.value.message.params["where"] == "rules.certificate_delay_seconds"


def test_the_server_setting_from_the_environment() -> None:
    variable = "LATSAR_SERVER_CERTIFICATE_DELAY_SECONDS"
    assert Settings.from_env({}).certificate_delay_seconds is None
    assert Settings.from_env({variable: "180"}).certificate_delay_seconds == 180
    assert Settings.from_env({variable: ""}).certificate_delay_seconds is None
    for settings in (Settings(), Settings(certificate_delay_seconds=0, update_url="https://x")):
        assert Settings.from_env(settings.to_env()) == settings
