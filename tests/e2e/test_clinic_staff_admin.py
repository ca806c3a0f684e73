"""The facility admin keeps the list of staff allowed to check cards, on the /clinic/ page in real Chromium.

Against the demo data: facility 01001's admin (`admin.01001`, password then the one-time code from the dev outbox)
sees Trần Văn Bình, adds a staff member after being told inline what was wrong, removes one after confirming, and the
clinic's checks follow the list (054 for someone taken off it).
"""

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from ansinh.demo.personas import (
    AN,
    CLINIC_CLIENT_ID,
    CLINIC_SECRET,
    FACILITY_ADMIN_USERNAME,
    PERSONAS,
    REGISTERED_STAFF,
)
from ansinh.demo.runner import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, assert_accessible, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

[(BINH_NAME, BINH_CITIZEN_ID)] = REGISTERED_STAFF
PERSONA_AN = next(p for p in PERSONAS if p.si_code == AN)
NEW_NAME, NEW_CITIZEN_ID = "Ngô Thị Hoa", "001190055555"
OTHER_NAME, OTHER_CITIZEN_ID = "Đặng Văn Long", "001085066666"
ROWS = "#roster-rows tr"


def latest_code(server: LiveServer, destination: str) -> str:
    """The newest one-time code the dev outbox sent to ``destination``."""
    messages = httpx.get(f"{server.url}/api/v1/dev/outbox", params={"to": destination}, timeout=10).json()
    assert messages, f"no code was sent to {destination}"
    match = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert match, messages[0]["text"]
    return match.group(1)


def clinic_lookup(server: LiveServer, staff_name: str, staff_citizen_id: str, **identifier: str) -> str:
    """A look-up of persona An by the demo clinic's machine, naming the checking staff member: its result code."""
    token = httpx.post(
        f"{server.url}/api/v1/clinic/token",
        data={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": CLINIC_SECRET},
        timeout=10,
    ).json()["access_token"]
    answer = httpx.post(
        f"{server.url}/api/v1/clinic/lookup",
        json={
            **identifier,
            "full_name": PERSONA_AN.full_name,
            "date_of_birth": PERSONA_AN.date_of_birth.isoformat(),
            "staff_name": staff_name,
            "staff_citizen_id": staff_citizen_id,
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["result"])


def open_sessions(server: LiveServer, username: str) -> int:
    """How many of the account's sessions have not been ended."""
    [(count,)] = server.sql(
        "SELECT count(*) FROM auth_session s JOIN account a ON a.id = s.account_id "
        "WHERE a.username = :u AND s.revoked_at IS NULL",
        {"u": username},
    )
    return int(count)


async def sign_in_as_admin(page: Page, server: LiveServer) -> None:
    await page.goto(f"{server.url}/clinic/")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await page.click("#admin-open")
    await expect(page.locator("#admin-open")).to_have_attribute("aria-expanded", "true")
    await expect(page.locator("#admin-username")).to_be_focused()
    await page.fill("#admin-username", FACILITY_ADMIN_USERNAME)
    await page.fill("#admin-password", DEMO_PASSWORD)
    await page.click("#admin-signin-submit")
    await expect(page.locator("#admin-code")).to_be_focused()
    [(email,)] = server.sql("SELECT email FROM account WHERE username = :u", {"u": FACILITY_ADMIN_USERNAME})
    await expect(page.locator("#admin-code-sent")).to_contain_text("A code was sent to")
    await page.fill("#admin-code", latest_code(server, email))
    await page.click("#admin-code-submit")
    await expect(page.locator("#roster")).to_be_visible()


async def add(page: Page, full_name: str, citizen_id: str) -> None:
    await page.fill("#roster-add-name", full_name)
    await page.fill("#roster-add-cid", citizen_id)
    await page.click("#roster-add-submit")


async def test_the_facility_admin_lists_adds_and_removes_checking_staff(demo_server: LiveServer, page: Page) -> None:
    await sign_in_as_admin(page, demo_server)
    # The facility's list: the demo's Trần Văn Bình, full name and citizen ID.
    await expect(page.locator(ROWS)).to_have_count(1)
    await expect(page.locator(ROWS).first).to_contain_text(BINH_NAME)
    await expect(page.locator(ROWS).first).to_contain_text(BINH_CITIZEN_ID)
    await expect(page.locator("#roster-total")).to_have_text("1")
    await expect(page.locator("#admin-who")).to_have_text(FACILITY_ADMIN_USERNAME)
    await assert_accessible(page)

    # Bad input is told inline, beside each field, in Vietnamese and English; nothing is sent.
    await add(page, "X", "00119005555")
    name_error, cid_error = page.locator("#roster-add-name-error"), page.locator("#roster-add-cid-error")
    await expect(name_error).to_contain_text("Nhập họ và tên đầy đủ")
    await expect(name_error).to_contain_text("Enter the full name")
    await expect(cid_error).to_contain_text("12 chữ số")
    await expect(page.locator("#roster-add-name")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#roster-add-cid")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#roster-add-name")).to_be_focused()
    await assert_accessible(page)
    await add(page, NEW_NAME, "００１１９００５５５５５")  # full-width digits are not a citizen ID
    await expect(name_error).to_be_hidden()
    await expect(cid_error).to_be_visible()
    # A citizen ID already on the list: the server's answer (409), told at the field.
    await add(page, NEW_NAME, BINH_CITIZEN_ID)
    await expect(cid_error).to_contain_text("đã được đăng ký")
    await expect(page.locator(ROWS)).to_have_count(1)

    # Two new staff members; the list shows them (by name) and the clinic's checks accept them at once.
    assert clinic_lookup(demo_server, NEW_NAME, NEW_CITIZEN_ID, citizen_id=PERSONA_AN.citizen_id) == "054"
    await add(page, NEW_NAME, NEW_CITIZEN_ID)
    await expect(page.locator("#roster-status")).to_contain_text(f"Đã thêm {NEW_NAME}")
    await expect(cid_error).to_be_hidden()
    await expect(page.locator("#roster-add-name")).to_have_value("")
    await add(page, OTHER_NAME, OTHER_CITIZEN_ID)
    await expect(page.locator(ROWS)).to_have_count(3)
    await expect(page.locator("#roster-total")).to_have_text("3")
    names = await page.locator(f"{ROWS} td:first-child").all_text_contents()
    assert sorted(names) == sorted([BINH_NAME, NEW_NAME, OTHER_NAME])
    assert clinic_lookup(demo_server, NEW_NAME, NEW_CITIZEN_ID, card_number=PERSONA_AN.si_code) == "000"

    # Removing asks first; "keep" changes nothing.
    new_row = page.locator(ROWS, has_text=NEW_CITIZEN_ID)
    await new_row.get_by_role("button").click()
    dialog = page.locator("#roster-remove-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#roster-remove-who")).to_have_text(f"{NEW_NAME} ({NEW_CITIZEN_ID})")
    await assert_accessible(page, context="#roster-remove-dialog")
    await page.click("#roster-remove-cancel")
    await expect(dialog).to_be_hidden()
    await expect(page.locator(ROWS)).to_have_count(3)
    # Confirmed, the member is gone, and their next check answers 054.
    await new_row.get_by_role("button").click()
    await page.click("#roster-remove-confirm")
    await expect(page.locator(ROWS)).to_have_count(2)
    await expect(page.locator("#roster-status")).to_contain_text(f"Đã xóa {NEW_NAME}")
    assert clinic_lookup(demo_server, NEW_NAME, NEW_CITIZEN_ID, citizen_id=PERSONA_AN.citizen_id) == "054"
    # Escape after an earlier confirmation is still "keep".
    await page.locator(ROWS, has_text=OTHER_CITIZEN_ID).get_by_role("button").click()
    await expect(dialog).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(page.locator(ROWS)).to_have_count(2)
    listed = demo_server.sql(
        "SELECT s.citizen_id FROM facility_staff s JOIN medical_facility f ON f.id = s.facility_id "
        "WHERE f.code = '01001' ORDER BY s.citizen_id"
    )
    assert [citizen_id for (citizen_id,) in listed] == sorted([BINH_CITIZEN_ID, OTHER_CITIZEN_ID])
    await assert_accessible(page)

    await save_screenshot(page, "clinic-staff-admin")

    # Signing out returns to the password form and ends the admin's session.
    await page.click("#admin-signout")
    await expect(page.locator("#admin-signin-form")).to_be_visible()
    await expect(page.locator("#roster")).to_be_hidden()
    assert open_sessions(demo_server, FACILITY_ADMIN_USERNAME) == 0


async def test_a_citizen_account_cannot_manage_the_list(demo_server: LiveServer, page: Page) -> None:
    await page.goto(f"{demo_server.url}/clinic/")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await page.click("#admin-open")
    await page.fill("#admin-username", PERSONA_AN.si_code)
    await page.fill("#admin-password", DEMO_PASSWORD)
    await page.click("#admin-signin-submit")
    await expect(page.locator("#admin-code")).to_be_focused()
    await page.fill("#admin-code", latest_code(demo_server, PERSONA_AN.phone))
    await page.click("#admin-code-submit")
    await expect(page.locator("#admin-signin-error")).to_contain_text("không quản trị cơ sở nào")
    await expect(page.locator("#admin-signin-error")).to_contain_text("administers no facility")
    await expect(page.locator("#roster")).to_be_hidden()
    assert open_sessions(demo_server, PERSONA_AN.si_code) == 0  # the session the citizen's code opened was ended
