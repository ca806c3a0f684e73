"""Households (hộ gia đình) and their members, for household health insurance."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ansinh.core.sql import UtcDateTime, created_at_field, fk_field, id_field, in_check, money_field, utc_field


class Relation(StrEnum):
    """Relation to the head of household (quan hệ với chủ hộ)."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    OTHER = "other"


class ConsentState(StrEnum):
    NOT_REQUIRED = "not_required"  # the head, or a child under 18
    PENDING = "pending"
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


# Shared fields of a household.
class HouseholdBase(SQLModel):
    code: str = Field(sa_type=String(16), description="Household code (mã hộ gia đình)")
    address: str = Field(sa_type=String(255))
    province_code: str = Field(sa_type=String(2))


# The household row.
class Household(HouseholdBase, table=True):
    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("code"),)

    id: int | None = id_field()
    head_person_id: int = fk_field("person.id")
    created_at: datetime = created_at_field()


# Shared fields of a household member.
class HouseholdMemberBase(SQLModel):
    relation: str = Field(sa_type=String(12))
    enrolment_order: int = Field(description="Order of enrolment in the household, from 1; sets the HI factor")
    consent: str = Field(default=ConsentState.NOT_REQUIRED, sa_type=String(12))


# The member row; a person belongs to at most one household.
class HouseholdMember(HouseholdMemberBase, table=True):
    __tablename__ = "household_member"
    __table_args__ = (
        UniqueConstraint("person_id"),
        UniqueConstraint("household_id", "enrolment_order"),
        CheckConstraint(in_check("relation", [r.value for r in Relation]), name="relation_value"),
        CheckConstraint(in_check("consent", [c.value for c in ConsentState]), name="consent_value"),
        CheckConstraint("enrolment_order >= 1", name="order_positive"),
    )

    id: int | None = id_field()
    household_id: int = fk_field("household.id", index=False, ondelete="CASCADE")
    person_id: int = fk_field("person.id", index=False, ondelete="CASCADE")
    consent_at: datetime | None = utc_field()
    joined_at: datetime = created_at_field()


class PaymentStatus(StrEnum):
    PENDING = "pending"  # created, waiting for the provider's confirmation
    CONFIRMED = "confirmed"  # paid: the members' cards were extended and a receipt written
    FAILED = "failed"  # the provider said no
    EXPIRED = "expired"  # never confirmed in time; its members may be paid for again


# A household HI payment for some members and 3, 6 or 12 months; the amount is fixed when it is created.
class HouseholdPayment(SQLModel, table=True):
    __tablename__ = "household_payment"
    __table_args__ = (
        # A retried request (same Idempotency-Key) can only ever find this row, never make a second one.
        UniqueConstraint("household_id", "idempotency_key"),
        UniqueConstraint("provider_ref"),
        UniqueConstraint("receipt_no"),
        CheckConstraint("months IN (3, 6, 12)", name="months_value"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(in_check("status", [s.value for s in PaymentStatus]), name="status_value"),
    )

    id: int | None = id_field()
    household_id: int = fk_field("household.id", index=False, ondelete="CASCADE")
    payer_person_id: int = fk_field("person.id", index=False)
    idempotency_key: str = Field(sa_type=String(64))
    request_hash: str = Field(sa_type=String(64), description="SHA-256 of the request, to spot a reused key")
    months: int
    amount: int = money_field(default=None)
    base_salary: int = money_field(default=None)
    base_salary_effective_from: date
    priced_on: date = Field(description="The Vietnam date whose base salary priced the payment")
    status: str = Field(default=PaymentStatus.PENDING, sa_type=String(10))
    provider: str = Field(sa_type=String(16))
    provider_ref: str = Field(sa_type=String(64))
    checkout_url: str | None = Field(default=None, sa_type=String(255))
    receipt_no: str | None = Field(default=None, sa_type=String(32))
    created_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UtcDateTime)
    settled_at: datetime | None = utc_field()


# One member's share of a payment. ``status`` mirrors the payment's so the database itself can refuse a
# member in two pending payments (a partial unique index cannot look at another table).
class HouseholdPaymentLine(SQLModel, table=True):
    __tablename__ = "household_payment_line"
    __table_args__ = (
        UniqueConstraint("payment_id", "person_id"),
        Index(
            "uq_household_payment_line_pending_person",
            "person_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        CheckConstraint(in_check("status", [s.value for s in PaymentStatus]), name="status_value"),
        CheckConstraint("monthly_amount > 0 AND amount > 0", name="amounts_positive"),
        CheckConstraint("covered_until >= covered_from", name="coverage_order"),
    )

    id: int | None = id_field()
    payment_id: int = fk_field("household_payment.id", ondelete="CASCADE")
    member_id: int | None = fk_field("household_member.id", nullable=True, index=False, ondelete="SET NULL")
    person_id: int = fk_field("person.id", index=False)
    order_k: int = Field(description="Order among the members paid for: sets the factor")
    factor_permille: int = Field(description="Factor × 1000: 1000, 700, 600, 500, 400")
    monthly_amount: int = money_field(default=None)
    amount: int = money_field(default=None)
    covered_from: date
    covered_until: date
    status: str = Field(default=PaymentStatus.PENDING, sa_type=String(10))


# A payment-provider callback already processed: a replay finds its event id here and changes nothing.
class PaymentEvent(SQLModel, table=True):
    __tablename__ = "payment_event"
    __table_args__ = (UniqueConstraint("event_id"),)

    id: int | None = id_field()
    event_id: str = Field(sa_type=String(64))
    payment_id: int | None = fk_field("household_payment.id", nullable=True, index=False, ondelete="SET NULL")
    outcome: str = Field(sa_type=String(16))
    received_at: datetime = created_at_field()


# The household's audit trail (nhật ký hộ): every member change, consent and payment, for the head to read.
class HouseholdEvent(SQLModel, table=True):
    __tablename__ = "household_event"
    __table_args__ = (Index("ix_household_event_household_time", "household_id", "created_at"),)

    id: int | None = id_field()
    household_id: int = fk_field("household.id", index=False, ondelete="CASCADE")
    actor_person_id: int | None = fk_field("person.id", nullable=True, index=False, ondelete="SET NULL")
    kind: str = Field(sa_type=String(32))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = created_at_field()
