"""Schemathesis against the served OpenAPI document: no 5xx, and every answer is what the document says.

Each operation is fuzzed as the caller its authorisation-matrix rule allows (citizen A, the household head, the
invitee, staff or the clinic; anonymous for public operations) on a fresh copy of the matrix's seeded world (a
PostgreSQL database made from a template), with a bounded, derandomised number of Hypothesis examples. See
docs/RELIABILITY.md, "Schema fuzzing".
"""

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies
from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.core.settings import Settings
from tests.security import fuzz_support
from tests.security.conftest import World

# Examples per operation (positive and negative together). 89 operations × this many requests must stay within
# about a minute of `make test` on a 2-core machine; raise it locally with ANSINH_FUZZ_EXAMPLES for a deeper run.
MAX_EXAMPLES = int(os.environ.get("ANSINH_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

SCHEMA = fuzz_support.load_schema()
OPERATIONS = {op.label: op for op in fuzz_support.operations(SCHEMA)}


def _cases() -> list[Any]:
    return [pytest.param(label, id=label) for label in OPERATIONS]


@dataclass
class Template:
    """The seeded world, saved once as a template database, and what the fuzzing needs to know about it."""

    world: World
    settings: Settings


@dataclass
class Fuzzing:
    """The run's fuzz databases, and the template once the first operation's test has built it."""

    databases: fuzz_support.FuzzDatabases
    template: Template | None = None


@pytest.fixture(scope="session")
def fuzzing(postgres_ready: str) -> Iterator[Fuzzing]:
    """The template and per-operation databases beside the tests' own; dropped when the session ends."""
    state = Fuzzing(fuzz_support.FuzzDatabases.beside(postgres_ready))
    yield state
    state.databases.drop()


@pytest.fixture
async def _world_disconnected(
    world: World, db_session: AsyncSession, engine: AsyncEngine, app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    """Close every connection the world was built through, so its database can be copied (a template must be alone).

    The fixtures' session and engine are on the test's event loop; the app's engine and hot-read pool on the test
    client's portal. Each reconnects if used again, and is closed again at its own teardown.
    """
    await db_session.close()
    await engine.dispose()
    client.blocking_portal.call(app.state.statements.close)
    client.blocking_portal.call(app.state.engine.dispose)


@pytest.fixture
def template(request: pytest.FixtureRequest, fuzzing: Fuzzing) -> Template:
    """The seeded world, built by the first operation's test (on the tests' database) and saved for the others."""
    if fuzzing.template is None:
        world: World = request.getfixturevalue("world")
        test_settings: Settings = request.getfixturevalue("settings")
        request.getfixturevalue("_world_disconnected")
        fuzzing.databases.save_template(test_settings.database)
        fuzzing.template = Template(world, test_settings)
    return fuzzing.template


def _strategy(operation: APIOperation, world: World) -> Any:
    """Valid requests, valid requests aimed at A's own resources, and invalid ones."""
    modes = [operation.as_strategy(GenerationMode.POSITIVE)]
    if fixed := fuzz_support.path_values(world, operation):
        modes.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))
    modes.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return strategies.one_of(modes)


@pytest.mark.parametrize("label", _cases())
def test_operation(label: str, template: Template, fuzzing: Fuzzing) -> None:
    """Generated requests never get a 5xx, and every answer matches the documented status, type and schema."""
    operation = OPERATIONS[label]
    headers = template.world.headers[fuzz_support.caller_for(label)]
    app = create_app(template.settings.model_copy(update={"database_url": fuzzing.databases.fresh_copy()}))
    started, sent = time.perf_counter(), 0

    with TestClient(app, base_url=fuzz_support.BASE_URL) as client:

        @given(case=_strategy(operation, template.world))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,  # the same examples on every run and machine: CI failures reproduce
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Case) -> None:
            nonlocal sent
            response = fuzz_support.send(client, case, headers)
            sent += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        fuzz()
    print(f"{label}: {sent} requests in {time.perf_counter() - started:.2f}s")
