"""A row id past 64 bits names no row: it is a 400, never a driver overflow answered with a 500."""

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.params import MAX_ROW_ID
from ansinh.core.settings import Settings
from tests.factories import bearer_for, make_citizen
from tests.support.problems import assert_problem

TOO_BIG = 60182482518067942260736  # found by Schemathesis: asyncpg raised a DataError (a 500)

ROUTES = [
    ("DELETE", "/api/v1/me/passkeys/{id}"),
    ("POST", "/api/v1/households/invitations/{id}/accept"),
    ("GET", "/api/v1/households/mine/payments/{id}"),
    ("GET", "/api/v1/me/applications/{id}"),
    ("POST", "/api/v1/me/notifications/{id}/read"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_an_id_too_large_is_invalid_input(
    method: str, path: str, client: AsyncTestClient[Litestar], db_session: AsyncSession, settings: Settings
) -> None:
    account, _ = await make_citizen(db_session)
    headers = bearer_for(settings, account)
    for bad in (TOO_BIG, MAX_ROW_ID + 1, 0):
        response = await client.request(method, f"{path.format(id=bad)}", headers=headers)
        assert_problem(response, 400, "invalid-request")
    # The largest id is still an id: nobody's, so not found.
    response = await client.request(method, path.format(id=MAX_ROW_ID), headers=headers)
    assert response.status_code == 404, response.text
