"""Each due task finds exactly what is due on a given Vietnam date, and tells each event once."""

from datetime import date, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus
from ansinh.core.settings import Settings
from ansinh.households.models import ConsentState, Relation
from ansinh.identity.models import Person
from ansinh.jobs import due
from ansinh.notifications.models import Notification
from ansinh.records.models import Employer
from tests.factories import make_card, make_facility, make_person
from tests.households.conftest import Family, FamilyBuilder
from tests.records.conftest import make_employer, make_period

TODAY = date(2026, 11, 20)


async def all_notices(db: AsyncSession) -> list[Notification]:
    query = select(Notification).order_by(Notification.dedupe_key)  # type: ignore[arg-type]
    return list((await db.exec(query.execution_options(populate_existing=True))).all())


# --- arrears ------------------------------------------------------------------------------------------------------


async def test_arrears_covering_last_month_are_told_once_per_employer(
    db_session: AsyncSession, settings: Settings
) -> None:
    minh_phat = await make_employer(db_session, name="Công ty TNHH Minh Phát")
    song_hong = await make_employer(db_session)
    worker = await make_person(db_session)

    async def period(person: Person, employer: Employer, first: str, last: str, status: str = "arrears") -> None:
        await make_period(
            db_session, person.id, employer_id=employer.id, from_month=first, to_month=last, status=status
        )

    await period(worker, minh_phat, "2026-08", "2026-10")
    # A second row for the same employer and month (e.g. a salary change mid-period) is still one event.
    await period(worker, minh_phat, "2026-10", "2026-10")
    await period(worker, song_hong, "2026-10", "2026-11")
    await period(await make_person(db_session), minh_phat, "2026-11", "2026-11")  # this month: not yet
    await period(await make_person(db_session), minh_phat, "2026-10", "2026-10", status="paid")
    await period(await make_person(db_session), minh_phat, "2026-06", "2026-09")  # ended before last month

    assert await due.arrears_found(db_session, TODAY, settings) == 2
    notices = await all_notices(db_session)
    assert sorted((n.person_id, n.dedupe_key) for n in notices) == sorted(
        [(worker.id, f"arrears:2026-10:{minh_phat.id}"), (worker.id, f"arrears:2026-10:{song_hong.id}")]
    )
    told = next(n for n in notices if n.dedupe_key.endswith(f":{minh_phat.id}"))
    assert told.params == {"month": "2026-10", "employer": "Công ty TNHH Minh Phát", "employer_id": minh_phat.id}
    assert (told.kind, told.link, told.push_state) == ("arrears_found", "#/contributions", "pending")

    assert await due.arrears_found(db_session, TODAY, settings) == 0
    assert await due.arrears_found(db_session, TODAY + timedelta(days=5), settings) == 0  # still October's event
    assert len(await all_notices(db_session)) == 2


async def test_in_january_last_month_is_december_of_the_year_before(
    db_session: AsyncSession, settings: Settings
) -> None:
    employer = await make_employer(db_session)
    person = await make_person(db_session)
    await make_period(
        db_session, person.id, employer_id=employer.id, from_month="2026-12", to_month="2026-12", status="arrears"
    )
    assert await due.arrears_found(db_session, date(2027, 1, 1), settings) == 1
    [notice] = await all_notices(db_session)
    assert notice.dedupe_key == f"arrears:2026-12:{employer.id}"


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
