"""What every HTTP request and response passes through first and last: its request id, its security headers and
its access-log line."""

import random
import re
import time
from collections.abc import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from ansinh.core.logging import AccessLog, request_id_var

# An X-Request-ID a client or proxy sent is adopted only when it cannot forge a log line or a header.
SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{8,64}")


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The request's first X-Request-ID, if it is safe to adopt."""
    for name, value in headers:
        if name == b"x-request-id":
            return value.decode("latin-1") if SAFE_REQUEST_ID.fullmatch(value) else None
    return None


def new_request_id() -> str:
    """128 random bits in hex: unique, not secret (it names a request in the logs), so no system call for them."""
    return random.randbytes(16).hex()  # the random module reseeds itself in a forked worker


class Edge:
    """Pure ASGI, wrapped around the whole application (routing and its error handling included, so 404s and
    errors raised outside any route get the same treatment): adopt a safe incoming X-Request-ID or make one, echo
    it, add the security headers, write one access line.

    One wrapper instead of a middleware and a ``before_send`` hook: each layer costs every request a call and a
    closure, and this is on the path of every request.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        add_headers: Callable[[list[tuple[bytes, bytes]], str], None],
        access_log: AccessLog,
    ) -> None:
        self.app = app
        self.add_headers = add_headers
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"]) or new_request_id()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        stamp = (b"x-request-id", request_id.encode())
        add_headers, path = self.add_headers, scope["path"]

        async def send_stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or ())  # optional in ASGI, and may be a tuple
                headers.append(stamp)
                add_headers(headers, path)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_stamped)
        finally:
            self.access_log.write(request_id, scope["method"], path, status, (time.perf_counter() - started) * 1000)
            request_id_var.reset(token)
