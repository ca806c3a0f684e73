"""Finding facilities in the registry."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.facilities.models import MedicalFacility


async def first_facility_in(db: AsyncSession, *, province_code: str) -> int | None:
    """The id of the province's facility with the lowest code (where a new card registers when nothing says else)."""
    return (
        await db.exec(
            select(MedicalFacility.id)
            .where(MedicalFacility.province_code == province_code)
            .order_by(col(MedicalFacility.code))
        )
    ).first()
