"""Employers, contribution periods, benefits, medical visits and the dated legal tables."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import (
    created_at_field,
    digits_check,
    fk_field,
    id_field,
    in_check,
    money_field,
    month_check,
)


class WageRegion(StrEnum):
    """Minimum-wage region (vùng) of an employer."""

    I = "I"  # noqa: E741  (the legal name of the region)
    II = "II"
    III = "III"
    IV = "IV"


class Scheme(StrEnum):
    COMPULSORY = "compulsory"  # BHXH bắt buộc
    VOLUNTARY = "voluntary"  # BHXH tự nguyện


class Fund(StrEnum):
    """The funds a contribution may cover."""

    RETIREMENT = "RS"  # hưu trí, tử tuất
    SICKNESS_MATERNITY = "SM"  # ốm đau, thai sản
    OCCUPATIONAL = "OA"  # tai nạn lao động, bệnh nghề nghiệp
    UNEMPLOYMENT = "UI"  # bảo hiểm thất nghiệp
    HEALTH = "HI"  # bảo hiểm y tế


class PaymentState(StrEnum):
    PAID = "paid"
    ARREARS = "arrears"  # the employer declared but has not paid (nợ đóng)


class BenefitType(StrEnum):
    SICKNESS = "sickness"
    MATERNITY = "maternity"
    CONVALESCENCE = "convalescence"
    PENSION = "pension"
    ONE_TIME = "one_time"
    UNEMPLOYMENT = "unemployment"
    OCCUPATIONAL = "occupational"


class BenefitStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PAID = "paid"
    ACTIVE = "active"  # a monthly benefit being paid (pension)
    REJECTED = "rejected"
    ENDED = "ended"


class PaymentChannel(StrEnum):
    BANK = "bank"
    CASH = "cash"
    POST = "post"


class VisitType(StrEnum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"


# Shared fields of an employer (đơn vị sử dụng lao động).
class EmployerBase(SQLModel):
    code: str = Field(sa_type=String(16), description="Employer code at VSS")
    name: str = Field(sa_type=String(200))
    province_code: str = Field(sa_type=String(2))
    wage_region: str = Field(sa_type=String(3), description="Minimum-wage region I–IV")
    tax_code: str | None = Field(default=None, sa_type=String(14), description="Tax code (mã số thuế)")
    address: str | None = Field(default=None, sa_type=String(255))


# The employer row.
class Employer(EmployerBase, table=True):
    __tablename__ = "employer"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint(digits_check("province_code", 2), name="province_code_format"),
        CheckConstraint(in_check("wage_region", [r.value for r in WageRegion]), name="wage_region_value"),
    )

    id: int | None = id_field()


# Shared fields of a contribution period (quá trình đóng): a run of months at one salary base.
class ContributionPeriodBase(SQLModel):
    from_month: str = Field(sa_type=String(7), description="First month, YYYY-MM")
    to_month: str = Field(sa_type=String(7), description="Last month, YYYY-MM (included)")
    scheme: str = Field(sa_type=String(16))
    salary_base: int = money_field(default=None)
    funds: str = Field(sa_type=String(32), description="Comma-separated fund codes: RS,SM,OA,UI,HI")
    employer_amount: int = money_field(default=0)
    employee_amount: int = money_field(default=0)
    status: str = Field(default=PaymentState.PAID, sa_type=String(8))


# The contribution period row; amounts are per month.
class ContributionPeriod(ContributionPeriodBase, table=True):
    __tablename__ = "contribution_period"
    __table_args__ = (
        Index("ix_contribution_period_person_month", "person_id", "from_month"),
        CheckConstraint(month_check("from_month"), name="from_month_format"),
        CheckConstraint(month_check("to_month"), name="to_month_format"),
        CheckConstraint("from_month <= to_month", name="month_order"),
        CheckConstraint(in_check("scheme", [s.value for s in Scheme]), name="scheme_value"),
        CheckConstraint(in_check("status", [s.value for s in PaymentState]), name="status_value"),
        CheckConstraint("salary_base >= 0 AND employer_amount >= 0 AND employee_amount >= 0", name="money_nonneg"),
        # A voluntary contributor has no employer; a compulsory one always has.
        CheckConstraint(
            "(scheme = 'voluntary' AND employer_id IS NULL) OR (scheme = 'compulsory' AND employer_id IS NOT NULL)",
            name="scheme_employer",
        ),
    )

    id: int | None = id_field()
    person_id: int = fk_field("person.id", index=False, ondelete="CASCADE")
    employer_id: int | None = fk_field("employer.id", nullable=True)


# Shared fields of a benefit (chế độ) decided for a person.
class BenefitBase(SQLModel):
    type: str = Field(sa_type=String(16))
    period_from: date
    period_to: date | None = None
    amount: int = money_field(default=None)
    monthly: bool = Field(default=False, description="The amount is paid every month (pension)")
    status: str = Field(sa_type=String(12))
    payment_channel: str = Field(default=PaymentChannel.BANK, sa_type=String(8))
    decided_on: date | None = None


# The benefit row.
class Benefit(BenefitBase, table=True):
    __tablename__ = "benefit"
    __table_args__ = (
        Index("ix_benefit_person_period", "person_id", "period_from"),
        CheckConstraint(in_check("type", [t.value for t in BenefitType]), name="type_value"),
        CheckConstraint(in_check("status", [s.value for s in BenefitStatus]), name="status_value"),
        CheckConstraint(in_check("payment_channel", [c.value for c in PaymentChannel]), name="channel_value"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("period_to IS NULL OR period_to >= period_from", name="period_order"),
    )

    id: int | None = id_field()
    person_id: int = fk_field("person.id", index=False, ondelete="CASCADE")
    created_at: datetime = created_at_field()


# Shared fields of a medical visit (lượt khám chữa bệnh BHYT).
class MedicalVisitBase(SQLModel):
    visit_type: str = Field(default=VisitType.OUTPATIENT, sa_type=String(12))
    admission_date: date
    discharge_date: date
    icd10_code: str = Field(sa_type=String(8))
    icd10_name: str = Field(sa_type=String(200))
    total_cost: int = money_field(default=None)
    hi_paid: int = money_field(default=None)
    patient_paid: int = money_field(default=None)


# The medical visit row.
class MedicalVisit(MedicalVisitBase, table=True):
    __tablename__ = "medical_visit"
    __table_args__ = (
        Index("ix_medical_visit_person_admission", "person_id", "admission_date"),
        CheckConstraint(in_check("visit_type", [v.value for v in VisitType]), name="visit_type_value"),
        CheckConstraint("discharge_date >= admission_date", name="date_order"),
        CheckConstraint("total_cost >= 0 AND hi_paid >= 0 AND patient_paid >= 0", name="money_nonneg"),
        CheckConstraint("hi_paid + patient_paid = total_cost", name="cost_split"),
    )

    id: int | None = id_field()
    person_id: int = fk_field("person.id", index=False, ondelete="CASCADE")
    facility_id: int = fk_field("medical_facility.id")


# Base salary (lương cơ sở), a dated table: the amount in force from a date.
class BaseSalary(SQLModel, table=True):
    __tablename__ = "base_salary"
    __table_args__ = (UniqueConstraint("effective_from"), CheckConstraint("amount > 0", name="amount_positive"))

    id: int | None = id_field()
    effective_from: date
    amount: int = money_field(default=None)
    legal_basis: str = Field(sa_type=String(120))


# Regional minimum wage (lương tối thiểu vùng), dated, one row per region.
class RegionalMinimumWage(SQLModel, table=True):
    __tablename__ = "regional_minimum_wage"
    __table_args__ = (
        UniqueConstraint("effective_from", "region"),
        CheckConstraint(in_check("region", [r.value for r in WageRegion]), name="region_value"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: int | None = id_field()
    effective_from: date
    region: str = Field(sa_type=String(3))
    amount: int = money_field(default=None)
    legal_basis: str = Field(sa_type=String(120))
