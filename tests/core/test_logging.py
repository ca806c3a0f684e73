"""Logs: readable lines in development, JSON lines in production, and one access line per request that support can
find by the request id the client was given."""

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient
from pydantic import ValidationError

from ansinh.app import create_app
from ansinh.core.logging import AccessLog, TextFormatter, access_logger, configure_logging, request_id_var
from ansinh.core.settings import Settings
from tests.conftest import TEST_SECRET

ACCESS_FIELDS = ["ts", "level", "logger", "msg", "request_id", "method", "path", "status", "duration_ms"]
TEXT_ACCESS_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) \d+\.\d ms "
    r"rid=(?P<rid>[0-9a-f]{32})$"
)


@pytest.fixture(autouse=True)
def own_logging() -> Iterator[None]:
    """Each test configures logging for itself; the root logger is put back afterwards."""
    root = logging.getLogger()
    handlers, level, access_level = root.handlers[:], root.level, access_logger.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    access_logger.setLevel(access_level)


def prod_settings(**overrides: object) -> Settings:
    return Settings(
        env="prod",
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        secret_key=TEST_SECRET,
        payment_hmac_secret=TEST_SECRET,
        **overrides,  # type: ignore[arg-type]
    )


def test_development_logs_are_readable_and_production_logs_are_json_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(env="dev").log_json is False
    assert prod_settings().log_json is True
    assert Settings(env="dev", log_format="json").log_json is True
    assert prod_settings(log_format="text").log_json is False
    monkeypatch.setenv("ANSINH_LOG_FORMAT", "json")
    assert Settings(env="dev").log_json is True
    monkeypatch.setenv("ANSINH_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError):
        Settings(env="dev")


async def served_lines(settings: Settings, capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[list[str], list]:
    """The log lines a fresh app writes while serving ``paths`` (and shutting down), and the responses."""
    app = create_app(settings)  # logs to the stderr of its creation: the test's captured one
    async with AsyncTestClient(app=app) as client:
        responses = [await client.get(path) for path in paths]
    lines = capsys.readouterr().err.splitlines()
    return [line for line in lines if "httpx" not in line], responses  # not the test client's own log


async def test_production_writes_one_json_access_line_per_request_with_its_request_id(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    lines, responses = await served_lines(
        settings.model_copy(update={"log_level": "INFO", "log_format": "json"}),
        capsys,
        "/health/live",
        "/no/such/page",
    )
    access = [entry for entry in map(json.loads, lines) if entry["logger"] == "ansinh.access"]
    assert [list(entry) for entry in access] == [ACCESS_FIELDS, ACCESS_FIELDS]
    assert [(e["method"], e["path"], e["status"]) for e in access] == [
        ("GET", "/health/live", 200),
        ("GET", "/no/such/page", 404),
    ]
    assert [e["request_id"] for e in access] == [r.headers["x-request-id"] for r in responses]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["ts"]) for e in access)
    assert all((e["level"], e["msg"]) == ("info", "request") and e["duration_ms"] >= 0 for e in access)


async def test_development_writes_readable_access_lines_by_default(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings.is_dev
    lines, responses = await served_lines(
        settings.model_copy(update={"log_level": "INFO", "log_format": None}), capsys, "/health/live"
    )
    [line] = lines
    found = TEXT_ACCESS_LINE.match(line)
    assert found is not None, line
    assert (found["path"], found["status"], found["rid"]) == (
        "/health/live",
        "200",
        responses[0].headers["x-request-id"],
    )


async def test_a_path_cannot_forge_a_readable_line(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    lines, _ = await served_lines(
        settings.model_copy(update={"log_level": "INFO", "log_format": "text"}),
        capsys,
        "/health/x%0A2026-01-01 00:00:00 INFO GET /forged 200 0.1 ms",
    )
    [line] = lines
    assert " GET /health/x\\n2026-01-01 00:00:00 INFO GET /forged 200 0.1 ms 404 " in line  # the newline shown as \\n


async def test_a_log_level_above_info_writes_no_access_lines(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    lines, responses = await served_lines(settings.model_copy(update={"log_level": "WARNING"}), capsys, "/health/live")
    assert responses[0].status_code == 200
    assert lines == []


def logged_both_ways(json_lines: bool) -> tuple[str, str]:
    """One request's access line written directly, and the same request's as a record that another handler sees."""
    stream = io.StringIO()
    access_log = configure_logging("INFO", json_lines=json_lines, stream=stream)
    token = request_id_var.set("0123456789abcdef0123456789abcdef")
    try:
        access_log.write("0123456789abcdef0123456789abcdef", "POST", "/api/v1/clinic/verify", 201, 1.234)
        access_log.flush()
        logging.getLogger().addHandler(logging.NullHandler())  # someone else listens: the line goes as a record
        access_log.write("0123456789abcdef0123456789abcdef", "POST", "/api/v1/clinic/verify", 201, 1.234)
    finally:
        request_id_var.reset(token)
    direct, as_record = stream.getvalue().splitlines()
    return direct, as_record


def test_an_access_line_reads_the_same_whether_written_directly_or_as_a_record() -> None:
    direct, as_record = (json.loads(line) for line in logged_both_ways(json_lines=True))
    assert list(direct) == list(as_record) == ACCESS_FIELDS
    assert {**direct, "ts": ""} == {**as_record, "ts": ""}
    assert direct["duration_ms"] == 1.23

    direct_text, record_text = logged_both_ways(json_lines=False)
    assert (
        direct_text[19:]
        == record_text[19:]
        == " INFO POST /api/v1/clinic/verify 201 1.2 ms rid=" + "0123456789abcdef" * 2
    )


def test_a_log_capture_sees_each_access_record_at_once(caplog: pytest.LogCaptureFixture) -> None:
    access_log = configure_logging("WARNING", stream=io.StringIO())
    logging.getLogger().addHandler(caplog.handler)  # configure_logging replaced the root logger's handlers
    with caplog.at_level(logging.INFO):
        access_log.write("0123456789abcdef0123456789abcdef", "GET", "/health/live", 200, 0.5)
    [record] = [r for r in caplog.records if r.name == "ansinh.access"]
    assert (record.method, record.path, record.status) == ("GET", "/health/live", 200)  # type: ignore[attr-defined]


async def test_access_lines_are_written_at_the_end_of_the_event_loop_turn_together() -> None:
    stream = io.StringIO()
    access_log = configure_logging("INFO", stream=stream)
    for n in range(3):
        access_log.write(f"{n:032x}", "GET", "/health/live", 200, 0.5)
    assert stream.getvalue() == ""  # still in this turn
    await asyncio.sleep(0)
    assert [json.loads(line)["request_id"] for line in stream.getvalue().splitlines()] == [
        f"{n:032x}" for n in range(3)
    ]


async def test_a_full_batch_is_written_without_waiting_for_the_turn_to_end() -> None:
    stream = io.StringIO()
    access_log = configure_logging("INFO", stream=stream)
    assert isinstance(access_log, AccessLog)
    for n in range(access_log.batch):
        access_log.write(f"{n:032x}", "GET", "/health/live", 200, 0.5)
    assert len(stream.getvalue().splitlines()) == access_log.batch


def test_other_readable_lines_carry_the_request_id_too() -> None:
    record = logging.LogRecord("ansinh.identity", logging.WARNING, __file__, 1, "locked out", (), None)
    token = request_id_var.set("abc123def456")
    try:
        line = TextFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WARNING ansinh\.identity locked out rid=abc123def456", line)


async def test_request_ids_are_new_for_every_request_unless_a_safe_one_is_given(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        made = [(await client.get("/health/live")).headers["x-request-id"] for _ in range(3)]
        too_long = (await client.get("/health/live", headers={"X-Request-ID": "a" * 65})).headers["x-request-id"]
        kept = (await client.get("/health/live", headers={"X-Request-ID": "lb-7f3a.9_Z"})).headers["x-request-id"]
    assert len(set(made)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in [*made, too_long])
    assert kept == "lb-7f3a.9_Z"
