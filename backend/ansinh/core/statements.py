"""Hot statements: the few that nearly every request runs, as prepared statements straight on asyncpg.

Each query is written once in SQLAlchemy Core, compiled once and run on a small asyncpg pool of its own, where asyncpg
keeps it prepared per connection (docs/PERFORMANCE.md has what that saves). A caller that already holds a session runs
the same statement on the session's connection, inside its transaction (``session_statements``). Single-statement writes
that need no transaction of their own (a batch of scan records, a passkey sign-in) run here too.
"""

import asyncio
import collections
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Protocol

import asyncpg
from sqlalchemy import ARRAY, BigInteger, Boolean, Date, Integer, LargeBinary, String, any_, bindparam
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from ansinh.core.batching import Batcher
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
# Hot statements are fixed shapes whose best plan does not depend on the key (an index lookup by it), yet PostgreSQL
# re-plans a prepared statement for its parameters whenever it judges that worth it — on every run of the batched
# key reads, where PostgreSQL's planning cost it more than the read itself (docs/PERFORMANCE.md, tenth session). One
# generic plan per connection, re-made when the tables' statistics change.
_HOT_SETTINGS = {"plan_cache_mode": "force_generic_plan"}


class Statement:
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


class KeyedRead:
    """A SELECT of at most one row per key, written once and built in two forms: for one key (``:key``), and for
    many (``= ANY(:keys)``) so concurrent reads of different keys can share one statement (``Statements.keyed``).

    When a key may match several rows, ``order`` says which one is the key's: the first in that order (the one-key
    form takes it with LIMIT 1, the many-key form keeps each key's first row).
    """

    __slots__ = ("key_label", "many", "one")

    def __init__(
        self, statement: Select[Any], key: ColumnElement[Any], *, key_label: str, order: Sequence[Any] = ()
    ) -> None:
        """``key``: the key column; ``key_label``: its label among the selected columns."""
        if key_label not in {column.name for column in statement.selected_columns}:
            raise ValueError(f"the key {key_label!r} must be selected, to tell the rows of a batch apart")
        one = statement.where(key == bindparam("key"))
        many = statement.where(key == any_(bindparam("keys", type_=ARRAY(key.type))))
        if order:
            one, many = one.order_by(*order).limit(1), many.order_by(*order)
        self.one = Statement(one)
        self.many = Statement(many)
        self.key_label = key_label

    def rows_by_key(self, rows: Sequence[Row], keys: Sequence[Any]) -> list[Row | None]:
        """The row of each key (its first, None when there is none), in the order of ``keys``."""
        found: dict[Any, Row] = {}
        for row in rows:
            found.setdefault(row[self.key_label], row)
        return [found.get(key) for key in keys]


class Statements(Protocol):
    """Runs hot reads; rows are read-only mappings of the selected columns' labels."""

    async def one(self, query: Statement, /, **params: Any) -> Row | None:
        """The first row, or None."""
        ...

    async def all(self, query: Statement, /, **params: Any) -> Sequence[Row]:
        """Every row."""
        ...

    async def keyed(self, query: KeyedRead, key: Any, /) -> Row | None:
        """The row of ``key``, or None; concurrent calls may share one statement."""
        ...

    async def close(self) -> None:
        """Release the connections (at shutdown)."""
        ...


class SessionStatements:
    """Hot statements on one SQLAlchemy connection: a session's, inside its transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _execute(self, query: Statement, params: Mapping[str, Any]) -> list[Row]:
        return [row._mapping for row in await self._connection.execute(query.statement, params)]

    async def one(self, query: Statement, /, **params: Any) -> Row | None:
        rows = await self._execute(query, params)
        return rows[0] if rows else None

    async def all(self, query: Statement, /, **params: Any) -> Sequence[Row]:
        return await self._execute(query, params)

    async def keyed(self, query: KeyedRead, key: Any, /) -> Row | None:
        # The batch form, as the hot connections run it (and as bench.scale EXPLAINs it).
        return query.rows_by_key(await self._execute(query.many, {"keys": [key]}), [key])[0]

    async def close(self) -> None:
        return None


def _unavailable(cause: BaseException) -> ServiceUnavailable:
    logger.warning("database unavailable for a hot read: %r", cause)
    return ServiceUnavailable(headers={"Retry-After": "5"})


class ReadPool:
    """Up to ``size`` asyncpg connections for single statements, handed out first come, first served.

    Kept over asyncpg's own pool because it measured faster on the card read (docs/PERFORMANCE.md, ninth session): a
    read needs none of that pool's machinery (a task per release, holders, timeouts), as these connections only ever
    run one statement outside a transaction, so there is nothing to
    reset, and a connection that saw any failure is closed rather than reused.
    """

    def __init__(self, dsn: str, *, size: int) -> None:
        self._dsn = dsn
        self._size = size
        self._idle: list[asyncpg.Connection] = []
        self._waiting: collections.deque[asyncio.Future[asyncpg.Connection | None]] = collections.deque()
        self._opened = 0  # connections open or being opened
        self._generation = 0  # bumped by expire(): connections of an older one are closed when released
        self._born: dict[asyncpg.Connection, int] = {}  # connection → the generation it was opened in
        self._closed = False

    async def acquire(self) -> asyncpg.Connection:
        """An idle connection, a new one while fewer than ``size`` are open, else the next one released."""
        if self._idle:
            return self._idle.pop()
        if self._opened >= self._size:
            waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                connection = await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():  # handed over just as we gave up: pass it on
                    handed = waiter.result()
                    if handed is not None:
                        self.release(handed)
                    else:
                        self._opened -= 1
                        self._hand_over_slot()
                raise
            if connection is not None:
                return connection
            # A slot was freed (a connection closed): open one in its place, below.
        else:
            self._opened += 1
        try:
            connection = await asyncpg.connect(
                self._dsn, command_timeout=COMMAND_TIMEOUT_SECONDS, server_settings=_HOT_SETTINGS
            )
        except BaseException:
            self._opened -= 1
            self._hand_over_slot()
            raise
        self._born[connection] = self._generation
        return connection

    def release(self, connection: asyncpg.Connection, *, healthy: bool = True) -> None:
        """Give the connection back; an unhealthy or expired one is closed and its slot handed on."""
        if self._closed or not healthy or connection.is_closed() or self._born.get(connection) != self._generation:
            self._discard(connection)
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def _discard(self, connection: asyncpg.Connection) -> None:
        self._born.pop(connection, None)
        connection.terminate()
        self._opened -= 1
        self._hand_over_slot()

    def _hand_over_slot(self) -> None:
        """A slot is free: the first waiter opens a connection of its own."""
        while self._waiting and self._opened < self._size:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self._opened += 1
                waiter.set_result(None)
                return

    @property
    def open_connections(self) -> int:
        """Connections open or being opened (at most ``size``)."""
        return self._opened

    def expire(self) -> None:
        """Close every connection opened so far (idle ones now, busy ones when released): the server restarted."""
        self._generation += 1
        idle, self._idle = self._idle, []
        for connection in idle:
            self._discard(connection)

    async def close(self) -> None:
        """Close the idle connections; busy ones close when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            self._born.pop(connection, None)
            self._opened -= 1
            await connection.close()


class PooledStatements:
    """Hot reads on a small pool of asyncpg connections (``ReadPool``), one pool per running event loop."""

    def __init__(self, dsn: str, *, pool_size: int) -> None:
        self._dsn = dsn
        self._pool_size = pool_size
        self._pool: ReadPool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._batchers: dict[KeyedRead, Batcher[Any, Row | None]] = {}
        self.runs = 0  # statements run (keyed reads in batches count once per batch): tests, metrics

    def _current_pool(self) -> "ReadPool":
        # Connections belong to the loop that opened them (tests run several loops in turn; a server runs one).
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:
            self._pool, self._loop = ReadPool(self._dsn, size=self._pool_size), loop
            self._batchers = {}
        return self._pool

    async def _fetch(self, query: Statement, params: Mapping[str, Any]) -> list[Row]:
        pool = self._current_pool()
        self.runs += 1
        try:
            connection = await pool.acquire()
        except Exception as exc:  # the database refused or dropped a new connection
            if database_unavailable(exc):
                raise _unavailable(exc) from exc
            raise
        try:
            rows = await connection.fetch(query.sql, *query.arguments(params))
        except BaseException as exc:
            # A link cut mid-query (a restart, a failover) surfaces as one of several asyncpg errors; what they share
            # is a closed connection.
            lost = isinstance(exc, Exception) and (database_unavailable(exc) or connection.is_closed())
            pool.release(connection, healthy=False)  # whatever went wrong, it is closed, not reset and reused
            if lost:
                # As SQLAlchemy does on a disconnect: every connection opened before the failure is replaced, so a
                # database restart costs each worker one failed request, not one per pooled connection.
                pool.expire()
                raise _unavailable(exc) from exc
            if isinstance(exc, TimeoutError):  # the read ran past COMMAND_TIMEOUT_SECONDS: the database is stuck
                raise _unavailable(exc) from exc
            raise
        pool.release(connection)
        return rows  # type: ignore[no-any-return]

    async def one(self, query: Statement, /, **params: Any) -> Row | None:
        rows = await self._fetch(query, params)
        return rows[0] if rows else None

    async def all(self, query: Statement, /, **params: Any) -> Sequence[Row]:
        return await self._fetch(query, params)

    async def keyed(self, query: KeyedRead, key: Any, /) -> Row | None:
        # Statements of different keys that arrive while one batch is out go together in the next: a round trip for
        # many scans instead of one each (core/batching.py).
        self._current_pool()  # first, so batchers of an earlier event loop (and their queued futures) are dropped
        batcher = self._batchers.get(query)
        if batcher is None:
            batcher = self._batchers[query] = Batcher(partial(self._serve_keyed, query), concurrency=2)
        return await batcher.submit(key)

    async def _serve_keyed(self, query: KeyedRead, keys: list[Any]) -> list[Row | None]:
        return query.rows_by_key(await self._fetch(query.many, {"keys": list(dict.fromkeys(keys))}), keys)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None and self._loop is asyncio.get_running_loop():
            await pool.close()  # a pool of a loop that is gone went with its connections


async def session_statements(db: AsyncSession) -> Statements:
    """Hot reads on a session's own connection, inside its transaction (for callers that already hold a session)."""
    return SessionStatements(await db.connection())


def create_statements(settings: Settings) -> PooledStatements:
    """The hot connections of the configured database."""
    url = make_url(settings.database).set(drivername="postgresql")
    return PooledStatements(url.render_as_string(hide_password=False), pool_size=settings.db_read_pool_size)
