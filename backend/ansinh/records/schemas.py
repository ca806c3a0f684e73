"""Response bodies of the records API: contributions, the monthly ledger, benefits, estimates and visits."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

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


class VisitLinePublic(BaseModel):
    """One line of a visit's bill: a drug (XML2) or a service or supply (XML3)."""

    kind: str = Field(description="drug or service")
    code: str
    name: str
    unit: str | None
    quantity: Decimal
    unit_price: int
    amount: int = Field(description="THANH_TIEN_BV")
    hi_paid: int = Field(description="T_BHTT of the line")
    patient_paid: int = Field(description="T_BNCCT + T_BNTT of the line")


class MedicalVisitPublic(BaseModel):
    """A health-insurance visit, as the facility's QĐ 130/4750 files describe it."""

    id: int = Field(description="The visit's id: what a dispute names")
    facility: FacilityRef
    status: str = Field(description="in_progress after a check-in, claimed once the claim file arrived")
    admission_date: date
    discharge_date: date | None = Field(description="None while the visit is in progress")
    admitted_at: datetime | None = Field(description="NGAY_VAO, Vietnam time")
    discharged_at: datetime | None = Field(description="NGAY_RA, Vietnam time")
    visit_type: str
    kcb_type: str | None = Field(description="MA_LOAI_KCB: 01 examination, 02 outpatient treatment, 03 stay…")
    icd10_code: str | None = Field(description="MA_BENH_CHINH")
    icd10_name: str | None
    total_cost: int = Field(description="T_TONGCHI_BV")
    hi_paid: int = Field(description="T_BHTT, paid by the health-insurance fund")
    patient_paid: int = Field(description="T_BNCCT + T_BNTT")
    co_payment: int = Field(description="T_BNCCT, the patient's co-payment")
    out_of_scope: int = Field(description="T_BNTT, paid by the patient outside the insurance's scope")
    other_sources: int = Field(description="T_NGUONKHAC")
    card_result: str | None = Field(description="The card's check code on the admission day when not in force")
    sick_leave_days: int | None
    sick_leave_from: date | None
    sick_leave_to: date | None
    under_dispute: bool = Field(description="A dispute of this visit is open (a resubmission never clears it)")
    dispute_status: Literal["open", "upheld", "rejected"] | None = Field(
        description="The latest dispute's standing: open, upheld or rejected; None when never disputed"
    )
    lines: list[VisitLinePublic]


class CoPaymentYearPublic(BaseModel):
    """A calendar year's co-payments (T_BNCCT of the visits) against the cap of 6 months of base salary."""

    year: int
    as_of: date = Field(description="The figures are as of this day (today, or 31 December of a past year)")
    total: int = Field(description="Co-payments of the year's visits, by discharge day")
    visits: int = Field(description="How many visits with a co-payment the total counts")
    cap: int = Field(description="6 months of the base salary in force on cap_on")
    cap_on: date = Field(description="The day the cap was passed, else as_of")
    base_salary: int
    base_salary_effective_from: date
    gap: int = Field(description="What is left before the cap (the total must go beyond it); 0 once passed")
    cap_reached: bool
    reached_on: date | None = Field(description="The payment day on which the running total passed the cap")
    five_year_date: date | None = Field(description="The card's date of 5 continuous years of cover (ngayDu5Nam)")
    five_years: bool = Field(description="5 continuous years of cover reached by as_of")
    continuous_years: int
    eligible_from: date | None = Field(
        description="Both conditions met: no co-payment owed from this day to 31 December (ask for the certificate)"
    )
    exempt_from: date | None = Field(
        description="NGAY_MIEN_CCT: the exemption recorded on the card for this year, once the certificate is granted"
    )
    rule_version: str
    legal_basis: str
