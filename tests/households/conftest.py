"""Household fixtures: a head with a household, members of every kind, and signed-in headers for each."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import HealthInsuranceCard
from ansinh.core.settings import Settings
from ansinh.facilities.models import MedicalFacility
from ansinh.households.models import ConsentState, Household, HouseholdMember, Relation
from ansinh.identity.models import Account, Person
from tests.factories import bearer_for, make_card, make_citizen, make_facility, make_person


@dataclass
class Member:
    member: HouseholdMember
    person: Person
    account: Account | None
    card: HealthInsuranceCard | None
    headers: dict[str, str]  # empty when the member has no account


@dataclass
class Family:
    household: Household
    facility: MedicalFacility
    head: Member
    members: list[Member] = field(default_factory=list)

    def by_name(self, name: str) -> Member:
        return next(m for m in [self.head, *self.members] if m.person.full_name == name)


class FamilyBuilder:
    """Builds a household row by row: ``await family.add(...)`` in enrolment order."""

    def __init__(self, db: AsyncSession, settings: Settings, family: Family) -> None:
        self.db, self.settings, self.family = db, settings, family

    async def add(
        self,
        name: str,
        *,
        born: date,
        relation: str = Relation.CHILD,
        consent: str = ConsentState.NOT_REQUIRED,
        group: str | None = "GD",
        valid_to: date = date(2026, 12, 31),
        with_account: bool = False,
    ) -> Member:
        """A member with a card of ``group`` (None: no card), optionally able to sign in."""
        if with_account:
            account, person = await make_citizen(self.db, full_name=name, date_of_birth=born)
        else:
            account, person = None, await make_person(self.db, full_name=name, date_of_birth=born)
        order = 1 + len(self.family.members) + 1
        member = HouseholdMember(
            household_id=self.family.household.id,  # type: ignore[arg-type]
            person_id=person.id,  # type: ignore[arg-type]
            relation=relation,
            enrolment_order=order,
            consent=consent,
        )
        self.db.add(member)
        await self.db.commit()
        card = None
        if group is not None:
            card = await make_card(
                self.db,
                person=person,
                facility=self.family.facility,
                beneficiary_group=group,
                legacy_code=f"{group}4{person.province_code}{person.si_code}",
                valid_from=date(2026, 1, 1),
                valid_to=valid_to,
            )
        added = Member(member, person, account, card, bearer_for(self.settings, account) if account else {})
        self.family.members.append(added)
        return added


@pytest.fixture
async def family(db_session: AsyncSession, settings: Settings) -> Family:
    """A head (employed: DN card, covered elsewhere) with a household and no other members yet."""
    facility = await make_facility(db_session, code="79024", name="Bệnh viện Nhân dân 115", province_code="79")
    account, person = await make_citizen(db_session, full_name="Lê Văn Chủ Hộ", date_of_birth=date(1980, 3, 3))
    household = Household(
        code="HGD79TEST0001", address="12 Lê Lợi, Quận 1", province_code="79", head_person_id=person.id
    )  # type: ignore[arg-type]
    db_session.add(household)
    await db_session.commit()
    head_row = HouseholdMember(
        household_id=household.id,  # type: ignore[arg-type]
        person_id=person.id,  # type: ignore[arg-type]
        relation=Relation.HEAD,
        enrolment_order=1,
        consent=ConsentState.NOT_REQUIRED,
    )
    db_session.add(head_row)
    await db_session.commit()
    card = await make_card(db_session, person=person, facility=facility)
    head = Member(head_row, person, account, card, bearer_for(settings, account))
    return Family(household, facility, head)


@pytest.fixture
def builder(db_session: AsyncSession, settings: Settings, family: Family) -> FamilyBuilder:
    return FamilyBuilder(db_session, settings, family)
