"""Data scale: seed a PostgreSQL database with N people and show that the hot queries use indexes at that size.

``python -m bench.scale prepare --people N --database NAME`` (re)creates NAME, migrates and seeds it, and records
seed time, rows per table and database size in ``bench/out/scale-NAME.json``.
``python -m bench.scale migrate --database NAME`` applies newer migrations to a seeded database and re-records it.
``python -m bench.scale explain --database NAME`` runs the endpoints' real queries under ``EXPLAIN (ANALYZE,
BUFFERS)``, writes ``bench/out/explain-NAME.txt`` and exits 1 when a plan reads a big table whole, or a table that grows
with the population or the traffic when no index could serve the query.
"""

import argparse
import asyncio
import hashlib
import inspect
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
USER = "postgres"


def _server() -> tuple[str, int, int | None]:
    """(host, port, postmaster pid) of the benchmark's PostgreSQL: the machine's server, or with BENCH_EMBEDDED=DIR
    the embedded server of DIR (what `make run` gives a newcomer), started unless it runs. The pid is known for the
    embedded server only (bench.run pins the machine's by name)."""
    folder = os.environ.get("BENCH_EMBEDDED")
    if not folder:
        return "127.0.0.1", 5432, None
    from ansinh.core import dbserver

    dbserver.start(Path(folder), "postgres")
    info = dbserver.running(Path(folder))
    if info is None or info.socket_dir is None or info.port is None:
        raise SystemExit(f"the embedded server in {folder} did not start")
    return str(info.socket_dir), info.port, info.pid


HOST, PORT, POSTMASTER_PID = _server()
ANSINH = str(Path(sys.executable).with_name("ansinh"))


def database_url(name: str) -> str:
    """The app's URL of database ``name`` on the local server."""
    if HOST.startswith("/"):  # a Unix socket folder
        return f"postgresql+asyncpg://{USER}@/{name}?host={HOST}&port={PORT}"
    return f"postgresql+asyncpg://{USER}@{HOST}:{PORT}/{name}"


async def _connect(name: str) -> asyncpg.Connection:
    return await asyncpg.connect(host=HOST, port=PORT, user=USER, database=name)


async def recreate_database(name: str) -> None:
    """Drop ``name`` (disconnecting its sessions) and create it empty."""
    conn = await _connect("postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def table_rows_and_size(name: str) -> tuple[dict[str, int], dict[str, int], int]:
    """Exact rows per table, bytes per table (indexes and TOAST included) and the database's size."""
    conn = await _connect(name)
    try:
        await conn.execute("VACUUM ANALYZE")  # the load run then starts from fresh statistics and visibility maps
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        ]
        rows = {t: await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}  # noqa: S608 (catalog names)
        sizes = {t: await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", f'"{t}"') for t in tables}
        size = await conn.fetchval("SELECT pg_database_size($1)", name)
    finally:
        await conn.close()
    return rows, sizes, size


def _app_env(name: str) -> dict[str, str]:
    # dev: the demo personas get the documented password and the clinic its secret; the load run uses prod.
    return {**os.environ, "ANSINH_ENV": "dev", "ANSINH_DATABASE_URL": database_url(name), "ANSINH_LOG_JSON": "false"}


def _run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=ROOT, check=True)  # noqa: S603 (our own CLI)
    return time.perf_counter() - started


def prepare(people: int, name: str, seed: int) -> dict[str, object]:
    """Recreate, migrate and seed ``name``; returns (and writes) what it took."""
    asyncio.run(recreate_database(name))
    env = _app_env(name)
    migrate_s = _run([ANSINH, "migrate"], env)
    seed_s = _run([ANSINH, "seed", "--people", str(people), "--seed", str(seed)], env)
    # ru_maxrss of children is the largest child's peak (kB on Linux): the seed's, migrate being far smaller.
    peak_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows, table_bytes, size = asyncio.run(table_rows_and_size(name))
    report: dict[str, object] = {
        "database": name,
        "people": people,
        "seed": seed,
        "migrate_s": round(migrate_s, 1),
        "seed_s": round(seed_s, 1),
        "seed_peak_rss_mib": round(peak_rss_mib),
        "rows_total": sum(rows.values()),
        "rows": rows,
        "table_bytes": table_bytes,
        "database_bytes": size,
        "database_size": _human(size),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores",
    }
    OUT.mkdir(exist_ok=True)
    (OUT / f"scale-{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


# --- explain --------------------------------------------------------------------------------------------------------

# Tables whose size is fixed by law or by operations, not by the population: a scan of them is fine.
FIXED_SMALL = frozenset({"alembic_version", "base_salary", "regional_minimum_wage", "card_signing_key"})
BIG_ROWS = 10_000  # a full scan of a table at least this big (planner's estimate) fails the check
_SCAN_NODE = re.compile(r"(Seq Scan|Index Scan|Index Only Scan)(?: Backward)?(?: using \w+)? on (\w+)")
_INDEX_USE = re.compile(r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\w+) on (\w+)|Bitmap Index Scan on (\w+)")
_INDEX_ONLY_SETTINGS = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")
_LEADING_COLUMN = re.compile(r"USING \w+ \(([^,) ]+)")
_EXEC_TIME = re.compile(r"Execution Time: ([\d.]+) ms")


@dataclass
class Captured:
    """One statement the app sent while serving an endpoint, with the values it was sent with."""

    endpoint: str
    sql: str
    params: tuple[Any, ...]
    plan: str = ""
    verdict: str = ""
    failed: bool = False


def full_scans(plan: str) -> list[tuple[str, str]]:
    """Tables a plan reads whole, with the node's details (its Filter).

    A whole read is a Seq Scan, or an index scan with no Index Cond: it walks the entire index.
    """
    lines = plan.splitlines()
    scans = []
    for i, line in enumerate(lines):
        node = _SCAN_NODE.search(line)
        if node is None:
            continue
        kind, table = node.groups()
        indent = len(line) - len(line.lstrip())
        details = []
        for detail in lines[i + 1 :]:
            if "->" in detail or len(detail) - len(detail.lstrip()) <= indent:
                break
            details.append(detail.strip())
        if kind == "Seq Scan" or not any(d.startswith("Index Cond:") for d in details):
            scans.append((table, "\n".join(details)))
    return scans


def unserved(plan: str, leading_columns: dict[str, set[str]]) -> set[str]:
    """Tables a plan reads whole although no full index starts with a column that selects their rows.

    The selecting condition is the scan's own Filter, or a join condition naming ``table.column``. On a table of
    a few rows the planner may walk any index, or none, at equal cost: that is not a missing index.
    """
    joins = " ".join(line for line in plan.splitlines() if re.search(r"(Join Filter|Hash Cond|Merge Cond):", line))
    missing = set()
    for table, details in full_scans(plan):
        filters = " ".join(d for d in details.splitlines() if d.startswith("Filter:"))
        columns = leading_columns.get(table, ())
        if not any(
            re.search(rf"\b{re.escape(c)}\b", filters) or re.search(rf"\b{re.escape(table)}\.{re.escape(c)}\b", joins)
            for c in columns
        ):
            missing.add(table)
    return missing


def indexes_used(plan: str) -> list[str]:
    """Index names a plan reads (index, index-only and bitmap scans), in plan order."""
    return [m[0] or m[2] for m in _INDEX_USE.findall(plan)]


def judge_plan(plan: str, *, table_rows: dict[str, float], unindexed: set[str], big_rows: int = BIG_ROWS) -> list[str]:
    """Why a plan is unacceptable (empty when it is fine).

    A full scan fails on a big table, and on any table that grows with the population or the traffic when no
    index could serve the query (``unindexed``: it is still read whole with ``enable_seqscan = off``).
    """
    problems = []
    for table in dict.fromkeys(t for t, _ in full_scans(plan)):
        if table in FIXED_SMALL:
            continue
        rows = table_rows.get(table, 0)
        if rows >= big_rows:
            problems.append(f"full scan of {table} ({rows:,.0f} rows)")
        elif table in unindexed:
            problems.append(f"full scan of {table}: no index serves this query, so it is read whole at any size")
    return problems


class _Recorder:
    """Collects the statements an engine sends while ``endpoint`` is set."""

    def __init__(self) -> None:
        self.endpoint: str | None = None
        self.captured: list[Captured] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.endpoint is None or not statement.lstrip().upper().startswith(
            ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")
        ):
            return
        params = parameters[0] if many and parameters else parameters
        self.captured.append(Captured(self.endpoint, statement, tuple(params or ())))


class _KeepCodes:
    """An OTP sender that keeps the messages, so the bench can read the sign-in code."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def send(self, message: Any) -> None:
        self.texts.append(message.text)


def _assertion(
    key: Any, credential_id: bytes, *, challenge: str, rp_id: str, origin: str, count: int
) -> dict[str, Any]:
    """A WebAuthn assertion (user present and verified) from a software authenticator, as the browser posts it."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from webauthn.helpers import bytes_to_base64url

    client_data = json.dumps({"type": "webauthn.get", "challenge": challenge, "origin": origin}).encode()
    auth_data = hashlib.sha256(rp_id.encode()).digest() + bytes([0x05]) + count.to_bytes(4, "big")
    signature = key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
    b64 = bytes_to_base64url
    return {
        "id": b64(credential_id),
        "rawId": b64(credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64(client_data),
            "authenticatorData": b64(auth_data),
            "signature": b64(signature),
        },
    }


def _cose_es256(key: Any) -> bytes:
    import cbor2

    numbers = key.public_key().public_numbers()
    return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})


async def _samples(conn: Any, seed: int) -> dict[str, Any]:
    """Real rows to ask for: random citizens with a card in force, one with a long contribution history."""
    from sqlalchemy import text

    rng = random.Random(seed)

    async def one(sql: str) -> Any:
        # TABLESAMPLE picks random pages without reading the whole table; REPEATABLE keeps runs comparable.
        for percent in (1, 10, 100):
            row = (await conn.execute(text(sql.format(p=percent, r=rng.randint(1, 10**6))))).first()
            if row is not None:
                return row
        raise SystemExit(f"no sample row for: {sql}")

    in_force = "c.status = 'active' AND c.valid_from <= CURRENT_DATE AND c.valid_to >= CURRENT_DATE"
    holder = await one(
        "SELECT a.id, a.username "  # noqa: S608 (constant text)
        "FROM account AS a TABLESAMPLE SYSTEM ({p}) REPEATABLE ({r}) JOIN person AS p ON p.id = a.person_id "
        f"JOIN health_insurance_card AS c ON c.person_id = p.id WHERE a.role = 'citizen' AND {in_force} "
        "AND p.phone IS NOT NULL AND p.si_code NOT LIKE '01000%' LIMIT 1"
    )
    other = await one(
        "SELECT p.citizen_id"  # noqa: S608 (constant text)
        ", p.full_name, p.date_of_birth, p.birth_date_precision, c.number, c.legacy_code "
        "FROM person AS p TABLESAMPLE SYSTEM ({p}) REPEATABLE ({r}) "
        f"JOIN health_insurance_card AS c ON c.person_id = p.id WHERE {in_force} LIMIT 1"
    )
    # The longest history among a sample of account holders: the "40-year history" of the brief.
    worker = await one(
        "SELECT a.id, count(*) FROM account AS a TABLESAMPLE SYSTEM ({p}) REPEATABLE ({r}) "
        "JOIN contribution_period AS cp ON cp.person_id = a.person_id WHERE a.role = 'citizen' "
        "GROUP BY a.id HAVING min(cp.from_month) <= '1990-01' ORDER BY count(*) DESC LIMIT 1"
    )
    return {"holder": holder, "other": other, "worker": worker}


def _birth(date_of_birth: Any, precision: str) -> str:
    return str(date_of_birth.year) if precision == "year" else date_of_birth.isoformat()


# Months of traffic, written inside the rolled-back transaction before the capture, so the tables that grow with use
# (scans, sessions, passkeys, audit) are planned at a realistic size and not as the empty tables a seed leaves.
_TRAFFIC_SQL = (
    "INSERT INTO card_check (facility_id, client_id, staff_name, staff_citizen_id, method, result, person_id, card_id,"
    " token_id, checked_at) SELECT c.primary_facility_id, 'bench-traffic', 'Bench', '001090000001', 'qr', '000',"
    " c.person_id, c.id, md5(c.id::text), now() - random() * interval '90 days'"
    " FROM health_insurance_card AS c LIMIT :n",
    "INSERT INTO notification_preference (person_id, card_checked, updated_at)"
    " SELECT p.id, true, now() FROM person AS p WHERE p.id % 4 = 0 LIMIT :n / 4",
    "INSERT INTO auth_session (id, account_id, amr, auth_time, created_at, last_seen_at, expires_at, user_agent, ip)"
    " SELECT md5('s' || g), a.first + g % a.count, 'pwd+otp', t, t, t, t + interval '30 days', 'bench', '127.0.0.1'"
    " FROM generate_series(1, :n) AS g, (SELECT min(id) AS first, count(*) AS count FROM account) AS a,"
    " LATERAL (SELECT now() - (g % 1000) * interval '1 hour' AS t) AS ts",
    "INSERT INTO refresh_token (session_id, token_hash, created_at)"
    " SELECT md5('s' || g), md5('r' || g) || md5('t' || g), now() FROM generate_series(1, :n) AS g",
    "INSERT INTO security_event (account_id, kind, created_at, ip, user_agent, detail)"
    " SELECT a.first + g % a.count, 'sign_in', now() - (g % 1000) * interval '1 hour', '127.0.0.1', 'bench', '{}'"
    " FROM generate_series(1, :n) AS g, (SELECT min(id) AS first, count(*) AS count FROM account) AS a",
    "INSERT INTO notification (person_id, kind, dedupe_key, params, created_at, push_state)"
    " SELECT p.first + g % p.count, 'card_checked', 'bench-' || g, '{}', now() - (g % 1000) * interval '1 hour', 'none'"
    " FROM generate_series(1, :n) AS g, (SELECT min(id) AS first, count(*) AS count FROM person) AS p",
    "INSERT INTO passkey (account_id, credential_id, public_key, sign_count, transports, aaguid, backup_eligible,"
    " backed_up, name, created_at) SELECT a.id, decode(md5('k' || a.id), 'hex'), '\\x00', 0, '[]', '', false, false,"
    " 'bench', now() FROM account AS a LIMIT :n / 4",
)
TRAFFIC_TABLES = (
    "card_check",
    "notification_preference",
    "auth_session",
    "refresh_token",
    "security_event",
    "notification",
    "passkey",
)


def _check_dependencies(checks: Any, sessions: Any, statements: Any) -> dict[str, Any]:
    """The extra arguments the clinic checks take in this version of the app, built as ``create_app`` builds them."""
    if "services" not in inspect.signature(checks.verify).parameters:
        return {}
    from ansinh.clinics.recorder import CheckRecorder

    # As create_app builds it: a batch of scan records without notices is one statement.
    recorder = CheckRecorder(sessions, statements=statements)
    return {"services": checks.CheckServices(recorder=recorder, sessions=sessions)}


async def capture(name: str, seed: int, traffic: int) -> tuple[list[Captured], dict[str, Any], Any, Any]:
    """Call the endpoints' service functions on real rows and record every statement they send.

    Everything runs in one transaction that is rolled back at the end (the services' commits become savepoints), so
    the benchmark database is left as it was. Returns the statements, the samples, and the open connection/engine.
    """
    from cryptography.hazmat.primitives.asymmetric import ec
    from sqlalchemy import event, text
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlmodel.ext.asyncio.session import AsyncSession

    from ansinh.cards import service as cards
    from ansinh.clinics import checks
    from ansinh.clinics.schemas import LookupRequest, VerifyRequest
    from ansinh.core.context import RequestContext
    from ansinh.core.passwords import hash_password_sync
    from ansinh.core.settings import Settings
    from ansinh.core.statements import SessionStatements
    from ansinh.core.store import MemoryStore
    from ansinh.demo.personas import CLINIC_CLIENT_ID
    from ansinh.identity import passkeys
    from ansinh.identity import service as identity
    from ansinh.identity.models import Passkey
    from ansinh.records import service as records

    settings = Settings(env="dev", database_url=database_url(name))
    engine = create_async_engine(settings.database_url)
    recorder = _Recorder()
    event.listen(engine.sync_engine, "before_cursor_execute", recorder)
    conn = await engine.connect()
    await conn.begin()
    # Every session (the request's, and any the app opens beside it, e.g. to write scan records) joins the one
    # transaction; their commits become savepoints.
    sessions = async_sessionmaker(
        bind=conn, class_=AsyncSession, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    db = sessions()
    # The hot reads (core/statements.py) run as asyncpg prepared statements; here they go through SQLAlchemy on
    # the same connection, so they are recorded and see the rows this transaction changes.
    statements = SessionStatements(conn)
    check = _check_dependencies(checks, sessions, statements)
    store = MemoryStore()
    sender = _KeepCodes()
    services = identity.Services(settings=settings, store=store, sender=sender)
    context = RequestContext(ip="127.0.0.1", user_agent="bench.scale")
    staff = {"staff_name": "Nguyễn Văn Khám", "staff_citizen_id": "001090000001"}

    samples = await _samples(conn, seed)
    # A load run (bench.run) leaves card-signing keys sealed under its own random secret: replace them with keys
    # sealed under this settings' secret, inside the transaction that is rolled back.
    from bench.fixtures import _keys_open, adopt_signing_keys

    if not await _keys_open(db, settings):
        await adopt_signing_keys(db, settings)
    for statement in _TRAFFIC_SQL if traffic else ():
        await conn.execute(text(statement), {"n": traffic})
    account_id, username = samples["holder"][:2]
    worker_id = samples["worker"][0]
    password = "Bench@2026-scale"
    # Random registry accounts are mostly not activated: activate the sampled ones (rolled back with the rest).
    await conn.execute(
        text("UPDATE account SET status = 'active', password_hash = :h WHERE id IN (:a, :w)"),
        {"h": hash_password_sync(password), "a": account_id, "w": worker_id},
    )
    key = ec.generate_private_key(ec.SECP256R1())
    credential_id = hashlib.sha256(f"bench-{seed}".encode()).digest()
    db.add(Passkey(account_id=account_id, credential_id=credential_id, public_key=_cose_es256(key), name="bench"))
    await db.commit()
    # The card-signing keys exist before any real traffic (`ansinh keys ensure`); create them outside the record.
    token = await cards.issue_card_token(db, statements, store, settings=settings, account_id=account_id, kind="online")
    await db.commit()

    async def record(endpoint: str, work: Any) -> Any:
        recorder.endpoint = endpoint
        try:
            return await work
        finally:
            recorder.endpoint = None
            await db.commit()

    # The app shares one key-ring cache between card tokens and clinic checks; this version may not have one.
    check_services = check.get("services")
    shared = (
        {"rings": check_services.key_rings}
        if check_services and "rings" in inspect.signature(cards.issue_card_token).parameters
        else {}
    )

    def new_token() -> Any:
        return cards.issue_card_token(
            db, statements, MemoryStore(), settings=settings, account_id=account_id, kind="online", **shared
        )

    await record("GET /me/card", cards.own_card(statements, account_id=account_id))
    await record("POST /me/card/token (first)", new_token())
    token = await record("POST /me/card/token", new_token())
    verify = VerifyRequest(token=token.token, **staff)
    clinic = {"settings": settings, "client_id": CLINIC_CLIENT_ID, **check}

    def expect_valid(answer: Any, what: str) -> None:
        verdict = json.loads(answer)  # the checks answer JSON bytes
        if verdict["result"] != "000":  # anything else returns early, and the plans would miss the hot path
            raise SystemExit(f"{what} answered {verdict['result']} ({verdict['message']}), not 000")

    # The first call fills whatever the app caches per worker (the clinic's facility, the key ring); later calls
    # send only what is left, which is what a server under load runs.
    first = await record("POST /clinic/verify (first)", checks.verify(statements, store, request=verify, **clinic))
    expect_valid(first, "the first verify")
    token = await new_token()
    verify = VerifyRequest(token=token.token, **staff)
    expect_valid(
        await record("POST /clinic/verify", checks.verify(statements, store, request=verify, **clinic)), "verify"
    )
    await record("POST /clinic/verify (retry)", checks.verify(statements, store, request=verify, **clinic))
    o_cid, o_name, o_birth, o_precision, o_number, o_legacy = samples["other"]
    for label, ident in (
        ("citizen ID", {"citizen_id": o_cid}),
        ("card number", {"card_number": o_number}),
        ("legacy code", {"card_number": o_legacy}),
    ):
        lookup = LookupRequest(full_name=o_name, date_of_birth=_birth(o_birth, o_precision), **ident, **staff)
        answer = await record(
            f"POST /clinic/lookup by {label}", checks.lookup(statements, store, request=lookup, **clinic)
        )
        expect_valid(answer, f"the lookup by {label}")
    history = await record("GET /me/contributions", records.contributions(statements, account_id=worker_id))
    samples["history_periods"] = len(history.periods)

    challenge_id, _ = await record(
        "POST /auth/login (password)",
        identity.login(db, services, username=username, password=password, context=context),
    )
    code = re.findall(r"\d{6}", sender.texts[-1])[0]
    await record(
        "POST /auth/login/verify (one-time code)",
        identity.verify_login_otp(db, services, challenge_id=challenge_id, code=code, context=context),
    )
    ceremony_id, options = await passkeys.authentication_options(store, settings=settings, context=context)
    credential = _assertion(
        key, credential_id, challenge=options["challenge"], rp_id=settings.rp_id, origin=settings.origin, count=1
    )
    await record(
        "POST /auth/passkey/authentication",
        passkeys.authenticate(
            sessions,
            statements,
            store,
            settings=settings,
            ceremony_id=ceremony_id,
            credential=credential,
            context=context,
        ),
    )
    event.remove(engine.sync_engine, "before_cursor_execute", recorder)
    return recorder.captured, samples, conn, engine


async def explain(
    name: str, seed: int = 7, big_rows: int = BIG_ROWS, traffic: int = 0
) -> tuple[list[Captured], dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) every captured statement inside the rolled-back transaction, and judge each plan."""
    from sqlalchemy import text

    captured, samples, conn, engine = await capture(name, seed, traffic)
    try:
        table_rows = {
            t: max(r, 0.0)
            for t, r in (await conn.execute(text("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'"))).all()
        }
        for table in TRAFFIC_TABLES if traffic else ():
            table_rows[table] = float((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608
        samples["traffic"] = traffic
        leading_columns: dict[str, set[str]] = {}
        for table, definition in (
            await conn.execute(text("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"))
        ).all():
            column = _LEADING_COLUMN.search(definition)
            if column and " WHERE " not in definition:  # a partial index serves only queries implying its predicate
                leading_columns.setdefault(table, set()).add(column.group(1).strip('"'))
        for query in captured:
            try:
                async with conn.begin_nested():
                    result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + query.sql, query.params)
                    query.plan = "\n".join(row[0] for row in result)
            except Exception as exc:  # e.g. a second INSERT of a unique value: show the plan without running it
                async with conn.begin_nested():
                    result = await conn.exec_driver_sql("EXPLAIN " + query.sql, query.params)
                    query.plan = f"(not run: {type(exc).__name__})\n" + "\n".join(row[0] for row in result)
            unindexed: set[str] = set()
            if full_scans(query.plan):
                async with conn.begin_nested():
                    # Could indexes serve it? Forbid scans and whole-table joins; what is still read whole has none.
                    for setting in _INDEX_ONLY_SETTINGS:
                        await conn.exec_driver_sql(f"SET LOCAL {setting} = off")
                    result = await conn.exec_driver_sql("EXPLAIN " + query.sql, query.params)
                    unindexed = unserved("\n".join(row[0] for row in result), leading_columns)
                    # SET LOCAL outlives a released savepoint: put them back for the next statement's plan.
                    for setting in _INDEX_ONLY_SETTINGS:
                        await conn.exec_driver_sql(f"SET LOCAL {setting} = on")
            problems = judge_plan(query.plan, table_rows=table_rows, unindexed=unindexed, big_rows=big_rows)
            query.failed = bool(problems)
            query.verdict = "; ".join(problems) if problems else "ok"
        samples["table_rows"] = table_rows
    finally:
        await conn.rollback()
        await conn.close()
        await engine.dispose()
    if traffic:
        # The rolled-back traffic left dead rows and grown indexes: an empty table is rebuilt (instantly) so the
        # database is back to its seeded size; one a load run has filled is only vacuumed.
        raw = await _connect(name)
        try:
            for table in TRAFFIC_TABLES:
                empty = await raw.fetchval(f"SELECT NOT EXISTS (SELECT FROM {table})")  # noqa: S608 (constant names)
                await raw.execute(f"VACUUM {'(FULL, ANALYZE)' if empty else 'ANALYZE'} {table}")
        finally:
            await raw.close()
    return captured, samples


def _summary_line(query: Captured) -> str:
    used = ", ".join(dict.fromkeys(indexes_used(query.plan))) or "-"
    seq = ", ".join(dict.fromkeys(t for t, _ in full_scans(query.plan)))
    time_ms = _EXEC_TIME.search(query.plan)
    head = " ".join(query.sql.split())[:70]
    timing = f"{float(time_ms.group(1)):.3f} ms" if time_ms else "not run"
    seq_text = f"; full scan: {seq}" if seq else ""
    return f"{query.endpoint:<42} {timing:>10}  {query.verdict:<4} index: {used}{seq_text}  | {head}"


def write_explain(name: str, captured: list[Captured], samples: dict[str, Any]) -> Path:
    """Write the summary and every plan to ``bench/out/explain-NAME.txt``."""
    rows = samples["table_rows"]
    lines = [
        f"# EXPLAIN (ANALYZE, BUFFERS) of the hot queries on {name}",
        f"# {datetime.now(UTC).isoformat(timespec='seconds')}; person {rows.get('person', 0):,.0f} rows, "
        f"contribution_period {rows.get('contribution_period', 0):,.0f}, "
        f"card {rows.get('health_insurance_card', 0):,.0f}",
        f"# contributions sample: {samples['history_periods']} periods; traffic written first: {samples['traffic']:,}"
        " card checks, sessions, refresh tokens, security events and notices, a quarter as many passkeys and"
        " notice preferences;",
        "# everything ran in one transaction, rolled back at the end",
        "",
        *(_summary_line(q) for q in captured),
        "",
    ]
    for i, query in enumerate(captured, start=1):
        lines += [f"## {i}. {query.endpoint}: {query.verdict}", query.sql.strip()]
        if query.params:
            shown = [p if not isinstance(p, bytes) else f"<{len(p)} bytes>" for p in query.params]
            lines.append("-- parameters: " + ", ".join(f"${n}={v!r}" for n, v in enumerate(shown, start=1)))
        lines += [query.plan, ""]
    OUT.mkdir(exist_ok=True)
    path = OUT / f"explain-{name}.txt"
    path.write_text("\n".join(lines))
    return path


def migrate_existing(name: str) -> dict[str, object]:
    """Apply newer migrations to an already seeded ``name`` (no reseeding) and re-record rows and size."""
    path = OUT / f"scale-{name}.json"
    report: dict[str, object] = json.loads(path.read_text()) if path.exists() else {"database": name}
    report["migrate_after_seed_s"] = round(_run([ANSINH, "migrate"], _app_env(name)), 1)
    rows, table_bytes, size = asyncio.run(table_rows_and_size(name))
    report.update(
        rows_total=sum(rows.values()),
        rows=rows,
        table_bytes=table_bytes,
        database_bytes=size,
        database_size=_human(size),
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    OUT.mkdir(exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return report


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("prepare", help="(re)create, migrate and seed a database")
    p.add_argument("--people", type=int, required=True)
    p.add_argument("--database", required=True)
    p.add_argument("--seed", type=int, default=2026)
    m = commands.add_parser("migrate", help="apply newer migrations to a seeded database and re-record its size")
    m.add_argument("--database", required=True)
    e = commands.add_parser("explain", help="EXPLAIN (ANALYZE, BUFFERS) the hot queries")
    e.add_argument("--database", required=True)
    e.add_argument("--seed", type=int, default=7, help="which random rows to ask for")
    e.add_argument("--big-rows", type=int, default=BIG_ROWS, help="a full scan of a table this big fails")
    e.add_argument(
        "--traffic",
        type=int,
        default=200_000,
        help="scans, sessions and sign-in events written (then rolled back) before the capture; 0: none",
    )
    args = parser.parse_args(argv)
    if args.command == "prepare":
        report = prepare(args.people, args.database, args.seed)
        print(
            f"{args.database}: {report['people']:,} people, {report['rows_total']:,} rows, "
            f"seed {report['seed_s']} s (peak RSS {report['seed_peak_rss_mib']} MiB), {report['database_size']}"
        )
        return 0
    if args.command == "migrate":
        report = migrate_existing(args.database)
        print(f"{args.database}: migrated in {report['migrate_after_seed_s']} s, {report['database_size']}")
        return 0
    captured, samples = asyncio.run(
        explain(args.database, seed=args.seed, big_rows=args.big_rows, traffic=args.traffic)
    )
    path = write_explain(args.database, captured, samples)
    print("\n".join(_summary_line(q) for q in captured))
    failed = [q for q in captured if q.failed]
    print(f"{len(captured)} statements, {len(failed)} failing; plans in {path.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
