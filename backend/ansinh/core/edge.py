"""What every HTTP request and response passes through first and last: its request id, its security headers and
its access-log line."""

import logging
import os
import time
from collections.abc import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from ansinh.core.logging import SAFE_REQUEST_ID, access_logger, request_id_var


class Edge:
    """Pure ASGI, wrapped around the whole application (routing and its error handling included, so 404s and
    errors raised outside any route get the same treatment): adopt a safe incoming X-Request-ID or make one, echo
    it, add the security headers, write one access line.

    One wrapper instead of a middleware and a ``before_send`` hook: each layer costs every request a call and a
    closure, and this is on the path of every card check.
    """

    def __init__(self, app: ASGIApp, *, add_headers: Callable[[list[tuple[bytes, bytes]], str], None]) -> None:
        self.app = app
        self.add_headers = add_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else os.urandom(16).hex()  # 128 random bits
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        add_headers = self.add_headers

        async def send_stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers") or ())  # optional in ASGI, and may be a tuple
                headers.append((b"x-request-id", request_id.encode()))
                add_headers(headers, scope["path"])
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_stamped)
        finally:
            if access_logger.isEnabledFor(logging.INFO):  # a log level above INFO turns the access log off
                access_logger.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)
