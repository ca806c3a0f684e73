"""Schema fuzzing support: the app's OpenAPI operations, who calls each, and a seeded database restored per operation.

The authorisation matrix's world (tests/security/conftest.py) is built once and saved as a template database
(CREATE DATABASE … TEMPLATE); every operation then runs on a fresh copy of it, so what one operation's examples
change (a revoked card, a signed-out session) never reaches the next operation or any other test.
"""

from dataclasses import dataclass
from typing import Any

import httpx
import schemathesis
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import Case
from schemathesis.schemas import APIOperation
from sqlalchemy.engine import make_url

from ansinh.app import create_app
from tests.security.conftest import ANONYMOUS, CITIZEN_A, CLINIC, HEAD, NO_CONSENT, STAFF, World
from tests.security.test_authorization_matrix import ANYONE, RULES, _collection_settings
from tests.support import databases

BASE_URL = "http://testserver.local"

# The signed-in caller an operation is fuzzed as: the first of these its matrix rule allows (A owns the resources
# the path parameters point at); public operations are fuzzed anonymously.
CALLER_PREFERENCE = (CITIZEN_A, HEAD, NO_CONSENT, STAFF, CLINIC)


def load_schema() -> Any:
    """The OpenAPI document the app serves at /schema/openapi.json, as a Schemathesis schema (no request needed)."""
    app = create_app(_collection_settings("dev"))
    return schemathesis.openapi.from_dict(app.openapi_schema.to_schema())


def operations(schema: Any) -> list[APIOperation]:
    """Every operation of the schema, in document order; an operation Schemathesis cannot read fails here."""
    return [result.ok() for result in schema.get_all_operations()]


def caller_for(label: str) -> str:
    """Who calls this operation: the matrix rule says who may; anonymous for the public ones."""
    rule = RULES[label]
    if rule.allow == ANYONE:
        return ANONYMOUS
    return next((caller for caller in CALLER_PREFERENCE if caller in rule.allow), ANONYMOUS)


# --- one database per operation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FuzzDatabases:
    """The fuzzing's databases on the tests' server, named after its database so that parallel runs never meet."""

    server_url: str
    template: str  # the seeded world, saved once
    operation: str  # the copy the current operation runs on

    @classmethod
    def beside(cls, server_url: str) -> "FuzzDatabases":
        prefix = f"{make_url(server_url).database}_fuzz"
        return cls(server_url, template=f"{prefix}_template", operation=f"{prefix}_op")

    def save_template(self, world_url: str) -> None:
        """Copy the world's database as the template; whoever was connected to it must have disconnected."""
        databases.create_postgres_database(self.server_url, self.template, template=make_url(world_url).database)

    def fresh_copy(self) -> str:
        """A copy of the template for one operation (the previous operation's copy is dropped); its URL."""
        return databases.create_postgres_database(self.server_url, self.operation, template=self.template)

    def drop(self) -> None:
        for name in (self.operation, self.template):
            databases.drop_postgres_database(self.server_url, name)


# --- sending a case --------------------------------------------------------------------------------------------------


def send(client: TestClient[Litestar], case: Case, headers: dict[str, str]) -> httpx.Response:
    """Send a generated case through Litestar's test client (in process, with the app's lifespan running)."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, str | bytes):
        body["content"] = data
    elif data is not None:
        body["data"] = data
    if kwargs.get("files"):
        body["files"] = kwargs["files"]
    sent_headers = dict(kwargs.get("headers") or {})
    if cookies := kwargs.get("cookies"):
        sent_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"), headers=sent_headers, **body)


def path_values(world: World, operation: APIOperation) -> dict[str, Any]:
    """A's resources for the operation's path parameters (the ones the world has)."""
    names = [p.name for p in operation.path_parameters]
    return {name: world.path_values[name] for name in names if name in world.path_values}
