"""The employer ledger's rules, each test citing the legal text it checks."""

from datetime import date

import pytest

from ansinh.cards.results import DECREASE_CODES
from ansinh.employers import rules
from ansinh.employers.rules import Due, Line, Settlement


def test_a_month_due_is_21_5_and_10_5_percent_of_the_salary_per_fund() -> None:
    # Luật BHXH 2024 Điều 33–34, Luật Việc làm Điều 57, Luật BHYT Điều 13: employer 14+3+0.5+1+3 = 21.5 %,
    # worker 8+1+1.5 = 10.5 % of the SI salary.
    due = rules.month_due(18_500_000, "2026-11", "I")
    assert (due.employer_total, due.employee_total) == (3_977_500, 1_942_500)
    assert due.amounts == {
        "RS": (2_590_000, 1_480_000),
        "SM": (555_000, 0),
        "OA": (92_500, 0),
        "UI": (185_000, 185_000),
        "HI": (555_000, 277_500),
    }


def test_salary_bounds_are_the_regional_minimum_and_20_base_salaries() -> None:
    # Decree 293/2025 (region I from 2026-01-01: 5,310,000); Luật BHXH 2024 Điều 31: cap 20 × the base salary
    # (Decree 161/2026: 2,530,000 from 2026-07-01; 2,340,000 before).
    assert rules.salary_bounds("I", "2026-11") == (5_310_000, 50_600_000)
    assert rules.salary_bounds("IV", "2026-03") == (3_700_000, 46_800_000)
    assert rules.salary_bounds("I", "2025-03") == (4_960_000, 46_800_000)


def test_a_month_is_due_by_the_last_day_of_the_next_month() -> None:
    assert rules.payment_deadline("2026-01") == date(2026, 2, 28)
    assert rules.payment_deadline("2026-11") == date(2026, 12, 31)
    assert rules.payment_deadline("2026-12") == date(2027, 1, 31)


def test_late_interest_is_0_03_percent_a_day_of_what_is_still_unpaid() -> None:
    # Luật BHXH 2024 (41/2024/QH15) Điều 40 khoản 1: 0.03 % a day of the amount paid late.
    assert rules.LATE_PAYMENT_INTEREST.in_force(date(2026, 1, 1)).daily_bp == 3
    month = "2026-09"  # due by 2026-10-31
    # 10,000,000 unpaid for the 10 days 2026-11-01 … 2026-11-10: 10,000,000 × 0.0003 × 10 = 30,000.
    assert rules.late_interest(10_000_000, month, [], date(2026, 11, 10)) == 30_000
    # Half paid on 2026-11-06: 5 days on 10,000,000 (15,000) + 5 days on 5,000,000 (7,500).
    half = [Settlement(date(2026, 11, 6), 5_000_000)]
    assert rules.late_interest(10_000_000, month, half, date(2026, 11, 10)) == 22_500
    # Paid in time: nothing; paid before the day asked about still stops the interest that day.
    assert rules.late_interest(10_000_000, month, [Settlement(date(2026, 10, 31), 10_000_000)], date(2027, 1, 1)) == 0
    assert (
        rules.late_interest(10_000_000, month, [Settlement(date(2026, 11, 2), 10_000_000)], date(2027, 1, 1)) == 3_000
    )


def test_late_interest_is_not_charged_for_days_before_the_2024_law() -> None:
    # The 0.03 %/day of the 2024 law applies from 2025-07-01; days before are not charged by this table.
    assert rules.late_interest(1_000_000, "2025-04", [], date(2025, 7, 2)) == 600  # 2 days × 300


def test_payments_go_to_the_oldest_month_first() -> None:
    dues = [Due("2026-10", 2, 100), Due("2026-09", 1, 100), Due("2026-09", 2, 100), Due("2026-10", 1, 100)]
    allocation = rules.allocate(dues, [(date(2026, 11, 5), 150), (date(2026, 11, 20), 100)])
    assert allocation.paid == {("2026-09", 1): 100, ("2026-09", 2): 100, ("2026-10", 1): 50, ("2026-10", 2): 0}
    assert allocation.settlements["2026-09"] == [Settlement(date(2026, 11, 5), 150), Settlement(date(2026, 11, 20), 50)]
    assert allocation.settlements["2026-10"] == [Settlement(date(2026, 11, 20), 50)]
    assert allocation.credit == 0
    assert rules.allocate(dues, [(date(2026, 12, 1), 450)]).credit == 50


def test_the_timeline_of_a_hire_a_raise_a_maternity_leave_and_a_leave() -> None:
    lines = [
        Line("hire", "2026-01", salary=10_000_000),
        Line("salary", "2026-04", salary=12_000_000),
        Line("suspend", "2026-06", "2026-07"),
        Line("leave", "2026-10"),
    ]
    months = rules.contribution_months(lines, "2026-11")
    assert months == {
        "2026-01": 10_000_000,
        "2026-02": 10_000_000,
        "2026-03": 10_000_000,
        "2026-04": 12_000_000,
        "2026-05": 12_000_000,
        "2026-08": 12_000_000,
        "2026-09": 12_000_000,
    }
    assert rules.contribution_months(lines, "2026-02") == {"2026-01": 10_000_000, "2026-02": 10_000_000}


@pytest.mark.parametrize(
    ("existing", "new", "expected"),
    [
        (
            [Line("hire", "2026-05", salary=1)],
            [Line("leave", "2026-03", row_no=4)],
            ("from_month", "leave-before-hire"),
        ),
        ([Line("hire", "2026-05", salary=1)], [Line("leave", "2026-05", row_no=4)], ("from_month", "overlapping")),
        ([], [Line("leave", "2026-05", row_no=4)], ("si_code", "not-employed")),
        (
            [Line("hire", "2026-01", salary=1)],
            [Line("hire", "2026-05", salary=1, row_no=4)],
            ("si_code", "overlapping"),
        ),
        ([], [Line("salary", "2026-05", salary=1, row_no=4)], ("si_code", "not-employed")),
        (
            [Line("hire", "2026-01", salary=1), Line("suspend", "2026-03", "2026-04")],
            [Line("suspend", "2026-04", "2026-05", row_no=4)],
            ("from_month", "overlapping"),
        ),
    ],
)
def test_lines_that_cannot_follow_what_is_declared(existing: list[Line], new: list[Line], expected: tuple) -> None:
    problems = rules.check_lines(existing, new)
    assert [(p.row, p.column, p.code) for p in problems] == [(4, *expected)]


def test_lines_of_one_upload_are_checked_against_each_other() -> None:
    new = [Line("leave", "2026-09", row_no=2), Line("hire", "2026-03", salary=1, row_no=1)]
    assert rules.check_lines([], new) == []
    again = [Line("hire", "2026-03", salary=1, row_no=1), Line("hire", "2026-03", salary=1, row_no=2)]
    assert [(p.row, p.code) for p in rules.check_lines([], again)] == [(2, "overlapping")]


def test_spans_group_equal_consecutive_months() -> None:
    months = [
        ("2026-09", 10, 2, 1, True),
        ("2026-10", 10, 2, 1, False),
        ("2026-11", 10, 2, 1, False),
        ("2026-08", 10, 2, 1, True),
    ]
    assert [(s.from_month, s.to_month, s.paid) for s in rules.spans(months)] == [
        ("2026-08", "2026-09", True),
        ("2026-10", "2026-11", False),
    ]


# --- coverage of declared workers (issue 24) -------------------------------------------------------------------------


def test_a_leave_covers_to_the_end_of_its_month_and_a_hire_from_the_first_day() -> None:
    assert rules.coverage_end("2026-11") == date(2026, 11, 30)
    assert rules.coverage_end("2028-02") == date(2028, 2, 29)  # a leap year
    assert rules.coverage_end("2026-12") == date(2026, 12, 31)
    assert rules.coverage_start("2026-12") == date(2026, 12, 1)
    # AnSinh's choice for a card issued or extended for a declared worker (not a published rule).
    assert rules.employee_card_valid_to("2026-12") == date(2027, 12, 31)


def test_each_leave_reason_answers_its_national_code() -> None:
    """CV 1923/BHXH-CNTT appendix 03: 121 moved out, 122 moved within the province, 124 stopped, else 120."""
    codes = {reason: DECREASE_CODES[card_reason].value for reason, card_reason in rules.DECREASE_REASON.items()}
    assert codes == {
        "moved_out_of_province": "121",
        "moved_within_province": "122",
        "stopped": "124",
        "retired": "120",
        "deceased": "120",
    }


def test_arrears_leave_the_card_in_force_and_the_notice_goes_from_the_first_of_the_month() -> None:
    """CARD_DURING_ARREARS (Luật BHXH 2024 Điều 40, the HI law as amended; unconfirmed, see rules.py)."""
    assert rules.card_in_force_during_arrears(date(2026, 12, 7)) is True
    assert rules.card_in_force_during_arrears(date(2020, 1, 1)) is True  # before the table: as its first row
    assert rules.arrears_notice_due(date(2026, 12, 1)) is True
