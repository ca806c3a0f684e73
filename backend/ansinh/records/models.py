"""Employers, contribution periods, benefits, medical visits and the dated legal tables."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import (
    Money,
    created_at_field,
    digits_check,
    fk_field,
    id_field,
    in_check,
    money_field,
    month_check,
    utc_field,
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


class SalaryScale(StrEnum):
    """Who set the salary a compulsory contribution was paid on: it decides how the salary is averaged."""

    MARKET = "market"  # the employer (tiền lương do người sử dụng lao động quyết định)
    STATE = "state"  # the State's salary scale (chế độ tiền lương do Nhà nước quy định)


class RevaluationKind(StrEnum):
    """The two published revaluation tables."""

    SALARY = "salary"  # compulsory contributors' monthly salaries (tiền lương tháng đã đóng BHXH)
    INCOME = "income"  # voluntary contributors' monthly incomes (thu nhập tháng đã đóng BHXH tự nguyện)


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
    salary_scale: str = Field(
        default=SalaryScale.MARKET,
        sa_type=String(8),
        sa_column_kwargs={"server_default": SalaryScale.MARKET.value},
        description="market or state: who set the salary (compulsory only)",
    )


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
        CheckConstraint(in_check("salary_scale", [s.value for s in SalaryScale]), name="salary_scale_value"),
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


def amount_field() -> Any:
    """A NOT NULL amount in VND, zero until told otherwise."""
    return Field(default=0, sa_type=Money, nullable=False)


class VisitStatus(StrEnum):
    """Where a visit stands at social security: received by the facility, or its claim file sent."""

    IN_PROGRESS = "in_progress"  # a check-in (QĐ 4750 bảng check-in) arrived; no claim yet
    CLAIMED = "claimed"  # the claim (GIAMDINHHS, XML1…) arrived


class VisitDisputeStatus(StrEnum):
    """Where a citizen's dispute of the visit stands (the dispute itself is an application of kind visit_dispute)."""

    OPEN = "open"  # under dispute: filed, not yet decided
    UPHELD = "upheld"  # decided for the citizen
    REJECTED = "rejected"  # decided against: the record stands


class SubmissionKind(StrEnum):
    CHECK_IN = "check_in"  # checkInKcbQd4750
    CLAIM = "claim"  # guiHoSoXmlQD4750


# Shared fields of a medical visit (lượt khám chữa bệnh BHYT), as the facility's QĐ 130/4750 files describe it.
class MedicalVisitBase(SQLModel):
    visit_type: str = Field(default=VisitType.OUTPATIENT, sa_type=String(12))
    status: str = Field(default=VisitStatus.CLAIMED, sa_type=String(12))
    visit_key: str | None = Field(default=None, sa_type=String(100), description="MA_LK, the facility's visit key")
    kcb_type: str | None = Field(default=None, sa_type=String(2), description="MA_LOAI_KCB (01 examination, 03 stay…)")
    admission_date: date
    discharge_date: date | None = None
    # NGAY_VAO / NGAY_RA: the facility's Vietnam wall-clock time, stored as the instant it names.
    admitted_at: datetime | None = utc_field()
    discharged_at: datetime | None = utc_field()
    icd10_code: str | None = Field(default=None, sa_type=String(8), description="MA_BENH_CHINH")
    icd10_name: str | None = Field(default=None, sa_type=String(1000), description="CHAN_DOAN_RV, the diagnosis")
    admission_reason: str | None = Field(default=None, sa_type=String(500), description="LY_DO_VV")
    treatment_result: str | None = Field(default=None, sa_type=String(2), description="KET_QUA_DTRI")
    discharge_type: str | None = Field(default=None, sa_type=String(2), description="MA_LOAI_RV")
    total_cost: int = amount_field()  # T_TONGCHI_BV
    hi_scope_total: int = amount_field()  # T_TONGCHI_BH, the part in the insurance's scope
    hi_paid: int = amount_field()  # T_BHTT
    co_payment: int = amount_field()  # T_BNCCT (cùng chi trả)
    out_of_scope: int = amount_field()  # T_BNTT, paid by the patient outside the insurance's scope
    patient_paid: int = amount_field()  # T_BNCCT + T_BNTT
    other_sources: int = amount_field()  # T_NGUONKHAC
    card_result: str | None = Field(
        default=None, sa_type=String(3), description="The card's standing on NGAY_VAO when it was not in force"
    )
    sick_leave_days: int | None = Field(default=None, description="XML11 SO_NGAY_NGHI")
    sick_leave_from: date | None = None
    sick_leave_to: date | None = None
    # Kept by the applications' dispute rules; a resubmission from the facility never writes these columns.
    dispute_status: str | None = Field(default=None, sa_type=String(10), description="open, upheld or rejected")
    dispute_ground: str | None = Field(default=None, sa_type=String(8), description="not_me or wrong")


# The medical visit row: one per (facility, MA_LK); a resubmission replaces it, its submissions keep the history.
class MedicalVisit(MedicalVisitBase, table=True):
    __tablename__ = "medical_visit"
    __table_args__ = (
        Index("ix_medical_visit_person_admission", "person_id", "admission_date"),
        UniqueConstraint("facility_id", "visit_key"),
        CheckConstraint(in_check("visit_type", [v.value for v in VisitType]), name="visit_type_value"),
        CheckConstraint(in_check("status", [v.value for v in VisitStatus]), name="status_value"),
        CheckConstraint("discharge_date >= admission_date", name="date_order"),
        CheckConstraint(
            "status = 'in_progress' "
            "OR (discharge_date IS NOT NULL AND icd10_code IS NOT NULL AND icd10_name IS NOT NULL)",
            name="claim_complete",
        ),
        CheckConstraint(
            "total_cost >= 0 AND hi_scope_total >= 0 AND hi_paid >= 0 AND co_payment >= 0 AND out_of_scope >= 0 "
            "AND other_sources >= 0 AND patient_paid = co_payment + out_of_scope",
            name="money_nonneg",
        ),
        # What a judged claim guarantees (T_BHTT = T_TONGCHI_BH − T_BNCCT ≤ T_TONGCHI_BV), kept as inequalities
        # because each amount is rounded to whole đồng on its own. hi_paid + patient_paid = total_cost no longer
        # holds: other sources (T_NGUONKHAC) pay part of some visits.
        CheckConstraint(
            "hi_paid <= hi_scope_total AND co_payment <= hi_scope_total AND hi_scope_total <= total_cost",
            name="cost_parts",
        ),
        CheckConstraint("sick_leave_days IS NULL OR sick_leave_days >= 0", name="sick_leave_days_nonneg"),
        CheckConstraint(in_check("dispute_status", [s.value for s in VisitDisputeStatus]), name="dispute_status_value"),
        CheckConstraint(in_check("dispute_ground", ["not_me", "wrong"]), name="dispute_ground_value"),
        CheckConstraint("(dispute_status IS NULL) = (dispute_ground IS NULL)", name="dispute_status_ground"),
    )

    id: int | None = id_field()
    person_id: int = fk_field("person.id", index=False, ondelete="CASCADE")
    facility_id: int = fk_field("medical_facility.id")
    updated_at: datetime = created_at_field()


# One line of a visit's bill: a drug (XML2, chi tiết thuốc) or a service or supply (XML3, chi tiết DVKT/VTYT).
class MedicalVisitLine(SQLModel, table=True):
    __tablename__ = "medical_visit_line"
    __table_args__ = (
        Index("ix_medical_visit_line_visit", "visit_id", "position"),
        CheckConstraint(in_check("source_table", ["XML2", "XML3"]), name="source_table_value"),
        CheckConstraint(
            "quantity >= 0 AND unit_price >= 0 AND amount >= 0 AND hi_amount >= 0 AND hi_paid >= 0 "
            "AND patient_paid >= 0",
            name="money_nonneg",
        ),
    )

    id: int | None = id_field()
    visit_id: int = fk_field("medical_visit.id", index=False, ondelete="CASCADE")
    source_table: str = Field(sa_type=String(4), description="XML2 (drug) or XML3 (service, supply)")
    position: int
    code: str = Field(sa_type=String(50), description="MA_THUOC, MA_DICH_VU or MA_VAT_TU")
    name: str = Field(sa_type=String(500))
    unit: str | None = Field(default=None, sa_type=String(50), description="DON_VI_TINH")
    quantity: Decimal = Field(sa_type=Numeric(21, 6), description="SO_LUONG")
    unit_price: int = money_field(default=None)  # DON_GIA (XML2) / DON_GIA_BV (XML3)
    amount: int = money_field(default=None)  # THANH_TIEN_BV
    hi_amount: int = amount_field()  # THANH_TIEN_BH
    hi_paid: int = amount_field()  # T_BHTT
    patient_paid: int = amount_field()  # T_BNCCT + T_BNTT


# Every file received for a visit, kept as received (the audit trail: an earlier version stays when replaced).
class MedicalVisitSubmission(SQLModel, table=True):
    __tablename__ = "medical_visit_submission"
    __table_args__ = (
        Index("ix_medical_visit_submission_visit", "visit_id", "received_at"),
        Index("ix_medical_visit_submission_receipt", "receipt"),
        CheckConstraint(in_check("kind", [k.value for k in SubmissionKind]), name="kind_value"),
    )

    id: int | None = id_field()
    visit_id: int = fk_field("medical_visit.id", index=False, ondelete="CASCADE")
    kind: str = Field(sa_type=String(10))
    receipt: str = Field(sa_type=String(32), description="maGiaoDich of the request that brought it")
    account: str = Field(sa_type=String(64), description="The facility account that sent it")
    tables: dict[str, str] = Field(default_factory=dict, sa_type=JSON, description="Each table's XML, by LOAIHOSO")
    signature: str | None = Field(default=None, sa_type=Text, description="CHUKYDONVI as received, not verified")
    received_at: datetime = created_at_field()


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


# Salary revaluation coefficients (hệ số điều chỉnh tiền lương, thu nhập tháng đã đóng BHXH), dated reference data:
# one published table per kind and effective date, one row per year of contribution. A new year's table is a new row
# set with a later ``effective_from`` (a migration), never a code change; the table in force on a date is the row set
# with the latest ``effective_from`` on or before it.
class SalaryRevaluation(SQLModel, table=True):
    __tablename__ = "salary_revaluation"
    __table_args__ = (
        UniqueConstraint("kind", "effective_from", "contribution_year"),
        CheckConstraint(in_check("kind", [k.value for k in RevaluationKind]), name="kind_value"),
        CheckConstraint("coefficient > 0", name="coefficient_positive"),
    )

    id: int | None = id_field()
    kind: str = Field(sa_type=String(8))
    effective_from: date = Field(description="First day of the settlements the table applies to")
    contribution_year: int
    and_earlier: bool = Field(default=False, description="The row also covers every earlier year (trước năm …)")
    coefficient: Decimal = Field(sa_type=Numeric(6, 2))
    legal_basis: str = Field(sa_type=String(200))
    source: str = Field(sa_type=String(600), description="Where the values were taken from")
