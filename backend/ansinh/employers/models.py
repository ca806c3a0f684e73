"""Employers as users: HR memberships, software clients, declarations (D02-LT), dues and payments."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, fk_field, id_field, in_check, money_field, month_check, utc_field


class DeclarationKind(StrEnum):
    """What a declaration line changes (báo tăng / giảm / điều chỉnh)."""

    OPENING = "opening"  # số dư đầu kỳ: a worker already contributing when the ledger starts
    HIRE = "hire"  # báo tăng: starts contributing from the month
    LEAVE = "leave"  # báo giảm: contributes no more from the month
    SALARY = "salary"  # điều chỉnh mức đóng: a new salary from the month
    SUSPEND = "suspend"  # tạm dừng đóng: months without contribution (sickness, maternity, unpaid leave)


class LeaveReason(StrEnum):
    """Why a worker is declared off (lý do giảm)."""

    MOVED_OUT_OF_PROVINCE = "moved_out_of_province"  # chuyển đi tỉnh khác
    MOVED_WITHIN_PROVINCE = "moved_within_province"  # chuyển đơn vị trong tỉnh
    STOPPED = "stopped"  # nghỉ việc, chấm dứt hợp đồng lao động: stops participating
    RETIRED = "retired"  # nghỉ hưu
    DECEASED = "deceased"  # chết


class SuspendReason(StrEnum):
    """Why months carry no contribution (lý do không đóng)."""

    SICKNESS = "sickness"  # nghỉ ốm từ 14 ngày làm việc trở lên trong tháng
    MATERNITY = "maternity"  # nghỉ thai sản
    UNPAID_LEAVE = "unpaid_leave"  # nghỉ không hưởng lương từ 14 ngày làm việc trở lên


class BatchSource(StrEnum):
    """How a declaration reached AnSinh."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    OPENING = "opening"  # written when the ledger was started (the demo's history)


# A person's right to act for an employer (HR clerk ↔ employer); one person may act for several employers.
class EmployerMembership(SQLModel, table=True):
    __tablename__ = "employer_membership"
    __table_args__ = (UniqueConstraint("account_id", "employer_id"),)

    id: int | None = id_field()
    account_id: int = fk_field("account.id", index=False, ondelete="CASCADE")
    employer_id: int = fk_field("employer.id", ondelete="CASCADE")
    created_at: datetime = created_at_field()


# An employer's declaration software (OAuth client credentials); the secret is stored hashed.
class EmployerClient(SQLModel, table=True):
    __tablename__ = "employer_client"
    __table_args__ = (UniqueConstraint("client_id"),)

    id: int | None = id_field()
    client_id: str = Field(sa_type=String(64))
    secret_hash: str = Field(sa_type=String(255))
    employer_id: int = fk_field("employer.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(120))
    active: bool = True
    created_at: datetime = created_at_field()


# One submission of declarations for an employer and month (hồ sơ D02-LT), applied whole or not at all.
class DeclarationBatch(SQLModel, table=True):
    __tablename__ = "declaration_batch"
    __table_args__ = (
        # A retried request (same Idempotency-Key) finds this batch, never applies a second one.
        UniqueConstraint("employer_id", "idempotency_key"),
        CheckConstraint(month_check("month"), name="month_format"),
        CheckConstraint(in_check("source", [s.value for s in BatchSource]), name="source_value"),
    )

    id: int | None = id_field()
    employer_id: int = fk_field("employer.id", index=False, ondelete="CASCADE")
    month: str = Field(sa_type=String(7), description="The month declared, YYYY-MM: dues are computed through it")
    source: str = Field(sa_type=String(8))
    idempotency_key: str = Field(sa_type=String(64))
    request_hash: str = Field(sa_type=String(64), description="SHA-256 of the request, to spot a reused key")
    lines: int
    submitted_by: str = Field(sa_type=String(64), description="HR account id or software client id")
    created_at: datetime = created_at_field()


# One line of a declaration (a row of the D02-LT list), as applied.
class Declaration(SQLModel, table=True):
    __tablename__ = "declaration"
    __table_args__ = (
        Index("ix_declaration_employer_person", "employer_id", "person_id", "from_month"),
        CheckConstraint(in_check("kind", [k.value for k in DeclarationKind]), name="kind_value"),
        CheckConstraint(month_check("from_month"), name="from_month_format"),
        CheckConstraint("to_month IS NULL OR from_month <= to_month", name="month_order"),
        CheckConstraint("salary >= 0 AND allowances >= 0", name="money_nonneg"),
    )

    id: int | None = id_field()
    batch_id: int = fk_field("declaration_batch.id", ondelete="CASCADE")
    employer_id: int = fk_field("employer.id", index=False, ondelete="CASCADE")
    person_id: int = fk_field("person.id", index=False, ondelete="CASCADE")
    row_no: int = Field(description="Row of the submitted list (1 = first data row)")
    kind: str = Field(sa_type=String(8))
    from_month: str = Field(sa_type=String(7), description="Effective month, YYYY-MM")
    to_month: str | None = Field(default=None, sa_type=String(7), description="Last month of a suspension")
    salary: int = money_field(default=0)
    allowances: int = money_field(default=0)
    position: str | None = Field(default=None, sa_type=String(120), description="Kept as text, never evaluated")
    reason: str | None = Field(default=None, sa_type=String(32))


# What an employer owes for one worker and month, computed from the declarations and the dated rates.
class EmployerDue(SQLModel, table=True):
    __tablename__ = "employer_due"
    __table_args__ = (
        UniqueConstraint("employer_id", "person_id", "month"),
        Index("ix_employer_due_employer_month", "employer_id", "month"),
        CheckConstraint(month_check("month"), name="month_format"),
        CheckConstraint(
            "salary_base >= 0 AND employer_amount >= 0 AND employee_amount >= 0 AND paid >= 0 "
            "AND paid <= employer_amount + employee_amount",
            name="money_range",
        ),
    )

    id: int | None = id_field()
    employer_id: int = fk_field("employer.id", index=False, ondelete="CASCADE")
    person_id: int = fk_field("person.id", ondelete="CASCADE")
    month: str = Field(sa_type=String(7))
    salary_base: int = money_field(default=None)
    funds: str = Field(sa_type=String(32), description="Comma-separated fund codes: RS,SM,OA,UI,HI")
    employer_amount: int = money_field(default=None)
    employee_amount: int = money_field(default=None)
    paid: int = money_field(default=0)
    rule_version: str = Field(sa_type=String(64))


# A payment received from an employer's bank (amount, date, bank reference), each bank reference once.
class EmployerPayment(SQLModel, table=True):
    __tablename__ = "employer_payment"
    __table_args__ = (UniqueConstraint("bank_ref"), CheckConstraint("amount > 0", name="amount_positive"))

    id: int | None = id_field()
    employer_id: int = fk_field("employer.id", ondelete="CASCADE")
    amount: int = money_field(default=None)
    paid_on: date
    bank_ref: str = Field(sa_type=String(64))
    event_id: str = Field(sa_type=String(64))
    created_at: datetime = created_at_field()


class CoverageOutcome(StrEnum):
    """What became of a worker's card when their declared coverage ended (a leave)."""

    DECREASED = "decreased"  # no other coverage: the card was reported reduced with the leave's code (120-124)
    EMPLOYER = "employer"  # another employer (or the same one again) declares them: the card carries on
    HOUSEHOLD = "household"  # a paid household (GD) coverage takes over: the card moved to the household scheme
    OTHER_SCHEME = "other_scheme"  # the live card belongs to another scheme (pension, pupil, household…): left alone
    NO_CARD = "no_card"  # no live card to act on


# A leave's effect on the worker's card, due the day after their coverage ends; applied once by the due job.
class CoverageChange(SQLModel, table=True):
    __tablename__ = "coverage_change"
    __table_args__ = (
        UniqueConstraint("declaration_id"),
        Index("ix_coverage_change_pending", "ends_on", postgresql_where=text("applied_at IS NULL")),
        CheckConstraint(in_check("reason", [r.value for r in LeaveReason]), name="reason_value"),
        CheckConstraint(
            "outcome IS NULL OR " + in_check("outcome", [o.value for o in CoverageOutcome]), name="outcome_value"
        ),
        CheckConstraint("(applied_at IS NULL) = (outcome IS NULL)", name="applied_outcome"),
    )

    id: int | None = id_field()
    declaration_id: int = fk_field("declaration.id", index=False, ondelete="CASCADE")
    employer_id: int = fk_field("employer.id", index=False, ondelete="CASCADE")
    person_id: int = fk_field("person.id", ondelete="CASCADE")
    ends_on: date = Field(description="Last day of coverage: the end of the month of the leave")
    reason: str = Field(sa_type=String(32))
    applied_at: datetime | None = utc_field()
    outcome: str | None = Field(default=None, sa_type=String(16))


# A payment plan staff agreed with an employer in arrears (kế hoạch trả nợ), kept with who recorded it.
class PaymentPlan(SQLModel, table=True):
    __tablename__ = "employer_payment_plan"
    __table_args__ = (CheckConstraint("owed_at_start >= 0", name="owed_nonneg"),)

    id: int | None = id_field()
    employer_id: int = fk_field("employer.id", ondelete="CASCADE")
    owed_at_start: int = money_field(default=None)
    interest_at_start: int = money_field(default=None)
    note: str | None = Field(default=None, sa_type=String(500))
    recorded_by: int = fk_field("account.id", index=False)
    created_at: datetime = created_at_field()


# One instalment of a payment plan: an amount to pay by a day.
class PaymentPlanInstalment(SQLModel, table=True):
    __tablename__ = "employer_payment_plan_instalment"
    __table_args__ = (UniqueConstraint("plan_id", "due_on"), CheckConstraint("amount > 0", name="amount_positive"))

    id: int | None = id_field()
    plan_id: int = fk_field("employer_payment_plan.id", index=False, ondelete="CASCADE")
    due_on: date
    amount: int = money_field(default=None)
