"""The sync engine's counts when the participant keeps working while a sync runs, and
when the server takes only part of each batch.

Events appended while an answer is applied have a later seq than the batch in flight:
they must not count as the batch's events the server did not take (a false "stalled"
that ends the sync early, a wrong ``pushed``, a smaller batch for the rest of the run).
The engine counts from the batch's seqs only (``journal.pending_after``), and reads each
batch from the lowest seq still pending of the one before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from latsar_desktop.domain.protocol import SyncRequest, SyncResponse
from latsar_desktop.store.journal import PendingAfter
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine
from latsar_server.tables import EventRow
from tests import recipes
from tests.integration.serverkit import (
    demo_people,
    load_demo,
    offline_store,
    play,
    sqlite_settings,
)
from tests.servers import RunningServer, running_server

BUDI = demo_people()[0]


def test_events_appended_during_a_sync_are_not_taken_for_a_stall(
    sqlite_server: RunningServer, tmp_path: Path
) -> None:
    load_demo(sqlite_server)
    store = offline_store(tmp_path)
    steps = recipes.recipe_steps("28")
    play(store, steps[:3])
    api = ApiClient(sqlite_server.url, store.device_id)
    api.login(BUDI["nip"], BUDI["nik"], "PC uji")
    engine = SyncEngine(api, store, batch_size=10)
    apply_response = store.apply_response
    answers = [0]

    def apply_while_studying(
        response: SyncResponse, batch: tuple[int, int] | None = None
    ) -> PendingAfter:
        answers[0] += 1
        if answers[0] == 1:  # the participant finishes three more activities meanwhile
            play(store, steps[3:6])
        return apply_response(response, batch)

    store.apply_response = apply_while_studying  # type: ignore[method-assign]
    report = engine.run()
    assert store.unconfirmed() == []  # the three new events went in the same run
    assert report.pushed == len(store.journal()) == 6
    assert report.requests == 2
    assert report.consistent
    with sqlite_server.engine.connect() as connection:
        on_server = sorted(r[0] for r in connection.execute(select(EventRow.event_id)))
    assert on_server == sorted(str(e.id) for e in store.journal())
    api.close()


def test_a_server_that_takes_part_of_each_batch_gets_every_event_once(tmp_path: Path) -> None:
    with running_server(sqlite_settings(tmp_path, sync_max_events=4)) as server:
        load_demo(server)
        store = offline_store(tmp_path)
        play(store, recipes.recipe_steps("28"))
        journal = store.journal()
        total = len(journal)
        api = ApiClient(server.url, store.device_id)
        api.login(BUDI["nip"], BUDI["nik"], "PC uji")
        sent: list[list[int]] = []
        real_sync = api.sync

        def recording_sync(body: Any, **options: Any) -> SyncResponse:
            request = SyncRequest.model_validate_json(body)
            sent.append([e.seq for e in request.events])
            return real_sync(body, **options)

        api.sync = recording_sync  # type: ignore[method-assign]
        seen: list[tuple[int, int]] = []
        engine = SyncEngine(api, store, batch_size=10, progress=lambda *p: seen.append(p))
        report = engine.run()
        # the next sync sends no more than the server took: nothing only to send it again
        first_run = sent[:]
        play(store, recipes.recipe_steps("28")[:6])
        del sent[:]
        again = engine.run()
        api.close()
        with server.engine.connect() as connection:
            on_server = sorted(r[0] for r in connection.execute(select(EventRow.event_id)))

    assert (report.pushed, report.rejected, report.consistent) == (total, 0, True)
    # the first batch of 10 is taken 4 at a time: the rest goes on from seq 5, 4 per request
    assert first_run[0] == list(range(1, 11))
    assert first_run[1:] == [list(range(s, min(s + 4, total + 1))) for s in range(5, total + 1, 4)]
    assert report.requests == len(first_run) == -(-total // 4)
    assert seen[: report.requests + 1] == [(0, total)] + [
        (min(n, total), total) for n in range(4, total + 4, 4)
    ]
    assert (again.pushed, again.consistent) == (6, True)
    assert sent == [[total + 1, total + 2, total + 3, total + 4], [total + 5, total + 6]]
    assert on_server == sorted(str(e.id) for e in store.journal())  # each exactly once
    assert store.unconfirmed() == []
