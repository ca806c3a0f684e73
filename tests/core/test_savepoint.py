"""A savepoint undoes only its block, and releasing it never commits the caller's transaction (SQLite too)."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import MedicalFacility
from ansinh.core.db import savepoint


def facility(code: str) -> MedicalFacility:
    return MedicalFacility(code=code, name="Trạm Y tế", level="commune", province_code="01")


async def facility_count(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(MedicalFacility))).one()


async def test_a_released_savepoint_is_still_undone_by_the_callers_rollback(db_session: AsyncSession) -> None:
    async with savepoint(db_session):
        db_session.add(facility("01901"))
    await db_session.rollback()
    assert await facility_count(db_session) == 0


async def test_a_failed_savepoint_keeps_the_callers_earlier_work(db_session: AsyncSession) -> None:
    db_session.add(facility("01902"))
    await db_session.flush()
    with pytest.raises(IntegrityError):
        async with savepoint(db_session):
            db_session.add(facility("01902"))  # the same code again: unique violation
    db_session.add(facility("01903"))
    await db_session.commit()
    assert await facility_count(db_session) == 2
