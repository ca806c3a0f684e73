"""Probes: load balancers rely on live/ready answering truthfully."""

from litestar.testing import AsyncTestClient

from ansinh.app import create_app
from ansinh.core.settings import Settings


async def test_live_answers_without_touching_the_database(client: AsyncTestClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_is_200_when_the_database_answers(client: AsyncTestClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_ready_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    broken = settings.model_copy(update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"})
    async with AsyncTestClient(app=create_app(broken)) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_every_response_carries_a_request_id(client: AsyncTestClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc123def456"})
    assert response.headers["x-request-id"] == "abc123def456"
    generated = await client.get("/health/live", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"
    assert len(generated.headers["x-request-id"]) == 32


async def test_answers_from_outside_any_route_carry_their_request_id_too(client: AsyncTestClient) -> None:
    # A 404 and a 405 are answered by the router, before any route: support still needs the id to find the log line.
    for response in (
        await client.get("/no/such/page", headers={"X-Request-ID": "lost-user-0001"}),
        await client.delete("/health/live", headers={"X-Request-ID": "lost-user-0001"}),
    ):
        assert response.status_code in (404, 405)
        assert response.headers["x-request-id"] == "lost-user-0001"
        assert response.headers["content-type"].startswith("application/problem+json")
