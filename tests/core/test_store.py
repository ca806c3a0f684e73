"""The shared store's operations are atomic, in memory and in Redis (when TEST_REDIS_URL is set)."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from ansinh.core.errors import TooManyRequests
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.store import MemoryStore, RedisStore, SharedStore

REDIS_URL = os.environ.get("TEST_REDIS_URL")
KINDS = ["memory", *(["redis"] if REDIS_URL else [])]


@pytest.fixture(params=KINDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SharedStore]:
    # A fresh namespace per test keeps parallel runs and leftovers apart.
    shared: SharedStore = (
        MemoryStore() if request.param == "memory" else RedisStore(REDIS_URL or "", f"t{uuid.uuid4().hex}")
    )
    yield shared
    await shared.close()


async def test_take_returns_a_value_exactly_once_under_concurrency(store: SharedStore) -> None:
    await store.set("challenge", b"value", 60)
    results = await asyncio.gather(*(store.take("challenge") for _ in range(20)))
    assert results.count(b"value") == 1
    assert await store.get("challenge") is None


async def test_incr_counts_every_concurrent_hit(store: SharedStore) -> None:
    counts = await asyncio.gather(*(store.incr("counter", 60) for _ in range(50)))
    assert sorted(counts) == list(range(1, 51))
    assert 0 < await store.ttl("counter") <= 60


async def test_values_expire(store: SharedStore) -> None:
    await store.set("short", b"x", 1)
    assert await store.get("short") == b"x"
    await asyncio.sleep(1.1)
    assert await store.get("short") is None


async def test_a_limit_of_n_admits_exactly_n_concurrent_hits(store: SharedStore) -> None:
    limit = RateLimit(count=10, window=60)

    outcomes = await asyncio.gather(
        *(hit(store, "login-ip:198.51.100.7", limit) for _ in range(25)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, TooManyRequests)]
    assert outcomes.count(None) == 10
    assert len(refused) == 15
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
