"""Notifications against the real server, on SQLite and PostgreSQL (issue 14).

What the participant should hear about once is made on the device while it applies the
server's answer: an attempt graded, an attempt waiting for a later day's grading, passed,
a certificate issued or revoked, a newer course package (every sync answer names the
course's current version). Each comes once, and stays seen once marked seen.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import latsar_server.clock
from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.domain.protocol import SyncRequest
from latsar_desktop.sync.refresh import refresh_package
from latsar_server.certificates.issuance import issue_certificates, revoke_certificate
from latsar_server.courses.imports import import_course
from tests import recipes as demo
from tests.integration.serverkit import (
    DEMO,
    demo_people,
    engine_for,
    offline_store,
    play,
    server_view,
    take_attempt,
)
from tests.servers import RunningServer

BUDI = demo_people()[0]
COURSE = "latsar-pppk-2026"
# 10:00 on Tuesday 1 December 2026 in Jakarta (UTC+7), the course's time zone
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
DAY1 = date(2026, 12, 1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The server's clock for sync and grading; set ``clock[0]`` to move it."""
    moment = [START]
    monkeypatch.setattr(latsar_server.clock, "source", lambda: moment[0])
    return moment


def notices(store: Any, unseen_only: bool = False) -> list[Message]:
    return [n.message.to_message() for n in store.notifications(unseen_only)]


def codes(store: Any, unseen_only: bool = False) -> Counter[Code]:
    return Counter(m.code for m in notices(store, unseen_only))


def test_an_attempt_graded_is_notified_once_and_stays_seen(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("28"))  # unlocks the evaluation, does not pass
    take_attempt(store, 16)
    api, engine = engine_for(demo_server, store, BUDI)
    assert store.notifications() == []
    engine.run()
    (first,) = store.standing().attempts
    (notice,) = store.notifications(unseen_only=True)
    assert notice.message.to_message() == msg(
        Code.NOTICE_ATTEMPT_GRADED, number=1, score=first.score
    )
    assert notice.seen_at is None
    # seen: no longer unseen, still listed, with the time it was seen
    assert store.mark_seen([notice.id]) == 1
    assert store.notifications(unseen_only=True) == []
    (seen,) = store.notifications()
    assert (seen.id, seen.message) == (notice.id, notice.message)
    assert seen.seen_at is not None
    assert store.mark_seen([notice.id]) == 0  # seen once, its time kept

    # the next sync brings only the new attempt's grade; the first one is not repeated
    take_attempt(store, 10)
    engine.run()
    second = store.standing().attempts[1]
    assert notices(store, unseen_only=True) == [
        msg(Code.NOTICE_ATTEMPT_GRADED, number=2, score=second.score)
    ]
    # a sync that finds nothing new adds nothing; nor does the whole change log sent again
    engine.run()
    store.apply_response(api.sync(SyncRequest(device_id=store.device_id, cursor=0)))
    assert codes(store) == {Code.NOTICE_ATTEMPT_GRADED: 2}
    assert [n.seen_at is None for n in store.notifications()] == [True, False]


def test_an_attempt_waiting_for_a_later_day_is_notified_with_its_day(
    demo_server: RunningServer, clock: list[datetime], tmp_path: Path
) -> None:
    """The demo course grades 5 attempts a day: the sixth waits for tomorrow."""
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("28"))
    for _ in range(6):
        take_attempt(store, 10)
    _api, engine = engine_for(demo_server, store, BUDI)
    engine.run()
    (pending,) = store.standing().pending_attempts
    tomorrow = DAY1 + timedelta(days=1)
    assert (pending.number, pending.grade_on) == (6, tomorrow)
    assert codes(store) == {Code.NOTICE_ATTEMPT_GRADED: 5, Code.NOTICE_ATTEMPT_QUEUED: 1}
    (queued,) = (m for m in notices(store) if m.code is Code.NOTICE_ATTEMPT_QUEUED)
    assert queued == msg(Code.NOTICE_ATTEMPT_QUEUED, number=6, date=tomorrow)

    # the next day's sync grades it: its grade is news, "will be graded on …" no longer
    clock[0] = START + timedelta(days=1)
    engine.run()
    sixth = store.standing().attempts[5]
    assert sixth.number == 6
    assert codes(store) == {Code.NOTICE_ATTEMPT_GRADED: 6, Code.NOTICE_ATTEMPT_QUEUED: 1}
    unseen = notices(store, unseen_only=True)
    assert msg(Code.NOTICE_ATTEMPT_GRADED, number=6, score=sixth.score) in unseen
    assert Code.NOTICE_ATTEMPT_QUEUED not in {m.code for m in unseen}


def test_passed_and_a_certificate_issued_then_revoked(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("32-retake"))
    take_attempt(store, 16)  # 80.00: passes
    _api, engine = engine_for(demo_server, store, BUDI)
    engine.run()
    assert store.progress().passed
    assert codes(store) == {Code.NOTICE_ATTEMPT_GRADED: 1, Code.NOTICE_PASSED: 1}

    passed_at = server_view(demo_server, BUDI["nip"]).standing.passed_at
    assert passed_at is not None
    due = passed_at + timedelta(days=20)
    (number,) = issue_certificates(demo_server.engine, demo_server.settings, due)
    engine.run()
    assert notices(store)[0] == msg(Code.NOTICE_CERTIFICATE_ISSUED, number=number)

    assert revoke_certificate(demo_server.engine, number, due + timedelta(days=1))
    # and an attempt after the certificate (refused): one more answer with the standing
    take_attempt(store, 20)
    engine.run()
    assert store.certificates()[0].revoked
    assert notices(store)[0] == msg(Code.NOTICE_CERTIFICATE_REVOKED, number=number)
    # passed once, although every answer since carried a standing with passed_at
    assert codes(store) == {
        Code.NOTICE_ATTEMPT_GRADED: 1,
        Code.NOTICE_PASSED: 1,
        Code.NOTICE_CERTIFICATE_ISSUED: 1,
        Code.NOTICE_CERTIFICATE_REVOKED: 1,
    }


def test_a_package_version_bump_reaches_the_client_and_is_refreshed(
    demo_server: RunningServer, tmp_path: Path
) -> None:
    store = offline_store(tmp_path / "client")
    api, engine = engine_for(demo_server, store, BUDI)
    refresh_package(api, store, COURSE)
    report = engine.run()
    assert not report.package_outdated
    assert not store.package_outdated()
    assert store.notifications() == []

    # the operator imports version 2 of the course
    v2 = tmp_path / "v2"
    shutil.copytree(DEMO, v2, ignore=shutil.ignore_patterns("sources", "*.csv"))
    data = json.loads((v2 / "package.json").read_text(encoding="utf-8"))
    data["version"] = 2
    (v2 / "package.json").write_text(json.dumps(data), encoding="utf-8")
    import_course(demo_server.engine, demo_server.settings.content_dir, v2 / "package.json")

    # a sync with nothing to send learns it: a notification, and a refresh is due
    report = engine.run()
    assert report.package_outdated
    assert store.package_outdated()
    assert notices(store) == [msg(Code.NOTICE_COURSE_UPDATED, version=2)]
    engine.run()  # every answer names version 2 again: still one notification
    assert len(store.notifications()) == 1

    result = refresh_package(api, store, COURSE)
    assert (result.changed, result.version) == (True, 2)
    package = store.package()
    assert package is not None
    assert package.version == 2
    assert not store.package_outdated()
    assert not engine.run().package_outdated
    assert len(store.notifications()) == 1
