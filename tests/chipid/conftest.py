"""Chip-ID fixtures: a test PKI (CSCA, document signers), a trust store folder, and citizens with synthetic cards."""

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import utcnow
from ansinh.core.tokens import issue_access_token
from ansinh.identity.models import Account, Person
from tests.factories import make_citizen
from tests.support import chip_pki

VERIFY = "/api/v1/me/chip-id/verify"
CHALLENGE = "/api/v1/me/chip-id/challenge"
ACTIVATE = "/api/v1/auth/activate/chip-id"
ACTIVATE_CHALLENGE = "/api/v1/auth/activate/chip-id/challenge"


@dataclass(frozen=True)
class Pki:
    csca: chip_pki.Party
    signer: chip_pki.Party  # RSA, PKCS#1 v1.5
    ec_signer: chip_pki.Party  # ECDSA P-256
    rogue_csca: chip_pki.Party  # not in the trust store
    rogue_signer: chip_pki.Party


@pytest.fixture(scope="session")
def pki() -> Pki:
    csca = chip_pki.make_csca()
    rogue = chip_pki.make_csca(name="CSCA Test Viet Nam")  # same name, another key: only the signature tells
    return Pki(
        csca=csca,
        signer=chip_pki.make_signer(csca),
        ec_signer=chip_pki.make_signer(csca, key=chip_pki.ec_key(), name="Document Signer EC"),
        rogue_csca=rogue,
        rogue_signer=chip_pki.make_signer(rogue),
    )


@pytest.fixture(scope="session")
def csca_dir(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("csca")
    (folder / "csca-vn.pem").write_bytes(pki.csca.pem)
    return folder


@pytest.fixture
def settings(settings: Settings, csca_dir: Path) -> Settings:
    """The shared test settings with the test CSCA as trust store."""
    return settings.model_copy(update={"csca_path": csca_dir})


def holder_of(person: Person) -> chip_pki.Holder:
    return chip_pki.Holder(
        citizen_id=person.citizen_id, full_name=person.full_name, date_of_birth=person.date_of_birth, sex=person.sex
    )


@dataclass
class CardHolder:
    account: Account
    person: Person
    chip: chip_pki.Chip
    headers: dict[str, str]


def citizen_headers(settings: Settings, account: Account, **kwargs: Any) -> dict[str, str]:
    """A bearer header for ``account`` (a password+OTP sign-in unless ``amr`` says otherwise)."""
    token, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=str(account.id),
        role=account.role,
        amr=kwargs.pop("amr", ["pwd+otp"]),
        auth_time=kwargs.pop("auth_time", utcnow() - timedelta(minutes=1)),
        **kwargs,
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def card_holder(db_session: AsyncSession, settings: Settings, pki: Pki) -> CardHolder:
    """A signed-in citizen and a chip (EC active authentication) issued to them."""
    account, person = await make_citizen(db_session, full_name="Nguyễn Thị Lan", sex="F")
    chip = chip_pki.make_chip(pki.signer, holder_of(person))
    return CardHolder(account, person, chip, citizen_headers(settings, account))


async def challenge(client: AsyncTestClient, headers: dict[str, str]) -> tuple[str, bytes]:
    """Ask for a nonce; returns (challenge id, nonce)."""
    import base64

    response = await client.post(CHALLENGE, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["challenge_id"], base64.b64decode(body["nonce"])
