"""Hot reads: the few SELECTs nearly every request runs, as prepared statements straight on asyncpg.

Each query is written once in SQLAlchemy Core. On PostgreSQL it is compiled once and run on a small asyncpg pool of
its own, where asyncpg keeps it prepared per connection: a card read then costs ~0.3 ms of CPU instead of ~0.75 ms
through a SQLAlchemy session (docs/PERFORMANCE.md). Elsewhere (SQLite in development and tests) the same statement runs
through SQLAlchemy, so both paths answer alike and the test suite runs both. Only reads go this way: every write
stays in a session and its transaction.
"""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import asyncpg
from sqlalchemy import BigInteger, Boolean, Date, Integer, LargeBinary, String
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql import Select

from ansinh.core.errors import ServiceUnavailable, database_unavailable
from ansinh.core.settings import Settings
from ansinh.core.sql import UtcDateTime

logger = logging.getLogger("ansinh.db")
Row = Mapping[str, Any]

# Column types asyncpg returns exactly as SQLAlchemy's result processing would (timestamptz comes back aware, which is
# all UtcDateTime adds). A query selecting any other type is refused when it is built, not answered differently.
_SAME_ON_BOTH_PATHS = (BigInteger, Integer, String, Date, Boolean, LargeBinary, UtcDateTime)
_DIALECT = asyncpg_dialect()
# Every read gives up after this long, so a request waiting for a pooled connection waits for a bounded time too (an
# acquire timeout would cost an asyncio.wait_for, a task, on every read).
COMMAND_TIMEOUT_SECONDS = 30.0


class ReadQuery:
    """A Core SELECT with named bind parameters, compiled once for asyncpg."""

    __slots__ = ("_fixed", "_names", "sql", "statement")

    def __init__(self, statement: Select[Any]) -> None:
        for column in statement.selected_columns:
            if not isinstance(column.type, _SAME_ON_BOTH_PATHS):
                raise TypeError(f"hot read of {column.name!r}: {column.type!r} may read back differently on asyncpg")
        self.statement = statement
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = str(compiled)
        self._names: tuple[str, ...] = tuple(compiled.positiontup or ())
        # Literals in the query (a role, a status, a LIMIT) are bound parameters too, with their value set.
        self._fixed = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if not bind.required and name in self._names
        }

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for asyncpg, in the compiled statement's order."""
        return [params[name] if name in params else self._fixed[name] for name in self._names]


class Reads(Protocol):
    """Runs hot reads; rows are read-only mappings of the selected columns' labels."""

    async def one(self, query: ReadQuery, /, **params: Any) -> Row | None:
        """The first row, or None."""
        ...

    async def all(self, query: ReadQuery, /, **params: Any) -> Sequence[Row]:
        """Every row."""
        ...

    async def close(self) -> None:
        """Release the connections (at shutdown)."""
        ...


class CoreReads:
    """Hot reads through SQLAlchemy: an engine (a connection per read) or one connection (a transaction's)."""

    def __init__(self, bind: AsyncEngine | AsyncConnection) -> None:
        self._bind = bind

    async def _execute(self, query: ReadQuery, params: Mapping[str, Any]) -> list[Row]:
        if isinstance(self._bind, AsyncConnection):
            return [row._mapping for row in await self._bind.execute(query.statement, params)]
        async with self._bind.connect() as connection:
            return [row._mapping for row in await connection.execute(query.statement, params)]

    async def one(self, query: ReadQuery, /, **params: Any) -> Row | None:
        rows = await self._execute(query, params)
        return rows[0] if rows else None

    async def all(self, query: ReadQuery, /, **params: Any) -> Sequence[Row]:
        return await self._execute(query, params)

    async def close(self) -> None:
        return None


async def _keep_session_state(_connection: asyncpg.Connection) -> None:
    """Nothing to reset between reads: these connections only ever run single SELECTs outside a transaction.

    asyncpg's default reset on release is another round trip per read (advisory unlocks, CLOSE ALL, RESET ALL).
    """


def _link_lost(connection: Any, exc: BaseException) -> bool:
    if database_unavailable(exc):
        return True
    try:
        return connection.is_closed()  # type: ignore[no-any-return]
    except asyncpg.InterfaceError:  # the pool has already taken the dead connection back
        return True


def _unavailable(cause: BaseException) -> ServiceUnavailable:
    logger.warning("database unavailable for a hot read: %r", cause)
    return ServiceUnavailable(headers={"Retry-After": "5"})


class AsyncpgReads:
    """Hot reads on a pool of asyncpg connections, opened on first use in the running event loop."""

    def __init__(self, dsn: str, *, pool_size: int) -> None:
        self._dsn = dsn
        self._pool_size = pool_size
        self._opening: asyncio.Task[asyncpg.Pool] | None = None  # the pool, once opened in self._loop
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _open(self) -> asyncpg.Pool:
        # min_size=0: opening the pool connects nothing, so it cannot fail when the database is down.
        return await asyncpg.create_pool(
            self._dsn,
            min_size=0,
            max_size=self._pool_size,
            command_timeout=COMMAND_TIMEOUT_SECONDS,
            reset=_keep_session_state,
        )

    async def _get_pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        opening = self._opening
        opened = opening is not None and self._loop is loop and opening.done() and not opening.cancelled()
        if opened and opening.exception() is None:  # type: ignore[union-attr]
            return opening.result()  # type: ignore[union-attr]  # the pool is open: no shield, no await, per read
        if self._opening is None or self._loop is not loop:
            self._opening, self._loop = loop.create_task(self._open()), loop
        opening = self._opening
        try:
            return await asyncio.shield(opening)
        except Exception:
            if self._opening is opening:
                self._opening = None
            raise

    async def _fetch(self, query: ReadQuery, params: Mapping[str, Any]) -> list[Row]:
        pool = await self._get_pool()
        try:
            async with pool.acquire() as connection:
                try:
                    return await connection.fetch(query.sql, *query.arguments(params))  # type: ignore[no-any-return]
                except Exception as exc:
                    # A link cut mid-query (a restart, a failover) surfaces as one of several asyncpg errors; what
                    # they share is a closed connection.
                    if not _link_lost(connection, exc):
                        raise
                    # As SQLAlchemy does on a disconnect: every connection opened before the failure is replaced,
                    # so a database restart costs each worker one failed request, not one per pooled connection.
                    await pool.expire_connections()
                    raise _unavailable(exc) from exc
        except TimeoutError as exc:  # the read ran past COMMAND_TIMEOUT_SECONDS: the database is stuck
            raise _unavailable(exc) from exc
        except Exception as exc:  # the database refused or dropped a new connection
            if database_unavailable(exc):
                raise _unavailable(exc) from exc
            raise

    async def one(self, query: ReadQuery, /, **params: Any) -> Row | None:
        rows = await self._fetch(query, params)
        return rows[0] if rows else None

    async def all(self, query: ReadQuery, /, **params: Any) -> Sequence[Row]:
        return await self._fetch(query, params)

    async def close(self) -> None:
        opening, self._opening = self._opening, None
        if opening is None or self._loop is not asyncio.get_running_loop():
            return  # never opened, or opened in a loop that is gone with its connections
        try:
            pool = await opening
        except Exception:  # it never opened
            return
        await pool.close()


async def session_reads(db: AsyncSession) -> Reads:
    """Hot reads on a session's own connection, inside its transaction (for callers that already hold a session)."""
    return CoreReads(await db.connection())


def create_reads(settings: Settings, engine: AsyncEngine) -> Reads:
    """asyncpg for PostgreSQL; SQLAlchemy (the given autocommit engine) for anything else."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return AsyncpgReads(dsn, pool_size=settings.db_read_pool_size)
    return CoreReads(engine)
