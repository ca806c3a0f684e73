"""Coverage follows the declarations: a hire gets a card, a leave keeps the card to the end of its month and then
reports it reduced with the leave's code (120-124) unless an employer or a paid household coverage takes over; the
workers are told each step once. Dates follow the calendar: months are this month and the next (the API refuses
later ones)."""

from datetime import date, timedelta

from litestar.testing import AsyncTestClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardStatus, HealthInsuranceCard
from ansinh.cards.results import CheckResult
from ansinh.cards.service import standing_of
from ansinh.core.settings import Settings
from ansinh.core.time import add_months, month_of, today_vn, utcnow
from ansinh.employers import coverage, rules
from ansinh.employers.models import CoverageChange
from ansinh.households.models import Household, HouseholdPayment, HouseholdPaymentLine, PaymentStatus
from ansinh.identity.models import Person
from ansinh.notifications.models import Notification
from ansinh.notifications.service import public
from tests.cards.conftest import Clinic
from tests.employers.conftest import EmployerSide
from tests.employers.test_declarations import declare
from tests.factories import DEFAULT_PASSWORD, make_card, make_citizen, make_facility
from tests.identity.conftest import bearer, sign_in

THIS_MONTH = month_of(today_vn())
NEXT_MONTH = add_months(THIS_MONTH, 1)
LAST_MONTH = add_months(THIS_MONTH, -1)
FIRST_OF_NEXT = rules.coverage_start(NEXT_MONTH)
END_OF_THIS = FIRST_OF_NEXT - timedelta(days=1)
STAFF = {"staff_name": "Lê Thị Y Tá", "staff_citizen_id": "001190000123"}


async def live_card_of(db: AsyncSession, person: Person) -> HealthInsuranceCard:
    found = await db.exec(
        select(HealthInsuranceCard)
        .where(HealthInsuranceCard.person_id == person.id, col(HealthInsuranceCard.status).not_in(["replaced"]))
        .execution_options(populate_existing=True)
    )
    return found.one()


async def notices(db: AsyncSession, person: Person, kind: str) -> list[Notification]:
    found = await db.exec(
        select(Notification)
        .where(Notification.person_id == person.id, Notification.kind == kind)
        .order_by(col(Notification.id))
        .execution_options(populate_existing=True)
    )
    return list(found.all())


async def hire(client: AsyncTestClient, side: EmployerSide, person: Person, month: str, key: str) -> None:
    line = {"kind": "hire", "si_code": person.si_code, "salary": 18_500_000, "from_month": month}
    response = await declare(client, side, month, [line], key)
    assert response.status_code == 201, response.text


async def leave(client: AsyncTestClient, side: EmployerSide, person: Person, month: str, reason: str, key: str) -> None:
    line = {"kind": "leave", "si_code": person.si_code, "from_month": month, "reason": reason}
    response = await declare(client, side, month, [line], key)
    assert response.status_code == 201, response.text


async def test_an_hr_clerk_declares_a_leave_and_after_the_month_the_card_answers_124_and_the_worker_is_told(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide, clinic: Clinic
) -> None:
    """Issue 24's "done when": signed in as an HR clerk (password and code), a leave of a worker with no other
    coverage makes the card answer the reduced code once the month has ended, and tells them."""
    facility = await make_facility(db_session)
    _, worker = await make_citizen(db_session, full_name="Nguyễn Văn Lực", province_code="01")
    await make_card(db_session, person=worker, facility=facility)
    hr = bearer(await sign_in(client, "hr.songhong", DEFAULT_PASSWORD, "hr.songhong@example.com"))
    side = EmployerSide(ours.employer, hr, ours.software)
    await hire(client, side, worker, LAST_MONTH, "hire-1")
    await leave(client, side, worker, THIS_MONTH, "stopped", "leave-1")

    card = await live_card_of(db_session, worker)
    assert (card.status, card.valid_to) == (CardStatus.ACTIVE, END_OF_THIS)  # in force to the end of the month
    [told] = await notices(db_session, worker, "employment_ended")
    assert told.params["covered_until"] == END_OF_THIS.isoformat()
    assert told.link == "#/household"
    body = public(told, "en").body
    assert END_OF_THIS.strftime("%Y") in body
    assert "household health insurance" in body
    assert "BHYT hộ gia đình" in public(told, "vi").body

    # The last day of the month: nothing changes yet.
    assert await coverage.apply_due_changes(db_session, END_OF_THIS, settings) == 0
    # The first day after: reported reduced with the leave's code, once.
    assert await coverage.apply_due_changes(db_session, FIRST_OF_NEXT, settings) == 1
    assert await coverage.apply_due_changes(db_session, FIRST_OF_NEXT + timedelta(days=1), settings) == 0
    card = await live_card_of(db_session, worker)
    assert (card.status, card.decrease_reason) == (CardStatus.DECREASED, "stopped")
    assert standing_of(card, today=FIRST_OF_NEXT) is CheckResult.DECREASED_STOPPED

    response = await client.post(
        "/api/v1/clinic/lookup",
        json={**STAFF, "card_number": worker.si_code, "full_name": worker.full_name, "date_of_birth": "1990-05-17"},
        headers=clinic.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"] == "124"

    [changed] = await notices(db_session, worker, "coverage_changed")
    assert changed.params["code"] == "124"
    assert changed.params["since"] == FIRST_OF_NEXT.isoformat()
    assert "reported reduced (code 124)" in public(changed, "en").body


async def test_a_hire_without_a_card_gets_one_and_is_told_with_the_declared_salary(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    await make_facility(db_session, code="01901", province_code="01")
    line = {
        "kind": "hire",
        "full_name": "Đỗ Minh Khang",
        "date_of_birth": "2001-03-02",
        "sex": "M",
        "citizen_id": "001201000999",
        "salary": 18_500_000,
        "from_month": THIS_MONTH,
    }
    response = await declare(client, ours, THIS_MONTH, [line], "newcomer")
    assert response.status_code == 201, response.text
    person = (await db_session.exec(select(Person).where(Person.citizen_id == "001201000999"))).one()

    card = await live_card_of(db_session, person)
    assert (card.number, card.beneficiary_group, card.status) == (person.si_code, "DN", CardStatus.ACTIVE)
    assert card.valid_from == rules.coverage_start(THIS_MONTH)
    assert standing_of(card, today=today_vn()) is CheckResult.VALID

    [hired] = await notices(db_session, person, "employment_started")
    assert hired.params["card_issued"] is True
    assert hired.link == "#/card"
    [salary] = await notices(db_session, person, "salary_declared")
    assert "declared your salary of 18,500,000 ₫ for" in public(salary, "en").body
    assert "18.500.000 ₫" in public(salary, "vi").body

    # The same request again changes nothing and tells nobody twice.
    again = await declare(client, ours, THIS_MONTH, [line], "newcomer")
    assert again.status_code == 200
    assert len(await notices(db_session, person, "salary_declared")) == 1


async def test_a_worker_with_a_card_of_another_scheme_keeps_it_through_hire_and_leave(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide
) -> None:
    facility = await make_facility(db_session)
    _, pensioner = await make_citizen(db_session, province_code="01")
    await make_card(db_session, person=pensioner, facility=facility, beneficiary_group="HT")
    await hire(client, ours, pensioner, LAST_MONTH, "h")
    await leave(client, ours, pensioner, THIS_MONTH, "retired", "l")
    await coverage.apply_due_changes(db_session, FIRST_OF_NEXT, settings)
    card = await live_card_of(db_session, pensioner)
    assert (card.beneficiary_group, card.status, card.valid_to) == ("HT", CardStatus.ACTIVE, date(2099, 12, 31))
    change = (await db_session.exec(select(CoverageChange).execution_options(populate_existing=True))).one()
    assert change.outcome == "other_scheme"
    assert await notices(db_session, pensioner, "coverage_changed") == []


async def test_another_employer_declaring_the_next_month_takes_over(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide, theirs: EmployerSide
) -> None:
    facility = await make_facility(db_session)
    _, worker = await make_citizen(db_session, province_code="01")
    await make_card(db_session, person=worker, facility=facility)
    await hire(client, ours, worker, LAST_MONTH, "h")
    await leave(client, ours, worker, THIS_MONTH, "moved_out_of_province", "l")
    await hire(client, theirs, worker, NEXT_MONTH, "h2")

    assert await coverage.apply_due_changes(db_session, FIRST_OF_NEXT, settings) == 1
    card = await live_card_of(db_session, worker)
    assert card.status == CardStatus.ACTIVE
    assert card.valid_to == rules.employee_card_valid_to(NEXT_MONTH)
    [changed] = await notices(db_session, worker, "coverage_changed")
    assert changed.params["outcome"] == "employer"
    assert changed.params["employer"] == theirs.employer.name


async def test_a_paid_household_coverage_takes_over_and_the_card_moves_to_it(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide
) -> None:
    facility = await make_facility(db_session)
    _, worker = await make_citizen(db_session, province_code="01")
    await make_card(db_session, person=worker, facility=facility)
    await hire(client, ours, worker, LAST_MONTH, "h")
    await leave(client, ours, worker, THIS_MONTH, "stopped", "l")
    household = Household(code="HGD01TEST0024", address="Hà Nội", province_code="01", head_person_id=worker.id)  # type: ignore[arg-type]
    db_session.add(household)
    await db_session.flush()
    payment = HouseholdPayment(
        household_id=household.id,  # type: ignore[arg-type]
        payer_person_id=worker.id,  # type: ignore[arg-type]
        idempotency_key="k",
        request_hash="0" * 64,
        months=6,
        amount=683_100,
        base_salary=2_530_000,
        base_salary_effective_from=date(2026, 7, 1),
        priced_on=today_vn(),
        status=PaymentStatus.CONFIRMED,
        provider="simulated",
        provider_ref="ref-24",
        expires_at=utcnow(),
    )
    db_session.add(payment)
    await db_session.flush()
    until = FIRST_OF_NEXT + timedelta(days=180)
    db_session.add(
        HouseholdPaymentLine(
            payment_id=payment.id,  # type: ignore[arg-type]
            person_id=worker.id,  # type: ignore[arg-type]
            order_k=1,
            factor_permille=1000,
            monthly_amount=113_850,
            amount=683_100,
            covered_from=FIRST_OF_NEXT,
            covered_until=until,
            status=PaymentStatus.CONFIRMED,
        )
    )
    await db_session.commit()

    assert await coverage.apply_due_changes(db_session, FIRST_OF_NEXT, settings) == 1
    card = await live_card_of(db_session, worker)
    assert (card.beneficiary_group, card.status, card.valid_from, card.valid_to) == (
        "GD",
        CardStatus.ACTIVE,
        FIRST_OF_NEXT,
        until,
    )
    [changed] = await notices(db_session, worker, "coverage_changed")
    assert changed.params["outcome"] == "household"


async def test_a_back_dated_leave_reports_the_card_reduced_at_once(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    facility = await make_facility(db_session)
    _, worker = await make_citizen(db_session, province_code="01")
    await make_card(db_session, person=worker, facility=facility)
    await hire(client, ours, worker, add_months(THIS_MONTH, -2), "h")
    await leave(client, ours, worker, LAST_MONTH, "moved_within_province", "l")
    card = await live_card_of(db_session, worker)
    assert (card.status, card.decrease_reason) == (CardStatus.DECREASED, "moved_within_province")
    assert standing_of(card, today=today_vn()) is CheckResult.DECREASED_MOVED_WITHIN


async def test_arrears_keep_the_card_in_force_and_the_months_owed(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    """Luật BHXH 2024 Điều 40 and the HI law as read in employers/rules.py (CARD_DURING_ARREARS, unconfirmed)."""
    assert rules.card_in_force_during_arrears(today_vn()) is True
    facility = await make_facility(db_session)
    _, worker = await make_citizen(db_session, province_code="01")
    await make_card(db_session, person=worker, facility=facility)
    await hire(client, ours, worker, add_months(THIS_MONTH, -2), "h")
    raise_line = {"kind": "salary", "si_code": worker.si_code, "salary": 20_000_000, "from_month": THIS_MONTH}
    assert (await declare(client, ours, THIS_MONTH, [raise_line], "raise")).status_code == 201
    arrears = await client.get(f"/api/v1/employers/{ours.employer.code}/arrears", headers=ours.hr)
    assert [m["month"] for m in arrears.json()["months"] if m["owed"] > 0] == [
        add_months(THIS_MONTH, -2),
        add_months(THIS_MONTH, -1),
        THIS_MONTH,
    ]
    card = await live_card_of(db_session, worker)
    assert standing_of(card, today=today_vn()) is CheckResult.VALID  # nothing paid, the card is in force


async def test_a_leave_does_not_shorten_a_card_another_employer_already_carries_on(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide, theirs: EmployerSide
) -> None:
    facility = await make_facility(db_session)
    _, worker = await make_citizen(db_session, province_code="01")
    await make_card(db_session, person=worker, facility=facility)
    await hire(client, ours, worker, LAST_MONTH, "h")
    await hire(client, theirs, worker, NEXT_MONTH, "h2")  # the new job is declared first
    await leave(client, ours, worker, THIS_MONTH, "stopped", "l")
    card = await live_card_of(db_session, worker)
    assert (card.status, card.valid_to) == (CardStatus.ACTIVE, date(2099, 12, 31))  # as it was
