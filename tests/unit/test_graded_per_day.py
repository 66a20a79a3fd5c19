"""Graded per day, as the device sees it offline: numbered attempts awaiting grading count
for the next attempt's number, and the app can say when the next attempt will be graded."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.progress import grading_day, next_attempt_grading, progress
from latsar_desktop.domain.protocol import (
    AcceptedAttempt,
    AttemptAcceptedChange,
    AttemptGradedChange,
    GradedAttempt,
    Standing,
)
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_desktop.store import apply
from latsar_desktop.store.database import write
from latsar_desktop.store.profile import ProfileStore
from tests import factories as f

LIMITED = f.package(max_graded_per_day=5)
# 10:00 in Jakarta (UTC+7) on 20 November 2026
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


def graded(number: int, at: datetime, raw: str = "40.00") -> GradedAttempt:
    cap = cap_for_attempt(number)
    return GradedAttempt(
        attempt_id=uuid.uuid4(),
        number=number,
        package_version=1,
        raw_score=Decimal(raw),
        cap=cap,
        score=min(Decimal(raw), cap),
        graded_at=at,
    )


def accepted(number: int, grade_on: date) -> AcceptedAttempt:
    return AcceptedAttempt(
        attempt_id=uuid.uuid4(),
        number=number,
        package_version=1,
        cap=cap_for_attempt(number),
        accepted_at=NOW,
        grade_on=grade_on,
    )


def full_day(count: int = 5, at: datetime = NOW) -> list[GradedAttempt]:
    return [graded(n, at - timedelta(minutes=count - n)) for n in range(1, count + 1)]


def test_numbered_attempts_awaiting_grading_count_for_the_next_number() -> None:
    waiting = [accepted(6, TODAY + timedelta(days=1)), accepted(7, TODAY + timedelta(days=1))]
    standing = Standing(attempts=full_day(), pending_attempts=waiting, registered_devices=1)
    unsent = f.attempt()
    # an event the server already numbered is not counted twice
    numbered = f.attempt()
    numbered = numbered.model_copy(
        update={
            "payload": numbered.payload.model_copy(update={"attempt_id": waiting[0].attempt_id})
        }
    )
    view = progress(LIMITED, standing, [numbered, unsent])
    assert (view.attempts_graded, view.attempts_awaiting_grading, view.attempts_pending) == (
        5,
        2,
        1,
    )
    assert view.next_attempt == 9
    assert view.next_cap == Decimal("70.01")
    assert view.next_cap_estimated  # an unsent attempt: the server may number it otherwise
    alone = progress(LIMITED, standing)
    assert (alone.next_attempt, alone.next_cap_estimated) == (8, False)


def test_an_attempt_awaiting_grading_does_not_pass_and_says_when() -> None:
    tomorrow = TODAY + timedelta(days=1)
    standing = Standing(pending_attempts=[accepted(1, tomorrow), accepted(2, tomorrow)])
    view = progress(LIMITED, standing)
    assert view.attempts_graded == 0
    assert view.final_score is None
    assert not view.passed
    (awaiting,) = [m for m in view.checklist if m.code is Code.CHECKLIST_ATTEMPT_AWAITING_GRADING]
    assert dict(awaiting.params) == {"count": 2, "date": tomorrow}
    codes = {m.code for m in view.checklist}
    assert Code.CHECKLIST_NO_GRADED_ATTEMPT not in codes
    assert Code.CHECKLIST_ATTEMPT_AWAITING_SYNC not in codes


def test_without_a_limit_every_attempt_is_graded_when_it_reaches_the_server() -> None:
    standing = Standing(attempts=full_day(12))
    forecast = next_attempt_grading(f.package(), standing, [f.attempt(), f.attempt()], NOW)
    assert (forecast.day, forecast.later) == (TODAY, False)
    assert forecast.message.code is Code.EVALUATION_GRADED_ON_SYNC


def test_the_fifth_of_the_day_is_graded_today_the_sixth_tomorrow() -> None:
    four = Standing(attempts=full_day(4))
    forecast = next_attempt_grading(LIMITED, four, [], NOW)
    assert (forecast.day, forecast.later, forecast.message.code) == (
        TODAY,
        False,
        Code.EVALUATION_GRADED_ON_SYNC,
    )
    # the fifth was taken offline and not sent yet: the next one waits for tomorrow
    forecast = next_attempt_grading(LIMITED, four, [f.attempt()], NOW)
    tomorrow = TODAY + timedelta(days=1)
    assert (forecast.day, forecast.later) == (tomorrow, True)
    assert forecast.message.code is Code.EVALUATION_GRADED_LATER
    assert dict(forecast.message.params) == {"date": tomorrow, "limit": 5}
    five = Standing(attempts=full_day(5))
    assert next_attempt_grading(LIMITED, five, [], NOW).day == tomorrow


def test_yesterdays_grading_does_not_count_today() -> None:
    standing = Standing(attempts=full_day(5, at=NOW - timedelta(days=1)))
    forecast = next_attempt_grading(LIMITED, standing, [], NOW)
    assert (forecast.day, forecast.later) == (TODAY, False)


def test_the_queue_pushes_the_day_further() -> None:
    tomorrow = TODAY + timedelta(days=1)
    waiting = [accepted(n, tomorrow) for n in range(6, 9)]  # 3 numbered, graded tomorrow
    standing = Standing(attempts=full_day(), pending_attempts=waiting)
    unsent = [f.attempt() for _ in range(4)]
    # 5 today; tomorrow: 3 waiting and 2 unsent; the day after: 2 unsent, then this one
    forecast = next_attempt_grading(LIMITED, standing, unsent, NOW)
    assert forecast.day == TODAY + timedelta(days=2)
    assert next_attempt_grading(LIMITED, standing, unsent[:1], NOW).day == tomorrow
    assert next_attempt_grading(LIMITED, standing, unsent[:2], NOW).day == TODAY + timedelta(days=2)
    assert grading_day(LIMITED.rules, 5, 7, TODAY) == TODAY + timedelta(days=2)
    assert grading_day(f.package().rules, 50, 70, TODAY) == TODAY


def test_days_are_the_course_time_zones() -> None:
    """17:30 UTC on the 20th is already 00:30 on the 21st in Jakarta (UTC+7)."""
    late = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
    standing = Standing(attempts=full_day(5, at=late))
    just_after = late + timedelta(minutes=30)
    in_jakarta = next_attempt_grading(LIMITED, standing, [], just_after)
    assert (in_jakarta.day, in_jakarta.later) == (date(2026, 11, 22), True)
    in_utc = f.package(max_graded_per_day=5, time_zone="UTC")
    # in UTC the five were graded on the 20th, and it is still the 20th
    assert next_attempt_grading(in_utc, standing, [], just_after).day == date(2026, 11, 21)
    # an hour before midnight UTC the next day has begun in Jakarta already: five free
    before = Standing(attempts=full_day(5, at=datetime(2026, 11, 20, 16, 0, tzinfo=UTC)))
    assert not next_attempt_grading(LIMITED, before, [], just_after).later


def test_the_profile_applies_numbered_and_graded_attempts(tmp_path: Path) -> None:
    """``attempt.accepted`` puts the attempt among those awaiting grading in the kept
    standing, ``attempt.graded`` moves it to the graded ones; an old ``attempt.accepted``
    (applied late, e.g. kept by an older app) never makes a graded attempt pending again."""
    store = ProfileStore(tmp_path / "p.db", uuid.uuid4())
    store.save_package(LIMITED)
    attempt = store.start_attempt()
    store.save_draft(attempt, {}, 30)
    event = store.submit_attempt(attempt)
    numbered = accepted(1, TODAY + timedelta(days=1)).model_copy(update={"attempt_id": attempt})
    change = AttemptAcceptedChange(cursor=1, at=NOW, event_id=event.id, attempt=numbered)
    store.apply_sync(acked_seq=1, processed_count=1, rejections=[], changes=[change], cursor=1)
    assert store.standing().pending_attempts == [numbered]
    view = store.progress()
    assert (view.attempts_awaiting_grading, view.attempts_pending, view.next_attempt) == (1, 0, 2)
    result = graded(1, NOW + timedelta(days=1)).model_copy(update={"attempt_id": attempt})
    done = AttemptGradedChange(cursor=2, at=NOW, event_id=event.id, attempt=result)
    store.apply_sync(acked_seq=1, processed_count=1, rejections=[], changes=[done], cursor=2)
    assert (store.standing().attempts, store.standing().pending_attempts) == ([result], [])
    with write(store.engine) as session:  # the accepted change again, applied late
        apply.apply_change(session, change, store.clock)
    assert (store.standing().attempts, store.standing().pending_attempts) == ([result], [])
    assert store.progress().next_attempt == 2
    store.close()
