from __future__ import annotations

from datetime import date

import pytest

from latsar_desktop.domain.identity import identity_warnings, parse_nik, parse_nip
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.i18n import translate

NIP = "199003152025061001"
NIK = "3201011503900001"


def error_of(func, text: str):
    with pytest.raises(DomainError) as info:
        func(text)
    return info.value.message


def test_valid_nip_with_spaces_and_dots() -> None:
    nip = parse_nip(" 19900315 202506.1.001 ")
    assert nip.value == NIP
    assert nip.birth_date == date(1990, 3, 15)


def test_valid_nik_man_and_woman() -> None:
    man = parse_nik(NIK)
    assert (man.birth_day, man.birth_month, man.birth_year_2, man.female) == (15, 3, 90, False)
    woman = parse_nik("3201 0155 0390 0002")
    assert (woman.birth_day, woman.female) == (15, True)


@pytest.mark.parametrize(
    ("func", "text", "code"),
    [
        (parse_nip, "", Code.NIP_EMPTY),
        (parse_nip, " . ", Code.NIP_EMPTY),
        (parse_nip, "19900315202506100", Code.NIP_WRONG_LENGTH),
        (parse_nip, "1990031520250610011", Code.NIP_WRONG_LENGTH),
        (parse_nip, "19900315202506100x", Code.NIP_NOT_DIGITS),
        (parse_nip, "199002312025061001", Code.NIP_INVALID_BIRTH_DATE),
        (parse_nip, "199013012025061001", Code.NIP_INVALID_BIRTH_DATE),
        (parse_nip, "199000002025061001", Code.NIP_INVALID_BIRTH_DATE),
        (parse_nik, "", Code.NIK_EMPTY),
        (parse_nik, "32010115039000O1", Code.NIK_NOT_DIGITS),
        (parse_nik, "320101150390001", Code.NIK_WRONG_LENGTH),
        (parse_nik, "3201017203900001", Code.NIK_INVALID_BIRTH_DATE),
        (parse_nik, "3201013503900001", Code.NIK_INVALID_BIRTH_DATE),  # day 35: neither rule
        (parse_nik, "3201013102900001", Code.NIK_INVALID_BIRTH_DATE),  # 31 February
        (parse_nik, "3201010013900001", Code.NIK_INVALID_BIRTH_DATE),  # month 13
    ],
)
def test_each_fault_has_its_code(func, text: str, code: Code) -> None:
    assert error_of(func, text).code is code


def test_leap_day_in_nik() -> None:
    assert parse_nik("3201012902000001").birth_day == 29  # 29-02-2000 exists
    assert parse_nik("3201016902000001").female


def test_birth_date_mismatch_is_a_warning() -> None:
    nip = parse_nip(NIP)
    assert identity_warnings(nip, parse_nik(NIK)) == []
    assert identity_warnings(nip, parse_nik("3201015503900002")) == []  # woman, same date
    (warning,) = identity_warnings(nip, parse_nik("3201011603900001"))
    assert warning.code is Code.IDENTITY_BIRTH_DATE_MISMATCH


# The bad-input acceptance cases: a specific code, and both texts name the problem.
@pytest.mark.parametrize(
    ("func", "text", "code", "must_mention"),
    [
        (parse_nip, "19900315202506100", Code.NIP_WRONG_LENGTH, ["17", "18"]),
        (parse_nik, "32010115O3900001", Code.NIK_NOT_DIGITS, ['"O"', "9"]),
        (parse_nip, "199002312025061001", Code.NIP_INVALID_BIRTH_DATE, ["31-02-1990"]),
        (parse_nik, "3201017203900001", Code.NIK_INVALID_BIRTH_DATE, ["72"]),
    ],
)
@pytest.mark.parametrize("language", ["id", "en"])
def test_bad_input_texts_name_the_problem(
    func, text: str, code: Code, must_mention: list[str], language: str
) -> None:
    message = error_of(func, text)
    assert message.code is code
    rendered = translate(message, language)
    for fragment in must_mention:
        assert fragment in rendered, rendered
    assert ("NIP" in rendered) == (func is parse_nip)
