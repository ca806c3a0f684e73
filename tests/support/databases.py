"""Test databases: a migrated SQLite template copied per test, and PostgreSQL truncated per test."""

import asyncio
import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from ansinh.core import migrate

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def make_sqlite_template(folder: Path) -> Path:
    """Migrate an empty SQLite file once; tests copy it instead of migrating again."""
    template = folder / "template.db"
    migrate.upgrade(sqlite_url(template))
    return template


def copy_sqlite(template: Path, folder: Path) -> str:
    target = folder / f"test-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)


async def admin_execute(url: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database (CREATE/DROP DATABASE need to be outside any)."""
    admin = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await admin.dispose()


def create_postgres_database(url: str, name: str) -> str:
    """Create an empty database beside ``url``'s and return its URL."""
    asyncio.run(admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str, name: str) -> None:
    asyncio.run(admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def reset_postgres_schema(url: str) -> None:
    """Start the session from an empty schema, then migrate it."""

    async def _reset() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()

    asyncio.run(_reset())
    migrate.upgrade(url)


async def truncate_postgres(url: str) -> None:
    """Empty every application table (fast, keeps the migrated schema)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            rows = await conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'alembic_version'")
            )
            tables = ", ".join(f'"{name}"' for (name,) in rows)
            if tables:
                await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
