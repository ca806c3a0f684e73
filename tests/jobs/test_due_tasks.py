"""Each due task finds exactly what is due on a given Vietnam date, and tells each event once."""

from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus
from ansinh.core.settings import Settings
from ansinh.households.models import ConsentState, Relation
from ansinh.jobs import due
from ansinh.notifications.models import Notification
from tests.factories import make_card, make_facility, make_person
from tests.households.conftest import Family, FamilyBuilder

TODAY = date(2026, 11, 20)


async def all_notices(db: AsyncSession) -> list[Notification]:
    query = select(Notification).order_by(Notification.dedupe_key)  # type: ignore[arg-type]
    return list((await db.exec(query.execution_options(populate_existing=True))).all())


# --- cards --------------------------------------------------------------------------------------------------------


async def test_active_cards_ending_within_30_days_are_told_once(db_session: AsyncSession, settings: Settings) -> None:
    facility = await make_facility(db_session)

    async def card(valid_to: date, status: str = CardStatus.ACTIVE) -> tuple[int, str]:
        person = await make_person(db_session)
        row = await make_card(db_session, person=person, facility=facility, valid_to=valid_to, status=status)
        return person.id, row.serial  # type: ignore[return-value]

    today = await card(TODAY)
    day_30 = await card(TODAY + timedelta(days=30))
    await card(TODAY + timedelta(days=31))
    await card(TODAY - timedelta(days=1))  # already ended: not "ending soon"
    await card(TODAY + timedelta(days=10), CardStatus.WITHDRAWN)
    await card(TODAY + timedelta(days=10), CardStatus.SUSPENDED)

    assert await due.card_expiring(db_session, TODAY, settings) == 2
    notices = await all_notices(db_session)
    assert sorted((n.person_id, n.dedupe_key) for n in notices) == sorted(
        [
            (today[0], f"card-expiring:{today[1]}:{TODAY.isoformat()}"),
            (day_30[0], f"card-expiring:{day_30[1]}:{(TODAY + timedelta(days=30)).isoformat()}"),
        ]
    )
    assert {n.link for n in notices} == {"#/card"}
    assert await due.card_expiring(db_session, TODAY, settings) == 0
    # The next day the 31-day card enters the window; the two already told are not told again.
    assert await due.card_expiring(db_session, TODAY + timedelta(days=1), settings) == 1


# --- households ---------------------------------------------------------------------------------------------------


async def test_the_head_is_told_once_per_household_coverage_end_date(
    db_session: AsyncSession, settings: Settings, family: Family, builder: FamilyBuilder
) -> None:
    day_30 = TODAY + timedelta(days=30)
    await builder.add("Lê Thị An", born=date(2015, 1, 1), valid_to=day_30)
    await builder.add("Lê Văn Bình", born=date(2017, 1, 1), valid_to=day_30)
    await builder.add(
        "Lê Thị Cúc",
        born=date(1990, 1, 1),
        relation=Relation.SPOUSE,
        consent=ConsentState.GIVEN,
        valid_to=date(2026, 12, 5),
    )
    await builder.add(
        "Lê Văn Dũng",
        born=date(1960, 1, 1),
        relation=Relation.PARENT,
        consent=ConsentState.PENDING,
        valid_to=date(2026, 12, 1),
    )
    await builder.add("Lê Thị Em", born=date(2016, 1, 1), valid_to=TODAY + timedelta(days=31))
    await builder.add("Lê Văn Phúc", born=date(2012, 1, 1), group="HS", valid_to=date(2026, 12, 1))  # pupil scheme

    assert await due.household_payment_due(db_session, TODAY, settings) == 2
    notices = [n for n in await all_notices(db_session) if n.kind == "household_payment_due"]
    household_id = family.household.id
    assert [(n.person_id, n.dedupe_key, n.params["members"]) for n in notices] == [
        (family.head.person.id, f"household-due:{household_id}:2026-12-05", 1),
        (family.head.person.id, f"household-due:{household_id}:{day_30.isoformat()}", 2),
    ]
    assert notices[0].params["covered_until"] == "2026-12-05"
    assert {n.link for n in notices} == {"#/household"}
    assert await due.household_payment_due(db_session, TODAY, settings) == 0
