"""A local stand-in for the SMS/e-mail gateway: receives the server's one-time codes for the benchmark.

The prod server posts every code to ``ANSINH_OTP_WEBHOOK_URL`` (``WebhookSender``: JSON ``{channel, to,
text}`` with a bearer token); this sink records the code per destination so a scripted client can type it.
"""

import asyncio
import hmac
import json
import re
import secrets
import threading
from collections import defaultdict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CODE_PATTERN = re.compile(r"(?<!\d)(\d{6})(?!\d)")
MAX_BODY_BYTES = 64 * 1024


def parse_code(text: str) -> str | None:
    """The first 6-digit number in a message text (the code), or None."""
    match = CODE_PATTERN.search(text)
    return match.group(1) if match else None


class _Waiter:
    """An async caller waiting for a destination's next code (completed from the server thread)."""

    __slots__ = ("future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: "asyncio.Future[str]") -> None:
        self.loop = loop
        self.future = future


def _resolve(future: "asyncio.Future[str]", code: str) -> None:
    if not future.done():  # the caller may have timed out meanwhile
        future.set_result(code)


class OtpSink:
    """The gateway sink: ``start()``, point the server at ``url`` with ``token``, then ``await wait_code(to)``.

    A code is handed out once: ``wait_code`` returns the newest code not yet taken for a destination
    and forgets older ones, so a late code from an abandoned sign-in is never typed into the next one.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.received = 0  # messages accepted
        self.rejected = 0  # wrong token or unreadable body
        self._lock = threading.Lock()
        self._codes: dict[str, str] = {}  # destination -> newest code not yet taken
        self._waiters: dict[str, list[_Waiter]] = defaultdict(list)
        self._ready = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the server should post messages (``ANSINH_OTP_WEBHOOK_URL``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/messages"

    def env(self) -> dict[str, str]:
        """The server's environment entries that send its codes here."""
        return {"ANSINH_OTP_WEBHOOK_URL": self.url, "ANSINH_OTP_WEBHOOK_TOKEN": self.token}

    def start(self) -> "OtpSink":
        """Serve in a background thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="otp-sink", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "OtpSink":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- delivery (server thread) -----------------------------------------------------------------

    def deliver(self, destination: str, text: str) -> bool:
        """Record a message's code; returns False when the text carries none."""
        code = parse_code(text)
        if code is None:
            return False
        with self._lock:
            self.received += 1
            waiters = self._waiters.pop(destination, None)
            waiter = next((w for w in waiters or [] if not w.future.done()), None)
            if waiter is None:
                self._codes[destination] = code
                self._ready.notify_all()
            else:
                waiter.loop.call_soon_threadsafe(_resolve, waiter.future, code)
                rest = [w for w in waiters or [] if w is not waiter and not w.future.done()]
                if rest:
                    self._waiters[destination] = rest
        return True

    # ---- taking codes (clients) --------------------------------------------------------------------

    def take_code(self, destination: str) -> str | None:
        """The newest untaken code for ``destination``, without waiting."""
        with self._lock:
            return self._codes.pop(destination, None)

    async def wait_code(self, destination: str, timeout_s: float = 10.0) -> str:
        """Wait (asyncio) for the next code sent to ``destination``; TimeoutError if none comes."""
        loop = asyncio.get_running_loop()
        with self._lock:
            code = self._codes.pop(destination, None)
            if code is not None:
                return code
            future: asyncio.Future[str] = loop.create_future()
            waiter = _Waiter(loop, future)
            self._waiters[destination].append(waiter)
        try:
            return await asyncio.wait_for(future, timeout_s)
        finally:
            with self._lock:
                waiters = self._waiters.get(destination)
                if waiters and waiter in waiters:
                    waiters.remove(waiter)
                    if not waiters:
                        del self._waiters[destination]

    def wait_code_sync(self, destination: str, timeout_s: float = 10.0) -> str:
        """Blocking variant of :meth:`wait_code` for threads."""
        with self._ready:
            if not self._ready.wait_for(lambda: destination in self._codes, timeout_s):
                raise TimeoutError(f"no code for {destination} within {timeout_s} s")
            return self._codes.pop(destination)

    # ---- HTTP --------------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sink = self
        expected = f"Bearer {self.token}".encode()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, should a gateway client reuse its connection

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if 0 < length <= MAX_BODY_BYTES else b""
                if length > MAX_BODY_BYTES:
                    self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, close=True)
                    return
                given = (self.headers.get("Authorization") or "").encode()
                if not hmac.compare_digest(given, expected):
                    with sink._lock:
                        sink.rejected += 1
                    self._answer(HTTPStatus.UNAUTHORIZED)
                    return
                try:
                    message = json.loads(body)
                    accepted = sink.deliver(str(message["to"]), str(message["text"]))
                except (ValueError, KeyError, TypeError):
                    accepted = False
                if not accepted:
                    with sink._lock:
                        sink.rejected += 1
                self._answer(HTTPStatus.ACCEPTED if accepted else HTTPStatus.BAD_REQUEST)

            def _answer(self, status: HTTPStatus, *, close: bool = False) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if close:
                    self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # hundreds of messages a second; the counters say enough

        return Handler
