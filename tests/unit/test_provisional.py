"""Provisional progress: what comes only from events the server has not confirmed yet.

An activity is provisional when its completion, or a practice quiz's best score, comes
from pending events alone (the standing lacks it, or holds a lower best); the trophies
it adds are counted per material and in all. A sync that confirms them (the standing has
them) makes them final, even while the same events are still in the journal.
"""

from __future__ import annotations

from decimal import Decimal

from latsar_desktop.domain.progress import ActivityProgress, Progress, progress
from latsar_desktop.domain.protocol import CoursePackage, Standing
from tests import factories as f

PACKAGE = f.package()


def activity(view: Progress, activity_id: str) -> ActivityProgress:
    return next(a for m in view.materials for a in m.activities if a.activity_id == activity_id)


def test_nothing_pending_is_nothing_provisional() -> None:
    standing = Standing(completed_activities=["m0-video"], practice_best={"m1-quiz": Decimal(50)})
    view = progress(PACKAGE, standing)
    assert view.trophies == 4
    assert view.provisional_trophies == 0
    assert not any(a.provisional for m in view.materials for a in m.activities)
    assert all(m.provisional_trophies == 0 for m in view.materials)


def test_a_completion_only_pending_is_provisional_until_the_standing_has_it() -> None:
    events = [f.completed("m0-video"), f.completed("m2-read")]
    before = progress(PACKAGE, Standing(), events)
    assert activity(before, "m0-video").provisional
    assert activity(before, "m2-read").provisional
    assert not activity(before, "m0-read").provisional  # not done at all
    assert [m.provisional_trophies for m in before.materials] == [2, 0, 2, 0, 0]
    assert before.provisional_trophies == before.trophies == 4

    # synced: the server's standing has them (the events may still be in the journal)
    after = progress(PACKAGE, Standing(completed_activities=["m0-video", "m2-read"]), events)
    assert after.trophies == 4
    assert not activity(after, "m0-video").provisional
    assert after.provisional_trophies == 0
    assert [m.provisional_trophies for m in after.materials] == [0] * 5


def test_a_practice_best_is_provisional_only_above_the_servers() -> None:
    standing = Standing(practice_best={"m0-quiz": Decimal(50)})  # 2 of 4 trophies
    higher = progress(PACKAGE, standing, [f.practice("m0-quiz", 3)])  # 75: 3 trophies
    quiz = activity(higher, "m0-quiz")
    assert (quiz.trophies, quiz.provisional) == (3, True)
    assert higher.materials[0].provisional_trophies == 1
    assert higher.provisional_trophies == 1

    for correct in (2, 1):  # as good as the server's, or worse: nothing provisional
        view = progress(PACKAGE, standing, [f.practice("m0-quiz", correct)])
        quiz = activity(view, "m0-quiz")
        assert (quiz.trophies, quiz.provisional) == (2, False)
        assert view.provisional_trophies == 0

    first = progress(PACKAGE, Standing(), [f.practice("m1-quiz", 1)])  # the server has none
    assert activity(first, "m1-quiz").provisional
    assert first.provisional_trophies == 1


def test_the_welcome_video_watched_only_here_is_provisional() -> None:
    data = f.package_dict()
    data["welcome_video"]["trophies"] = 1
    package = CoursePackage.model_validate(data)
    view = progress(package, Standing(), [f.welcome()])
    assert view.provisional_trophies == 1
    synced = progress(package, Standing(welcome_watched=True), [f.welcome()])
    assert synced.provisional_trophies == 0


def test_provisional_trophies_are_what_the_pending_events_add() -> None:
    standing = Standing(
        completed_activities=["m0-video", "m1-read"],
        practice_best={"m0-quiz": Decimal(50), "m3-quiz": Decimal(100)},
    )
    events = [
        f.completed("m0-video"),  # confirmed already
        f.completed("m4-refl"),
        f.practice("m0-quiz", 4),
        f.practice("m3-quiz", 1),  # lower than the server's
        f.practice("m2-quiz", 2),
    ]
    view = progress(PACKAGE, standing, events)
    confirmed = progress(PACKAGE, standing)
    assert view.provisional_trophies == view.trophies - confirmed.trophies == 2 + 2 + 2
    for shown, known in zip(view.materials, confirmed.materials, strict=True):
        assert shown.provisional_trophies == shown.trophies - known.trophies
    flagged = {a.activity_id for m in view.materials for a in m.activities if a.provisional}
    assert flagged == {"m4-refl", "m0-quiz", "m2-quiz"}
