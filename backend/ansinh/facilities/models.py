"""Medical facilities (cơ sở KCB): the registry every card, visit and check refers to."""

from enum import StrEnum

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import digits_check, id_field, in_check


class FacilityLevel(StrEnum):
    """Technical level (tuyến): central, provincial, district, commune."""

    CENTRAL = "central"
    PROVINCIAL = "provincial"
    DISTRICT = "district"
    COMMUNE = "commune"


# Shared fields of a medical facility.
class MedicalFacilityBase(SQLModel):
    code: str = Field(sa_type=String(5), description="Facility code: 2-digit province + 3 characters")
    name: str = Field(sa_type=String(200))
    level: str = Field(sa_type=String(16))
    province_code: str = Field(sa_type=String(2))
    address: str | None = Field(default=None, sa_type=String(255))


# The facility row.
class MedicalFacility(MedicalFacilityBase, table=True):
    __tablename__ = "medical_facility"
    __table_args__ = (
        UniqueConstraint("code"),
        CheckConstraint("length(code) = 5 AND ltrim(substr(code, 1, 2), '0123456789') = ''", name="code_format"),
        CheckConstraint(digits_check("province_code", 2), name="province_code_format"),
        CheckConstraint("substr(code, 1, 2) = province_code", name="code_province"),
        CheckConstraint(in_check("level", [lv.value for lv in FacilityLevel]), name="level_value"),
    )

    id: int | None = id_field()
