"""The attempts' history (``session/evaluation.attempt_history``): graded attempts, those the
server accepted to grade on a later day, and those submitted here and not synced yet, with
the number and cap the device predicts for them (DESIGN §2 "Attempt numbers", "Graded per
day"). Fast: one profile database per test, no server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import (
    AcceptedAttempt,
    CoursePackage,
    GradedAttempt,
    Standing,
    StandingRecomputedChange,
)
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_desktop.i18n import translate
from latsar_desktop.session.evaluation import (
    AttemptRow,
    AttemptStatus,
    attempt_history,
    evaluation_outlook,
)
from latsar_desktop.store.profile import ProfileStore
from tests import factories as f

LIMITED = f.package(max_graded_per_day=5)
UNLIMITED = f.package()
# 10:00 in Jakarta (UTC+7) on 20 November 2026
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
YESTERDAY = NOW - timedelta(days=1)


def frozen() -> datetime:
    return NOW


def graded(number: int, at: datetime = YESTERDAY, raw: str = "95.00") -> GradedAttempt:
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


def accepted(number: int, grade_on: date, attempt_id: uuid.UUID | None = None) -> AcceptedAttempt:
    return AcceptedAttempt(
        attempt_id=attempt_id or uuid.uuid4(),
        number=number,
        package_version=1,
        cap=cap_for_attempt(number),
        accepted_at=NOW,
        grade_on=grade_on,
    )


def submit(store: ProfileStore, count: int = 1) -> list[uuid.UUID]:
    """``count`` attempts submitted on this device (offline), in order."""
    ids = []
    for _ in range(count):
        attempt = store.start_attempt()
        store.save_draft(attempt, {}, 60)
        store.submit_attempt(attempt)
        ids.append(attempt)
    return ids


def set_standing(store: ProfileStore, standing: Standing) -> None:
    """The server's standing as a sync would bring it (the journal stays unconfirmed)."""
    change = StandingRecomputedChange(cursor=1, at=NOW, standing=standing)
    store.apply_sync(acked_seq=0, processed_count=0, rejections=[], changes=[change], cursor=1)


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[object]:
    stores: list[ProfileStore] = []

    def make(package: CoursePackage = UNLIMITED) -> ProfileStore:
        store = ProfileStore(tmp_path / f"{uuid.uuid4()}.db", uuid.uuid4(), frozen)
        store.save_package(package)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


def shown(rows: tuple[AttemptRow, ...]) -> list[tuple[int, AttemptStatus, Decimal, bool]]:
    return [(r.number, r.status, r.cap, r.estimated) for r in rows]


def test_no_attempt_no_row(make_store) -> None:  # type: ignore[no-untyped-def]
    assert attempt_history(make_store()) == ()


def test_offline_attempts_wait_for_sync_numbered_in_order_the_fourth_capped_at_90_01(
    make_store,  # type: ignore[no-untyped-def]
) -> None:
    store = make_store()
    ids = submit(store, 4)
    rows = attempt_history(store)
    hundred, ninety = Decimal("100"), Decimal("90.01")
    wait = AttemptStatus.WAITING_SYNC
    # never synced: the number of devices is unknown, so every number is "perkiraan"
    assert shown(rows) == [
        (4, wait, ninety, True),
        (3, wait, hundred, True),
        (2, wait, hundred, True),
        (1, wait, hundred, True),
    ]
    assert [r.attempt_id for r in rows] == ids[::-1]  # numbered in the order submitted
    assert all(r.grade_on is None and r.score is None and r.raw_score is None for r in rows)
    assert all(r.status_message() == msg(Code.ATTEMPT_WAITING_SYNC) for r in rows)
    assert translate(rows[0].status_message()) == "Menunggu sinkronisasi"


def test_graded_rows_carry_the_servers_number_cap_raw_and_score(make_store) -> None:  # type: ignore[no-untyped-def]
    store = make_store()
    attempts = [graded(1, raw="60.00"), graded(2, raw="70.00"), graded(3), graded(4)]
    set_standing(store, Standing(attempts=attempts, registered_devices=1))
    rows = attempt_history(store)
    assert [r.number for r in rows] == [4, 3, 2, 1]
    fourth = rows[0]
    assert fourth.status is AttemptStatus.GRADED
    assert not fourth.estimated
    assert (fourth.raw_score, fourth.cap, fourth.score) == (
        Decimal("95.00"),
        Decimal("90.01"),
        Decimal("90.01"),
    )
    assert fourth.grade_on is None
    assert translate(fourth.status_message()) == "Sudah dinilai"
    assert translate(fourth.status_message(), "en") == "Graded"


def test_the_prediction_follows_the_servers_numbers_and_is_exact_only_on_the_one_device(
    make_store,  # type: ignore[no-untyped-def]
) -> None:
    """On the only registered device, the first unsent attempt's number is what the
    confirmation said without "perkiraan"; those after it are estimates (one before them
    may still be refused), like ``Progress.next_cap_estimated``."""
    store = make_store()
    set_standing(store, Standing(attempts=[graded(1), graded(2)], registered_devices=1))
    assert not evaluation_outlook(store).estimated  # the confirmation of attempt 3
    submit(store, 3)
    rows = attempt_history(store)
    wait = AttemptStatus.WAITING_SYNC
    assert shown(rows)[:3] == [
        (5, wait, Decimal("90.01"), True),
        (4, wait, Decimal("90.01"), True),
        (3, wait, Decimal("100"), False),
    ]
    # the next confirmation (attempt 6) agrees with the rows
    outlook = evaluation_outlook(store)
    assert (outlook.next_number, outlook.next_cap) == (6, Decimal("80.01"))
    # with two registered devices every prediction is an estimate
    set_standing(store, Standing(attempts=[graded(1), graded(2)], registered_devices=2))
    assert [r.estimated for r in attempt_history(store)[:3]] == [True, True, True]


def test_an_attempt_the_server_numbered_is_not_counted_twice(make_store) -> None:  # type: ignore[no-untyped-def]
    """The standing names an attempt whose event the journal still holds unconfirmed (the
    answer's acknowledgement not applied yet): one row, the server's."""
    store = make_store(LIMITED)
    first, second = submit(store, 2)
    tomorrow = TODAY + timedelta(days=1)
    set_standing(
        store,
        Standing(pending_attempts=[accepted(1, tomorrow, attempt_id=first)], registered_devices=1),
    )
    rows = attempt_history(store)
    assert [(r.attempt_id, r.number, r.status) for r in rows] == [
        (second, 2, AttemptStatus.WAITING_SYNC),
        (first, 1, AttemptStatus.GRADED_LATER),
    ]
    assert not rows[1].estimated
    assert rows[1].grade_on == tomorrow


def test_accepted_attempts_say_when_they_are_graded(make_store) -> None:  # type: ignore[no-untyped-def]
    store = make_store(LIMITED)
    day_after = TODAY + timedelta(days=2)
    set_standing(
        store,
        Standing(
            attempts=[graded(n, at=NOW) for n in range(1, 6)],
            pending_attempts=[
                accepted(6, TODAY + timedelta(days=1)),
                accepted(7, day_after),
                accepted(8, TODAY),  # due: graded at the next sync (or by the daily job)
            ],
            registered_devices=1,
        ),
    )
    rows = attempt_history(store)
    later = [r for r in rows if r.status is AttemptStatus.GRADED_LATER]
    assert [(r.number, r.cap, r.grade_on) for r in later] == [
        (8, Decimal("70.01"), TODAY),
        (7, Decimal("70.01"), day_after),
        (6, Decimal("80.01"), TODAY + timedelta(days=1)),
    ]
    assert [translate(r.status_message()) for r in later] == [
        "Menunggu sinkronisasi",
        "Dinilai pada 22 November 2026",
        "Dinilai besok",
    ]
    assert translate(later[2].status_message(), "en") == "Graded tomorrow"


def test_unsent_attempts_past_the_daily_limit_are_forecast_for_a_later_day(
    make_store,  # type: ignore[no-untyped-def]
) -> None:
    """Three graded today, limit 5: the 4th and 5th are graded when they arrive, the 6th to
    10th tomorrow, the 11th the day after (the queue of ``next_attempt_grading``)."""
    store = make_store(LIMITED)
    set_standing(store, Standing(attempts=[graded(n, at=NOW) for n in range(1, 4)]))
    submit(store, 8)
    waiting = {
        r.number: r for r in attempt_history(store) if r.status is AttemptStatus.WAITING_SYNC
    }
    tomorrow, day_after = TODAY + timedelta(days=1), TODAY + timedelta(days=2)
    assert {n: r.grade_on for n, r in waiting.items()} == {
        4: None,
        5: None,
        6: tomorrow,
        7: tomorrow,
        8: tomorrow,
        9: tomorrow,
        10: tomorrow,
        11: day_after,
    }
    assert translate(waiting[5].status_message()) == "Menunggu sinkronisasi"
    assert translate(waiting[6].status_message()) == "Menunggu sinkronisasi · dinilai besok"
    assert (
        translate(waiting[11].status_message())
        == "Menunggu sinkronisasi · dinilai pada 22 November 2026"
    )
    # the next attempt's forecast continues the same queue
    assert evaluation_outlook(store).grading.day == day_after


def test_tomorrow_is_the_course_time_zones(tmp_path: Path) -> None:
    """At 01:00 in Jakarta on the 21st (18:00 UTC on the 20th), the 22nd is tomorrow."""
    late = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    store = ProfileStore(tmp_path / "p.db", uuid.uuid4(), lambda: late)
    store.save_package(LIMITED)
    set_standing(store, Standing(pending_attempts=[accepted(1, date(2026, 11, 22))]))
    (row,) = attempt_history(store)
    assert row.today == date(2026, 11, 21)
    assert translate(row.status_message()) == "Dinilai besok"
    store.close()
