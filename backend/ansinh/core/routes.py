"""Route decorators for the hottest paths (card checks, the citizen's card and records, passkey sign-in)."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler

from ansinh.core.openapi import HOT_READS

# In a handler's ``opt``: its answers are always small (well under CompressionConfig.minimum_size, so never
# compressed), and the compression middleware's per-request wrapper (a GzipFile for every client that accepts gzip)
# is skipped.
UNCOMPRESSED = "uncompressed"


class HotRoute(HTTPRouteHandler):
    """A route that reads through ``state.reads`` (so OpenAPI documents its 503) and runs its guards cheaply.

    Litestar hands each guard a defensive copy of the handler: ~13 µs per request, a few percent of a card check.
    Our guards (identity/guards.py) never keep or change the handler they get, so they get the handler itself.
    """

    def __init__(self, path: str | None = None, *, compress: bool = True, **kwargs: Any) -> None:
        """``compress=False`` for answers that are always small (``UNCOMPRESSED``)."""
        kwargs["opt"] = {**(kwargs.get("opt") or {}), HOT_READS: True, **({} if compress else {UNCOMPRESSED: True})}
        super().__init__(path, **kwargs)

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[arg-type]


def hot_get(path: str | None = None, **kwargs: Any) -> HotRoute:
    """``@get`` for a hot route."""
    return HotRoute(path, http_method=HttpMethod.GET, **kwargs)


def hot_post(path: str | None = None, **kwargs: Any) -> HotRoute:
    """``@post`` for a hot route."""
    return HotRoute(path, http_method=HttpMethod.POST, **kwargs)
