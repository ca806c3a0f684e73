"""Timestamps: stored in UTC, read back timezone-aware on every backend, naive values refused."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import CardCheck
from tests.factories import make_facility


async def test_an_aware_timestamp_comes_back_aware_in_utc(db_session: AsyncSession) -> None:
    facility = await make_facility(db_session)
    hanoi_morning = datetime(2026, 11, 25, 8, 30, tzinfo=timezone(timedelta(hours=7)))
    check = CardCheck(
        facility_id=facility.id,  # type: ignore[arg-type]
        client_id="c",
        staff_name="Lê Y Tá",
        staff_citizen_id="001190000123",
        method="qr",
        result="000",
        checked_at=hanoi_morning,
    )
    db_session.add(check)
    await db_session.commit()
    db_session.expunge_all()
    stored = await db_session.get(CardCheck, check.id)
    assert stored is not None
    assert stored.checked_at == datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    assert stored.checked_at.utcoffset() == timedelta(0)


async def test_a_naive_timestamp_is_refused(db_session: AsyncSession) -> None:
    facility = await make_facility(db_session)
    db_session.add(
        CardCheck(
            facility_id=facility.id,  # type: ignore[arg-type]
            client_id="c",
            staff_name="Lê Y Tá",
            staff_citizen_id="001190000123",
            method="qr",
            result="000",
            checked_at=datetime(2026, 11, 25, 8, 30),  # noqa: DTZ001 (the point of the test)
        )
    )
    with pytest.raises(StatementError, match="naive datetime"):
        await db_session.commit()
