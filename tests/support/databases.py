"""The tests' PostgreSQL: TEST_DATABASE_URL when set, else the local server when it answers, else the embedded one.

The schema is migrated once per run and emptied (DELETE) before each test that asks for a database.
"""

import asyncio
import os
import socket
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from ansinh.core import dbserver, migrate, registry  # noqa: F401  (every table on SQLModel.metadata)

LOCAL_SERVER = ("127.0.0.1", 5432)
LOCAL_DATABASE = "ansinh_make_test"
# The embedded server of the tests keeps its files apart from `make run`'s (var/postgres), and is stopped at the end.
EMBEDDED_DATA_DIR = Path(__file__).resolve().parents[2] / "var" / "test"
EMBEDDED_DATABASE = "ansinh_test"


def _local_server_answers() -> bool:
    try:
        with socket.create_connection(LOCAL_SERVER, timeout=1):
            return True
    except OSError:
        return False


async def _ensure_local_database() -> None:
    host, port = LOCAL_SERVER
    connection = await asyncpg.connect(host=host, port=port, user="postgres", database="postgres", timeout=5)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", LOCAL_DATABASE):
            await connection.execute(f'CREATE DATABASE "{LOCAL_DATABASE}"')
    finally:
        await connection.close()


def _choose_server() -> tuple[str, bool]:
    """The URL of the tests' database, and whether the embedded server was started for it."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url, False
    if _local_server_answers():
        asyncio.run(_ensure_local_database())
        host, port = LOCAL_SERVER
        return f"postgresql+asyncpg://postgres@{host}:{port}/{LOCAL_DATABASE}", False
    return dbserver.start(EMBEDDED_DATA_DIR, EMBEDDED_DATABASE), True


POSTGRES_URL, STARTED_EMBEDDED = _choose_server()


async def admin_execute(url: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database (CREATE/DROP DATABASE need to be outside any)."""
    admin = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await admin.dispose()


def database_beside(url: str, name: str) -> str:
    """The URL of database ``name`` on ``url``'s server."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def create_postgres_database(url: str, name: str, *, template: str | None = None) -> str:
    """Create an empty database (or a copy of ``template``) beside ``url``'s and return its URL."""
    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(admin_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"{copy}'))
    return database_beside(url, name)


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


REFERENCE_TABLES = frozenset({"salary_revaluation"})


async def truncate_postgres(url: str) -> None:
    """Empty every application table and restart its ids, in one round trip.

    DELETE, children first, rather than TRUNCATE: a test leaves a few rows, and TRUNCATE's new files cost ~0.4 s per
    test here against ~10 ms.
    """
    # Reference data the migrations load (the published revaluation tables) stays: the estimates read it.
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    deletes = "".join(f'DELETE FROM "{name}";' for name in tables)
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        sequences = await connection.fetch(
            "SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
        )
        kept = {f"{name}_id_seq" for name in REFERENCE_TABLES}
        restarts = "".join(f'ALTER SEQUENCE "{s}"."{n}" RESTART;' for s, n in sequences if n not in kept)
        await connection.execute(f"BEGIN;{deletes}{restarts}COMMIT;")
    finally:
        await connection.close()


def stop_embedded() -> None:
    """Stop the embedded server if this run started it."""
    if STARTED_EMBEDDED:
        dbserver.stop(EMBEDDED_DATA_DIR)
