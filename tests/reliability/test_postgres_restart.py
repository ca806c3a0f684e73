"""PostgreSQL stopped and started again under load: not-ready meanwhile, recovery without a restart, no lost writes."""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from ansinh.demo.personas import AN, HAN, HONG, LAN, MINH, TUAN
from tests.reliability.load import (
    API,
    STAFF_PREFIX,
    PaymentLoad,
    ReadinessProbe,
    ScanLoad,
    account_ids,
    card_tokens,
    citizen_headers,
    clinic_headers,
    wait_for,
)
from tests.reliability.support import (
    Cluster,
    LiveServer,
    create_database,
    live_server,
    migrate_and_seed,
    require_postgres,
    server_env,
    throwaway_cluster,
)

pytestmark = pytest.mark.soak

SCAN_WORKERS = 4
WARM_UP_SCANS = 30  # successful scans before the fault, and again after it
OUTAGE_ANSWERS = 60  # scans answered 503 before PostgreSQL comes back
OUTAGE_PROBES = 4  # readiness probes answered 503 before it comes back


@dataclass
class Setup:
    cluster: Cluster
    database_url: str
    server: LiveServer


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    """A throwaway cluster, migrated and seeded, with `ansinh run` serving from it."""
    require_postgres()
    with throwaway_cluster() as cluster:
        database_url = create_database(cluster.url, "ansinh_h1_fault")
        # the clinic limit is raised as in the benchmark: this test measures durability, not the limit
        env = server_env(database_url, ANSINH_CLINIC_RATE_LIMIT="100000")
        migrate_and_seed(env)
        with live_server(env, tmp_path, workers=1) as server:
            yield Setup(cluster, database_url, server)


async def test_postgres_restart_under_load_loses_and_duplicates_nothing(setup: Setup) -> None:
    engine = create_async_engine(setup.database_url, poolclass=NullPool)  # no connection outlives the outage
    try:
        report = await _run(setup.server.base_url, engine, setup.cluster)
    finally:
        await engine.dispose()
    assert setup.server.process.poll() is None, "the server must ride out the outage without a restart"
    report["unhandled_errors_logged"] = setup.server.log_text().count("unhandled error")
    print(json.dumps(report, indent=2))
    assert report["unhandled_errors_logged"] == 0


async def _run(base_url: str, engine: AsyncEngine, cluster: Cluster) -> dict[str, object]:
    accounts = await account_ids(engine, [AN, LAN, MINH, HAN, HONG, TUAN])
    before = await _counts(engine)
    async with httpx.AsyncClient(base_url=base_url, limits=httpx.Limits(max_connections=20)) as client:
        clinic = await clinic_headers(client)
        tokens = await card_tokens(client, [citizen_headers(accounts[si]) for si in (AN, LAN, MINH, HAN, HONG, TUAN)])
        heads = []
        for si in (AN, TUAN):
            quote = await client.get(
                f"{API}/households/mine/quote", params={"months": 3}, headers=citizen_headers(accounts[si])
            )
            if quote.status_code == 200:
                heads.append(si)
        assert heads, "no persona household has a member to pay for"

        scans = ScanLoad(client, clinic, tokens)
        payments = [PaymentLoad(client, citizen_headers(accounts[si]), f"h1-{si}-{time.time_ns()}") for si in heads]
        probe = ReadinessProbe(client)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(scans.run(stop)) for _ in range(SCAN_WORKERS)]
        tasks += [asyncio.create_task(p.run(stop)) for p in payments]
        tasks.append(asyncio.create_task(probe.run(stop)))

        def seen() -> object:
            return {
                "scans": Counter(s.status for s in scans.scans),
                "payments": Counter(o.status for p in payments for t in p.traces for o in [*t.creates, *t.confirms]),
                "ready": Counter(a.status for a in probe.answers),
                "errors": Counter(s.error for s in scans.scans if s.error),
            }

        try:
            start = time.monotonic()
            await wait_for(
                lambda: scans.ok_since(start) >= WARM_UP_SCANS and all(p.confirmed_since(start) >= 2 for p in payments),
                what="load before the fault",
                state=seen,
            )
            down_at = time.monotonic()
            await asyncio.to_thread(cluster.stop, "immediate")
            await wait_for(
                lambda: (
                    probe.count_since(503, down_at) >= OUTAGE_PROBES
                    and scans.unavailable_since(down_at) >= OUTAGE_ANSWERS
                ),
                what="503 answers while PostgreSQL is down",
                state=seen,
            )
            start_at = time.monotonic()
            await asyncio.to_thread(cluster.start)
            up_at = time.monotonic()
            await wait_for(
                lambda: (
                    probe.seen_since(200, up_at)
                    and scans.ok_since(up_at) >= WARM_UP_SCANS
                    and all(p.confirmed_since(up_at) >= 2 for p in payments)
                ),
                what="recovery after PostgreSQL is back",
                state=seen,
            )
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    after = await _counts(engine)
    rows = await _scan_rows(engine)

    # --- answers: success, or a clean 503 problem document; never a 500, never a hang -------------------------
    outcomes = [*scans.scans, *(o for p in payments for t in p.traces for o in [*t.creates, *t.confirms])]
    statuses = Counter(o.status for o in outcomes)
    unexpected = [o for o in outcomes if o.status not in (200, 201, 503)]
    # a confirm retried after an unanswered attempt may hear "already confirmed" (409): that is the truth
    unexpected = [o for o in unexpected if not (o.status == 409 and (o.problem or {}).get("payment_status"))]
    assert not unexpected, unexpected[:5]
    unclean = [o for o in outcomes if o.status == 503 and (o.problem is None or o.problem.get("status") != 503)]
    assert not unclean, unclean[:5]
    readiness = [a.status for a in probe.answers]
    assert 503 in readiness
    assert readiness[-1] == 200
    assert all(a.problem is None for a in probe.answers if a.status == 503)  # the probe answers its own JSON

    # --- scans: every answered scan is one durable row, unanswered ones left none ---------------------------------
    ok = [s for s in scans.scans if s.status == 200]
    by_staff = {name: ids for name, ids in rows.items()}
    lost = [s.staff_name for s in ok if by_staff.get(s.staff_name) != [s.body["check_id"]]]
    assert not lost, f"answered scans without exactly their one row: {lost[:5]}"
    duplicated = [name for name, ids in by_staff.items() if len(ids) > 1]
    assert not duplicated, duplicated[:5]
    failed_with_row = [s.staff_name for s in scans.scans if s.status != 200 and s.staff_name in by_staff]
    assert after["card_check"] - before["card_check"] == len(ok) + len(failed_with_row)

    # --- payments: one row per Idempotency-Key; every confirmation settled exactly once ---------------------------
    traces = [t for p in payments for t in p.traces if t.payment_id is not None]
    ledger = await _payments(engine, [t.key for t in traces])
    for trace in traces:
        rows_for_key = ledger.get(trace.key, [])
        assert [r["id"] for r in rows_for_key] == [trace.payment_id], (trace.key, rows_for_key)
        if trace.confirmed:
            (row,) = rows_for_key
            assert row["status"] == "confirmed", row
            assert row["receipt_no"], row
            assert (row["events"], row["confirmed_events"]) == (1, 1), row
    assert after["household_payment"] - before["household_payment"] == len(traces)
    confirmed = sum(t.confirmed for t in traces)
    assert after["payment_event"] - before["payment_event"] == confirmed

    first_503 = min(a.sent_at for a in probe.answers if a.status == 503 and a.sent_at >= down_at)
    ready_again = min(a.sent_at for a in probe.answers if a.status == 200 and a.sent_at > first_503)
    # while PostgreSQL is surely stopped (before the start command), readiness says 503 every time
    assert {a.status for a in probe.answers if first_503 <= a.sent_at < start_at} == {503}
    during = [o for o in outcomes if first_503 <= o.sent_at < ready_again]
    return {
        "postgres_stopped_until_start_command_seconds": round(start_at - down_at, 2),
        "pg_start_command_seconds": round(up_at - start_at, 2),
        "not_ready_seconds": round(ready_again - first_503, 2),
        "ready_again_seconds_after_start_command": round(ready_again - start_at, 2),
        "readiness_answers_while_not_ready": dict(
            Counter(a.status for a in probe.answers if first_503 <= a.sent_at < ready_again)
        ),
        "requests_during_outage": dict(Counter(o.status for o in during)),
        "answers": dict(sorted(statuses.items())),
        "scans_ok": len(ok),
        "scans_503": sum(1 for s in scans.scans if s.status == 503),
        "scans_503_with_a_row": len(failed_with_row),
        "payments": len(traces),
        "payments_confirmed": confirmed,
        "payment_creates_503": sum(1 for t in traces for o in t.creates if o.status == 503),
        "payment_confirms_503": sum(1 for t in traces for o in t.confirms if o.status == 503),
        "counts_before": before,
        "counts_after": after,
    }


async def _counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            table: (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in ("card_check", "household_payment", "payment_event")
        }


async def _scan_rows(engine: AsyncEngine) -> dict[str, list[int]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT staff_name, id FROM card_check WHERE staff_name LIKE :prefix ORDER BY id"),
                {"prefix": f"{STAFF_PREFIX}%"},
            )
        ).all()
    grouped: dict[str, list[int]] = {}
    for name, check_id in rows:
        grouped.setdefault(name, []).append(check_id)
    return grouped


async def _payments(engine: AsyncEngine, keys: list[str]) -> dict[str, list[dict[str, object]]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT p.idempotency_key, p.id, p.status, p.receipt_no,"
                    " (SELECT count(*) FROM payment_event e WHERE e.payment_id = p.id) AS events,"
                    " (SELECT count(*) FROM household_event h WHERE h.kind = 'payment_confirmed'"
                    "   AND CAST(h.detail ->> 'payment_id' AS integer) = p.id) AS confirmed_events"
                    " FROM household_payment p WHERE p.idempotency_key = ANY(:keys) ORDER BY p.id"
                ),
                {"keys": keys},
            )
        ).mappings()
        ledger: dict[str, list[dict[str, object]]] = {}
        for row in rows:
            ledger.setdefault(row["idempotency_key"], []).append(dict(row))
    return ledger
