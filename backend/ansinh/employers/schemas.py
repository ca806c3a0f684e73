"""Request and response bodies of the employer API: the employer, declarations, dues, payments and arrears."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class EmployerPublic(BaseModel):
    """An employer (đơn vị sử dụng lao động) as its HR clerks and software see it."""

    code: str = Field(description="Unit code (mã đơn vị)")
    name: str
    tax_code: str | None
    address: str | None
    province_code: str
    wage_region: str


class EmployerTokenResponse(BaseModel):
    """RFC 6749 §4.4 token response for an employer's declaration software."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    employer_code: str


class DeclarationLineIn(BaseModel):
    """One row of the D02-LT list: a hire (by SI code, or a new person), a leave, a salary change or a suspension."""

    kind: Literal["hire", "leave", "salary", "suspend"]
    si_code: str | None = Field(default=None, max_length=32, description="SI code; omit for a person new to SI")
    full_name: str | None = Field(default=None, max_length=120, description="Required for a person new to SI")
    date_of_birth: date | None = None
    sex: Literal["M", "F"] | None = None
    citizen_id: str | None = Field(default=None, max_length=32, description="12-digit CCCD of a person new to SI")
    position: str | None = Field(default=None, max_length=120, description="Kept as text, never evaluated")
    salary: int | None = Field(default=None, ge=0, description="Monthly salary subject to contribution, VND")
    allowances: int = Field(default=0, ge=0, description="Allowances subject to contribution, VND")
    from_month: str = Field(max_length=16, description="Effective month, YYYY-MM")
    to_month: str | None = Field(default=None, max_length=16, description="Last month of a suspension, YYYY-MM")
    reason: str | None = Field(default=None, max_length=32, description="Leave or suspension reason code")


class DeclarationIn(BaseModel):
    """Declarations of one employer for one month, applied whole or not at all."""

    month: str = Field(pattern=MONTH_PATTERN, description="The month declared, YYYY-MM")
    lines: list[DeclarationLineIn] = Field(min_length=1, max_length=10_000)


class LineResult(BaseModel):
    """An applied line: its row and the worker's SI code (new persons receive theirs here)."""

    row: int
    kind: str
    si_code: str
    full_name: str
    from_month: str


class DeclarationResult(BaseModel):
    """An applied declaration batch."""

    id: int
    employer_code: str
    month: str
    source: str
    lines: list[LineResult]


class DueRow(BaseModel):
    """One worker's dues for a month, per fund and in total."""

    si_code: str
    full_name: str
    month: str
    salary_base: int
    funds: dict[str, tuple[int, int]] = Field(description="fund → [employer share, employee share]")
    employer_amount: int
    employee_amount: int
    total: int
    paid: int
    owed: int
    rule_version: str


class MonthArrears(BaseModel):
    """What a month's dues came to, what was paid, what is still owed and the late-payment interest so far."""

    month: str
    due: int
    paid: int
    owed: int
    deadline: date
    interest: int


class ArrearsPublic(BaseModel):
    """An employer's account: months with their dues, payments, arrears and interest, oldest first."""

    as_of: date
    months: list[MonthArrears]
    total_due: int
    total_paid: int
    total_owed: int
    total_interest: int
    credit: int = Field(description="Paid beyond every due so far")
    interest_rule: str


class PaymentPublic(BaseModel):
    """A payment received from the employer's bank."""

    bank_ref: str
    amount: int
    paid_on: date


class WorkerPublic(BaseModel):
    """A worker the employer has declared, with the latest contribution salary."""

    si_code: str
    full_name: str
    from_month: str
    salary: int
    employed: bool


class DeclarationSummary(BaseModel):
    """A declaration batch in the employer's list (open its receipt for the lines)."""

    id: int
    month: str
    source: str
    lines: int
    submitted_at: datetime


class DeclarationReceipt(DeclarationResult):
    """A printable receipt of an applied declaration: the employer, when, by whom, and each line."""

    employer: EmployerPublic
    submitted_at: datetime
    submitted_by: str


class InstalmentIn(BaseModel):
    """One instalment of a payment plan."""

    due_on: date
    amount: int = Field(gt=0, le=10**13, description="Whole VND")


class PaymentPlanIn(BaseModel):
    """A payment plan staff agreed with an employer: instalments that together pay what is owed today."""

    instalments: list[InstalmentIn] = Field(min_length=1, max_length=36)
    note: str | None = Field(default=None, max_length=500)


class PaymentPlanPublic(BaseModel):
    """A recorded payment plan."""

    id: int
    employer_code: str
    owed_at_start: int = Field(description="Contributions owed when the plan was recorded")
    interest_at_start: int = Field(description="Late-payment interest owed when the plan was recorded")
    total: int
    instalments: list[InstalmentIn]
    note: str | None
    recorded_at: datetime


class StaffArrears(BaseModel):
    """What staff see of an employer in arrears: its account, month by month, and its payment plans."""

    employer: EmployerPublic
    arrears: ArrearsPublic
    plans: list[PaymentPlanPublic]
    card_rule: str = Field(description="What arrears do to the workers' cards, with its basis")


class EmployerOwing(BaseModel):
    """An employer with unpaid dues, for staff's list."""

    code: str
    name: str
    months: int = Field(description="Months with dues not fully paid")
    owed: int
