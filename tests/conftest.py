"""Fixtures shared by every domain's tests: the database, settings, the app and clients."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.core.db import create_engine, session_factory
from ansinh.core.settings import Settings
from tests.support import databases

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def postgres_ready() -> str:
    """The tests' PostgreSQL (tests/support/databases.py), migrated from an empty schema once per run."""
    databases.reset_postgres_schema(databases.POSTGRES_URL)
    return databases.POSTGRES_URL


def fresh_database(postgres_url: str) -> str:
    """The migrated database, emptied."""
    asyncio.run(databases.truncate_postgres(postgres_url))
    return postgres_url


@pytest.fixture
def database_url(postgres_ready: str) -> str:
    """A migrated, empty database."""
    return fresh_database(postgres_ready)


def pytest_sessionfinish(session: pytest.Session) -> None:
    databases.stop_embedded()


STORE_KINDS = ["memory", *(["redis"] if os.environ.get("TEST_REDIS_URL") else [])]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Dev settings on the test database (dev: the OTP outbox is readable)."""
    return Settings(
        env="dev",
        database_url=database_url,
        redis_url=None,
        secret_key=TEST_SECRET,
        public_url="http://localhost:8000",
        log_format="json",
        log_level="WARNING",
    )


@pytest.fixture(params=STORE_KINDS)
def shared_state_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The settings with the shared store in memory, and in Redis when TEST_REDIS_URL is set."""
    if request.param == "memory":
        return settings
    return settings.model_copy(
        update={"redis_url": os.environ["TEST_REDIS_URL"], "redis_namespace": f"test-{uuid.uuid4().hex}"}
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def db_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for service-level tests, outside HTTP."""
    factory: async_sessionmaker[AsyncSession] = session_factory(engine)
    async with factory() as session:
        yield session


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
