"""An evaluation attempt survives the app being killed (DESIGN §2 "Time limit").

A forked child (the app) starts an attempt on a real monotonic clock, answers and changes
answers, and keeps ticking like the screen's timer; it is SIGKILLed a few seconds later,
after more than one checkpoint interval. The test then resumes the attempt from the
profile: the same questions (the draw of its seed), the answers as last given, and the
remaining time within 5 s of the truth. Submitted and synced, the real server on
127.0.0.1 accepts it and grades it with the elapsed time that was saved.
"""

from __future__ import annotations

import json
import mmap
import os
import signal
import struct
import time
import traceback
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from latsar_desktop.domain.draw import draw_questions
from latsar_desktop.session.evaluation import CHECKPOINT_SECONDS, AttemptRun
from latsar_desktop.store.profile import ProfileStore
from latsar_server.tables import Attempt
from tests import recipes as demo
from tests.integration.serverkit import demo_people, engine_for, load_demo, offline_store, play
from tests.servers import RunningServer

# shared memory (anonymous, so shared with the forked child): the child's monotonic time
# just before it started the attempt (a double), then its state
LAYOUT = struct.Struct("<dB")
STARTING, ANSWERED, FINISHED, CRASHED = 0, 1, 2, 3
TICK_SECONDS = 0.5  # the screen's timer in the child
KILL_AFTER = 2 * CHECKPOINT_SECONDS + 1.5  # seconds into the attempt: past two checkpoints
WAIT_SECONDS = 60.0  # for the child to answer (a loaded machine)


def child(path: Path, device: uuid.UUID, given: Path, shared: mmap.mmap) -> None:
    """The app: start an attempt, answer, change an answer, then tick until killed."""
    store = ProfileStore(path, device)
    started = time.monotonic()
    shared[:] = LAYOUT.pack(started, STARTING)
    run = AttemptRun.start(store)  # the real monotonic clock
    answers: dict[str, str] = {}
    for index, question in enumerate(run.questions[:4]):
        answers[question.id] = question.choices[index % len(question.choices)].id
        run.answer(question.id, answers[question.id])
    first = run.questions[0]
    answers[first.id] = first.choices[-1].id  # changed
    run.answer(first.id, answers[first.id])
    given.write_text(json.dumps({"attempt": str(run.attempt_id), "answers": answers}))
    shared[:] = LAYOUT.pack(started, ANSWERED)
    deadline = started + 120.0  # never outlive a broken test
    while time.monotonic() < deadline:
        time.sleep(TICK_SECONDS)
        run.tick()


def fork_child(path: Path, device: uuid.UUID, given: Path, shared: mmap.mmap, log: Path) -> int:
    pid = os.fork()
    if pid == 0:  # never returns to pytest
        state = CRASHED
        try:
            child(path, device, given, shared)
            state = FINISHED
        except BaseException:
            log.write_text(traceback.format_exc(), encoding="utf-8")
        finally:
            shared[LAYOUT.size - 1] = state
            os._exit(0)
    return pid


@pytest.mark.slow
def test_an_attempt_resumes_after_sigkill_with_its_answers_and_time(
    sqlite_server: RunningServer, tmp_path: Path
) -> None:
    load_demo(sqlite_server)
    store = offline_store(tmp_path)
    play(store, demo.recipe_steps("28"))  # the evaluation unlocks
    path, device = store.path, store.device_id
    store.close()
    given, log = tmp_path / "given.json", tmp_path / "child.txt"

    with mmap.mmap(-1, LAYOUT.size) as shared:
        shared[:] = LAYOUT.pack(0.0, STARTING)
        pid = fork_child(path, device, given, shared, log)
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while LAYOUT.unpack(shared[:])[1] == STARTING and time.monotonic() < deadline:
                time.sleep(0.01)
            started, state = LAYOUT.unpack(shared[:])
            if state == ANSWERED:
                time.sleep(max(0.0, started + KILL_AFTER - time.monotonic()))
                state = LAYOUT.unpack(shared[:])[1]
        finally:
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            os.waitpid(pid, 0)
    crash = log.read_text(encoding="utf-8") if log.exists() else ""
    assert state == ANSWERED, f"the child did not get to answering and ticking\n{crash}"
    # at most the time the attempt ran (the child started it a moment after ``started``)
    truth = killed_at - started
    assert truth >= KILL_AFTER
    before = json.loads(given.read_text(encoding="utf-8"))

    store = ProfileStore(path, device)
    resumed = AttemptRun.resume(store)
    assert resumed is not None
    assert str(resumed.attempt_id) == before["attempt"]
    draft = store.draft(resumed.attempt_id)
    assert draft is not None
    assert draft.seed is not None
    package = store.package()
    assert package is not None
    bank = [q.id for q in package.evaluation.questions]
    drawn = draw_questions(draft.seed, bank, package.evaluation.questions_per_attempt)
    assert [q.id for q in resumed.questions] == drawn
    assert dict(resumed.answers) == before["answers"]
    back = resumed.elapsed_seconds
    print(f"attempt ran {truth:.2f} s; resumed at {back} s")
    assert 0 <= truth - back < 5
    limit = package.evaluation.time_limit_seconds
    assert 0 <= resumed.remaining_seconds - (limit - truth) < 5

    event = resumed.submit()
    assert event.payload.answers == before["answers"]
    assert event.payload.elapsed_seconds >= back
    api, engine = engine_for(sqlite_server, store, demo_people()[0])
    report = engine.run()
    api.close()
    assert (report.pushed, report.rejected) == (len(store.journal()), 0)
    (graded,) = store.standing().attempts
    assert graded.attempt_id == resumed.attempt_id
    store.close()
    with sqlite_server.engine.connect() as connection:
        row = connection.execute(select(Attempt.attempt_id, Attempt.elapsed_seconds)).one()
    assert tuple(row) == (str(resumed.attempt_id), event.payload.elapsed_seconds)
