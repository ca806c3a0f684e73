"""Recorded chip-ID verifications: what was checked and the outcome, never the photo or the raw files."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, String
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, fk_field, id_field, in_check


class VerificationPurpose(StrEnum):
    VERIFY = "verify"  # a signed-in citizen raising their account's assurance
    ACTIVATE = "activate"  # activating an account without an office visit


class VerificationOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


# One chip-ID verification attempt on an account (outcome, checks, which signer); no personal data from the chip.
class ChipVerification(SQLModel, table=True):
    __tablename__ = "chip_verification"
    __table_args__ = (
        Index("ix_chip_verification_account_time", "account_id", "created_at"),
        CheckConstraint(in_check("purpose", [p.value for p in VerificationPurpose]), name="purpose_value"),
        CheckConstraint(in_check("outcome", [o.value for o in VerificationOutcome]), name="outcome_value"),
    )

    id: int | None = id_field()
    account_id: int = fk_field("account.id", index=False, ondelete="CASCADE")
    purpose: str = Field(sa_type=String(16))
    outcome: str = Field(sa_type=String(16))
    failed_check: str | None = Field(default=None, sa_type=String(32))
    checks: dict[str, str] = Field(default_factory=dict, sa_type=JSON, description="check name -> outcome")
    data_groups: list[int] = Field(default_factory=list, sa_type=JSON, description="data groups whose hashes matched")
    document_last_digits: str | None = Field(default=None, sa_type=String(4), description="last 4 digits of the ID")
    ds_fingerprint: str | None = Field(default=None, sa_type=String(64), description="SHA-256 of the DS certificate")
    csca_fingerprint: str | None = Field(default=None, sa_type=String(64))
    digest_algorithm: str | None = Field(default=None, sa_type=String(16))
    signature_algorithm: str | None = Field(default=None, sa_type=String(32))
    aa_algorithm: str | None = Field(default=None, sa_type=String(32))
    created_at: datetime = created_at_field()
