"""The legal rules, checked against published figures: each test names the text and the number it checks."""

from datetime import date
from decimal import Decimal

import pytest

from ansinh.identity.models import Sex
from ansinh.records.models import Fund, WageRegion
from ansinh.records.rules import (
    REVALUATION_NOT_LOADED,
    RevaluationTable,
    average_salary,
    capped_salary,
    count_contribution_months,
    counted_years,
    household_contribution,
    household_factor,
    household_monthly_amount,
    maternity_benefit,
    monthly_contribution,
    normal_retirement_age,
    one_time_allowance,
    pension_rate,
    retirement_date,
    round_half_up,
    si_salary_cap,
    sickness_benefit,
    sickness_daily_amount,
    ui_salary_cap,
    unemployment_benefit,
    unemployment_benefit_months,
    voluntary_contribution,
    years_and_months,
)
from ansinh.records.tables import (
    BASE_SALARY,
    CONTRIBUTION_RATES,
    ETHNIC_MINORITY,
    FUNDS,
    NEAR_POOR,
    OTHER,
    POOR,
    REGIONAL_MINIMUM_WAGE,
    REGIONS,
    RURAL_POVERTY_LINE,
    SEXES,
    AmountRow,
    DatedTable,
    in_force,
)

ALL_FUNDS = {"RS", "SM", "OA", "UI", "HI"}


# --- the tables and their lookup --------------------------------------------------------------------------------


def test_codes_match_the_database_enums() -> None:
    assert set(FUNDS) == {f.value for f in Fund}
    assert set(REGIONS) == {r.value for r in WageRegion}
    assert set(SEXES) == {s.value for s in Sex}


def test_every_row_carries_its_legal_basis_and_date() -> None:
    tables = [BASE_SALARY, REGIONAL_MINIMUM_WAGE, RURAL_POVERTY_LINE, *CONTRIBUTION_RATES.values()]
    for table in tables:
        for row in table.rows:
            assert isinstance(row.effective_from, date)
            assert row.legal_basis.strip()


def test_base_salary_changes_exactly_on_its_effective_date() -> None:
    # Decree 24/2023: 1,800,000 from 2023-07-01; Decree 73/2024: 2,340,000 from 2024-07-01.
    assert in_force(BASE_SALARY, date(2023, 6, 30)).amount == 1_490_000
    assert in_force(BASE_SALARY, date(2023, 7, 1)).amount == 1_800_000
    assert in_force(BASE_SALARY, date(2024, 6, 30)).amount == 1_800_000
    assert in_force(BASE_SALARY, date(2024, 7, 1)).amount == 2_340_000
    assert in_force(BASE_SALARY, date(2026, 6, 30)).amount == 2_340_000
    assert in_force(BASE_SALARY, date(2026, 7, 1)).amount == 2_530_000
    assert in_force(BASE_SALARY, date(2024, 7, 1)).legal_basis == "Nghị định 73/2024/NĐ-CP"


def test_regional_minimum_wage_decree_293_2025_from_2026_01_01() -> None:
    # Decree 293/2025: 5,310,000 / 4,730,000 / 4,140,000 / 3,700,000 from 2026-01-01, replacing Decree 74/2024.
    before, after = (
        in_force(REGIONAL_MINIMUM_WAGE, date(2025, 12, 31)),
        in_force(REGIONAL_MINIMUM_WAGE, date(2026, 1, 1)),
    )
    assert [before.for_region(r) for r in REGIONS] == [4_960_000, 4_410_000, 3_860_000, 3_450_000]
    assert [after.for_region(r) for r in REGIONS] == [5_310_000, 4_730_000, 4_140_000, 3_700_000]
    # Decree 38/2022 from 2022-07-01.
    assert in_force(REGIONAL_MINIMUM_WAGE, date(2022, 7, 1)).for_region("IV") == 3_250_000


def test_a_date_before_a_table_starts_is_an_error_not_a_guess() -> None:
    with pytest.raises(LookupError, match="no base salary in force on 2013-06-30"):
        in_force(BASE_SALARY, date(2013, 6, 30))


def test_a_dated_table_refuses_rows_out_of_order() -> None:
    rows = (AmountRow(date(2024, 7, 1), 2, "b"), AmountRow(date(2023, 7, 1), 1, "a"))
    with pytest.raises(ValueError, match="strictly increasing"):
        DatedTable("test", rows)


def test_occupational_rate_history() -> None:
    # 1% until 2017-05-31; 0.5% from 2017-06-01 (Decree 44/2017); 0% 2021-07-01..2022-06-30 (Decision 23/2021);
    # 0.5% again from 2022-07-01 (Decree 58/2020).
    oa = CONTRIBUTION_RATES["OA"]
    assert in_force(oa, date(2017, 5, 31)).employer_bp == 100
    assert in_force(oa, date(2017, 6, 1)).employer_bp == 50
    assert in_force(oa, date(2021, 7, 1)).employer_bp == 0
    assert in_force(oa, date(2022, 6, 30)).employer_bp == 0
    assert in_force(oa, date(2022, 7, 1)).employer_bp == 50


# --- rounding ---------------------------------------------------------------------------------------------------


def test_round_half_up_rounds_halves_up_not_to_even() -> None:
    assert round_half_up(Decimal("25000.5")) == 25_001  # banker's rounding would give 25,000
    assert round_half_up(Decimal("22504.5")) == 22_505  # … and 22,504
    assert round_half_up(Decimal("25000.49")) == 25_000
    assert round_half_up(7) == 7


def test_round_half_up_refuses_floats() -> None:
    with pytest.raises(TypeError, match="float"):
        round_half_up(0.5)  # type: ignore[arg-type]


# --- caps -------------------------------------------------------------------------------------------------------


def test_si_cap_is_20_base_salaries_46_8_million_from_2024_07_01() -> None:
    # 20 × 2,340,000 = 46,800,000 (SI Law 2014 Điều 89; Decree 73/2024); 20 × 1,800,000 the day before.
    assert si_salary_cap(date(2024, 6, 30)) == 36_000_000
    assert si_salary_cap(date(2024, 7, 1)) == 46_800_000
    assert si_salary_cap(date(2026, 7, 1)) == 50_600_000


def test_ui_cap_is_20_regional_minimum_wages() -> None:
    # 20 × 4,960,000 = 99,200,000 for region I under Decree 74/2024; 20 × 5,310,000 from 2026-01-01.
    assert ui_salary_cap("I", date(2025, 12, 31)) == 99_200_000
    assert ui_salary_cap("IV", date(2025, 12, 31)) == 69_000_000
    assert ui_salary_cap("I", date(2026, 1, 1)) == 106_200_000


def test_capped_salary_uses_the_ui_cap_for_ui_only() -> None:
    on = date(2025, 1, 1)
    assert capped_salary(100_000_000, "RS", on) == 46_800_000
    assert capped_salary(100_000_000, "HI", on) == 46_800_000
    assert capped_salary(100_000_000, "UI", on, region="I") == 99_200_000
    assert capped_salary(46_800_000, "RS", on) == 46_800_000  # exactly on the cap: unchanged
    with pytest.raises(ValueError, match="wage region"):
        capped_salary(10_000_000, "UI", on)


# --- compulsory contributions -----------------------------------------------------------------------------------


def test_monthly_contribution_21_5_and_10_5_percent_of_10_million() -> None:
    # Employer 14 + 3 + 0.5 + 1 + 3 = 21.5%, employee 8 + 1 + 1.5 = 10.5% (DESIGN.md "Contributions").
    result = monthly_contribution(10_000_000, ALL_FUNDS, date(2025, 1, 1), region="I")
    assert result.amounts == {
        "RS": (1_400_000, 800_000),
        "SM": (300_000, 0),
        "OA": (50_000, 0),
        "UI": (100_000, 100_000),
        "HI": (300_000, 150_000),
    }
    assert (result.employer_total, result.employee_total, result.total) == (2_150_000, 1_050_000, 3_200_000)
    assert result.rule_version == "SI-Law-2014"
    assert result.effective_from == date(2024, 7, 1)  # the newest row used: the base salary of Decree 73/2024


def test_each_fund_is_rounded_half_up_on_its_own() -> None:
    # 0.5% × 5,000,100 = 25,000.5 → 25,001; 1.5% × 5,000,100 = 75,001.5 → 75,002.
    result = monthly_contribution(5_000_100, ALL_FUNDS, date(2025, 1, 1), region="II")
    assert result.amounts["OA"] == (25_001, 0)
    assert result.amounts["HI"] == (150_003, 75_002)
    assert result.employer_total == 700_014 + 150_003 + 25_001 + 50_001 + 150_003


def test_contribution_caps_si_funds_and_ui_separately() -> None:
    # 100,000,000 on 2026-01-01: SI/HI on 46,800,000 (20 × 2,340,000); UI on 106,200,000 (20 × 5,310,000).
    result = monthly_contribution(100_000_000, {"RS", "UI", "HI"}, date(2026, 1, 1), region="I")
    assert result.funds["RS"].salary_base == 46_800_000
    assert result.amounts["RS"] == (6_552_000, 3_744_000)
    assert result.amounts["HI"] == (1_404_000, 702_000)
    assert result.funds["UI"].salary_base == 100_000_000  # under the UI cap
    assert result.amounts["UI"] == (1_000_000, 1_000_000)
    assert (result.si_salary_cap, result.ui_salary_cap) == (46_800_000, 106_200_000)
    assert result.rule_version == "SI-Law-2024"


def test_contribution_cap_moves_on_the_base_salary_date() -> None:
    assert monthly_contribution(50_000_000, {"RS"}, date(2024, 6, 30)).funds["RS"].salary_base == 36_000_000
    assert monthly_contribution(50_000_000, {"RS"}, date(2024, 7, 1)).funds["RS"].salary_base == 46_800_000


def test_contribution_during_the_occupational_zero_rate() -> None:
    # Decision 23/2021/QĐ-TTg: OA 0% from 2021-07-01 to 2022-06-30.
    assert monthly_contribution(10_000_000, {"OA"}, date(2022, 6, 30)).amounts["OA"] == (0, 0)
    assert monthly_contribution(10_000_000, {"OA"}, date(2022, 7, 1)).amounts["OA"] == (50_000, 0)


def test_contribution_refuses_unknown_funds_and_ui_without_region() -> None:
    with pytest.raises(ValueError, match="unknown fund"):
        monthly_contribution(10_000_000, {"XX"}, date(2025, 1, 1))
    with pytest.raises(ValueError, match="wage region"):
        monthly_contribution(10_000_000, {"UI"}, date(2025, 1, 1))
    with pytest.raises(ValueError, match="no funds"):
        monthly_contribution(10_000_000, set(), date(2025, 1, 1))


def test_contribution_accepts_the_fund_enum() -> None:
    result = monthly_contribution(10_000_000, {Fund.RETIREMENT, Fund.HEALTH}, date(2025, 1, 1))
    assert result.amounts == {"RS": (1_400_000, 800_000), "HI": (300_000, 150_000)}


# --- voluntary SI -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "support"),
    [(POOR, 165_000), (NEAR_POOR, 132_000), (ETHNIC_MINORITY, 99_000), (OTHER, 66_000)],
)
def test_voluntary_support_decree_159_2025(category: str, support: int) -> None:
    # 22% × 1,500,000 = 330,000; support 50 / 40 / 30 / 20% of it from 2025-07-01 (Decree 159/2025).
    result = voluntary_contribution(1_500_000, date(2025, 7, 1), category)
    assert result.monthly == 330_000
    assert result.support == support
    assert result.net == 330_000 - support
    assert result.rule_version == "SI-Law-2024"


@pytest.mark.parametrize(
    ("category", "support"),
    [(POOR, 99_000), (NEAR_POOR, 82_500), (ETHNIC_MINORITY, 33_000), (OTHER, 33_000)],
)
def test_voluntary_support_decree_134_2015_until_2025_06_30(category: str, support: int) -> None:
    # 30 / 25 / 10% of 330,000 under Decree 134/2015 (no separate ethnic-minority share).
    assert voluntary_contribution(1_500_000, date(2025, 6, 30), category).support == support


def test_voluntary_contribution_of_a_higher_income_keeps_the_same_support() -> None:
    result = voluntary_contribution(5_000_000, date(2025, 7, 1), POOR)
    assert (result.monthly, result.support, result.net) == (1_100_000, 165_000, 935_000)


def test_voluntary_contribution_rounds_half_up() -> None:
    # 22% × 1,500,025 = 330,005.5 → 330,006.
    assert voluntary_contribution(1_500_025, date(2025, 7, 1)).monthly == 330_006


def test_voluntary_income_limits_are_inclusive() -> None:
    on = date(2025, 7, 1)
    assert voluntary_contribution(1_500_000, on).income == 1_500_000  # the rural poverty line itself
    assert voluntary_contribution(46_800_000, on).monthly == 10_296_000  # the cap itself: 20 × 2,340,000
    with pytest.raises(ValueError, match=r"between the rural poverty line \(1,500,000 VND\) and the cap"):
        voluntary_contribution(1_499_999, on)
    with pytest.raises(ValueError, match=r"\(46,800,000 VND\)"):
        voluntary_contribution(46_800_001, on)


def test_voluntary_floor_follows_the_2027_poverty_line() -> None:
    # Decree 351/2025: rural poverty line 1,500,000 through 2026, 2,200,000 from 2027-01-01.
    assert voluntary_contribution(1_500_000, date(2026, 12, 31)).monthly == 330_000
    result = voluntary_contribution(2_200_000, date(2027, 1, 1))
    assert (result.monthly, result.support) == (484_000, 96_800)  # 22% × 2,200,000; 20% of it
    with pytest.raises(ValueError, match="2,200,000"):
        voluntary_contribution(2_199_999, date(2027, 1, 1))


def test_voluntary_refuses_an_unknown_category() -> None:
    with pytest.raises(ValueError, match="unknown contributor category"):
        voluntary_contribution(1_500_000, date(2025, 7, 1), "veteran")


# --- household health insurance ---------------------------------------------------------------------------------


def test_household_factors_decree_146_2018() -> None:
    assert [household_factor(k) for k in range(1, 8)] == [
        Decimal(1),
        Decimal("0.7"),
        Decimal("0.6"),
        Decimal("0.5"),
        Decimal("0.4"),
        Decimal("0.4"),
        Decimal("0.4"),
    ]
    with pytest.raises(ValueError, match="at least 1"):
        household_factor(0)


@pytest.mark.parametrize(
    ("base", "published"),
    [
        (2_340_000, [105_300, 73_710, 63_180, 52_650, 42_120]),  # VSS figures from 2024-07-01
        (1_800_000, [81_000, 56_700, 48_600, 40_500, 32_400]),  # from 2023-07-01
        (1_490_000, [67_050, 46_935, 40_230, 33_525, 26_820]),  # from 2019-07-01
        (2_530_000, [113_850, 79_695, 68_310, 56_925, 45_540]),  # from 2026-07-01
    ],
)
def test_household_monthly_amounts_match_the_published_figures(base: int, published: list[int]) -> None:
    assert [household_monthly_amount(k, base) for k in range(1, 6)] == published
    assert household_monthly_amount(9, base) == published[-1]  # 5th member and later pay the same


def test_household_amount_rounds_half_up_per_member() -> None:
    # 4.5% × 1,000,200 × 0.5 = 22,504.5 → 22,505.
    assert household_monthly_amount(4, 1_000_200) == 22_505


def test_household_period_total_is_the_monthly_amount_times_months() -> None:
    result = household_contribution(2, 12, date(2026, 7, 1))
    assert (result.base_salary, result.monthly, result.total) == (2_530_000, 79_695, 956_340)
    # The day before, the 2024 base salary applies.
    assert household_contribution(1, 3, date(2026, 6, 30)).total == 3 * 105_300
    assert household_contribution(1, 6, date(2024, 7, 1)).total == 6 * 105_300
    assert household_contribution(1, 6, date(2024, 6, 30)).total == 6 * 81_000


def test_household_periods_are_3_6_or_12_months() -> None:
    with pytest.raises(ValueError, match="3, 6, 12 months"):
        household_contribution(1, 4, date(2025, 1, 1))


# --- service time -----------------------------------------------------------------------------------------------


def test_overlapping_periods_count_each_month_once() -> None:
    assert count_contribution_months([("2020-01", "2020-12"), ("2020-06", "2021-03")]) == 15
    assert count_contribution_months([("2020-07", "2020-12"), ("2020-01", "2020-06")]) == 12  # adjacent
    assert count_contribution_months([("2020-01", "2020-12"), ("2020-03", "2020-04")]) == 12  # contained
    assert count_contribution_months([("2020-01", "2020-01"), ("2022-01", "2022-02")]) == 3  # a gap
    assert count_contribution_months([]) == 0


def test_periods_must_be_well_formed() -> None:
    with pytest.raises(ValueError, match="ends before it starts"):
        count_contribution_months([("2021-02", "2021-01")])
    with pytest.raises(ValueError, match="YYYY-MM"):
        count_contribution_months([("2021-13", "2021-12")])


def test_years_and_months_as_vss_states_them() -> None:
    assert years_and_months(246) == (20, 6)
    assert years_and_months(240) == (20, 0)
    assert years_and_months(11) == (0, 11)


def test_odd_months_count_half_a_year_up_to_6_and_a_year_from_7() -> None:
    assert counted_years(240) == Decimal(20)
    assert counted_years(241) == Decimal("20.5")
    assert counted_years(246) == Decimal("20.5")
    assert counted_years(247) == Decimal(21)
    assert counted_years(251) == Decimal(21)


# --- pension rate -----------------------------------------------------------------------------------------------

IN_2026 = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("sex", "months", "rate_bp"),
    [
        ("F", 360, 7500),  # woman, 30 years: 45% + 15 × 2% = 75%
        ("F", 180, 4500),  # woman, 15 years: 45%
        ("M", 240, 4500),  # man, 20 years: 45%
        ("M", 300, 5500),  # man, 25 years: 45% + 5 × 2%
        ("M", 420, 7500),  # man, 35 years: 75%
        ("M", 480, 7500),  # man, 40 years: still the 75% cap
        ("M", 204, 4200),  # man, 17 years under the 2024 law: 40% + 2 × 1%
        ("M", 180, 4000),  # man, exactly 15 years: 40%
        ("M", 186, 4050),  # man, 15 years 6 months: half a year → +0.5%
        ("M", 234, 4450),  # man, 19 years 6 months: 44.5%
        ("M", 235, 4500),  # man, 19 years 7 months counts 20 years: 45%
        ("M", 246, 4600),  # man, 20 years 6 months: half a year → +1%
        ("M", 247, 4700),  # man, 20 years 7 months: a full year → +2%
    ],
)
def test_pension_rate_2024_law(sex: str, months: int, rate_bp: int) -> None:
    result = pension_rate(sex, months, IN_2026)
    assert result.eligible
    assert result.rate_bp == rate_bp
    assert result.rule_version == "SI-Law-2024"
    assert result.effective_from == date(2025, 7, 1)


def test_pension_rate_as_percent() -> None:
    assert pension_rate("M", 186, IN_2026).percent == Decimal("40.5")


def test_15_years_give_a_pension_from_2025_07_01_not_the_day_before() -> None:
    assert pension_rate("M", 180, date(2025, 7, 1)).eligible
    before = pension_rate("M", 180, date(2025, 6, 30))
    assert not before.eligible
    assert before.rate_bp == 0
    assert before.reason == (
        "SI-Law-2014 requires at least 20 years of contributions for a pension; 15 years 0 months counted"
    )


def test_a_woman_with_16_years_gets_no_pension_under_the_2014_law() -> None:
    assert not pension_rate("F", 192, date(2024, 1, 1)).eligible
    assert pension_rate("F", 192, IN_2026).rate_bp == 4700


def test_eligibility_counts_real_months_not_rounded_years() -> None:
    # 14 years 7 months rounds to 15 years for the rate, but 15 years are needed to qualify.
    result = pension_rate("M", 175, IN_2026)
    assert not result.eligible
    assert "14 years 7 months" in (result.reason or "")
    assert pension_rate("M", 239, date(2024, 1, 1)).eligible is False  # 19 years 11 months under the 2014 law


@pytest.mark.parametrize(
    ("retires", "rate_bp"),
    [
        (date(2018, 1, 1), 5300),  # 45% at 16 years: 20 years → 45% + 4 × 2%
        (date(2019, 1, 1), 5100),  # 17 years
        (date(2020, 5, 1), 4900),  # 18 years
        (date(2021, 1, 1), 4700),  # 19 years
        (date(2022, 1, 1), 4500),  # 20 years
    ],
)
def test_men_full_rate_years_rise_2018_to_2022_under_the_2014_law(retires: date, rate_bp: int) -> None:
    # SI Law 2014 Điều 56.2a: 16 years in 2018, 17 in 2019, 18 in 2020, 19 in 2021, 20 from 2022.
    result = pension_rate("M", 240, retires)
    assert (result.rate_bp, result.rule_version) == (rate_bp, "SI-Law-2014")


def test_early_retirement_takes_2_percent_a_year_after_the_cap() -> None:
    assert pension_rate("M", 300, IN_2026, years_early=2).rate_bp == 5100  # 55% − 4%
    assert pension_rate("M", 480, IN_2026, years_early=2).rate_bp == 7100  # 75% cap, then − 4%


def test_pensions_before_2018_are_not_modelled() -> None:
    with pytest.raises(ValueError, match="2006"):
        pension_rate("M", 300, date(2017, 12, 31))


# --- retirement age ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "year", "age"),
    [
        ("M", 2020, (60, 0)),
        ("M", 2021, (60, 3)),
        ("M", 2024, (61, 0)),
        ("M", 2027, (61, 9)),
        ("M", 2028, (62, 0)),
        ("M", 2040, (62, 0)),
        ("F", 2020, (55, 0)),
        ("F", 2021, (55, 4)),
        ("F", 2025, (56, 8)),
        ("F", 2034, (59, 8)),
        ("F", 2035, (60, 0)),
        ("F", 2040, (60, 0)),
    ],
)
def test_normal_retirement_age_decree_135_2020(sex: str, year: int, age: tuple[int, int]) -> None:
    assert normal_retirement_age(sex, year) == age


@pytest.mark.parametrize(
    ("sex", "born", "age", "pension_from"),
    [
        # Decree 135/2020 Appendix I (men): born 01/1961 → 60 y 3 m → pension from 05/2021.
        ("M", date(1961, 1, 15), (60, 3), date(2021, 5, 1)),
        # … born 09/1961 → 60 y 3 m → 01/2022; born 10/1961 → 60 y 6 m → 05/2022.
        ("M", date(1961, 9, 1), (60, 3), date(2022, 1, 1)),
        ("M", date(1961, 10, 1), (60, 6), date(2022, 5, 1)),
        # … born 03/1966 → 61 y 9 m → 01/2028; from 04/1966 on → 62 y (pension from 05/2028).
        ("M", date(1966, 3, 1), (61, 9), date(2028, 1, 1)),
        ("M", date(1966, 4, 1), (62, 0), date(2028, 5, 1)),
        # Reached in 2020 under the 2012 Labour Code: 60 y.
        ("M", date(1960, 12, 1), (60, 0), date(2021, 1, 1)),
        # Appendix I (women): born 01/1966 → 55 y 4 m → 06/2021; born 09/1966 → 55 y 8 m → 06/2022.
        ("F", date(1966, 1, 1), (55, 4), date(2021, 6, 1)),
        ("F", date(1966, 9, 1), (55, 8), date(2022, 6, 1)),
        # … born 04/1975 → 59 y 8 m → 01/2035; from 05/1975 on → 60 y (pension from 06/2035).
        ("F", date(1975, 4, 1), (59, 8), date(2035, 1, 1)),
        ("F", date(1975, 5, 1), (60, 0), date(2035, 6, 1)),
    ],
)
def test_retirement_date_decree_135_2020_appendix(
    sex: str, born: date, age: tuple[int, int], pension_from: date
) -> None:
    result = retirement_date(sex, born)
    assert (result.age_years, result.age_months) == age
    assert result.pension_from == pension_from


def test_retirement_takes_effect_at_the_end_of_the_month_the_age_is_reached() -> None:
    result = retirement_date("M", date(1961, 1, 15))
    assert result.reached_month == "2021-04"
    assert result.retires_on == date(2021, 4, 30)
    assert result.rule_version == "Labour-Code-2019"


def test_retirement_date_feeds_the_pension_rate() -> None:
    # Born 06/1965: 61 y 6 m reached in 12/2026 (the 2026 age) → pension from 01/2027, under the 2024 SI law.
    retires = retirement_date("M", date(1965, 6, 1)).pension_from
    assert retires == date(2027, 1, 1)
    assert pension_rate("M", 204, retires).rate_bp == 4200


# --- one-time SI allowance --------------------------------------------------------------------------------------


def test_one_time_allowance_1_5_months_before_2014_and_2_from_2014() -> None:
    # 5 years before 2014 × 1.5 + 5 years from 2014 × 2 = 17.5 months of 10,000,000.
    result = one_time_allowance(10_000_000, 60, 60, on=IN_2026)
    assert result.salary_months == Decimal("17.5")
    assert result.amount == 175_000_000


def test_odd_months_before_2014_move_to_the_period_from_2014() -> None:
    # Circular 59/2015 Điều 19: 5 y 4 m before 2014 + 3 m from 2014 → 5 y before (7.5) + 7 m from 2014 = 1 y (2).
    result = one_time_allowance(10_000_000, 64, 3, on=IN_2026)
    assert (result.years_before_2014, result.years_from_2014) == (Decimal(5), Decimal(1))
    assert result.amount == 95_000_000  # 9.5 months; rounding each part on its own would give 9.25
    # 5 y 4 m before 2014 only: the 4 odd months are half a year at the 2014-on rate.
    assert one_time_allowance(10_000_000, 64, 0, on=IN_2026).salary_months == Decimal("8.5")


def test_one_time_partial_year_rounding_at_6_and_7_months() -> None:
    assert one_time_allowance(10_000_000, 0, 18, on=IN_2026).salary_months == Decimal(3)  # 1 y 6 m = 1.5 y
    assert one_time_allowance(10_000_000, 0, 19, on=IN_2026).salary_months == Decimal(4)  # 1 y 7 m = 2 y
    assert one_time_allowance(10_000_000, 0, 12, on=IN_2026).salary_months == Decimal(2)


def test_one_time_allowance_under_a_year_is_22_percent_at_most_2_months() -> None:
    assert one_time_allowance(10_000_000, 0, 6, on=IN_2026).amount == 13_200_000  # 22% × 6 months
    assert one_time_allowance(10_000_000, 0, 9, on=IN_2026).amount == 19_800_000  # 1.98 months
    assert one_time_allowance(10_000_000, 0, 11, on=IN_2026).amount == 20_000_000  # 2.42 capped at 2


def test_one_time_allowance_rounds_half_up_once() -> None:
    # 1.5 × 1,000,001 = 1,500,001.5 → 1,500,002.
    assert one_time_allowance(1_000_001, 12, 0, on=IN_2026).amount == 1_500_002


# --- unemployment -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("months", "benefit_months"),
    [(11, 0), (12, 3), (36, 3), (37, 3), (47, 3), (48, 4), (60, 5), (143, 11), (144, 12), (180, 12)],
)
def test_unemployment_benefit_months_employment_law_2025(months: int, benefit_months: int) -> None:
    # Employment Law 2025 Điều 39: 3 months for 12–36 months, +1 per further 12, at most 12.
    assert unemployment_benefit_months(months, IN_2026) == benefit_months


def test_unemployment_benefit_is_60_percent_of_the_six_month_average() -> None:
    result = unemployment_benefit([10_000_000] * 6, 48, "II", IN_2026)
    assert (result.monthly, result.months, result.total) == (6_000_000, 4, 24_000_000)
    assert result.rule_version == "Employment-Law-2025"


def test_unemployment_benefit_cap_is_5_regional_minimum_wages_on_the_termination_date() -> None:
    # 60% × 50,000,000 = 30,000,000 > 5 × 5,310,000 = 26,550,000 (region I, Decree 293/2025).
    assert unemployment_benefit([50_000_000] * 6, 60, "I", IN_2026).monthly == 26_550_000
    # On 2025-12-31: 5 × 4,960,000 under the 2013 law.
    before = unemployment_benefit([50_000_000] * 6, 60, "I", date(2025, 12, 31))
    assert (before.monthly, before.rule_version) == (24_800_000, "Employment-Law-2013")
    # Region IV: 5 × 3,700,000.
    assert unemployment_benefit([50_000_000] * 6, 60, "IV", IN_2026).monthly == 18_500_000


def test_unemployment_benefit_rounds_half_up() -> None:
    # 60% × 30,000,005 / 6 = 3,000,000.5 → 3,000,001.
    salaries = [5_000_005, 5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000]
    assert unemployment_benefit(salaries, 12, "I", IN_2026).monthly == 3_000_001


def test_under_12_months_gives_no_unemployment_benefit() -> None:
    result = unemployment_benefit([10_000_000] * 6, 11, "I", IN_2026)
    assert not result.eligible
    assert (result.monthly, result.months, result.total) == (0, 0, 0)
    assert result.reason == (
        "Employment-Law-2025 requires at least 12 months of unemployment insurance contributions; 11 counted"
    )


def test_unemployment_benefit_needs_six_salaries() -> None:
    with pytest.raises(ValueError, match="exactly 6"):
        unemployment_benefit([10_000_000] * 5, 24, "I", IN_2026)


# --- sickness and maternity -------------------------------------------------------------------------------------


def test_sickness_is_75_percent_and_a_day_is_a_24th() -> None:
    result = sickness_benefit(10_000_000, IN_2026, days=10)
    assert (result.monthly, result.daily, result.total) == (7_500_000, 312_500, 3_125_000)


def test_sickness_amounts_round_half_up() -> None:
    # 75% × 5,000,002 = 3,750,001.5 → 3,750,002; 75% × 5,000,016 / 24 = 156,250.5 → 156,251.
    assert sickness_benefit(5_000_002, IN_2026).monthly == 3_750_002
    assert sickness_daily_amount(5_000_016, IN_2026) == 156_251
    # Days are totalled from the exact daily amount: 10 × 156,250.5 = 1,562,505 (not 10 × 156,251).
    assert sickness_benefit(5_000_016, IN_2026, days=10).total == 1_562_505


def test_maternity_six_months_at_the_average_and_2_base_salaries_per_child() -> None:
    # Lump sum: 2 × 2,530,000 for a birth on 2026-07-01; 2 × 2,340,000 the day before.
    result = maternity_benefit([10_000_000] * 6, date(2026, 7, 1))
    assert (result.leave_months, result.leave_total, result.lump_sum) == (6, 60_000_000, 5_060_000)
    assert result.total == 65_060_000
    assert maternity_benefit([10_000_000] * 6, date(2026, 6, 30)).lump_sum == 4_680_000


def test_maternity_for_twins_adds_a_month_and_a_lump_sum() -> None:
    # Labour Code 2019 Điều 139: one more month per child from the second.
    result = maternity_benefit([10_000_000] * 6, date(2026, 7, 1), children=2)
    assert (result.leave_months, result.lump_sum) == (7, 10_120_000)


def test_maternity_average_rounds_half_up() -> None:
    # (6 × 10,000,000 + 3) / 6 = 10,000,000.5 → 10,000,001.
    salaries = [10_000_003, 10_000_000, 10_000_000, 10_000_000, 10_000_000, 10_000_000]
    assert maternity_benefit(salaries, IN_2026).average_salary == 10_000_001


# --- revaluation and averages -----------------------------------------------------------------------------------


def test_average_without_coefficients_uses_1_and_says_so() -> None:
    result = average_salary([("2024-01", 10_000_000), ("2024-02", 10_000_001)])
    assert result.average == 10_000_001  # 10,000,000.5 rounded half up
    assert not result.coefficients_loaded
    assert result.note == REVALUATION_NOT_LOADED == "revaluation coefficients not loaded; 1.0 used"


def test_average_with_loaded_coefficients() -> None:
    table = RevaluationTable({2020: Decimal("1.10")}, version="test", effective_from=date(2026, 1, 1))
    result = average_salary([("2020-01", 10_000_000), ("2024-01", 10_000_000)], table)
    assert result.average == 10_500_000  # (11,000,000 + 10,000,000) / 2
    assert result.coefficients_loaded
    assert result.note is None
    assert result.years_at_default == (2024,)


def test_revaluation_refuses_float_coefficients() -> None:
    with pytest.raises(ValueError, match="positive Decimal"):
        RevaluationTable({2020: 1.1})  # type: ignore[dict-item]
