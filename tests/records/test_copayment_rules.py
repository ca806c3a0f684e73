"""The yearly co-payment cap, checked against the law's figures: each test names the text behind the number.

Luật BHYT 2008 (amended by Luật 46/2014/QH13) Điều 22 khoản 1 and Nghị định 146/2018/NĐ-CP Điều 14: the fund pays
100% for a person with 5 continuous years of cover whose co-payments in a calendar year are more than 6 months of base
salary. The base salary: 1,800,000 from 2023-07-01 (Nghị định 24/2023/NĐ-CP), 2,340,000 from 2024-07-01 (Nghị định
73/2024/NĐ-CP).
"""

from datetime import date

import pytest

from ansinh.records.rules import CoPayment, co_payment_cap, co_payment_year, continuous_years_reached
from ansinh.records.tables import CO_PAYMENT_CAP, in_force

COVERED_SINCE_2019 = date(2019, 3, 1)  # the card's date of 5 continuous years (ngayDu5Nam)


def paid(day: date, amount: int) -> CoPayment:
    return CoPayment(paid_on=day, amount=amount)


# --- the figures ---------------------------------------------------------------------------------------------------


def test_the_cap_is_six_months_of_the_base_salary_in_force_that_day() -> None:
    # 6 × 1,800,000 (Nghị định 24/2023) until 30 June 2024; 6 × 2,340,000 (Nghị định 73/2024) from 1 July 2024.
    assert co_payment_cap(date(2024, 6, 30)) == 10_800_000
    assert co_payment_cap(date(2024, 7, 1)) == 14_040_000
    # 6 × 1,490,000 (Nghị định 38/2019) in 2020.
    assert co_payment_cap(date(2020, 5, 1)) == 8_940_000


def test_each_period_cites_its_text() -> None:
    assert in_force(CO_PAYMENT_CAP, date(2016, 1, 1)).legal_basis.startswith("Luật BHYT 25/2008/QH12 sửa đổi bởi")
    decree_146 = in_force(CO_PAYMENT_CAP, date(2024, 7, 1))
    assert decree_146.version == "HI-Decree-146/2018"
    assert "Nghị định 146/2018/NĐ-CP Điều 14" in decree_146.legal_basis
    assert "Điều 22 khoản 1" in decree_146.legal_basis
    assert in_force(CO_PAYMENT_CAP, date(2025, 7, 1)).version == "HI-Decree-188/2025"
    for row in CO_PAYMENT_CAP.rows:  # the figures themselves never changed
        assert (row.base_salary_months, row.continuous_years) == (6, 5)


def test_five_continuous_years_are_read_from_the_cards_five_year_date() -> None:
    assert continuous_years_reached(date(2024, 5, 10), date(2024, 5, 10)) is True
    assert continuous_years_reached(date(2024, 5, 10), date(2024, 5, 9)) is False
    assert continuous_years_reached(None, date(2024, 5, 10)) is False


# --- a year of co-payments -----------------------------------------------------------------------------------------


def test_the_total_must_be_more_than_the_cap_not_equal_to_it() -> None:
    # "lớn hơn 06 tháng lương cơ sở": exactly 6 months is not enough.
    year = co_payment_year(
        [paid(date(2023, 9, 1), 10_800_000)], year=2023, five_year_date=COVERED_SINCE_2019, today=date(2026, 12, 7)
    )
    assert (year.total, year.cap, year.gap, year.reached_on, year.eligible_from) == (
        10_800_000,
        10_800_000,
        0,
        None,
        None,
    )
    passed = co_payment_year(
        [paid(date(2023, 9, 1), 10_800_001)], year=2023, five_year_date=COVERED_SINCE_2019, today=date(2026, 12, 7)
    )
    assert passed.reached_on == date(2023, 9, 1)
    assert passed.eligible_from == date(2023, 9, 1)


def test_a_year_across_the_base_salary_change_passed_before_it_stays_passed() -> None:
    # By 15 June 2024 the co-payments are 11,000,000 > 6 × 1,800,000 = 10,800,000, the cap in force that day. The
    # base salary rising to 2,340,000 on 1 July 2024 does not take back an exemption already earned.
    payments = [paid(date(2024, 2, 10), 6_000_000), paid(date(2024, 6, 15), 5_000_000), paid(date(2024, 9, 3), 400_000)]
    year = co_payment_year(payments, year=2024, five_year_date=COVERED_SINCE_2019, today=date(2026, 12, 7))
    assert year.total == 11_400_000
    assert year.payments == 3
    assert year.reached_on == date(2024, 6, 15)
    assert (year.cap, year.cap_on, year.base_salary) == (10_800_000, date(2024, 6, 15), 1_800_000)
    assert year.base_salary_from == date(2023, 7, 1)
    assert year.gap == 0
    assert year.five_years is True
    assert year.eligible_from == date(2024, 6, 15)
    assert year.rule_version == "HI-Decree-146/2018"
    assert "Nghị định 24/2023/NĐ-CP" in year.legal_basis


def test_a_year_across_the_base_salary_change_is_judged_payment_by_payment() -> None:
    # 10,000,000 by June is under the 10,800,000 then in force; the August payment brings 12,000,000, which would pass
    # the old cap but not the 14,040,000 (6 × 2,340,000, Nghị định 73/2024) in force when it was paid.
    payments = [paid(date(2024, 3, 1), 10_000_000), paid(date(2024, 8, 20), 2_000_000)]
    year = co_payment_year(payments, year=2024, five_year_date=COVERED_SINCE_2019, today=date(2026, 12, 7))
    assert year.total == 12_000_000
    assert year.reached_on is None
    assert (year.cap, year.cap_on, year.base_salary) == (14_040_000, date(2024, 12, 31), 2_340_000)
    assert year.gap == 2_040_000
    assert year.eligible_from is None
    # Another 2,040,001 in December passes it.
    later = co_payment_year(
        [*payments, paid(date(2024, 12, 2), 2_040_001)],
        year=2024,
        five_year_date=COVERED_SINCE_2019,
        today=date(2026, 12, 7),
    )
    assert later.reached_on == date(2024, 12, 2)
    assert later.cap == 14_040_000


def test_payments_of_one_day_are_weighed_together() -> None:
    same_day = [paid(date(2024, 10, 5), 8_000_000), paid(date(2024, 10, 5), 7_000_000)]
    year = co_payment_year(same_day, year=2024, five_year_date=COVERED_SINCE_2019, today=date(2026, 12, 7))
    assert (year.total, year.reached_on) == (15_000_000, date(2024, 10, 5))


def test_without_five_continuous_years_the_cap_passed_earns_nothing_yet() -> None:
    payments = [paid(date(2024, 3, 1), 15_000_000)]
    not_yet = co_payment_year(payments, year=2024, five_year_date=date(2025, 2, 1), today=date(2026, 12, 7))
    assert not_yet.reached_on == date(2024, 3, 1)
    assert (not_yet.five_years, not_yet.eligible_from) == (False, None)
    unknown = co_payment_year(payments, year=2024, five_year_date=None, today=date(2026, 12, 7))
    assert (unknown.five_years, unknown.eligible_from) == (False, None)


def test_five_years_reached_after_the_cap_start_the_exemption_that_day() -> None:
    payments = [paid(date(2024, 3, 1), 15_000_000)]
    year = co_payment_year(payments, year=2024, five_year_date=date(2024, 5, 10), today=date(2026, 12, 7))
    assert year.eligible_from == date(2024, 5, 10)


def test_only_the_calendar_years_payments_count() -> None:
    payments = [paid(date(2023, 12, 31), 9_000_000), paid(date(2024, 1, 1), 1_000), paid(date(2025, 1, 1), 9_000_000)]
    year = co_payment_year(payments, year=2024, five_year_date=COVERED_SINCE_2019, today=date(2026, 12, 7))
    assert (year.total, year.payments) == (1_000, 1)


def test_this_years_figures_are_as_of_today() -> None:
    today = date(2026, 5, 20)
    year = co_payment_year([paid(date(2026, 4, 2), 1_000_000)], year=2026, five_year_date=None, today=today)
    assert (year.on, year.cap_on) == (today, today)
    assert year.cap == 14_040_000  # 6 × 2,340,000: the 2,530,000 of 1 July 2026 is not yet in force
    assert year.gap == 13_040_000
    assert year.rule_version == "HI-Decree-188/2025"


@pytest.mark.parametrize("year", [2014, 2027])
def test_years_outside_the_rule_or_in_the_future_are_refused(year: int) -> None:
    with pytest.raises(ValueError, match="year must be from 2015 to 2026"):
        co_payment_year([], year=year, five_year_date=None, today=date(2026, 12, 7))


def test_a_negative_co_payment_is_refused() -> None:
    with pytest.raises(ValueError, match="co-payment must not be negative"):
        co_payment_year([paid(date(2024, 1, 2), -1)], year=2024, five_year_date=None, today=date(2026, 12, 7))
