"""A lost database answers a retryable 503 problem; a broken query is still a 500."""

import pytest
from litestar import get
from litestar.logging.config import LoggingConfig
from litestar.testing import create_test_client
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ansinh.core.errors import EXCEPTION_HANDLERS
from tests.support.problems import assert_problem


class _Orig(Exception):
    def __init__(self, sqlstate: str | None = None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


# as in create_app: the handlers log; Litestar's default config would also print every traceback at INFO
QUIET = LoggingConfig(configure_root_logger=False, log_exceptions="never")


def _raising(exc: Exception) -> object:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise exc

    return boom


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connection refused"),  # asyncpg's connect, unwrapped
        ConnectionResetError(104, "Connection reset by peer"),
        OperationalError("SELECT 1", {}, _Orig()),
        InterfaceError("SELECT 1", {}, _Orig(), connection_invalidated=True),  # closed in the middle of a query
        DBAPIError("SELECT 1", {}, _Orig("57P03")),  # the database system is starting up
        DBAPIError("SELECT 1", {}, _Orig("08006")),  # connection failure
        PoolTimeout("QueuePool limit reached"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_an_unreachable_database_answers_503(exc: Exception) -> None:
    with create_test_client([_raising(exc)], exception_handlers=EXCEPTION_HANDLERS, logging_config=QUIET) as client:  # type: ignore[arg-type]
        response = client.get("/boom")
    body = assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"] == "5"
    assert "driver" not in body["detail"]


@pytest.mark.parametrize(
    "exc",
    [ProgrammingError("SELEC 1", {}, _Orig("42601")), DBAPIError("SELECT 1", {}, _Orig("22012"))],
    ids=["syntax", "division-by-zero"],
)
def test_a_failing_query_is_still_our_fault(exc: Exception) -> None:
    with create_test_client([_raising(exc)], exception_handlers=EXCEPTION_HANDLERS, logging_config=QUIET) as client:  # type: ignore[arg-type]
        response = client.get("/boom")
    assert_problem(response, 500, "internal-error")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/password/reset", {"username": "Ff\u0000"}),
        ("/api/v1/auth/login", {"username": "01\u000000001", "password": "whatever-password"}),
    ],
)
async def test_a_nul_byte_in_a_field_is_never_a_500(client, path: str, body: dict[str, str]) -> None:
    """PostgreSQL cannot store NUL in text (found by Schemathesis on the password reset)."""
    response = await client.post(path, json=body)
    assert response.status_code < 500
    if response.status_code == 400:
        assert response.headers["content-type"].startswith("application/problem+json")
