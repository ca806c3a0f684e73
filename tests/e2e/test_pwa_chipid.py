"""Settings in Chromium for chip-ID (issue 9): the assurance level and how to raise it, chip verifications and their
security events, and the step-up (a fresh passkey sign-in) that a contact change or removing the last passkey needs.

The live server trusts a test CSCA (tests/support/chip_pki.py), so an account is made chip-verified through the
real API with a synthetic card, as the mobile app or a counter reader would.
"""

import base64
import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Locator, Page, Route, expect

from ansinh.identity.guards import StepUpRequired
from tests.e2e.conftest import (
    PERSONA_AN,
    PERSONA_HAN,
    PERSONA_LAN,
    PERSONA_MINH,
    PHONE,
    TEXTS_EN,
    TEXTS_VI,
    LiveServer,
    add_virtual_authenticator,
    api_sign_in,
    assert_accessible,
    open_signed_in,
    save_screenshot,
)
from tests.support import chip_pki

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

VI, EN = TEXTS_VI, TEXTS_EN


# One persona per test (backend/ansinh/demo/personas.py); each signs in by OTP at most twice in this module.
LAN = PERSONA_LAN
MINH = PERSONA_MINH
HAN = PERSONA_HAN

STEP_UP_TEXT = re.compile(f"{re.escape(StepUpRequired.default_vi)}|{re.escape(StepUpRequired.default_en)}")


@pytest.fixture(scope="module")
def csca() -> chip_pki.Party:
    return chip_pki.make_csca()


@pytest.fixture(scope="module")
def live_server_env(csca: chip_pki.Party, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The module's live server trusts the test CSCA (and nothing else)."""
    folder = tmp_path_factory.mktemp("csca")
    (folder / "csca-test.pem").write_bytes(csca.pem)
    return {"ANSINH_CSCA_PATH": str(folder)}


@pytest_asyncio.fixture(loop_scope="module")
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A fresh context at phone size (360×740); any uncaught error in the page fails the test."""
    context = await browser.new_context(viewport=PHONE)
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
    finally:
        await context.close()
    assert not errors, errors


def authorised(server: LiveServer, tokens: dict[str, Any]) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=20)


def outbox(server: LiveServer, destination: str) -> list[dict[str, Any]]:
    """What the dev outbox holds for ``destination`` (a phone number or an e-mail address), newest first."""
    return list(httpx.get(f"{server.url}/api/v1/dev/outbox", params={"to": destination}, timeout=10).json())


def sent_code(server: LiveServer, destination: str) -> str:
    """The newest 6-digit code sent to ``destination``."""
    messages = outbox(server, destination)
    assert messages, f"nothing sent to {destination}"
    match = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert match, messages[0]["text"]
    return match.group(1)


def card_for(profile: dict[str, Any], signer: chip_pki.Party) -> chip_pki.Chip:
    """A synthetic chip card naming the signed-in person (an ECDSA active-authentication key inside)."""
    holder = chip_pki.Holder(
        citizen_id=profile["citizen_id"],
        full_name=profile["full_name"],
        date_of_birth=date.fromisoformat(profile["date_of_birth"]),
        sex=profile["sex"],
    )
    return chip_pki.make_chip(signer, holder)


def verify_chip(http: httpx.Client, chip: chip_pki.Chip) -> httpx.Response:
    """What the mobile app does: a challenge for the chip to sign, then the chip's files and answer."""
    issued = http.post("/api/v1/me/chip-id/challenge")
    assert issued.status_code == 200, issued.text
    nonce = base64.b64decode(issued.json()["nonce"])
    return http.post(
        "/api/v1/me/chip-id/verify", json=chip.body(nonce=nonce, challenge_id=issued.json()["challenge_id"])
    )


async def show_top_of(element: Locator) -> None:
    """Scroll ``element``'s top into view below the sticky app bar (for the screenshots)."""
    await element.evaluate("(node) => node.scrollIntoView({ block: 'start' })")


def backdate_passkeys(server: LiveServer, username: str, *, days: int) -> None:
    """Make the account's passkeys ``days`` older in the server's database (past the step-up cooling-off)."""
    server.sql(
        "UPDATE passkey SET created_at = created_at - make_interval(days => :days) "
        "WHERE account_id = (SELECT id FROM account WHERE username = :u)",
        {"days": days, "u": username},
    )


async def add_passkey(page: Page) -> None:
    """Enrol a passkey from Settings (the virtual authenticator approves)."""
    await page.click("#passkey-add")
    await expect(page.locator("#passkey-list li[data-passkey-id]")).to_have_count(1)


async def test_a_basic_account_sees_its_level_how_to_raise_it_and_that_a_browser_cannot_read_the_chip(
    demo_server: LiveServer, phone: Page
) -> None:
    await open_signed_in(phone, demo_server, PERSONA_AN, route="settings")
    section = phone.locator("#settings-identity")
    await expect(section.locator("h2")).to_have_text(VI["settings"]["identity"]["title"])
    level = phone.locator("#assurance-level")
    await expect(level).to_have_attribute("data-level", "basic")
    await expect(level).to_contain_text("Cơ bản (mật khẩu + mã OTP)")
    await expect(phone.locator("#assurance-allows")).to_have_text(VI["settings"]["identity"]["allows_basic"])
    raise_ = phone.locator("#assurance-raise")
    await expect(raise_).to_be_visible()
    await expect(raise_).to_contain_text(VI["settings"]["identity"]["raise_app"])
    await expect(raise_).to_contain_text(VI["settings"]["identity"]["raise_counter"])
    # Honest: headless desktop Chromium has no Web NFC, and no browser reaches the ID card's chip; no scan button.
    note = phone.locator("#chip-browser-note")
    await expect(note).to_contain_text(VI["settings"]["identity"]["browser_no_nfc"])
    await expect(section.locator("button")).to_have_count(0)
    await expect(phone.locator("#chip-history")).to_contain_text(VI["settings"]["identity"]["history_none"])
    # The contact on record, and the way to change it.
    await expect(phone.locator("#contact-phone")).to_have_text(PERSONA_AN.phone)
    await expect(phone.locator("#contact-submit")).to_be_visible()

    await show_top_of(section)
    await assert_accessible(phone)
    await save_screenshot(phone, "settings-identity")

    await phone.select_option("#settings-language", "en")
    await expect(phone.locator("h1")).to_have_text(EN["settings"]["title"])
    await expect(level).to_contain_text(EN["settings"]["identity"]["levels"]["basic"])
    await expect(phone.locator("#assurance-allows")).to_have_text(EN["settings"]["identity"]["allows_basic"])
    await expect(note).to_contain_text(EN["settings"]["identity"]["browser_no_nfc"])
    await expect(phone.locator("#chip-history")).to_contain_text(EN["settings"]["identity"]["history_none"])
    await assert_accessible(phone)

    # Where the browser does have Web NFC (Chrome on Android), the note says what it can and cannot read.
    await phone.add_init_script("window.NDEFReader = class NDEFReader {};")
    await phone.reload()
    await phone.wait_for_selector("body[data-ready='true']")
    await expect(note).to_contain_text(EN["settings"]["identity"]["browser_web_nfc"])
    await expect(section.locator("button")).to_have_count(0)


async def test_a_chip_verified_account_shows_its_level_verifications_and_security_events(
    demo_server: LiveServer, phone: Page, csca: chip_pki.Party
) -> None:
    tokens = api_sign_in(demo_server, LAN)
    with authorised(demo_server, tokens) as http:
        profile = http.get("/api/v1/me").json()
        assert profile["assurance_level"] == "basic"
        # First a card whose signer no trusted CSCA issued (refused, and logged), then Lan's genuine card.
        rogue_signer = chip_pki.make_signer(chip_pki.make_csca(name="CSCA Test Viet Nam"))
        refused = verify_chip(http, card_for(profile, rogue_signer))
        assert refused.status_code == 422, refused.text
        assert refused.json()["failed_check"] == "document_signer_chain"
        verified = verify_chip(http, card_for(profile, chip_pki.make_signer(csca)))
        assert verified.status_code == 200, verified.text
        last_digits = verified.json()["document_last_digits"]
        assert last_digits == profile["citizen_id"][-4:]

    await open_signed_in(phone, demo_server, LAN, route="settings")
    texts = VI["settings"]["identity"]
    level = phone.locator("#assurance-level")
    await expect(level).to_have_attribute("data-level", "chip_verified")
    await expect(level).to_contain_text("Đã xác thực bằng CCCD gắn chip")
    await expect(phone.locator("#assurance-allows")).to_have_text(texts["allows_chip"])
    await expect(phone.locator("#assurance-raise")).to_be_hidden()

    history = phone.locator("#chip-history li[data-outcome]")
    await expect(history).to_have_count(2)
    await expect(history.nth(0)).to_have_attribute("data-outcome", "passed")  # newest first
    await expect(history.nth(0)).to_contain_text(texts["outcome"]["passed"])
    await expect(history.nth(0)).to_contain_text(texts["document"].format(digits=last_digits))
    await expect(history.nth(1)).to_have_attribute("data-outcome", "failed")
    await expect(history.nth(1)).to_contain_text(
        texts["failed_at"].format(check=texts["checks"]["document_signer_chain"])
    )

    verified_event = phone.locator("#event-list li[data-kind=chip_verified]")
    await expect(verified_event).to_have_count(1)
    await expect(verified_event).to_contain_text(VI["settings"]["events"]["chip_verified"])
    await expect(verified_event.locator(".event-detail")).to_have_text(
        f"{texts['purpose']['verify']} · {texts['outcome']['passed']} · " + texts["document"].format(digits=last_digits)
    )
    failed_event = phone.locator("#event-list li[data-kind=chip_verification_failed]")
    await expect(failed_event).to_contain_text(VI["settings"]["events"]["chip_verification_failed"])
    await expect(failed_event.locator(".event-detail")).to_have_text(
        f"{texts['purpose']['verify']} · {texts['outcome']['failed']} · "
        + texts["failed_at"].format(check=texts["checks"]["document_signer_chain"])
    )
    await show_top_of(phone.locator("#settings-identity"))
    await assert_accessible(phone)
    await save_screenshot(phone, "settings-chip-verified")

    # Chip-verified, Lan changes her phone number from this password+OTP session with no extra step.
    new_phone = "0988000002"
    await phone.fill("#contact-value", new_phone)
    await phone.click("#contact-submit")
    await expect(phone.locator("#contact-code")).to_be_focused()
    await expect(phone.locator("#contact-stepup")).to_be_empty()
    await phone.fill("#contact-code", sent_code(demo_server, new_phone))
    await phone.click("#contact-confirm")
    await expect(phone.locator("#contact-status")).to_have_text(VI["settings"]["contact"]["changed_phone"])
    await expect(phone.locator("#settings-contact-title")).to_be_focused()
    await expect(phone.locator("#contact-phone")).to_have_text(new_phone)
    await expect(phone.locator("#event-list li[data-kind=contact_changed] .event-detail")).to_have_text(
        VI["settings"]["contact"]["phone"]
    )


async def test_a_contact_change_from_a_password_session_asks_for_a_passkey_then_goes_through(
    demo_server: LiveServer, phone: Page
) -> None:
    await open_signed_in(phone, demo_server, MINH, route="settings")
    authenticator = await add_virtual_authenticator(phone)
    new_email = "minh.nguyen@example.vn"
    panel = phone.locator("#contact-stepup .stepup")

    # No passkey yet: the step-up says so (no button that could not work) and explains the chip route.
    await phone.check("#contact-field-email")
    await expect(phone.get_by_label(VI["settings"]["contact"]["new_email"])).to_have_attribute("type", "email")
    await phone.fill("#contact-value", new_email)
    await phone.click("#contact-submit")
    await expect(panel.get_by_role("alert")).to_have_text(STEP_UP_TEXT)
    await expect(panel.locator("[data-step-up=passkey-none]")).to_have_text(VI["stepup"]["passkey_none"])
    await expect(panel.locator("[data-step-up=chip]")).to_have_text(VI["stepup"]["chip"])
    await expect(panel.locator("[data-action=stepup-passkey]")).to_have_count(0)
    await panel.locator("[data-action=stepup-chip]").click()
    await expect(phone.locator("#settings-identity-title")).to_be_focused()
    await panel.locator("[data-action=stepup-cancel]").click()
    await expect(panel).to_have_count(0)
    assert outbox(demo_server, new_email) == []  # nothing was sent: the server refused before sending

    # A passkey enrolled just now cannot stand in yet (a thief with the password and a code could enrol one):
    # the panel says from when it can and offers only the chip route.
    await add_passkey(phone)
    await phone.click("#contact-submit")
    await expect(panel.locator("[data-step-up=passkey-cooling-off]")).to_contain_text("24")
    await expect(panel.locator("[data-action=stepup-passkey]")).to_have_count(0)
    await panel.locator("[data-action=stepup-cancel]").click()
    backdate_passkeys(demo_server, MINH.username, days=2)

    # Once the passkey has been enrolled a day, the step-up offers a passkey sign-in; afterwards the change goes on
    # to its confirm step.
    await phone.click("#contact-submit")
    button = panel.locator("[data-action=stepup-passkey]")
    await expect(button).to_be_focused()
    await expect(button).to_have_text(VI["stepup"]["passkey_button"])
    await expect(panel.get_by_role("alert")).to_have_text(STEP_UP_TEXT)
    await show_top_of(panel)
    await assert_accessible(phone)
    await save_screenshot(phone, "settings-step-up")
    async with phone.expect_response("**/api/v1/auth/passkeys/authentication") as signed_in:
        await button.click()
    assert (await signed_in.value).status == 200
    code = phone.locator("#contact-code")
    await expect(code).to_be_focused()
    await expect(panel).to_have_count(0)
    await expect(phone.locator("#contact-code-sent")).to_contain_text(new_email)
    await code.fill(sent_code(demo_server, new_email))
    await phone.click("#contact-confirm")
    await expect(phone.locator("#contact-status")).to_have_text(VI["settings"]["contact"]["changed_email"])
    await expect(phone.locator("#contact-email")).to_have_text(new_email)
    [held] = await authenticator.credentials()
    assert held["signCount"] >= 1  # the passkey was used to sign in, not only created
    # This device's password session gave way to the passkey session (not left behind).
    await expect(phone.locator("#session-list li")).to_have_count(1)
    await expect(phone.locator("#session-list li[data-current='true']")).to_contain_text(
        VI["settings"]["sessions"]["amr"]["passkey"]
    )

    # On the server too: the e-mail changed; besides the passkey session only the one opened just now.
    with authorised(demo_server, api_sign_in(demo_server, MINH)) as http:
        assert http.get("/api/v1/me").json()["email"] == new_email
        sessions = http.get("/api/v1/me/sessions").json()
        assert sorted(s["amr"] for s in sessions) == ["passkey", "pwd+otp"]  # pwd+otp: the one just opened
        assert [s["current"] for s in sessions if s["amr"] == "pwd+otp"] == [True]


async def test_removing_the_last_passkey_after_a_passkey_sign_in_of_this_account_only(
    demo_server: LiveServer, phone: Page
) -> None:
    await open_signed_in(phone, demo_server, HAN, route="settings")
    await add_virtual_authenticator(phone)
    await add_passkey(phone)
    row = phone.locator("#passkey-list li[data-passkey-id]")
    name = await row.locator(".passkey-name").text_content()
    await row.locator("[data-action=remove]").click()
    await row.locator("[data-action=confirm-remove]").click()
    panel = phone.locator("#passkey-stepup .stepup")
    await expect(panel.get_by_role("alert")).to_have_text(STEP_UP_TEXT)
    await expect(row).to_have_count(1)

    # The passkey sign-in is usernameless: had it answered for another account, that session ends at once and
    # nothing is removed. (The profile read with the new session is made to name someone else.)
    faked: list[str] = []

    async def someone_else(route: Route) -> None:
        if route.request.headers.get("authorization") and faked == ["armed"]:
            answer = await route.fetch()
            body = await answer.json()
            faked.append(body["username"])
            await route.fulfill(response=answer, json={**body, "username": "0100000001"})
        else:
            await route.continue_()

    await phone.route("**/api/v1/me", someone_else)

    def arm(response: Any) -> None:
        if response.url.endswith("/api/v1/auth/passkeys/authentication") and not faked:
            faked.append("armed")

    phone.on("response", arm)
    await panel.locator("[data-action=stepup-passkey]").click()
    await expect(panel.get_by_role("alert").filter(has_text=VI["stepup"]["other_account"])).to_be_visible()
    await phone.unroute("**/api/v1/me", someone_else)
    phone.remove_listener("response", arm)
    assert faked == ["armed", HAN.username]
    await expect(row).to_have_count(1)
    tokens = api_sign_in(demo_server, HAN)
    with authorised(demo_server, tokens) as http:
        amrs = [s["amr"] for s in http.get("/api/v1/me/sessions").json()]
        assert "passkey" not in amrs  # the passkey session the page refused was signed out
        assert len(http.get("/api/v1/me/passkeys").json()) == 1

    # The real thing: this account's passkey signs in again, and the last passkey goes.
    await panel.locator("[data-action=stepup-passkey]").click()
    await expect(phone.locator("#settings-passkeys > .form-status")).to_have_text(
        VI["settings"]["passkeys"]["removed"].format(name=name)
    )
    await expect(panel).to_have_count(0)
    await expect(phone.locator("#passkey-list")).to_contain_text(VI["settings"]["passkeys"]["none"])
    with authorised(demo_server, tokens) as http:
        assert http.get("/api/v1/me/passkeys").json() == []
        kinds = [e["kind"] for e in http.get("/api/v1/me/security-events").json()["items"]]
        assert "passkey_removed" in kinds
