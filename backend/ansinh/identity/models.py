"""Insured people (the registry) and the accounts they and staff sign in with."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, digits_check, fk_field, id_field, in_check, utc_field


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


class DatePrecision(StrEnum):
    """How much of a birth date is known; older records often know only the year."""

    DAY = "day"
    YEAR = "year"


class AccountRole(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


class AccountStatus(StrEnum):
    PENDING = "pending"  # in the registry, not yet activated (no password)
    ACTIVE = "active"
    DISABLED = "disabled"


class AssuranceLevel(StrEnum):
    """How strongly the account is bound to the real person."""

    BASIC = "basic"  # password + OTP to the contact on record
    CHIP_VERIFIED = "chip_verified"  # proven with the chip citizen-ID card


# Shared fields of an insured person (người tham gia BHXH/BHYT).
class PersonBase(SQLModel):
    si_code: str = Field(sa_type=String(10), description="SI code (mã số BHXH), 10 digits")
    citizen_id: str = Field(sa_type=String(12), description="Citizen ID (số CCCD), 12 digits")
    full_name: str = Field(sa_type=String(120))
    date_of_birth: date
    birth_date_precision: str = Field(default=DatePrecision.DAY, sa_type=String(4))
    sex: str = Field(sa_type=String(1))
    province_code: str = Field(sa_type=String(2), description="Province of residence (2-digit code)")
    address: str | None = Field(default=None, sa_type=String(255))
    phone: str | None = Field(default=None, sa_type=String(16))
    email: str | None = Field(default=None, sa_type=String(254))


# The registry row; constraints live in the database as well as in Python.
class Person(PersonBase, table=True):
    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("si_code"),
        UniqueConstraint("citizen_id"),
        CheckConstraint(digits_check("si_code", 10), name="si_code_format"),
        CheckConstraint(digits_check("citizen_id", 12), name="citizen_id_format"),
        CheckConstraint(digits_check("province_code", 2), name="province_code_format"),
        CheckConstraint(in_check("sex", [s.value for s in Sex]), name="sex_value"),
        CheckConstraint(in_check("birth_date_precision", [p.value for p in DatePrecision]), name="precision_value"),
    )

    id: int | None = id_field()
    created_at: datetime = created_at_field()


# Shared fields of a sign-in account (tài khoản).
class AccountBase(SQLModel):
    username: str = Field(sa_type=String(64), description="SI code for citizens, a chosen name for staff")
    role: str = Field(default=AccountRole.CITIZEN, sa_type=String(16))
    status: str = Field(default=AccountStatus.PENDING, sa_type=String(16))
    assurance_level: str = Field(default=AssuranceLevel.BASIC, sa_type=String(16))
    display_name: str | None = Field(default=None, sa_type=String(120))


# The account row; the password hash never leaves this class.
class Account(AccountBase, table=True):
    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("username"),
        UniqueConstraint("person_id"),
        CheckConstraint(in_check("role", [r.value for r in AccountRole]), name="role_value"),
        CheckConstraint(in_check("status", [s.value for s in AccountStatus]), name="status_value"),
        CheckConstraint(in_check("assurance_level", [a.value for a in AssuranceLevel]), name="assurance_value"),
        # A citizen account belongs to a registered person; a staff account to nobody in the registry.
        CheckConstraint(
            "(role = 'citizen' AND person_id IS NOT NULL) OR (role = 'staff' AND person_id IS NULL)",
            name="role_person",
        ),
    )

    id: int | None = id_field()
    person_id: int | None = fk_field("person.id", nullable=True, index=False, ondelete="CASCADE")
    password_hash: str | None = Field(default=None, sa_type=String(255))
    password_changed_at: datetime | None = utc_field()
    created_at: datetime = created_at_field()
