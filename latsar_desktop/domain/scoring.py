"""Scores of the academic evaluation: raw score, the cap by attempt number, final score.

All values are exact ``Decimal`` with two places; no float ever touches a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.domain.protocol import DEFAULT_CAP_TABLE, CapBand

HUNDREDTH = Decimal("0.01")
HUNDRED = Decimal(100)


def quantize(value: Decimal) -> Decimal:
    """Round half-up to 0.01."""
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def raw_score(correct: int, total: int) -> Decimal:
    """100 × correct ÷ total, rounded half-up to 0.01."""
    if total <= 0:
        raise DomainError(msg(Code.SCORE_NO_QUESTIONS))
    if not 0 <= correct <= total:
        raise ValueError(f"correct={correct} outside 0..{total}")
    return quantize(HUNDRED * correct / total)


def cap_for_attempt(number: int, table: Sequence[CapBand] = DEFAULT_CAP_TABLE) -> Decimal:
    """The highest score attempt ``number`` (1-based) can earn."""
    if number < 1:
        raise DomainError(msg(Code.SCORE_BAD_ATTEMPT_NUMBER, number=number))
    for band in table:
        if band.first_attempt <= number and (
            band.last_attempt is None or number <= band.last_attempt
        ):
            return quantize(band.cap)
    raise DomainError(msg(Code.SCORE_BAD_ATTEMPT_NUMBER, number=number))


def capped_score(
    raw: Decimal, number: int, table: Sequence[CapBand] = DEFAULT_CAP_TABLE
) -> Decimal:
    """min(raw, cap(number))."""
    return min(quantize(raw), cap_for_attempt(number, table))


def final_score(scores: Iterable[Decimal]) -> Decimal | None:
    """The best (capped) score; None before any graded attempt."""
    return max(scores, default=None)


# The predicate printed on the certificate, by final score (lowest score of each band).
PREDICATE_BANDS: tuple[tuple[Decimal, Code], ...] = (
    (Decimal("90.01"), Code.PREDICATE_VERY_SATISFYING),
    (Decimal("80.01"), Code.PREDICATE_SATISFYING),
    (Decimal("70.01"), Code.PREDICATE_FAIRLY_SATISFYING),
    (Decimal("0"), Code.PREDICATE_UNSATISFYING),
)


def predicate_for(score: Decimal) -> Code:
    for lowest, code in PREDICATE_BANDS:
        if score >= lowest:
            return code
    return Code.PREDICATE_UNSATISFYING
