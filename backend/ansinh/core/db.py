"""Async engine, sessions and the SQLite pragmas that make it behave under concurrency."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core import registry  # noqa: F401  (every table is known to SQLModel.metadata)
from ansinh.core.settings import Settings

# Opens a database session when a path needs one (e.g. the app's session factory).
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside a writer; busy_timeout waits for the lock instead of failing;
    # SQLite ignores foreign keys unless told per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def ensure_sqlite_dir(database_url: str) -> None:
    """Create the folder of a file-backed SQLite database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the async engine for the configured database."""
    kwargs: dict[str, Any] = {"echo": settings.db_echo}
    if settings.is_sqlite:
        ensure_sqlite_dir(settings.database_url)
    else:
        # No pre-ping: it cost a round trip per request (a fifth of the card screen's CPU). A connection found dead
        # fails its request with a retryable 503 and SQLAlchemy then drops every connection older than the failure,
        # so after a database restart each worker loses one request, not one per pooled connection. No overflow:
        # connections opened and closed under bursts cost more than waiting a moment for a pooled one.
        kwargs.update(pool_size=settings.db_pool_size, max_overflow=0, pool_pre_ping=False)
    engine = create_async_engine(settings.database_url, **kwargs)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    return engine


@asynccontextmanager
async def savepoint(db: AsyncSession) -> AsyncIterator[None]:
    """A SAVEPOINT inside the caller's transaction: an error in the block undoes only the block.

    Python's sqlite3 opens a transaction only before the first INSERT/UPDATE/DELETE, so a SAVEPOINT issued
    first would open its own and RELEASE would commit it; begin the outer transaction first so it does not.
    """
    connection = await db.connection()
    if connection.dialect.name == "sqlite":
        raw = await connection.get_raw_connection()
        if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
            await connection.exec_driver_sql("BEGIN")
    async with db.begin_nested():
        yield


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for handlers that only read: autocommit, so no BEGIN and ROLLBACK round trips around the query.

    Each statement sees its own snapshot; use them only where one statement answers the request (or where
    statements need not agree with each other), and never to write.
    """
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), class_=AsyncSession, expire_on_commit=False
    )


async def ping(engine: AsyncEngine, limit_seconds: float = 2.0) -> bool:
    """True when the database answers a trivial query within ``limit_seconds``."""
    try:
        async with asyncio.timeout(limit_seconds), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any failure to answer means "not ready", whatever the driver raised
        return False
    return True
