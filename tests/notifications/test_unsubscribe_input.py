"""Unsubscribing with an endpoint no browser could send is invalid input, on every backend (PostgreSQL: NUL)."""

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from tests.factories import bearer_for, make_citizen
from tests.support.problems import assert_problem


@pytest.mark.parametrize("endpoint", ["https://push.example.net/a\x00b", "\x00", "https://push.example.net/\nx"])
async def test_control_characters_in_the_endpoint_are_a_400(
    endpoint: str, client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    account, _ = await make_citizen(db_session)
    response = await client.delete(
        "/api/v1/me/push-subscriptions", params={"endpoint": endpoint}, headers=bearer_for(settings, account)
    )
    assert_problem(response, 400, "invalid-request")


async def test_an_ordinary_endpoint_still_unsubscribes(
    client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    account, _ = await make_citizen(db_session)
    response = await client.delete(
        "/api/v1/me/push-subscriptions",
        params={"endpoint": "https://push.example.net/send/unknown"},
        headers=bearer_for(settings, account),
    )
    assert response.status_code == 204, response.text
