from __future__ import annotations

import json
from decimal import Decimal

import pytest

from latsar_desktop.domain.course import cap_table_problems, package_problems, parse_package
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.protocol import CapBand, CoursePackage
from latsar_desktop.i18n import translate
from tests import factories


def codes_of(data: dict) -> list[Code]:
    with pytest.raises(DomainError) as info:
        parse_package(data)
    return [m.code for m in info.value.messages]


def test_synthetic_package_is_valid() -> None:
    package = parse_package(factories.package_dict())
    assert package_problems(package) == []
    assert sum(a.trophies for _, a in package.activities()) == 50
    assert parse_package(package.model_dump_json()) == package


def test_trophy_total_must_equal_maximum() -> None:
    data = factories.package_dict()
    data["materials"][1]["sub_materials"][0]["activities"][0]["trophies"] = 3
    assert codes_of(data) == [Code.COURSE_TROPHY_TOTAL_MISMATCH]


def test_duplicate_ids() -> None:
    data = factories.package_dict()
    data["materials"][2]["sub_materials"][0]["activities"][1]["id"] = "m1-video"
    assert Code.COURSE_DUPLICATE_ID in codes_of(data)


def test_threshold_above_maximum() -> None:
    assert codes_of(factories.package_dict(unlock_trophies=51, pass_trophies=52)) == [
        Code.COURSE_UNLOCK_ABOVE_MAXIMUM,
        Code.COURSE_PASS_ABOVE_MAXIMUM,
    ]
    assert codes_of(factories.package_dict(unlock_trophies=33)) == [Code.COURSE_UNLOCK_ABOVE_PASS]


def band(first: int, last: int | None, cap: str) -> CapBand:
    return CapBand(first_attempt=first, last_attempt=last, cap=Decimal(cap))


@pytest.mark.parametrize(
    ("table", "code"),
    [
        ([], Code.COURSE_CAP_TABLE_EMPTY),
        ([band(1, 3, "100"), band(5, None, "90")], Code.COURSE_CAP_TABLE_HOLE),
        ([band(2, None, "100")], Code.COURSE_CAP_TABLE_HOLE),
        ([band(1, 3, "100"), band(3, None, "90")], Code.COURSE_CAP_TABLE_OVERLAP),
        ([band(1, None, "100"), band(2, None, "90")], Code.COURSE_CAP_TABLE_OVERLAP),
        ([band(1, 3, "80"), band(4, None, "90")], Code.COURSE_CAP_TABLE_RISING),
        ([band(1, 3, "100"), band(4, 6, "90")], Code.COURSE_CAP_TABLE_NOT_OPEN_ENDED),
        ([band(1, None, "101")], Code.COURSE_CAP_OUT_OF_RANGE),
    ],
)
def test_bad_cap_tables(table: list[CapBand], code: Code) -> None:
    assert code in [m.code for m in cap_table_problems(table)]
    data = factories.package_dict(cap_table=[b.model_dump(mode="json") for b in table])
    assert code in codes_of(data)


def test_practice_quiz_keys_required() -> None:
    data = factories.package_dict()
    data["materials"][0]["sub_materials"][0]["activities"][2]["questions"][0]["answer"] = None
    assert codes_of(data) == [Code.COURSE_BAD_ANSWER_KEY]
    data["materials"][0]["sub_materials"][0]["activities"][2]["questions"][0]["answer"] = "z"
    assert codes_of(data) == [Code.COURSE_BAD_ANSWER_KEY]


def test_served_copy_has_no_evaluation_keys() -> None:
    package = factories.package()
    served = package.without_evaluation_keys()
    assert all(q.answer is None for q in served.evaluation.questions)
    assert all(q.answer == "a" for q in package.evaluation.questions)
    assert package_problems(served) == []


@pytest.mark.parametrize("language", ["id", "en"])
def test_malformed_package_names_the_fault(language: str) -> None:
    data = factories.package_dict()
    del data["materials"][3]["sub_materials"][0]["activities"][1]["trophies"]
    (code,) = codes_of(data)
    assert code is Code.COURSE_MALFORMED
    with pytest.raises(DomainError) as info:
        parse_package(json.dumps(data))
    text = translate(info.value.message, language)
    assert "materials.3.sub_materials.0.activities.1.trophies" in text


def test_round_trip_keeps_decimals_exact() -> None:
    package = factories.package(passing_score="65.00")
    dumped = package.model_dump_json()
    assert '"65.00"' in dumped
    assert CoursePackage.model_validate_json(dumped).rules.passing_score == Decimal("65.00")


def with_content(name: str, *, welcome: bool = False) -> dict:
    data = factories.package_dict()
    target = data["welcome_video"] if welcome else data["materials"][1]["sub_materials"][0]
    activity = target if welcome else target["activities"][1]
    activity["content"] = {
        "sha256": "ab" * 32,
        "size": 10,
        "media_type": "application/pdf",
        "name": name,
    }
    return data


@pytest.mark.parametrize(
    "name",
    [
        "../outside-secret.txt",
        "..",
        ".",
        "/etc/passwd",
        "sub/modul.pdf",
        "sub\\modul.pdf",
        "C:modul.pdf",
        "C:\\Windows\\win.ini",
        "\\\\server\\share\\modul.pdf",
        "modul..pdf",
        "",
        "modul\x00.pdf",
        "modul\n.pdf",
        "modul\x7f.pdf",
        " modul.pdf",
        "modul.pdf ",
        "a" * 252 + ".pdf",  # 256 bytes
        "é" * 128,  # 256 bytes in UTF-8
    ],
)
def test_content_names_must_be_plain_file_names(name: str) -> None:
    for welcome in (False, True):
        with pytest.raises(DomainError) as info:
            parse_package(with_content(name, welcome=welcome))
        (message,) = info.value.messages
        assert message.code is Code.COURSE_BAD_CONTENT_NAME
        assert message.params["id"] == ("welcome" if welcome else "m1-read")
        text = translate(message, "id")
        assert "harus satu nama berkas biasa" in text
        assert "\x00" not in text  # control characters are shown escaped
        assert "\n" not in text


@pytest.mark.parametrize(
    "name", ["modul-1.pdf", "Video Sambutan (final).mp4", "materi_é.html", "a" * 251 + ".pdf"]
)
def test_plain_content_names_are_accepted(name: str) -> None:
    package = parse_package(with_content(name))
    assert package_problems(package) == []
