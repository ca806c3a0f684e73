"""Response bodies of the records API: contributions, the monthly ledger, benefits, estimates and visits."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class EmployerRef(BaseModel):
    """An employer as a citizen sees it."""

    code: str
    name: str


class ContributionPeriodPublic(BaseModel):
    """A run of months at one salary base; amounts are per month."""

    from_month: str = Field(description="YYYY-MM")
    to_month: str = Field(description="YYYY-MM, included")
    employer: EmployerRef | None = Field(description="None for voluntary SI")
    scheme: str
    salary_base: int
    funds: list[str]
    employer_amount: int = Field(description="Employer's amount per month, VND")
    employee_amount: int = Field(description="Employee's amount per month, VND")
    status: str = Field(description="paid or arrears")
    months: int
    arrears_months: int


class ServiceTime(BaseModel):
    """Contribution time as VSS states it: years and months."""

    years: int
    months: int


class EmployerArrears(BaseModel):
    """An employer that owes contributions and the months it owes."""

    code: str
    name: str
    months: list[str]


class SalaryAverage(BaseModel):
    """The last six paid months' SI salaries averaged as paid (the base of sickness, maternity and UI benefits)."""

    months: int
    first_month: str | None
    last_month: str | None
    average: int
    revaluation_note: str | None


class ContributionSummary(BaseModel):
    """Totals over the periods shown."""

    paid_months_by_scheme: dict[str, int]
    paid_months_by_fund: dict[str, int] = Field(description="SI (retirement fund), UI, HI")
    si_time: ServiceTime
    arrears_months: int
    employers_owing: list[EmployerArrears]
    first_paid_month: str | None
    last_paid_month: str | None
    salary_average: SalaryAverage | None


class ContributionsPublic(BaseModel):
    """The contribution history with its summary."""

    summary: ContributionSummary
    periods: list[ContributionPeriodPublic]


class LedgerRow(BaseModel):
    """One fund in one month."""

    month: str
    fund: str
    scheme: str
    salary_base: int = Field(description="The salary this fund's share is computed on (cap applied)")
    employer_share: int | None = Field(description="None when no rule table covers the month")
    employee_share: int | None
    status: str
    employer_code: str | None
    rule_version: str | None


class BenefitPublic(BaseModel):
    """A benefit decided for the citizen."""

    type: str
    period_from: date
    period_to: date | None
    amount: int
    monthly: bool
    status: str
    payment_channel: str
    decided_on: date | None


class PensionStatus(BaseModel):
    """The pension being paid (or approved)."""

    monthly_amount: int
    start_date: date
    status: str


class BenefitsPublic(BaseModel):
    """Benefits received and pending, newest first, and the pension where retired."""

    items: list[BenefitPublic]
    total: int
    limit: int
    offset: int
    pension: PensionStatus | None


class EstimateBase(BaseModel):
    """What every estimate carries: eligibility, why not, its inputs and the rule used."""

    eligible: bool
    reason: str | None
    inputs: dict[str, object]
    rule_version: str | None
    effective_from: date | None


class PensionEstimate(EstimateBase):
    rate_bp: int = Field(description="Benefit rate in basis points (1% = 100)")
    rate_percent: Decimal = Field(description="The same rate as an exact decimal percent")
    monthly_amount: int
    retirement_date: date | None


class OneTimeEstimate(EstimateBase):
    amount: int


class UnemploymentEstimate(EstimateBase):
    monthly_amount: int
    months: int
    total: int


class EstimatesPublic(BaseModel):
    """Estimates of the citizen's pension, one-time allowance and unemployment benefit."""

    as_of: date
    disclaimer: str
    pension: PensionEstimate
    one_time_allowance: OneTimeEstimate
    unemployment: UnemploymentEstimate


class FacilityRef(BaseModel):
    code: str
    name: str


class MedicalVisitPublic(BaseModel):
    """A health-insurance visit."""

    facility: FacilityRef
    admission_date: date
    discharge_date: date
    visit_type: str
    icd10_code: str
    icd10_name: str
    total_cost: int
    hi_paid: int
    patient_paid: int
