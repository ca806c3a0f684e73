"""Household HI pricing: the published amounts for 1–7 members at every base salary, and coverage dates."""

from datetime import date

import pytest

from ansinh.households.billing import Payable, add_months_to_date, coverage, price

# Monthly household HI per member, by enrolment order, as published (4.5% × base salary × 1, 0.7, 0.6, 0.5,
# then 0.4 from the 5th). Literal figures: never recomputed here with the formula under test.
PUBLISHED_MONTHLY = {
    # Nghị định 38/2019: 1,490,000 from 2019-07-01
    date(2019, 7, 1): (1_490_000, [67_050, 46_935, 40_230, 33_525, 26_820, 26_820, 26_820]),
    # Nghị định 24/2023: 1,800,000 from 2023-07-01
    date(2023, 7, 1): (1_800_000, [81_000, 56_700, 48_600, 40_500, 32_400, 32_400, 32_400]),
    # Nghị định 73/2024: 2,340,000 from 2024-07-01
    date(2024, 7, 1): (2_340_000, [105_300, 73_710, 63_180, 52_650, 42_120, 42_120, 42_120]),
    # 2,530,000 from 2026-07-01 (DESIGN.md; Decree 161/2026)
    date(2026, 7, 1): (2_530_000, [113_850, 79_695, 68_310, 56_925, 45_540, 45_540, 45_540]),
}


def members(count: int) -> list[Payable]:
    return [Payable(i, 100 + i, f"Thành viên {i}", enrolment_order=i, paid_until=None) for i in range(1, count + 1)]


@pytest.mark.parametrize("effective_from", sorted(PUBLISHED_MONTHLY), ids=str)
@pytest.mark.parametrize("count", range(1, 8))
def test_published_amounts_for_one_to_seven_members(effective_from: date, count: int) -> None:
    base_salary, monthly = PUBLISHED_MONTHLY[effective_from]
    for on in (effective_from, date(effective_from.year, 12, 31)):
        quote = price(members(count), months=3, on=on)
        assert quote.base_salary == base_salary
        assert quote.base_salary_effective_from == effective_from
        assert [line.monthly_amount for line in quote.lines] == monthly[:count]
        assert [line.amount for line in quote.lines] == [3 * m for m in monthly[:count]]
        assert quote.total == 3 * sum(monthly[:count])


def test_the_day_before_a_raise_uses_the_old_base_salary() -> None:
    assert price(members(1), months=12, on=date(2026, 6, 30)).lines[0].monthly_amount == 105_300
    assert price(members(1), months=12, on=date(2026, 7, 1)).lines[0].monthly_amount == 113_850


def test_order_is_among_the_members_paid_for_by_enrolment_order() -> None:
    chosen = [
        Payable(7, 107, "Bà", enrolment_order=9, paid_until=None),
        Payable(3, 103, "Con", enrolment_order=4, paid_until=None),
    ]
    quote = price(chosen, months=6, on=date(2026, 11, 25))
    assert [(line.member_id, line.order, line.factor) for line in quote.lines] == [(3, 1, 1.0), (7, 2, 0.7)]
    assert [line.amount for line in quote.lines] == [683_100, 478_170]  # 113,850 × 6 and 79,695 × 6
    assert quote.rate_percent == "4.5"


@pytest.mark.parametrize(
    ("paid_until", "months", "on", "expected"),
    [
        (None, 12, date(2026, 11, 25), (date(2026, 11, 25), date(2027, 11, 24))),
        (date(2026, 12, 31), 12, date(2026, 11, 25), (date(2027, 1, 1), date(2027, 12, 31))),
        (date(2026, 12, 31), 3, date(2026, 11, 25), (date(2027, 1, 1), date(2027, 3, 31))),
        (date(2026, 3, 31), 6, date(2026, 11, 25), (date(2026, 11, 25), date(2027, 5, 24))),  # lapsed: from today
        (None, 3, date(2026, 11, 30), (date(2026, 11, 30), date(2027, 2, 27))),  # 28 February: day clamped
    ],
)
def test_coverage_continues_the_card_or_starts_today(
    paid_until: date | None, months: int, on: date, expected: tuple[date, date]
) -> None:
    assert coverage(paid_until, months, on) == expected


def test_adding_months_clamps_to_the_end_of_short_months() -> None:
    assert add_months_to_date(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months_to_date(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months_to_date(date(2026, 12, 15), 12) == date(2027, 12, 15)
    assert add_months_to_date(date(2026, 11, 30), 3) == date(2027, 2, 28)
