"""Schemathesis against the served OpenAPI document: no 5xx, and every answer is what the document says.

Each operation is fuzzed as the caller its authorisation-matrix rule allows (citizen A, the household head, the
invitee, staff or the clinic; anonymous for public operations) on a fresh copy of the matrix's seeded world, with
a bounded, derandomised number of Hypothesis examples. See docs/RELIABILITY.md, "Schema fuzzing".
"""

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies
from litestar.testing import TestClient
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
from sqlalchemy.engine import make_url

from ansinh.app import create_app
from ansinh.core.settings import Settings
from tests.conftest import fresh_database
from tests.security import fuzz_support
from tests.security.conftest import World
from tests.support import databases

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

# PostgreSQL doubles the run (and copies a database per operation), past the time `make test` can give: it is
# fuzzed there only on request, ANSINH_FUZZ_POSTGRES=1 with TEST_DATABASE_URL set.
FUZZ_POSTGRES = bool(databases.POSTGRES_URL and os.environ.get("ANSINH_FUZZ_POSTGRES"))
FUZZ_BACKENDS = ["sqlite", *(["postgresql"] if FUZZ_POSTGRES else [])]

SCHEMA = fuzz_support.load_schema()
OPERATIONS = {op.label: op for op in fuzz_support.operations(SCHEMA)}


def _cases() -> list[Any]:
    return [pytest.param(label, id=label) for label in OPERATIONS]


@pytest.fixture(params=FUZZ_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """tests/conftest.py's database, on the backends fuzzed here."""
    return fresh_database(request, tmp_path)


@dataclass
class Template:
    """The seeded world saved once per backend, and what the fuzzing needs to know about it."""

    world: World
    settings: Settings
    sqlite: Path | None = None  # the template file on SQLite
    postgres: str | None = None  # the template database's name on PostgreSQL


_TEMPLATES: dict[str, Template] = {}  # by backend: the world is built once, then copied per operation


@pytest.fixture(scope="session")
def _fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="session")
def _drop_fuzz_databases() -> Iterator[None]:
    yield
    if databases.POSTGRES_URL and (names := [t.postgres for t in _TEMPLATES.values() if t.postgres]):
        fuzz_support.drop_postgres(databases.POSTGRES_URL, *names, *(f"{n}_op" for n in names))


@pytest.fixture
def template(
    request: pytest.FixtureRequest, database_url: str, _fuzz_folder: Path, _drop_fuzz_databases: None
) -> Template:
    """The seeded world of this backend, built by the first operation's test and saved for the others."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    if backend not in _TEMPLATES:
        world: World = request.getfixturevalue("world")
        test_settings: Settings = request.getfixturevalue("settings")
        if backend == "sqlite":
            saved = Template(world, test_settings, sqlite=fuzz_support.snapshot_sqlite(database_url, _fuzz_folder))
        else:
            name = f"{make_url(database_url).database}_fuzz"
            fuzz_support.snapshot_postgres(database_url, name)
            saved = Template(world, test_settings, postgres=name)
        _TEMPLATES[backend] = saved
    return _TEMPLATES[backend]


def _fresh_settings(saved: Template, database_url: str, folder: Path) -> Settings:
    if saved.sqlite is not None:
        url = fuzz_support.fresh_sqlite(saved.sqlite, folder, "fuzz-op")
    else:
        assert saved.postgres is not None
        url = fuzz_support.fresh_postgres(database_url, saved.postgres, f"{saved.postgres}_op")
    return saved.settings.model_copy(update={"database_url": url})


def _strategy(operation: APIOperation, world: World) -> Any:
    """Valid requests, valid requests aimed at A's own resources, and invalid ones."""
    modes = [operation.as_strategy(GenerationMode.POSITIVE)]
    if fixed := fuzz_support.path_values(world, operation):
        modes.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))
    modes.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return strategies.one_of(modes)


@pytest.mark.parametrize("label", _cases())
def test_operation(label: str, template: Template, database_url: str, tmp_path: Path) -> None:
    """Generated requests never get a 5xx, and every answer matches the documented status, type and schema."""
    operation = OPERATIONS[label]
    headers = template.world.headers[fuzz_support.caller_for(label)]
    app = create_app(_fresh_settings(template, database_url, tmp_path))
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
