"""Households (hộ gia đình) and their members, for household health insurance."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, fk_field, id_field, in_check, utc_field


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
