"""Identity fixtures: a citizen who can sign in, and a helper that signs in through the API."""

import re
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.identity.models import Account, Person
from tests.factories import DEFAULT_PASSWORD, make_citizen


@dataclass
class Citizen:
    account: Account
    person: Person
    password: str = DEFAULT_PASSWORD


@pytest.fixture
async def citizen(db_session: AsyncSession) -> Citizen:
    account, person = await make_citizen(db_session)
    return Citizen(account, person)


async def latest_code(client: AsyncTestClient, destination: str) -> str:
    """The last code the dev outbox sent to ``destination``."""
    response = await client.get("/api/v1/dev/outbox", params={"to": destination})
    assert response.status_code == 200
    messages = response.json()
    assert messages, f"no message was sent to {destination}"
    match = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert match
    return match.group(1)


async def sign_in(client: AsyncTestClient, username: str, password: str, destination: str) -> dict[str, str]:
    """Password, then the OTP from the outbox; returns the token response."""
    login = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    code = await latest_code(client, destination)
    otp = await client.post("/api/v1/auth/otp", json={"challenge_id": login.json()["challenge_id"], "code": code})
    assert otp.status_code == 200, otp.text
    return otp.json()


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@pytest.fixture
async def other_citizen(db_session: AsyncSession) -> Citizen:
    account, person = await make_citizen(db_session, full_name="Phạm Văn Đức", sex="M")
    return Citizen(account, person)
