"""Hot reads answer as SQLAlchemy would, on either path, and a lost database is a retryable 503, not a 500."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import JSON, Column, Integer, MetaData, Table, bindparam, func, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.cards.service import _OWN_LIVE_CARD
from ansinh.clinics.card_reads import BY_CITIZEN_ID, BY_SERIAL
from ansinh.core.db import create_engine
from ansinh.core.errors import ServiceUnavailable
from ansinh.core.settings import Settings
from ansinh.core.statements import (
    KeyedRead,
    PooledStatements,
    ReadPool,
    SessionStatements,
    Statement,
    Statements,
    create_statements,
)
from ansinh.identity.models import Account, AccountRole, AccountStatus
from ansinh.records.service import _PERIODS_IN_WINDOW
from tests.conftest import TEST_SECRET
from tests.factories import bearer_for, make_card, make_citizen, make_facility
from tests.support import databases


@pytest.fixture
async def statements(settings: Settings) -> AsyncIterator[Statements]:
    """The hot reads the app builds (asyncpg)."""
    built = create_statements(settings)
    yield built
    await built.close()


async def test_a_hot_read_answers_what_sqlalchemy_answers(
    statements: Statements, engine: AsyncEngine, db_session: AsyncSession
) -> None:
    account, person = await make_citizen(db_session)
    facility = await make_facility(db_session)
    await make_card(db_session, person=person, facility=facility)

    hot = await statements.one(_OWN_LIVE_CARD, account_id=account.id)
    through_sqlalchemy = await SessionStatements(await db_session.connection()).one(
        _OWN_LIVE_CARD, account_id=account.id
    )

    assert hot is not None
    assert through_sqlalchemy is not None
    assert dict(hot) == dict(through_sqlalchemy)
    assert hot["c_valid_to"] == date(2099, 12, 31)
    assert hot["p_created_at"].tzinfo is not None  # timestamps read back aware on both paths


async def test_the_literals_in_a_query_are_bound_with_their_values(
    statements: Statements, db_session: AsyncSession
) -> None:
    # The card query says role = citizen and status = active: a disabled account gets no card back.
    account, person = await make_citizen(db_session, status=AccountStatus.DISABLED)
    facility = await make_facility(db_session)
    await make_card(db_session, person=person, facility=facility)

    assert await statements.one(_OWN_LIVE_CARD, account_id=account.id) is None


async def test_keyed_reads_give_each_caller_the_row_of_its_key_even_when_they_share_a_statement(
    statements: Statements, db_session: AsyncSession
) -> None:
    facility = await make_facility(db_session)
    cards = []
    for _ in range(4):
        _, person = await make_citizen(db_session)
        cards.append(await make_card(db_session, person=person, facility=facility))
    serials = [card.serial for card in cards] + ["NO-SUCH-SERIAL"]

    rows = await asyncio.gather(*(statements.keyed(BY_SERIAL, serial) for serial in serials))

    assert [row["c_number"] if row else None for row in rows] == [card.number for card in cards] + [None]
    assert dict(rows[0]) == dict(
        await SessionStatements(await db_session.connection()).one(BY_SERIAL.one, key=serials[0])
    )  # type: ignore[arg-type]


async def test_a_key_of_several_rows_gives_its_first_in_order_even_in_a_shared_statement(
    statements: Statements, db_session: AsyncSession
) -> None:
    # A reissued card: the person's old card is revoked, the new one live; look-ups by citizen ID want the live one.
    facility = await make_facility(db_session)
    _, reissued = await make_citizen(db_session)
    old = await make_card(db_session, person=reissued, facility=facility, status="replaced", number="0000000001")
    new = await make_card(db_session, person=reissued, facility=facility)
    _, other = await make_citizen(db_session)
    others_card = await make_card(db_session, person=other, facility=facility)
    keys = [reissued.citizen_id, other.citizen_id, reissued.citizen_id, "000000000000"]

    rows = await asyncio.gather(*(statements.keyed(BY_CITIZEN_ID, key) for key in keys))

    assert [row["c_id"] if row else None for row in rows] == [new.id, others_card.id, new.id, None]
    assert old.id not in {row["c_id"] for row in rows if row}


def test_a_keyed_read_must_select_its_key() -> None:
    table = Table("things", MetaData(), Column("id", Integer), Column("code", Integer))
    with pytest.raises(ValueError, match="code"):
        KeyedRead(select(table.c.id), table.c.code, key_label="code")


async def test_every_window_shape_of_the_contribution_periods_has_its_own_statement(statements: Statements) -> None:
    both = _PERIODS_IN_WINDOW[True, True]
    assert both.sql != _PERIODS_IN_WINDOW[False, False].sql
    assert await statements.all(both, person_id=1, from_month="2020-01", to_month="2020-12") == []


def test_a_missing_parameter_is_an_error_not_a_null() -> None:
    with pytest.raises(KeyError):
        _OWN_LIVE_CARD.arguments({})


def test_a_column_that_would_read_back_differently_on_asyncpg_is_refused_when_the_query_is_built() -> None:
    table = Table("documents", MetaData(), Column("body", JSON))
    with pytest.raises(TypeError, match="body"):
        Statement(select(table.c.body).where(table.c.body.is_not(None), bindparam("x") == 1))


# --- a database that is gone --------------------------------------------------------------------------------------


async def test_a_read_on_a_database_that_is_down_is_refused_with_a_retryable_503(postgres_ready: str) -> None:
    down = make_url(postgres_ready).set(port=1).render_as_string(hide_password=False)  # nothing listens there
    settings = Settings(env="dev", database_url=down, secret_key=TEST_SECRET, log_level="WARNING")
    citizen = Account(id=1, username="0100000001", role=AccountRole.CITIZEN)
    async with AsyncTestClient(app=create_app(settings)) as client:
        answer = await client.get("/api/v1/me/card", headers=bearer_for(settings, citizen))
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["retry-after"] == "5"


# A read that takes a while, so the link can be cut while it runs.
SLOW_READ = Statement(select(literal(1, Integer).label("one")).where(func.pg_sleep(1).is_not(None)))


async def test_a_read_cut_off_mid_query_is_a_503_and_the_next_read_reconnects(
    postgres_ready: str,
) -> None:
    settings = Settings(env="dev", database_url=postgres_ready, secret_key=TEST_SECRET)
    engine = create_engine(settings)
    statements = create_statements(settings)
    assert isinstance(statements, PooledStatements)
    try:
        running = asyncio.create_task(statements.one(SLOW_READ))
        await asyncio.sleep(0.3)
        name = make_url(postgres_ready).database
        await databases.admin_execute(
            postgres_ready,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{name}' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()",
        )
        with pytest.raises(ServiceUnavailable):
            await running
        assert await statements.all(_PERIODS_IN_WINDOW[False, False], person_id=1) == []
    finally:
        await statements.close()
        await engine.dispose()


async def test_concurrent_keyed_reads_on_the_hot_connections_share_statements(
    statements: Statements, db_session: AsyncSession
) -> None:
    facility = await make_facility(db_session)
    _, person = await make_citizen(db_session)
    card = await make_card(db_session, person=person, facility=facility)
    assert isinstance(statements, PooledStatements)

    rows = await asyncio.gather(*(statements.keyed(BY_SERIAL, key) for key in [card.serial, "X1", "X2", "X3"] * 5))

    assert [row is not None for row in rows] == [True, False, False, False] * 5
    assert statements.runs == 1  # all twenty were waiting when the first batch went out: one statement


# --- the pool of the hot connections ---------------------------------------------------------------------------


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_reads_beyond_the_pool_size_wait_for_a_connection_and_all_are_answered(postgres_ready: str) -> None:
    pool = ReadPool(_dsn(postgres_ready), size=2)
    most_open = 0

    async def read() -> int:
        nonlocal most_open
        connection = await pool.acquire()
        most_open = max(most_open, pool.open_connections)
        try:
            return await connection.fetchval("SELECT 1 FROM pg_sleep(0.05)")  # type: ignore[no-any-return]
        finally:
            pool.release(connection)

    try:
        assert await asyncio.gather(*(read() for _ in range(6))) == [1] * 6
        assert most_open == 2
    finally:
        await pool.close()


async def test_a_connection_that_saw_an_error_is_closed_not_reused(postgres_ready: str) -> None:
    pool = ReadPool(_dsn(postgres_ready), size=1)
    first = await pool.acquire()
    pool.release(first, healthy=False)
    assert first.is_closed()
    second = await pool.acquire()
    assert second is not first
    assert not second.is_closed()
    pool.release(second)
    assert await pool.acquire() is second  # a healthy one is reused
    pool.release(second)
    await pool.close()
    assert second.is_closed()


async def test_expiring_closes_idle_connections_at_once_and_busy_ones_when_given_back(postgres_ready: str) -> None:
    pool = ReadPool(_dsn(postgres_ready), size=2)
    idle, busy = await pool.acquire(), await pool.acquire()
    pool.release(idle)
    pool.expire()
    assert idle.is_closed()
    assert not busy.is_closed()
    pool.release(busy)
    assert busy.is_closed()
    fresh = await pool.acquire()
    assert fresh not in (idle, busy)
    pool.release(fresh)
    await pool.close()


@pytest.mark.parametrize("gives_up", ["before a connection is free", "as one is handed to it"])
async def test_a_waiter_that_gives_up_passes_its_turn_on(postgres_ready: str, gives_up: str) -> None:
    pool = ReadPool(_dsn(postgres_ready), size=1)
    held = await pool.acquire()
    impatient = asyncio.create_task(pool.acquire())
    patient = asyncio.create_task(pool.acquire())
    await asyncio.sleep(0)  # both are queued, the impatient one first
    if gives_up == "before a connection is free":
        impatient.cancel()
        pool.release(held)
    else:
        pool.release(held)  # handed to the impatient one, which then gives up
        impatient.cancel()
    assert await patient is held
    with pytest.raises(asyncio.CancelledError):
        await impatient
    pool.release(held)
    await pool.close()
