"""Under the real Content-Security-Policy, Chromium blocks nothing the app, the clinic page or the API docs need.

Every page records ``securitypolicyviolation`` events from its first script on (an init script), and the
console is watched for CSP and Permissions-Policy complaints, so a blocked script, style, image, fetch or worker
fails the test even when the screen happens to look fine.
"""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, ConsoleMessage, Page, expect

from ansinh.demo.personas import CLINIC_CLIENT_ID, CLINIC_FACILITY_CODE, CLINIC_SECRET
from tests.e2e.conftest import PHONE, LiveServer, open_signed_in

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""
SIGNED_IN_ROUTES = (
    "home",
    "card",
    "contributions",
    "benefits",
    "visits",
    "household",
    "applications",
    "inbox",
    "settings",
)
PUBLIC_ROUTES = ("signin", "lookups", "verify")


class Watched:
    """A page plus what the browser complained about while it ran."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._keep)

    def _keep(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Permissions policy" in text:
            self.console.append(text)

    async def complaints(self) -> list[str]:
        """Violations the page saw (it may be mid-navigation: then only the console counts)."""
        try:
            recorded = await self.page.evaluate("window.__cspViolations || []")
        except Exception:
            recorded = []
        return [*recorded, *self.console]


@pytest_asyncio.fixture(loop_scope="module")
async def watched(browser: Browser) -> AsyncIterator[Watched]:
    """A fresh phone-size context whose page records every CSP violation."""
    context = await browser.new_context(viewport=PHONE)
    try:
        page = await context.new_page()
        await page.add_init_script(RECORD_VIOLATIONS)
        yield Watched(page)
    finally:
        await context.close()


async def show(page: Page, route: str) -> None:
    """Open ``#/route`` and wait until the view has rendered and its requests are done."""
    await page.evaluate("(route) => { location.hash = `#/${route}`; }", route)
    await page.wait_for_function("() => !document.querySelector('#view > .loading')")
    await page.wait_for_load_state("networkidle")


async def test_the_pwa_runs_every_screen_without_a_csp_violation(demo_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    response = await page.goto(f"{demo_server.url}/#/signin")
    assert response is not None
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    await page.wait_for_selector("body[data-ready='true']")
    for route in PUBLIC_ROUTES:
        await show(page, route)
    await page.goto("about:blank")  # a real load, so the sign-in init script runs (a hash change would not)
    await open_signed_in(page, demo_server, route="home")
    # The worker registers and activates under the CSP of its own script response.
    await page.evaluate("navigator.serviceWorker.ready")
    for route in SIGNED_IN_ROUTES:
        await show(page, route)
        assert await page.evaluate("location.hash") == f"#/{route}"  # shown, not sent back to sign-in
        assert await page.locator("#tab-bar").is_visible()
    # The card screen's QR is an SVG shown through a data: URL: it must have loaded, not been blocked.
    await show(page, "card")
    qr = page.locator("#view img[src^='data:image/svg+xml']").first
    await expect(qr).to_be_visible()
    assert await qr.evaluate("(img) => img.complete && img.naturalWidth > 0")
    assert await watched.complaints() == []


async def test_the_clinic_page_signs_in_without_a_csp_violation(demo_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    await page.goto(f"{demo_server.url}/clinic/")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    await page.fill("#client-id", CLINIC_CLIENT_ID)
    await page.fill("#client-secret", CLINIC_SECRET)
    await page.click("#signin-submit")
    await expect(page.locator("#facility-code")).to_have_text(CLINIC_FACILITY_CODE)
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    assert await watched.complaints() == []


async def test_the_api_docs_render_under_their_hashed_policy(demo_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    response = await page.goto(f"{demo_server.url}/schema")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    # Swagger UI ran its start-up script and rendered the operations it fetched from /schema/openapi.json.
    await expect(page.locator(".opblock").first).to_be_visible()
    await expect(page.locator(".title", has_text="AnSinh API")).to_be_visible()
    await page.wait_for_load_state("networkidle")
    assert await watched.complaints() == []
