"""Errors reach callers as RFC 9457 problem+json, in Vietnamese when asked, never leaking internals."""

import pytest
from litestar import Litestar, get, post
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient
from pydantic import BaseModel, Field

from ansinh.core.errors import EXCEPTION_HANDLERS, PROBLEM_MEDIA_TYPE, NotFound


class Payload(BaseModel):
    months: int = Field(ge=1, le=12)


@post("/things", sync_to_thread=False)
def create_thing(data: JSONBody[Payload]) -> dict[str, int]:
    return {"months": data.months}


@get("/missing", sync_to_thread=False)
def missing() -> None:
    raise NotFound("No such card.", "Không có thẻ này.")


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("secret internals: password=hunter2")


@pytest.fixture
async def error_client():
    app = Litestar([create_thing, missing, boom], exception_handlers=EXCEPTION_HANDLERS)  # type: ignore[arg-type]
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_validation_error_is_a_400_problem_naming_the_field(error_client: AsyncTestClient) -> None:
    response = await error_client.post("/things", json={"months": 13})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body = response.json()
    assert body["type"].endswith("/invalid-request")
    assert body["status"] == 400
    assert body["title"] == "Bad Request"
    assert any(error["key"] == "months" for error in body["errors"])


@pytest.mark.parametrize("body", [b'{"months": "\xff"}', b"\xfe\xff{}"])
async def test_a_body_that_is_not_utf8_is_a_400_problem(error_client: AsyncTestClient, body: bytes) -> None:
    response = await error_client.post("/things", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert response.json()["type"].endswith("/invalid-request")


async def test_detail_is_vietnamese_when_the_caller_prefers_it(error_client: AsyncTestClient) -> None:
    vi = await error_client.get("/missing", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    en = await error_client.get("/missing", headers={"Accept-Language": "en-US,en;q=0.9,vi;q=0.3"})
    assert vi.status_code == en.status_code == 404
    assert vi.json()["detail"] == "Không có thẻ này."
    assert en.json()["detail"] == "No such card."
    assert vi.json()["title"] == en.json()["title"] == "Not found"  # titles stay English and stable
    assert vi.headers["content-language"] == "vi"


async def test_unexpected_errors_are_500_problems_without_internals(error_client: AsyncTestClient) -> None:
    response = await error_client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert "hunter2" not in response.text
    assert response.json()["type"].endswith("/internal-error")


async def test_unknown_routes_and_methods_are_problems(client: AsyncTestClient) -> None:
    missing_route = await client.get("/api/v1/no-such-thing")
    assert missing_route.status_code == 404
    assert missing_route.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    wrong_method = await client.delete("/health/live")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["type"].endswith("/method-not-allowed")
