"""Worked examples of revalued averages, from the tables the migration loads (docs/REVALUATION.md names the sources).

The 2026 tables are those of Công văn 340/BHXH-CSXH ngày 03/02/2026 (BHXH Việt Nam): salaries (Nghị định
158/2025/NĐ-CP Điều 16) and voluntary incomes (Nghị định 159/2025/NĐ-CP Điều 10). The 2025 salary table is that of
Thông tư 01/2025/TT-BLĐTBXH. The averaging rules are Luật BHXH 41/2024/QH15 Điều 72 (market-set salaries over the
whole career, state-scale salaries over their last years at the reference level of the benefit date, the two weighted
by months) and Nghị định 159/2025/NĐ-CP Điều 11 (voluntary months joining by months).
"""

from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.time import iter_months
from ansinh.records import rules, service
from ansinh.records.models import RevaluationKind
from ansinh.records.tables import FEMALE

ON = date(2026, 12, 7)  # an estimate date under the 2026 tables; the base salary (reference level) is 2,530,000


def months(first: str, last: str, amount: int) -> list[tuple[str, int]]:
    """(month, amount) for every month from ``first`` to ``last``."""
    return [(month, amount) for month in iter_months(first, last)]


def compulsory(first: str, last: str, amount: int, *, state: bool = False) -> list[tuple[str, int, bool]]:
    """Compulsory months at one salary, state-scale or market-set."""
    return [(month, amount, state) for month, amount in months(first, last, amount)]


async def tables(db: AsyncSession, on: date = ON) -> tuple[rules.RevaluationTable, rules.RevaluationTable]:
    """The salary and income tables in force on a date, as the estimates read them."""
    return (
        await service.revaluation_table(db, kind=RevaluationKind.SALARY, on=on),
        await service.revaluation_table(db, kind=RevaluationKind.INCOME, on=on),
    )


async def test_the_loaded_tables_as_published(db_session: AsyncSession) -> None:
    """The 2026 salary table runs from "before 1995" (5.81) to 2026 (1.00); the income table from 2008 (2.29)."""
    salaries, incomes = await tables(db_session)
    assert salaries.effective_from == incomes.effective_from == date(2026, 1, 1)
    assert salaries.version == incomes.version == "Công văn 340/BHXH-CSXH ngày 03/02/2026"
    assert "Nghị định 158/2025/NĐ-CP Điều 16" in salaries.legal_basis
    assert "Nghị định 159/2025/NĐ-CP Điều 10" in incomes.legal_basis
    assert (len(salaries.coefficients), len(incomes.coefficients)) == (33, 19)
    # The "trước năm 1995" row covers every earlier year; the table says nothing of a year after 2026.
    assert [salaries.published(y) for y in (1980, 1994, 1995, 2010, 2024, 2026, 2027)] == [
        Decimal("5.81"),
        Decimal("5.81"),
        Decimal("4.91"),
        Decimal("1.96"),
        Decimal("1.03"),
        Decimal("1.00"),
        None,
    ]
    assert [incomes.published(y) for y in (2007, 2008, 2013, 2023)] == [
        None,
        Decimal("2.29"),
        Decimal("1.42"),
        Decimal("1.07"),
    ]


async def test_the_table_in_force_is_the_latest_effective_on_the_estimate_date(db_session: AsyncSession) -> None:
    """2010 salaries: × 1.90 under Thông tư 01/2025/TT-BLĐTBXH (2025), × 1.96 from 2026-01-01; none before 2025."""
    salaries_2025, incomes_2025 = await tables(db_session, date(2025, 12, 31))
    salaries_2026, _ = await tables(db_session, date(2026, 1, 1))
    later, _ = await tables(db_session, date(2031, 5, 1))  # no newer table loaded: the 2026 one stays in force
    before, _ = await tables(db_session, date(2024, 12, 31))
    assert salaries_2025.version == "Thông tư 01/2025/TT-BLĐTBXH"
    assert [t.published(2010) for t in (salaries_2025, salaries_2026, later)] == [
        Decimal("1.90"),
        Decimal("1.96"),
        Decimal("1.96"),
    ]
    assert salaries_2025.published(1990) == Decimal("5.63")
    assert not before.coefficients_loaded
    # The 2025 income table could not be established from two sources: it is not loaded, and estimates say so.
    assert not incomes_2025.coefficients_loaded


async def test_a_market_salary_since_2010(db_session: AsyncSession) -> None:
    """A market-set salary from 2010-01 to 2026-06 (198 months), averaged over the whole career (Điều 72).

    2010–2014 at 5,000,000:  60,000,000 × (1.96 + 1.65 + 1.51 + 1.42 + 1.36 = 7.90) =   474,000,000
    2015–2019 at 8,000,000:  96,000,000 × (1.36 + 1.32 + 1.28 + 1.23 + 1.20 = 6.39) =   613,440,000
    2020–2024 at 12,000,000: 144,000,000 × (1.16 + 1.14 + 1.11 + 1.07 + 1.03 = 5.51) = 793,440,000
    2025-01–2026-06 at 15,000,000: 18 × 15,000,000 × 1.00                          =   270,000,000
    Sum 2,150,880,000 / 198 = 10,863,030.30 → 10,863,030 (half up, once).
    One-time allowance: 48 months before 2014 = 4 years × 1.5, 150 from 2014 = 12.5 years × 2 → 31 months of the
    average = 336,753,930.
    """
    career = (
        compulsory("2010-01", "2014-12", 5_000_000)
        + compulsory("2015-01", "2019-12", 8_000_000)
        + compulsory("2020-01", "2024-12", 12_000_000)
        + compulsory("2025-01", "2026-06", 15_000_000)
    )
    salaries, incomes = await tables(db_session)
    average = rules.career_average(career, [], first_month="2010-01", on=ON, salaries=salaries, incomes=incomes)
    assert average.average == 10_863_030
    assert (average.months, average.market_months, average.state_months) == (198, 198, 0)
    assert [(c.year, c.months, c.coefficient) for c in average.coefficients][:2] == [
        (2010, 12, Decimal("1.96")),
        (2011, 12, Decimal("1.65")),
    ]
    assert average.not_revalued == {}
    allowance = rules.one_time_allowance(average.average, 48, 150, on=ON)
    assert allowance.amount == 336_753_930

    # The same career on 2025-10-01, under Thông tư 01/2025/TT-BLĐTBXH (salaries to 2025-06 only):
    # 60,000,000 × (1.90 + 1.60 + 1.47 + 1.37 + 1.32 = 7.66) = 459,600,000; 96,000,000 × (1.31 + 1.28 + 1.23 + 1.19
    # + 1.16 = 6.17) = 592,320,000; 144,000,000 × (1.12 + 1.10 + 1.07 + 1.04 + 1.00 = 5.33) = 767,520,000;
    # 6 × 15,000,000 × 1.00 = 90,000,000. Sum 1,909,440,000 / 186 = 10,265,806.45 → 10,265,806.
    earlier = [item for item in career if item[0] <= "2025-06"]
    salaries, incomes = await tables(db_session, date(2025, 10, 1))
    average = rules.career_average(
        earlier, [], first_month="2010-01", on=date(2025, 10, 1), salaries=salaries, incomes=incomes
    )
    assert average.average == 10_265_806


async def test_a_state_scale_salary_then_a_private_employer(db_session: AsyncSession) -> None:
    """A civil servant from 2008-01 (pay coefficient 2.67, then 3.00 from 2021) who joins a company in 2026-07.

    Began in 2008: the state-scale average takes the last 10 years = 120 months (Điều 72), 2016-07–2026-06, each
    month's salary carried to the reference level of the estimate date (salary / that month's base salary × 2,530,000,
    i.e. the pay coefficient × 2,530,000): (54 × 2.67 + 66 × 3.00) / 120 × 2,530,000 = 2.8515 × 2,530,000 = 7,214,295.
    Mixed with 5 market months at 20,000,000 (2026 table: × 1.00), weighted by months over all 222 state months:
    (222 × 7,214,295 + 5 × 20,000,000) / 227 = 1,701,573,490 / 227 = 7,495,918.46 → 7,495,918.
    Pension of a woman with 227 months (18 years 11 months = 19 years): 45% + 2% × 4 = 53% → 3,972,836.54 → 3,972,837.
    """
    # salary_base = pay coefficient × the base salary in force in the month (Nghị định 47/2016 … 73/2024).
    state = (
        compulsory("2008-01", "2016-06", 3_000_000, state=True)  # outside the 120 months: counted, not averaged
        + compulsory("2016-07", "2017-06", 3_230_700, state=True)  # 2.67 × 1,210,000
        + compulsory("2017-07", "2018-06", 3_471_000, state=True)  # 2.67 × 1,300,000
        + compulsory("2018-07", "2019-06", 3_711_300, state=True)  # 2.67 × 1,390,000
        + compulsory("2019-07", "2020-12", 3_978_300, state=True)  # 2.67 × 1,490,000
        + compulsory("2021-01", "2023-06", 4_470_000, state=True)  # 3.00 × 1,490,000
        + compulsory("2023-07", "2024-06", 5_400_000, state=True)  # 3.00 × 1,800,000
        + compulsory("2024-07", "2026-06", 7_020_000, state=True)  # 3.00 × 2,340,000
    )
    salaries, incomes = await tables(db_session)
    only_state = rules.career_average(state, [], first_month="2008-01", on=ON, salaries=salaries, incomes=incomes)
    assert only_state.state_window == 120
    assert only_state.reference_level == 2_530_000
    assert only_state.average == only_state.state_average == 7_214_295
    assert [(r.from_month, r.base_salary) for r in only_state.state_rebases][:2] == [
        ("2016-07", 1_210_000),
        ("2017-07", 1_300_000),
    ]

    mixed = rules.career_average(
        state + compulsory("2026-07", "2026-11", 20_000_000),
        [],
        first_month="2008-01",
        on=ON,
        salaries=salaries,
        incomes=incomes,
    )
    assert (mixed.state_months, mixed.market_months) == (222, 5)
    assert mixed.average == 7_495_918
    rate = rules.pension_rate(FEMALE, mixed.months, date(2027, 1, 1))
    assert rate.rate_bp == 5300
    assert rules.apply_bp(mixed.average, rate.rate_bp) == 3_972_837


async def test_a_state_scale_salary_from_2017_is_revalued_by_the_salary_table(db_session: AsyncSession) -> None:
    """Joined in 2017 on the State scale: revalued like a market-set salary (Luật BHXH 58/2014/QH13 Điều 63).

    Began 2016–2019: the last 15 years = 180 months, here all 114 months 2017-01–2026-06 at 4,000,000:
    12 × (1.28 + 1.23 + 1.20 + 1.16 + 1.14 + 1.11 + 1.07 + 1.03 + 1.00 = 10.22) + 6 × 1.00 = 128.64;
    4,000,000 × 128.64 / 114 = 514,560,000 / 114 = 4,513,684.21 → 4,513,684.
    """
    salaries, incomes = await tables(db_session)
    average = rules.career_average(
        compulsory("2017-01", "2026-06", 4_000_000, state=True),
        [],
        first_month="2017-01",
        on=ON,
        salaries=salaries,
        incomes=incomes,
    )
    assert (average.state_window, average.reference_level, average.state_rebases) == (180, None, ())
    assert average.average == 4_513_684
    assert [(c.table, c.year, c.coefficient) for c in average.coefficients][:1] == [("salary", 2017, Decimal("1.28"))]


async def test_a_voluntary_contributor(db_session: AsyncSession) -> None:
    """Voluntary incomes 2012–2025, revalued by the 2026 income table (Nghị định 159/2025/NĐ-CP Điều 10).

    2012–2015 at 2,000,000: 24,000,000 × (1.51 + 1.42 + 1.36 + 1.36 = 5.65)        = 135,600,000
    2016–2020 at 3,000,000: 36,000,000 × (1.32 + 1.28 + 1.23 + 1.20 + 1.16 = 6.19) = 222,840,000
    2021–2025 at 5,000,000: 60,000,000 × (1.14 + 1.11 + 1.07 + 1.03 + 1.00 = 5.35) = 321,000,000
    Sum 679,440,000 / 168 = 4,044,285.71 → 4,044,286.
    One-time allowance: 24 months before 2014 = 2 years × 1.5, 144 from 2014 = 12 years × 2 → 27 months
    = 109,195,722.
    """
    incomes_paid = (
        months("2012-01", "2015-12", 2_000_000)
        + months("2016-01", "2020-12", 3_000_000)
        + months("2021-01", "2025-12", 5_000_000)
    )
    salaries, incomes = await tables(db_session)
    average = rules.career_average([], incomes_paid, first_month="2012-01", on=ON, salaries=salaries, incomes=incomes)
    assert average.average == 4_044_286
    assert {c.table for c in average.coefficients} == {"income"}
    assert rules.one_time_allowance(average.average, 24, 144, on=ON).amount == 109_195_722


async def test_years_no_table_establishes_are_named_not_silently_taken_at_one(db_session: AsyncSession) -> None:
    """Salaries of 2027 under the 2026 table, 2025 incomes before any income table, state months before 2013-07."""
    salaries, incomes = await tables(db_session, date(2027, 3, 1))
    average = rules.career_average(
        compulsory("2026-11", "2027-02", 10_000_000), [], first_month="2026-11", on=date(2027, 3, 1), salaries=salaries
    )
    # 2 × 10,000,000 × 1.00 (2026) + 2 × 10,000,000 as paid (2027, not published) → 10,000,000, with 2027 named.
    assert average.average == 10_000_000
    assert average.not_revalued == {"salary": (2027,)}

    salaries, incomes = await tables(db_session, date(2025, 12, 1))
    average = rules.career_average(
        [], months("2024-07", "2025-06", 4_000_000), first_month="2024-07", on=date(2025, 12, 1), incomes=incomes
    )
    assert average.not_revalued == {"income": (2024, 2025)}

    # Began in 1993: the last 60 state months, 2009-01–2013-12; the base salary table starts 2013-07, so 2009–2013
    # months before it are taken as paid and named; 2013-07–2013-12 at 3.00 × 1,150,000 are carried to 2,530,000.
    salaries, incomes = await tables(db_session)
    average = rules.career_average(
        compulsory("1993-01", "2013-06", 2_000_000, state=True)
        + compulsory("2013-07", "2013-12", 3_450_000, state=True),
        [],
        first_month="1993-01",
        on=ON,
        salaries=salaries,
        incomes=incomes,
    )
    assert average.state_window == 60
    assert average.not_revalued == {"state": (2009, 2010, 2011, 2012, 2013)}
    # (54 × 2,000,000 + 6 × 3.00 × 2,530,000) / 60 = (108,000,000 + 45,540,000) / 60 = 2,559,000.
    assert average.state_average == average.average == 2_559_000
