"""Logs on stderr: JSON lines in production, readable lines in development, each carrying the request id of the
request that wrote it; and the access log, one line per request."""

import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import msgspec

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# Its level turns the access log on and off (ANSINH_LOG_LEVEL above INFO: no access lines).
access_logger = logging.getLogger("ansinh.access")

TEXT_TIME = "%Y-%m-%d %H:%M:%S"  # readable lines: local time, to the second


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    _RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (rid := request_id_var.get()) is not None:
            payload["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in self._RESERVED and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime


class TextFormatter(logging.Formatter):
    """``2026-12-07 21:03:04 WARNING ansinh.identity message rid=…``, and access lines as ``AccessLog`` writes them:
    for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", TEXT_TIME)

    def format(self, record: logging.LogRecord) -> str:
        rid = request_id_var.get()
        if record.name == access_logger.name and hasattr(record, "path"):
            fields = record.__dict__
            return _text_line(
                self.formatTime(record, TEXT_TIME),
                rid or "-",
                fields["method"],
                fields["path"],
                fields["status"],
                fields["duration_ms"],
            )
        line = super().format(record)
        return line if rid is None else f"{line} rid={rid}"


def _text_line(when: str, request_id: str, method: str, path: str, status: int, duration_ms: float) -> str:
    # A decoded %0A in the path must not start a forged line.
    shown = path if path.isprintable() else path.encode("unicode_escape").decode("ascii")
    return f"{when} INFO {method} {shown} {status} {duration_ms:.1f} ms rid={request_id}"


class AccessLine(msgspec.Struct):
    """An access line as JSON: the fields of an access record through ``JsonFormatter``, in its order."""

    ts: str
    level: str
    logger: str
    msg: str
    request_id: str
    method: str
    path: str
    status: int
    duration_ms: float


class _Clock:
    """Time stamps for access lines, the seconds part formatted once per second."""

    __slots__ = ("_converter", "_format", "_second", "_stamp")

    def __init__(self, fmt: str, converter: Callable[[float], time.struct_time]) -> None:
        self._format, self._converter = fmt, converter
        self._second, self._stamp = -1, ""

    def seconds(self, now: float) -> str:
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime(self._format, self._converter(second))
        return self._stamp


# (time.time(), request id, method, path, status, duration in ms)
Request = tuple[float, str, str, str, int, float]


class AccessLog:
    """The access log: a line per request (time, request id, method, path, status, duration), in the format of the
    other lines, through the handler ``configure_logging`` installed.

    While that handler is the only one listening, lines are made without a ``LogRecord`` and written in batches: the
    requests that end in one turn of the event loop (up to ``batch``) are formatted together and written at the end
    of the turn in one write. A record through ``logging`` cost each request more than the rest of a health probe's
    work (docs/PERFORMANCE.md). A crash loses at most the current turn's lines; shutdown writes the rest (``flush``).
    When another handler listens too (a test's log capture, an operator's), each request is logged as an ordinary
    record instead, at once, so every handler sees it (asked at a turn's first request: a handler added during a
    turn sees records from the next one).
    """

    def __init__(self, handler: logging.StreamHandler[Any], *, json_lines: bool, batch: int = 64) -> None:
        self.handler = handler
        self.json_lines = json_lines
        self.batch = batch
        self._clock = _Clock("%Y-%m-%dT%H:%M:%S", time.gmtime) if json_lines else _Clock(TEXT_TIME, time.localtime)
        self._encode_lines = msgspec.json.Encoder().encode_lines
        self._pending: list[Request] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None  # the loop a flush is scheduled on

    def write(self, request_id: str, method: str, path: str, status: int, duration_ms: float) -> None:
        """One request's line (the request's own context: its request id is current), unless the access logger's
        level is above INFO."""
        if not access_logger.isEnabledFor(logging.INFO):
            return
        pending = self._pending
        if not pending and not self._alone():  # asked once a turn: a batch under way goes on as it started
            extra = {"method": method, "path": path, "status": status, "duration_ms": round(duration_ms, 2)}
            access_logger.info("request", extra=extra)
            return
        pending.append((time.time(), request_id, method, path, status, duration_ms))
        if len(pending) >= self.batch:
            self.flush()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop: nothing would write it later
            self.flush()
            return
        if loop is not self._flush_on:
            self._flush_on = loop
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the queued lines."""
        self._flush_on = None
        pending, self._pending = self._pending, []
        if not pending:
            return
        text = self._json(pending) if self.json_lines else self._text(pending)
        try:
            self.handler.stream.write(text)
            self.handler.stream.flush()
        except (OSError, ValueError):  # a closed or broken stream loses the lines, never a request
            pass

    def _alone(self) -> bool:
        """Whether an access record would reach our handler (on the root logger) and nothing else: no other
        handler, no filter."""
        root, handlers = logging.root, logging.root.handlers
        return (
            len(handlers) == 1
            and handlers[0] is self.handler
            and access_logger.parent is root  # no "ansinh" logger of someone's in between
            and access_logger.propagate
            and not access_logger.handlers
            and not access_logger.filters
            and not root.filters
        )

    def _json(self, pending: list[Request]) -> str:
        seconds = self._clock.seconds
        return self._encode_lines(
            [
                AccessLine(
                    f"{seconds(now)}.{int(now % 1 * 1000):03d}Z",
                    "info",
                    access_logger.name,
                    "request",
                    request_id,
                    method,
                    path,
                    status,
                    round(duration_ms, 2),
                )
                for now, request_id, method, path, status, duration_ms in pending
            ]
        ).decode()

    def _text(self, pending: list[Request]) -> str:
        seconds = self._clock.seconds
        return "".join(
            _text_line(seconds(now), request_id, method, path, status, duration_ms) + "\n"
            for now, request_id, method, path, status, duration_ms in pending
        )


def configure_logging(level: str = "INFO", *, json_lines: bool = True, stream: Any = None) -> AccessLog:
    """Send every log record to ``stream`` (stderr), as JSON lines or readable text; the access log goes there too."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn.access",):  # our access log replaces it, with the request id
        logging.getLogger(name).disabled = True
    return AccessLog(handler, json_lines=json_lines)
