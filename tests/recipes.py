"""Trophy recipes of the demo course: which activities lead to 27, 28, 31 (every required
activity done) and 32 trophies, and to all 50.

Tests replay them (``play_recipe`` through a signed-in session, as the screens record
them; ``tests.integration.serverkit.play`` on a bare profile; and
``tests/unit/test_demo_course.py`` through ``latsar_desktop.domain.progress``);
``take_attempt`` takes an evaluation attempt through the session. The recipe
section of ``resources/demo_course/README.md`` is generated from :data:`RECIPES`::

    .venv/bin/python -m tests.recipes           # rewrite the README's recipe section
    .venv/bin/python -m tests.recipes --check   # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from latsar_desktop.domain.progress import practice_trophies
from latsar_desktop.domain.protocol import Activity, ActivityKind, CoursePackage, Question
from latsar_desktop.domain.scoring import raw_score
from tools.demo_course import demo_dir, load_package

if TYPE_CHECKING:
    from latsar_desktop.session import ParticipantSession


@dataclass(frozen=True)
class Step:
    """Complete ``activity_id``; for a practice quiz, grade it with ``correct`` right answers."""

    activity_id: str
    correct: int | None = None


@dataclass(frozen=True)
class Group:
    label: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    based_on: str | None
    groups: tuple[Group, ...]
    trophies: int
    complete: bool  # every required activity done
    unlocked: bool  # evaluation unlocked (trophies >= 28)
    enough_to_pass: bool  # trophies >= 32 and complete

    def own_steps(self) -> list[Step]:
        return [step for group in self.groups for step in group.steps]


def _ids(*ids: str) -> tuple[Step, ...]:
    return tuple(Step(activity_id) for activity_id in ids)


_SUBS = (
    "kebijakan-1",
    "kebijakan-2",
    "bela-negara-1",
    "bela-negara-2",
    "bela-negara-3",
    "berakhlak-1",
    "berakhlak-2",
    "berakhlak-3",
    "smart-governance-1",
    "smart-governance-2",
    "manajemen-asn-1",
    "manajemen-asn-2",
)
_REFLECTION_SUBS = (
    "kebijakan-1",
    "kebijakan-2",
    "bela-negara-3",
    "berakhlak-3",
    "smart-governance-1",
    "smart-governance-2",
    "manajemen-asn-1",
    "manajemen-asn-2",
)
_QUIZ_SIZES = {
    "kebijakan-1-latihan": 4,
    "kebijakan-2-latihan": 4,
    "bela-negara-1-latihan": 3,
    "bela-negara-2-latihan": 5,
    "bela-negara-3-latihan": 3,
    "berakhlak-1-latihan": 5,
    "berakhlak-2-latihan": 3,
    "berakhlak-3-latihan": 5,
    "smart-governance-1-latihan": 4,
    "smart-governance-2-latihan": 4,
    "manajemen-asn-1-latihan": 4,
    "manajemen-asn-2-latihan": 4,
}
_LOW_QUIZZES = tuple(Step(quiz, 2 if quiz.startswith("kebijakan-") else 1) for quiz in _QUIZ_SIZES)

RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            "27",
            "27 trophies: the evaluation is still locked (one short of 28)",
            None,
            (
                Group("watch the welcome video (0 trophies)", _ids("video-sambutan")),
                Group(
                    "watch every microlearning video (12 × 1)",
                    _ids(*(f"{sub}-video" for sub in _SUBS)),
                ),
                Group("read every module (12 × 1)", _ids(*(f"{sub}-modul" for sub in _SUBS))),
                Group(
                    "write three required reflections (3 × 1)",
                    _ids("kebijakan-2-refleksi", "bela-negara-3-refleksi", "berakhlak-3-refleksi"),
                ),
            ),
            trophies=27,
            complete=False,
            unlocked=False,
            enough_to_pass=False,
        ),
        Recipe(
            "28",
            "28 trophies: the evaluation unlocks",
            "27",
            (Group("write one more required reflection (1)", _ids("smart-governance-2-refleksi")),),
            trophies=28,
            complete=False,
            unlocked=True,
            enough_to_pass=False,
        ),
        Recipe(
            "31",
            "31 trophies with every required activity done (not enough to pass)",
            "28",
            (
                Group("write the last required reflection (1)", _ids("manajemen-asn-2-refleksi")),
                Group(
                    "take every practice quiz scoring low: 1 right answer each, except the "
                    "two policy quizzes with 2 of 4 right (1 trophy each); the others earn 0",
                    _LOW_QUIZZES,
                ),
            ),
            trophies=31,
            complete=True,
            unlocked=True,
            enough_to_pass=False,
        ),
        Recipe(
            "32-optional",
            "32 trophies by doing an optional activity",
            "31",
            (Group("write an optional reflection (1)", _ids("kebijakan-1-refleksi")),),
            trophies=32,
            complete=True,
            unlocked=True,
            enough_to_pass=True,
        ),
        Recipe(
            "32-retake",
            "32 trophies by retaking a practice quiz",
            "31",
            (
                Group(
                    "retake a practice quiz with every answer right: 3 of 3 (0 → 1)",
                    (Step("bela-negara-1-latihan", 3),),
                ),
            ),
            trophies=32,
            complete=True,
            unlocked=True,
            enough_to_pass=True,
        ),
        Recipe(
            "50",
            "50 trophies: everything, every practice quiz with every answer right",
            None,
            (
                Group("watch the welcome video (0)", _ids("video-sambutan")),
                Group(
                    "watch every video and read every module (24 × 1)",
                    _ids(*(f"{sub}-{kind}" for sub in _SUBS for kind in ("video", "modul"))),
                ),
                Group(
                    "write every reflection, required or optional (8 × 1)",
                    _ids(*(f"{sub}-refleksi" for sub in _REFLECTION_SUBS)),
                ),
                Group(
                    "take every practice quiz with every answer right",
                    tuple(Step(quiz, size) for quiz, size in _QUIZ_SIZES.items()),
                ),
            ),
            trophies=50,
            complete=True,
            unlocked=True,
            enough_to_pass=True,
        ),
    )
}


def recipe_steps(name: str) -> list[Step]:
    """Every step of a recipe, from a fresh participant, in order."""
    recipe = RECIPES[name]
    before = recipe_steps(recipe.based_on) if recipe.based_on is not None else []
    return before + recipe.own_steps()


REFLECTION_TEXT = "Saya belajar melayani dengan jujur."


def answer(question: Question, right: bool) -> str:
    """The right choice (the key shipped with a practice quiz, or the server's copy of an
    evaluation question), or a wrong one."""
    if right:
        assert question.answer is not None
        return question.answer
    return next(c.id for c in question.choices if c.id != question.answer)


def play_recipe(session: ParticipantSession, name: str) -> None:
    """A recipe recorded through a signed-in session, from a fresh participant, as the
    screens record it: the welcome video watched, activities completed, reflections
    written, practice quizzes answered with their first ``correct`` answers right."""
    package = session.package()
    for step in recipe_steps(name):
        if step.activity_id == package.welcome_video.id:
            session.watch_welcome()
            continue
        activity = _activity(package, step.activity_id)
        if step.correct is not None:
            session.record_practice(
                activity.id,
                {q.id: answer(q, i < step.correct) for i, q in enumerate(activity.questions)},
            )
        elif activity.kind is ActivityKind.REFLECTION:
            session.record_reflection(activity.id, REFLECTION_TEXT)
        else:
            session.complete_activity(activity.id)


def take_attempt(session: ParticipantSession, right: int) -> int:
    """An evaluation attempt through the session, started, answered (its first ``right``
    questions right, by the server's copy of the keys) and submitted; the number of
    questions it drew."""
    keys = {q.id: q for q in load_package().evaluation.questions}
    run = session.start_attempt()
    for number, question in enumerate(run.questions):
        run.answer(question.id, answer(keys[question.id], number < right))
    run.submit()
    return len(run.questions)


@dataclass
class _Tally:
    completed: set[str] = field(default_factory=set)
    best: dict[str, Decimal] = field(default_factory=dict)


def simulate(package: CoursePackage, steps: Iterable[Step]) -> tuple[int, bool]:
    """(trophies, every required activity done) after ``steps``: a count of its own,
    kept apart from ``latsar_desktop.domain.progress`` (which the tests check against it).
    """
    tally = _Tally()
    for step in steps:
        activity = _activity(package, step.activity_id)
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            if step.correct is None:
                raise ValueError(f"{step.activity_id}: a practice quiz step needs `correct`")
            score = raw_score(step.correct, len(activity.questions))
            tally.best[activity.id] = max(tally.best.get(activity.id, score), score)
        else:
            if step.correct is not None:
                raise ValueError(f"{step.activity_id}: only practice quizzes are graded")
            tally.completed.add(activity.id)
    everything = [package.welcome_video] + [a for _, a in package.activities()]
    trophies = 0
    complete = True
    for activity in everything:
        if activity.kind is ActivityKind.PRACTICE_QUIZ:
            done = activity.id in tally.best
            trophies += practice_trophies(activity, tally.best.get(activity.id))
        else:
            done = activity.id in tally.completed
            trophies += activity.trophies if done else 0
        complete = complete and (done or not activity.required)
    return trophies, complete


def _activity(package: CoursePackage, activity_id: str) -> Activity:
    if activity_id == package.welcome_video.id:
        return package.welcome_video
    activity = package.activity(activity_id)
    if activity is None:
        raise KeyError(f"no activity {activity_id!r} in the package")
    return activity


def recipe_problems(package: CoursePackage) -> list[str]:
    problems = []
    for quiz, size in _QUIZ_SIZES.items():
        activity = package.activity(quiz)
        if activity is None or len(activity.questions) != size:
            problems.append(f"recipes: {quiz} should have {size} questions")
    if problems:
        return problems
    for name, recipe in RECIPES.items():
        trophies, complete = simulate(package, recipe_steps(name))
        if (trophies, complete) != (recipe.trophies, recipe.complete):
            problems.append(
                f"recipe {name}: {trophies} trophies (complete={complete}), "
                f"expected {recipe.trophies} (complete={recipe.complete})"
            )
        if recipe.unlocked != (trophies >= package.rules.unlock_trophies):
            problems.append(f"recipe {name}: unlocked should be {recipe.unlocked}")
        if recipe.enough_to_pass != (complete and trophies >= package.rules.pass_trophies):
            problems.append(f"recipe {name}: enough_to_pass should be {recipe.enough_to_pass}")
    return problems


README_START = "<!-- recipes: generated by tests/recipes.py, do not edit -->"
README_END = "<!-- /recipes -->"


def recipes_markdown(package: CoursePackage) -> str:
    """The README's recipe section (between README_START and README_END)."""
    out = [README_START, ""]
    for name, recipe in RECIPES.items():
        out.append(f"#### `{name}`: {recipe.title}")
        out.append("")
        if recipe.based_on is None:
            out.append("From a fresh participant:")
        else:
            out.append(f"Start from `{recipe.based_on}`, then:")
        out.append("")
        steps_so_far = recipe_steps(recipe.based_on) if recipe.based_on else []
        out += ["| do | activities | trophies after |", "| --- | --- | --- |"]
        for group in recipe.groups:
            steps_so_far += group.steps
            trophies, _ = simulate(package, steps_so_far)
            cells = ", ".join(
                f"`{s.activity_id}`"
                if s.correct is None
                else f"`{s.activity_id}` {s.correct}/"
                f"{len(_activity(package, s.activity_id).questions)}"
                for s in group.steps
            )
            out.append(f"| {group.label} | {cells} | {trophies} |")
        state = [
            "every required activity done" if recipe.complete else "required activities missing",
            "evaluation unlocked" if recipe.unlocked else "evaluation locked",
            "enough trophies to pass" if recipe.enough_to_pass else "not enough trophies to pass",
        ]
        out += ["", f"Result: **{recipe.trophies} trophies**; {'; '.join(state)}.", ""]
    out.append(README_END)
    return "\n".join(out)


def readme_with_recipes(readme: str, package: CoursePackage) -> str:
    start = readme.index(README_START)
    end = readme.index(README_END) + len(README_END)
    return readme[:start] + recipes_markdown(package) + readme[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.recipes", description="Write the demo README's recipe section."
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the section is stale")
    args = parser.parse_args(argv)
    package = load_package()
    problems = recipe_problems(package)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    readme_path = demo_dir() / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    updated = readme_with_recipes(readme, package)
    if args.check:
        if updated != readme:
            print(f"error: the recipe section of {readme_path} is stale", file=sys.stderr)
            return 1
        print(f"ok: the recipe section of {readme_path} is up to date")
        return 0
    readme_path.write_text(updated, encoding="utf-8", newline="\n")
    print(f"wrote the recipe section of {readme_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
