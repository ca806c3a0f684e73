"""Every kind of caller reaches only its own routes; the dev outbox exists only in dev."""

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.app import create_app
from ansinh.core.settings import Settings
from tests.factories import DEFAULT_PASSWORD, make_clinic_client, make_staff
from tests.identity.conftest import Citizen, bearer, sign_in


async def _clinic_token(client: AsyncTestClient, db_session: AsyncSession) -> str:
    await make_clinic_client(
        db_session, client_id="clinic-79024", secret="s3cret-clinic", code="79024", province_code="79"
    )
    response = await client.post(
        "/api/v1/clinic/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "clinic-79024",
            "client_secret": "s3cret-clinic",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["facility_code"] == "79024"
    assert response.headers["cache-control"] == "no-store"
    return body["access_token"]


async def test_clinic_token_with_form_or_basic_credentials(client: AsyncTestClient, db_session: AsyncSession) -> None:
    await _clinic_token(client, db_session)
    basic = await client.post(
        "/api/v1/clinic/token", data={"grant_type": "client_credentials"}, auth=("clinic-79024", "s3cret-clinic")
    )
    assert basic.status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "clinic-79024", "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "s3cret-clinic"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "password", "client_id": "clinic-79024", "client_secret": "s3cret-clinic"},
            400,
            "unsupported_grant_type",
        ),
    ],
)
async def test_clinic_token_refusals(
    client: AsyncTestClient, db_session: AsyncSession, form: dict[str, str], status: int, error: str
) -> None:
    await make_clinic_client(
        db_session, client_id="clinic-79024", secret="s3cret-clinic", code="79024", province_code="79"
    )
    response = await client.post("/api/v1/clinic/token", data=form)
    assert response.status_code == status
    assert response.json()["error"] == error


async def test_a_clinic_token_never_passes_a_citizen_guard(client: AsyncTestClient, db_session: AsyncSession) -> None:
    token = await _clinic_token(client, db_session)
    for path in ("/api/v1/me", "/api/v1/me/sessions", "/api/v1/me/security-events"):
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403, path
        assert response.json()["type"].endswith("/forbidden")


async def test_staff_sign_in_through_the_same_login(client: AsyncTestClient, db_session: AsyncSession) -> None:
    staff = await make_staff(db_session, username="staff.hanoi")
    tokens = await sign_in(client, "staff.hanoi", DEFAULT_PASSWORD, staff.email or "")
    me = (await client.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["role"] == "staff"
    assert me["si_code"] is None


async def test_citizen_profile_has_the_contract_fields(client: AsyncTestClient, citizen: Citizen) -> None:
    tokens = await sign_in(client, citizen.person.si_code, citizen.password, citizen.person.phone)
    me = (await client.get("/api/v1/me", headers=bearer(tokens))).json()
    assert me["si_code"] == citizen.person.si_code
    assert me["citizen_id"] == citizen.person.citizen_id
    assert me["date_of_birth"] == "1990-05-17"
    assert me["sex"] == "F"
    assert me["assurance_level"] == "basic"
    assert "password_hash" not in me


async def test_year_only_birth_dates_show_as_the_year(client: AsyncTestClient, db_session: AsyncSession) -> None:
    from datetime import date

    from tests.factories import make_citizen

    _, person = await make_citizen(db_session, date_of_birth=date(1948, 1, 1), birth_date_precision="year")
    tokens = await sign_in(client, person.si_code, DEFAULT_PASSWORD, person.phone)
    assert (await client.get("/api/v1/me", headers=bearer(tokens))).json()["date_of_birth"] == "1948"


async def test_dev_outbox_does_not_exist_in_prod(settings: Settings) -> None:
    prod = settings.model_copy(update={"env": "prod", "payment_hmac_secret": "p" * 40})
    async with AsyncTestClient(app=create_app(prod)) as client:
        assert (await client.get("/api/v1/dev/outbox")).status_code == 404
