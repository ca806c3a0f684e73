"""The salary months behind the average: the latest months, whatever the overlap of concurrent jobs."""

import random

import pytest

from ansinh.core.time import add_months
from ansinh.records.service import PeriodRow, monthly_salaries


def period(
    first: str, months: int, salary: int, status: str = "paid", funds: tuple[str, ...] = ("RS", "HI")
) -> PeriodRow:
    return PeriodRow(
        from_month=first,
        to_month=add_months(first, months - 1),
        scheme="compulsory",
        salary_base=salary,
        funds=funds,
        employer_amount=0,
        employee_amount=0,
        status=status,
        employer_code="E1",
        employer_name="Cty",
        wage_region="I",
    )


def test_a_month_of_two_contracts_counts_once_with_the_first_contracts_salary() -> None:
    """Two contracts at once: SI and UI are paid on the one signed first (Luật BHXH 58/2014/QH13 Điều 85 khoản 4;
    Quyết định 595/QĐ-BHXH Điều 42 khoản 1), so a month counts once, with that contract's salary, never the sum."""
    history = [period("2019-09", 4, 2_000_000), period("1990-01", 360, 5_000_000), period("2020-03", 12, 1, "arrears")]
    assert monthly_salaries(history, last=6) == [
        ("2019-07", 5_000_000),
        ("2019-08", 5_000_000),
        ("2019-09", 5_000_000),
        ("2019-10", 5_000_000),
        ("2019-11", 5_000_000),
        ("2019-12", 5_000_000),
    ]
    # The later contract outlasting the first one counts from the month after the first one ended.
    history = [period("2019-10", 6, 9_000_000), period("2019-01", 10, 4_000_000)]
    assert monthly_salaries(history)[8:11] == [("2019-09", 4_000_000), ("2019-10", 4_000_000), ("2019-11", 9_000_000)]


@pytest.mark.parametrize("seed", range(40))
def test_the_latest_months_are_the_tail_of_the_whole_history(seed: int) -> None:
    """The shortcut that looks only at each period's last months gives exactly the tail of the full computation."""
    rng = random.Random(seed)
    history = [
        period(
            f"{rng.randint(1985, 2024)}-{rng.randint(1, 12):02d}",
            rng.randint(1, 60),
            rng.randrange(1_000_000, 30_000_000, 1000),
            rng.choice(["paid", "paid", "paid", "arrears"]),
            rng.choice([("RS", "HI"), ("HI",), ("RS", "UI", "HI")]),
        )
        for _ in range(rng.randint(1, 12))
    ]
    for last in (1, 6, 13):
        assert monthly_salaries(history, last=last) == monthly_salaries(history)[-last:]
