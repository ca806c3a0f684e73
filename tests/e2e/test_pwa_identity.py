"""The PWA's sign-in, passkey, forgotten-password and settings screens in Chromium, against the live demo server."""

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from ansinh.identity.guards import StepUpRequired
from tests.e2e.conftest import (
    PERSONA_AN,
    PERSONA_HAN,
    PERSONA_HONG,
    PERSONA_LAN,
    PERSONA_MINH,
    PERSONA_TUAN,
    PHONE,
    TEXTS_EN,
    TEXTS_VI,
    LiveServer,
    SeededCitizen,
    add_virtual_authenticator,
    api_sign_in,
    assert_accessible,
    open_signed_in,
    save_screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

VI, EN = TEXTS_VI, TEXTS_EN


# One persona per test where sessions or passkeys could interfere (backend/ansinh/demo/personas.py).
LAN = PERSONA_LAN
MINH = PERSONA_MINH
HAN = PERSONA_HAN
HONG = PERSONA_HONG
TUAN = PERSONA_TUAN


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


def latest_code(server: LiveServer, phone_number: str) -> str:
    """The newest 6-digit code the dev outbox holds for ``phone_number``."""
    messages = httpx.get(f"{server.url}/api/v1/dev/outbox", params={"to": phone_number}, timeout=10).json()
    assert messages, f"nothing sent to {phone_number}"
    match = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert match, messages[0]["text"]
    return match.group(1)


def call_api(
    server: LiveServer, method: str, path: str, access_token: str | None = None, body: dict[str, Any] | None = None
) -> httpx.Response:
    """One API call from outside the browser (another device)."""
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return httpx.request(method, f"{server.url}{path}", headers=headers, json=body, timeout=10)


def api_get(server: LiveServer, path: str, access_token: str) -> httpx.Response:
    return call_api(server, "GET", path, access_token)


async def open_app(page: Page, server: LiveServer, route: str = "signin") -> None:
    await page.goto(f"{server.url}/#/{route}")
    await page.wait_for_selector("body[data-ready='true']")


async def submit_password(page: Page, citizen: SeededCitizen, password: str | None = None) -> None:
    await page.fill("#signin-username", citizen.username)
    await page.fill("#signin-password", password or citizen.password)
    await page.click("#signin-submit")


async def sign_in_through_ui(
    page: Page, server: LiveServer, citizen: SeededCitizen, password: str | None = None
) -> None:
    """Password, then the code from the dev outbox; stops after the code is accepted."""
    await open_app(page, server)
    await submit_password(page, citizen, password)
    await page.wait_for_selector("#signin-code")
    await page.fill("#signin-code", latest_code(server, citizen.phone))
    await page.click("#otp-submit")


async def expect_home(page: Page) -> None:
    await page.wait_for_function("() => location.hash === '#/home'")
    await expect(page.locator("#tab-bar")).not_to_have_attribute("hidden", "")


async def go(page: Page, route: str) -> None:
    """Change route inside the app (no reload: the access token stays in memory)."""
    await page.evaluate("(route) => { location.hash = `#/${route}`; }", route)


async def test_sign_in_with_password_and_code_at_phone_size(demo_server: LiveServer, phone: Page) -> None:
    await open_app(phone, demo_server)
    await expect(phone.locator("h1")).to_have_text(VI["signin"]["title"])
    username = phone.locator("#signin-username")
    await expect(username).to_have_attribute("autocomplete", "username webauthn")
    await expect(phone.get_by_label(VI["signin"]["password"])).to_have_attribute("type", "password")
    await expect(phone.locator("a[href='#/forgot']")).to_have_text(VI["signin"]["forgot"])
    await expect(phone.locator("#signin-passkey")).to_have_text(VI["signin"]["passkey"])
    await assert_accessible(phone)
    await save_screenshot(phone, "signin")

    # The 12-digit citizen ID works as well as the SI code.
    await phone.fill("#signin-username", PERSONA_AN.citizen_id)
    await phone.fill("#signin-password", PERSONA_AN.password)
    await phone.click("#signin-submit")
    code = phone.locator("#signin-code")
    await expect(code).to_be_focused()
    await expect(phone.locator("h1")).to_have_text(VI["signin"]["otp"]["title"])
    await expect(code).to_have_attribute("autocomplete", "one-time-code")
    await expect(code).to_have_attribute("inputmode", "numeric")
    await expect(phone.locator("#otp-sent")).to_contain_text("***")  # the masked phone number
    await assert_accessible(phone)

    await code.fill("12345")
    await phone.click("#otp-submit")
    await expect(phone.locator("#otp-error")).to_have_text(VI["signin"]["errors"]["code_format"])

    await code.fill(latest_code(demo_server, PERSONA_AN.phone))
    await phone.click("#otp-submit")
    # No platform authenticator in this browser, so no passkey offer: straight home.
    await expect_home(phone)
    assert await phone.evaluate("localStorage.getItem('ansinh.refresh')")


async def test_a_wrong_password_shows_the_servers_message(demo_server: LiveServer, phone: Page) -> None:
    await open_app(phone, demo_server)
    await phone.click("#signin-submit")
    await expect(phone.locator("#signin-error")).to_have_text(VI["signin"]["errors"]["missing"])

    await submit_password(phone, MINH, "not-the-password")
    error = phone.locator("#signin-error")
    await expect(error).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")  # the API's Vietnamese detail
    await expect(error).to_have_attribute("role", "alert")
    await expect(phone.locator("#signin-password")).to_be_focused()
    await expect(phone.locator("h1")).to_have_text(VI["signin"]["title"])

    # In English the API answers in English (the app sends Accept-Language).
    await phone.click("button.lang-switch")
    await expect(phone.locator("h1")).to_have_text(EN["signin"]["title"])
    await submit_password(phone, MINH, "still-not-it")
    await expect(error).to_have_text("Wrong username or password.")

    # Five wrong passwords pause password sign-in for the name typed (an unknown one here): the 429's detail shows.
    nobody = SeededCitizen("0199999998", "", "", "", "")
    for _ in range(5):
        async with phone.expect_response("**/api/v1/auth/login") as answered:
            await submit_password(phone, nobody, "wrong-again")
        assert (await answered.value).status == 401
    async with phone.expect_response("**/api/v1/auth/login") as answered:
        await submit_password(phone, nobody, "wrong-again")
    assert (await answered.value).status == 429
    await expect(error).to_contain_text("Password sign-in is paused")


async def test_enrol_a_passkey_when_offered_then_sign_in_with_it(demo_server: LiveServer, phone: Page) -> None:
    await open_app(phone, demo_server)
    authenticator = await add_virtual_authenticator(phone)
    await sign_in_through_ui(phone, demo_server, LAN)

    await expect(phone.locator("h1")).to_have_text(VI["signin"]["offer"]["title"])
    await expect(phone.locator("#offer-create")).to_be_focused()
    await phone.click("#offer-create")
    await expect_home(phone)
    [held] = await authenticator.credentials()
    assert held["rpId"] == "localhost"

    await go(phone, "settings")
    await expect(phone.locator("#passkey-list li[data-passkey-id]")).to_have_count(1)

    # Conditional UI: the sign-in screen asks for a passkey in the username field's autofill. The virtual
    # authenticator answers such a request at once (a person would pick the passkey from the autofill list).
    await phone.click("#settings-sign-out")
    await expect_home(phone)
    assert await phone.evaluate("localStorage.getItem('ansinh.refresh')")

    # Without conditional UI, the button: sign out, stay on sign-in, sign in with the passkey.
    await phone.evaluate("PublicKeyCredential.isConditionalMediationAvailable = async () => false")
    await go(phone, "settings")
    await phone.click("#settings-sign-out")
    await expect(phone.locator("h1")).to_have_text(VI["signin"]["title"])
    await expect(phone.locator("#tab-bar")).to_have_attribute("hidden", "")
    assert await phone.evaluate("localStorage.getItem('ansinh.refresh')") is None
    await phone.click("#signin-passkey")
    await expect_home(phone)

    # The server saw the passkey used, and a passkey session is listed.
    tokens = api_sign_in(demo_server, LAN)
    [listed] = api_get(demo_server, "/api/v1/me/passkeys", tokens["access_token"]).json()
    assert listed["last_used_at"] is not None
    sessions = api_get(demo_server, "/api/v1/me/sessions", tokens["access_token"]).json()
    assert [s["amr"] for s in sessions].count("passkey") == 1  # the conditional-UI one was signed out

    # Signed in with a password again, Lan is not offered a passkey a second time: she has one.
    await go(phone, "settings")
    await phone.click("#settings-sign-out")
    await phone.wait_for_selector("#signin-username")
    await submit_password(phone, LAN)
    await phone.wait_for_selector("#signin-code")
    await phone.fill("#signin-code", latest_code(demo_server, LAN.phone))
    await phone.click("#otp-submit")
    await expect_home(phone)


async def test_declining_the_offer_is_remembered(demo_server: LiveServer, phone: Page) -> None:
    await open_app(phone, demo_server)
    await add_virtual_authenticator(phone)
    await sign_in_through_ui(phone, demo_server, MINH)
    await expect(phone.locator("h1")).to_have_text(VI["signin"]["offer"]["title"])
    await phone.click("#offer-decline")
    await expect_home(phone)
    assert MINH.username in await phone.evaluate("localStorage.getItem('ansinh.passkeyOfferDeclined')")

    await go(phone, "settings")
    await phone.click("#settings-sign-out")
    await phone.wait_for_selector("#signin-username")
    await submit_password(phone, MINH)
    await phone.wait_for_selector("#signin-code")
    await phone.fill("#signin-code", latest_code(demo_server, MINH.phone))
    await phone.click("#otp-submit")
    await expect_home(phone)  # no offer this time


async def test_a_reload_keeps_the_session_and_a_revoked_session_signs_out(demo_server: LiveServer, phone: Page) -> None:
    await sign_in_through_ui(phone, demo_server, HAN)
    await expect_home(phone)

    await phone.reload()
    await phone.wait_for_selector("body[data-ready='true']")
    await expect_home(phone)
    await go(phone, "settings")
    await expect(phone.locator("#session-list li[data-current='true']")).to_have_count(1)

    # From another device, Hân signs this browser out.
    other = api_sign_in(demo_server, HAN)
    sessions = api_get(demo_server, "/api/v1/me/sessions", other["access_token"]).json()
    [browser_session] = [s for s in sessions if not s["current"]]
    revoked = call_api(demo_server, "DELETE", f"/api/v1/me/sessions/{browser_session['id']}", other["access_token"])
    assert revoked.status_code == 204, revoked.text

    # The next API call fails, the refresh fails too, and the app goes back to sign-in.
    await go(phone, "home")
    await go(phone, "settings")
    await expect(phone.locator("h1")).to_have_text(VI["signin"]["title"])
    await expect(phone.locator("#tab-bar")).to_have_attribute("hidden", "")
    assert await phone.evaluate("localStorage.getItem('ansinh.refresh')") is None


async def test_settings_rename_and_remove_a_passkey(demo_server: LiveServer, phone: Page) -> None:
    await open_signed_in(phone, demo_server, PERSONA_AN, route="settings")
    await add_virtual_authenticator(phone)
    await expect(phone.locator("#passkey-list")).to_contain_text(VI["settings"]["passkeys"]["none"])

    await phone.click("#passkey-add")
    row = phone.locator("#passkey-list li[data-passkey-id]")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(VI["settings"]["passkeys"]["never_used"])

    await row.locator("[data-action=rename]").click()
    name = row.get_by_label(VI["settings"]["passkeys"]["new_name"])
    await expect(name).to_be_focused()
    await name.fill("Điện thoại của An")
    await row.locator("[data-action=save]").click()
    await expect(row.locator(".passkey-name")).to_have_text("Điện thoại của An")
    await expect(row.locator("[data-action=rename]")).to_be_focused()
    tokens = api_sign_in(demo_server, PERSONA_AN)
    [stored] = api_get(demo_server, "/api/v1/me/passkeys", tokens["access_token"]).json()
    assert stored["name"] == "Điện thoại của An"

    await row.locator("[data-action=remove]").click()
    await expect(row).to_contain_text("Điện thoại của An")  # the confirmation names it
    await row.locator("[data-action=confirm-remove]").click()
    # The last passkey goes only with a step-up (chip ID or a fresh passkey sign-in); this session signed in with
    # password + OTP, so the server refuses and the screen says why, keeping the passkey.
    step_up = re.compile(f"{re.escape(StepUpRequired.default_vi)}|{re.escape(StepUpRequired.default_en)}")
    await expect(phone.get_by_role("alert").filter(has_text=step_up)).to_be_visible()
    await expect(phone.locator("#passkey-list li[data-passkey-id]")).to_have_count(1)
    assert [p["name"] for p in api_get(demo_server, "/api/v1/me/passkeys", tokens["access_token"]).json()] == [
        "Điện thoại của An"
    ]


async def test_settings_language_events_accessibility_and_screenshot(demo_server: LiveServer, phone: Page) -> None:
    await open_signed_in(phone, demo_server, PERSONA_AN, route="settings")
    h1 = phone.locator("h1")
    await expect(h1).to_have_text(VI["settings"]["title"])

    events = phone.locator("#event-list li[data-kind]")
    await expect(events.first).to_be_visible()
    kinds = await events.evaluate_all("items => items.map((item) => item.dataset.kind)")
    assert "sign_in" in kinds
    assert "otp_sent" in kinds
    first_time = await events.first.locator("time").text_content()
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", first_time or ""), first_time
    # Newest first, and paginated: An has signed in several times in this module.
    stamps = await events.evaluate_all("items => items.map((item) => item.querySelector('time').dateTime)")
    assert stamps == sorted(stamps, reverse=True)
    await expect(phone.locator("#session-list li")).not_to_have_count(0)
    await expect(phone.locator("#passkey-list li")).not_to_have_count(0)
    await assert_accessible(phone)
    await save_screenshot(phone, "settings")

    await expect(phone.locator("#event-range")).to_contain_text("1–")
    if await phone.locator("#events-older").is_visible():  # more than one page of events
        await phone.click("#events-older")
        await expect(phone.locator("#event-range")).to_contain_text("11–")
        await expect(phone.locator("#events-newer")).to_be_enabled()
        await phone.click("#events-newer")
        await expect(phone.locator("#event-range")).to_contain_text("1–10")

    await phone.select_option("#settings-language", "en")
    await expect(h1).to_have_text(EN["settings"]["title"])
    await expect(phone.locator("html")).to_have_attribute("lang", "en")
    await expect(phone.locator("#tab-bar [data-route=settings]")).to_contain_text(EN["nav"]["settings"])
    await expect(phone.locator("#settings-language")).to_be_focused()
    await expect(phone.locator("#settings-events-title")).to_have_text(EN["settings"]["events_title"])

    await phone.select_option("#settings-language", "vi")
    await expect(h1).to_have_text(VI["settings"]["title"])
    await expect(phone.locator("html")).to_have_attribute("lang", "vi")


async def test_sign_out_other_devices(demo_server: LiveServer, phone: Page) -> None:
    await open_signed_in(phone, demo_server, HONG, route="settings")
    other: dict[str, Any] = api_sign_in(demo_server, HONG)
    assert api_get(demo_server, "/api/v1/me", other["access_token"]).status_code == 200
    await go(phone, "home")
    await go(phone, "settings")  # re-read the list with the second session in it

    sessions = phone.locator("#session-list li")
    await expect(sessions).to_have_count(2)
    await expect(phone.locator("#session-list li[data-current='true']")).to_contain_text(
        VI["settings"]["sessions"]["this_device"]
    )
    await phone.click("#sessions-revoke-others")
    await expect(sessions).to_have_count(1)
    await expect(phone.locator("#session-list li[data-current='true']")).to_have_count(1)
    await expect(phone.locator("#settings-sessions [role=status]")).to_have_text(
        VI["settings"]["sessions"]["signed_out_others"].format(count=1)
    )
    await expect(phone.locator("#sessions-revoke-others")).to_be_hidden()

    # The other session is gone, its refresh token too; this browser is still signed in.
    assert api_get(demo_server, "/api/v1/me", other["access_token"]).status_code == 401
    refreshed = call_api(demo_server, "POST", "/api/v1/auth/refresh", body={"refresh_token": other["refresh_token"]})
    assert refreshed.status_code == 401, refreshed.text
    await go(phone, "home")
    await go(phone, "settings")
    await expect(phone.locator("#session-list li[data-current='true']")).to_have_count(1)


async def test_forgotten_password_end_to_end(demo_server: LiveServer, phone: Page) -> None:
    await open_app(phone, demo_server)
    await phone.click("a[href='#/forgot']")
    await expect(phone.locator("h1")).to_have_text(VI["forgot"]["title"])
    await phone.fill("#forgot-username", TUAN.username)
    await phone.click("#forgot-send")

    await expect(phone.locator("h1")).to_have_text(VI["forgot"]["code_title"])
    await expect(phone.locator("#reset-code")).to_be_focused()
    code = latest_code(demo_server, TUAN.phone)
    new_password = "Ca-phe-sua-da-2026"
    await phone.fill("#reset-code", code)
    await phone.fill("#reset-password", new_password)
    await phone.fill("#reset-confirm", new_password + "x")
    await phone.click("#reset-submit")
    await expect(phone.locator("#reset-error")).to_have_text(VI["forgot"]["errors"]["mismatch"])
    await expect(phone.locator("#reset-confirm")).to_be_focused()

    await phone.fill("#reset-confirm", new_password)
    await phone.click("#reset-submit")
    await expect(phone.locator("h1")).to_have_text(VI["forgot"]["done_title"])
    await assert_accessible(phone)
    await phone.click("#reset-done-signin")
    await expect(phone.locator("h1")).to_have_text(VI["signin"]["title"])

    # The old password no longer works; the new one does.
    await submit_password(phone, TUAN)
    await expect(phone.locator("#signin-error")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    await phone.fill("#signin-password", new_password)
    await phone.click("#signin-submit")
    await phone.wait_for_selector("#signin-code")
    await phone.fill("#signin-code", latest_code(demo_server, TUAN.phone))
    await phone.click("#otp-submit")
    await expect_home(phone)
