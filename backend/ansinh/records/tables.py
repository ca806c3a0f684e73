"""Dated legal tables: each row says what is in force from which date, and under which legal text.

Pure data, no database and no I/O. Rates are integer basis points (1% = 100 bp); multipliers that are not
rates (household factors) are ``Decimal``; money is integer VND. Rows are looked up with :func:`in_force`.
Legal texts are cited by their Vietnamese names, as VSS and the decrees themselves do.
"""

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from types import MappingProxyType
from typing import Generic, Protocol, TypeVar

# Fund codes, the values of ``ansinh.records.models.Fund`` (kept as plain strings so rules need no database layer).
RS = "RS"  # hưu trí, tử tuất (retirement and survivorship)
SM = "SM"  # ốm đau, thai sản (sickness and maternity)
OA = "OA"  # tai nạn lao động, bệnh nghề nghiệp (occupational accident and disease)
UI = "UI"  # bảo hiểm thất nghiệp (unemployment)
HI = "HI"  # bảo hiểm y tế (health)
FUNDS: tuple[str, ...] = (RS, SM, OA, UI, HI)

# Minimum-wage regions, the values of ``ansinh.records.models.WageRegion``.
REGIONS: tuple[str, ...] = ("I", "II", "III", "IV")

# Sexes, the values of ``ansinh.identity.models.Sex``.
MALE = "M"
FEMALE = "F"
SEXES: tuple[str, ...] = (MALE, FEMALE)

# Categories of voluntary SI contributors for state support.
POOR = "poor"  # hộ nghèo
NEAR_POOR = "near_poor"  # hộ cận nghèo
ETHNIC_MINORITY = "ethnic_minority"  # người dân tộc thiểu số
OTHER = "other"  # đối tượng khác
VOLUNTARY_CATEGORIES: tuple[str, ...] = (POOR, NEAR_POOR, ETHNIC_MINORITY, OTHER)


class Dated(Protocol):
    """A table row: in force from a date, under a legal text."""

    @property
    def effective_from(self) -> date: ...

    @property
    def legal_basis(self) -> str: ...


R = TypeVar("R", bound=Dated)


@dataclass(frozen=True, slots=True)
class DatedTable(Generic[R]):
    """Rows ordered by ``effective_from``; a row is in force until the next one starts."""

    name: str
    rows: tuple[R, ...]

    def __post_init__(self) -> None:
        if not self.rows:
            raise ValueError(f"{self.name}: a dated table needs at least one row")
        dates = [row.effective_from for row in self.rows]
        if any(later <= earlier for earlier, later in pairwise(dates)):
            raise ValueError(f"{self.name}: rows must have strictly increasing effective dates")

    def in_force(self, on: date) -> R:
        """The row in force on a date; LookupError before the first row."""
        pos = bisect_right(self.rows, on, key=lambda row: row.effective_from)
        if pos == 0:
            raise LookupError(
                f"no {self.name} in force on {on.isoformat()} (table starts {self.rows[0].effective_from})"
            )
        return self.rows[pos - 1]

    def latest(self) -> R:
        """The most recent row (which may start in the future)."""
        return self.rows[-1]


def in_force(table: DatedTable[R], on: date) -> R:
    """The row of a dated table in force on a date; LookupError before the table starts."""
    return table.in_force(on)


# ---------------------------------------------------------------------------------------------------------------
# Base salary (lương cơ sở). From 2025-07-01 the SI law speaks of the "reference level" (mức tham chiếu), which
# equals the base salary until the base salary is abolished (Luật BHXH 2024 Điều 7, Điều 141).


@dataclass(frozen=True, slots=True)
class AmountRow:
    """A monthly amount in VND in force from a date."""

    effective_from: date
    amount: int
    legal_basis: str


BASE_SALARY: DatedTable[AmountRow] = DatedTable(
    "base salary",
    (
        # Rows before 2019 are not in DESIGN.md; they are the published amounts (the base salary exists since 2013).
        AmountRow(date(2013, 7, 1), 1_150_000, "Nghị định 66/2013/NĐ-CP"),
        AmountRow(date(2016, 5, 1), 1_210_000, "Nghị định 47/2016/NĐ-CP"),
        AmountRow(date(2017, 7, 1), 1_300_000, "Nghị định 47/2017/NĐ-CP"),
        AmountRow(date(2018, 7, 1), 1_390_000, "Nghị định 72/2018/NĐ-CP"),
        AmountRow(date(2019, 7, 1), 1_490_000, "Nghị định 38/2019/NĐ-CP"),
        AmountRow(date(2023, 7, 1), 1_800_000, "Nghị định 24/2023/NĐ-CP"),
        AmountRow(date(2024, 7, 1), 2_340_000, "Nghị định 73/2024/NĐ-CP"),
        # As in DESIGN.md; the Government announced 2,530,000 from 2026-07-01 on 2026-03-09. Decree number unverified.
        AmountRow(date(2026, 7, 1), 2_530_000, "Nghị định 161/2026/NĐ-CP"),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# Regional minimum wage (lương tối thiểu vùng), by the employer's region.


@dataclass(frozen=True, slots=True)
class MinimumWageRow:
    """Monthly minimum wages of regions I–IV in force from a date."""

    effective_from: date
    amounts: tuple[int, int, int, int]  # regions I, II, III, IV
    legal_basis: str

    def for_region(self, region: str) -> int:
        """The amount for a region I–IV; ValueError for an unknown region."""
        if region not in REGIONS:
            raise ValueError(f"unknown wage region {region!r}; expected one of {', '.join(REGIONS)}")
        return self.amounts[REGIONS.index(region)]


REGIONAL_MINIMUM_WAGE: DatedTable[MinimumWageRow] = DatedTable(
    "regional minimum wage",
    (
        # Rows before 2022 are not in DESIGN.md; they are the published amounts, so older periods have a UI cap too.
        MinimumWageRow(date(2018, 1, 1), (3_980_000, 3_530_000, 3_090_000, 2_760_000), "Nghị định 141/2017/NĐ-CP"),
        MinimumWageRow(date(2019, 1, 1), (4_180_000, 3_710_000, 3_250_000, 2_920_000), "Nghị định 157/2018/NĐ-CP"),
        MinimumWageRow(date(2020, 1, 1), (4_420_000, 3_920_000, 3_430_000, 3_070_000), "Nghị định 90/2019/NĐ-CP"),
        MinimumWageRow(date(2022, 7, 1), (4_680_000, 4_160_000, 3_640_000, 3_250_000), "Nghị định 38/2022/NĐ-CP"),
        MinimumWageRow(date(2024, 7, 1), (4_960_000, 4_410_000, 3_860_000, 3_450_000), "Nghị định 74/2024/NĐ-CP"),
        # Checked against Decree 293/2025/NĐ-CP of 2025-11-10 (in force 2026-01-01): DESIGN.md's row is right.
        MinimumWageRow(date(2026, 1, 1), (5_310_000, 4_730_000, 4_140_000, 3_700_000), "Nghị định 293/2025/NĐ-CP"),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# Compulsory contribution rates, per fund, in basis points of the salary base.


@dataclass(frozen=True, slots=True)
class RateRow:
    """Employer and employee rates (basis points) of one fund in force from a date."""

    effective_from: date
    employer_bp: int
    employee_bp: int
    legal_basis: str


CONTRIBUTION_RATES: Mapping[str, DatedTable[RateRow]] = MappingProxyType(
    {
        RS: DatedTable(
            "retirement and survivorship rate",
            (
                # 14% + 8% is the end of the SI Law 2006 roadmap (reached 2014-01-01), kept by the 2014 and 2024 laws.
                RateRow(date(2014, 1, 1), 1400, 800, "Luật BHXH 71/2006/QH11 Điều 91, 92"),
            ),
        ),
        SM: DatedTable(
            "sickness and maternity rate",
            (RateRow(date(2014, 1, 1), 300, 0, "Luật BHXH 71/2006/QH11 Điều 92; Luật BHXH 2014 Điều 86"),),
        ),
        OA: DatedTable(
            "occupational accident and disease rate",
            (
                # DESIGN.md gives 0.5% with no history; the published history is: 1% (SI Law 2006, then 2014), 0.5%
                # from 2017-06-01 (Decree 44/2017, kept by Decree 58/2020 from 2020-07-15), 0% for all employers from
                # 2021-07-01 to 2022-06-30 (Resolution 68/NQ-CP, Decision 23/2021/QĐ-TTg), then 0.5% again.
                # Not modelled: the 0.3% rate an employer in a high-risk trade may apply for (Decree 58/2020 Điều 4).
                RateRow(date(2014, 1, 1), 100, 0, "Luật BHXH 71/2006/QH11 Điều 92; Luật BHXH 2014 Điều 86"),
                RateRow(date(2017, 6, 1), 50, 0, "Nghị định 44/2017/NĐ-CP"),
                RateRow(date(2021, 7, 1), 0, 0, "Nghị quyết 68/NQ-CP; Quyết định 23/2021/QĐ-TTg"),
                RateRow(date(2022, 7, 1), 50, 0, "Nghị định 58/2020/NĐ-CP Điều 4"),
            ),
        ),
        UI: DatedTable(
            "unemployment insurance rate",
            (
                # Not modelled: the employer's 0% from 2021-10-01 to 2022-09-30 (Resolution 116/NQ-CP), which only
                # applied to employers meeting its conditions, and the 2025 law's reduction for disabled hires.
                RateRow(date(2014, 1, 1), 100, 100, "Luật BHXH 71/2006/QH11 Điều 102"),
                RateRow(date(2015, 1, 1), 100, 100, "Luật Việc làm 38/2013/QH13 Điều 57"),
                RateRow(date(2026, 1, 1), 100, 100, "Luật Việc làm 74/2025/QH15 Điều 33 (tối đa 1%)"),
            ),
        ),
        HI: DatedTable(
            "health insurance rate",
            (RateRow(date(2014, 1, 1), 300, 150, "Luật BHYT 25/2008/QH12 Điều 13; Nghị định 62/2009/NĐ-CP"),),
        ),
    }
)

VOLUNTARY_RATE: DatedTable[RateRow] = DatedTable(
    "voluntary SI rate",
    # The contributor pays it all; the employer column is 0.
    (RateRow(date(2014, 1, 1), 0, 2200, "Luật BHXH 71/2006/QH11 Điều 100; Luật BHXH 2014 Điều 87; 2024 Điều 36"),),
)


# ---------------------------------------------------------------------------------------------------------------
# Rural poverty line (chuẩn nghèo khu vực nông thôn): the floor of the voluntary SI income and the base of support.

RURAL_POVERTY_LINE: DatedTable[AmountRow] = DatedTable(
    "rural poverty line",
    (
        AmountRow(date(2016, 1, 1), 700_000, "Quyết định 59/2015/QĐ-TTg"),
        AmountRow(date(2022, 1, 1), 1_500_000, "Nghị định 07/2021/NĐ-CP"),
        # Not in DESIGN.md: Decree 351/2025 keeps 1,500,000 through 2026 and raises the rural line to 2,200,000
        # from 2027-01-01, which moves the voluntary SI floor and the state support with it.
        AmountRow(date(2027, 1, 1), 2_200_000, "Nghị định 351/2025/NĐ-CP"),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# State support for voluntary SI, in basis points of (voluntary rate × rural poverty line).


@dataclass(frozen=True, slots=True)
class SupportRow:
    """Support share (basis points) per contributor category, in force from a date."""

    effective_from: date
    poor_bp: int
    near_poor_bp: int
    ethnic_minority_bp: int
    other_bp: int
    legal_basis: str

    def for_category(self, category: str) -> int:
        """The share for a category; ValueError for an unknown one."""
        shares = {
            POOR: self.poor_bp,
            NEAR_POOR: self.near_poor_bp,
            ETHNIC_MINORITY: self.ethnic_minority_bp,
            OTHER: self.other_bp,
        }
        if category not in shares:
            raise ValueError(f"unknown contributor category {category!r}; expected one of {', '.join(shares)}")
        return shares[category]


VOLUNTARY_SUPPORT: DatedTable[SupportRow] = DatedTable(
    "voluntary SI state support",
    (
        # Decree 134/2015 had no ethnic-minority category: such contributors got the 10% of "others".
        SupportRow(date(2018, 1, 1), 3000, 2500, 1000, 1000, "Nghị định 134/2015/NĐ-CP Điều 14"),
        # Decree 159/2025: support for at most 10 years per person (not checked here); the 50% group also covers
        # people living in communes of ethnic-minority and mountainous areas, which callers map to POOR.
        SupportRow(date(2025, 7, 1), 5000, 4000, 3000, 2000, "Nghị định 159/2025/NĐ-CP"),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# The social-insurance law in force, with the parameters the estimates need from it.


@dataclass(frozen=True, slots=True)
class SiLawRow:
    """An SI law and the parameters it fixes."""

    effective_from: date
    version: str
    legal_basis: str
    salary_cap_multiple: int  # SI salary cap = multiple × base salary (reference level)
    one_time_months_before_2014: Decimal  # months of average salary per year of contributions before 2014
    one_time_months_from_2014: Decimal  # … and from 2014 on
    one_time_short_rate_bp: int  # under one year: this share of the salaries, …
    one_time_short_max_months: int  # … at most this many months of the average
    sickness_rate_bp: int  # sickness benefit, of the last month's SI salary
    sickness_days_per_month: int  # the per-day benefit is the monthly benefit over this many days
    maternity_lump_sum_multiple: int  # lump sum per child = multiple × base salary in the month of birth


SI_LAW: DatedTable[SiLawRow] = DatedTable(
    "social insurance law",
    (
        SiLawRow(
            date(2016, 1, 1),
            "SI-Law-2014",
            "Luật BHXH 58/2014/QH13",
            salary_cap_multiple=20,  # Điều 89.3
            one_time_months_before_2014=Decimal("1.5"),
            one_time_months_from_2014=Decimal(2),  # Điều 60.2
            one_time_short_rate_bp=2200,
            one_time_short_max_months=2,  # Điều 60.3
            sickness_rate_bp=7500,
            sickness_days_per_month=24,  # Điều 28
            maternity_lump_sum_multiple=2,  # Điều 38
        ),
        SiLawRow(
            date(2025, 7, 1),
            "SI-Law-2024",
            "Luật BHXH 41/2024/QH15",
            salary_cap_multiple=20,  # Điều 31: 20 × the reference level
            one_time_months_before_2014=Decimal("1.5"),
            one_time_months_from_2014=Decimal(2),  # Điều 70
            one_time_short_rate_bp=2200,
            one_time_short_max_months=2,  # Điều 70
            sickness_rate_bp=7500,
            sickness_days_per_month=24,  # Điều 45
            maternity_lump_sum_multiple=2,  # Điều 58
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class PensionRuleRow:
    """The pension-rate rule for pensions starting from a date."""

    effective_from: date
    version: str
    legal_basis: str
    min_months: int  # months of contributions needed for a pension
    male_full_years: int  # years that give a man 45%
    female_full_years: int  # years that give a woman 45%
    male_short_service: bool  # men with 15 to under 20 years: 40% + 1% a year over 15


PENSION_RULES: DatedTable[PensionRuleRow] = DatedTable(
    "pension rule",
    (
        # SI Law 2014 Điều 54, 56: 20 years for a pension; men reach 45% at 16 years in 2018, +1 year each year to
        # 20 years from 2022; women at 15 years. Pensions before 2018 followed the 2006 law (not modelled).
        PensionRuleRow(date(2018, 1, 1), "SI-Law-2014", "Luật BHXH 58/2014/QH13 Điều 56", 240, 16, 15, False),
        PensionRuleRow(date(2019, 1, 1), "SI-Law-2014", "Luật BHXH 58/2014/QH13 Điều 56", 240, 17, 15, False),
        PensionRuleRow(date(2020, 1, 1), "SI-Law-2014", "Luật BHXH 58/2014/QH13 Điều 56", 240, 18, 15, False),
        PensionRuleRow(date(2021, 1, 1), "SI-Law-2014", "Luật BHXH 58/2014/QH13 Điều 56", 240, 19, 15, False),
        PensionRuleRow(date(2022, 1, 1), "SI-Law-2014", "Luật BHXH 58/2014/QH13 Điều 56", 240, 20, 15, False),
        # SI Law 2024 Điều 64, 66: 15 years for a pension; men with 15 to under 20 years get 40% + 1% a year.
        PensionRuleRow(date(2025, 7, 1), "SI-Law-2024", "Luật BHXH 41/2024/QH15 Điều 64, 66", 180, 20, 15, True),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# The employment law (unemployment insurance) in force.


@dataclass(frozen=True, slots=True)
class EmploymentLawRow:
    """An employment law and its unemployment-insurance parameters."""

    effective_from: date
    version: str
    legal_basis: str
    ui_salary_cap_multiple: int  # UI salary cap = multiple × regional minimum wage
    benefit_rate_bp: int  # monthly benefit, of the average of the last six months' UI salary
    benefit_cap_multiple: int  # monthly benefit cap = multiple × regional minimum wage at termination
    min_months: int  # months of UI contributions for a benefit
    base_benefit_months: int  # months of benefit for min_months to base_covers_months of contributions
    base_covers_months: int
    months_per_extra_month: int  # then one more month of benefit per this many months of contributions
    max_benefit_months: int


EMPLOYMENT_LAW: DatedTable[EmploymentLawRow] = DatedTable(
    "employment law",
    (
        # The 2013 law capped the benefit at 5 × the regional minimum wage for employer-set pay (5 × base salary for
        # state-set pay, not modelled here); the 2025 law uses the regional minimum wage for everybody.
        EmploymentLawRow(
            date(2015, 1, 1),
            "Employment-Law-2013",
            "Luật Việc làm 38/2013/QH13 Điều 50, 58",
            ui_salary_cap_multiple=20,
            benefit_rate_bp=6000,
            benefit_cap_multiple=5,
            min_months=12,
            base_benefit_months=3,
            base_covers_months=36,
            months_per_extra_month=12,
            max_benefit_months=12,
        ),
        EmploymentLawRow(
            date(2026, 1, 1),
            "Employment-Law-2025",
            "Luật Việc làm 74/2025/QH15 Điều 34, 39",
            ui_salary_cap_multiple=20,
            benefit_rate_bp=6000,
            benefit_cap_multiple=5,
            min_months=12,
            base_benefit_months=3,
            base_covers_months=36,
            months_per_extra_month=12,
            max_benefit_months=12,
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# Household health insurance (BHYT hộ gia đình).


@dataclass(frozen=True, slots=True)
class HouseholdHiRow:
    """Rate (basis points of the base salary) and per-member factors of household HI, in force from a date."""

    effective_from: date
    version: str
    legal_basis: str
    rate_bp: int
    factors: tuple[Decimal, ...]  # member 1, 2, 3, …; the last one applies to every later member
    payment_periods: tuple[int, ...]  # months that may be paid at once


HOUSEHOLD_HI: DatedTable[HouseholdHiRow] = DatedTable(
    "household health insurance rule",
    (
        HouseholdHiRow(
            date(2018, 12, 1),
            "HI-Decree-146/2018",
            "Nghị định 146/2018/NĐ-CP Điều 7, 8 (giữ nguyên: NĐ 188/2025)",
            rate_bp=450,
            factors=(Decimal(1), Decimal("0.7"), Decimal("0.6"), Decimal("0.5"), Decimal("0.4")),
            payment_periods=(3, 6, 12),
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# The yearly co-payment cap (miễn cùng chi trả): a person covered 5 years in a row whose co-payments in a calendar
# year pass 6 months of base salary pays no more co-payment for the rest of that year (docs/disputes-and-copayment.md).


@dataclass(frozen=True, slots=True)
class CoPaymentCapRow:
    """How many months of base salary a year's co-payments must pass, and how many continuous years of cover."""

    effective_from: date
    version: str
    legal_basis: str
    base_salary_months: int
    continuous_years: int


CO_PAYMENT_CAP: DatedTable[CoPaymentCapRow] = DatedTable(
    "co-payment cap rule",
    (
        # The amended law's rule took effect on 2015-01-01 (Luật 46/2014/QH13 Điều 2).
        CoPaymentCapRow(
            date(2015, 1, 1),
            "HI-Law-2014",
            "Luật BHYT 25/2008/QH12 sửa đổi bởi Luật 46/2014/QH13, Điều 22 khoản 1",
            base_salary_months=6,
            continuous_years=5,
        ),
        CoPaymentCapRow(
            date(2018, 12, 1),
            "HI-Decree-146/2018",
            "Luật BHYT 2008 sửa đổi 2014 Điều 22 khoản 1; Nghị định 146/2018/NĐ-CP Điều 14",
            base_salary_months=6,
            continuous_years=5,
        ),
        # Decree 188/2025 replaced Decree 146/2018 from 2025-07-01 with the same figures (6 months of base salary,
        # 5 continuous years), as hospital software written to it reads them; its article is not checked here.
        CoPaymentCapRow(
            date(2025, 7, 1),
            "HI-Decree-188/2025",
            "Luật BHYT 2008 (sửa đổi bởi Luật 46/2014/QH13, Luật 51/2024/QH15) Điều 22 khoản 1; "
            "Nghị định 188/2025/NĐ-CP",
            base_salary_months=6,
            continuous_years=5,
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# Normal retirement age (tuổi nghỉ hưu trong điều kiện lao động bình thường), in months of age.


@dataclass(frozen=True, slots=True)
class RetirementAgeRow:
    """A retirement-age roadmap: the age in the first year, a yearly step, and the final age (all in months)."""

    effective_from: date
    version: str
    legal_basis: str
    male_start: int
    male_step: int
    male_final: int
    female_start: int
    female_step: int
    female_final: int


RETIREMENT_AGE: DatedTable[RetirementAgeRow] = DatedTable(
    "retirement age roadmap",
    (
        RetirementAgeRow(
            date(1995, 1, 1),
            "Labour-Code-1994",
            "Bộ luật Lao động 1994 Điều 145",
            male_start=60 * 12,
            male_step=0,
            male_final=60 * 12,
            female_start=55 * 12,
            female_step=0,
            female_final=55 * 12,
        ),
        RetirementAgeRow(
            date(2013, 5, 1),
            "Labour-Code-2012",
            "Bộ luật Lao động 10/2012/QH13 Điều 187",
            male_start=60 * 12,
            male_step=0,
            male_final=60 * 12,
            female_start=55 * 12,
            female_step=0,
            female_final=55 * 12,
        ),
        RetirementAgeRow(
            date(2021, 1, 1),
            "Labour-Code-2019",
            "Bộ luật Lao động 45/2019/QH14 Điều 169; Nghị định 135/2020/NĐ-CP",
            male_start=60 * 12 + 3,
            male_step=3,
            male_final=62 * 12,
            female_start=55 * 12 + 4,
            female_step=4,
            female_final=60 * 12,
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class StateScaleWindows:
    """How many last months of state-scale salary the average takes, by the year SI participation began."""

    windows: tuple[tuple[int, int], ...]  # (last year of participation start, months), in order; later: whole time
    legal_basis: str


# Began before 1995: the last 5 years; 1995-2000: 6; 2001-2006: 8; 2007-2015: 10; 2016-2019: 15; 2020-2024: 20;
# from 2025 the whole time, as for market-set salaries.
STATE_SCALE_WINDOWS = StateScaleWindows(
    ((1994, 60), (2000, 72), (2006, 96), (2015, 120), (2019, 180), (2024, 240)),
    "Luật BHXH 41/2024/QH15 Điều 72",
)
