"""The employer's page in real Chromium against the real server, as Thăng Long's HR clerk (the demo data): sign in
with password and e-mailed code, see the workers, declare a hire with a row problem shown in place and then fixed,
declare a leave, print a receipt, read arrears, upload a list with a bad row — in Vietnamese and in English, with
axe finding no serious violation. Then the due jobs run the day after the month: the leaver's card answers 124 at a
clinic and they are told; the hire has a card."""

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from ansinh.core.time import add_months, month_of, today_vn
from ansinh.demo.personas import AN, CLINIC_CLIENT_ID, CLINIC_SECRET, HR_EMAIL, HR_USERNAME, REGISTERED_STAFF
from ansinh.demo.runner import DEMO_PASSWORD
from tests.e2e.conftest import (
    ANSINH_CLI,
    E2E_CITIZEN,
    PERSONA_AN,
    LiveServer,
    SeededCitizen,
    _server_env,
    api_sign_in,
    assert_accessible,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

THIS_MONTH = month_of(today_vn())
FIRST_OF_NEXT = date.fromisoformat(f"{add_months(THIS_MONTH, 1)}-01")
[(STAFF_NAME, STAFF_CITIZEN_ID)] = REGISTERED_STAFF


def latest_code(server: LiveServer, destination: str) -> str:
    outbox = httpx.get(f"{server.url}/api/v1/dev/outbox", params={"to": destination}, timeout=10).json()
    match = re.search(r"\b(\d{6})\b", outbox[0]["text"])
    assert match, outbox
    return match.group(1)


async def sign_in(page: Page, server: LiveServer) -> None:
    await page.goto(f"{server.url}/employer/")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await expect(page.locator("#signin-section")).to_be_visible()
    await page.fill("#username", HR_USERNAME)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#code-form")).to_be_visible()
    await page.fill("#code", latest_code(server, HR_EMAIL))
    await page.click("#code-form button[type=submit]")
    await expect(page.locator("#app-section")).to_be_visible()


async def fill_line(page: Page, n: int, *, kind: str, si_code: str, salary: str = "", reason: str = "") -> None:
    row = page.locator("#lines-table tbody tr").nth(n - 1)
    await row.locator('[name="kind"]').select_option(kind)
    await row.locator('[name="si_code"]').fill(si_code)
    await row.locator('[name="salary"]').fill(salary)
    await row.locator('[name="from_month"]').fill(THIS_MONTH)
    if reason:
        await row.locator('[name="reason"]').select_option(reason)


def clinic_lookup(server: LiveServer, card_number: str, full_name: str, birth: str) -> str:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post(
            "/api/v1/clinic/token",
            data={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": CLINIC_SECRET},
        ).json()["access_token"]
        answer = http.post(
            "/api/v1/clinic/lookup",
            json={
                "card_number": card_number,
                "full_name": full_name,
                "date_of_birth": birth,
                "staff_name": STAFF_NAME,
                "staff_citizen_id": STAFF_CITIZEN_ID,
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["result"])


def card_of(server: LiveServer, citizen: SeededCitizen) -> dict:
    """The citizen's card as the app reads it."""
    tokens = api_sign_in(server, citizen)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    card = httpx.get(f"{server.url}/api/v1/me/card", headers=headers, timeout=10)
    assert card.status_code == 200, card.text
    return dict(card.json())


def inbox(server: LiveServer, citizen: SeededCitizen) -> list[dict]:
    """The citizen's notices in English."""
    tokens = api_sign_in(server, citizen)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    answer = httpx.get(
        f"{server.url}/api/v1/me/notifications", params={"lang": "en", "limit": 50}, headers=headers, timeout=10
    )
    return list(answer.json()["items"])


def run_due(server: LiveServer, today: date, workdir: Path) -> list[str]:
    """`ansinh jobs run-due --today …` against the server's database; its output lines."""
    ran = subprocess.run(
        [str(ANSINH_CLI), "jobs", "run-due", "--today", today.isoformat()],
        env=_server_env(server.db_url, server.url),
        cwd=workdir,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout.decode() + ran.stderr.decode()
    return ran.stdout.decode().splitlines()


async def test_an_hr_clerk_declares_a_hire_and_a_leave_and_the_cards_follow(
    page: Page, demo_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = demo_server
    await sign_in(page, server)
    workers = page.locator("#workers-table")
    await expect(workers).to_contain_text("Nguyễn Văn An")
    await expect(page.locator("#employer-facts")).to_contain_text("TA0002A")
    await assert_accessible(page)

    # A hire with a malformed SI code: refused, the problem shown on the row's own field.
    await page.click('a[href="#/declare"]')
    await page.fill("#declare-month", THIS_MONTH)
    await fill_line(page, 1, kind="hire", si_code="12345", salary="18.500.000")
    await page.click("#declare-submit")
    field = page.locator('#lines-table tbody tr >> nth=0 >> [name="si_code"]')
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#lines-table .cell-error")).to_contain_text("expected 10 digits")
    await expect(page.locator("#problems-table")).to_contain_text("bad-si-code")
    await assert_accessible(page)

    # Fixed, plus a leave for An: both applied together; the receipt lists them.
    await fill_line(page, 1, kind="hire", si_code=E2E_CITIZEN.username, salary="18.500.000")
    await page.click("#add-line")
    await fill_line(page, 2, kind="leave", si_code=AN, reason="stopped")
    await page.click("#declare-submit")
    result = page.locator("#declare-result")
    await expect(result).to_contain_text("Đã ghi nhận 2 dòng")
    await expect(page.locator("#lines-table [aria-invalid]")).to_have_count(0)
    await result.locator("a").click()
    receipt = page.locator("#tab-receipt")
    await expect(receipt).to_be_visible()
    await expect(page.locator("#receipt-table")).to_contain_text(E2E_CITIZEN.full_name)
    await expect(page.locator("#receipt-table")).to_contain_text("Giảm (GH)")
    await expect(page.locator("#print-button")).to_be_visible()
    await page.emulate_media(media="print")
    await expect(page.locator(".tabs")).to_be_hidden()  # the printed receipt carries no navigation
    await page.emulate_media(media="screen")

    # Arrears per month: An's unpaid months are there, with their deadlines.
    await page.click('a[href="#/arrears"]')
    await expect(page.locator("#arrears-table tbody tr").first).to_be_visible()
    await expect(page.locator("#arrears-summary")).to_contain_text("còn nợ")
    await assert_accessible(page)

    # An upload with a bad row: nothing applied, the row's problem listed.
    await page.click('a[href="#/declare"]')
    await page.fill("#upload-month", THIS_MONTH)
    csv = "Mã số BHXH (si_code),Mức lương (salary),Từ tháng (from_month),Phương án (change_type)\r\n"
    csv += f"{AN},1000,{THIS_MONTH},DC\r\n"
    await page.set_input_files("#upload-file", {"name": "d02.csv", "mimeType": "text/csv", "buffer": csv.encode()})
    await page.click("#upload-form button[type=submit]")
    await expect(page.locator("#problems")).to_be_visible()
    await expect(page.locator("#problems-table")).to_contain_text("below-minimum")

    # English: the same page, every label switched; still accessible.
    await page.click("#lang-toggle")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("#declare-title")).to_have_text("Declare a month")
    await page.click('a[href="#/workers"]')
    await expect(page.locator("#workers-title")).to_have_text("Workers")
    await expect(workers).to_contain_text(E2E_CITIZEN.full_name)
    await assert_accessible(page)
    await page.click('a[href="#/declarations"]')
    await expect(page.locator("#declarations-table")).to_contain_text("Open the receipt")

    # The hire has a card now (in force from the first of the month).
    card = card_of(server, E2E_CITIZEN)
    assert card["beneficiary_group"] == "DN"
    assert card["in_force"] is True

    # The day after the month: the due jobs report An's card reduced; a clinic's check answers 124.
    assert clinic_lookup(server, AN, PERSONA_AN.full_name, "1984-05-17") == "000"
    assert "employer_coverage: 1" in run_due(server, FIRST_OF_NEXT, tmp_path_factory.mktemp("jobs"))
    # (the name in capitals: an identical check within seconds would be answered as a retry of the first)
    assert clinic_lookup(server, AN, PERSONA_AN.full_name.upper(), "1984-05-17") == "124"
    items = inbox(server, PERSONA_AN)
    assert {"employment_ended", "coverage_changed"} <= {item["kind"] for item in items}
    ended = next(item for item in items if item["kind"] == "employment_ended")
    assert str((FIRST_OF_NEXT - timedelta(days=1)).day) in ended["body"]
    assert "household health insurance" in ended["body"]
