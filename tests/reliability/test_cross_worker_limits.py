"""Limits, lockouts and WebAuthn challenges hold across `ansinh run --workers 2` when they live in Redis.

Each check sends its requests to chosen workers (fresh connections, the accepting process read from /proc),
so it can tell a shared counter from one per worker. The control run without Redis shows the same checks
fail there: N per worker, not N in total.
"""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.db import create_engine
from ansinh.core.settings import Settings
from ansinh.demo.personas import AN, CLINIC_CLIENT_ID, CLINIC_SECRET, TUAN
from ansinh.demo.runner import DEMO_PASSWORD
from ansinh.identity.models import Account
from tests.identity.test_passkeys import session_headers
from tests.reliability.load import API, STAFF_CITIZEN_ID
from tests.reliability.support import (
    SERVER_SECRET,
    Answer,
    LiveServer,
    fresh_request,
    live_server,
    migrate_and_seed,
    redis_namespace,
    require_postgres,
    require_redis,
    scratch_database,
    server_env,
    serving_workers,
)
from tests.support.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.soak

SIGN_IN_LIMIT = 6  # per IP per minute
CLINIC_LIMIT = 5  # per clinic client per second
ORIGIN = "http://localhost:8000"


@dataclass
class Setup:
    shared: bool  # True: Redis; False: the control run, each worker with its own memory
    server: LiveServer
    workers: list[int]
    settings: Settings
    ip_prefix: str  # a loopback /24 of its own, so the runs' per-IP budgets never meet


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    base = require_postgres()
    with scratch_database(base, "limits") as url:
        migrate_and_seed(server_env(url))
        yield url


@pytest.fixture(scope="module", params=["redis", "memory"], ids=["redis", "control-without-redis"])
def setup(
    request: pytest.FixtureRequest, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Setup]:
    """One server per run; each test uses addresses and accounts of its own, so they share it safely."""
    shared = request.param == "redis"
    extra = {"ANSINH_SIGN_IN_LIMIT_PER_IP": str(SIGN_IN_LIMIT), "ANSINH_CLINIC_RATE_LIMIT": str(CLINIC_LIMIT)}
    with ExitStack() as stack:
        if shared:
            url = require_redis()
            extra |= {"ANSINH_REDIS_URL": url, "ANSINH_REDIS_NAMESPACE": stack.enter_context(redis_namespace(url))}
        log_dir = tmp_path_factory.mktemp("limits")
        server = stack.enter_context(live_server(server_env(database_url, **extra), log_dir, workers=2))
        workers = serving_workers(server)
        assert len(workers) == 2, f"requests reached only {workers}"
        settings = Settings(
            env="dev", database_url=database_url, secret_key=SERVER_SECRET, public_url=ORIGIN, log_level="WARNING"
        )
        yield Setup(shared, server, workers, settings, "127.0.1" if shared else "127.0.2")


def _login(setup: Setup, worker: int, username: str, password: str, ip: str) -> Answer:
    body = {"username": username, "password": password}
    return fresh_request(setup.server, "POST", f"{API}/auth/login", json_body=body, source_ip=ip, worker=worker)


def _slug(answer: Answer) -> str:
    return str(answer.json().get("type", "")).rsplit("/", 1)[-1] if answer.status >= 400 else ""


def test_sign_in_limit_per_ip_is_one_budget_for_all_workers(setup: Setup) -> None:
    first, second = setup.workers
    ip = f"{setup.ip_prefix}.10"
    # N wrong sign-ins on one worker, then N more on the other (each under a new name: no lockout in play)
    answers = [_login(setup, w, f"nobody-{uuid.uuid4().hex[:8]}", "wrong", ip) for w in [first] * SIGN_IN_LIMIT]
    answers += [_login(setup, w, f"nobody-{uuid.uuid4().hex[:8]}", "wrong", ip) for w in [second] * SIGN_IN_LIMIT]
    allowed = sum(1 for a in answers if a.status == 401)
    limited = [a for a in answers if a.status == 429]
    assert allowed + len(limited) == len(answers), Counter(a.status for a in answers)
    assert all(_slug(a) == "too-many-requests" and a.headers.get("retry-after") for a in limited)
    assert {a.worker for a in answers} == set(setup.workers)
    if setup.shared:
        assert allowed == SIGN_IN_LIMIT  # the second worker knew the budget was spent
    else:
        assert allowed == 2 * SIGN_IN_LIMIT  # control: a budget per worker


def test_password_lockout_counts_failures_from_every_worker(setup: Setup) -> None:
    first, second = setup.workers
    ip = f"{setup.ip_prefix}.20"
    username = AN if setup.shared else TUAN  # the Redis run locks An; the control run must not meet that lock
    # 5 wrong passwords alternating between workers: 3 seen by the first, 2 by the second
    failures = [_login(setup, w, username, "not-the-password", ip) for w in [first, second, first, second, first]]
    assert [a.status for a in failures] == [401] * 5
    right = _login(setup, second, username, DEMO_PASSWORD, ip)
    assert right.worker == second
    if setup.shared:
        assert right.status == 429  # locked, although this worker saw only 2 failures itself
        assert _slug(right) == "account-locked"
    else:
        assert right.status == 200, right.body  # control: the second worker counted only its own 2 failures


def test_clinic_limit_is_one_budget_for_all_workers(setup: Setup) -> None:
    first, second = setup.workers
    ip = f"{setup.ip_prefix}.30"
    token = fresh_request(
        setup.server,
        "POST",
        f"{API}/clinic/token",
        form={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": CLINIC_SECRET},
        source_ip=ip,
    )
    assert token.status == 200, token.body
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for _ in range(3):
        time.sleep(1.1)  # a fresh one-second window (the limit's window is fixed at one second)
        started = time.monotonic()
        answers = [
            fresh_request(
                setup.server,
                "POST",
                f"{API}/clinic/lookup",
                # a different staff name each time: each is a new check, not a retry of the previous one
                json_body={
                    "card_number": "0100000001",
                    "full_name": "Nguyễn Văn An",
                    "date_of_birth": "1984-05-17",
                    "staff_name": f"Lễ tân {n} {uuid.uuid4().hex[:8]}",
                    "staff_citizen_id": STAFF_CITIZEN_ID,
                },
                headers=headers,
                source_ip=ip,
                worker=worker,
            )
            for n, worker in enumerate([first] * CLINIC_LIMIT + [second])
        ]
        # Only a run whose requests all fell inside one window can tell; a slower one is repeated.
        if time.monotonic() - started < 0.9:
            break
    else:
        pytest.fail("three runs of 6 requests each took longer than the one-second window")
    assert [a.status for a in answers[:CLINIC_LIMIT]] == [200] * CLINIC_LIMIT, [a.body for a in answers]
    last = answers[-1]
    if setup.shared:
        assert last.status == 429, last.body  # the other worker's 5 used the client's budget
        assert _slug(last) == "too-many-requests"
    else:
        assert last.status == 200  # control: this worker had a budget of its own


def test_a_webauthn_challenge_from_one_worker_is_accepted_by_the_other(setup: Setup) -> None:
    first, second = setup.workers
    ip = f"{setup.ip_prefix}.40"
    headers = asyncio.run(_fresh_session(setup.settings, TUAN))
    authenticator = SoftAuthenticator(origin=ORIGIN)

    def call(worker: int, path: str, body: Any = None, auth: dict[str, str] | None = None) -> Answer:
        return fresh_request(
            setup.server, "POST", f"{API}{path}", json_body=body, headers=auth, source_ip=ip, worker=worker
        )

    options = call(first, "/auth/passkeys/registration/options", auth=headers)
    assert options.status == 200, options.body
    credential = authenticator.create(options.json()["publicKey"])
    registered = call(
        second,
        "/auth/passkeys/registration",
        {"ceremony_id": options.json()["ceremony_id"], "credential": credential, "name": "h1"},
        auth=headers,
    )
    if not setup.shared:
        assert registered.status == 400, registered.body  # control: the other worker never saw the challenge
        return
    assert registered.status == 201, registered.body

    sign_in = call(second, "/auth/passkeys/authentication/options")
    assert sign_in.status == 200, sign_in.body
    assertion = authenticator.get(sign_in.json()["publicKey"])
    signed_in = call(
        first, "/auth/passkeys/authentication", {"ceremony_id": sign_in.json()["ceremony_id"], "credential": assertion}
    )
    assert signed_in.status == 200, signed_in.body
    assert signed_in.json()["access_token"]
    # and the ceremony is single-use everywhere: replaying it on the worker that issued it fails
    replay = call(
        second, "/auth/passkeys/authentication", {"ceremony_id": sign_in.json()["ceremony_id"], "credential": assertion}
    )
    assert replay.status == 400, replay.body


async def _fresh_session(settings: Settings, username: str) -> dict[str, str]:
    """A bearer for a just-opened password+OTP session (passkey enrolment asks for a recent sign-in)."""
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db:
            account = (await db.exec(select(Account).where(Account.username == username))).one()
            headers = await session_headers(db, settings, account)
            await db.commit()
    finally:
        await engine.dispose()
    return headers
