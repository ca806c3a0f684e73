"""Route decorators for the hottest paths (card checks, the citizen's card and records, passkey sign-in)."""

from typing import Any

from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from ansinh.core.openapi import HOT_READS

# In a handler's ``opt``: its answers are always small (well under CompressionConfig.minimum_size, so never
# compressed), and the compression middleware's per-request wrapper (a GzipFile for every client that accepts gzip)
# is skipped.
UNCOMPRESSED = "uncompressed"


class EncodedJSON(bytes):
    """An answer already encoded as JSON (of the type the handler is annotated with): a hot route sends it as is."""


class EncodedJSONResponse:
    """The ASGI response of an ``EncodedJSON`` answer, with the route's headers (worked out once) and its length."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [*self.headers, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


class HotRoute(HTTPRouteHandler):
    """A route that reads through ``state.statements`` (so OpenAPI documents its 503) and runs its guards cheaply.

    Litestar hands each guard a defensive copy of the handler, a few percent of a card check (docs/PERFORMANCE.md).
    Our guards (identity/guards.py) never keep or change the handler they get, so they get the handler itself.
    A handler may return ``EncodedJSON``: it is sent with the route's own headers, without building a ``Response``.
    """

    def __init__(self, path: str | None = None, *, compress: bool = True, **kwargs: Any) -> None:
        """``compress=False`` for answers that are always small (``UNCOMPRESSED``)."""
        kwargs["opt"] = {**(kwargs.get("opt") or {}), HOT_READS: True, **({} if compress else {UNCOMPRESSED: True})}
        super().__init__(path, **kwargs)
        self._encoded_headers: list[tuple[bytes, bytes]] | None = None

    async def authorize_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        for guard in self.resolve_guards():
            await guard(connection, self)  # type: ignore[arg-type]

    async def to_response(self, app: Litestar, data: Any, request: Request[Any, Any, Any]) -> ASGIApp:
        if type(data) is not EncodedJSON:
            return await super().to_response(app, data, request)
        return EncodedJSONResponse(self.status_code, self.json_headers(), data)

    def json_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers of an ``EncodedJSON`` answer but its length: what Litestar's Response would send."""
        if self._encoded_headers is None:
            # The layers' headers (Cache-Control among them), no cookies (none is set on a hot route), and the JSON
            # media type.
            if self.resolve_response_cookies() or any(layer.after_request for layer in self.ownership_layers):
                raise RuntimeError(f"{self} sets cookies or an after_request hook: return a Response instead")
            self._encoded_headers = [
                (b"content-type", b"application/json"),
                *(
                    (h.name.lower().encode(), str(h.value).encode())
                    for h in self.resolve_response_headers()
                    if not h.documentation_only
                ),
            ]
        return self._encoded_headers


def hot_get(path: str | None = None, **kwargs: Any) -> HotRoute:
    """``@get`` for a hot route."""
    return HotRoute(path, http_method=HttpMethod.GET, **kwargs)


def hot_post(path: str | None = None, **kwargs: Any) -> HotRoute:
    """``@post`` for a hot route."""
    return HotRoute(path, http_method=HttpMethod.POST, **kwargs)
