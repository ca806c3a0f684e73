"""The installable app shell in Chromium: no installability errors, a small first load, the shell offline."""

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Response

from tests.e2e.conftest import CHROMIUM_ARGS, PHONE, LiveServer, chromium_path, open_signed_in

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

FIRST_LOAD_BUDGET = 150 * 1024  # bytes on the wire for the card screen's HTML/JS/CSS/JSON, compressed


async def test_chromium_reports_no_installability_errors(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    # Installability is only judged in a persistent profile (an incognito context reports "in-incognito").
    context = await browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    try:
        page = context.pages[0] if context.pages else await context.new_page()
        await page.goto(f"{live_server.url}/")
        await page.wait_for_selector("body[data-ready='true']")
        await page.evaluate("navigator.serviceWorker.ready")
        cdp = await context.new_cdp_session(page)
        result = await cdp.send("Page.getInstallabilityErrors")
        assert result["installabilityErrors"] == []
        manifest = await cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
    finally:
        await context.close()


async def test_the_card_screen_first_load_is_under_150_kb_compressed(browser: Browser, demo_server: LiveServer) -> None:
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    app_responses: list[Response] = []

    def keep(response: Response) -> None:
        path = response.url.split(demo_server.url, 1)[-1]
        if not path.startswith("/api/") and response.request.resource_type in (
            "document",
            "script",
            "stylesheet",
            "fetch",
        ):
            app_responses.append(response)

    page.on("response", keep)
    try:
        await open_signed_in(page, demo_server, route="card")
        await page.wait_for_load_state("networkidle")
        sizes = {r.url: (await r.request.sizes())["responseBodySize"] for r in app_responses}
        assert any(url.endswith("/pwa/views/card.js") for url in sizes)
        total = sum(sizes.values())
        assert total < FIRST_LOAD_BUDGET, f"{total} bytes: {sorted(sizes.items(), key=lambda i: -i[1])[:5]}"
    finally:
        await context.close()


async def test_offline_the_worker_serves_the_shell(page: Page, demo_server: LiveServer) -> None:
    await open_signed_in(page, demo_server, route="home")
    await page.evaluate("navigator.serviceWorker.ready")
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await page.context.set_offline(True)
    try:
        await page.reload()
        await page.wait_for_selector("body[data-ready='true']")
        assert await page.locator("#network-status").is_visible()
        assert await page.title() == "AnSinh"
    finally:
        await page.context.set_offline(False)
