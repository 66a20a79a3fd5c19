"""Graded per day, over HTTP on SQLite and PostgreSQL (issue 13, hole 2: "the answer key
can be read from the scores").

The attack: many one-answer attempts in one day, each score telling whether that one
answer was right. Against the demo course (20 questions drawn from 200 per attempt, at most
5 graded a day) at most 5 are graded today; the rest are numbered at once and graded on
the following days, 5 a day, in order, by the daily job or at a later sync. Each raw score
is over the attempt's own 20 drawn questions, and an attempt whose questions are not its
seed's draw is refused. The server's clock is ``latsar_server.clock``, moved by the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

import latsar_server.clock
from latsar_desktop.domain.draw import new_seed
from latsar_desktop.domain.progress import next_attempt_grading
from latsar_desktop.domain.protocol import (
    AttemptAcceptedChange,
    AttemptGradedChange,
    PassedChange,
)
from latsar_desktop.domain.scoring import cap_for_attempt
from latsar_server.cli import main as server_cli
from latsar_server.tables import Attempt
from tests import recipes as demo
from tests.integration.serverkit import (
    bearer,
    client,
    demo_package,
    demo_people,
    login,
    offline_store,
    play,
    push,
    server_view,
)
from tests.servers import RunningServer

BUDI = demo_people()[0]
ATTACK = 80  # the one-answer attempts of the report, all in one sync
LIMIT = 5
# 10:00 on Tuesday 1 December 2026 in Jakarta (UTC+7), the course's time zone
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
DAY1 = date(2026, 12, 1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The server's clock for sync and grading; set ``clock[0]`` to move it."""
    moment = [START]
    monkeypatch.setattr(latsar_server.clock, "source", lambda: moment[0])
    return moment


@contextmanager
def signed_in(server: RunningServer, store: Any) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    with client(server) as http:
        yield http, bearer(login(http, BUDI, store.device_id))


def sync_all(http: httpx.Client, auth: dict[str, str], store: Any) -> list[Any]:
    """Sync until the server has every event and every change; the changes received."""
    received: list[Any] = []
    while True:
        result = push(http, auth, store, cursor=store.sync_status().cursor)
        store.apply_response(result)
        received += result.changes
        if not store.unconfirmed() and not result.more:
            return received


def keys() -> dict[str, Any]:
    return {q.id: q for q in demo_package().evaluation.questions}


def one_answer_attempt(store: Any, key: dict[str, Any]) -> Any:
    """The attack's probe: answer only the first question drawn, with the right key."""
    attempt = store.start_attempt()
    first = store.attempt_questions(attempt)[0]
    store.save_draft(attempt, {first: key[first].answer}, 60)
    return store.submit_attempt(attempt)


def graded_in(changes: list[Any]) -> list[Any]:
    return [c.attempt for c in changes if isinstance(c, AttemptGradedChange)]


def accepted_in(changes: list[Any]) -> list[Any]:
    return [c.attempt for c in changes if isinstance(c, AttemptAcceptedChange)]


def rows(server: RunningServer) -> list[Any]:
    with server.engine.connect() as connection:
        return list(connection.execute(select(Attempt).order_by(Attempt.number)).all())


def issue_certificates(server: RunningServer, at: datetime) -> int:
    """The daily job, as cron runs it."""
    settings = server.settings
    args = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    return server_cli([*args, "issue-certificates", "--now", at.isoformat()])


def test_the_attack_gets_five_graded_a_day_the_rest_numbered_and_graded_in_order(
    demo_server: RunningServer, clock: list[datetime], tmp_path: Path
) -> None:
    key = keys()
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("28"))
    for _ in range(ATTACK):
        one_answer_attempt(store, key)
    # offline, before syncing: the app already says the sixth of today waits
    forecast = next_attempt_grading(store.package(), store.standing(), store.unconfirmed(), START)
    assert (forecast.later, forecast.day) == (True, DAY1 + timedelta(days=ATTACK // LIMIT))

    with signed_in(demo_server, store) as (http, auth):
        changes = sync_all(http, auth, store)
    assert store.rejections() == []  # nothing refused, nothing lost
    graded, accepted = graded_in(changes), accepted_in(changes)
    # 5 graded today, each over its own 20 drawn questions: 1 right of 20 is 5.00 (over
    # the whole bank of 200 it would be 0.50)
    assert [a.number for a in graded] == [1, 2, 3, 4, 5]
    assert {a.raw_score for a in graded} == {Decimal("5.00")}
    # the other 75 numbered at once, with their caps, due 5 a day in order
    assert [a.number for a in accepted] == list(range(6, ATTACK + 1))
    for attempt in accepted:
        assert attempt.cap == cap_for_attempt(attempt.number)
        assert attempt.grade_on == DAY1 + timedelta(days=(attempt.number - 1) // LIMIT)
    # the device's view: 5 graded, 75 numbered awaiting grading, the next one is 81
    standing = store.standing()
    assert [a.number for a in standing.attempts] == [1, 2, 3, 4, 5]
    assert [a.number for a in standing.pending_attempts] == list(range(6, ATTACK + 1))
    view = store.progress()
    assert (view.attempts_graded, view.attempts_awaiting_grading) == (5, ATTACK - 5)
    assert (view.next_attempt, view.next_cap) == (ATTACK + 1, Decimal("70.01"))
    assert next_attempt_grading(store.package(), standing, [], START).day == DAY1 + timedelta(
        days=ATTACK // LIMIT
    )
    # the server: 80 attempts numbered without gaps, 75 not graded
    stored = rows(demo_server)
    assert [r.number for r in stored] == list(range(1, ATTACK + 1))
    assert [r.number for r in stored if r.graded_at is None] == list(range(6, ATTACK + 1))
    assert all(r.raw_score is None and r.score is None for r in stored[5:])

    # the daily job the next morning grades the next 5, in order, and nothing more
    tomorrow = START + timedelta(days=1)
    assert issue_certificates(demo_server, tomorrow) == 0
    stored = rows(demo_server)
    assert [r.number for r in stored if r.graded_at == tomorrow] == [6, 7, 8, 9, 10]
    assert next(r.number for r in stored if r.graded_at is None) == 11
    assert issue_certificates(demo_server, tomorrow + timedelta(hours=1)) == 0  # limit used
    assert sum(r.graded_at is not None for r in rows(demo_server)) == 10

    # the device learns it at its next sync (a pull: it has nothing to send); today's 5
    # are used, so that sync grades nothing more
    clock[0] = tomorrow + timedelta(hours=2)
    with signed_in(demo_server, store) as (http, auth):
        changes = sync_all(http, auth, store)
    assert [a.number for a in graded_in(changes)] == [6, 7, 8, 9, 10]
    assert {a.raw_score for a in graded_in(changes)} == {Decimal("5.00")}
    assert store.standing().pending_attempts[0].grade_on == DAY1 + timedelta(days=2)

    # without the job, the sync of the day after grades that day's 5 itself
    clock[0] = START + timedelta(days=2)
    with signed_in(demo_server, store) as (http, auth):
        changes = sync_all(http, auth, store)
    assert [(a.number, a.graded_at) for a in graded_in(changes)] == [
        (n, clock[0]) for n in range(11, 16)
    ]
    assert [a.number for a in store.standing().attempts] == list(range(1, 16))
    assert store.progress().next_attempt == ATTACK + 1


def test_questions_that_are_not_the_draw_are_refused_and_use_no_number(
    demo_server: RunningServer, clock: list[datetime], tmp_path: Path
) -> None:
    key = keys()
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("28"))
    with signed_in(demo_server, store) as (http, auth):
        sync_all(http, auth, store)
        forged = []
        for change in ("reordered", "outside", "other seed", "no seed"):
            event = one_answer_attempt(store, key)
            payload = event.payload
            order = list(payload.question_order)
            update: dict[str, Any]
            if change == "reordered":
                update = {"question_order": order[::-1]}
            elif change == "outside":  # an answer to a question the seed did not draw
                outside = next(q for q in key if q not in order)
                update = {"answers": {outside: key[outside].answer}}
            elif change == "other seed":
                update = {"seed": new_seed()}
            else:
                update = {"seed": None}
            forged.append(event.model_copy(update={"payload": payload.model_copy(update=update)}))
        result = push(http, auth, store, events=forged, cursor=store.sync_status().cursor)
        assert [r.reason.code for r in result.rejections] == [
            "sync.questions_not_drawn",
            "sync.answer_not_drawn",
            "sync.questions_not_drawn",
            "sync.questions_not_drawn",
        ]
        store.apply_response(result)
        genuine = one_answer_attempt(store, key)
        changes = sync_all(http, auth, store)
    (attempt,) = graded_in(changes)
    assert attempt.attempt_id == genuine.payload.attempt_id
    assert attempt.number == 1  # refused attempts use no number
    assert [r.number for r in rows(demo_server)] == [1]


def test_an_attempt_graded_later_passes_then_and_only_then(
    demo_server: RunningServer,
    clock: list[datetime],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Passing counts graded attempts only: a good attempt waiting to be graded does not
    pass; the job that grades it records passed_at then."""
    key = keys()
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("32-optional"))
    for _ in range(LIMIT):
        one_answer_attempt(store, key)  # 5.00 each: used today's grading
    good = store.start_attempt()
    store.save_draft(good, {q: key[q].answer for q in store.attempt_questions(good)}, 600)
    store.submit_attempt(good)
    with signed_in(demo_server, store) as (http, auth):
        changes = sync_all(http, auth, store)
    assert [a.number for a in accepted_in(changes)] == [6]
    assert not [c for c in changes if isinstance(c, PassedChange)]
    assert server_view(demo_server, BUDI["nip"]).standing.passed_at is None
    assert not store.progress().passed
    settings = demo_server.settings
    args = ["--database-url", settings.database_url, "--data-dir", str(settings.data_dir)]
    assert server_cli([*args, "participant", BUDI["nip"]]) == 0
    out = capsys.readouterr().out
    assert "Percobaan ke-5: nilai mentah 5,00" in out
    assert "Percobaan ke-6: diterima" in out
    assert "batas 80,01, dinilai pada 2 Desember 2026" in out
    assert "Belum lulus." in out

    tomorrow = START + timedelta(days=1)
    assert issue_certificates(demo_server, tomorrow) == 0
    view = server_view(demo_server, BUDI["nip"])
    assert view.standing.passed_at == tomorrow
    assert view.progress.final_score == Decimal("80.01")  # 100 raw, capped for attempt 6
    clock[0] = tomorrow + timedelta(hours=1)
    with signed_in(demo_server, store) as (http, auth):
        changes = sync_all(http, auth, store)
    (passed,) = [c for c in changes if isinstance(c, PassedChange)]
    assert (passed.passed_at, passed.final_score) == (tomorrow, Decimal("80.01"))
    assert store.progress().passed


def test_issuance_waits_until_every_accepted_attempt_is_graded(
    demo_server: RunningServer, clock: list[datetime], tmp_path: Path
) -> None:
    """The certificate carries the final score: when it falls due while attempts still
    wait for their day, the daily job grades what is due and issues on the day the last
    one is graded, not before (nothing is lost)."""
    key = keys()
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("32-optional"))
    good = store.start_attempt()
    store.save_draft(good, {q: key[q].answer for q in store.attempt_questions(good)}, 600)
    store.submit_attempt(good)
    with signed_in(demo_server, store) as (http, auth):
        sync_all(http, auth, store)  # graded at once: 100.00, passed now
    assert server_view(demo_server, BUDI["nip"]).standing.passed_at == START
    # the day before the certificate is due: 11 more attempts, 5 graded, 6 wait
    clock[0] = START + timedelta(days=19)
    for _ in range(11):
        one_answer_attempt(store, key)
    with signed_in(demo_server, store) as (http, auth):
        changes = sync_all(http, auth, store)
    assert [a.number for a in graded_in(changes)] == [2, 3, 4, 5, 6]
    assert [a.number for a in accepted_in(changes)] == list(range(7, 13))
    due = START + timedelta(days=20)  # passed_at + certificate_delay_days
    assert issue_certificates(demo_server, due) == 0  # grades 7..11; 12 still waits
    view = server_view(demo_server, BUDI["nip"])
    assert [a.number for a in view.standing.pending_attempts] == [12]
    assert view.standing.certificate_issued_at is None
    next_day = due + timedelta(days=1)
    assert issue_certificates(demo_server, next_day) == 0  # grades 12, then issues
    view = server_view(demo_server, BUDI["nip"])
    assert view.standing.pending_attempts == []
    assert len(view.standing.attempts) == 12
    assert view.standing.certificate_issued_at == next_day
    assert view.progress.final_score == Decimal("100.00")


def test_the_migration_keeps_graded_attempts_graded(database_url: str) -> None:
    """0006 on a database with attempts from before it: each was graded when accepted, so
    it is accepted then, and the next number follows the graded ones."""
    from alembic import command
    from sqlalchemy import text

    from latsar_server.database import alembic_config, make_engine

    config = alembic_config(database_url)
    command.upgrade(config, "0005")
    engine = make_engine(database_url)
    graded_at = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    stamp = graded_at.replace(tzinfo=None) if database_url.startswith("sqlite") else graded_at
    try:
        with engine.begin() as connection:
            run = connection.execute
            run(
                text("INSERT INTO course VALUES ('c', 'Kursus', :at)"),
                {"at": stamp},
            )
            run(
                text(
                    "INSERT INTO participant (id, nip, nik_hash, name, agency, course_id, "
                    "created_at, updated_at) VALUES (1, '199005142026011901', 'x', 'Budi', "
                    "'Dinas', 'c', :at, :at)"
                ),
                {"at": stamp},
            )
            run(
                text(
                    "INSERT INTO participant_state (participant_id, welcome_watched, "
                    "attempts_graded, last_cursor) VALUES (1, true, 2, 2)"
                )
            )
            for number in (1, 2):
                run(
                    text(
                        "INSERT INTO attempt (participant_id, attempt_id, event_id, number, "
                        "package_version, raw_score, cap, score, elapsed_seconds, graded_at) "
                        "VALUES (1, :id, :id, :number, 1, 9550, 10000, 9550, 600, :at)"
                    ),
                    {"id": f"attempt-{number}", "number": number, "at": stamp},
                )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            stored = connection.execute(select(Attempt).order_by(Attempt.number)).all()
            state = connection.execute(
                text("SELECT attempts_numbered, attempts_graded FROM participant_state")
            ).one()
        assert [(a.number, a.accepted_at, a.graded_at) for a in stored] == [
            (1, graded_at, graded_at),
            (2, graded_at, graded_at),
        ]
        assert {a.raw_score for a in stored} == {Decimal("95.50")}
        assert tuple(state) == (2, 2)
    finally:
        engine.dispose()
