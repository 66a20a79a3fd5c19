"""The demo course (resources/demo_course): valid, complete, and every trophy case reachable."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from latsar_desktop.domain.course import package_problems, parse_package
from latsar_desktop.domain.grading import drawn_questions
from latsar_desktop.domain.identity import identity_warnings, parse_nik, parse_nip
from latsar_desktop.domain.messages import Code
from latsar_desktop.domain.progress import Progress, progress
from latsar_desktop.domain.protocol import (
    DEFAULT_CAP_TABLE,
    ActivityKind,
    CoursePackage,
    GradedAttempt,
    JournalEvent,
    MaterialKind,
    Standing,
)
from latsar_desktop.domain.scoring import raw_score
from tests import factories as f
from tests import recipes
from tools import demo_course as demo

PACKAGE = demo.load_package()
SEED_A, SEED_B = "0" * 32, "f" * 32
MAX_DEMO_BYTES = 3 * 1024 * 1024


def kinds(package: CoursePackage) -> Counter[ActivityKind]:
    return Counter(activity.kind for _, activity in package.activities())


# --------------------------------------------------------------------------------------
# Built, committed, valid


def test_committed_packages_are_what_the_builder_produces() -> None:
    assert demo.package_path().read_text(encoding="utf-8") == demo.package_json(
        demo.build_package()
    )
    assert demo.package_200_path().read_text(encoding="utf-8") == demo.package_json(
        demo.build_variant_200()
    )
    assert demo.build_package() == PACKAGE


def test_check_mode_finds_nothing_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    problems, _notes = demo.check()
    assert problems == []
    assert demo.main(["--check"]) == 0
    assert "ok:" in capsys.readouterr().out


def test_package_validates_with_the_domain_model() -> None:
    raw = demo.package_path().read_bytes()
    package = parse_package(raw)
    assert package_problems(package) == []
    assert (package.format, package.course_id, package.version) == (1, "latsar-pppk-2026", 1)
    assert package.certificate_keys == []  # the server adds its keys when serving


def test_trophies_total_50_and_10_per_material() -> None:
    total = PACKAGE.welcome_video.trophies + sum(a.trophies for _, a in PACKAGE.activities())
    assert total == PACKAGE.rules.max_trophies == 50
    for material in PACKAGE.materials:
        assert sum(a.trophies for s in material.sub_materials for a in s.activities) == 10


def test_rules_are_the_defaults_with_passing_score_65() -> None:
    rules = PACKAGE.rules
    assert (rules.unlock_trophies, rules.pass_trophies, rules.min_attempts) == (28, 32, 1)
    assert rules.passing_score == Decimal("65.00")
    assert str(rules.passing_score) == "65.00"
    assert rules.cap_table == list(DEFAULT_CAP_TABLE)
    assert rules.certificate_delay_days == 20


def test_at_most_5_attempts_are_graded_a_day_in_jakarta() -> None:
    assert PACKAGE.rules.max_graded_per_day == 5
    assert PACKAGE.rules.time_zone == "Asia/Jakarta"


# --------------------------------------------------------------------------------------
# Structure


def test_opens_with_a_required_welcome_video() -> None:
    welcome = PACKAGE.welcome_video
    assert welcome.kind is ActivityKind.VIDEO
    assert welcome.required
    assert welcome.trophies == 0
    assert "Sambutan" in welcome.title
    assert welcome.content is not None
    assert welcome.content.media_type.startswith("video/")
    assert welcome.url is not None


def test_one_policy_material_and_four_learning_materials() -> None:
    assert [m.kind for m in PACKAGE.materials] == [MaterialKind.POLICY] + [
        MaterialKind.LEARNING
    ] * 4
    titles = [m.title for m in PACKAGE.materials]
    assert titles[0] == "Kebijakan Pengembangan Kompetensi ASN"
    for word in ("Bela Negara", "BerAKHLAK", "Smart Governance", "Pelayanan Publik"):
        assert sum(word in title for title in titles) == 1, word
    for material in PACKAGE.materials:
        assert 2 <= len(material.sub_materials) <= 3
    assert {len(m.sub_materials) for m in PACKAGE.materials} == {2, 3}


def test_every_sub_material_has_module_video_and_practice() -> None:
    for material in PACKAGE.materials:
        for sub in material.sub_materials:
            by_kind = Counter(a.kind for a in sub.activities)
            assert by_kind[ActivityKind.VIDEO] == 1, sub.id
            assert by_kind[ActivityKind.READING] == 1, sub.id
            assert by_kind[ActivityKind.PRACTICE_QUIZ] == 1, sub.id
            assert by_kind[ActivityKind.REFLECTION] <= 1, sub.id
    assert set(kinds(PACKAGE)) == set(ActivityKind)


def test_videos_have_a_clip_and_a_link_that_never_resolves() -> None:
    videos = [PACKAGE.welcome_video] + [
        a for _, a in PACKAGE.activities() if a.kind is ActivityKind.VIDEO
    ]
    assert len(videos) == 13
    for video in videos:
        assert video.content is not None, video.id
        assert video.content.media_type in ("video/mp4", "video/webm")
        assert video.url is not None, video.id
        parts = urlsplit(video.url)
        assert parts.scheme == "https"
        assert parts.hostname is not None
        assert parts.hostname.endswith(".invalid"), video.url  # RFC 6761: never resolves


def test_readings_are_modules_one_of_them_a_pdf() -> None:
    readings = [a for _, a in PACKAGE.activities() if a.kind is ActivityKind.READING]
    types = Counter(a.content.media_type for a in readings if a.content is not None)
    assert sum(types.values()) == len(readings) == 12
    assert types["application/pdf"] >= 1
    assert types["text/html"] >= 1
    assert set(types) == {"application/pdf", "text/html"}


def test_html_modules_are_indonesian_utf8_with_the_sub_material_title() -> None:
    for material in PACKAGE.materials:
        for sub in material.sub_materials:
            reading = next(a for a in sub.activities if a.kind is ActivityKind.READING)
            assert reading.content is not None
            if reading.content.media_type != "text/html":
                continue
            text = (demo.content_dir() / reading.content.name).read_text(encoding="utf-8")
            assert '<html lang="id">' in text
            assert '<meta charset="utf-8">' in text
            assert f"<h1>{sub.title}</h1>" in text
            assert "<script" not in text
            assert "http" not in text  # self-contained: no remote resources


def test_pdf_module_is_a_pdf_and_renders_byte_stable() -> None:
    rendered = demo.rendered_pdf_modules()
    assert rendered
    again = demo.rendered_pdf_modules()
    for name, data in rendered.items():
        assert data == again[name]  # invariant=1: no dates, no random ids
        committed = (demo.content_dir() / name).read_bytes()
        assert committed.startswith(b"%PDF-")
        # reportlab is pinned exactly, so the committed PDF is what the builder renders
        assert data == committed, name


def test_practice_quizzes_have_3_to_5_keyed_questions() -> None:
    quizzes = [a for _, a in PACKAGE.activities() if a.kind is ActivityKind.PRACTICE_QUIZ]
    assert len(quizzes) == 12
    for quiz in quizzes:
        assert 3 <= len(quiz.questions) <= 5, quiz.id
        assert quiz.trophies >= 1
        for question in quiz.questions:
            assert question.answer in {c.id for c in question.choices}
            assert len(question.choices) == 4
    assert {len(q.questions) for q in quizzes} == {3, 4, 5}


def test_reflections_have_prompts_and_some_activities_are_optional() -> None:
    reflections = [a for _, a in PACKAGE.activities() if a.kind is ActivityKind.REFLECTION]
    assert reflections
    for reflection in reflections:
        assert reflection.prompt
        assert reflection.prompt.rstrip().endswith(("?", "."))
    optional = [a for _, a in PACKAGE.activities() if not a.required]
    assert optional
    assert all(a.trophies > 0 for a in optional)  # doing one can make up the 32


def test_evaluation_draws_20_of_200_four_choice_keyed_questions_in_30_minutes() -> None:
    evaluation = PACKAGE.evaluation
    assert evaluation.time_limit_seconds == 1800
    assert evaluation.questions_per_attempt == 20
    assert len(evaluation.questions) == 200
    assert [q.id for q in evaluation.questions] == [f"ev-{n:03d}" for n in range(1, 201)]
    assert len({q.text for q in evaluation.questions}) == 200
    for question in evaluation.questions:
        assert len(question.choices) == 4
        assert question.answer in {c.id for c in question.choices}
        assert len({c.text for c in question.choices}) == 4
    # the keys are spread over the choices, not always the same letter
    assert set(Counter(q.answer for q in evaluation.questions).values()) == {50}
    served = PACKAGE.without_evaluation_keys()
    assert all(q.answer is None for q in served.evaluation.questions)


def test_each_attempt_shows_its_own_20_questions() -> None:
    """Two seeds draw different questions; the raw score is over the 20 drawn."""
    first, second = (
        drawn_questions(PACKAGE.evaluation, SEED_A),
        drawn_questions(PACKAGE.evaluation, SEED_B),
    )
    assert len(first) == len(second) == 20
    assert {q.id for q in first} != {q.id for q in second}
    assert raw_score(19, len(first)) == Decimal("95.00")


# --------------------------------------------------------------------------------------
# Content files


def test_every_reference_exists_with_matching_sha256_and_size() -> None:
    refs = demo.content_refs(PACKAGE)
    assert len(refs) == 25  # 13 clips + 12 modules
    for ref in refs:
        path = demo.content_dir() / ref.name
        assert path.parent == demo.content_dir(), ref.name
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == ref.sha256, ref.name
        assert len(data) == ref.size, ref.name
    assert demo.content_problems(PACKAGE) == []


def test_every_content_file_is_referenced() -> None:
    on_disk = {path.name for path in demo.content_dir().iterdir()}
    referenced = {ref.name for ref in demo.content_refs(PACKAGE)}
    assert on_disk == referenced
    assert len({ref.sha256 for ref in demo.content_refs(PACKAGE)}) == len(referenced)
    assert set(demo.content_files(PACKAGE).values()) == {
        demo.content_dir() / name for name in referenced
    }


def test_clips_are_small_h264_mp4_and_vp8_vp9_webm() -> None:
    clips = [ref for ref in demo.content_refs(PACKAGE) if ref.media_type.startswith("video/")]
    codecs: set[str] = set()
    for ref in clips:
        data = (demo.content_dir() / ref.name).read_bytes()
        if ref.media_type == "video/mp4":
            assert data[4:8] == b"ftyp", ref.name
            assert b"avc1" in data, ref.name
            codecs.add("h264")
        else:
            assert data[:4] == b"\x1a\x45\xdf\xa3", ref.name  # EBML (Matroska/WebM)
            assert b"webm" in data[:64], ref.name
            codecs |= {codec for codec in ("V_VP8", "V_VP9") if codec.encode() in data}
        if ref.name != demo.LARGE_CLIP:
            assert ref.size < 100_000, ref.name
    assert codecs == {"h264", "V_VP8", "V_VP9"}


def test_one_clip_of_about_one_megabyte_for_download_and_resume() -> None:
    large = demo.large_clip()
    assert 1024 * 1024 <= large.size <= 1_250_000
    video = PACKAGE.activity("kebijakan-1-video")
    assert video is not None
    assert video.content == large
    big = [r for r in demo.content_refs(PACKAGE) if r.size >= 1024 * 1024]
    assert big == [large]


def test_the_demo_course_stays_small() -> None:
    total = sum(p.stat().st_size for p in demo.demo_dir().rglob("*") if p.is_file())
    assert total < MAX_DEMO_BYTES


# --------------------------------------------------------------------------------------
# Trophies through the progress function, following the README's recipes


def events(steps: Iterable[recipes.Step]) -> list[JournalEvent]:
    out: list[JournalEvent] = []
    for step in steps:
        if step.activity_id == PACKAGE.welcome_video.id:
            out.append(f.welcome())
        elif step.correct is None:
            out.append(f.completed(step.activity_id))
        else:
            quiz = PACKAGE.activity(step.activity_id)
            assert quiz is not None
            assert quiz.kind is ActivityKind.PRACTICE_QUIZ
            out.append(f.practice(step.activity_id, step.correct, total=len(quiz.questions)))
    return out


def view(recipe: str, *, standing: Standing | None = None) -> Progress:
    return progress(PACKAGE, standing or Standing(), events(recipes.recipe_steps(recipe)))


def one_good_attempt() -> GradedAttempt:
    return f.graded(1, "80")


@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_recipe_reaches_its_trophies_through_progress(name: str) -> None:
    recipe = recipes.RECIPES[name]
    shown = view(name, standing=Standing(attempts=[one_good_attempt()]))
    assert shown.trophies == recipe.trophies
    assert shown.complete is recipe.complete
    assert shown.evaluation.unlocked is recipe.unlocked
    assert shown.passed is recipe.enough_to_pass
    assert recipes.simulate(PACKAGE, recipes.recipe_steps(name)) == (
        recipe.trophies,
        recipe.complete,
    )


def test_27_keeps_the_evaluation_locked_then_28_unlocks_it() -> None:
    at_27 = view("27")
    assert at_27.trophies == 27
    assert not at_27.evaluation.unlocked
    assert at_27.evaluation.reason.code is Code.EVALUATION_LOCKED_TROPHIES
    assert at_27.evaluation.reason.params == {"trophies": 27, "needed": 28, "missing": 1}
    at_28 = view("28")
    assert at_28.trophies == 28
    assert at_28.evaluation.unlocked
    assert at_28.evaluation.reason.code is Code.EVALUATION_UNLOCKED
    # only activity completions so far: no practice quiz was needed
    assert all(step.correct is None for step in recipes.recipe_steps("28"))


def test_every_required_activity_done_with_31_trophies_does_not_pass() -> None:
    shown = view("31", standing=Standing(attempts=[f.graded(1, "90")]))
    assert shown.complete
    assert shown.trophies == 31
    assert not shown.passed
    assert [m.code for m in shown.checklist] == [Code.CHECKLIST_TROPHIES_BELOW_PASS]
    assert shown.checklist[0].params == {"trophies": 31, "needed": 32}


def test_every_required_activity_done_with_the_lowest_scores_gives_29() -> None:
    steps = [
        recipes.Step(s.activity_id, 0) if s.correct is not None else s
        for s in recipes.recipe_steps("31")
    ]
    shown = progress(PACKAGE, Standing(), events(steps))
    assert shown.complete
    assert shown.trophies == 29


@pytest.mark.parametrize("name", ["32-optional", "32-retake"])
def test_32_by_an_optional_activity_or_a_retake_passes(name: str) -> None:
    shown = view(name, standing=Standing(attempts=[f.graded(1, "65.00")]))
    assert shown.trophies == 32
    assert shown.complete
    assert shown.passed
    # the same 32 without a graded attempt: the checklist names only the evaluation
    shown = view(name)
    assert [m.code for m in shown.checklist] == [Code.CHECKLIST_NO_GRADED_ATTEMPT]


def test_retake_counts_the_best_score() -> None:
    steps = recipes.recipe_steps("32-retake")
    retake = steps[-1]
    assert retake.activity_id in [s.activity_id for s in steps[:-1]]  # taken before, low
    worse_again = [*steps, recipes.Step(retake.activity_id, 0)]
    assert progress(PACKAGE, Standing(), events(worse_again)).trophies == 32


def test_everything_gives_50() -> None:
    steps = recipes.recipe_steps("50")
    done = {s.activity_id for s in steps}
    assert done == {PACKAGE.welcome_video.id} | {a.id for _, a in PACKAGE.activities()}
    assert view("50").trophies == 50


def test_recipes_agree_with_the_package() -> None:
    """The quiz sizes they assume, their totals by their own count, unlocked and passed."""
    assert recipes.recipe_problems(PACKAGE) == []


def test_readme_documents_every_recipe() -> None:
    readme = (demo.demo_dir() / "README.md").read_text(encoding="utf-8")
    assert recipes.recipes_markdown(PACKAGE) in readme
    assert recipes.main(["--check"]) == 0
    for name, recipe in recipes.RECIPES.items():
        assert f"#### `{name}`" in readme
        assert f"**{recipe.trophies} trophies**" in readme
        for step in recipe.own_steps():
            assert f"`{step.activity_id}`" in readme


# --------------------------------------------------------------------------------------
# The test variant: all 200 questions in each attempt, no daily limit


def test_variant_200_gives_exact_raw_scores() -> None:
    variant = demo.build_variant_200()
    assert package_problems(variant) == []
    assert (variant.course_id, variant.version) == (PACKAGE.course_id, PACKAGE.version)
    assert variant.materials == PACKAGE.materials
    assert variant.evaluation.questions == PACKAGE.evaluation.questions  # the same bank
    assert variant.evaluation.questions_per_attempt is None  # every question, each attempt
    assert variant.rules.max_graded_per_day is None  # graded at once, however many a day
    assert variant.rules.model_copy(update={"max_graded_per_day": 5}) == PACKAGE.rules
    questions = variant.evaluation.questions
    assert len(questions) == 200
    assert len({q.id for q in questions}) == 200
    assert len(set(Counter(q.answer for q in questions).values())) == 1  # 50 per letter
    right = {q.id: q.answer for q in questions[:191]}
    wrong = {q.id: next(c.id for c in q.choices if c.id != q.answer) for q in questions[191:]}
    answers = {**right, **wrong}
    correct = sum(answers[q.id] == q.answer for q in questions)
    assert correct == 191
    assert raw_score(correct, len(questions)) == Decimal("95.50")
    assert demo.load_package(demo.package_200_path()) == variant


def test_the_bank_rotation_keeps_each_key_on_its_text() -> None:
    authored = demo.load_sources()["evaluation"]["questions"]
    base = {item["text"]: item for item in authored}
    assert len(authored) == 20
    for number, question in enumerate(PACKAGE.evaluation.questions, start=1):
        text, suffix = question.text.rsplit(" (butir ", 1)
        assert suffix == f"{number})"
        original = base[text]
        key_text = original["choices"]["abcde".index(original["answer"])]
        assert next(c.text for c in question.choices if c.id == question.answer) == key_text


# --------------------------------------------------------------------------------------
# Demo participants


def test_participants_have_valid_matching_nip_and_nik() -> None:
    rows = demo.participants()
    assert len(rows) >= 3
    assert all(list(row) == ["nip", "nik", "name", "agency", "course"] for row in rows)
    assert len({r["nip"] for r in rows}) == len({r["nik"] for r in rows}) == len(rows)
    women = 0
    for row in rows:
        nip, nik = parse_nip(row["nip"]), parse_nik(row["nik"])
        assert identity_warnings(nip, nik) == [], row["name"]
        gender_digit = row["nip"][14]
        assert gender_digit in "12"
        assert (gender_digit == "2") is nik.female, row["name"]
        women += nik.female
        if nik.female:
            assert int(row["nik"][6:8]) == nip.birth_date.day + 40
        assert row["course"] == PACKAGE.course_id
        assert row["name"].strip()
        assert row["agency"].strip()
    assert women >= 1
    assert demo.participant_problems(PACKAGE) == []
