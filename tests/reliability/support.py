"""Live-server plumbing for the fault tests: throwaway PostgreSQL clusters, `ansinh run` subprocesses, worker PIDs."""

import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support import databases

SERVER_SECRET = "reliability-secret-key-that-is-long-enough-0123456789"
PAYMENT_SECRET = "reliability-payment-hmac-secret-0123456789"
ROOT = Path(__file__).resolve().parents[2]


def require_postgres() -> str:
    """The tests' PostgreSQL (tests/support/databases.py): these run `ansinh run` on it."""
    return databases.POSTGRES_URL


def require_redis() -> str:
    """TEST_REDIS_URL (`make test` sets it when the local Redis answers)."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail("cross-worker limits need Redis: set TEST_REDIS_URL=redis://127.0.0.1:6379/<db>")
    return url


@contextmanager
def redis_namespace(url: str) -> Iterator[str]:
    """A key prefix of our own in TEST_REDIS_URL's database; its keys are deleted afterwards."""
    namespace = f"h1-{uuid.uuid4()}"
    try:
        yield namespace
    finally:
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scratch_name(base_url: str, label: str) -> str:
    """A database name beside TEST_DATABASE_URL's, so a run's databases share its prefix (e.g. ansinh_h1_…)."""
    base = make_url(base_url).database or "ansinh_test"
    return f"{base}_{label}_{os.getpid()}"[:63]


@contextmanager
def scratch_database(base_url: str, label: str) -> Iterator[str]:
    """A new empty database on TEST_DATABASE_URL's server, dropped afterwards."""
    name = scratch_name(base_url, label)
    url = databases.create_postgres_database(base_url, name)
    try:
        yield url
    finally:
        databases.drop_postgres_database(base_url, name)


def server_env(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of `ansinh` subprocesses: dev (simulated payments), known secrets, quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSINH_")}
    env.update(
        ANSINH_ENV="dev",
        ANSINH_DATABASE_URL=database_url,
        ANSINH_SECRET_KEY=SERVER_SECRET,
        ANSINH_PAYMENT_HMAC_SECRET=PAYMENT_SECRET,
        ANSINH_PUBLIC_URL="http://localhost:8000",
        ANSINH_LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def ansinh(*args: str, env: dict[str, str], timeout: float = 180) -> str:
    """Run one `ansinh` command to completion; its output, or the test fails with it."""
    done = subprocess.run(
        [sys.executable, "-m", "ansinh", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"ansinh {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def migrate_and_seed(env: dict[str, str], people: int = 50) -> None:
    """`ansinh migrate` then `ansinh seed --people N`, as an operator would."""
    ansinh("migrate", env=env)
    ansinh("seed", "--people", str(people), env=env)


# --- a throwaway PostgreSQL cluster --------------------------------------------------------------------------------


@dataclass
class Cluster:
    """A Debian PostgreSQL cluster of our own (pg_createcluster), on its own port, trusted on localhost only."""

    version: str
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        done = subprocess.run(["pg_ctlcluster", self.version, self.name, *args], capture_output=True, text=True)
        assert done.returncode == 0, f"pg_ctlcluster {args} failed: {done.stdout}{done.stderr}"

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; ``immediate`` kills every backend at once, as a crash would (WAL recovery on start)."""
        self._ctl("stop", "-m", mode)

    def start(self) -> None:
        self._ctl("start")


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Create, start and finally drop a cluster; fails where Debian's tools or root are missing."""
    if shutil.which("pg_createcluster") is None or shutil.which("pg_lsclusters") is None:
        pytest.fail("the PostgreSQL fault test needs Debian's postgresql-common (pg_createcluster)")
    if os.geteuid() != 0:
        pytest.fail("pg_createcluster needs root (it runs the cluster as the postgres user)")
    versions = sorted(p.name for p in Path("/usr/lib/postgresql").iterdir() if (p / "bin" / "initdb").exists())
    if not versions:
        pytest.fail("no PostgreSQL server binaries under /usr/lib/postgresql")
    cluster = Cluster(versions[-1], f"ansinh_fault_{os.getpid()}_{uuid.uuid4().hex[:6]}", free_port())
    created = subprocess.run(
        [
            "pg_createcluster",
            cluster.version,
            cluster.name,
            "-p",
            str(cluster.port),
            "--start",
            "--",
            "--auth-host=trust",
            "--auth-local=trust",
        ],
        capture_output=True,
        text=True,
    )
    try:
        assert created.returncode == 0, f"pg_createcluster failed: {created.stdout}{created.stderr}"
        yield cluster
    finally:
        subprocess.run(["pg_dropcluster", cluster.version, cluster.name, "--stop"], capture_output=True)


def create_database(server_url: str, name: str) -> str:
    """CREATE DATABASE on ``server_url``'s server; returns the new database's URL."""

    async def create() -> None:
        admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()

    asyncio.run(create())
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


# --- `ansinh run` as a subprocess --------------------------------------------------------------------------------


@dataclass
class LiveServer:
    """One `ansinh run` process (uvicorn; with --workers N, a supervisor and N worker processes)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: int
    _worker_pids: list[int] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The processes that accept connections: the workers, or the process itself with one worker."""
        if self.workers == 1:
            return [self.process.pid]
        if not self._worker_pids:
            self._worker_pids = children_of(self.process.pid)
        return self._worker_pids

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: the fields after the last ')' are fixed
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


@contextmanager
def live_server(env: dict[str, str], log_dir: Path, *, workers: int = 1) -> Iterator[LiveServer]:
    """Start `ansinh run` on a free port, wait until it answers (and every worker is up), stop it afterwards."""
    port = free_port()
    log = log_dir / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "ansinh", "run", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our own process group: stopping it never touches anything else
        )
    server = LiveServer(process, port, log, workers)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: LiveServer, limit_seconds: float = 90) -> None:
    deadline = time.monotonic() + limit_seconds  # a hang guard, not a performance expectation
    served: set[int] = set()
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"ansinh run exited:\n{server.log_text()}"
        if server.workers > 1 and len(children_of(server.process.pid)) < server.workers:
            time.sleep(0.2)
            continue
        try:
            answer = fresh_request(server, "GET", "/health/live")
        except OSError:
            time.sleep(0.2)
            continue
        if answer.status == 200 and answer.worker is not None:
            served.add(answer.worker)
        # with several workers, each must have answered once before tests count which one answered
        if len(served) >= server.workers:
            return
    raise AssertionError(f"ansinh run did not come up (workers seen: {served}):\n{server.log_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the group we created at start: the supervisor and its workers
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- which worker owns a connection ---------------------------------------------------------------------------------


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        entries = list(fd_dir.iterdir())
    except OSError:
        return inodes
    for fd in entries:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _connection_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of the TCP connection 127.0.0.x:client_port → :server_port."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local_port = int(parts[1].split(":")[1], 16)
        remote_port = int(parts[2].split(":")[1], 16)
        if local_port == server_port and remote_port == client_port:
            return parts[9]
    return None


def owner_of_connection(server: LiveServer, client_port: int, limit_seconds: float = 5) -> int | None:
    """The worker PID holding the accepted side of our connection (read from /proc; the app is not involved)."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        inode = _connection_inode(server.port, client_port)
        if inode is not None:
            for pid in server.worker_pids():
                if inode in _socket_inodes(pid):
                    return pid
        time.sleep(0.01)  # connected but not yet accepted: it sits in the listen queue
    return None


def problem_json(response: httpx.Response) -> dict[str, Any] | None:
    """The body when the response is RFC 9457 problem+json, else None."""
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Answer:
    """One HTTP answer and the worker process that produced it."""

    status: int
    headers: dict[str, str]
    body: bytes
    worker: int | None

    def json(self) -> Any:
        return json.loads(self.body)


def fresh_request(
    server: LiveServer,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    worker: int | None = None,
) -> Answer:
    """One request on a new TCP connection, noting which worker accepted it.

    With ``worker``, connections accepted by another worker are closed unused until that one accepts.
    """
    for _ in range(200):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30, source_address=(source_ip, 0))
        try:
            connection.connect()
            assert connection.sock is not None
            owner = owner_of_connection(server, connection.sock.getsockname()[1])
            if worker is not None and owner != worker:
                continue
            body: bytes | None = None
            sent = {"Connection": "close", **(headers or {})}
            if json_body is not None:
                body, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
            elif form is not None:
                body, sent["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read(), owner)
        finally:
            connection.close()
    raise AssertionError(f"worker {worker} accepted none of 200 connections")


def serving_workers(server: LiveServer) -> list[int]:
    """The worker processes that actually accept connections (the supervisor may have other children)."""
    seen: set[int] = set()
    for _ in range(100):
        answer = fresh_request(server, "GET", "/health/live")
        if answer.worker is not None:
            seen.add(answer.worker)
        if len(seen) >= server.workers:
            break
    return sorted(seen)
