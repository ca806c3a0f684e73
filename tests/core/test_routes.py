"""Hot routes: documented as database readers, guarded like any other route, without a copy per request."""

from typing import Any

from litestar import Controller, Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody
from litestar.testing import TestClient

from ansinh.core.openapi import HOT_READS
from ansinh.core.routes import hot_get, hot_post

seen: list[BaseRouteHandler] = []


async def only_with_key(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    seen.append(handler)
    if connection.headers.get("x-key") != "open sesame":
        raise NotAuthorizedException()


class Things(Controller):
    path = "/things"
    guards = [only_with_key]

    @hot_get("", opt={"other": 1})
    async def read(self) -> dict[str, str]:
        return {"read": "ok"}

    @hot_post("", status_code=200)
    async def write(self, data: JSONBody[dict[str, str]]) -> dict[str, str]:
        return data


def test_hot_routes_run_their_guards_and_refuse_or_answer_as_any_route() -> None:
    with TestClient(Litestar([Things])) as client:
        assert client.get("/things").status_code == 401
        assert client.post("/things", json={"a": "b"}).status_code == 401
        assert client.get("/things", headers={"x-key": "open sesame"}).json() == {"read": "ok"}
        assert client.post("/things", json={"a": "b"}, headers={"x-key": "open sesame"}).json() == {"a": "b"}


def test_the_guard_gets_the_registered_handler_itself_and_it_says_it_reads_the_database() -> None:
    app = Litestar([Things])
    seen.clear()
    with TestClient(app) as client:
        client.get("/things", headers={"x-key": "open sesame"})
        client.get("/things", headers={"x-key": "open sesame"})
    registered = app.route_handler_method_map["/things"]["GET"]
    assert seen == [registered, registered]
    assert seen[0] is seen[1]  # no copy per request
    assert registered.opt == {"other": 1, HOT_READS: True}
