"""Sign-in load clients: passkey sign-ins (a software authenticator signing real assertions) and password + OTP.

Setup writes straight to the bench database (accounts with a known password, passkeys enrolled long
ago); every measured sign-in goes through the real API. Run alone against a running server::

    python -m bench.signin --base-url http://127.0.0.1:8000 --database-url postgresql+asyncpg://… \\
        --sink-port 8899 --sink-token TOKEN   # the server started with ANSINH_OTP_WEBHOOK_URL=http://127.0.0.1:8899/
"""

import argparse
import asyncio
import json
import os
import secrets
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from tests.support.webauthn_soft import SOFT_AAGUID, SoftAuthenticator, SoftCredential

from ansinh.core.passwords import hash_password_sync
from ansinh.core.settings import Settings
from ansinh.core.time import utcnow
from ansinh.demo.personas import PERSONAS, STAFF_USERNAME
from ansinh.identity.models import Account, AccountRole, AccountStatus, Passkey, Person
from bench.cpu import Busy
from bench.otp_sink import OtpSink
from bench.results import Result

API = "/api/v1"
PASSKEY_OPTIONS = f"{API}/auth/passkeys/authentication/options"
PASSKEY_VERIFY = f"{API}/auth/passkeys/authentication"
LOGIN = f"{API}/auth/login"
OTP = f"{API}/auth/otp"
# A phone browser's headers: the server records the device and compares it with earlier sign-ins.
JSON_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
    ),
}
BENCH_PASSWORD = "bench-Sign-in-2026!"  # written as a hash; never typed by a person
BENCH_PASSKEY_NAME = "bench"
ENROLLED_AGO = timedelta(days=30)  # past the 24 h before a new passkey may confirm a step-up
CODE_TIMEOUT_S = 10.0

T = TypeVar("T")


@dataclass
class BenchCredential:
    """A passkey of one bench account, held by a software authenticator."""

    username: str
    account_id: int
    credential: SoftCredential


class PasswordAccount(NamedTuple):
    """An account with a known password and where its sign-in codes go (the OTP sink's key)."""

    username: str
    password: str
    destination: str


# ---- setup: direct database writes (bench only) ----------------------------------------------------


def _run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _in_transaction(database_url: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            return await work(conn)
    finally:
        await engine.dispose()


def prepare_passkeys(database_url: str, usernames: list[str], rp_id: str) -> list[BenchCredential]:
    """Enrol one fresh software passkey per account, backdated 30 days; earlier bench passkeys are removed.

    Pending accounts are activated (a passkey cannot sign in to one) and get a WebAuthn user handle.
    """
    account = Account.__table__
    passkey = Passkey.__table__

    async def work(conn: AsyncConnection) -> list[BenchCredential]:
        rows = (
            await conn.execute(
                select(account.c.id, account.c.username, account.c.webauthn_user_id).where(
                    account.c.username.in_(usernames)
                )
            )
        ).all()
        found = {row.username: row for row in rows}
        missing = [name for name in usernames if name not in found]
        if missing:
            raise ValueError(f"no such accounts: {missing[:5]}{' …' if len(missing) > 5 else ''}")
        ids = [row.id for row in rows]
        await conn.execute(
            delete(passkey).where(and_(passkey.c.account_id.in_(ids), passkey.c.name == BENCH_PASSKEY_NAME))
        )
        enrolled_at = utcnow() - ENROLLED_AGO
        aaguid = str(uuid.UUID(bytes=SOFT_AAGUID))
        credentials: list[BenchCredential] = []
        passkey_rows: list[dict[str, Any]] = []
        for name in usernames:
            row = found[name]
            handle = row.webauthn_user_id
            if handle is None:
                handle = secrets.token_bytes(32)
            await conn.execute(
                update(account)
                .where(account.c.id == row.id)
                .values(webauthn_user_id=handle, status=AccountStatus.ACTIVE.value)
            )
            credential = SoftCredential(
                credential_id=secrets.token_bytes(32),
                private_key=ec.generate_private_key(ec.SECP256R1()),
                rp_id=rp_id,
                user_handle=handle,
                user_name=name,
            )
            credentials.append(BenchCredential(username=name, account_id=row.id, credential=credential))
            passkey_rows.append(
                {
                    "account_id": row.id,
                    "credential_id": credential.credential_id,
                    "public_key": credential.cose_public_key(),
                    "sign_count": 0,
                    "transports": ["internal"],
                    "aaguid": aaguid,
                    "backup_eligible": False,
                    "backed_up": False,
                    "name": BENCH_PASSKEY_NAME,
                    "created_at": enrolled_at,
                    "last_used_at": None,
                }
            )
        if passkey_rows:
            await conn.execute(insert(passkey), passkey_rows)
        return credentials

    return _run_sync(lambda: _in_transaction(database_url, work))


def prepare_password_accounts(database_url: str, count: int) -> list[PasswordAccount]:
    """Activate ``count`` synthetic citizen accounts with one known password; codes go to their phones.

    Demo personas and staff are left alone. When the registry has fewer synthetic accounts than
    ``count``, accounts are created for people with a phone and no account yet.
    """
    account = Account.__table__
    person = Person.__table__
    protected = [p.si_code for p in PERSONAS] + [STAFF_USERNAME]

    async def work(conn: AsyncConnection) -> list[PasswordAccount]:
        # One Argon2id hash for all: hashing per account would cost ~90 ms each.
        password_hash = await asyncio.to_thread(hash_password_sync, BENCH_PASSWORD)
        rows = (
            await conn.execute(
                select(account.c.id, account.c.username, person.c.phone)
                .join(person, account.c.person_id == person.c.id)
                .where(
                    account.c.role == AccountRole.CITIZEN.value,
                    account.c.status != AccountStatus.DISABLED.value,
                    person.c.phone.is_not(None),
                    account.c.username.not_in(protected),
                )
                .order_by(account.c.id)
                .limit(count)
            )
        ).all()
        chosen = [(row.id, row.username, row.phone) for row in rows]
        if len(chosen) < count:
            people = (
                await conn.execute(
                    select(person.c.id, person.c.si_code, person.c.phone)
                    .where(
                        person.c.phone.is_not(None),
                        person.c.si_code.not_in(protected),
                        ~select(account.c.id).where(account.c.person_id == person.c.id).exists(),
                    )
                    .order_by(person.c.id)
                    .limit(count - len(chosen))
                )
            ).all()
            if people:
                new = [
                    {
                        "person_id": p.id,
                        "username": p.si_code,
                        "role": AccountRole.CITIZEN.value,
                        "status": AccountStatus.PENDING.value,
                        "assurance_level": "basic",
                        "created_at": utcnow(),
                    }
                    for p in people
                ]
                result = await conn.execute(insert(account).returning(account.c.id, account.c.username), new)
                by_name = {p.si_code: p.phone for p in people}
                chosen += [(row.id, row.username, by_name[row.username]) for row in result.all()]
        if len(chosen) < count:
            raise ValueError(f"only {len(chosen)} people with a phone can get a bench account; seed more people")
        await conn.execute(
            update(account)
            .where(account.c.id.in_([c[0] for c in chosen]))
            .values(
                password_hash=password_hash,
                status=AccountStatus.ACTIVE.value,
                password_changed_at=utcnow() - ENROLLED_AGO,
            )
        )
        return [PasswordAccount(username, BENCH_PASSWORD, phone) for _, username, phone in chosen]

    return _run_sync(lambda: _in_transaction(database_url, work))


# ---- load --------------------------------------------------------------------------------------------


class _Tally:
    """Per-run counters shared by the workers of one event loop."""

    def __init__(self) -> None:
        self.flows = 0
        self.errors = 0
        self.latencies_ms: list[float] = []
        self.error_kinds: Counter[str] = Counter()

    def error(self, kind: str) -> None:
        self.flows += 1
        self.errors += 1
        self.error_kinds[kind] += 1


class _FlowError(Exception):
    """A step answered with something other than 2xx."""

    def __init__(self, step: str, status: int) -> None:
        super().__init__(f"{step} {status}")
        self.kind = f"{step} {status}"


async def _post(http: aiohttp.ClientSession, url: str, body: bytes, step: str) -> Any:
    async with http.post(url, data=body, headers=JSON_HEADERS) as response:
        payload = await response.read()
        if not 200 <= response.status < 300:
            raise _FlowError(step, response.status)
        return json.loads(payload)


async def _drive(
    name: str,
    slices: list[list[T]],
    flow: Callable[[aiohttp.ClientSession, T], Awaitable[None]],
    *,
    duration_s: float,
    warmup_s: float,
    note: str,
    server_pid: int | None = None,
) -> Result:
    """Run ``flow`` back to back in one worker per slice (each worker cycles through its own items)."""
    connector = aiohttp.TCPConnector(limit=len(slices), ttl_dns_cache=None, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    tally = _Tally()

    async def worker(items: list[T], until: float, counting: bool) -> None:
        index = 0
        while time.perf_counter() < until:
            item = items[index % len(items)]
            index += 1
            start = time.perf_counter()
            try:
                await flow(http, item)
            except _FlowError as exc:
                if counting:
                    tally.error(exc.kind)
                continue
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                if counting:
                    tally.error(type(exc).__name__)
                continue
            if counting:
                tally.flows += 1
                tally.latencies_ms.append((time.perf_counter() - start) * 1000)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout, json_serialize=json.dumps) as http:
        if warmup_s > 0:
            until = time.perf_counter() + warmup_s
            await asyncio.gather(*(worker(items, until, False) for items in slices))
        cpu_start = time.process_time()
        start = time.perf_counter()
        until = start + duration_s
        with Busy(server_pid) as busy:
            await asyncio.gather(*(worker(items, until, True) for items in slices))
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
    details = [note, f"{len(slices)} concurrent clients", f"client CPU {cpu / elapsed:.2f} core"]
    if tally.error_kinds:
        details.append("errors: " + ", ".join(f"{kind} x{n}" for kind, n in tally.error_kinds.most_common(5)))
    return Result(
        name=name,
        requests=tally.flows,
        errors=tally.errors,
        duration_s=elapsed,
        latencies_ms=tally.latencies_ms,
        note="; ".join(d for d in details if d),
        server_cores=busy.cores,
    )


def _slices(items: Sequence[T], concurrency: int, what: str) -> list[list[T]]:
    """Deal items out to the workers, so no item is ever in two flows at once."""
    if concurrency < 1 or len(items) < concurrency:
        raise ValueError(f"need at least as many {what} ({len(items)}) as concurrent clients ({concurrency})")
    return [list(items[i::concurrency]) for i in range(concurrency)]


async def passkey_sign_ins(
    base_url: str,
    credentials: list[BenchCredential],
    *,
    duration_s: float,
    concurrency: int,
    origin: str,
    warmup_s: float = 0.0,
    server_pid: int | None = None,
) -> Result:
    """Usernameless passkey sign-ins back to back: options → signed assertion → tokens; one flow per sign-in.

    Each credential is used by one client only, so its signature counter only ever moves forward.
    """
    base = base_url.rstrip("/")
    options_url, verify_url = base + PASSKEY_OPTIONS, base + PASSKEY_VERIFY
    # One authenticator per credential: the same code the API tests use, holding one key.
    holders = [
        (SoftAuthenticator(origin=origin, credentials={c.credential.credential_id: c.credential}), c.credential)
        for c in credentials
    ]

    async def flow(http: aiohttp.ClientSession, holder: tuple[SoftAuthenticator, SoftCredential]) -> None:
        authenticator, credential = holder
        options = await _post(http, options_url, b"", "options")
        assertion = authenticator.get(options["publicKey"], credential_id=credential.credential_id)
        body = json.dumps({"ceremony_id": options["ceremony_id"], "credential": assertion}).encode()
        tokens = await _post(http, verify_url, body, "verify")
        if "access_token" not in tokens:
            raise _FlowError("verify", 200)

    return await _drive(
        "passkey_sign_in",
        _slices(holders, concurrency, "passkeys"),
        flow,
        duration_s=duration_s,
        warmup_s=warmup_s,
        note="options + ES256 assertion + verify per flow",
        server_pid=server_pid,
    )


async def password_sign_ins(
    base_url: str,
    accounts: Sequence[PasswordAccount],
    sink: OtpSink,
    *,
    duration_s: float,
    concurrency: int,
    warmup_s: float = 0.0,
    server_pid: int | None = None,
) -> Result:
    """Password + OTP sign-ins back to back: login → the code at the sink → tokens; one flow per sign-in.

    Each account has at most one sign-in in flight, so the sink's newest code for its phone is this flow's.
    """
    base = base_url.rstrip("/")
    login_url, otp_url = base + LOGIN, base + OTP

    async def flow(http: aiohttp.ClientSession, account: PasswordAccount) -> None:
        body = json.dumps({"username": account.username, "password": account.password}).encode()
        challenge = await _post(http, login_url, body, "login")
        code = await sink.wait_code(account.destination, CODE_TIMEOUT_S)
        body = json.dumps({"challenge_id": challenge["challenge_id"], "code": code}).encode()
        tokens = await _post(http, otp_url, body, "otp")
        if "access_token" not in tokens:
            raise _FlowError("otp", 200)

    return await _drive(
        "password_sign_in",
        _slices(list(accounts), concurrency, "accounts"),
        flow,
        duration_s=duration_s,
        warmup_s=warmup_s,
        note="login (Argon2id) + code via webhook sink + otp per flow",
        server_pid=server_pid,
    )


# ---- for bench/run.py -----------------------------------------------------------------------------------


def bench_sign_ins(
    base: str,
    settings: Settings,
    prepared: dict[str, Any] | None = None,
    *,
    duration: float,
    sink: OtpSink | None = None,
    sink_class: type[OtpSink] | None = None,
    passkeys: int = 64,
    accounts: int = 300,
    passkey_concurrency: int = 16,
    password_concurrency: int = 4,
    warmup: float = 2.0,
    cores: set[int] | None = None,
    server_pid: int | None = None,
) -> list[Result]:
    """Prepare bench accounts and measure passkey, then password + OTP sign-ins against a running server.

    Password sign-ins need ``sink``: an :class:`OtpSink` started before the server, whose ``env()`` is in
    the server's environment; without one they are skipped (``sink_class`` alone cannot reach a running
    server). ``accounts`` bounds password sign-ins: the app sends at most 5 codes per account in 15 minutes.
    ``cores`` pins this process to those CPUs while the clients run (e.g. the load generator's core);
    ``server_pid``, when given, is watched for how busy the server was while the flows were counted.
    """
    del prepared, sink_class  # the sign-ins use their own accounts; the sink must exist before the server
    bench_accounts = prepare_password_accounts(settings.database_url, max(accounts, passkeys))
    credentials = prepare_passkeys(
        settings.database_url, [a.username for a in bench_accounts[:passkeys]], settings.rp_id
    )
    pinned_from = os.sched_getaffinity(0) if cores else None
    if cores:
        os.sched_setaffinity(0, cores)
    try:
        results = [
            asyncio.run(
                passkey_sign_ins(
                    base,
                    credentials,
                    duration_s=duration,
                    concurrency=passkey_concurrency,
                    origin=settings.origin,
                    warmup_s=warmup,
                    server_pid=server_pid,
                )
            )
        ]
        if sink is None:
            print("password sign-ins skipped: the server was not started with an OtpSink's env()", file=sys.stderr)
        else:
            before = (sink.received, sink.rejected)
            password = asyncio.run(
                password_sign_ins(
                    base,
                    bench_accounts[:accounts],
                    sink,
                    duration_s=duration,
                    concurrency=password_concurrency,
                    warmup_s=warmup,
                    server_pid=server_pid,
                )
            )
            password.note += f"; sink received {sink.received - before[0]}, rejected {sink.rejected - before[1]}"
            results.append(password)
    finally:
        if pinned_from is not None:
            os.sched_setaffinity(0, pinned_from)
    return results


# ---- alone against a running server --------------------------------------------------------------------


def main() -> None:
    """Prepare accounts, then measure both flows against ``--base-url`` and print the results as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.signin", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="where the server listens, e.g. http://127.0.0.1:8000")
    parser.add_argument("--database-url", required=True, help="the server's ANSINH_DATABASE_URL")
    parser.add_argument("--origin", help="the server's ANSINH_PUBLIC_URL origin (default: base URL as localhost)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--passkey-concurrency", type=int, default=16)
    parser.add_argument("--password-concurrency", type=int, default=4)
    parser.add_argument("--passkeys", type=int, default=64, help="accounts given a bench passkey")
    parser.add_argument("--accounts", type=int, default=300, help="accounts given the bench password")
    parser.add_argument("--sink-port", type=int, default=0, help="the port in the server's ANSINH_OTP_WEBHOOK_URL")
    parser.add_argument("--sink-token", help="the server's ANSINH_OTP_WEBHOOK_TOKEN")
    parser.add_argument("--only", choices=["passkey", "password"])
    args = parser.parse_args()

    origin = args.origin
    if origin is None:
        parts = urlsplit(args.base_url)
        origin = f"{parts.scheme}://localhost:{parts.port}"
    rp_id = urlsplit(origin).hostname or "localhost"
    accounts = prepare_password_accounts(args.database_url, max(args.accounts, args.passkeys))
    results: list[Result] = []
    if args.only != "password":
        credentials = prepare_passkeys(args.database_url, [a.username for a in accounts[: args.passkeys]], rp_id)
        results.append(
            asyncio.run(
                passkey_sign_ins(
                    args.base_url,
                    credentials,
                    duration_s=args.duration,
                    concurrency=args.passkey_concurrency,
                    origin=origin,
                    warmup_s=args.warmup,
                )
            )
        )
    if args.only != "passkey":
        with OtpSink(port=args.sink_port, token=args.sink_token) as sink:
            results.append(
                asyncio.run(
                    password_sign_ins(
                        args.base_url,
                        accounts[: args.accounts],
                        sink,
                        duration_s=args.duration,
                        concurrency=args.password_concurrency,
                        warmup_s=args.warmup,
                    )
                )
            )
            results[-1].note += f"; sink received {sink.received}, rejected {sink.rejected}"
    for result in results:
        print(json.dumps(result.as_dict(), ensure_ascii=False))


if __name__ == "__main__":
    main()
