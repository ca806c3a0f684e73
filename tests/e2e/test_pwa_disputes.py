"""Issue 22 in Chromium: "this wasn't me" on the visits screen, decided by staff and followed by the citizen step by
step; the year's co-payments against the cap on the benefits screen — each checked against the API."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import HealthInsuranceCard
from ansinh.core.passwords import hash_password_sync
from ansinh.core.time import today_vn
from ansinh.facilities.models import MedicalFacility
from ansinh.identity.models import Account, AccountRole, AccountStatus
from ansinh.records.models import MedicalVisit
from tests.e2e.conftest import (
    PHONE,
    TEXTS_VI,
    LiveServer,
    SeededCitizen,
    api_sign_in,
    assert_accessible,
    in_own_thread,
    open_signed_in,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

STAFF = SeededCitizen(
    username="staff.e2e", citizen_id="", password="Staff-E2e-2026", phone="staff.e2e@example.com", full_name=""
)
YEAR = today_vn().year
BIG = 20_000_000  # more than 6 months of any base salary so far: the cap is passed
SMALL = 85_000
LAST_YEAR = 1_234_000
REASON = "Hôm đó tôi ở Đà Nẵng, không đến bệnh viện này."
DECISION = "Bệnh viện xác nhận đã nhập nhầm thẻ."


def vnd(amount: int) -> str:
    """Money as the Vietnamese screens show it: 1.234.567 ₫."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def vi_date(day: date | str) -> str:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day:%d/%m/%Y}"


async def _seed(db_url: str, si_code: str) -> dict[str, int]:
    """A facility, the citizen's card (5 continuous years since 2019), three visits, and a staff account."""
    engine = create_async_engine(db_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db:
            facility = MedicalFacility(code="01001", name="Bệnh viện Bạch Mai", level="central", province_code="01")
            db.add(facility)
            db.add(
                Account(
                    username=STAFF.username,
                    role=AccountRole.STAFF,
                    status=AccountStatus.ACTIVE,
                    display_name="Cán bộ E2E",
                    email=STAFF.phone,
                    password_hash=hash_password_sync(STAFF.password),
                )
            )
            await db.flush()
            person_id = (await db.exec(select(Account.person_id).where(Account.username == si_code))).one()
            db.add(
                HealthInsuranceCard(
                    serial="E2E-0001",
                    number=si_code,
                    beneficiary_group="DN",
                    benefit_level=4,
                    valid_from=date(2020, 1, 1),
                    valid_to=date(2099, 12, 31),
                    five_year_date=date(2019, 1, 1),
                    person_id=person_id,
                    primary_facility_id=facility.id,  # type: ignore[arg-type]
                )
            )

            def stay(day: date, co_payment: int, key: str, diagnosis: str) -> MedicalVisit:
                return MedicalVisit(
                    person_id=person_id,
                    facility_id=facility.id,  # type: ignore[arg-type]
                    visit_key=key,
                    admission_date=day,
                    discharge_date=day,
                    icd10_code="K29.7",
                    icd10_name=diagnosis,
                    total_cost=co_payment * 5,
                    hi_scope_total=co_payment * 5,
                    hi_paid=co_payment * 4,
                    co_payment=co_payment,
                    patient_paid=co_payment,
                )

            big = stay(date(YEAR, 1, 20), BIG, "LK-E2E-BIG", "Viêm tụy cấp")
            forged = stay(date(YEAR, 1, 10), SMALL, "LK-E2E-FORGED", "Viêm dạ dày")
            last = stay(date(YEAR - 1, 5, 5), LAST_YEAR, "LK-E2E-LAST", "Viêm phế quản")
            db.add_all([big, forged, last])
            await db.commit()
            return {"big": big.id, "forged": forged.id}  # type: ignore[dict-item]
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def visits(live_server: LiveServer) -> dict[str, int]:
    return in_own_thread(asyncio.run, _seed(live_server.db_url, live_server.citizen.username))


@pytest.fixture(scope="module")
def citizen_token(live_server: LiveServer, visits: dict[str, int]) -> str:
    return str(api_sign_in(live_server)["access_token"])


@pytest.fixture(scope="module")
def staff_token(live_server: LiveServer, visits: dict[str, int]) -> str:
    return str(api_sign_in(live_server, STAFF)["access_token"])


def api(server: LiveServer, token: str, method: str, path: str, **kw: Any) -> Any:
    response = httpx.request(
        method, f"{server.url}/api/v1/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10, **kw
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def citizen_page(browser: Browser, live_server: LiveServer, visits: dict[str, int]) -> AsyncIterator[Page]:
    """One phone-size page signed in as the citizen for the module; tests move between routes by hash."""
    context = await browser.new_context(viewport=PHONE)
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await open_signed_in(page, live_server, live_server.citizen, route="home")
        yield page
        assert errors == [], errors
    finally:
        await context.close()


async def go(page: Page, route: str, ready: str) -> None:
    """Switch route by hash, as the tab bar does (no reload, no new sign-in)."""
    await page.evaluate("(route) => { location.hash = '#/' + route; }", route)
    await page.wait_for_selector(ready)
    await page.wait_for_function("() => !document.querySelector('#view [aria-busy=\"true\"]')")


async def test_this_wasnt_me_on_the_visits_screen_is_decided_by_staff_and_followed_step_by_step(
    citizen_page: Page, live_server: LiveServer, visits: dict[str, int], citizen_token: str, staff_token: str
) -> None:
    page, texts = citizen_page, TEXTS_VI["visits"]["dispute"]
    await go(page, "visits", "#visits-list li.visit")
    item = page.locator(f"#visits-list li.visit[data-id='{visits['forged']}']")
    await expect(item.locator(".visit-facility")).to_have_text("Bệnh viện Bạch Mai")
    await expect(item.locator(".visit-dispute-status")).to_have_count(0)

    await item.get_by_text(texts["open_form"]).click()
    await expect(item.get_by_label(texts["ground"]["not_me"])).to_be_checked()
    await assert_accessible(page, context="#visits-list")
    await item.scroll_into_view_if_needed()
    await save_screenshot(page, "visit-dispute")
    # An empty reason is refused in the page, and nothing is filed.
    await item.get_by_role("button", name=texts["submit"]).click()
    await expect(item.locator(".visit-dispute-message")).to_have_text(texts["reason_missing"])
    assert api(live_server, citizen_token, "GET", "me/applications")["total"] == 0

    await item.get_by_label(texts["reason_label"]).fill(REASON)
    await item.get_by_role("button", name=texts["submit"]).click()
    filed_note = item.locator(".visit-dispute-filed")
    await expect(filed_note).to_contain_text("Đã gửi phản ánh. Mã hồ sơ: HS")
    await expect(item.locator(".visit-dispute-status")).to_have_text(texts["status"]["open"])
    [filed] = api(live_server, citizen_token, "GET", "me/applications")["items"]
    assert (filed["kind"], filed["status"]) == ("visit_dispute", "submitted")
    assert filed["reference"] in await filed_note.inner_text()
    shown = api(live_server, citizen_token, "GET", "me/medical-visits")["items"]
    assert next(v for v in shown if v["id"] == visits["forged"])["under_dispute"] is True

    # After a reload of the list the visit says it is under dispute, and offers no second form.
    await go(page, "home", "#view")
    await go(page, "visits", f"#visits-list li.visit[data-id='{visits['forged']}'] .visit-dispute-note")
    item = page.locator(f"#visits-list li.visit[data-id='{visits['forged']}']")
    await expect(item.locator(".visit-dispute-status")).to_have_text(texts["status"]["open"])
    await expect(item.locator(".visit-dispute-form")).to_have_count(0)

    # Staff decide; the citizen follows each step on the application's timeline.
    api(live_server, staff_token, "POST", f"staff/applications/{filed['id']}/transitions", json={"to": "in_review"})
    api(
        live_server,
        staff_token,
        "POST",
        f"staff/applications/{filed['id']}/decision",
        json={"decision": "upheld", "reason": DECISION},
    )
    await go(page, f"applications/{filed['id']}", ".app-timeline")
    apps = TEXTS_VI["applications"]
    steps = page.locator(".app-timeline .app-step")
    await expect(steps).to_have_count(3)
    await expect(steps.locator("strong")).to_have_text(
        [apps["status"]["submitted"], apps["status"]["in_review"], apps["dispute_decision"]["done"]]
    )
    await expect(steps.nth(2).locator(".app-step-note")).to_have_text(DECISION)
    await expect(page.locator(".app-details")).to_contain_text(REASON)
    await expect(page.locator(".app-details")).to_contain_text(apps["dispute_decision"]["done"])
    await assert_accessible(page)
    await go(page, "visits", f"#visits-list li.visit[data-id='{visits['forged']}']")
    item = page.locator(f"#visits-list li.visit[data-id='{visits['forged']}']")
    await expect(item.locator(".visit-dispute-status")).to_have_text(texts["status"]["upheld"])


async def test_the_benefits_screen_shows_the_years_co_payments_cap_and_gap(
    citizen_page: Page, live_server: LiveServer, visits: dict[str, int], citizen_token: str
) -> None:
    page, texts = citizen_page, TEXTS_VI["copayment"]
    year = api(live_server, citizen_token, "GET", "me/copayment")
    assert year["cap_reached"] is True
    await go(page, "benefits", "#benefits-copayment")
    panel = page.locator("#benefits-copayment")
    # The upheld "this wasn't me" visit is not counted (previous test): the big stay alone.
    await expect(panel.locator("#copay-total")).to_contain_text(vnd(year["total"]))
    assert year["total"] == BIG
    await expect(panel.locator("#copay-cap")).to_contain_text(vnd(year["cap"]))
    await expect(panel.locator("#copay-gap")).to_have_text(vi_date(year["reached_on"]))
    await expect(panel.locator("#copay-years")).to_have_text(texts["five_years_since"].replace("{date}", "01/01/2019"))
    await expect(panel.locator("#copay-conclusion")).to_contain_text(
        texts["eligible"].replace("{from}", vi_date(year["eligible_from"]))
    )
    await expect(panel.locator("#copay-conclusion")).to_contain_text("Giấy chứng nhận không cùng chi trả trong năm")
    await assert_accessible(page, context="#benefits-copayment")
    await panel.scroll_into_view_if_needed()
    await save_screenshot(page, "copayment")

    # Last year: one small co-payment, the gap to the cap shown.
    last = api(live_server, citizen_token, "GET", "me/copayment", params={"year": YEAR - 1})
    await panel.locator("#copay-year").select_option(str(YEAR - 1))
    await expect(panel.locator("#copay-total")).to_contain_text(vnd(LAST_YEAR))
    await expect(panel.locator("#copay-gap")).to_have_text(vnd(last["gap"]))
    assert last["gap"] == last["cap"] - LAST_YEAR
    await expect(panel.locator("#copay-conclusion")).to_have_text(
        texts["not_reached"].replace("{gap}", vnd(last["gap"]))
    )
