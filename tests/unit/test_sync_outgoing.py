"""What a sync sends and what it learns after each answer, read from the journal's rows.

The engine builds its request bodies from the rows without parsing each event through
the protocol models (``journal.outgoing`` and ``engine.request_body``); the bytes must be
the ones the models would give, for every event type and every kind of time. After an
answer, ``apply_sync`` says from the same transaction what is still pending of the batch
and after it (``journal.pending_after``), which is all the engine counts with.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from latsar_desktop.domain.protocol import (
    EventEnvelope,
    Rejection,
    SyncRequest,
    WireMessage,
)
from latsar_desktop.store.journal import PendingAfter
from latsar_desktop.store.profile import ProfileStore
from latsar_desktop.sync.engine import request_body
from tests import factories

START = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    # times with and without microseconds (pydantic writes no fraction for a whole second)
    steps = itertools.count()
    times = (timedelta(seconds=n, microseconds=(0, 400000, 5, 123456)[n % 4]) for n in steps)
    profile = ProfileStore(tmp_path / "p.db", uuid.uuid4(), clock=lambda: START + next(times))
    profile.save_package(factories.package())
    return profile


def protocol_body(store: ProfileStore, cursor: int, **read: int) -> bytes:
    events = [EventEnvelope.of(e) for e in store.unconfirmed(**read)]
    request = SyncRequest(device_id=store.device_id, events=events, cursor=cursor)
    return request.model_dump_json().encode()


def test_the_request_body_is_the_protocol_models_json_byte_for_byte(store: ProfileStore) -> None:
    store.watch_welcome()
    store.complete_activity("m0-video")
    store.complete_activity("m0-read", reflection_text='Saya "paham" \\ bela negara —\nsiap ✓')
    store.record_practice("m0-quiz", {"m0-q0": "a", "m0-q1": "b", "m0-q2": "a"})
    attempt = store.start_attempt()
    store.save_draft(attempt, {"e0": "a", "e1": "b"}, 61)
    store.submit_attempt(attempt)
    store.complete_activity("m1-video")
    store.apply_sync(acked_seq=0, processed_count=0, rejections=[], changes=[], cursor=7)

    assert store.outgoing().seqs == [1, 2, 3, 4, 5, 6]
    assert request_body(store.device_id, store.outgoing()) == protocol_body(store, 7)
    part = store.outgoing(after_seq=2, limit=3)
    assert part.seqs == [3, 4, 5]
    assert request_body(store.device_id, part) == protocol_body(store, 7, after_seq=2, limit=3)
    # the server reads it as the client meant it
    parsed = SyncRequest.model_validate_json(request_body(store.device_id, store.outgoing()))
    assert [e.typed() for e in parsed.events] == store.unconfirmed()


def test_nothing_pending_is_an_empty_list_of_events(store: ProfileStore) -> None:
    assert request_body(store.device_id, store.outgoing()) == protocol_body(store, 0)


def test_after_an_answer_the_batch_and_what_follows_it_are_counted(store: ProfileStore) -> None:
    for _ in range(6):
        store.complete_activity("m0-video")
    batch = store.outgoing(limit=4)
    assert batch.seqs == [1, 2, 3, 4]
    second = store.unconfirmed()[1]
    rejected = Rejection(
        event_id=second.id, seq=2, reason=WireMessage(code="sync.unknown_activity")
    )
    # the server took 1..3 (rejecting 2) of the 4 sent: 4 is pending, and 5 and 6 after it
    after = store.apply_sync(
        acked_seq=3, processed_count=3, rejections=[rejected], changes=[], cursor=0, batch=(1, 4)
    )
    assert after == PendingAfter(in_batch=1, after_batch=True, last_seq=6)
    assert store.count_processed() == 3
    assert [e.seq for e in store.unconfirmed()] == [4, 5, 6]

    batch = store.outgoing(after_seq=0, limit=4)
    assert batch.seqs == [4, 5, 6]
    after = store.apply_sync(
        acked_seq=6, processed_count=6, rejections=[], changes=[], cursor=0, batch=(4, 6)
    )
    assert after == PendingAfter(in_batch=0, after_batch=False, last_seq=6)
    # an answer to a request without events: every pending event comes after it
    store.complete_activity("m0-video")
    after = store.apply_sync(
        acked_seq=6, processed_count=6, rejections=[], changes=[], cursor=0, batch=(7, 6)
    )
    assert after == PendingAfter(in_batch=0, after_batch=True, last_seq=7)
    assert store.apply_sync(
        acked_seq=7, processed_count=7, rejections=[], changes=[], cursor=0
    ) == (PendingAfter(in_batch=0, after_batch=False, last_seq=7))
    assert store.unconfirmed() == []
