"""Insured people (the registry) and the accounts they and staff sign in with."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import UtcDateTime, created_at_field, digits_check, fk_field, id_field, in_check, utc_field


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
    FACILITY_ADMIN = "facility_admin"  # a person managing a facility's registered checking staff
    EMPLOYER_STAFF = "employer_staff"  # an employer's HR clerk (cán bộ nhân sự), acting for its employers


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
    email: str | None = Field(default=None, sa_type=String(254), description="Staff only: where their OTPs go")


# The account row; the password hash never leaves this class.
class Account(AccountBase, table=True):
    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("username"),
        UniqueConstraint("person_id"),
        CheckConstraint(in_check("role", [r.value for r in AccountRole]), name="role_value"),
        CheckConstraint(in_check("status", [s.value for s in AccountStatus]), name="status_value"),
        CheckConstraint(in_check("assurance_level", [a.value for a in AssuranceLevel]), name="assurance_value"),
        # A citizen account belongs to a registered person; staff, facility admin and HR accounts to nobody in the
        # registry.
        CheckConstraint(
            "(role = 'citizen' AND person_id IS NOT NULL)"
            " OR (role IN ('staff', 'facility_admin', 'employer_staff') AND person_id IS NULL)",
            name="role_person",
        ),
    )

    id: int | None = id_field()
    person_id: int | None = fk_field("person.id", nullable=True, index=False, ondelete="CASCADE")
    password_hash: str | None = Field(default=None, sa_type=String(255))
    password_changed_at: datetime | None = utc_field()
    webauthn_user_id: bytes | None = Field(default=None, sa_type=LargeBinary(64), description="WebAuthn user handle")
    created_at: datetime = created_at_field()


class SignInMethod(StrEnum):
    """How a session was signed in (the token's ``amr``)."""

    PASSWORD_OTP = "pwd+otp"
    PASSKEY = "passkey"
    CHIP = "chip"


# A signed-in device: the refresh-token family and what access tokens name as ``sid``.
class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"
    __table_args__ = (Index("ix_auth_session_account_live", "account_id", "revoked_at"),)

    id: str = Field(primary_key=True, sa_type=String(32))
    account_id: int = fk_field("account.id", index=False, ondelete="CASCADE")
    amr: str = Field(sa_type=String(16))
    auth_time: datetime = Field(sa_type=UtcDateTime)
    created_at: datetime = created_at_field()
    last_seen_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = utc_field()
    revoke_reason: str | None = Field(default=None, sa_type=String(32))
    user_agent: str | None = Field(default=None, sa_type=String(255))
    ip: str | None = Field(default=None, sa_type=String(45))


# One refresh token of a session; stored hashed, rotated on every use.
class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: int | None = id_field()
    session_id: str = Field(foreign_key="auth_session.id", sa_type=String(32), index=True, ondelete="CASCADE")
    token_hash: str = Field(sa_type=String(64))
    created_at: datetime = created_at_field()
    used_at: datetime | None = utc_field()


# A WebAuthn credential (passkey) bound to an account.
class Passkey(SQLModel, table=True):
    __tablename__ = "passkey"
    __table_args__ = (UniqueConstraint("credential_id"),)

    id: int | None = id_field()
    account_id: int = fk_field("account.id", ondelete="CASCADE")
    credential_id: bytes = Field(sa_type=LargeBinary(1023))
    public_key: bytes = Field(sa_type=LargeBinary(2048))
    sign_count: int = Field(default=0, sa_type=BigInteger)
    transports: list[str] = Field(default_factory=list, sa_type=JSON)
    aaguid: str = Field(default="", sa_type=String(36))
    backup_eligible: bool = False
    backed_up: bool = False
    name: str = Field(sa_type=String(64))
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = utc_field()


class SecurityEventKind(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    ACCOUNT_LOCKED = "account_locked"
    OTP_SENT = "otp_sent"
    SIGN_OUT = "sign_out"
    SESSION_REVOKED = "session_revoked"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    PASSKEY_RENAMED = "passkey_renamed"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    ACCOUNT_ACTIVATED = "account_activated"
    CONTACT_CHANGED = "contact_changed"
    TOKEN_REUSE_DETECTED = "token_reuse_detected"
    CHIP_VERIFIED = "chip_verified"
    CHIP_VERIFICATION_FAILED = "chip_verification_failed"


# An audit record of a security-relevant event on an account (the citizen reads their own).
class SecurityEvent(SQLModel, table=True):
    __tablename__ = "security_event"
    __table_args__ = (Index("ix_security_event_account_time", "account_id", "created_at"),)

    id: int | None = id_field()
    account_id: int = fk_field("account.id", index=False, ondelete="CASCADE")
    kind: str = Field(sa_type=String(32))
    created_at: datetime = created_at_field()
    ip: str | None = Field(default=None, sa_type=String(45))
    user_agent: str | None = Field(default=None, sa_type=String(255))
    detail: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
