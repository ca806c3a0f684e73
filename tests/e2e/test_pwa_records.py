"""The records screens in Chromium: contributions, benefits and estimates, medical visits — checked against the API.

Sign-in codes are rate limited (5 per account per 15 minutes), so An's screens share one signed-in page
(`an_page`) and move between routes by hash, without reloading.
"""

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page

from ansinh.core.time import today_vn
from tests.e2e.conftest import (
    PERSONA_AN,
    PHONE,
    TEXTS_EN,
    TEXTS_VI,
    LiveServer,
    SeededCitizen,
    api_sign_in,
    assert_accessible,
    open_signed_in,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PERSONA_HONG = SeededCitizen(
    username="0100000005",
    citizen_id="",
    password="Demo@2026",
    phone="0901000005",
    full_name="",
)
VISITS_PAGE = 10  # pwa/views/visits.js PAGE
EXTRA_VISITS = 12  # added for An so that "load more" has a second page
FILTER = {"from": "2016-01", "to": "2020-12"}


def vnd(amount: int) -> str:
    """Money as the Vietnamese screens show it: 1.234.567 ₫."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def vnd_en(amount: int) -> str:
    """Money as the English screens show it: ₫1,234,567."""
    return f"₫{amount:,}"


def month(value: str) -> str:
    """2026-09 → 09/2026."""
    year, mon = value.split("-")
    return f"{mon}/{year}"


def texts(lang: str) -> dict[str, Any]:
    return {"vi": TEXTS_VI, "en": TEXTS_EN}[lang]


def read_file(path: Path | str) -> bytes:
    return Path(path).read_bytes()


def api_get(server: LiveServer, token: str, path: str, **params: str | int) -> httpx.Response:
    response = httpx.get(
        f"{server.url}/api/v1/me/{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response


@pytest.fixture(scope="module")
def an_visits(demo_server: LiveServer) -> int:
    """Older visits added for An so the visit list has more than one page; returns An's visit count."""
    [(person_id,)] = demo_server.sql("SELECT id FROM person WHERE si_code = :c", {"c": PERSONA_AN.username})
    [(facility_id,)] = demo_server.sql("SELECT id FROM medical_facility ORDER BY code LIMIT 1")
    visits: list[dict[str, Any]] = []
    for n in range(EXTRA_VISITS):
        day = date(2019, 12, 1) - timedelta(days=30 * n)
        visits.append(
            {
                "p": person_id,
                "f": facility_id,
                "t": "inpatient" if n % 3 == 0 else "outpatient",
                "a": day,
                "d": day + timedelta(days=2 if n % 3 == 0 else 0),
                "total": 300_000 + 1_000 * n,
                "hi": 240_000 + 800 * n,
                "pp": 60_000 + 200 * n,
            }
        )
    demo_server.sql(
        "INSERT INTO medical_visit (person_id, facility_id, visit_type, status, admission_date, discharge_date,"
        " icd10_code, icd10_name, total_cost, hi_scope_total, hi_paid, co_payment, out_of_scope, patient_paid,"
        " other_sources, updated_at)"
        " VALUES (:p, :f, :t, 'claimed', :a, :d, 'J06.9', 'Nhiễm trùng hô hấp trên cấp', :total, :total, :hi, :pp, 0,"
        " :pp, 0, now())",
        visits,
    )
    [(count,)] = demo_server.sql("SELECT count(*) FROM medical_visit WHERE person_id = :p", {"p": person_id})
    return int(count)


@pytest.fixture(scope="module")
def an_token(demo_server: LiveServer, an_visits: int) -> str:
    """An access token for An, to read what the API says."""
    return str(api_sign_in(demo_server, PERSONA_AN)["access_token"])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def an_page(browser: Browser, demo_server: LiveServer, an_visits: int) -> AsyncIterator[Page]:
    """One phone-size page signed in as An for the module; tests move between routes by hash."""
    context = await browser.new_context(viewport=PHONE, accept_downloads=True)
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await open_signed_in(page, demo_server, PERSONA_AN, route="home")
        yield page
        assert errors == [], errors
    finally:
        await context.close()


async def go(page: Page, route: str, ready: str) -> None:
    """Switch route by hash, as the tab bar does (no reload, no new sign-in)."""
    await page.evaluate("(route) => { location.hash = '#/' + route; }", route)
    await page.wait_for_selector(ready)
    await page.wait_for_function("() => !document.querySelector('#view [aria-busy=\"true\"]')")


# --- contributions ------------------------------------------------------------------------------------------


async def test_contributions_show_the_api_totals_timeline_and_chart(
    an_page: Page, demo_server: LiveServer, an_token: str
) -> None:
    page = an_page
    data = api_get(demo_server, an_token, "contributions").json()
    summary, periods = data["summary"], data["periods"]
    await go(page, "contributions", ".records-summary")

    assert await page.locator("h1").count() == 1
    si_time = page.locator(".si-time")
    assert await si_time.get_attribute("data-years") == str(summary["si_time"]["years"])
    assert await si_time.get_attribute("data-months") == str(summary["si_time"]["months"])
    assert await si_time.inner_text() == f"{summary['si_time']['years']} năm {summary['si_time']['months']} tháng"
    arrears = page.locator(".arrears-months")
    assert summary["arrears_months"] == 2
    assert await arrears.get_attribute("data-months") == "2"
    assert "2 tháng" in await arrears.inner_text()
    owing = page.locator(".employers-owing li")
    assert await owing.count() == len(summary["employers_owing"]) == 1
    owing_text = await owing.first.inner_text()
    assert summary["employers_owing"][0]["name"] in owing_text
    for owed in summary["employers_owing"][0]["months"]:
        assert month(owed) in owing_text

    # The timeline: one group per run of the same employer, newest first, every employer named.
    names = [p["employer"]["name"] for p in periods if p["employer"]]
    groups = [name for i, name in enumerate(names) if i == 0 or names[i - 1] != name]
    assert await page.locator(".employer-group .employer-name").all_inner_texts() == groups
    assert len(set(groups)) == 2
    items = page.locator("li.period")
    assert await items.count() == len(periods)
    assert [await items.nth(i).get_attribute("data-from") for i in range(len(periods))] == [
        p["from_month"] for p in periods
    ]
    newest = items.first
    assert await newest.locator(".salary-base").inner_text() == vnd(periods[0]["salary_base"])
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+ ₫", await newest.locator(".salary-base").inner_text())
    assert await newest.locator(".period-months").inner_text() == (
        f"{month(periods[0]['from_month'])} – {month(periods[0]['to_month'])}"
    )
    assert await newest.locator(".period-status").get_attribute("data-status") == "arrears"
    assert await page.locator("li.period .period-status[data-status='paid']").count() == sum(
        p["status"] == "paid" for p in periods
    )

    # The chart: one point per period, a title and a description, and the data as a table.
    chart = page.locator("svg.salary-chart")
    assert await chart.get_attribute("role") == "img"
    assert await chart.locator("circle.point").count() == len(periods)
    assert await chart.locator("title#salary-chart-title").count() == 1
    description = await chart.locator("desc#salary-chart-desc").text_content()
    assert vnd(max(p["salary_base"] for p in periods)) in description
    assert vnd(min(p["salary_base"] for p in periods)) in description
    await page.locator(".chart-data summary").click()
    table = page.locator(".chart-data table")
    assert await table.locator("caption").count() == 1
    assert await table.locator("tbody tr").count() == len(periods)
    assert vnd(periods[-1]["salary_base"]) in await table.locator("tbody tr").last.inner_text()

    # Nothing wider than the phone.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await assert_accessible(page)
    await page.evaluate("window.scrollTo(0, 0)")
    await save_screenshot(page, "contributions")


async def test_filters_narrow_the_periods_like_the_api(an_page: Page, demo_server: LiveServer, an_token: str) -> None:
    page = an_page
    everything = api_get(demo_server, an_token, "contributions").json()["periods"]
    filtered = api_get(demo_server, an_token, "contributions", **FILTER).json()
    assert 0 < len(filtered["periods"]) < len(everything)
    await go(page, "contributions", ".records-summary")

    await page.click("#contributions-filters summary")
    # A range that ends before it starts is refused on the spot.
    await page.fill("#contributions-from", FILTER["to"])
    await page.fill("#contributions-to", FILTER["from"])
    await page.click("#contributions-apply")
    error = page.locator("#contributions-filter-error")
    assert await error.inner_text() == texts("vi")["contributions"]["filter_invalid"]
    assert await page.locator("#contributions-from").get_attribute("aria-invalid") == "true"
    assert await page.locator("li.period").count() == len(everything)

    await page.fill("#contributions-from", FILTER["from"])
    await page.fill("#contributions-to", FILTER["to"])
    await page.click("#contributions-apply")
    await page.wait_for_selector(".records-filtered")
    assert await error.is_hidden()
    await page.wait_for_function("() => !document.querySelector('#view [aria-busy=\"true\"]')")
    items = page.locator("li.period")
    assert await items.count() == len(filtered["periods"])
    shown = [
        (await items.nth(i).get_attribute("data-from"), await items.nth(i).get_attribute("data-to"))
        for i in range(await items.count())
    ]
    assert shown == [(p["from_month"], p["to_month"]) for p in filtered["periods"]]
    assert await page.locator("svg.salary-chart circle.point").count() == len(filtered["periods"])
    years, months = filtered["summary"]["si_time"]["years"], filtered["summary"]["si_time"]["months"]
    assert await page.locator(".si-time").inner_text() == f"{years} năm {months} tháng"
    assert await page.locator(".arrears-months").get_attribute("data-months") == "0"

    # The download follows the filter, then the reset brings every period back.
    api_csv = api_get(demo_server, an_token, "contributions", format="csv", **FILTER).content
    async with page.expect_download() as info:
        await page.click("#contributions-csv")
    download = await info.value
    assert download.suggested_filename == "ansinh-contributions.csv"
    body = read_file(await download.path())
    assert body.startswith(b"\xef\xbb\xbf")
    assert body == api_csv

    await page.click("#contributions-reset")
    await page.wait_for_selector(".records-filtered", state="detached")
    await page.wait_for_function("() => !document.querySelector('#view [aria-busy=\"true\"]')")
    assert await page.locator("li.period").count() == len(everything)


async def test_the_csv_download_has_the_api_rows(an_page: Page, demo_server: LiveServer, an_token: str) -> None:
    page = an_page
    api_csv = api_get(demo_server, an_token, "contributions", format="csv").content.decode("utf-8-sig")
    await go(page, "contributions", ".records-summary")
    async with page.expect_download() as info:
        await page.click("#contributions-csv")
    download = await info.value
    assert download.suggested_filename == "ansinh-contributions.csv"
    body = read_file(await download.path())
    assert body.startswith(b"\xef\xbb\xbf")
    rows = body.decode("utf-8-sig").strip().splitlines()
    api_rows = api_csv.strip().splitlines()
    assert len(rows) - 1 == len(api_rows) - 1 == await page.locator("li.period").count()
    assert rows == api_rows
    assert await page.locator(".records-status").inner_text() == texts("vi")["contributions"]["downloaded"]


async def test_the_monthly_ledger_opens_and_pages(an_page: Page, demo_server: LiveServer, an_token: str) -> None:
    page = an_page
    ledger = api_get(demo_server, an_token, "contributions/months", limit=24, offset=0).json()
    await go(page, "contributions", ".records-summary")
    toggle = page.locator("#contributions-ledger-toggle")
    assert await toggle.get_attribute("aria-expanded") == "false"
    await toggle.click()
    assert await toggle.get_attribute("aria-expanded") == "true"
    rows = page.locator("#contributions-ledger tbody tr")
    await rows.nth(23).wait_for()
    assert await rows.count() == len(ledger["items"]) == 24
    first = ledger["items"][0]
    assert month(first["month"]) in await rows.first.inner_text()
    assert vnd(first["salary_base"]) in await rows.first.inner_text()
    await page.locator("#contributions-ledger button", has_text="Xem thêm").click()
    await rows.nth(47).wait_for()
    assert await rows.count() == 48
    await assert_accessible(page)


# --- benefits and estimates ---------------------------------------------------------------------------------


async def test_benefits_show_ans_sickness_benefit_and_the_estimates(
    an_page: Page, demo_server: LiveServer, an_token: str
) -> None:
    page = an_page
    benefits = api_get(demo_server, an_token, "benefits").json()
    estimates = api_get(demo_server, an_token, "estimates").json()
    vi = texts("vi")["benefits"]
    await go(page, "benefits", ".records-estimates-list")

    assert await page.locator("h1").count() == 1
    sickness = next(b for b in benefits["items"] if b["type"] == "sickness")
    item = page.locator("li.benefit[data-type='sickness']")
    assert await item.count() == 1
    assert vi["type"]["sickness"] in await item.inner_text()
    assert await item.locator(".benefit-amount").inner_text() == vnd(sickness["amount"])
    assert await item.locator(".benefit-status").inner_text() == vi["status"][sickness["status"]]
    assert "/".join(reversed(sickness["period_from"].split("-"))) in await item.inner_text()
    assert await page.locator("#benefits-pension").inner_text() == f"{vi['pension_title']}\n\n{vi['pension_none']}"

    # Each estimate: its inputs, its rule and date, and the reason where it does not apply.
    disclaimer = await page.locator("#benefits-disclaimer").inner_text()
    assert estimates["disclaimer"].split(" / ")[1] in disclaimer
    for card_id, key in (
        ("estimate-pension", "pension"),
        ("estimate-one-time", "one_time_allowance"),
        ("estimate-unemployment", "unemployment"),
    ):
        estimate = estimates[key]
        card = page.locator(f"#{card_id}")
        assert await card.get_attribute("data-eligible") == str(estimate["eligible"]).lower()
        assert await card.locator("dd[data-input]").count() == len(estimate["inputs"])
        rule = await card.locator(".estimate-rule").inner_text()
        assert estimate["rule_version"] in rule
        assert "/".join(reversed(estimate["effective_from"].split("-"))) in rule
    pension = estimates["pension"]
    assert pension["eligible"] is False  # An has 13 years and some months: not yet 15
    reason = await page.locator("#estimate-pension .reason").inner_text()
    assert "15 năm" in reason
    # Seeded on 2026-11-15, An had 13 years 5 months; his current employer declares one more month every month.
    today = today_vn()
    months = 13 * 12 + 5 + (today.year - 2026) * 12 + today.month - 11
    assert f"{months // 12} năm {months % 12} tháng" in reason
    average = pension["inputs"]["average_salary"]
    assert await page.locator("#estimate-pension dd[data-input='average_salary']").inner_text() == vnd(average)
    # How the average was computed: each year's coefficient, and the tables named with their legal basis and source.
    coefficients = pension["inputs"]["revaluation_coefficients"]
    assert coefficients, "the demo history has paid months to revalue"
    rows = page.locator("#estimate-pension dd[data-input='revaluation_coefficients'] tbody tr")
    assert await rows.count() == len(coefficients)
    first = coefficients[0]
    assert await rows.first.get_attribute("data-year") == str(first["year"])
    cells = await rows.first.locator("td").all_inner_texts()
    assert cells[0] == str(first["year"])
    assert cells[3] == (first["coefficient"].replace(".", ",") if first["published"] else vi["not_published"])
    tables = await page.locator("#estimate-pension dd[data-input='revaluation_tables']").inner_text()
    assert pension["inputs"]["revaluation_tables"], "the migrations load the published tables"
    for table in pension["inputs"]["revaluation_tables"]:
        assert table["legal_basis"] in tables
        assert table["source"] in tables
    one_time = estimates["one_time_allowance"]
    assert vnd(one_time["amount"]) in await page.locator("#estimate-one-time").inner_text()
    unemployment = estimates["unemployment"]
    assert vnd(unemployment["monthly_amount"]) in await page.locator("#estimate-unemployment").inner_text()

    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await assert_accessible(page)


async def test_benefits_show_hongs_pension(page: Page, demo_server: LiveServer) -> None:
    await page.set_viewport_size(PHONE)
    token = api_sign_in(demo_server, PERSONA_HONG)["access_token"]
    pension = api_get(demo_server, token, "benefits").json()["pension"]
    assert pension["monthly_amount"] == 8_050_000
    await open_signed_in(page, demo_server, PERSONA_HONG, route="benefits")
    await page.wait_for_selector(".records-estimates-list")
    await page.wait_for_function("() => !document.querySelector('#view [aria-busy=\"true\"]')")
    panel = page.locator("#benefits-pension")
    assert await panel.locator(".pension-amount").get_attribute("data-amount") == "8050000"
    assert vnd(8_050_000) in await panel.inner_text()
    assert "01/09/2021" in await panel.inner_text()
    assert await page.locator("li.benefit[data-type='pension'] .benefit-status").inner_text() == "Đang hưởng"
    await assert_accessible(page)
    await page.evaluate("window.scrollTo(0, 0)")
    await save_screenshot(page, "benefits")


# --- medical visits -----------------------------------------------------------------------------------------


async def test_visits_match_the_api_and_load_more_appends(
    an_page: Page, demo_server: LiveServer, an_token: str, an_visits: int
) -> None:
    page = an_page
    first = api_get(demo_server, an_token, "medical-visits", limit=VISITS_PAGE, offset=0).json()
    assert first["total"] == an_visits > VISITS_PAGE
    await go(page, "visits", "#visits-list li.visit")

    assert await page.locator("h1").count() == 1
    items = page.locator("#visits-list li.visit")
    assert await items.count() == VISITS_PAGE
    for i, visit in enumerate(first["items"]):
        shown = await items.nth(i).inner_text()
        assert visit["facility"]["name"] in shown
        assert visit["icd10_code"] in shown
        assert visit["icd10_name"] in shown
        assert await items.nth(i).locator(".visit-hi-paid").inner_text() == vnd(visit["hi_paid"])
        assert await items.nth(i).locator(".visit-patient-paid").inner_text() == vnd(visit["patient_paid"])
        assert await items.nth(i).locator(".visit-total").inner_text() == vnd(visit["total_cost"])
        assert "/".join(reversed(visit["admission_date"].split("-"))) in shown
    assert await page.locator("#visits-count").inner_text() == f"Đang hiển thị {VISITS_PAGE}/{an_visits} lần khám"
    await assert_accessible(page)

    second = api_get(demo_server, an_token, "medical-visits", limit=VISITS_PAGE, offset=VISITS_PAGE).json()
    await page.click("#visits-more")
    await items.nth(an_visits - 1).wait_for()
    assert await items.count() == an_visits
    assert second["items"][0]["icd10_code"] in await items.nth(VISITS_PAGE).inner_text()
    assert await page.locator("#visits-more").is_hidden()
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- English --------------------------------------------------------------------------------------------------


async def test_english_shows_english_labels_and_money(page: Page, demo_server: LiveServer, an_token: str) -> None:
    en = texts("en")
    periods = api_get(demo_server, an_token, "contributions").json()["periods"]
    await page.add_init_script("localStorage.setItem('ansinh.lang', 'en');")
    await open_signed_in(page, demo_server, PERSONA_AN, route="contributions")
    await page.wait_for_selector(".records-summary")
    await page.wait_for_function("() => !document.querySelector('#view [aria-busy=\"true\"]')")
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert await page.locator("h1").inner_text() == en["contributions"]["title"]
    assert await page.locator("#contributions-csv").inner_text() == en["contributions"]["download_csv"]
    salary = await page.locator("li.period .salary-base").first.inner_text()
    assert salary == vnd_en(periods[0]["salary_base"])
    assert re.fullmatch(r"₫\d{1,3}(,\d{3})+", salary)
    assert await page.locator(".period-status").first.inner_text() == en["contributions"]["status"]["arrears"]
    years_months = await page.locator(".si-time").inner_text()
    assert re.fullmatch(r"\d+ years \d+ months", years_months)

    await go(page, "benefits", ".records-estimates-list")
    assert await page.locator("h1").inner_text() == en["benefits"]["title"]
    sickness = page.locator("li.benefit[data-type='sickness']")
    assert en["benefits"]["type"]["sickness"] in await sickness.inner_text()
    assert re.fullmatch(r"₫\d{1,3}(,\d{3})+", await sickness.locator(".benefit-amount").inner_text())
    assert "Estimates from the contributions on record" in await page.locator("#benefits-disclaimer").inner_text()
    assert "15 years" in await page.locator("#estimate-pension .reason").inner_text()

    await go(page, "visits", "#visits-list li.visit")
    assert await page.locator("h1").inner_text() == en["visits"]["title"]
    assert re.fullmatch(r"₫\d{1,3}(,\d{3})+", await page.locator(".visit-hi-paid").first.inner_text())
    assert await page.locator("#visits-more").inner_text() == en["visits"]["load_more"]
    await assert_accessible(page)
