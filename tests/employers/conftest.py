"""Employer fixtures: two employers, an HR clerk of the first, their software tokens, and a bank that signs."""

from dataclasses import dataclass
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import utcnow
from ansinh.core.tokens import issue_access_token
from ansinh.employers.models import EmployerClient, EmployerMembership
from ansinh.employers.service import payment_body
from ansinh.households.provider import SIGNATURE_HEADER, sign
from ansinh.identity.models import Account, AccountRole, AccountStatus
from ansinh.records.models import Employer
from tests.cards.conftest import clinic
from tests.factories import DEFAULT_PASSWORD, password_hash
from tests.records.conftest import make_employer, token_for

__all__ = ["clinic"]

HR_EMAIL = "hr.songhong@example.com"
CLIENT_SECRET = "test-employer-secret"


@dataclass
class EmployerSide:
    """An employer and the headers of those acting for it."""

    employer: Employer
    hr: dict[str, str]
    software: dict[str, str]


def software_bearer(settings: Settings, code: str) -> dict[str, str]:
    """A declaration-software token for an employer, minted without HTTP."""
    token, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=f"employer-{code}",
        role="employer",
        extra={"emp": code},
    )
    return {"Authorization": f"Bearer {token}"}


async def make_hr(db: AsyncSession, *employers: Employer, username: str = "hr.songhong") -> Account:
    """An active HR clerk acting for ``employers``."""
    account = Account(
        username=username,
        role=AccountRole.EMPLOYER_STAFF,
        status=AccountStatus.ACTIVE,
        display_name="Trần Thu Hà",
        email=HR_EMAIL if username == "hr.songhong" else f"{username}@example.com",
        password_hash=password_hash(DEFAULT_PASSWORD),
    )
    db.add(account)
    await db.flush()
    for employer in employers:
        db.add(EmployerMembership(account_id=account.id, employer_id=employer.id))  # type: ignore[arg-type]
    await db.commit()
    return account


@pytest.fixture
async def ours(db_session: AsyncSession, settings: Settings, app: Litestar) -> EmployerSide:
    """Sông Hồng (region I, Hà Nội), its HR clerk and its software."""
    employer = await make_employer(db_session, code="TA0101A", tax_code="0100000101", address="Hà Nội")
    hr = await make_hr(db_session, employer)
    return EmployerSide(employer, await token_for(db_session, settings, hr), software_bearer(settings, employer.code))


@pytest.fixture
async def theirs(db_session: AsyncSession, settings: Settings, app: Litestar) -> EmployerSide:
    """Bến Thành (region I, TP.HCM), with an HR clerk of its own."""
    employer = await make_employer(db_session, code="TB0202B", name="Công ty CP Bến Thành", province_code="79")
    hr = await make_hr(db_session, employer, username="hr.benthanh")
    return EmployerSide(employer, await token_for(db_session, settings, hr), software_bearer(settings, employer.code))


async def make_client(db: AsyncSession, employer: Employer, client_id: str = "employer-TA0101A") -> EmployerClient:
    """The employer's declaration software credentials (secret CLIENT_SECRET)."""
    client = EmployerClient(
        client_id=client_id,
        secret_hash=password_hash(CLIENT_SECRET),
        employer_id=employer.id,
        name="Phần mềm",  # type: ignore[arg-type]
    )
    db.add(client)
    await db.commit()
    return client


async def bank_pays(
    client: AsyncTestClient, settings: Settings, *, code: str, amount: int, bank_ref: str, paid_on: date
) -> dict[str, str]:
    """Post the bank's signed callback for a payment; returns the answer body."""
    body = payment_body(bank_ref=bank_ref, employer_code=code, amount=amount, paid_on=paid_on)
    signature = sign(body, secret=settings.payment_hmac_secret, timestamp=int(utcnow().timestamp()))
    response = await client.post(
        "/api/v1/employer-payments/callback",
        content=body,
        headers={SIGNATURE_HEADER: signature, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    return response.json()
