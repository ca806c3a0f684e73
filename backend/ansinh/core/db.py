"""Async engine and sessions on PostgreSQL (asyncpg)."""

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core import registry  # noqa: F401  (every table is known to SQLModel.metadata)
from ansinh.core.settings import Settings

# Opens a database session when a path needs one (e.g. the app's session factory).
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
_JSON = msgspec.json.Encoder()


def _json_text(value: object) -> str:
    """JSON columns' text: msgspec's, UTF-8 as is (the standard library's escapes every Vietnamese letter)."""
    return _JSON.encode(value).decode()


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the async engine for the configured database."""
    # No pre-ping: it cost a round trip per request. A connection found dead fails its request with a retryable 503
    # and SQLAlchemy then drops every connection older than the failure, so after a database restart each worker
    # loses one request, not one per pooled connection. No overflow: connections opened and closed under bursts cost
    # more than waiting a moment for a pooled one.
    return create_async_engine(
        settings.database,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_pre_ping=False,
        # A claim keeps its tables' XML in a JSON column, ~40 kB a visit, which the standard library's encoder writes
        # with every Vietnamese letter escaped, at three times msgspec's CPU.
        json_serializer=_json_text,
        json_deserializer=msgspec.json.decode,
    )


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
