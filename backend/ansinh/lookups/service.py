"""Public look-ups (no sign-in): medical facilities, whether a card is valid, and the legal tables in force."""

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import DEAD_STATUSES, HealthInsuranceCard
from ansinh.cards.results import card_standing
from ansinh.clinics.checks import normalise_name
from ansinh.core.errors import InvalidInput
from ansinh.core.pagination import fetch_page
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.store import SharedStore
from ansinh.facilities.models import FacilityLevel, MedicalFacility
from ansinh.identity.models import Person
from ansinh.identity.service import birth_date_matches
from ansinh.records.tables import BASE_SALARY, CONTRIBUTION_RATES

FACILITY_LIMIT = RateLimit(count=60, window=60)
CARD_LOOKUP_IP_LIMIT = RateLimit(count=10, window=60)
CARD_LOOKUP_NUMBER_LIMIT = RateLimit(count=5, window=600)  # per card: guessing names and birth dates stays slow


class FacilityPublic(BaseModel):
    """A medical facility (cơ sở khám chữa bệnh)."""

    code: str
    name: str
    level: str
    province_code: str
    address: str | None


class CardValidityRequest(BaseModel):
    """A card and its holder, as printed."""

    card_number: str = Field(pattern=r"^[0-9]{10}$")
    full_name: str = Field(min_length=1, max_length=120)
    date_of_birth: str = Field(pattern=r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$")


class CardValidity(BaseModel):
    """Only whether the card is in force and until when; nothing about the holder."""

    found: bool = Field(description="False when number, name and birth date do not match one card")
    valid: bool | None
    valid_to: date | None


class BaseSalaryRow(BaseModel):
    effective_from: date
    amount: int
    legal_basis: str
    in_force: bool


class RateRowPublic(BaseModel):
    fund: str
    effective_from: date
    employer_percent: str
    employee_percent: str
    legal_basis: str
    in_force: bool


async def facilities(
    db: AsyncSession,
    store: SharedStore,
    *,
    ip: str,
    query: str | None,
    province: str | None,
    level: str | None,
    limit: int,
    offset: int,
) -> tuple[list[FacilityPublic], int]:
    """Facilities by name or code, province and level, ordered by code."""
    await hit(store, f"facility-lookup:{ip}", FACILITY_LIMIT)
    if province is not None and not (len(province) == 2 and province.isdigit()):
        raise InvalidInput("province is a 2-digit province code.", "Mã tỉnh gồm 2 chữ số.")
    if level is not None and level not in {lv.value for lv in FacilityLevel}:
        raise InvalidInput("Unknown facility level.", "Tuyến không hợp lệ.")
    conditions = []
    if query:
        text = query.strip()
        conditions.append(
            or_(func.lower(MedicalFacility.name).contains(text.lower()), col(MedicalFacility.code).startswith(text))
        )
    if province:
        conditions.append(MedicalFacility.province_code == province)
    if level:
        conditions.append(MedicalFacility.level == level)
    where = and_(*conditions) if conditions else true()
    rows, total = await fetch_page(
        db,
        select(MedicalFacility).order_by(col(MedicalFacility.code)),
        count_from=MedicalFacility,
        where=where,
        limit=limit,
        offset=offset,
    )
    return [FacilityPublic.model_validate(r, from_attributes=True) for r in rows], total


async def card_validity(
    db: AsyncSession, store: SharedStore, *, ip: str, request: CardValidityRequest, today: date
) -> CardValidity:
    """Valid or not, and until when — the same "not found" for a wrong number, name or birth date."""
    await hit(store, f"card-lookup-ip:{ip}", CARD_LOOKUP_IP_LIMIT)
    await hit(store, f"card-lookup-number:{request.card_number}", CARD_LOOKUP_NUMBER_LIMIT)
    row = (
        await db.exec(
            select(HealthInsuranceCard, Person)
            .join(Person, col(Person.id) == col(HealthInsuranceCard.person_id))
            .where(
                HealthInsuranceCard.number == request.card_number, col(HealthInsuranceCard.status).not_in(DEAD_STATUSES)
            )
        )
    ).first()
    if row is None:
        return CardValidity(found=False, valid=None, valid_to=None)
    card, person = row
    if normalise_name(person.full_name) != normalise_name(request.full_name) or not birth_date_matches(
        person, request.date_of_birth
    ):
        return CardValidity(found=False, valid=None, valid_to=None)
    standing = card_standing(
        status=card.status,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        today=today,
        beneficiary_group=card.beneficiary_group,
        decrease_reason=card.decrease_reason,
    )
    return CardValidity(found=True, valid=standing.valid, valid_to=card.valid_to)


def base_salary_table(today: date) -> list[BaseSalaryRow]:
    """Every base salary (lương cơ sở) with its legal basis; the one in force today is marked."""
    current = BASE_SALARY.in_force(today)
    return [
        BaseSalaryRow(
            effective_from=r.effective_from, amount=r.amount, legal_basis=r.legal_basis, in_force=r is current
        )
        for r in BASE_SALARY.rows
    ]


def contribution_rate_table(today: date) -> list[RateRowPublic]:
    """Employer and employee rates per fund, with history; the rows in force today are marked."""
    rows = []
    for fund, table in CONTRIBUTION_RATES.items():
        current = table.in_force(today)
        rows += [
            RateRowPublic(
                fund=fund,
                effective_from=r.effective_from,
                employer_percent=f"{r.employer_bp / 100:g}",
                employee_percent=f"{r.employee_bp / 100:g}",
                legal_basis=r.legal_basis,
                in_force=r is current,
            )
            for r in table.rows
        ]
    return rows
