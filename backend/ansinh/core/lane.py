"""The hot lane: the ordinary requests of the hottest route (a clinic's card scan) answered without Litestar's
per-request machinery, and every other request left to Litestar.

Litestar's routing, request object, parameter resolution, signature model and response object cost a card scan as
much CPU as everything else it does besides the card signature (docs/PERFORMANCE.md, change 26). The lane serves a
request only when it can answer exactly as the Litestar route would:

- the method and path are a lane route's, and the body (read up to the app's size limit) decodes into the lane
  route's msgspec type, which is never looser than the route's documented schema (a test holds the two together);
- the bearer token is one this process has already verified (``VerifiedTokens``), of the route's role, and its
  session, if it has one, is not revoked.

Anything else — a new token, a malformed or oversized body, another role — goes on to Litestar with the body
replayed, so every refusal is Litestar's own. An error the service raises (429, 403, 503…) is answered by the same
exception handlers Litestar uses (``core/errors.py``). The answer is the same JSON the Litestar route sends, with
the same headers; ``Edge`` (outside the lane) adds the request id and the security headers to both.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from ansinh.core.errors import exception_handler_for
from ansinh.core.routes import EncodedJSONResponse
from ansinh.core.tokens import Principal


@dataclass(frozen=True, slots=True)
class LaneRoute:
    """A route the lane may serve: who may call it, its body type, and the service call that answers it."""

    role: str
    body: type[msgspec.Struct]
    # (app state, the caller, the decoded body) → the answer, already JSON (what the Litestar route returns)
    answer: Callable[[State, Principal, Any], Awaitable[bytes]]
    headers: list[tuple[bytes, bytes]]  # the route's own response headers but the length (HotRoute.json_headers)


class HotLane:
    """Pure ASGI, in front of Litestar's router (see the module docstring)."""

    def __init__(
        self,
        router: ASGIApp,
        *,
        routes: dict[tuple[str, str], LaneRoute],
        state: State,
        known_principal: Callable[[bytes, State], Awaitable[Principal | None]],
        max_body: int,
    ) -> None:
        """``known_principal``: the principal of an Authorization header whose token this process has already
        verified and whose session is live, else None (then Litestar authenticates, and refuses)."""
        self._router = router
        self._routes = routes
        self._decoders = {key: msgspec.json.Decoder(route.body).decode for key, route in routes.items()}
        self._state = state
        self._known_principal = known_principal
        self._max_body = max_body
        self.served = 0  # requests answered in the lane (tests, metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = (scope.get("method", ""), scope.get("path", ""))
        route = self._routes.get(key) if scope["type"] == "http" else None  # type: ignore[arg-type]
        if route is None:
            await self._router(scope, receive, send)
            return
        # The caller first, as Litestar runs guards before reading a body: a refused caller's body is never read.
        authorization = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        principal = await self._known_principal(authorization, self._state)
        if principal is None or principal.role != route.role:
            await self._router(scope, receive, send)
            return
        messages, body = await self._read_body(receive)
        data = self._decoded(key, body) if body is not None else None
        if data is None:
            await self._router(scope, _replay(messages, receive), send)
            return
        scope["auth"] = principal
        try:
            answer = await route.answer(self._state, principal, data)
        except Exception as exc:  # answered as Litestar answers any route's error
            await self._answer_error(scope, receive, send, exc)
            return
        self.served += 1
        await EncodedJSONResponse(200, route.headers, answer)(scope, receive, send)

    async def _read_body(self, receive: Receive) -> tuple[list[Message], bytes | None]:
        """The messages read, and the body when it is complete and within the size limit (else None: Litestar
        gets the messages replayed, reads on and decides)."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client left
                return messages, None
            size += len(message.get("body", b""))
            if size > self._max_body:
                return messages, None
            if not message.get("more_body", False):
                return messages, b"".join(m.get("body", b"") for m in messages)

    def _decoded(self, key: tuple[str, str], body: bytes) -> Any:
        try:
            return self._decoders[key](body)
        except (msgspec.DecodeError, ValueError, RecursionError):  # ValueError: not UTF-8
            return None

    async def _answer_error(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        request: Request[Any, Any, Any] = Request(scope, receive=receive, send=send)
        response = exception_handler_for(exc)(request, exc)
        await response.to_asgi_response(app=None, request=request)(scope, receive, send)  # type: ignore[arg-type]


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands over the messages already read, in order, then whatever else the client sends."""
    pending = list(reversed(messages))

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
