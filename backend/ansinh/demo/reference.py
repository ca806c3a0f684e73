"""Dated legal tables and the rules the generator needs to make consistent records."""

from bisect import bisect_right
from datetime import date

# Base salary (lương cơ sở) rows of DESIGN.md: what the base_salary table is seeded with.
BASE_SALARIES: tuple[tuple[date, int, str], ...] = (
    (date(2019, 7, 1), 1_490_000, "Nghị định 38/2019/NĐ-CP"),
    (date(2023, 7, 1), 1_800_000, "Nghị định 24/2023/NĐ-CP"),
    (date(2024, 7, 1), 2_340_000, "Nghị định 73/2024/NĐ-CP"),
    (date(2026, 7, 1), 2_530_000, "Nghị định 161/2026/NĐ-CP"),
)

# Earlier general minimum / base salaries. Not inserted (DESIGN.md's table starts in 2019); used only so
# that generated salaries of older months stay under the 20x cap that applied then.
HISTORIC_BASE_SALARIES: tuple[tuple[date, int], ...] = (
    (date(1993, 1, 1), 120_000),
    (date(1997, 1, 1), 144_000),
    (date(2000, 1, 1), 180_000),
    (date(2001, 1, 1), 210_000),
    (date(2003, 1, 1), 290_000),
    (date(2005, 10, 1), 350_000),
    (date(2006, 10, 1), 450_000),
    (date(2008, 1, 1), 540_000),
    (date(2009, 5, 1), 650_000),
    (date(2010, 5, 1), 730_000),
    (date(2011, 5, 1), 830_000),
    (date(2012, 5, 1), 1_050_000),
    (date(2013, 7, 1), 1_150_000),
    (date(2016, 5, 1), 1_210_000),
    (date(2017, 7, 1), 1_300_000),
    (date(2018, 7, 1), 1_390_000),
)

# Regional minimum wage (lương tối thiểu vùng), regions I–IV, from DESIGN.md.
REGIONAL_MINIMUM_WAGES: tuple[tuple[date, str, tuple[int, int, int, int]], ...] = (
    (date(2022, 7, 1), "Nghị định 38/2022/NĐ-CP", (4_680_000, 4_160_000, 3_640_000, 3_250_000)),
    (date(2024, 7, 1), "Nghị định 74/2024/NĐ-CP", (4_960_000, 4_410_000, 3_860_000, 3_450_000)),
    (date(2026, 1, 1), "Nghị định 293/2025/NĐ-CP", (5_310_000, 4_730_000, 4_140_000, 3_700_000)),
)
REGIONS: tuple[str, ...] = ("I", "II", "III", "IV")

# Contribution rates in per mille of the SI salary (DESIGN.md): employer 14+3+0.5+1+3, employee 8+1+1.5.
EMPLOYER_RATE_PERMILLE = 215
EMPLOYEE_RATE_PERMILLE = 105
VOLUNTARY_RATE_PERMILLE = 220
COMPULSORY_FUNDS = "RS,SM,OA,UI,HI"
VOLUNTARY_FUNDS = "RS"
SALARY_CAP_MULTIPLE = 20
VOLUNTARY_MIN_INCOME = 1_500_000

# Benefit level (mức hưởng) of each beneficiary group used here (Decision 1351/QĐ-BHXH, HI law art. 22).
GROUP_LEVEL: dict[str, int] = {
    "TE": 1,  # children under 6
    "HN": 2,  # poor households
    "BT": 2,  # social-protection allowance (e.g. 80+ without a pension)
    "HT": 3,  # pensioners: 95%
    "CN": 3,  # near-poor households: 95%
    "DN": 4,  # employees of enterprises
    "HC": 4,  # civil servants
    "TN": 4,  # receiving unemployment benefit
    "HS": 4,  # pupils
    "SV": 4,  # students
    "GD": 4,  # household-based enrolment
}
# Share of covered costs the fund pays, by benefit level (percent).
LEVEL_COVER_PERCENT: dict[int, int] = {1: 100, 2: 100, 3: 95, 4: 80, 5: 100}


def month_index(year: int, month: int) -> int:
    """Months since year 0; integer arithmetic on months is much faster than parsing strings."""
    return year * 12 + month - 1


def month_text(index: int) -> str:
    """Format a month index as ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_start(index: int) -> date:
    """The first day of a month index."""
    return date(index // 12, index % 12 + 1, 1)


_BASE_STEPS: tuple[tuple[int, int], ...] = tuple(
    (month_index(d.year, d.month), amount) for d, amount in HISTORIC_BASE_SALARIES
) + tuple((month_index(d.year, d.month), amount) for d, amount, _ in BASE_SALARIES)
_BASE_KEYS = [k for k, _ in _BASE_STEPS]


def base_salary_in(index: int) -> int:
    """Base salary in force in a month (the oldest known value for earlier months)."""
    pos = bisect_right(_BASE_KEYS, index) - 1
    return _BASE_STEPS[max(pos, 0)][1]


def salary_cap_in(index: int) -> int:
    """Highest SI salary base in a month: 20 x base salary."""
    return SALARY_CAP_MULTIPLE * base_salary_in(index)


_WAGE_KEYS = [month_index(d.year, d.month) for d, _, _ in REGIONAL_MINIMUM_WAGES]


def minimum_wage_in(region: str, index: int) -> int | None:
    """Regional minimum wage in a month, or None before the first row of the table."""
    pos = bisect_right(_WAGE_KEYS, index) - 1
    if pos < 0:
        return None
    return REGIONAL_MINIMUM_WAGES[pos][2][REGIONS.index(region)]


def retirement_month(birth_year: int, birth_month: int, sex: str) -> int:
    """Month (index) in which the normal retirement age is reached (Decree 135/2020 roadmap)."""
    birth = month_index(birth_year, birth_month)
    if sex == "M":
        base, step, ceiling = 720, 3, 744  # 60 y, +3 months a year from 2021, up to 62 y
    else:
        base, step, ceiling = 660, 4, 720  # 55 y, +4 months a year from 2021, up to 60 y
    age = base
    while True:
        reached = birth + age
        year = reached // 12
        required = base if year <= 2020 else min(ceiling, base + step * (year - 2020))
        if age >= required:
            return reached
        age += 1


def contribution_years(months: int) -> float:
    """Years for the pension rate: up to 6 extra months count half a year, 7-11 a full year."""
    years, rest = divmod(months, 12)
    if rest == 0:
        return float(years)
    return years + (0.5 if rest <= 6 else 1.0)


def pension_rate_percent(months: int, sex: str, starts: date) -> float:
    """Pension rate for a number of paid months (DESIGN.md), capped at 75%."""
    years = contribution_years(months)
    if sex == "F":
        rate = 45 + 2 * (years - 15)
    elif years < 20 and starts >= date(2025, 7, 1):
        rate = 40 + (years - 15)
    else:
        rate = 45 + 2 * (years - 20)
    return max(0.0, min(75.0, rate))


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers (VND amounts)."""
    return (2 * numerator + denominator) // (2 * denominator)
