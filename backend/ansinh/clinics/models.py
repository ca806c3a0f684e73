"""The client credentials clinics sign in with, their card checks, registered staff and admins."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, digits_check, fk_field, id_field, in_check


# A facility's machine credentials (OAuth client credentials); the secret is stored hashed.
class ClinicClient(SQLModel, table=True):
    __tablename__ = "clinic_client"
    __table_args__ = (UniqueConstraint("client_id"),)

    id: int | None = id_field()
    client_id: str = Field(sa_type=String(64))
    secret_hash: str = Field(sa_type=String(255))
    facility_id: int = fk_field("medical_facility.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(120))
    active: bool = True
    created_at: datetime = created_at_field()


class CheckMethod(StrEnum):
    """How the clinic identified the card."""

    QR = "qr"  # scanned or pasted card token
    LOOKUP = "lookup"  # card number or citizen ID + name + birth date (e.g. read from the chip ID card)
    GATEWAY = "gateway"  # the national gateway's card check (KQNhanLichSuKCB2024) from hospital software


# One online card check by a clinic (lượt tra cứu thẻ): the facility's log and the citizen's receipt.
class CardCheck(SQLModel, table=True):
    __tablename__ = "card_check"
    __table_args__ = (
        Index("ix_card_check_person_time", "person_id", "checked_at"),
        Index("ix_card_check_facility_time", "facility_id", "checked_at"),
        # The gateway's check log of a card, newest first, read from the index alone (dsLichSuKT2018).
        Index("ix_card_check_card_time", "card_id", "checked_at", "id", postgresql_include=["client_id", "result"]),
        CheckConstraint(in_check("method", [m.value for m in CheckMethod]), name="method_value"),
        CheckConstraint(digits_check("result", 3), name="result_format"),
        CheckConstraint(digits_check("staff_citizen_id", 12), name="staff_citizen_id_format"),
    )

    id: int | None = id_field()
    facility_id: int = fk_field("medical_facility.id", index=False, ondelete="CASCADE")
    client_id: str = Field(sa_type=String(64), description="The facility's account: client id or gateway username")
    staff_name: str = Field(sa_type=String(120))
    staff_citizen_id: str = Field(sa_type=String(12), description="Never shown to the citizen")
    method: str = Field(sa_type=String(8))
    result: str = Field(sa_type=String(3))
    # Set only when the card was identified authentically (a verified signature, or a lookup hit).
    person_id: int | None = fk_field("person.id", nullable=True, index=False, ondelete="CASCADE")
    card_id: int | None = fk_field("health_insurance_card.id", nullable=True, index=False, ondelete="SET NULL")
    token_id: str | None = Field(default=None, sa_type=String(64), description="The token's jti")
    checked_at: datetime = created_at_field()


# A staff member the facility allows to check cards (cán bộ tra cứu đã đăng ký): every check names one.
class FacilityStaff(SQLModel, table=True):
    __tablename__ = "facility_staff"
    __table_args__ = (
        UniqueConstraint("public_id"),
        UniqueConstraint("facility_id", "citizen_id"),
        CheckConstraint(digits_check("citizen_id", 12), name="citizen_id_format"),
    )

    id: int | None = id_field()
    public_id: str = Field(sa_type=String(24), description="Opaque id in paths (never the citizen ID)")
    facility_id: int = fk_field("medical_facility.id", index=False, ondelete="CASCADE")
    full_name: str = Field(sa_type=String(120))
    citizen_id: str = Field(sa_type=String(12))
    created_at: datetime = created_at_field()


# A person's account that administers one facility (role facility_admin): manages its registered staff.
class FacilityAdmin(SQLModel, table=True):
    __tablename__ = "facility_admin"
    __table_args__ = (UniqueConstraint("account_id"),)

    id: int | None = id_field()
    account_id: int = fk_field("account.id", index=False, ondelete="CASCADE")
    facility_id: int = fk_field("medical_facility.id", ondelete="CASCADE")
