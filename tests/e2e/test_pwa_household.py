"""The PWA's household screen in real Chromium against the demo data.

Persona An heads a 4-member household in which only Minh needs household health insurance; paying
changes the demo data, so the tests that pay use An and the one-member view uses Tuấn.
"""

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import (
    PERSONA_AN,
    PHONE,
    LiveServer,
    SeededCitizen,
    api_sign_in,
    assert_accessible,
    open_signed_in,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

PERSONA_TUAN = SeededCitizen(
    username="0100000006",
    citizen_id="001079000006",
    password="Demo@2026",
    phone="0901000006",
    full_name="Hoàng Minh Tuấn",
)
MINH = "Nguyễn Đức Minh"


def get_json(server: LiveServer, path: str, access_token: str) -> Any:
    response = httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def vn_money(amount: int) -> str:
    return f"{amount:,} ₫".replace(",", ".")


def vn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


async def test_the_head_sees_the_members_a_quote_and_pays_with_the_simulated_provider(
    demo_server: LiveServer, page: Page
) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_AN, route="household")
    access = api_sign_in(demo_server, PERSONA_AN)["access_token"]
    household = get_json(demo_server, "/api/v1/households/mine", access)
    minh_before = next(m for m in household["members"] if m["name"] == MINH)

    members = page.locator(".hh-member")
    await expect(members).to_have_count(4)
    assert [await m.locator("strong").first.inner_text() for m in await members.all()] == [
        m["name"] for m in household["members"]
    ]
    await expect(page.locator(f".hh-member[data-member-id='{minh_before['id']}']")).to_contain_text(
        "Cần đóng BHYT hộ gia đình"
    )

    await page.get_by_label("Số tháng đóng").select_option("12")
    quote = get_json(demo_server, "/api/v1/households/mine/quote?months=12", access)
    assert [line["name"] for line in quote["lines"]] == [MINH]
    minh_line = page.locator(f".hh-quote tr[data-member-id='{minh_before['id']}'] .hh-line-amount")
    await expect(minh_line).to_have_text("113.850 ₫ × 12 = 1.366.200 ₫")
    line = quote["lines"][0]
    assert (line["monthly_amount"], line["amount"], quote["total"]) == (113_850, 1_366_200, 1_366_200)
    await expect(page.locator(".hh-total")).to_have_text(vn_money(quote["total"]))

    await assert_accessible(page)
    await save_screenshot(page, "household")

    await page.get_by_role("button", name=f"Đóng {vn_money(quote['total'])}").click()
    await expect(page.locator(".hh-pay-status [role='status']")).to_contain_text("đang chờ xác nhận")
    await page.get_by_role("button", name="Thanh toán (giả lập)").first.click()
    receipt_no = page.locator(".hh-flash .hh-receipt-no")
    await expect(receipt_no).to_have_text(re.compile(r"^\S{4,}$"))

    payments = get_json(demo_server, "/api/v1/households/mine/payments", access)
    assert len(payments) == 1
    payment = payments[0]
    assert payment["status"] == "confirmed"
    assert payment["amount"] == quote["total"]
    await expect(receipt_no).to_have_text(payment["receipt_no"])
    await expect(page.locator(f".hh-payments li[data-payment-id='{payment['id']}']")).to_contain_text(
        payment["receipt_no"]
    )

    # Minh's card now runs to the paid date, on the API and on screen.
    minh_after = next(
        m for m in get_json(demo_server, "/api/v1/households/mine", access)["members"] if m["id"] == minh_before["id"]
    )
    assert minh_after["card_valid_to"] == line["covered_until"]
    assert minh_after["card_valid_to"] > minh_before["card_valid_to"]
    await expect(
        page.locator(f".hh-member[data-member-id='{minh_before['id']}'] [data-field='card_valid_to']")
    ).to_have_text(vn_date(minh_after["card_valid_to"]))
    await assert_accessible(page)


async def test_a_household_of_one_shows_the_one_member_view(demo_server: LiveServer, page: Page) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_TUAN, route="household")
    household = get_json(demo_server, "/api/v1/households/mine", api_sign_in(demo_server, PERSONA_TUAN)["access_token"])
    assert [m["name"] for m in household["members"]] == [PERSONA_TUAN.full_name]
    await expect(page.locator(".hh-member")).to_have_count(1)
    await expect(page.locator(".hh-member strong")).to_have_text(PERSONA_TUAN.full_name)
    await expect(page.locator(".hh-alone")).to_be_visible()
    await expect(page.locator("h1")).to_have_text("Hộ gia đình")
    await expect(page.get_by_role("heading", name="Thêm thành viên")).to_be_visible()
    await assert_accessible(page)


PERSONA_HONG = SeededCitizen(
    username="0100000005",
    citizen_id="001166000005",
    password="Demo@2026",
    phone="0901000005",
    full_name="Lê Thị Hồng",
)


async def test_an_invited_adult_accepts_then_leaves_and_the_head_can_remove_members(
    demo_server: LiveServer, browser: Browser
) -> None:
    head_context = await browser.new_context(viewport=PHONE)
    guest_context = await browser.new_context(viewport=PHONE)
    try:
        head = await open_signed_in(await head_context.new_page(), demo_server, PERSONA_TUAN, route="household")
        head.on("dialog", lambda dialog: dialog.accept())
        # Tuấn adds Hồng by citizen ID and birth date (typed as on paper: dd/mm/yyyy).
        await head.select_option("#hh-id-kind", "citizen_id")
        await head.fill("#hh-identifier", PERSONA_HONG.citizen_id)
        await head.fill("#hh-birth", "10/04/1966")
        await head.select_option("#hh-relation", "sibling")
        await head.click("form.hh-add button[type=submit]")
        await expect(head.locator(".hh-members")).to_contain_text(PERSONA_HONG.full_name)

        tuan = api_sign_in(demo_server, PERSONA_TUAN)["access_token"]
        members = get_json(demo_server, "/api/v1/households/mine", tuan)["members"]
        hong_line = next(m for m in members if m["name"] == PERSONA_HONG.full_name)
        assert (hong_line["consent"], hong_line["data_visible"]) == ("pending", False)

        # Hồng sees the invitation on her own phone and accepts it.
        guest = await open_signed_in(await guest_context.new_page(), demo_server, PERSONA_HONG, route="household")
        guest.on("dialog", lambda dialog: dialog.accept())
        invitation = guest.locator("section[aria-labelledby='hh-inv-title'] li")
        await expect(invitation).to_contain_text("Hoàng Minh Tuấn")
        await invitation.locator("button").first.click()
        await expect(guest.locator("section[aria-labelledby='hh-mine-title']")).to_be_visible()
        await assert_accessible(guest)
        members = get_json(demo_server, "/api/v1/households/mine", tuan)["members"]
        assert next(m for m in members if m["name"] == PERSONA_HONG.full_name)["consent"] == "given"

        # Then she leaves: the head's household is back to one member.
        mine = guest.locator("section[aria-labelledby='hh-mine-title']")
        await mine.get_by_role("button").last.click()
        await expect(guest.locator("section[aria-labelledby='hh-none-title']")).to_be_visible()
        members = get_json(demo_server, "/api/v1/households/mine", tuan)["members"]
        assert [m["name"] for m in members] == [PERSONA_TUAN.full_name]
    finally:
        await head_context.close()
        await guest_context.close()
