"""Gateway fixtures: a facility with its clinic client, registered staff and gateway account; sign-in as HIS does."""

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import ClinicClient
from ansinh.facilities.models import MedicalFacility
from ansinh.gateway.models import GatewayAccount
from tests.factories import make_clinic_client, make_gateway_account

TAKE_URL = "/api/token/take"
GATEWAY_USERNAME = "01001_BV"
GATEWAY_PASSWORD = "gateway-test-secret"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def md5_upper(password: str = GATEWAY_PASSWORD) -> str:
    """The password as the gateway's own guide sends it: the upper-case MD5 hex."""
    return hashlib.md5(password.encode()).hexdigest().upper()  # noqa: S324  (the gateway's protocol)


def md5_lower(password: str = GATEWAY_PASSWORD) -> str:
    """The password as most JSON clients send it: the lower-case MD5 hex."""
    return hashlib.md5(password.encode()).hexdigest()  # noqa: S324  (the gateway's protocol)


@dataclass
class GatewayFacility:
    client: ClinicClient
    facility: MedicalFacility
    account: GatewayAccount


@dataclass
class Session:
    """A session as a HIS keeps it: the four values it repeats on every call."""

    token: str
    id_token: str
    username: str
    password: str

    def query(self) -> dict[str, str]:
        """The card check's query string."""
        return {"token": self.token, "id_token": self.id_token, "username": self.username, "password": self.password}

    def headers(self) -> dict[str, str]:
        """The QĐ 130 routes' session headers."""
        return {"accessToken": self.token, "tokenId": self.id_token, "passwordHash": self.password}


@pytest.fixture
async def gateway_facility(db_session: AsyncSession) -> GatewayFacility:
    client, facility = await make_clinic_client(
        db_session, client_id="clinic-01001", code="01001", name="Bệnh viện Bạch Mai", province_code="01"
    )
    account = await make_gateway_account(
        db_session, client=client, username=GATEWAY_USERNAME, password=GATEWAY_PASSWORD
    )
    return GatewayFacility(client, facility, account)


async def take(client: AsyncTestClient[Litestar], *, form: bool = False, **fields: str) -> dict[str, Any]:
    """``POST /api/token/take`` by form or JSON; the gateway answers HTTP 200 whatever the outcome."""
    if form:
        response = await client.post(TAKE_URL, content="&".join(f"{k}={v}" for k, v in fields.items()), headers=FORM)
    else:
        response = await client.post(TAKE_URL, json=fields)
    assert response.status_code == 200, response.text
    return response.json()


async def signed_in(client: AsyncTestClient[Litestar], *, password: str | None = None) -> Session:
    """A session opened by JSON with the lower-case MD5, as most HIS clients do."""
    sent = password or md5_lower()
    body = await take(client, username=GATEWAY_USERNAME, password=sent)
    assert body["maKetQua"] == "200", body
    return Session(body["APIKey"]["access_token"], body["APIKey"]["id_token"], GATEWAY_USERNAME, sent)
