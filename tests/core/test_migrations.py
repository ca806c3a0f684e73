"""Schema changes go through Alembic: the migrations build exactly the models, both ways, on PostgreSQL."""

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from ansinh.core import migrate
from tests.support import databases

pytestmark = pytest.mark.slow


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """An empty database of its own beside TEST_DATABASE_URL's (the shared one stays migrated for other tests)."""
    assert databases.POSTGRES_URL, "TEST_DATABASE_URL must point at a PostgreSQL server"
    name = f"ansinh_migration_test_{uuid.uuid4().hex[:8]}"  # parallel runs on one server do not collide
    yield databases.create_postgres_database(databases.POSTGRES_URL, name)
    databases.drop_postgres_database(databases.POSTGRES_URL, name)


def _schema_state(url: str) -> tuple[set[str], list[object]]:
    async def _inspect() -> tuple[set[str], list[object]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
                    )
                )
            return tables, diff
        finally:
            await engine.dispose()

    return asyncio.run(_inspect())


def test_upgrade_downgrade_upgrade_matches_the_models(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    tables, diff = _schema_state(empty_database_url)
    assert set(SQLModel.metadata.tables) <= tables
    assert diff == [], f"models and migrations disagree: {diff}"

    migrate.upgrade(empty_database_url)  # idempotent at head

    migrate.downgrade(empty_database_url, "base")
    tables, _ = _schema_state(empty_database_url)
    assert tables <= {"alembic_version"}

    migrate.upgrade(empty_database_url)
    tables, diff = _schema_state(empty_database_url)
    assert set(SQLModel.metadata.tables) <= tables
    assert diff == []


def test_migration_files_are_date_prefixed() -> None:
    files = sorted(p.name for p in (migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
    assert files
    assert all(len(name) > 11 and name[:4].isdigit() and name[4] == "_" for name in files)
