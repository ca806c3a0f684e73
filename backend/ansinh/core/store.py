"""Shared short-lived state (challenges, one-time codes, counters): memory in dev, Redis across workers.

Litestar's stores offer get/set/delete only; single-use challenges and rate-limit counters need
atomic take-and-delete and increment, which Redis gives (GETDEL, INCR + EXPIRE) and memory gives
by never awaiting inside an operation (the event loop runs one at a time).
"""

import time
from typing import Protocol, runtime_checkable

from redis.asyncio import Redis


@runtime_checkable
class SharedStore(Protocol):
    """The operations the app needs, each atomic."""

    async def set(self, key: str, value: bytes, ttl: int) -> None: ...
    async def get(self, key: str) -> bytes | None: ...
    async def take(self, key: str) -> bytes | None: ...
    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str, ttl: int) -> int: ...
    async def ttl(self, key: str) -> int: ...
    async def close(self) -> None: ...


class MemoryStore:
    """One process's store; correct only with a single worker."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float]] = {}

    def _live(self, key: str, now: float) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= now:
            del self._data[key]
            return None
        return item[0]

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        self._data[key] = (value, time.monotonic() + ttl)
        if len(self._data) > 100_000:  # keep an abandoned dev server from growing forever
            now = time.monotonic()
            for stale in [k for k, (_, exp) in self._data.items() if exp <= now]:
                del self._data[stale]

    async def get(self, key: str) -> bytes | None:
        return self._live(key, time.monotonic())

    async def take(self, key: str) -> bytes | None:
        value = self._live(key, time.monotonic())
        self._data.pop(key, None)
        return value

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def incr(self, key: str, ttl: int) -> int:
        now = time.monotonic()
        current = self._live(key, now)
        if current is None:
            self._data[key] = (b"1", now + ttl)
            return 1
        count = int(current) + 1
        self._data[key] = (str(count).encode(), self._data[key][1])  # the window does not slide
        return count

    async def ttl(self, key: str) -> int:
        item = self._data.get(key)
        return max(0, int(item[1] - time.monotonic() + 0.999)) if item else 0

    async def close(self) -> None:
        self._data.clear()


class RedisStore:
    """Shared by every worker and every replica."""

    def __init__(self, url: str, namespace: str = "ansinh") -> None:
        self._redis = Redis.from_url(url)
        self._ns = namespace

    def _k(self, key: str) -> str:
        return f"{self._ns}:{key}"

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self._redis.set(self._k(key), value, ex=ttl)

    async def get(self, key: str) -> bytes | None:
        return await self._redis.get(self._k(key))

    async def take(self, key: str) -> bytes | None:
        return await self._redis.getdel(self._k(key))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._k(key))

    async def incr(self, key: str, ttl: int) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._k(key))
            pipe.expire(self._k(key), ttl, nx=True)  # the first hit opens the window; later hits keep it
            count, _ = await pipe.execute()
        return int(count)

    async def ttl(self, key: str) -> int:
        return max(0, int(await self._redis.ttl(self._k(key))))

    async def close(self) -> None:
        await self._redis.aclose()


def create_store(redis_url: str | None, namespace: str = "ansinh") -> SharedStore:
    """Redis when a URL is configured, memory otherwise."""
    return RedisStore(redis_url, namespace) if redis_url else MemoryStore()
