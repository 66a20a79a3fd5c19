"""The sync engine's counts when the participant keeps working while a sync runs.

Events appended while an answer is applied have a later seq than the batch in flight:
they must not count as the batch's events the server did not take (a false "stalled"
that ends the sync early, a wrong ``pushed``, a smaller batch for the rest of the run).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from latsar_desktop.domain.protocol import SyncResponse
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.engine import SyncEngine
from latsar_server.tables import EventRow
from tests import recipes
from tests.integration.serverkit import demo_people, load_demo, offline_store, play
from tests.servers import RunningServer

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

    def apply_while_studying(response: SyncResponse) -> None:
        answers[0] += 1
        if answers[0] == 1:  # the participant finishes three more activities meanwhile
            play(store, steps[3:6])
        apply_response(response)

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
