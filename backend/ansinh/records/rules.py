"""Contribution and benefit rules as pure functions over the dated legal tables (no database, no I/O).

Money is integer VND, rounded half up once per published amount (:func:`round_half_up`, Decimal arithmetic,
never floats). Rates are integer basis points (1% = 100 bp). Months are ``YYYY-MM`` strings, dates are
``datetime.date`` in Vietnam's calendar. Every result that feeds an estimate is a frozen dataclass carrying the
inputs used, ``rule_version`` and ``effective_from`` (the latest start date among the table rows applied).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from ansinh.core.time import month_str, parse_month
from ansinh.records.tables import (
    BASE_SALARY,
    CO_PAYMENT_CAP,
    CONTRIBUTION_RATES,
    EMPLOYMENT_LAW,
    FEMALE,
    FUNDS,
    HOUSEHOLD_HI,
    MALE,
    OTHER,
    PENSION_RULES,
    REGIONAL_MINIMUM_WAGE,
    REGIONS,
    RETIREMENT_AGE,
    RURAL_POVERTY_LINE,
    SEXES,
    SI_LAW,
    STATE_SCALE_WINDOWS,
    UI,
    VOLUNTARY_RATE,
    VOLUNTARY_SUPPORT,
    HouseholdHiRow,
    RetirementAgeRow,
    in_force,
)

__all__ = [
    "NO_REVALUATION",
    "REVALUATION_NOT_LOADED",
    "AverageSalary",
    "CareerAverage",
    "CoPayment",
    "CoPaymentYear",
    "FundContribution",
    "HouseholdContribution",
    "MaternityBenefit",
    "MonthlyContribution",
    "OneTimeAllowance",
    "PensionRate",
    "RetirementDate",
    "RevaluationTable",
    "SicknessBenefit",
    "StateRebase",
    "UnemploymentBenefit",
    "VoluntaryContribution",
    "YearCoefficient",
    "apply_bp",
    "average_salary",
    "capped_salary",
    "career_average",
    "co_payment_cap",
    "co_payment_year",
    "continuous_years_reached",
    "count_contribution_months",
    "counted_years",
    "household_contribution",
    "household_factor",
    "household_monthly_amount",
    "in_force",
    "maternity_benefit",
    "monthly_contribution",
    "normal_retirement_age",
    "one_time_allowance",
    "pension_rate",
    "percent",
    "retirement_date",
    "round_half_up",
    "si_salary_cap",
    "sickness_benefit",
    "sickness_daily_amount",
    "state_scale_window",
    "ui_salary_cap",
    "unemployment_benefit",
    "unemployment_benefit_months",
    "voluntary_contribution",
    "years_and_months",
]

BP = 10_000  # basis points in a whole
MATERNITY_LEAVE_MONTHS = 6  # Bộ luật Lao động 2019 Điều 139: 6 months, +1 month per child from the second
REVALUATION_NOT_LOADED = "revaluation coefficients not loaded; 1.0 used"


# --- arithmetic -------------------------------------------------------------------------------------------------

_ONE = Decimal(1)


def round_half_up(value: Decimal | int) -> int:
    """Round to a whole VND with halves going up; floats are refused so no binary rounding sneaks in."""
    if isinstance(value, float):
        raise TypeError("money is never rounded from a float; pass a Decimal or an int")
    exact = value if isinstance(value, Decimal) else Decimal(value)
    return int(exact.quantize(_ONE, ROUND_HALF_UP))  # positional: slower by keyword, and this runs per bill amount


def apply_bp(amount: int | Decimal, bp: int) -> int:
    """``amount × bp / 10,000`` rounded half up once."""
    return round_half_up(Decimal(amount) * bp / BP)


def percent(bp: int) -> Decimal:
    """Basis points as a Decimal percent (4050 → 40.5)."""
    return Decimal(bp) / 100


def _money(value: int, name: str) -> int:
    """Check an amount of VND: a non-negative int."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer amount of VND, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _count(value: int, name: str, minimum: int = 0) -> int:
    """Check a count (months, days, years): an int at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _sex(sex: str) -> str:
    """Check a sex code, M or F."""
    if sex not in SEXES:
        raise ValueError(f"unknown sex {sex!r}; expected {MALE!r} or {FEMALE!r}")
    return sex


def _region(region: str) -> str:
    """Check a wage region, I–IV."""
    if region not in REGIONS:
        raise ValueError(f"unknown wage region {region!r}; expected one of {', '.join(REGIONS)}")
    return region


def _salaries(values: Sequence[int], name: str, *, exactly: int | None = None, at_most: int = 6) -> tuple[int, ...]:
    """Check the monthly salaries an average is taken of."""
    salaries = tuple(_money(value, name) for value in values)
    if exactly is not None and len(salaries) != exactly:
        raise ValueError(f"{name}: expected the salaries of exactly {exactly} months, got {len(salaries)}")
    if not 1 <= len(salaries) <= at_most:
        raise ValueError(f"{name}: expected the salaries of 1 to {at_most} months, got {len(salaries)}")
    return salaries


# --- caps -------------------------------------------------------------------------------------------------------


def si_salary_cap(on: date) -> int:
    """Highest SI (and HI) salary base on a date: 20 × the base salary (the reference level from 2025-07-01)."""
    return in_force(SI_LAW, on).salary_cap_multiple * in_force(BASE_SALARY, on).amount


def ui_salary_cap(region: str, on: date) -> int:
    """Highest UI salary base on a date: 20 × the regional minimum wage of the employer's region."""
    multiple = in_force(EMPLOYMENT_LAW, on).ui_salary_cap_multiple
    return multiple * in_force(REGIONAL_MINIMUM_WAGE, on).for_region(_region(region))


def capped_salary(salary: int, fund: str, on: date, region: str | None = None) -> int:
    """The salary a fund's contribution is computed on: the UI cap for UI (needs the region), else the SI cap."""
    _money(salary, "salary")
    if fund == UI:
        if region is None:
            raise ValueError("the UI salary cap depends on the employer's wage region; pass region='I'…'IV'")
        return min(salary, ui_salary_cap(region, on))
    if fund not in FUNDS:
        raise ValueError(f"unknown fund {fund!r}; expected one of {', '.join(FUNDS)}")
    return min(salary, si_salary_cap(on))


# --- compulsory contributions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FundContribution:
    """One fund's monthly amounts: each side rounded half up on its own."""

    fund: str
    salary_base: int  # the salary after this fund's cap
    employer_bp: int
    employee_bp: int
    employer: int
    employee: int
    legal_basis: str


@dataclass(frozen=True, slots=True)
class MonthlyContribution:
    """Compulsory contributions of one month, per fund and in total."""

    salary: int
    on: date
    region: str | None
    funds: Mapping[str, FundContribution]  # in the order RS, SM, OA, UI, HI
    si_salary_cap: int
    ui_salary_cap: int | None
    employer_total: int
    employee_total: int
    rule_version: str
    effective_from: date

    @property
    def total(self) -> int:
        """Employer and employee together."""
        return self.employer_total + self.employee_total

    @property
    def amounts(self) -> dict[str, tuple[int, int]]:
        """``{fund: (employer, employee)}``."""
        return {code: (part.employer, part.employee) for code, part in self.funds.items()}


def monthly_contribution(
    salary: int, funds: Iterable[str], on: date, *, region: str | None = None
) -> MonthlyContribution:
    """Employer and employee amounts per fund for a monthly salary on a date, caps applied (UI needs the region)."""
    _money(salary, "salary")
    wanted = set(funds)
    unknown = wanted - set(FUNDS)
    if unknown:
        raise ValueError(f"unknown fund(s) {', '.join(sorted(unknown))}; expected some of {', '.join(FUNDS)}")
    if not wanted:
        raise ValueError("no funds given")
    if region is not None:
        _region(region)
    law = in_force(SI_LAW, on)
    base = in_force(BASE_SALARY, on)
    si_cap = si_salary_cap(on)
    ui_cap = None
    dates = [law.effective_from, base.effective_from]
    if UI in wanted:
        if region is None:
            raise ValueError("the UI salary cap depends on the employer's wage region; pass region='I'…'IV'")
        ui_cap = ui_salary_cap(region, on)
        dates.append(in_force(REGIONAL_MINIMUM_WAGE, on).effective_from)
        dates.append(in_force(EMPLOYMENT_LAW, on).effective_from)
    parts: dict[str, FundContribution] = {}
    for code in FUNDS:
        if code not in wanted:
            continue
        rate = in_force(CONTRIBUTION_RATES[code], on)
        dates.append(rate.effective_from)
        salary_base = capped_salary(salary, code, on, region)
        parts[code] = FundContribution(
            fund=code,
            salary_base=salary_base,
            employer_bp=rate.employer_bp,
            employee_bp=rate.employee_bp,
            employer=apply_bp(salary_base, rate.employer_bp),
            employee=apply_bp(salary_base, rate.employee_bp),
            legal_basis=rate.legal_basis,
        )
    return MonthlyContribution(
        salary=salary,
        on=on,
        region=region,
        funds=MappingProxyType(parts),
        si_salary_cap=si_cap,
        ui_salary_cap=ui_cap,
        employer_total=sum(part.employer for part in parts.values()),
        employee_total=sum(part.employee for part in parts.values()),
        rule_version=law.version,
        effective_from=max(dates),
    )


# --- voluntary SI -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoluntaryContribution:
    """A voluntary SI month: the contribution, the state's support and what the contributor pays."""

    income: int
    on: date
    category: str
    rate_bp: int
    monthly: int
    poverty_line: int  # rural poverty line: the lowest income and the base of the support
    income_cap: int
    support_bp: int  # share of (rate × poverty line) the state pays
    support: int
    net: int
    support_legal_basis: str
    rule_version: str
    effective_from: date


def voluntary_contribution(income: int, on: date, category: str = OTHER) -> VoluntaryContribution:
    """Voluntary SI for a chosen monthly income: 22% of it, less the state support of the contributor's category."""
    _money(income, "income")
    law = in_force(SI_LAW, on)
    rate = in_force(VOLUNTARY_RATE, on)
    poverty = in_force(RURAL_POVERTY_LINE, on)
    support = in_force(VOLUNTARY_SUPPORT, on)
    support_bp = support.for_category(category)
    cap = si_salary_cap(on)
    if not poverty.amount <= income <= cap:
        raise ValueError(
            f"voluntary SI income must be between the rural poverty line ({poverty.amount:,} VND) and the cap "
            f"({cap:,} VND) on {on.isoformat()}, got {income:,} VND"
        )
    monthly = apply_bp(income, rate.employee_bp)
    # Support = share × (rate × poverty line), rounded once: the law states it as a share of that contribution.
    support_amount = round_half_up(Decimal(poverty.amount) * rate.employee_bp * support_bp / (BP * BP))
    return VoluntaryContribution(
        income=income,
        on=on,
        category=category,
        rate_bp=rate.employee_bp,
        monthly=monthly,
        poverty_line=poverty.amount,
        income_cap=cap,
        support_bp=support_bp,
        support=support_amount,
        net=monthly - support_amount,
        support_legal_basis=support.legal_basis,
        rule_version=law.version,
        effective_from=max(
            law.effective_from,
            rate.effective_from,
            poverty.effective_from,
            support.effective_from,
            in_force(BASE_SALARY, on).effective_from,
        ),
    )


# --- household health insurance ---------------------------------------------------------------------------------


def _household_rule(on: date | None) -> HouseholdHiRow:
    """The household HI rule in force on a date, or the latest one."""
    return HOUSEHOLD_HI.latest() if on is None else in_force(HOUSEHOLD_HI, on)


def household_factor(order_k: int, on: date | None = None) -> Decimal:
    """Factor of the k-th member by enrolment order: 1, 0.7, 0.6, 0.5, then 0.4 (latest rule when no date)."""
    _count(order_k, "order_k", minimum=1)
    factors = _household_rule(on).factors
    return factors[min(order_k, len(factors)) - 1]


def household_monthly_amount(order_k: int, base_salary: int, on: date | None = None) -> int:
    """Monthly HI of the k-th member: 4.5% × base salary × factor(k), rounded half up per member per month."""
    _money(base_salary, "base_salary")
    rule = _household_rule(on)
    return round_half_up(Decimal(base_salary) * rule.rate_bp * household_factor(order_k, on) / BP)


@dataclass(frozen=True, slots=True)
class HouseholdContribution:
    """Household HI of one member for a payment period."""

    order_k: int
    months: int
    on: date
    base_salary: int
    rate_bp: int
    factor: Decimal
    monthly: int
    total: int  # monthly × months (the monthly amount is rounded first)
    rule_version: str
    effective_from: date


def household_contribution(order_k: int, months: int, on: date) -> HouseholdContribution:
    """What the k-th member pays for a 3-, 6- or 12-month period starting on a date."""
    rule = in_force(HOUSEHOLD_HI, on)
    if months not in rule.payment_periods:
        allowed = ", ".join(str(period) for period in rule.payment_periods)
        raise ValueError(f"household HI is paid for {allowed} months at a time, not {months}")
    base = in_force(BASE_SALARY, on)
    monthly = household_monthly_amount(order_k, base.amount, on)
    return HouseholdContribution(
        order_k=order_k,
        months=months,
        on=on,
        base_salary=base.amount,
        rate_bp=rule.rate_bp,
        factor=household_factor(order_k, on),
        monthly=monthly,
        total=monthly * months,
        rule_version=rule.version,
        effective_from=max(rule.effective_from, base.effective_from),
    )


# --- service time -----------------------------------------------------------------------------------------------


def _month_index(month: str) -> int:
    """Months since year 0 of a YYYY-MM month."""
    year, mon = parse_month(month)
    return year * 12 + mon - 1


def count_contribution_months(periods: Iterable[tuple[str, str]]) -> int:
    """Months covered by (from_month, to_month) periods, both ends included; overlapping months count once."""
    # Pass paid periods only: a month the employer owes (arrears) is not a paid month (DESIGN.md "Contributions").
    spans = []
    for first, last in periods:
        start, end = _month_index(first), _month_index(last)
        if end < start:
            raise ValueError(f"period ends before it starts: {first}..{last}")
        spans.append((start, end))
    total = 0
    current: tuple[int, int] | None = None
    for start, end in sorted(spans):
        if current is not None and start <= current[1] + 1:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += current[1] - current[0] + 1
        current = (start, end)
    if current is not None:
        total += current[1] - current[0] + 1
    return total


def years_and_months(total_months: int) -> tuple[int, int]:
    """Whole years and the months left, as VSS states service time ("20 năm 6 tháng")."""
    return divmod(_count(total_months, "total_months"), 12)


def _counted_half_years(months: int) -> int:
    """Half-years counted for a benefit (1–6 odd months = one half, 7–11 = two)."""
    years, rest = years_and_months(months)
    return 2 * years + (0 if rest == 0 else 1 if rest <= 6 else 2)


def counted_years(months: int) -> Decimal:
    """Years for a benefit: 1–6 odd months count as half a year, 7–11 as a full year."""
    return Decimal(_counted_half_years(months)) / 2


# --- pension ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PensionRate:
    """Pension rate (basis points of the average salary) and whether the contribution time gives a pension."""

    sex: str
    contribution_months: int
    retirement_date: date  # the first day of the pension
    years_early: int
    counted_years: Decimal
    eligible: bool
    rate_bp: int  # 0 when not eligible
    reason: str | None  # why not eligible
    rule_version: str
    effective_from: date

    @property
    def percent(self) -> Decimal:
        """The rate as a percent (4050 → 40.5)."""
        return percent(self.rate_bp)


MAX_PENSION_BP = 7500
FULL_RATE_BP = 4500  # for the sex's full-rate years
PER_HALF_YEAR_BP = 100  # +2% a year
SHORT_SERVICE_YEARS = 15  # men under the 2024 law: 40% at 15 years, +1% a year up to 20
SHORT_SERVICE_BP = 4000
SHORT_PER_HALF_YEAR_BP = 50
EARLY_PER_YEAR_BP = 200


def pension_rate(sex: str, contribution_months: int, retirement_date: date, years_early: int = 0) -> PensionRate:
    """Pension rate for a pension starting on a date; 2% less per whole year of early retirement."""
    _sex(sex)
    _count(contribution_months, "contribution_months")
    _count(years_early, "years_early")
    try:
        rule = in_force(PENSION_RULES, retirement_date)
    except LookupError:
        raise ValueError("pensions starting before 2018-01-01 follow the SI Law 2006, which is not modelled") from None
    half_years = _counted_half_years(contribution_months)
    eligible = contribution_months >= rule.min_months
    rate, reason = 0, None
    if not eligible:
        years, months = years_and_months(contribution_months)
        reason = (
            f"{rule.version} requires at least {rule.min_months // 12} years of contributions for a pension; "
            f"{years} years {months} months counted"
        )
    else:
        full_years = rule.male_full_years if sex == MALE else rule.female_full_years
        if sex == MALE and rule.male_short_service and half_years < 2 * full_years:
            rate = SHORT_SERVICE_BP + SHORT_PER_HALF_YEAR_BP * (half_years - 2 * SHORT_SERVICE_YEARS)
        else:
            rate = FULL_RATE_BP + PER_HALF_YEAR_BP * (half_years - 2 * full_years)
        # The 75% cap first, then 2% off per year of early retirement (SI Law 2014 Điều 56.3, 2024 Điều 66).
        rate = max(min(rate, MAX_PENSION_BP) - EARLY_PER_YEAR_BP * years_early, 0)
    return PensionRate(
        sex=sex,
        contribution_months=contribution_months,
        retirement_date=retirement_date,
        years_early=years_early,
        counted_years=Decimal(half_years) / 2,
        eligible=eligible,
        rate_bp=rate,
        reason=reason,
        rule_version=rule.version,
        effective_from=rule.effective_from,
    )


# --- retirement age ---------------------------------------------------------------------------------------------


def _age_rule_months(sex: str, year: int) -> tuple[int, RetirementAgeRow]:
    """Normal retirement age in months for a year, and the roadmap row it comes from."""
    row = in_force(RETIREMENT_AGE, date(year, 1, 1))
    start, step, final = (
        (row.male_start, row.male_step, row.male_final)
        if sex == MALE
        else (row.female_start, row.female_step, row.female_final)
    )
    return min(final, start + step * (year - row.effective_from.year)), row


def normal_retirement_age(sex: str, year: int) -> tuple[int, int]:
    """Normal retirement age (years, months) for those reaching it in a year (Decree 135/2020 roadmap)."""
    months, _ = _age_rule_months(_sex(sex), year)
    return divmod(months, 12)


@dataclass(frozen=True, slots=True)
class RetirementDate:
    """When a person reaches the normal retirement age and when the pension starts."""

    sex: str
    birth_date: date
    age_years: int
    age_months: int
    reached_month: str  # YYYY-MM in which the age is reached
    retires_on: date  # the last day of that month (the retirement takes effect at its end)
    pension_from: date  # the first day of the next month
    rule_version: str
    effective_from: date


def retirement_date(sex: str, birth_date: date) -> RetirementDate:
    """The month a person reaches the age set for the year it is reached (Decree 135/2020 Appendix I, iterated)."""
    # A birth date known only by its year is passed as 1 January of that year, as the SI rules do.
    _sex(sex)
    birth = birth_date.year * 12 + birth_date.month - 1
    age = min(row.male_start if sex == MALE else row.female_start for row in RETIREMENT_AGE.rows)
    while True:
        reached = birth + age
        required, row = _age_rule_months(sex, reached // 12)
        if age >= required:
            break
        age += 1
    year, month = divmod(reached, 12)
    pension_from = date((reached + 1) // 12, (reached + 1) % 12 + 1, 1)
    return RetirementDate(
        sex=sex,
        birth_date=birth_date,
        age_years=age // 12,
        age_months=age % 12,
        reached_month=month_str(year, month + 1),
        retires_on=pension_from - timedelta(days=1),
        pension_from=pension_from,
        rule_version=row.version,
        effective_from=row.effective_from,
    )


# --- one-time SI allowance --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OneTimeAllowance:
    """The one-time SI allowance (BHXH một lần)."""

    average_salary: int
    months_before_2014: int
    months_from_2014: int
    on: date
    years_before_2014: Decimal  # whole years only: odd months move to the period from 2014
    years_from_2014: Decimal  # with the moved months, rounded to half or whole years
    salary_months: Decimal  # months of the average salary paid
    amount: int
    rule_version: str
    effective_from: date


def one_time_allowance(
    average_salary: int, months_before_2014: int, months_from_2014: int, *, on: date
) -> OneTimeAllowance:
    """1.5 months of the average salary per year before 2014, 2 per year from 2014; under a year: 22%, at most 2."""
    # Odd months before 2014 are added to the months from 2014 and only then rounded (1–6 months = half a year,
    # 7–11 = a year), as Circular 59/2015/TT-BLĐTBXH Điều 19 directs; the amount is rounded half up once.
    _money(average_salary, "average_salary")
    _count(months_before_2014, "months_before_2014")
    _count(months_from_2014, "months_from_2014")
    law = in_force(SI_LAW, on)
    total = months_before_2014 + months_from_2014
    if total == 0:
        raise ValueError("no months of contributions")
    if total < 12:
        salary_months = min(Decimal(total) * law.one_time_short_rate_bp / BP, Decimal(law.one_time_short_max_months))
        years_before, years_from = Decimal(0), Decimal(0)
    else:
        whole_years_before, odd_months = divmod(months_before_2014, 12)
        years_before = Decimal(whole_years_before)
        years_from = counted_years(months_from_2014 + odd_months)
        salary_months = years_before * law.one_time_months_before_2014 + years_from * law.one_time_months_from_2014
    return OneTimeAllowance(
        average_salary=average_salary,
        months_before_2014=months_before_2014,
        months_from_2014=months_from_2014,
        on=on,
        years_before_2014=years_before,
        years_from_2014=years_from,
        salary_months=salary_months,
        amount=round_half_up(salary_months * average_salary),
        rule_version=law.version,
        effective_from=law.effective_from,
    )


# --- unemployment -----------------------------------------------------------------------------------------------


def unemployment_benefit_months(contribution_months: int, on: date) -> int:
    """Months of benefit: 3 for 12–36 months of contributions, +1 per further 12, at most 12; 0 under 12."""
    _count(contribution_months, "contribution_months")
    law = in_force(EMPLOYMENT_LAW, on)
    if contribution_months < law.min_months:
        return 0
    extra = max(0, contribution_months - law.base_covers_months) // law.months_per_extra_month
    return min(law.base_benefit_months + extra, law.max_benefit_months)


@dataclass(frozen=True, slots=True)
class UnemploymentBenefit:
    """Unemployment benefit (trợ cấp thất nghiệp) on a termination date."""

    last_six_salaries: tuple[int, ...]
    contribution_months: int
    region: str
    on: date  # the date the labour contract ended
    eligible: bool
    reason: str | None
    average_salary: int  # shown rounded; the benefit is computed from the exact average
    rate_bp: int
    cap: int  # 5 × the regional minimum wage in force on the date
    monthly: int  # 0 when not eligible
    months: int
    total: int
    rule_version: str
    effective_from: date


def unemployment_benefit(
    last_six_salaries: Sequence[int], contribution_months: int, region: str, on: date
) -> UnemploymentBenefit:
    """60% of the last six months' average UI salary, capped at 5 × the regional minimum wage, for 3–12 months."""
    salaries = _salaries(last_six_salaries, "last_six_salaries", exactly=6)
    _count(contribution_months, "contribution_months")
    law = in_force(EMPLOYMENT_LAW, on)
    wage = in_force(REGIONAL_MINIMUM_WAGE, on)
    cap = law.benefit_cap_multiple * wage.for_region(_region(region))
    months = unemployment_benefit_months(contribution_months, on)
    eligible = months > 0
    monthly = min(round_half_up(Decimal(sum(salaries)) * law.benefit_rate_bp / (len(salaries) * BP)), cap)
    reason = None
    if not eligible:
        reason = (
            f"{law.version} requires at least {law.min_months} months of unemployment insurance contributions; "
            f"{contribution_months} counted"
        )
        monthly = 0
    return UnemploymentBenefit(
        last_six_salaries=salaries,
        contribution_months=contribution_months,
        region=region,
        on=on,
        eligible=eligible,
        reason=reason,
        average_salary=round_half_up(Decimal(sum(salaries)) / len(salaries)),
        rate_bp=law.benefit_rate_bp,
        cap=cap,
        monthly=monthly,
        months=months,
        total=monthly * months,
        rule_version=law.version,
        effective_from=max(law.effective_from, wage.effective_from),
    )


# --- sickness and maternity -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SicknessBenefit:
    """Sickness benefit (ốm đau) per month, per day, and for a number of days."""

    last_month_salary: int
    on: date
    days: int
    rate_bp: int
    days_per_month: int
    monthly: int
    daily: int
    total: int  # rounded once from the exact per-day amount, not daily × days
    rule_version: str
    effective_from: date


def sickness_daily_amount(last_month_salary: int, on: date) -> int:
    """Per-day sickness benefit: 75% of the last month's SI salary over 24 days, rounded half up once."""
    return sickness_benefit(last_month_salary, on, days=1).daily


def sickness_benefit(last_month_salary: int, on: date, days: int = 0) -> SicknessBenefit:
    """75% of the SI salary of the month before the leave; the per-day amount is the monthly amount / 24."""
    _money(last_month_salary, "last_month_salary")
    _count(days, "days")
    law = in_force(SI_LAW, on)
    per_day = Decimal(last_month_salary) * law.sickness_rate_bp / (BP * law.sickness_days_per_month)
    return SicknessBenefit(
        last_month_salary=last_month_salary,
        on=on,
        days=days,
        rate_bp=law.sickness_rate_bp,
        days_per_month=law.sickness_days_per_month,
        monthly=apply_bp(last_month_salary, law.sickness_rate_bp),
        daily=round_half_up(per_day),
        total=round_half_up(per_day * days),
        rule_version=law.version,
        effective_from=law.effective_from,
    )


@dataclass(frozen=True, slots=True)
class MaternityBenefit:
    """Maternity benefit for giving birth: the leave months at 100% of the average, and the lump sum."""

    last_six_salaries: tuple[int, ...]
    birth_date: date
    children: int
    average_salary: int  # the monthly benefit (100%), rounded half up
    leave_months: int
    leave_total: int  # average_salary × leave_months
    base_salary: int  # in force in the month of birth
    lump_sum: int  # 2 × base salary per child
    total: int
    rule_version: str
    effective_from: date


def maternity_benefit(last_six_salaries: Sequence[int], birth_date: date, children: int = 1) -> MaternityBenefit:
    """Six months (one more per extra child) at 100% of the 6-month average, plus 2 × base salary per child."""
    # With fewer than six months of contributions the average is of the months given, as the SI law provides.
    salaries = _salaries(last_six_salaries, "last_six_salaries")
    _count(children, "children", minimum=1)
    law = in_force(SI_LAW, birth_date)
    base = in_force(BASE_SALARY, birth_date.replace(day=1))  # the base salary of the month of birth
    average = round_half_up(Decimal(sum(salaries)) / len(salaries))
    leave_months = MATERNITY_LEAVE_MONTHS + children - 1
    lump_sum = law.maternity_lump_sum_multiple * base.amount * children
    return MaternityBenefit(
        last_six_salaries=salaries,
        birth_date=birth_date,
        children=children,
        average_salary=average,
        leave_months=leave_months,
        leave_total=average * leave_months,
        base_salary=base.amount,
        lump_sum=lump_sum,
        total=average * leave_months + lump_sum,
        rule_version=law.version,
        effective_from=max(law.effective_from, base.effective_from),
    )


# --- salary revaluation -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RevaluationTable:
    """One published table of revaluation coefficients by year of contribution; years it lacks are not revalued."""

    coefficients: Mapping[int, Decimal] = field(default_factory=dict)
    version: str = "none"  # the legal text that published it, e.g. the circular's number
    legal_basis: str = ""
    effective_from: date | None = None
    kind: str = ""  # "salary" (compulsory contributors) or "income" (voluntary contributors)
    earlier_year: int | None = None  # its row covers every earlier year too ("trước năm 1995")
    source: str = ""  # where the values were taken from

    def __post_init__(self) -> None:
        for year, value in self.coefficients.items():
            if not isinstance(value, Decimal) or value <= 0:
                raise ValueError(f"revaluation coefficient for {year} must be a positive Decimal, got {value!r}")
        if self.earlier_year is not None and self.earlier_year not in self.coefficients:
            raise ValueError(f"the row for years before {self.earlier_year + 1} is missing")
        object.__setattr__(self, "coefficients", MappingProxyType(dict(self.coefficients)))

    @property
    def coefficients_loaded(self) -> bool:
        """Whether a published table was loaded (else no year is revalued)."""
        return bool(self.coefficients)

    def published(self, year: int) -> Decimal | None:
        """The published coefficient of a year's salaries, None when the table does not establish one."""
        if year in self.coefficients:
            return self.coefficients[year]
        if self.earlier_year is not None and year < self.earlier_year:
            return self.coefficients[self.earlier_year]
        return None

    def coefficient(self, year: int) -> Decimal:
        """The coefficient applied to a year's salaries: the published one, else 1 (and the year is reported)."""
        published = self.published(year)
        return Decimal(1) if published is None else published


NO_REVALUATION = RevaluationTable()


@dataclass(frozen=True, slots=True)
class AverageSalary:
    """Average of past monthly salaries after revaluation."""

    months: int
    average: int
    coefficients_loaded: bool
    years_at_default: tuple[int, ...]  # years the table does not establish: salaries taken as paid
    note: str | None  # REVALUATION_NOT_LOADED when no table was loaded
    rule_version: str
    effective_from: date | None


def average_salary(
    monthly_salaries: Sequence[tuple[str, int]], revaluation: RevaluationTable = NO_REVALUATION
) -> AverageSalary:
    """Average of (month, salary) pairs, each salary × its year's coefficient, rounded half up once."""
    if not monthly_salaries:
        raise ValueError("no salaries to average")
    total = Decimal(0)
    defaulted: set[int] = set()
    for month, salary in monthly_salaries:
        year, _ = parse_month(month)
        _money(salary, f"salary of {month}")
        if revaluation.published(year) is None:
            defaulted.add(year)
        total += salary * revaluation.coefficient(year)
    return AverageSalary(
        months=len(monthly_salaries),
        average=round_half_up(total / len(monthly_salaries)),
        coefficients_loaded=revaluation.coefficients_loaded,
        years_at_default=tuple(sorted(defaulted)),
        note=None if revaluation.coefficients_loaded else REVALUATION_NOT_LOADED,
        rule_version=revaluation.version,
        effective_from=revaluation.effective_from,
    )


# --- the career average of pension and one-time allowance --------------------------------------------------------


STATE_SCALE_REBASED_BEFORE = (2016, 1)  # (year, month) participation must begin before for state-scale rebasing


def state_scale_window(first_month: str) -> int | None:
    """Months of state-scale salary averaged, by the month SI participation began; None = the whole time."""
    year, _ = parse_month(first_month)
    for last_year, months in STATE_SCALE_WINDOWS.windows:
        if year <= last_year:
            return months
    return None


@dataclass(frozen=True, slots=True)
class YearCoefficient:
    """The coefficient applied to one year's salaries (or incomes) of one table."""

    table: str  # "salary" (market-set salaries), "income" (voluntary incomes)
    year: int
    months: int
    coefficient: Decimal  # 1 when not published
    published: bool


@dataclass(frozen=True, slots=True)
class StateRebase:
    """State-scale months on one base salary, carried to the reference level of the benefit date."""

    from_month: str
    to_month: str
    months: int
    base_salary: int | None  # None: before the base salary table starts (taken as paid)
    factor: Decimal  # reference level / base salary, 1 when the base salary is unknown


@dataclass(frozen=True, slots=True)
class CareerAverage:
    """The average salary a pension or one-time allowance is computed on (mức bình quân tiền lương, thu nhập)."""

    on: date
    average: int
    months: int  # state + market + voluntary
    market_months: int
    state_months: int
    voluntary_months: int
    state_window: int | None  # the last state-scale months averaged; None = all of them
    state_average: int | None  # shown rounded; the average uses the exact value
    reference_level: int | None  # of the benefit date, for state-scale salaries
    coefficients: tuple[YearCoefficient, ...]
    state_rebases: tuple[StateRebase, ...]
    not_revalued: Mapping[str, tuple[int, ...]]  # table → years whose coefficient is not established
    salary_table: RevaluationTable
    income_table: RevaluationTable
    legal_basis: str


def _revalue(
    items: Sequence[tuple[str, int]], table: RevaluationTable, name: str
) -> tuple[Decimal, list[YearCoefficient]]:
    """Sum of salaries × their year's coefficient, and the coefficient used per year."""
    total = Decimal(0)
    per_year: dict[int, int] = defaultdict(int)
    for month, amount in items:
        _money(amount, f"{name} of {month}")
        year, _ = parse_month(month)
        per_year[year] += 1
        total += amount * table.coefficient(year)
    used = [
        YearCoefficient(name, year, months, table.coefficient(year), table.published(year) is not None)
        for year, months in sorted(per_year.items())
    ]
    return total, used


def _merge(years: list[YearCoefficient]) -> list[YearCoefficient]:
    """One entry per year of a table: market and state-scale months of a year under one coefficient."""
    merged: dict[int, YearCoefficient] = {}
    for entry in years:
        held = merged.get(entry.year)
        merged[entry.year] = entry if held is None else replace(held, months=held.months + entry.months)
    return [merged[year] for year in sorted(merged)]


def _years(first: str, last: str) -> range:
    """The calendar years from ``first``'s to ``last``'s."""
    return range(parse_month(first)[0], parse_month(last)[0] + 1)


def _rebase(items: Sequence[tuple[str, int]], reference: int) -> tuple[Decimal, list[StateRebase]]:
    """Sum of state-scale salaries carried to the reference level (salary / base salary of its month × reference)."""
    total = Decimal(0)
    runs: list[StateRebase] = []
    for month, amount in items:
        year, mon = parse_month(month)
        try:
            base: int | None = in_force(BASE_SALARY, date(year, mon, 1)).amount
        except LookupError:
            base = None
        factor = Decimal(1) if base is None else Decimal(reference) / base
        total += amount * factor
        last = runs[-1] if runs else None
        if last is not None and last.base_salary == base and _month_index(month) == _month_index(last.to_month) + 1:
            runs[-1] = StateRebase(last.from_month, month, last.months + 1, base, factor)
        else:
            runs.append(StateRebase(month, month, 1, base, factor))
    return total, runs


def career_average(
    compulsory: Sequence[tuple[str, int, bool]],
    voluntary: Sequence[tuple[str, int]],
    *,
    first_month: str,
    on: date,
    salaries: RevaluationTable = NO_REVALUATION,
    incomes: RevaluationTable = NO_REVALUATION,
) -> CareerAverage:
    """The revalued average of a career: (month, salary, state scale?) compulsory months and (month, income) voluntary.

    Market-set salaries count over the whole career, each × its year's coefficient; state-scale salaries over their
    last months (the window set by when participation began), carried to the reference level of ``on`` when
    participation began before 2016, else × the salary table too (Luật BHXH 58/2014/QH13 Điều 63); the two are
    weighted by their months (Luật BHXH 41/2024/QH15 Điều 72). Voluntary incomes × the income table's
    coefficient join by months (Nghị định 159/2025/NĐ-CP Điều 11). Rounded half up once, at the end.
    """
    state = sorted((month, amount) for month, amount, is_state in compulsory if is_state)
    market = sorted((month, amount) for month, amount, is_state in compulsory if not is_state)
    own = sorted(voluntary)
    months = len(state) + len(market) + len(own)
    if months == 0:
        raise ValueError("no salaries to average")
    market_total, market_years = _revalue(market, salaries, "salary")
    income_total, income_years = _revalue(own, incomes, "income")
    window = state_scale_window(first_month) if state else None
    # State-scale salaries of those who joined before 2016 are carried to the reference level of the benefit date;
    # of those who joined later they are revalued by the salary table, as market-set salaries are.
    rebased = bool(state) and parse_month(first_month) < STATE_SCALE_REBASED_BEFORE
    reference = in_force(BASE_SALARY, on).amount if rebased else None
    state_exact: Decimal | None = None
    rebases: list[StateRebase] = []
    state_years: list[YearCoefficient] = []
    if state:
        averaged = state if window is None else state[-window:]
        if rebased:
            state_total, rebases = _rebase(averaged, reference or 0)
        else:
            state_total, state_years = _revalue(averaged, salaries, "salary")
        state_exact = state_total / len(averaged)
    total = market_total + income_total + (state_exact * len(state) if state_exact is not None else 0)
    not_revalued = {
        "salary": tuple(sorted({y.year for y in market_years + state_years if not y.published})),
        "income": tuple(y.year for y in income_years if not y.published),
        "state": tuple(
            sorted({year for r in rebases if r.base_salary is None for year in _years(r.from_month, r.to_month)})
        ),
    }
    return CareerAverage(
        on=on,
        average=round_half_up(total / months),
        months=months,
        market_months=len(market),
        state_months=len(state),
        voluntary_months=len(own),
        state_window=window,
        state_average=None if state_exact is None else round_half_up(state_exact),
        reference_level=reference,
        coefficients=tuple(_merge(market_years + state_years) + income_years),
        state_rebases=tuple(rebases),
        not_revalued=MappingProxyType({k: v for k, v in not_revalued.items() if v}),
        salary_table=salaries,
        income_table=incomes,
        legal_basis=STATE_SCALE_WINDOWS.legal_basis,
    )


# --- the yearly co-payment cap (miễn cùng chi trả) ----------------------------------------------------------------
# Luật BHYT Điều 22 khoản 1: the fund pays 100% for a person with 5 continuous years of cover whose co-payments in a
# calendar year pass 6 months of base salary. Each co-payment is weighed against the base salary in force on the day
# it was paid, so a year across a base-salary change is judged payment by payment; once passed, the cap stays passed
# for the rest of the year (docs/disputes-and-copayment.md says why and what is left out).

FIRST_CAP_YEAR = CO_PAYMENT_CAP.rows[0].effective_from.year


def co_payment_cap(on: date) -> int:
    """The months of base salary (6) in force on ``on``: what a year's co-payments must pass."""
    return in_force(CO_PAYMENT_CAP, on).base_salary_months * in_force(BASE_SALARY, on).amount


def continuous_years_reached(five_year_date: date | None, on: date) -> bool:
    """True when the card's date of 5 continuous years of cover (ngayDu5Nam) is on or before ``on``."""
    return five_year_date is not None and five_year_date <= on


@dataclass(frozen=True, slots=True)
class CoPayment:
    """One visit's co-payment (T_BNCCT) and the day it was paid: the visit's discharge day (NGAY_RA)."""

    paid_on: date
    amount: int


@dataclass(frozen=True, slots=True)
class CoPaymentYear:
    """A calendar year's co-payments against the cap, and since when (if at all) no more co-payment is owed."""

    year: int
    on: date  # the figures are as of this day: today in the current year, 31 December for a past one
    total: int
    payments: int
    cap: int  # in force on ``cap_on``
    cap_on: date  # the day the cap was passed, else ``on``
    base_salary: int
    base_salary_from: date
    gap: int  # what is left before the cap (the total must go beyond it); 0 once passed
    reached_on: date | None  # the payment day on which the running total first passed the cap in force that day
    five_year_date: date | None
    five_years: bool  # 5 continuous years of cover reached by ``on``
    continuous_years: int
    eligible_from: date | None  # both conditions met: no co-payment from this day to 31 December
    rule_version: str
    effective_from: date
    legal_basis: str


def co_payment_year(
    payments: Iterable[CoPayment], *, year: int, five_year_date: date | None, today: date
) -> CoPaymentYear:
    """The year's running total of co-payments, the cap, the gap, and the first day of exemption when earned.

    The exemption starts on the later of the day the total passed the cap and the day 5 continuous years were
    reached, both within the year. ValueError for a year before the rule or after ``today``'s.
    """
    if not FIRST_CAP_YEAR <= year <= today.year:
        raise ValueError(f"year must be from {FIRST_CAP_YEAR} to {today.year}")
    on = min(today, date(year, 12, 31))
    in_year = [payment for payment in payments if payment.paid_on.year == year]
    by_day: dict[date, int] = defaultdict(int)
    for payment in in_year:
        by_day[payment.paid_on] += _money(payment.amount, "co-payment")
    total, reached_on = 0, None
    for day in sorted(by_day):
        total += by_day[day]
        if reached_on is None and total > co_payment_cap(day):
            reached_on = day
    cap_on = reached_on or on
    rule, base = in_force(CO_PAYMENT_CAP, cap_on), in_force(BASE_SALARY, cap_on)
    cap = co_payment_cap(cap_on)
    five_years = continuous_years_reached(five_year_date, on)
    eligible_from = max(reached_on, five_year_date) if reached_on and five_years else None  # type: ignore[type-var]
    return CoPaymentYear(
        year=year,
        on=on,
        total=total,
        payments=len(in_year),
        cap=cap,
        cap_on=cap_on,
        base_salary=base.amount,
        base_salary_from=base.effective_from,
        gap=0 if reached_on else max(cap - total, 0),
        reached_on=reached_on,
        five_year_date=five_year_date,
        five_years=five_years,
        continuous_years=rule.continuous_years,
        eligible_from=eligible_from,
        rule_version=rule.version,
        effective_from=max(rule.effective_from, base.effective_from),
        legal_basis=f"{rule.legal_basis}; lương cơ sở: {base.legal_basis}",
    )
