"""Factories for test data: each makes a valid row with overridable fields, unique per call."""

import hashlib
import itertools
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import HealthInsuranceCard
from ansinh.clinics.models import ClinicClient, FacilityAdmin, FacilityStaff
from ansinh.core.passwords import hash_password_sync
from ansinh.core.settings import Settings
from ansinh.core.tokens import CLINIC_TOKEN_TTL, issue_access_token
from ansinh.facilities.models import MedicalFacility
from ansinh.gateway.models import GatewayAccount
from ansinh.identity.models import Account, AccountRole, AccountStatus, Person

_counter = itertools.count(1)
DEFAULT_PASSWORD = "Correct-Horse-42"
# The checking staff member every test clinic registers unless told otherwise: (full name, citizen ID).
DEFAULT_STAFF = ("Lê Thị Y Tá", "001190000123")

# Argon2 costs ~90 ms; tests hash each distinct password once.
_hash_cache: dict[str, str] = {}


def password_hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password_sync(password)
    return _hash_cache[password]


async def make_person(db: AsyncSession, **overrides: Any) -> Person:
    n = next(_counter)
    fields: dict[str, Any] = {
        "si_code": f"79{n:08d}",
        "citizen_id": f"0790900{n:05d}",
        "full_name": "Trần Thị Bích",
        "date_of_birth": date(1990, 5, 17),
        "sex": "F",
        "province_code": "79",
        "address": "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
        "phone": f"0912{n:06d}",
        "email": f"person{n}@example.vn",
    }
    fields.update(overrides)
    person = Person(**fields)
    db.add(person)
    await db.commit()
    return person


async def make_citizen(
    db: AsyncSession,
    *,
    password: str | None = DEFAULT_PASSWORD,
    status: str = AccountStatus.ACTIVE,
    **person_fields: Any,
) -> tuple[Account, Person]:
    """A registry person with an account (active with ``password`` unless told otherwise)."""
    person = await make_person(db, **person_fields)
    account = Account(
        username=person.si_code,
        person_id=person.id,
        role=AccountRole.CITIZEN,
        status=status,
        password_hash=password_hash(password) if password else None,
    )
    db.add(account)
    await db.commit()
    return account, person


async def make_staff(db: AsyncSession, *, username: str = "staff.test", password: str = DEFAULT_PASSWORD) -> Account:
    account = Account(
        username=username,
        role=AccountRole.STAFF,
        status=AccountStatus.ACTIVE,
        display_name="Lê Văn Cán Bộ",
        email=f"{username}@ansinh.example",
        password_hash=password_hash(password),
    )
    db.add(account)
    await db.commit()
    return account


async def make_facility(db: AsyncSession, **overrides: Any) -> MedicalFacility:
    n = next(_counter)
    fields: dict[str, Any] = {
        "code": f"01{n % 1000:03d}",
        "name": "Bệnh viện Bạch Mai",
        "level": "central",
        "province_code": "01",
    }
    fields.update(overrides)
    facility = MedicalFacility(**fields)
    db.add(facility)
    await db.commit()
    return facility


async def make_clinic_client(
    db: AsyncSession,
    *,
    client_id: str = "clinic-test",
    secret: str = "clinic-test-secret",
    staff: tuple[tuple[str, str], ...] = (DEFAULT_STAFF,),
    **facility_fields: Any,
) -> tuple[ClinicClient, MedicalFacility]:
    """A facility with its clinic client and its registered checking ``staff`` ((name, citizen ID) pairs)."""
    facility = await make_facility(db, **facility_fields)
    client = ClinicClient(
        client_id=client_id, secret_hash=password_hash(secret), facility_id=facility.id, name=facility.name
    )
    db.add(client)
    await db.commit()
    for full_name, citizen_id in staff:
        await make_facility_staff(db, facility=facility, full_name=full_name, citizen_id=citizen_id)
    return client, facility


async def make_facility_staff(
    db: AsyncSession, *, facility: MedicalFacility, full_name: str, citizen_id: str
) -> FacilityStaff:
    """A staff member registered to check cards at ``facility``."""
    member = FacilityStaff(
        public_id=f"st{next(_counter):08d}", facility_id=facility.id, full_name=full_name, citizen_id=citizen_id
    )
    db.add(member)
    await db.commit()
    return member


async def make_card(
    db: AsyncSession, *, person: Person, facility: MedicalFacility, **overrides: Any
) -> HealthInsuranceCard:
    """A card in force for 2020–2099 (so tests do not age), level 4, for ``person`` at ``facility``."""
    n = next(_counter)
    fields: dict[str, Any] = {
        "serial": f"T{n:06d}",
        "number": person.si_code,
        "legacy_code": f"DN4{person.province_code}{person.si_code}",
        "beneficiary_group": "DN",
        "benefit_level": 4,
        "valid_from": date(2020, 1, 1),
        "valid_to": date(2099, 12, 31),
        "five_year_date": date(2025, 1, 1),
        "person_id": person.id,
        "primary_facility_id": facility.id,
    }
    fields.update(overrides)
    card = HealthInsuranceCard(**fields)
    db.add(card)
    await db.commit()
    return card


async def make_facility_admin(
    db: AsyncSession, *, facility: MedicalFacility, username: str = "admin.test", password: str = DEFAULT_PASSWORD
) -> Account:
    """A facility admin's account (role facility_admin) administering ``facility``."""
    account = Account(
        username=username,
        role=AccountRole.FACILITY_ADMIN,
        status=AccountStatus.ACTIVE,
        display_name="Phạm Thị Quản Trị",
        email=f"{username}@ansinh.example",
        password_hash=password_hash(password),
    )
    db.add(account)
    await db.commit()
    db.add(FacilityAdmin(account_id=account.id, facility_id=facility.id))  # type: ignore[arg-type]
    await db.commit()
    return account


def bearer_for(settings: Settings, account: Account) -> dict[str, str]:
    """An Authorization header for ``account`` without the sign-in ceremony (identity tests cover that)."""
    token, _ = issue_access_token(
        secret_key=settings.secret_key, issuer=settings.public_url, subject=str(account.id), role=account.role
    )
    return {"Authorization": f"Bearer {token}"}


def clinic_bearer_for(settings: Settings, client: ClinicClient, facility: MedicalFacility) -> dict[str, str]:
    """An Authorization header for a clinic client, as POST /clinic/token would issue it."""
    token, _ = issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=client.client_id,
        role="clinic",
        ttl=CLINIC_TOKEN_TTL,
        extra={"fac": facility.code},
    )
    return {"Authorization": f"Bearer {token}"}


async def make_gateway_account(
    db: AsyncSession, *, client: ClinicClient, username: str = "01001_BV", password: str = "gateway-test-secret"
) -> GatewayAccount:
    """The facility's gateway account: its password stored as Argon2 of the lower-case MD5 hex (what HIS sends)."""
    account = GatewayAccount(
        username=username,
        password_hash=password_hash(hashlib.md5(password.encode()).hexdigest()),  # noqa: S324  (the gateway's protocol)
        client_id=client.id,
    )
    db.add(account)
    await db.commit()
    return account
