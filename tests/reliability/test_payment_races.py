"""Duplicate payment requests and replayed provider callbacks, fired at once over HTTP at two live workers."""

import asyncio
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from ansinh.demo.personas import AN, HAN, LAN, MINH
from ansinh.households.provider import SIGNATURE_HEADER, callback_body, sign
from tests.reliability.load import API, ScanLoad, account_ids, card_tokens, citizen_headers, clinic_headers, wait_for
from tests.reliability.support import (
    PAYMENT_SECRET,
    LiveServer,
    live_server,
    migrate_and_seed,
    owner_of_connection,
    redis_namespace,
    require_postgres,
    scratch_database,
    server_env,
)

DUPLICATES = 20  # concurrent POSTs with one Idempotency-Key
REPLAYS = 30  # concurrent deliveries of the same signed callback
RESENDS = 10  # concurrent callbacks for the same payment under other event ids


@dataclass
class Setup:
    database_url: str
    server: LiveServer


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    """`ansinh run --workers 2` on a fresh, seeded PostgreSQL database (and Redis when TEST_REDIS_URL is set)."""
    base = require_postgres()
    with ExitStack() as stack:
        database_url = stack.enter_context(scratch_database(base, "pay"))
        extra = {"ANSINH_CLINIC_RATE_LIMIT": "100000"}  # background load, not the limit, is what this test needs
        if url := os.environ.get("TEST_REDIS_URL"):
            extra |= {"ANSINH_REDIS_URL": url, "ANSINH_REDIS_NAMESPACE": stack.enter_context(redis_namespace(url))}
        env = server_env(database_url, **extra)
        migrate_and_seed(env)
        yield Setup(database_url, stack.enter_context(live_server(env, tmp_path, workers=2)))


async def _burst(client: httpx.AsyncClient, requests: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send every request at the same moment, each on its own already-open connection."""
    await asyncio.gather(*(client.get("/health/live") for _ in requests))  # open the connections first
    gate = asyncio.Event()

    async def one(request: dict[str, Any]) -> httpx.Response:
        await gate.wait()
        return await client.request(**request)

    tasks = [asyncio.create_task(one(r)) for r in requests]
    await asyncio.sleep(0)  # every task is now waiting at the gate
    gate.set()
    return await asyncio.gather(*tasks)


def _workers(server: LiveServer, responses: list[httpx.Response]) -> Counter[int | None]:
    """Which worker process answered each response (its connection is still open in the pool)."""
    return Counter(
        owner_of_connection(server, r.extensions["network_stream"].get_extra_info("client_addr")[1], limit_seconds=1)
        for r in responses
    )


async def test_duplicate_payments_and_replayed_callbacks_settle_once(setup: Setup) -> None:
    engine = create_async_engine(setup.database_url, poolclass=NullPool)
    try:
        report = await _run(setup.server, engine)
    finally:
        await engine.dispose()
    report["unhandled_errors_logged"] = setup.server.log_text().count("unhandled error")
    print(json.dumps(report, indent=2, default=str))
    assert report["unhandled_errors_logged"] == 0


async def _run(server: LiveServer, engine: AsyncEngine) -> dict[str, Any]:
    accounts = await account_ids(engine, [AN, LAN, MINH, HAN])
    head = citizen_headers(accounts[AN])
    limits = httpx.Limits(max_connections=max(DUPLICATES, REPLAYS + RESENDS), max_keepalive_connections=100)
    async with (
        httpx.AsyncClient(base_url=server.base_url) as background,
        httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as client,
    ):
        scans = ScanLoad(background, await clinic_headers(background), await card_tokens(background, [head]))
        stop = asyncio.Event()
        load = [asyncio.create_task(scans.run(stop)) for _ in range(4)]
        try:
            started = time.monotonic()
            await wait_for(lambda: scans.ok_since(started) >= 20, what="background scans")
            quote = await client.get(f"{API}/households/mine/quote", params={"months": 3}, headers=head)
            assert quote.status_code == 200, quote.text
            lines = {line["member_id"]: line for line in quote.json()["lines"]}
            cards_before = await _household_cards(engine, list(lines))

            # --- 20 concurrent POSTs with one Idempotency-Key: one payment -----------------------------------
            key = f"h1-race-{uuid.uuid4()}"
            created = await _burst(
                client,
                [
                    {
                        "method": "POST",
                        "url": f"{API}/households/mine/payments",
                        "json": {"months": 3},
                        "headers": {**head, "Idempotency-Key": key},
                    }
                ]
                * DUPLICATES,
            )
            create_workers = _workers(server, created)
            statuses = Counter(r.status_code for r in created)
            assert statuses == {201: 1, 200: DUPLICATES - 1}, [r.text for r in created if r.status_code >= 300]
            assert all(r.headers.get("idempotent-replayed") == "true" for r in created if r.status_code == 200)
            payment_ids = {r.json()["id"] for r in created}
            assert len(payment_ids) == 1
            (payment_id,) = payment_ids
            payment = await _payment(engine, key)
            assert payment["rows_for_key"] == 1
            assert payment["id"] == payment_id
            assert payment["status"] == "pending"
            assert payment["lines"] == len(lines)
            assert payment["created_events"] == 1

            # --- the provider's callback delivered 30 times at once, and 10 more under other event ids -------------
            event_id = f"evt-{uuid.uuid4().hex}"
            replayed = _signed(event_id, payment["provider_ref"], payment["amount"])
            resent = [
                _signed(f"evt-{uuid.uuid4().hex}", payment["provider_ref"], payment["amount"]) for _ in range(RESENDS)
            ]
            sent = [replayed] * REPLAYS + resent
            callbacks = await _burst(client, sent)
            callback_workers = _workers(server, callbacks)
            answers = Counter(_callback_answer(r) for r in callbacks)
            assert answers["confirmed"] == 1, answers
            # the losers: replays of the winning event are duplicates, other event ids find it already confirmed
            assert set(answers) <= {"confirmed", "duplicate", "already-confirmed"}, answers
            winner = next(i for i, r in enumerate(callbacks) if _callback_answer(r) == "confirmed")

            # --- and the winning delivery once more, after the dust settled ----------------------------------------
            late = [await client.request(**sent[winner]) for _ in range(3)]
            assert [_callback_answer(r) for r in late] == ["duplicate"] * 3

            settled = await _payment(engine, key)
            cards_after = await _household_cards(engine, list(lines))
        finally:
            stop.set()
            await asyncio.gather(*load)

    assert settled["status"] == "confirmed"
    assert settled["receipt_no"]
    assert settled["events"] == 1  # one settlement recorded, whichever event won
    assert settled["confirmed_events"] == 1  # one "payment confirmed" in the household's audit trail
    for member_id, line in lines.items():
        # coverage runs exactly to the paid date: extended once, not once per delivery
        assert str(cards_after[member_id]) == line["covered_until"], (member_id, cards_before, cards_after)
    background_statuses = Counter(s.status for s in scans.scans)
    assert set(background_statuses) == {200}, background_statuses
    return {
        "payment_requests": dict(statuses),
        "payment_requests_by_worker": dict(create_workers),
        "callback_answers": dict(answers),
        "callbacks_by_worker": dict(callback_workers),
        "payment_rows_for_key": settled["rows_for_key"],
        "payment_events": settled["events"],
        "cards_before": {k: str(v) for k, v in cards_before.items()},
        "cards_after": {k: str(v) for k, v in cards_after.items()},
        "background_scans": dict(background_statuses),
    }


def _signed(event_id: str, provider_ref: str, amount: int) -> dict[str, Any]:
    """One provider callback, signed as the provider signs it."""
    body = callback_body(event_id=event_id, provider_ref=provider_ref, status="confirmed", amount=amount)
    signature = sign(body, secret=PAYMENT_SECRET, timestamp=int(time.time()))
    return {
        "method": "POST",
        "url": f"{API}/payments/callback",
        "content": body,
        "headers": {SIGNATURE_HEADER: signature, "Content-Type": "application/json"},
    }


def _callback_answer(response: httpx.Response) -> str:
    if response.status_code == 200:
        return str(response.json()["status"])
    if response.status_code == 409 and response.json().get("payment_status") == "confirmed":
        return "already-confirmed"
    return f"{response.status_code}: {response.text[:200]}"


async def _payment(engine: AsyncEngine, key: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT p.id, p.status, p.receipt_no, p.provider_ref, p.amount,"
                    " (SELECT count(*) FROM household_payment_line l WHERE l.payment_id = p.id) AS lines,"
                    " (SELECT count(*) FROM payment_event e WHERE e.payment_id = p.id) AS events,"
                    " (SELECT count(*) FROM household_event h WHERE h.kind = 'payment_created'"
                    "   AND CAST(h.detail ->> 'payment_id' AS integer) = p.id) AS created_events,"
                    " (SELECT count(*) FROM household_event h WHERE h.kind = 'payment_confirmed'"
                    "   AND CAST(h.detail ->> 'payment_id' AS integer) = p.id) AS confirmed_events"
                    " FROM household_payment p WHERE p.idempotency_key = :key"
                ),
                {"key": key},
            )
        ).mappings()
        found = [dict(row) for row in rows]
    assert found, f"no payment for {key}"
    return {**found[0], "rows_for_key": len(found)}


async def _household_cards(engine: AsyncEngine, member_ids: list[int]) -> dict[int, Any]:
    """Each member's live card's valid-to date."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT m.id, c.valid_to FROM household_member m"
                    " JOIN health_insurance_card c ON c.person_id = m.person_id"
                    " AND c.status NOT IN ('replaced', 'withdrawn')"
                    " WHERE m.id = ANY(:ids)"
                ),
                {"ids": member_ids},
            )
        ).all()
    return {member_id: valid_to for member_id, valid_to in rows}
