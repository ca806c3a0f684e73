"""The PWA's card and home screens in real Chromium against the demo data.

The card screen shows what GET /api/v1/me/card says, a QR that decodes to a genuine online token, a
countdown, the offline pass from IndexedDB once the network is gone, and a receipt for each clinic check.
"""

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import png
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.async_api import Page, expect

from ansinh.cards.results import CheckResult
from ansinh.cards.tokens import OFFLINE_TTL, ONLINE_TTL, TokenCheck, check_card_token
from ansinh.core.signing import public_key_from_jwk
from ansinh.demo.personas import CLINIC_CLIENT_ID, CLINIC_SECRET, REGISTERED_STAFF
from tests.e2e.conftest import (
    PERSONA_AN,
    PHONE,
    LiveServer,
    api_sign_in,
    assert_accessible,
    open_signed_in,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

# The staff member the demo registers at facility 01001 (checks by anyone else answer 054).
[(STAFF_NAME, STAFF_CITIZEN_ID)] = REGISTERED_STAFF
QR = ".hi-qr-img"


def get_json(server: LiveServer, path: str, access_token: str) -> Any:
    response = httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def public_keys(server: LiveServer) -> dict[str, ec.EllipticCurvePublicKey]:
    """The server's card-signing public keys from its JWKS, by kid."""
    jwks = httpx.get(f"{server.url}/.well-known/jwks.json", timeout=10).json()
    return {key["kid"]: public_key_from_jwk(json.dumps(key)) for key in jwks["keys"]}


def decode_screenshot(image: bytes) -> str | None:
    """The text of the QR code in a PNG screenshot (zxing-cpp on its greyscale pixels)."""
    width, height, rows, _ = png.Reader(bytes=image).asRGBA8()
    grey = bytearray()
    for row in rows:
        for x in range(0, width * 4, 4):
            grey.append((row[x] * 299 + row[x + 1] * 587 + row[x + 2] * 114) // 1000)
    result = zxingcpp.read_barcode(memoryview(bytes(grey)).cast("B", (height, width)))
    return None if result is None else str(result.text)


async def shown_token(page: Page, server: LiveServer) -> tuple[str, TokenCheck]:
    """Photograph the QR on screen, decode it and check the token against the server's JWKS."""
    text = decode_screenshot(await page.locator(QR).screenshot())
    assert text is not None, "the QR on screen did not decode"
    return text, check_card_token(text, public_keys(server), now=datetime.now(UTC))


def vn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


async def test_the_card_screen_shows_the_card_a_live_qr_and_the_receipts_of_clinic_checks(
    demo_server: LiveServer, page: Page
) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_AN, route="card")
    await page.wait_for_selector(".hi-qr-panel[data-mode='online']")
    card = get_json(demo_server, "/api/v1/me/card", api_sign_in(demo_server, PERSONA_AN)["access_token"])

    expected = {
        "number": card["number"],
        "legacy_code": card["legacy_code"],
        "name": card["name"],
        "birth_date": vn_date(card["birth_date"]),
        "sex": "Nam" if card["sex"] == "M" else "Nữ",
        "beneficiary_group": card["beneficiary_group"],
        "benefit_level": f"{card['benefit_level']} — {card['benefit_level_meaning_vi']}",
        "primary_facility": f"{card['primary_facility_code']} — {card['primary_facility_name']}",
        "valid_from": vn_date(card["valid_from"]),
        "valid_to": vn_date(card["valid_to"]),
        "five_year_date": vn_date(card["five_year_date"]),
    }
    shown = {name: await page.locator(f".hi-card dd[data-field='{name}']").inner_text() for name in expected}
    assert shown == expected
    await expect(page.locator(".hi-card [data-field='status']")).to_have_text("Còn hiệu lực")

    # The QR is a genuine online token of this very card, and a countdown runs to its expiry.
    text, check = await shown_token(page, demo_server)
    assert check.result == CheckResult.VALID
    assert check.claims is not None
    assert check.claims.card_number == card["number"]
    assert check.claims.card_serial == card["serial"]
    assert check.claims.expires_at - check.claims.issued_at == ONLINE_TTL.total_seconds()
    countdown = page.locator(".hi-qr-countdown")
    await expect(countdown).to_have_text(re.compile(r"^Mã hết hạn sau [0-3]:[0-5]\d$"))
    first = await countdown.inner_text()
    # The countdown moves on (waited for, not timed: a loaded machine may skip a tick).
    await expect(countdown).not_to_have_text(first)
    assert await page.locator(QR).get_attribute("alt") == f"Mã QR thẻ BHYT của {card['name']}"

    await assert_accessible(page)
    await save_screenshot(page, "card")

    # A clinic checks the code on screen: the receipt appears, without the staff member's ID number.
    async with httpx.AsyncClient(base_url=demo_server.url, timeout=10) as http:
        clinic = await http.post(
            "/api/v1/clinic/token",
            data={"grant_type": "client_credentials", "client_id": CLINIC_CLIENT_ID, "client_secret": CLINIC_SECRET},
        )
        assert clinic.status_code == 200, clinic.text
        verdict = await http.post(
            "/api/v1/clinic/verify",
            json={"token": text, "staff_name": STAFF_NAME, "staff_citizen_id": STAFF_CITIZEN_ID},
            headers={"Authorization": f"Bearer {clinic.json()['access_token']}"},
        )
        assert verdict.status_code == 200, verdict.text
    assert verdict.json()["result"] == "000"
    await page.get_by_role("button", name="Cập nhật").click()
    receipt = page.locator(".hi-check").filter(has_text=STAFF_NAME)
    await expect(receipt).to_have_count(1)
    receipt_text = await receipt.inner_text()
    assert "Bệnh viện Bạch Mai (01001)" in receipt_text
    assert verdict.json()["message_vi"] in receipt_text
    assert "Quét mã QR" in receipt_text
    assert STAFF_CITIZEN_ID not in receipt_text
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", receipt_text)
    await assert_accessible(page)


async def test_with_no_network_the_card_screen_shows_the_stored_offline_pass(
    demo_server: LiveServer, page: Page
) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_AN, route="card")
    # Online first: the service worker takes the page and the 7-day pass is stored in IndexedDB.
    await page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await page.wait_for_selector(".hi-qr-panel[data-offline-pass-until]")
    keys_before_going_offline = public_keys(demo_server)

    await page.context.set_offline(True)
    await page.reload()
    await page.wait_for_selector("body[data-ready='true']")
    panel = page.locator(".hi-qr-panel[data-mode='offline']")
    await expect(panel).to_be_visible()
    await expect(panel.locator(".hi-qr-offline")).to_contain_text(re.compile(r"Thẻ ngoại tuyến, có giá trị đến \d{2}/"))
    await expect(page.locator(".hi-card dd[data-field='number']")).to_have_text(PERSONA_AN.username)

    text = decode_screenshot(await page.locator(QR).screenshot())
    assert text is not None
    check = check_card_token(text, keys_before_going_offline, now=datetime.now(UTC))
    assert check.result == CheckResult.VALID
    assert check.claims is not None
    assert check.claims.card_number == PERSONA_AN.username
    assert abs(check.claims.expires_at - check.claims.issued_at - OFFLINE_TTL.total_seconds()) < 60
    await page.context.set_offline(False)


async def test_home_shows_the_name_the_card_and_the_arrears(demo_server: LiveServer, page: Page) -> None:
    await page.set_viewport_size(PHONE)
    await open_signed_in(page, demo_server, PERSONA_AN, route="home")
    summary = get_json(demo_server, "/api/v1/me/contributions", api_sign_in(demo_server, PERSONA_AN)["access_token"])[
        "summary"
    ]
    assert summary["arrears_months"] > 0
    await expect(page.locator("h1")).to_have_text("Trang chủ")
    await expect(page.locator(".home-greeting")).to_have_text(f"Xin chào, {PERSONA_AN.full_name}")
    arrears = page.locator("[data-todo='arrears']")
    await expect(arrears).to_contain_text(f"{summary['arrears_months']} tháng")
    for employer in summary["employers_owing"]:
        for month in employer["months"]:
            year, mm = month.split("-")
            await expect(arrears).to_contain_text(f"{mm}/{year}")
    for href in ("#/card", "#/contributions", "#/benefits", "#/visits", "#/household"):
        await expect(page.locator(f".home-shortcuts a[href='{href}']")).to_have_count(1)
    await assert_accessible(page)
    await save_screenshot(page, "home")
