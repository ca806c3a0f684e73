"""Scan records in group commits: every answered check is durable, concurrent checks share commits, a failed batch
keeps nothing; and the per-process cache of clinic clients forgets a disabled client within its bound."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asyncpg.exceptions import IntegrityConstraintViolationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.checks import ClientFacilities
from ansinh.clinics.models import CardCheck, ClinicClient
from ansinh.clinics.recorder import CheckRecorder, ScanRecord
from ansinh.core.db import session_factory
from ansinh.core.errors import Forbidden
from ansinh.core.settings import Settings
from ansinh.core.statements import create_statements
from ansinh.core.time import utcnow
from tests.factories import make_clinic_client


def scan(facility_id: int, n: int, **overrides: Any) -> ScanRecord:
    values = {
        "facility_id": facility_id,
        "client_id": "clinic-test",
        "staff_name": f"Nhân viên {n}",
        "staff_citizen_id": "001090000001",
        "method": "qr",
        "result": "000",
        "person_id": None,
        "card_id": None,
        "token_id": f"jti-{n}",
        "checked_at": utcnow(),
    }
    return ScanRecord(values={**values, **overrides})


async def stored(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(CardCheck))).one()


@pytest.fixture
async def new_recorder(engine: AsyncEngine, settings: Settings) -> AsyncIterator[Callable[[], CheckRecorder]]:
    """Recorders built as the app builds them: a batch without notices is one statement."""
    statements = create_statements(settings)
    yield lambda: CheckRecorder(session_factory(engine), statements=statements)
    await statements.close()


@pytest.fixture
async def facility_id(db_session: AsyncSession) -> int:
    _client, facility = await make_clinic_client(db_session)
    return facility.id  # type: ignore[return-value]


async def test_concurrent_checks_share_commits_and_every_record_is_kept(
    new_recorder: Callable[[], CheckRecorder], db_session: AsyncSession, facility_id: int
) -> None:
    recorder = new_recorder()
    ids = await asyncio.gather(*(recorder.record(scan(facility_id, n)) for n in range(40)))
    assert len(set(ids)) == 40
    assert await stored(db_session) == 40
    assert recorder.records == 40
    assert recorder.batches < 40  # grouped: fewer commits than checks
    rows = (await db_session.exec(select(CardCheck.id, CardCheck.token_id))).all()
    assert {check_id: token for check_id, token in rows} == {ids[n]: f"jti-{n}" for n in range(40)}  # ids match


async def test_a_record_is_stored_exactly_as_given(
    new_recorder: Callable[[], CheckRecorder], db_session: AsyncSession, facility_id: int
) -> None:
    given = scan(facility_id, 1, staff_name='Nguyễn Thị Ánh "Bé"', person_id=None, card_id=None)
    check_id = await new_recorder().record(given)
    row = (await db_session.exec(select(CardCheck).where(CardCheck.id == check_id))).one()
    assert {name: getattr(row, name) for name in given.values} == given.values  # microseconds and time zone too


async def test_a_failed_batch_answers_every_check_with_the_error_and_keeps_nothing(
    new_recorder: Callable[[], CheckRecorder], db_session: AsyncSession, facility_id: int
) -> None:
    recorder = new_recorder()
    answers = await asyncio.gather(
        recorder.record(scan(facility_id, 1)),
        recorder.record(scan(facility_id, 2, result="bad")),  # breaks the result-format constraint
        recorder.record(scan(facility_id, 3)),
        return_exceptions=True,
    )
    # SQLAlchemy's IntegrityError from a session, asyncpg's own from the single-statement batch
    assert all(isinstance(answer, IntegrityError | IntegrityConstraintViolationError) for answer in answers)
    assert await stored(db_session) == 0
    assert await recorder.record(scan(facility_id, 4)) > 0  # the recorder carries on with the next batch
    assert await stored(db_session) == 1


async def test_a_check_whose_client_hung_up_is_still_recorded(
    new_recorder: Callable[[], CheckRecorder], db_session: AsyncSession, facility_id: int
) -> None:
    recorder = new_recorder()
    waiting = asyncio.create_task(recorder.record(scan(facility_id, 1)))
    await asyncio.sleep(0)
    waiting.cancel()
    await recorder.drain()
    assert await stored(db_session) == 1


@pytest.mark.parametrize(("ttl", "refused"), [(0.0, True), (60.0, False)])
async def test_a_disabled_client_is_refused_once_the_cached_facility_expires(
    db_session: AsyncSession, engine: AsyncEngine, ttl: float, refused: bool
) -> None:
    sessions = session_factory(engine)
    client, facility = await make_clinic_client(db_session)
    clients = ClientFacilities(ttl_seconds=ttl)
    assert (await clients.get(sessions, client_id=client.client_id)).code == facility.code
    disabled = await db_session.get(ClinicClient, client.id)
    disabled.active = False  # type: ignore[union-attr]
    await db_session.commit()
    if refused:
        with pytest.raises(Forbidden):
            await clients.get(sessions, client_id=client.client_id)
    else:  # within the bound (5 s in the app) the worker still knows the client
        assert (await clients.get(sessions, client_id=client.client_id)).id == facility.id
