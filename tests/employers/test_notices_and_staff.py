"""What workers are told as their employer declares and pays (once each), the monthly arrears notice computed from
the ledger, the employer's receipts, and staff's view of arrears with payment plans (audited) — with the denials."""

from datetime import date, timedelta

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.settings import Settings
from ansinh.core.time import add_months, month_of, today_vn
from ansinh.employers import coverage
from ansinh.employers.models import EmployerDue
from ansinh.identity.models import Person, SecurityEvent
from ansinh.notifications.models import Notification
from ansinh.notifications.service import public
from tests.cards.conftest import Clinic
from tests.employers.conftest import EmployerSide, bank_pays
from tests.employers.test_declarations import declare
from tests.factories import bearer_for, make_citizen, make_staff
from tests.support.problems import assert_problem

THIS_MONTH = month_of(today_vn())
LAST_MONTH = add_months(THIS_MONTH, -1)
TWO_AGO = add_months(THIS_MONTH, -2)


async def notices(db: AsyncSession, person: Person, kind: str) -> list[Notification]:
    found = await db.exec(
        select(Notification)
        .where(Notification.person_id == person.id, Notification.kind == kind)
        .order_by(col(Notification.id))
        .execution_options(populate_existing=True)
    )
    return list(found.all())


async def hire(client: AsyncTestClient, side: EmployerSide, person: Person, month: str, key: str) -> None:
    line = {"kind": "hire", "si_code": person.si_code, "salary": 10_000_000, "from_month": month}
    response = await declare(client, side, month, [line], key)
    assert response.status_code == 201, response.text


async def month_total(db: AsyncSession, person: Person, month: str) -> int:
    due = (
        await db.exec(select(EmployerDue).where(EmployerDue.person_id == person.id, EmployerDue.month == month))
    ).one()
    return due.employer_amount + due.employee_amount


async def test_a_later_month_declared_for_others_is_owed_for_every_worker_and_tells_them_their_salary(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide
) -> None:
    _, x = await make_citizen(db_session)
    _, y = await make_citizen(db_session)
    await hire(client, ours, x, LAST_MONTH, "x")
    await hire(client, ours, y, THIS_MONTH, "y")  # this month's list names only y
    assert await month_total(db_session, x, THIS_MONTH) == 3_200_000  # x carries on at 10,000,000
    told = [n.params["month"] for n in await notices(db_session, x, "salary_declared")]
    assert told == [LAST_MONTH, THIS_MONTH]
    assert "10.000.000 ₫" in public((await notices(db_session, x, "salary_declared"))[0], "vi").body


async def test_a_month_paid_in_full_is_told_once(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide
) -> None:
    _, worker = await make_citizen(db_session)
    await hire(client, ours, worker, LAST_MONTH, "h")
    total = await month_total(db_session, worker, LAST_MONTH)
    code = ours.employer.code
    await bank_pays(client, settings, code=code, amount=total - 1, bank_ref="B1", paid_on=today_vn())
    assert await notices(db_session, worker, "contributions_paid") == []  # one dong short: not paid yet
    await bank_pays(client, settings, code=code, amount=1, bank_ref="B2", paid_on=today_vn())
    assert (await bank_pays(client, settings, code=code, amount=1, bank_ref="B2", paid_on=today_vn())) == {
        "status": "duplicate"
    }
    [paid] = await notices(db_session, worker, "contributions_paid")
    assert paid.params["month"] == LAST_MONTH
    assert f"were paid by {ours.employer.name}" in public(paid, "en").body
    assert f"đã được {ours.employer.name} đóng đủ" in public(paid, "vi").body


async def test_the_monthly_arrears_notice_counts_unpaid_months_once_a_month(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide
) -> None:
    _, worker = await make_citizen(db_session)
    await hire(client, ours, worker, TWO_AGO, "h")
    raise_ = {"kind": "salary", "si_code": worker.si_code, "salary": 12_000_000, "from_month": LAST_MONTH}
    assert (await declare(client, ours, LAST_MONTH, [raise_], "r")).status_code == 201
    today = today_vn()
    assert await coverage.arrears_notices(db_session, today, settings) == 1
    assert await coverage.arrears_notices(db_session, today, settings) == 0  # once this month
    [notice] = await notices(db_session, worker, "arrears_found")
    assert notice.params["months"] == 2
    assert (notice.params["first_month"], notice.params["last_month"]) == (TWO_AGO, LAST_MONTH)
    assert "has not paid 2 months of your contributions" in public(notice, "en").body
    assert "chưa đóng bảo hiểm 2 tháng" in public(notice, "vi").body

    # Everything paid: next month nobody is told.
    owed = await month_total(db_session, worker, TWO_AGO) + await month_total(db_session, worker, LAST_MONTH)
    await bank_pays(client, settings, code=ours.employer.code, amount=owed, bank_ref="ALL", paid_on=today)
    next_month = date.fromisoformat(f"{add_months(THIS_MONTH, 1)}-01")
    assert await coverage.arrears_notices(db_session, next_month, settings) == 0


async def test_a_receipt_lists_the_lines_and_only_its_own_employer_may_read_it(
    client: AsyncTestClient, db_session: AsyncSession, ours: EmployerSide, theirs: EmployerSide, clinic: Clinic
) -> None:
    _, worker = await make_citizen(db_session)
    await hire(client, ours, worker, THIS_MONTH, "h")
    listing = await client.get(f"/api/v1/employers/{ours.employer.code}/declarations", headers=ours.hr)
    assert listing.status_code == 200
    [item] = listing.json()["items"]
    assert (item["month"], item["lines"], item["source"]) == (THIS_MONTH, 1, "json")
    receipt = await client.get(f"/api/v1/employers/{ours.employer.code}/declarations/{item['id']}", headers=ours.hr)
    assert receipt.status_code == 200
    body = receipt.json()
    assert body["employer"]["code"] == ours.employer.code
    assert [(line["kind"], line["si_code"]) for line in body["lines"]] == [("hire", worker.si_code)]

    # Their clerk names their own employer with our batch id: not found; our code: forbidden.
    theirs_path = f"/api/v1/employers/{theirs.employer.code}/declarations/{item['id']}"
    assert_problem(await client.get(theirs_path, headers=theirs.hr), 404, "not-found")
    ours_path = f"/api/v1/employers/{ours.employer.code}/declarations/{item['id']}"
    assert_problem(await client.get(ours_path, headers=theirs.hr), 403, "forbidden")
    assert_problem(await client.get(ours_path, headers=clinic.headers), 403, "forbidden")


@pytest.fixture
async def staff_headers(db_session: AsyncSession, settings: Settings) -> dict[str, str]:
    return bearer_for(settings, await make_staff(db_session, username="staff.arrears"))


async def test_staff_see_an_employers_arrears_and_record_a_plan_that_pays_it_all(
    client: AsyncTestClient,
    db_session: AsyncSession,
    settings: Settings,
    ours: EmployerSide,
    staff_headers: dict[str, str],
) -> None:
    _, worker = await make_citizen(db_session)
    await hire(client, ours, worker, TWO_AGO, "h")
    code = ours.employer.code
    owing = await client.get("/api/v1/staff/employers", headers=staff_headers)
    assert owing.status_code == 200
    assert [(e["code"], e["months"]) for e in owing.json()["items"]] == [(code, 1)]

    view = await client.get(f"/api/v1/staff/employers/{code}/arrears", headers=staff_headers)
    assert view.status_code == 200
    account = view.json()["arrears"]
    total = account["total_owed"] + account["total_interest"]
    assert total > 0
    assert "Luật BHXH 2024" in view.json()["card_rule"]

    url = f"/api/v1/staff/employers/{code}/payment-plans"
    today = today_vn()
    half = total // 2
    plan = {
        "instalments": [
            {"due_on": (today + timedelta(days=30)).isoformat(), "amount": half},
            {"due_on": (today + timedelta(days=60)).isoformat(), "amount": total - half},
        ],
        "note": "Kế hoạch trả nợ 2 kỳ",
    }
    short = {**plan, "instalments": plan["instalments"][:1]}
    refused = await client.post(url, json=short, headers=staff_headers)
    assert_problem(refused, 422, "payment-plan-mismatch")
    assert refused.json()["total"] == total
    backwards = {**plan, "instalments": list(reversed(plan["instalments"]))}
    assert_problem(await client.post(url, json=backwards, headers=staff_headers), 422, "payment-plan-mismatch")

    recorded = await client.post(url, json=plan, headers=staff_headers)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["total"] == total
    assert [i["amount"] for i in recorded.json()["instalments"]] == [half, total - half]
    event = (await db_session.exec(select(SecurityEvent).where(SecurityEvent.kind == "employer_payment_plan"))).one()
    assert event.detail["employer_code"] == code
    assert event.detail["total"] == str(total)
    # The employer's clerk sees the plan too; nobody learns who recorded it.
    plans = await client.get(f"/api/v1/employers/{code}/payment-plans", headers=ours.hr)
    assert [p["id"] for p in plans.json()] == [recorded.json()["id"]]
    assert "recorded_by" not in plans.json()[0]

    assert_problem(
        await client.get("/api/v1/staff/employers/NOPE0000/arrears", headers=staff_headers), 404, "not-found"
    )


async def test_a_plan_for_an_employer_owing_nothing_is_refused(
    client: AsyncTestClient, ours: EmployerSide, staff_headers: dict[str, str]
) -> None:
    plan = {"instalments": [{"due_on": "2099-01-01", "amount": 1}]}
    response = await client.post(
        f"/api/v1/staff/employers/{ours.employer.code}/payment-plans", json=plan, headers=staff_headers
    )
    assert_problem(response, 409, "nothing-owed")


async def test_only_staff_reach_the_staff_employer_routes(
    client: AsyncTestClient, db_session: AsyncSession, settings: Settings, ours: EmployerSide, clinic: Clinic
) -> None:
    account, _ = await make_citizen(db_session)
    citizen = bearer_for(settings, account)
    code = ours.employer.code
    plan = {"instalments": [{"due_on": "2099-01-01", "amount": 1}]}
    for headers in (citizen, clinic.headers, ours.hr, ours.software):
        assert_problem(await client.get("/api/v1/staff/employers", headers=headers), 403, "forbidden")
        assert_problem(await client.get(f"/api/v1/staff/employers/{code}/arrears", headers=headers), 403, "forbidden")
        response = await client.post(f"/api/v1/staff/employers/{code}/payment-plans", json=plan, headers=headers)
        assert_problem(response, 403, "forbidden")
    assert (await client.get("/api/v1/staff/employers")).status_code == 401
