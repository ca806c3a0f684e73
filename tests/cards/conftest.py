"""Card fixtures: a card holder, a clinic that checks cards, staff, and tokens minted at any moment."""

from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import keys
from ansinh.cards.models import HealthInsuranceCard
from ansinh.cards.service import token_payload
from ansinh.cards.tokens import sign_card_token
from ansinh.clinics.models import ClinicClient
from ansinh.core.settings import Settings
from ansinh.facilities.models import MedicalFacility
from ansinh.identity.models import Account, Person
from tests.factories import (
    bearer_for,
    clinic_bearer_for,
    make_card,
    make_citizen,
    make_clinic_client,
    make_facility,
    make_staff,
)

STAFF = {"staff_name": "Lê Thị Y Tá", "staff_citizen_id": "001190000123"}


@dataclass
class CardHolder:
    account: Account
    person: Person
    card: HealthInsuranceCard
    facility: MedicalFacility
    headers: dict[str, str]


@dataclass
class Clinic:
    client: ClinicClient
    facility: MedicalFacility
    headers: dict[str, str]


async def make_card_holder(
    db: AsyncSession, settings: Settings, facility: MedicalFacility, **person_fields: object
) -> CardHolder:
    account, person = await make_citizen(db, **person_fields)
    card = await make_card(db, person=person, facility=facility)
    return CardHolder(account, person, card, facility, bearer_for(settings, account))


@pytest.fixture
async def primary_facility(db_session: AsyncSession) -> MedicalFacility:
    return await make_facility(db_session, code="79024", name="Bệnh viện Nhân dân 115", province_code="79")


@pytest.fixture
async def holder(db_session: AsyncSession, settings: Settings, primary_facility: MedicalFacility) -> CardHolder:
    return await make_card_holder(db_session, settings, primary_facility)


@pytest.fixture
async def other_holder(db_session: AsyncSession, settings: Settings, primary_facility: MedicalFacility) -> CardHolder:
    return await make_card_holder(db_session, settings, primary_facility, full_name="Phạm Văn Đức", sex="M")


@pytest.fixture
async def clinic(db_session: AsyncSession, settings: Settings) -> Clinic:
    client, facility = await make_clinic_client(db_session, code="48001", name="Bệnh viện Đà Nẵng", province_code="48")
    return Clinic(client, facility, clinic_bearer_for(settings, client, facility))


@pytest.fixture
async def staff_headers(db_session: AsyncSession, settings: Settings) -> dict[str, str]:
    return bearer_for(settings, await make_staff(db_session))


async def mint_token(
    db: AsyncSession, settings: Settings, holder: CardHolder, *, now: datetime, kind: str = "online"
) -> str:
    """A genuine token of ``holder``'s card signed at ``now`` with the current key (bypasses the API's clock)."""
    ring = await keys.load_key_ring(db, kek_secret=settings.signing_kek_secret, now=now)
    payload = token_payload(holder.card, holder.person, holder.facility, issuer=settings.public_url, now=now, kind=kind)
    return sign_card_token(payload, private_key=ring.signing_key, kid=ring.signing_kid)
