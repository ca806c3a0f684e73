"""The application status machine and the quarter rule, as plain functions."""

from datetime import date

import pytest

from ansinh.applications.models import ApplicationStatus as S
from ansinh.applications.rules import (
    citizen_may_withdraw,
    facility_change_date,
    next_quarter_start,
    staff_may_move,
)
from ansinh.applications.service import voluntary_quote
from ansinh.core.errors import InvalidInput

EVERY_STATUS = list(S)
STAFF_MOVES = {
    (S.SUBMITTED, S.IN_REVIEW),
    (S.SUBMITTED, S.REJECTED),
    (S.IN_REVIEW, S.APPROVED),
    (S.IN_REVIEW, S.REJECTED),
    (S.APPROVED, S.DONE),
}


@pytest.mark.parametrize("current", EVERY_STATUS)
@pytest.mark.parametrize("target", EVERY_STATUS)
def test_staff_may_make_only_the_forward_moves_of_the_timeline(current: S, target: S) -> None:
    assert staff_may_move(current, target) is ((current, target) in STAFF_MOVES)


@pytest.mark.parametrize("current", EVERY_STATUS)
def test_a_citizen_may_withdraw_only_until_a_decision(current: S) -> None:
    assert citizen_may_withdraw(current) is (current in (S.SUBMITTED, S.IN_REVIEW))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), date(2026, 4, 1)),
        (date(2026, 3, 31), date(2026, 4, 1)),
        (date(2026, 4, 1), date(2026, 7, 1)),
        (date(2026, 9, 30), date(2026, 10, 1)),
        (date(2026, 10, 1), date(2027, 1, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_a_facility_change_waits_for_the_next_quarter(day: date, expected: date) -> None:
    assert next_quarter_start(day) == expected


def test_a_decision_after_the_planned_quarter_moves_the_change_to_the_quarter_after() -> None:
    assert facility_change_date(filed_on=date(2026, 11, 26), decided_on=date(2026, 12, 2)) == date(2027, 1, 1)
    assert facility_change_date(filed_on=date(2026, 11, 26), decided_on=date(2027, 1, 1)) == date(2027, 4, 1)


@pytest.mark.parametrize(
    ("category", "support", "you_pay"),
    [
        ("poor", 165_000, 165_000),
        ("near_poor", 132_000, 198_000),
        ("ethnic_minority", 99_000, 231_000),
        ("other", 66_000, 264_000),
    ],
)
def test_the_voluntary_quote_at_the_poverty_line_follows_decree_159(category: str, support: int, you_pay: int) -> None:
    quote = voluntary_quote(monthly_income=1_500_000, category=category, on=date(2026, 11, 1))
    assert (quote.contribution, quote.state_support, quote.you_pay) == (330_000, support, you_pay)
    assert quote.rate_percent == "22"


def test_from_2027_the_new_rural_poverty_line_is_the_floor() -> None:
    with pytest.raises(InvalidInput):
        voluntary_quote(monthly_income=1_500_000, category="other", on=date(2027, 1, 1))
    assert voluntary_quote(monthly_income=2_200_000, category="other", on=date(2027, 1, 1)).contribution == 484_000
