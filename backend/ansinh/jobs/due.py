"""Due tasks that find what citizens should hear about today; each notifies once per event (its dedupe key)."""

from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus, HealthInsuranceCard
from ansinh.core.settings import Settings
from ansinh.households.models import Household, HouseholdMember
from ansinh.households.service import HOUSEHOLD_GROUP, VISIBLE_CONSENT
from ansinh.notifications.models import NotificationKind
from ansinh.notifications.service import notify

EXPIRY_WINDOW = timedelta(days=30)  # "within 30 days": valid_to no later than today + 30


async def card_expiring(db: AsyncSession, today: date, settings: Settings) -> int:
    """Active cards ending within 30 days (not already ended): one notice per card serial and end date."""
    rows = await db.exec(
        select(HealthInsuranceCard.person_id, HealthInsuranceCard.serial, HealthInsuranceCard.valid_to).where(
            HealthInsuranceCard.status == CardStatus.ACTIVE,
            col(HealthInsuranceCard.valid_to) >= today,
            col(HealthInsuranceCard.valid_to) <= today + EXPIRY_WINDOW,
        )
    )
    created = 0
    for person_id, serial, valid_to in rows.all():
        added = await notify(
            db,
            person_id=person_id,
            kind=NotificationKind.CARD_EXPIRING,
            dedupe_key=f"card-expiring:{serial}:{valid_to.isoformat()}",
            params={"serial": serial, "valid_to": valid_to.isoformat()},
            link="#/card",
        )
        created += added is not None
    await db.commit()
    return created


async def household_payment_due(db: AsyncSession, today: date, settings: Settings) -> int:
    """Household-scheme coverage ending within 30 days: tell the head once per household and end date.

    As billing prices them: members who consented (or need not) whose household (GD) card is active; paying
    continues their card from its end date, so once paid the card ends later and nothing is due.
    """
    rows = await db.exec(
        select(Household.id, Household.head_person_id, HealthInsuranceCard.valid_to, HouseholdMember.person_id)
        .join(HouseholdMember, col(HouseholdMember.household_id) == col(Household.id))
        .join(HealthInsuranceCard, col(HealthInsuranceCard.person_id) == col(HouseholdMember.person_id))
        .where(
            col(HouseholdMember.consent).in_([c.value for c in VISIBLE_CONSENT]),
            HealthInsuranceCard.beneficiary_group == HOUSEHOLD_GROUP,
            HealthInsuranceCard.status == CardStatus.ACTIVE,
            col(HealthInsuranceCard.valid_to) >= today,
            col(HealthInsuranceCard.valid_to) <= today + EXPIRY_WINDOW,
        )
    )
    due: dict[tuple[int, int, date], set[int]] = {}
    for household_id, head_person_id, valid_to, member_person_id in rows.all():
        due.setdefault((household_id, head_person_id, valid_to), set()).add(member_person_id)
    created = 0
    for (household_id, head_person_id, valid_to), members in sorted(due.items()):
        added = await notify(
            db,
            person_id=head_person_id,
            kind=NotificationKind.HOUSEHOLD_PAYMENT_DUE,
            dedupe_key=f"household-due:{household_id}:{valid_to.isoformat()}",
            params={"household_id": household_id, "covered_until": valid_to.isoformat(), "members": len(members)},
            link="#/household",
        )
        created += added is not None
    await db.commit()
    return created
