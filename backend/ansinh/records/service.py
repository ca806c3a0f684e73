"""Records of the signed-in citizen: contribution history and ledger, benefits, estimates and medical visits."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ARRAY, BigInteger, String, bindparam, delete, func, insert, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.errors import InvalidInput
from ansinh.core.pagination import fetch_page
from ansinh.core.statements import Statement, Statements, session_statements
from ansinh.core.time import iter_months, month_str, months_between, parse_month
from ansinh.identity.citizens import citizen_person, citizen_person_id, read_citizen_person_id
from ansinh.identity.models import Person
from ansinh.records import rules, visits
from ansinh.records.models import (
    Benefit,
    BenefitStatus,
    BenefitType,
    ContributionPeriod,
    Employer,
    PaymentState,
    RevaluationKind,
    SalaryRevaluation,
    SalaryScale,
    Scheme,
)
from ansinh.records.schemas import (
    BenefitPublic,
    BenefitsPublic,
    ContributionPeriodPublic,
    ContributionsPublic,
    ContributionSummary,
    EmployerArrears,
    EmployerRef,
    EstimatesPublic,
    LedgerRow,
    MedicalVisitPublic,
    OneTimeEstimate,
    PensionEstimate,
    PensionStatus,
    SalaryAverage,
    ServiceTime,
    UnemploymentEstimate,
)
from ansinh.records.tables import FUNDS, HI, RS, UI

SALARY_AVERAGE_MONTHS = 6
DISCLAIMER = (
    "Estimates from the contributions on record and the rules in force today; they are not a decision of VSS and "
    "may change. / Số liệu ước tính theo quá trình đóng đã ghi nhận và quy định hiện hành, không phải quyết định "
    "của cơ quan BHXH."
)
CSV_HEADERS = (
    "Từ tháng (from)",
    "Đến tháng (to)",
    "Mã đơn vị (employer code)",
    "Tên đơn vị (employer)",
    "Loại hình (scheme)",
    "Mức lương đóng (salary base)",
    "Quỹ (funds)",
    "Đơn vị đóng/tháng (employer/month)",
    "Người lao động đóng/tháng (employee/month)",
    "Trạng thái (status)",
    "Số tháng (months)",
)


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """A contribution period joined with its employer, clipped to the months asked for."""

    from_month: str
    to_month: str
    scheme: str
    salary_base: int
    funds: tuple[str, ...]
    employer_amount: int
    employee_amount: int
    status: str
    employer_code: str | None
    employer_name: str | None
    wage_region: str | None
    salary_scale: str = SalaryScale.MARKET

    @property
    def paid(self) -> bool:
        """Whether these months were paid (arrears months are not paid months)."""
        return self.status == PaymentState.PAID

    @property
    def months(self) -> int:
        """Months in the period."""
        return months_between(self.from_month, self.to_month)


# --- who is asking ----------------------------------------------------------------------------------------------


# --- contributions ----------------------------------------------------------------------------------------------


def parse_window(from_month: str | None, to_month: str | None) -> tuple[str | None, str | None]:
    """Check the ``from``/``to`` filters (YYYY-MM, from ≤ to); InvalidInput otherwise."""
    for name, value in (("from", from_month), ("to", to_month)):
        if value is None:
            continue
        try:
            parse_month(value)
        except ValueError:
            raise InvalidInput(
                f"'{name}' must be a month written YYYY-MM.",
                f"'{name}' phải là tháng dạng YYYY-MM.",
                extra={"errors": [{"key": name, "message": "expected YYYY-MM", "source": "query"}]},
            ) from None
    if from_month and to_month and from_month > to_month:
        raise InvalidInput("'from' must not be after 'to'.", "'from' không được sau 'to'.")
    return from_month, to_month


_PERIOD = ContributionPeriod.__table__  # type: ignore[attr-defined]
_EMPLOYER = Employer.__table__  # type: ignore[attr-defined]
# A 40-year history is read on every visit of the contributions screen: a hot read (core/statements.py) of Core columns.
_PERIODS = (
    select(
        _PERIOD.c.from_month,
        _PERIOD.c.to_month,
        _PERIOD.c.scheme,
        _PERIOD.c.salary_base,
        _PERIOD.c.funds,
        _PERIOD.c.employer_amount,
        _PERIOD.c.employee_amount,
        _PERIOD.c.status,
        _EMPLOYER.c.code,
        _EMPLOYER.c.name,
        _EMPLOYER.c.wage_region,
        _PERIOD.c.salary_scale,
    )
    .select_from(_PERIOD.outerjoin(_EMPLOYER, _EMPLOYER.c.id == _PERIOD.c.employer_id))
    .where(_PERIOD.c.person_id == bindparam("person_id"))
    .order_by(_PERIOD.c.from_month.desc(), _PERIOD.c.to_month.desc(), _PERIOD.c.id)
)
# One prepared statement per window shape: (from given, to given). YYYY-MM strings sort as months do.
_PERIODS_IN_WINDOW = {
    (False, False): Statement(_PERIODS),
    (True, False): Statement(_PERIODS.where(_PERIOD.c.to_month >= bindparam("from_month"))),
    (False, True): Statement(_PERIODS.where(_PERIOD.c.from_month <= bindparam("to_month"))),
    (True, True): Statement(
        _PERIODS.where(_PERIOD.c.to_month >= bindparam("from_month"), _PERIOD.c.from_month <= bindparam("to_month"))
    ),
}


async def load_periods(
    statements: Statements, *, person_id: int, from_month: str | None = None, to_month: str | None = None
) -> list[PeriodRow]:
    """Every period of a person with its employer, newest first, in one query; clipped to the window."""
    window = {"from_month": from_month, "to_month": to_month}
    query = _PERIODS_IN_WINDOW[bool(from_month), bool(to_month)]
    rows = await statements.all(query, person_id=person_id, **{k: v for k, v in window.items() if v})
    return [
        PeriodRow(
            from_month=max(row["from_month"], from_month) if from_month else row["from_month"],
            to_month=min(row["to_month"], to_month) if to_month else row["to_month"],
            scheme=row["scheme"],
            salary_base=row["salary_base"],
            funds=tuple(code for code in row["funds"].split(",") if code),
            employer_amount=row["employer_amount"],
            employee_amount=row["employee_amount"],
            status=row["status"],
            employer_code=row["code"],
            employer_name=row["name"],
            wage_region=row["wage_region"],
            salary_scale=row["salary_scale"],
        )
        for row in rows
    ]


def _spans(periods: list[PeriodRow]) -> list[tuple[str, str]]:
    return [(p.from_month, p.to_month) for p in periods]


@dataclass(frozen=True, slots=True)
class SalaryMonth:
    """The one salary (or voluntary income) a month of a fund counts with."""

    month: str
    salary: int
    voluntary: bool
    state_scale: bool


def salary_months(periods: list[PeriodRow], fund: str = RS, *, last: int | None = None) -> list[SalaryMonth]:
    """Every paid month covering ``fund``, oldest first, with one salary each: that of the contract signed first.

    With two contracts in the same month SI and UI are paid on the one signed first only (Luật BHXH 58/2014/QH13
    Điều 85 khoản 4; Quyết định 595/QĐ-BHXH Điều 42 khoản 1), so a month counts once, with the salary of the
    period that started first. With ``last``, only the latest that many months.
    """
    # (first month index, order seen) decides which period a month belongs to: the earliest start wins.
    by_month: dict[int, tuple[int, int, PeriodRow]] = {}
    for order, period in enumerate(periods):
        if not (period.paid and fund in period.funds):
            continue
        (y1, m1), (y2, m2) = parse_month(period.from_month), parse_month(period.to_month)
        start, end = y1 * 12 + m1 - 1, y2 * 12 + m2 - 1
        # One of the latest ``last`` months lies within the last ``last`` months of every period that covers it
        # (else that period's own later months would outrank it): an average over six months looks at six per
        # period, not at forty years of them.
        for index in range(start if last is None else max(start, end - last + 1), end + 1):
            held = by_month.get(index)
            if held is None or (start, order) < held[:2]:
                by_month[index] = (start, order, period)
    months = sorted(by_month.items())
    if last is not None:
        months = months[-last:]
    return [
        SalaryMonth(
            month=month_str(index // 12, index % 12 + 1),
            salary=period.salary_base,
            voluntary=period.scheme == Scheme.VOLUNTARY,
            state_scale=period.salary_scale == SalaryScale.STATE,
        )
        for index, (_, _, period) in months
    ]


def monthly_salaries(periods: list[PeriodRow], fund: str = RS, *, last: int | None = None) -> list[tuple[str, int]]:
    """(month, salary) of every paid month covering ``fund``, oldest first, one salary per month."""
    return [(m.month, m.salary) for m in salary_months(periods, fund, last=last)]


# The six-month average of sickness, maternity and unemployment benefits is of salaries as paid: only the averages
# of pensions and one-time allowances are revalued (Luật BHXH 41/2024/QH15 Điều 72).
SIX_MONTH_NOTE = "salaries as paid: short-term benefits are not revalued"


def salary_average(periods: list[PeriodRow]) -> SalaryAverage | None:
    """The average of the last six paid months' SI salaries, as paid."""
    last = monthly_salaries(periods, last=SALARY_AVERAGE_MONTHS)
    if not last:
        return None
    result = rules.average_salary(last)
    return SalaryAverage(
        months=result.months,
        first_month=last[0][0],
        last_month=last[-1][0],
        average=result.average,
        revaluation_note=SIX_MONTH_NOTE,
    )


def summarize(periods: list[PeriodRow]) -> ContributionSummary:
    """Paid months per scheme and fund, SI time, arrears and who owes them, first/last paid month, salary average."""
    paid = [p for p in periods if p.paid]
    by_scheme = {
        scheme.value: rules.count_contribution_months(_spans([p for p in paid if p.scheme == scheme]))
        for scheme in Scheme
    }
    by_fund = {
        label: rules.count_contribution_months(_spans([p for p in paid if fund in p.funds]))
        for label, fund in (("SI", RS), ("UI", UI), ("HI", HI))
    }
    si_years, si_months = rules.years_and_months(by_fund["SI"])
    owing: dict[str, EmployerArrears] = {}
    arrears_months: set[tuple[str | None, str]] = set()
    for period in sorted((p for p in periods if not p.paid), key=lambda p: p.from_month):
        months = list(iter_months(period.from_month, period.to_month))
        arrears_months.update((period.employer_code, m) for m in months)
        if period.employer_code is None:
            continue
        entry = owing.setdefault(
            period.employer_code, EmployerArrears(code=period.employer_code, name=period.employer_name or "", months=[])
        )
        entry.months.extend(m for m in months if m not in entry.months)
    # Periods are closed month ranges: the first paid month starts one, the last one ends one.
    first_paid = min((p.from_month for p in paid), default=None)
    last_paid = max((p.to_month for p in paid), default=None)
    return ContributionSummary(
        paid_months_by_scheme=by_scheme,
        paid_months_by_fund=by_fund,
        si_time=ServiceTime(years=si_years, months=si_months),
        arrears_months=len(arrears_months),
        employers_owing=sorted(owing.values(), key=lambda e: e.code),
        first_paid_month=first_paid,
        last_paid_month=last_paid,
        salary_average=salary_average(periods),
    )


def period_public(period: PeriodRow) -> ContributionPeriodPublic:
    """A period as the API shows it."""
    employer = EmployerRef(code=period.employer_code, name=period.employer_name or "") if period.employer_code else None
    return ContributionPeriodPublic(
        from_month=period.from_month,
        to_month=period.to_month,
        employer=employer,
        scheme=period.scheme,
        salary_base=period.salary_base,
        funds=list(period.funds),
        employer_amount=period.employer_amount,
        employee_amount=period.employee_amount,
        status=period.status,
        months=period.months,
        arrears_months=0 if period.paid else period.months,
    )


async def contributions(
    statements: Statements, *, account_id: int, from_month: str | None = None, to_month: str | None = None
) -> ContributionsPublic:
    """The citizen's contribution periods (newest first) and their summary, over the window asked for."""
    from_month, to_month = parse_window(from_month, to_month)
    person_id = await read_citizen_person_id(statements, account_id=account_id)
    periods = await load_periods(statements, person_id=person_id, from_month=from_month, to_month=to_month)
    return ContributionsPublic(summary=summarize(periods), periods=[period_public(p) for p in periods])


def contributions_csv(history: ContributionsPublic) -> bytes:
    """The periods as CSV in UTF-8 with a BOM, so spreadsheet apps read Vietnamese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for p in history.periods:
        writer.writerow(
            [
                p.from_month,
                p.to_month,
                p.employer.code if p.employer else "",
                p.employer.name if p.employer else "",
                p.scheme,
                p.salary_base,
                " ".join(p.funds),
                p.employer_amount,
                p.employee_amount,
                p.status,
                p.months,
            ]
        )
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


# --- the monthly ledger -----------------------------------------------------------------------------------------


def _month_start(month: str) -> date:
    year, mon = parse_month(month)
    return date(year, mon, 1)


def ledger_row(period: PeriodRow, month: str, fund: str) -> LedgerRow:
    """One fund of one month: shares from the rules in force on the month's first day."""
    on = _month_start(month)
    salary_base, employer_share, employee_share, version = period.salary_base, None, None, None
    if period.scheme == Scheme.VOLUNTARY:
        # The contributor pays it all, on the income they chose; the amount on record is what was due.
        employer_share, employee_share = 0, period.employee_amount
    else:
        try:
            region = period.wage_region if fund == UI else None
            result = rules.monthly_contribution(period.salary_base, [fund], on, region=region)
        except (LookupError, ValueError):
            pass  # a month before the rule tables start: amounts on record only, per period
        else:
            part = result.funds[fund]
            salary_base, employer_share, employee_share = part.salary_base, part.employer, part.employee
            version = result.rule_version
    return LedgerRow(
        month=month,
        fund=fund,
        scheme=period.scheme,
        salary_base=salary_base,
        employer_share=employer_share,
        employee_share=employee_share,
        status=period.status,
        employer_code=period.employer_code,
        rule_version=version,
    )


async def ledger(db: AsyncSession, *, account_id: int, limit: int, offset: int) -> tuple[list[LedgerRow], int]:
    """One row per month per fund, newest month first; only the page asked for is computed."""
    person_id = await citizen_person_id(db, account_id=account_id)
    periods = await load_periods(await session_statements(db), person_id=person_id)
    keys: list[tuple[str, str, int, str]] = []  # (month, employer code, fund order, fund) → sorted below
    index: dict[tuple[str, str, int, str], PeriodRow] = {}
    order = {code: i for i, code in enumerate(FUNDS)}
    for period in periods:
        for month in iter_months(period.from_month, period.to_month):
            for fund in period.funds:
                key = (month, period.employer_code or "", order.get(fund, 99), fund)
                keys.append(key)
                index[key] = period
    keys.sort(key=lambda k: (k[0], k[1], -k[2]), reverse=True)
    page = keys[offset : offset + limit]
    return [ledger_row(index[key], key[0], key[3]) for key in page], len(keys)


# --- benefits ---------------------------------------------------------------------------------------------------


async def benefits(db: AsyncSession, *, account_id: int, limit: int, offset: int) -> BenefitsPublic:
    """Benefits decided for the citizen, newest first, and the pension in payment if any."""
    person_id = await citizen_person_id(db, account_id=account_id)
    where = Benefit.person_id == person_id
    newest_first = select(Benefit).order_by(col(Benefit.period_from).desc(), col(Benefit.id).desc())
    rows, total = await fetch_page(db, newest_first, count_from=Benefit, where=where, limit=limit, offset=offset)
    pension_row = (
        await db.exec(
            select(Benefit)
            .where(
                where,
                Benefit.type == BenefitType.PENSION,
                col(Benefit.status).in_([BenefitStatus.ACTIVE, BenefitStatus.APPROVED]),
            )
            .order_by(col(Benefit.period_from).desc(), col(Benefit.id).desc())
        )
    ).first()
    pension = (
        PensionStatus(monthly_amount=pension_row.amount, start_date=pension_row.period_from, status=pension_row.status)
        if pension_row
        else None
    )
    items = [BenefitPublic.model_validate(row, from_attributes=True) for row in rows]
    return BenefitsPublic(items=items, total=total, limit=limit, offset=offset, pension=pension)


# --- estimates --------------------------------------------------------------------------------------------------


async def revaluation_table(db: AsyncSession, *, kind: str, on: date) -> rules.RevaluationTable:
    """The published table of a kind in force on a date (the latest effective on or before it); empty when none."""
    latest = (
        select(func.max(SalaryRevaluation.effective_from))
        .where(SalaryRevaluation.kind == kind, col(SalaryRevaluation.effective_from) <= on)
        .scalar_subquery()
    )
    rows = (
        await db.exec(
            select(SalaryRevaluation).where(
                SalaryRevaluation.kind == kind, col(SalaryRevaluation.effective_from) == latest
            )
        )
    ).all()
    if not rows:
        return rules.NO_REVALUATION
    first = rows[0]
    return rules.RevaluationTable(
        coefficients={row.contribution_year: Decimal(row.coefficient) for row in rows},
        version=first.legal_basis.split(";")[0].split(" (")[0],
        legal_basis=first.legal_basis,
        effective_from=first.effective_from,
        kind=kind,
        earlier_year=next((row.contribution_year for row in rows if row.and_earlier), None),
        source=first.source,
    )


def _table_input(table: rules.RevaluationTable) -> dict[str, object]:
    return {
        "table": table.kind,
        "version": table.version,
        "legal_basis": table.legal_basis,
        "effective_from": table.effective_from.isoformat() if table.effective_from else None,
        "source": table.source,
    }


def average_inputs(average: rules.CareerAverage | None) -> dict[str, object]:
    """How the average was computed: months by kind, the tables and the coefficient used for each year."""
    if average is None:
        return {"average_salary": None, "revaluation": rules.REVALUATION_NOT_LOADED}
    used = {c.table for c in average.coefficients}  # the tables some month of this career was looked up in
    tables = [t for t in (average.salary_table, average.income_table) if t.coefficients_loaded and t.kind in used]
    inputs: dict[str, object] = {
        "average_salary": average.average,
        "average_salary_months": average.months,
        "average_rule": average.legal_basis,
        "market_salary_months": average.market_months,
        "state_scale_months": average.state_months,
        "voluntary_months": average.voluntary_months,
        # The one-line summary earlier clients show; the tables and coefficients follow in full.
        "revaluation": "; ".join(dict.fromkeys(t.version for t in tables)) if tables else rules.REVALUATION_NOT_LOADED,
        "revaluation_tables": [_table_input(t) for t in tables],
        "revaluation_coefficients": [
            {
                "table": c.table,
                "year": c.year,
                "months": c.months,
                "coefficient": str(c.coefficient),
                "published": c.published,
            }
            for c in average.coefficients
        ],
        "years_not_revalued": {table: list(years) for table, years in average.not_revalued.items()},
    }
    if average.state_rebases:  # state-scale months carried to the reference level (joined before 2016)
        inputs["state_scale"] = {
            "averaged_months": min(average.state_window or average.state_months, average.state_months),
            "average": average.state_average,
            "reference_level": average.reference_level,
            "base_salaries": [
                {
                    "from_month": r.from_month,
                    "to_month": r.to_month,
                    "months": r.months,
                    "base_salary": r.base_salary,
                    "factor": str(r.factor.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
                }
                for r in average.state_rebases
            ],
        }
    return inputs


def _pension_estimate(person: Person, months: int, average: rules.CareerAverage | None) -> PensionEstimate:
    retirement = rules.retirement_date(person.sex, person.date_of_birth)
    inputs: dict[str, object] = {
        "sex": person.sex,
        "date_of_birth": person.date_of_birth.isoformat(),
        "paid_si_months": months,
        **average_inputs(average),
        "retirement_age": {"years": retirement.age_years, "months": retirement.age_months},
        "retirement_age_rule": retirement.rule_version,
    }
    try:
        rate = rules.pension_rate(person.sex, months, retirement.pension_from)
    except ValueError as exc:
        return PensionEstimate(
            eligible=False,
            reason=str(exc),
            inputs=inputs,
            rule_version=None,
            effective_from=None,
            rate_bp=0,
            rate_percent=Decimal(0),
            monthly_amount=0,
            retirement_date=retirement.pension_from,
        )
    inputs["counted_years"] = str(rate.counted_years)
    monthly = rules.apply_bp(average.average, rate.rate_bp) if rate.eligible and average is not None else 0
    return PensionEstimate(
        eligible=rate.eligible,
        reason=rate.reason,
        inputs=inputs,
        rule_version=rate.rule_version,
        effective_from=rate.effective_from,
        rate_bp=rate.rate_bp,
        rate_percent=rules.percent(rate.rate_bp),
        monthly_amount=monthly,
        retirement_date=retirement.pension_from,
    )


def _one_time_estimate(months: list[SalaryMonth], average: rules.CareerAverage | None, today: date) -> OneTimeEstimate:
    before = sum(1 for m in months if m.month < "2014-01")
    after = len(months) - before
    inputs: dict[str, object] = {"months_before_2014": before, "months_from_2014": after, **average_inputs(average)}
    if not months or average is None:
        return OneTimeEstimate(
            eligible=False,
            reason="No paid months of social insurance on record.",
            inputs=inputs,
            rule_version=None,
            effective_from=None,
            amount=0,
        )
    result = rules.one_time_allowance(average.average, before, after, on=today)
    inputs["years_before_2014"] = str(result.years_before_2014)
    inputs["years_from_2014"] = str(result.years_from_2014)
    inputs["salary_months"] = str(result.salary_months)
    return OneTimeEstimate(
        eligible=True,
        reason=None,
        inputs=inputs,
        rule_version=result.rule_version,
        effective_from=result.effective_from,
        amount=result.amount,
    )


def _unemployment_estimate(periods: list[PeriodRow], today: date) -> UnemploymentEstimate:
    ui_salaries = monthly_salaries(periods, UI)
    ui_periods = [p for p in periods if p.paid and UI in p.funds and p.wage_region]
    region = max(ui_periods, key=lambda p: p.to_month).wage_region if ui_periods else None
    last_six = [salary for _, salary in ui_salaries[-SALARY_AVERAGE_MONTHS:]]
    inputs: dict[str, object] = {
        "paid_ui_months": len(ui_salaries),
        "last_six_salaries": last_six,
        "region": region,
        "termination_date": today.isoformat(),
    }
    not_eligible = UnemploymentEstimate(
        eligible=False,
        reason=None,
        inputs=inputs,
        rule_version=None,
        effective_from=None,
        monthly_amount=0,
        months=0,
        total=0,
    )
    if region is None or len(last_six) < SALARY_AVERAGE_MONTHS:
        reason = f"At least 12 months of unemployment insurance contributions are required; {len(ui_salaries)} counted."
        return not_eligible.model_copy(update={"reason": reason})
    result = rules.unemployment_benefit(last_six, len(ui_salaries), region, today)
    inputs["average_salary"] = result.average_salary
    inputs["rate_bp"] = result.rate_bp
    inputs["rate_percent"] = str(rules.percent(result.rate_bp))
    inputs["cap"] = result.cap
    return UnemploymentEstimate(
        eligible=result.eligible,
        reason=result.reason,
        inputs=inputs,
        rule_version=result.rule_version,
        effective_from=result.effective_from,
        monthly_amount=result.monthly,
        months=result.months,
        total=result.total,
    )


async def career_average(db: AsyncSession, months: list[SalaryMonth], *, on: date) -> rules.CareerAverage | None:
    """The revalued career average of SI months with the tables in force on a date; None without months."""
    if not months:
        return None
    return rules.career_average(
        [(m.month, m.salary, m.state_scale) for m in months if not m.voluntary],
        [(m.month, m.salary) for m in months if m.voluntary],
        first_month=months[0].month,
        on=on,
        salaries=await revaluation_table(db, kind=RevaluationKind.SALARY, on=on),
        incomes=await revaluation_table(db, kind=RevaluationKind.INCOME, on=on),
    )


async def estimates(db: AsyncSession, *, account_id: int, today: date) -> EstimatesPublic:
    """Pension, one-time allowance and unemployment estimates from the paid history, with inputs and rules."""
    person = await citizen_person(db, account_id=account_id)
    periods = await load_periods(await session_statements(db), person_id=person.id)  # type: ignore[arg-type]
    months = salary_months(periods)
    average = await career_average(db, months, on=today)
    return EstimatesPublic(
        as_of=today,
        disclaimer=DISCLAIMER,
        pension=_pension_estimate(person, len(months), average),
        one_time_allowance=_one_time_estimate(months, average, today),
        unemployment=_unemployment_estimate(periods, today),
    )


# --- medical visits ---------------------------------------------------------------------------------------------


async def medical_visits(
    db: AsyncSession, *, account_id: int, limit: int, offset: int
) -> tuple[list[MedicalVisitPublic], int]:
    """The citizen's health-insurance visits, newest first, with their lines."""
    person_id = await citizen_person_id(db, account_id=account_id)
    return await visits.visits_page(db, person_id=person_id, limit=limit, offset=offset)


# --- periods written by the employers' ledger -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerPeriod:
    """A compulsory period as an employer's ledger computed it (amounts per month)."""

    from_month: str
    to_month: str
    salary_base: int
    employer_amount: int
    employee_amount: int
    paid: bool


async def replace_employer_periods(
    db: AsyncSession, *, employer_id: int, periods_from: dict[int, tuple[str, list[LedgerPeriod]]]
) -> None:
    """For each person: their periods at the employer from a month on become the ledger's (not committed).

    ``periods_from`` maps a person id to (first month the ledger owns, the periods from then on). Earlier periods
    (the history before the ledger started) are kept; one running into the ledger's months is cut short.
    """
    if not periods_from:
        return
    person_ids = list(periods_from)
    starts = [periods_from[pid][0] for pid in person_ids]
    table = _PERIOD
    owned = select(
        func.unnest(bindparam("pids", type_=ARRAY(BigInteger))).label("pid"),
        func.unnest(bindparam("starts", type_=ARRAY(String))).label("start"),
    ).subquery()
    params = {"pids": person_ids, "starts": starts}
    connection = await db.connection()
    await connection.execute(
        delete(table).where(
            table.c.employer_id == employer_id, table.c.person_id == owned.c.pid, table.c.from_month >= owned.c.start
        ),
        params,
    )
    await connection.execute(
        update(table)
        .where(table.c.employer_id == employer_id, table.c.person_id == owned.c.pid, table.c.to_month >= owned.c.start)
        .values(to_month=func.to_char(func.to_date(owned.c.start, "YYYY-MM") - text("interval '1 month'"), "YYYY-MM")),
        params,
    )
    rows = [
        {
            "person_id": pid,
            "employer_id": employer_id,
            "from_month": period.from_month,
            "to_month": period.to_month,
            "scheme": Scheme.COMPULSORY.value,
            "salary_base": period.salary_base,
            "funds": ",".join(FUNDS),
            "employer_amount": period.employer_amount,
            "employee_amount": period.employee_amount,
            "status": (PaymentState.PAID if period.paid else PaymentState.ARREARS).value,
        }
        for pid, (_, periods) in periods_from.items()
        for period in periods
    ]
    if rows:
        await connection.execute(insert(table), rows)
