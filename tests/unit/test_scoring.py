from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from latsar_desktop.domain.course import cap_table_problems
from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.protocol import CapBand
from latsar_desktop.domain.scoring import cap_for_attempt, capped_score, final_score, raw_score


@pytest.mark.parametrize(
    ("number", "cap"),
    [
        (1, "100.00"),
        (3, "100.00"),
        (4, "90.01"),
        (5, "90.01"),
        (6, "80.01"),
        (7, "70.01"),
        (50, "70.01"),
    ],
)
def test_default_caps_at_each_boundary(number: int, cap: str) -> None:
    assert cap_for_attempt(number) == Decimal(cap)


def test_attempt_zero_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        cap_for_attempt(0)
    assert info.value.message.code is Code.SCORE_BAD_ATTEMPT_NUMBER


def test_raw_score_rounds_half_up() -> None:
    assert raw_score(191, 200) == Decimal("95.50")
    assert raw_score(1, 3) == Decimal("33.33")
    assert raw_score(2, 3) == Decimal("66.67")
    assert raw_score(1, 8) == Decimal("12.50")
    assert raw_score(1, 16) == Decimal("6.25")
    assert raw_score(1, 32) == Decimal("3.13")  # 3.125 rounds up, not to even
    assert raw_score(0, 20) == Decimal("0.00")
    assert raw_score(20, 20) == Decimal("100.00")


def test_raw_score_without_questions() -> None:
    with pytest.raises(DomainError) as info:
        raw_score(0, 0)
    assert info.value.message.code is Code.SCORE_NO_QUESTIONS


def test_raw_95_5_on_attempt_4_scores_exactly_90_01() -> None:
    score = capped_score(raw_score(191, 200), 4)
    assert score == Decimal("90.01")
    assert str(score) == "90.01"


def test_later_worse_attempt_does_not_lower_final_score() -> None:
    scores = [capped_score(Decimal("80"), 1), capped_score(Decimal("60"), 2)]
    assert final_score(scores) == Decimal("80.00")
    assert final_score([]) is None


# --- property tests over generated valid cap tables -----------------------------------

caps = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)


@st.composite
def cap_tables(draw: st.DrawFn) -> list[CapBand]:
    widths = draw(st.lists(st.integers(1, 5), min_size=0, max_size=6))
    values = sorted(
        draw(st.lists(caps, min_size=len(widths) + 1, max_size=len(widths) + 1)), reverse=True
    )
    table, first = [], 1
    for width, cap in zip(widths, values, strict=False):
        table.append(CapBand(first_attempt=first, last_attempt=first + width - 1, cap=cap))
        first += width
    table.append(CapBand(first_attempt=first, last_attempt=None, cap=values[-1]))
    return table


scores = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@given(cap_tables())
def test_generated_tables_are_valid(table: list[CapBand]) -> None:
    assert cap_table_problems(table) == []


@given(cap_tables(), scores, st.integers(1, 60))
def test_capped_score_never_exceeds_its_cap(table: list[CapBand], raw: Decimal, n: int) -> None:
    assert capped_score(raw, n, table) <= cap_for_attempt(n, table)
    assert capped_score(raw, n, table) <= raw


@given(cap_tables(), st.integers(1, 60))
def test_cap_never_rises_with_n(table: list[CapBand], n: int) -> None:
    assert cap_for_attempt(n + 1, table) <= cap_for_attempt(n, table)


@given(cap_tables(), st.lists(scores, min_size=1, max_size=12))
def test_final_is_max_of_capped(table: list[CapBand], raws: list[Decimal]) -> None:
    capped = [capped_score(raw, n, table) for n, raw in enumerate(raws, start=1)]
    assert final_score(capped) == max(capped)
    # and adding a worse attempt never lowers it
    assert final_score([*capped, Decimal(0)]) == final_score(capped)
