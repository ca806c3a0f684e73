"""``POST /api/token/take`` as hospital software calls it: by form with the upper-case MD5, by JSON with the lower-case
one; independent sessions; throttled sign-in that never locks a facility out; a password change ends every session."""

from datetime import datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.store import MemoryStore
from ansinh.core.time import utcnow
from ansinh.gateway import service
from tests.factories import clinic_bearer_for
from tests.gateway.conftest import (
    GATEWAY_PASSWORD,
    GATEWAY_USERNAME,
    GatewayFacility,
    md5_lower,
    md5_upper,
    signed_in,
    take,
)

Client = AsyncTestClient[Litestar]
CHECK_URL = "/api/egw/KQNhanLichSuKCB2024"


async def test_a_form_sign_in_with_the_upper_case_md5_opens_a_session_of_about_an_hour(
    client: Client, gateway_facility: GatewayFacility
) -> None:
    body = await take(client, form=True, username=GATEWAY_USERNAME, password=md5_upper())
    assert body["maKetQua"] == "200"
    api_key = body["APIKey"]
    assert set(api_key) == {"access_token", "id_token", "token_type", "username", "expires_in"}
    assert api_key["token_type"] == "Bearer"
    assert api_key["username"] == GATEWAY_USERNAME
    assert api_key["expires_in"].endswith("+07:00")
    lifetime = datetime.fromisoformat(api_key["expires_in"]) - utcnow()
    assert timedelta(minutes=55) < lifetime <= timedelta(hours=1)


async def test_a_json_sign_in_with_the_lower_case_md5_opens_a_session(
    client: Client, gateway_facility: GatewayFacility
) -> None:
    body = await take(client, username=GATEWAY_USERNAME, password=md5_lower())
    assert body["maKetQua"] == "200"
    assert body["APIKey"]["access_token"] != body["APIKey"]["id_token"]


async def test_a_refused_sign_in_is_http_200_with_401_and_no_api_key(
    client: Client, gateway_facility: GatewayFacility
) -> None:
    assert await take(client, username=GATEWAY_USERNAME, password=md5_lower("wrong")) == {"maKetQua": "401"}
    assert await take(client, username=GATEWAY_USERNAME, password=GATEWAY_PASSWORD) == {"maKetQua": "401"}  # not MD5
    assert await take(client, username="79999_BV", password=md5_lower()) == {"maKetQua": "401"}
    assert await take(client, username=GATEWAY_USERNAME) == {"maKetQua": "401"}
    response = await client.post("/api/token/take", content=b"{not json", headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (200, {"maKetQua": "401"})


async def test_every_sign_in_is_an_independent_session(client: Client, gateway_facility: GatewayFacility) -> None:
    first = await signed_in(client)
    second = await signed_in(client)
    assert first.token != second.token
    for session in (first, second):  # a new login ends none
        response = await client.post(CHECK_URL, params=session.query(), content=b"{}")
        assert response.json()["maKetQua"] != "401"


async def test_a_password_change_ends_every_session_and_the_new_password_signs_in(
    client: Client, app: Litestar, db_session: AsyncSession, gateway_facility: GatewayFacility
) -> None:
    session = await signed_in(client)
    changed = await service.set_password(
        db_session, app.state.store, username=GATEWAY_USERNAME, password="a-new-gateway-secret"
    )
    assert changed
    response = await client.post(CHECK_URL, params=session.query(), content=b"{}")
    assert response.json()["maKetQua"] == "401"
    assert await take(client, username=GATEWAY_USERNAME, password=md5_lower()) == {"maKetQua": "401"}
    renewed = await signed_in(client, password=md5_upper("a-new-gateway-secret"))
    response = await client.post(CHECK_URL, params=renewed.query(), content=b"{}")
    assert response.json()["maKetQua"] != "401"


async def test_failures_from_one_address_lock_out_only_that_address_for_that_account(
    client: Client, gateway_facility: GatewayFacility
) -> None:
    session = await signed_in(client)
    for _ in range(service.FAILURES_PER_ACCOUNT_AND_IP):
        assert await take(client, username=GATEWAY_USERNAME, password=md5_lower("guess")) == {"maKetQua": "401"}
    # The right password from the guessing address is refused now; the open session goes on working.
    assert await take(client, username=GATEWAY_USERNAME, password=md5_lower()) == {"maKetQua": "401"}
    response = await client.post(CHECK_URL, params=session.query(), content=b"{}")
    assert response.json()["maKetQua"] != "401"


async def test_a_guessed_username_does_not_lock_the_facility_out_of_its_own_address(
    db_session: AsyncSession, settings: Settings, gateway_facility: GatewayFacility
) -> None:
    store = MemoryStore()
    for _ in range(service.FAILURES_PER_ACCOUNT_AND_IP * 2):
        refused = await service.sign_in(
            db_session,
            store,
            secret_key=settings.secret_key,
            username=GATEWAY_USERNAME,
            password="0" * 32,
            ip="1.2.3.4",
        )
        assert refused is None
    opened = await service.sign_in(
        db_session, store, secret_key=settings.secret_key, username=GATEWAY_USERNAME, password=md5_upper(), ip="5.6.7.8"
    )
    assert opened is not None


async def test_one_address_has_a_budget_of_attempts_whatever_the_account(
    db_session: AsyncSession, settings: Settings, gateway_facility: GatewayFacility
) -> None:
    store = MemoryStore()
    for n in range(service.ATTEMPTS_PER_IP):
        await service.sign_in(
            db_session, store, secret_key=settings.secret_key, username=f"guess{n}_BV", password="0" * 32, ip="1.2.3.4"
        )
    over = await service.sign_in(
        db_session, store, secret_key=settings.secret_key, username=GATEWAY_USERNAME, password=md5_lower(), ip="1.2.3.4"
    )
    assert over is None
    elsewhere = await service.sign_in(
        db_session, store, secret_key=settings.secret_key, username=GATEWAY_USERNAME, password=md5_lower(), ip="5.6.7.8"
    )
    assert elsewhere is not None


async def test_a_gateway_token_is_not_a_bearer_token_on_the_api_and_an_api_token_is_no_session(
    client: Client, settings: Settings, gateway_facility: GatewayFacility
) -> None:
    session = await signed_in(client)
    response = await client.post(
        "/api/v1/clinic/verify",
        json={"token": "x", "staff_name": "Lê Thị Y Tá", "staff_citizen_id": "001190000123"},
        headers={"Authorization": f"Bearer {session.token}"},
    )
    assert response.status_code == 401
    api_token = clinic_bearer_for(settings, gateway_facility.client, gateway_facility.facility)["Authorization"][7:]
    query = {**session.query(), "token": api_token}
    response = await client.post(CHECK_URL, params=query, content=b"{}")
    assert (response.status_code, response.json()["maKetQua"]) == (200, "401")
