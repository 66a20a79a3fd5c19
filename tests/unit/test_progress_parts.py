"""The parts of the core's progress the screens show as they are (``domain/progress.py``):
a sub-material's trophies, required activities done and provisional mark; one activity's
progress found by its id; the evaluation's stage.

The package is the factories' (each activity's trophies: video 2, module 2, practice quiz
4 by its best score, optional reflection 2), with one material split into two
sub-materials; the expected numbers are counted here from those, not read back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from latsar_desktop.domain.progress import EvaluationStage, progress
from latsar_desktop.domain.protocol import CoursePackage, Standing
from tests import factories as f


def split_package() -> CoursePackage:
    """m1's quiz and reflection moved to a second sub-material, m1s2."""
    data = f.package_dict()
    first = data["materials"][1]["sub_materials"][0]
    video, reading, quiz, reflection = first["activities"]
    first["activities"] = [video, reading]
    second = {"id": "m1s2", "title": "Sub-materi 1.2", "activities": [quiz, reflection]}
    data["materials"][1]["sub_materials"].append(second)
    return CoursePackage.model_validate(data)


PACKAGE = split_package()


def test_each_sub_material_counts_its_own_activities() -> None:
    standing = Standing(completed_activities=["m1-video"], practice_best={"m1-quiz": Decimal(50)})
    view = progress(PACKAGE, standing, [f.completed("m1-refl")])
    material = view.materials[1]
    first, second = material.sub_materials
    assert [s.sub_material_id for s in material.sub_materials] == ["m1s1", "m1s2"]

    # m1s1: the video done (2 of 2), the module not (0 of 2); both required
    assert (first.trophies, first.max_trophies) == (2, 4)
    assert (first.required_done, first.required_total) == (1, 2)
    assert not first.complete
    assert not first.provisional  # the video is the server's
    assert [a.activity_id for a in first.activities] == ["m1-video", "m1-read"]

    # m1s2: the quiz at 50 % (2 of 4), the optional reflection written here (2 of 2)
    assert (second.trophies, second.max_trophies) == (2 + 2, 4 + 2)
    assert (second.required_done, second.required_total) == (1, 1)  # the quiz only
    assert second.complete
    assert second.provisional  # the reflection is not confirmed yet

    # the material is its sub-materials added up
    assert (material.trophies, material.max_trophies) == (6, 10)
    assert (material.required_done, material.required_total) == (2, 3)
    assert material.provisional
    assert not view.materials[0].provisional  # nothing pending there


def test_a_sub_material_is_provisional_by_a_better_unconfirmed_best_score() -> None:
    standing = Standing(practice_best={"m1-quiz": Decimal(50)})
    better = progress(PACKAGE, standing, [f.practice("m1-quiz", 3)]).materials[1]
    assert better.sub_materials[1].provisional
    assert not better.sub_materials[0].provisional
    worse = progress(PACKAGE, standing, [f.practice("m1-quiz", 1)]).materials[1]
    assert not worse.sub_materials[1].provisional
    assert not worse.provisional


def test_an_activity_is_found_by_its_id() -> None:
    view = progress(PACKAGE, Standing(completed_activities=["m3-read"]))
    found = view.activity("m3-read")
    assert found is not None
    assert (found.activity_id, found.completed, found.trophies) == ("m3-read", True, 2)
    other = view.activity("m4-quiz")
    assert other is not None
    assert (other.activity_id, other.completed) == ("m4-quiz", False)
    assert view.activity("no-such-activity") is None


def test_the_evaluation_stage_is_locked_then_open_then_closed_once_issued() -> None:
    done = [f"m{i}-{kind}" for i in range(5) for kind in ("video", "read")]  # 10 × 2
    # 20 + 4 (m0's quiz at 100 %) + 3 (m1's at 75 %) = 27, one short of 28: locked
    short = {"m0-quiz": Decimal(100), "m1-quiz": Decimal(75)}
    view = progress(PACKAGE, Standing(completed_activities=done, practice_best=short))
    assert view.trophies == 27
    assert view.evaluation.stage is EvaluationStage.LOCKED

    enough = {"m0-quiz": Decimal(100), "m1-quiz": Decimal(100)}  # 28: open
    opened = Standing(completed_activities=done, practice_best=enough)
    view = progress(PACKAGE, opened)
    assert view.trophies == 28
    assert view.evaluation.stage is EvaluationStage.OPEN

    issued = opened.model_copy(update={"certificate_issued_at": datetime(2026, 3, 1, tzinfo=UTC)})
    assert progress(PACKAGE, issued).evaluation.stage is EvaluationStage.CLOSED
