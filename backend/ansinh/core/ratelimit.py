"""Fixed-window rate limits on atomic shared counters, and the client IP they key on."""

import ipaddress
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from ansinh.core.errors import TooManyRequests
from ansinh.core.store import SharedStore


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` hits per ``window`` seconds."""

    count: int
    window: int


async def hit(store: SharedStore, key: str, limit: RateLimit) -> None:
    """Count one hit on ``key``; raise 429 with Retry-After once the window's budget is spent."""
    used = await store.incr(f"rl:{key}", limit.window)
    if used > limit.count:
        retry_after = max(1, await store.ttl(f"rl:{key}"))
        raise TooManyRequests(headers={"Retry-After": str(retry_after)}, extra={"retry_after": retry_after})


def client_ip(connection: ASGIConnection[Any, Any, Any, Any], trusted_proxies: list[str]) -> str:
    """The socket's peer, unless that peer is a trusted proxy: then the last untrusted X-Forwarded-For hop."""
    peer = connection.client.host if connection.client else "unknown"
    if not trusted_proxies or peer not in trusted_proxies:
        return peer
    forwarded = [hop.strip() for hop in connection.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if hop not in trusted_proxies:
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer
