"""Who may act for which employer: HR clerks sign in with password and code, software with client credentials;
nothing crosses from one employer to another, and citizens and employers stay out of each other's routes."""

import base64

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from tests.employers.conftest import CLIENT_SECRET, HR_EMAIL, EmployerSide, make_client, make_hr
from tests.factories import DEFAULT_PASSWORD, make_citizen
from tests.identity.conftest import bearer, sign_in
from tests.records.conftest import token_for
from tests.support.problems import assert_problem

# Every employer route, as (method, path under /api/v1/employers/{code}, JSON body).
EMPLOYER_ROUTES = [
    ("GET", "", None),
    ("GET", "/workers", None),
    ("GET", "/dues?month=2026-11", None),
    ("GET", "/arrears", None),
    (
        "POST",
        "/declarations",
        {
            "month": "2026-11",
            "lines": [{"kind": "leave", "si_code": "0100000001", "from_month": "2026-11", "reason": "stopped"}],
        },
    ),
    ("POST", "/declarations/upload?month=2026-11", None),
    ("GET", "/declarations", None),
    ("GET", "/declarations/1", None),
    ("GET", "/payments", None),
    ("GET", "/payment-plans", None),
]


async def test_hr_clerk_signs_in_with_password_and_code_and_sees_only_their_employers(
    client: AsyncTestClient, ours: EmployerSide, theirs: EmployerSide
) -> None:
    tokens = await sign_in(client, "hr.songhong", DEFAULT_PASSWORD, HR_EMAIL)
    mine = await client.get("/api/v1/employers/", headers=bearer(tokens))
    assert mine.status_code == 200, mine.text
    assert mine.json() == [
        {
            "code": "TA0101A",
            "name": "Công ty TNHH Sông Hồng",
            "tax_code": "0100000101",
            "address": "Hà Nội",
            "province_code": "01",
            "wage_region": "I",
        }
    ]
    other = await client.get(f"/api/v1/employers/{theirs.employer.code}", headers=bearer(tokens))
    assert_problem(other, 403, "forbidden")


async def test_a_clerk_may_act_for_several_employers(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide, theirs: EmployerSide
) -> None:
    both = await make_hr(db_session, ours.employer, theirs.employer, username="hr.both")
    headers = await token_for(db_session, settings, both)
    mine = await client.get("/api/v1/employers/", headers=headers)
    assert [e["code"] for e in mine.json()] == ["TA0101A", "TB0202B"]
    for code in ("TA0101A", "TB0202B"):
        response = await client.get(f"/api/v1/employers/{code}/arrears", headers=headers)
        assert response.status_code == 200, response.text


async def test_software_gets_a_token_naming_its_employer(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide, theirs: EmployerSide
) -> None:
    await make_client(db_session, ours.employer)
    form = {"grant_type": "client_credentials", "client_id": "employer-TA0101A", "client_secret": CLIENT_SECRET}
    response = await client.post("/api/v1/employer/token", data=form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["employer_code"] == "TA0101A"
    assert body["expires_in"] == 600
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await client.get("/api/v1/employers/TA0101A", headers=headers)).json()["code"] == "TA0101A"
    assert_problem(await client.get("/api/v1/employers/TB0202B", headers=headers), 403, "forbidden")
    assert [e["code"] for e in (await client.get("/api/v1/employers/", headers=headers)).json()] == ["TA0101A"]

    basic = base64.b64encode(f"employer-TA0101A:{CLIENT_SECRET}".encode()).decode()
    by_basic = await client.post(
        "/api/v1/employer/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert by_basic.status_code == 200
    assert by_basic.json()["employer_code"] == "TA0101A"


async def test_software_token_is_refused_for_a_wrong_secret_or_grant(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    await make_client(db_session, ours.employer)
    wrong = {"grant_type": "client_credentials", "client_id": "employer-TA0101A", "client_secret": "guess"}
    body = assert_problem(await client.post("/api/v1/employer/token", data=wrong), 401, "invalid-client")
    assert body["error"] == "invalid_client"
    unknown = {**wrong, "client_id": "employer-NOPE", "client_secret": CLIENT_SECRET}
    assert_problem(await client.post("/api/v1/employer/token", data=unknown), 401, "invalid-client")
    grant = {**wrong, "grant_type": "password", "client_secret": CLIENT_SECRET}
    assert_problem(await client.post("/api/v1/employer/token", data=grant), 400, "unsupported-grant-type")


@pytest.mark.parametrize(("method", "path", "body"), EMPLOYER_ROUTES)
async def test_nothing_crosses_employers(
    client: AsyncTestClient, ours: EmployerSide, theirs: EmployerSide, method: str, path: str, body: object
) -> None:
    for headers in (ours.hr, ours.software):
        response = await client.request(
            method,
            f"/api/v1/employers/{theirs.employer.code}{path}",
            headers={
                **headers,
                "Idempotency-Key": "k1",
                "Content-Type": "text/csv" if body is None else "application/json",
            },
            **({"json": body} if body is not None else {"content": b"x" if method == "POST" else None}),
        )
        assert_problem(response, 403, "forbidden")


@pytest.mark.parametrize(("method", "path", "body"), EMPLOYER_ROUTES)
async def test_citizens_staff_and_strangers_are_kept_out_of_employer_routes(
    client: AsyncTestClient,
    db_session: AsyncSession,
    settings: Settings,
    ours: EmployerSide,
    method: str,
    path: str,
    body: object,
) -> None:
    account, _ = await make_citizen(db_session)
    citizen = await token_for(db_session, settings, account)
    url = f"/api/v1/employers/{ours.employer.code}{path}"
    kwargs = {"json": body} if body is not None else {}
    assert_problem(await client.request(method, url, headers=citizen, **kwargs), 403, "forbidden")
    assert (await client.request(method, url, **kwargs)).status_code == 401


async def test_employers_cannot_read_citizen_routes(client: AsyncTestClient, ours: EmployerSide) -> None:
    for headers in (ours.hr, ours.software):
        assert_problem(await client.get("/api/v1/me/contributions", headers=headers), 403, "forbidden")
        assert_problem(await client.get("/api/v1/me/card", headers=headers), 403, "forbidden")


async def test_an_hr_clerk_signs_out_and_the_session_ends(client: AsyncTestClient, ours: EmployerSide) -> None:
    """The employer's page signs out through POST /auth/logout: the clerk's tokens stop working."""
    tokens = await sign_in(client, "hr.songhong", DEFAULT_PASSWORD, HR_EMAIL)
    headers = bearer(tokens)
    assert (await client.get("/api/v1/employers", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/employers", headers=headers)).status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401
    # Machine clients have no session to end.
    assert_problem(await client.post("/api/v1/auth/logout", headers=ours.software), 403, "forbidden")
