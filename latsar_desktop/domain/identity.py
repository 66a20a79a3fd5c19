"""NIP (18-digit civil-servant number, the username) and NIK (16-digit population
number, the password): shape checks only. The server decides whether they match.

NIP layout: ``YYYYMMDD`` birth date, ``YYYYMM`` appointment, one gender digit, three
sequence digits. NIK layout: six region digits, ``DDMMYY`` birth date (women add 40 to
the day), four sequence digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from latsar_desktop.domain.messages import Code, DomainError, Message, msg

NIP_LENGTH = 18
NIK_LENGTH = 16
_SEPARATORS = re.compile(r"[\s.]+")


def normalize(text: str) -> str:
    """Remove the spaces and dots people type to group the digits."""
    return _SEPARATORS.sub("", text)


def group_nip(nip: str) -> str:
    """An 18-digit NIP grouped as it is printed on civil-service papers: birth date,
    appointment month, gender, sequence (``19900514 202601 1 901``); any other text as
    it is. ``normalize`` reads it back."""
    if len(nip) != NIP_LENGTH or not nip.isdigit():
        return nip
    return f"{nip[0:8]} {nip[8:14]} {nip[14]} {nip[15:18]}"


def _digits(text: str, expected: int, empty: Code, not_digits: Code, wrong_length: Code) -> str:
    value = normalize(text)
    if not value:
        raise DomainError(msg(empty))
    for position, char in enumerate(value, start=1):
        if not ("0" <= char <= "9"):
            raise DomainError(msg(not_digits, char=char, position=position))
    if len(value) != expected:
        raise DomainError(msg(wrong_length, length=len(value), expected=expected))
    return value


@dataclass(frozen=True)
class Nip:
    value: str
    birth_date: date

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Nik:
    value: str
    birth_day: int
    birth_month: int
    birth_year_2: int
    female: bool

    def __str__(self) -> str:
        return self.value

    def matches_year(self, year: int) -> bool:
        return year % 100 == self.birth_year_2


def parse_nip(text: str) -> Nip:
    """Parse a NIP or raise :class:`DomainError` with one specific code."""
    value = _digits(text, NIP_LENGTH, Code.NIP_EMPTY, Code.NIP_NOT_DIGITS, Code.NIP_WRONG_LENGTH)
    year, month, day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    try:
        born = date(year, month, day)
    except ValueError:
        born = None
    if born is None or not (1900 <= year <= 2100):
        raise DomainError(
            msg(Code.NIP_INVALID_BIRTH_DATE, day=value[6:8], month=value[4:6], year=value[0:4])
        )
    return Nip(value, born)


def parse_nik(text: str) -> Nik:
    """Parse a NIK or raise :class:`DomainError` with one specific code."""
    value = _digits(text, NIK_LENGTH, Code.NIK_EMPTY, Code.NIK_NOT_DIGITS, Code.NIK_WRONG_LENGTH)
    raw_day, month, year_2 = int(value[6:8]), int(value[8:10]), int(value[10:12])
    female = raw_day > 40
    day = raw_day - 40 if female else raw_day
    if not _day_exists(day, month, year_2):
        raise DomainError(
            msg(Code.NIK_INVALID_BIRTH_DATE, day=value[6:8], month=value[8:10], year=value[10:12])
        )
    return Nik(value, day, month, year_2, female)


def _day_exists(day: int, month: int, year_2: int) -> bool:
    """True when DD-MM exists in some year ending in ``year_2`` (29 Feb needs a leap year)."""
    for century in (1900, 2000):
        try:
            date(century + year_2, month, day)
        except ValueError:
            continue
        return True
    return False


def identity_warnings(nip: Nip, nik: Nik) -> list[Message]:
    """Warnings (not errors) about a NIP/NIK pair: the server has the final word."""
    born = nip.birth_date
    if (born.day, born.month) != (nik.birth_day, nik.birth_month) or not nik.matches_year(
        born.year
    ):
        return [
            msg(
                Code.IDENTITY_BIRTH_DATE_MISMATCH,
                nip_date=born,
                nik_date=f"{nik.birth_day:02d}-{nik.birth_month:02d}-{nik.birth_year_2:02d}",
            )
        ]
    return []
