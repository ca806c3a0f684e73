"""Look-ups without signing in, and downloading one's own data, in real Chromium against the demo data."""

import json

import pytest
from playwright.async_api import Page, expect

from ansinh.core.time import today_vn
from ansinh.demo.dates import demo_dates
from tests.e2e.conftest import PERSONA_AN, PHONE, LiveServer, assert_accessible, open_signed_in

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def test_anyone_finds_a_facility_and_checks_a_card_without_signing_in(
    demo_server: LiveServer, page: Page
) -> None:
    await page.set_viewport_size(PHONE)
    await page.goto(f"{demo_server.url}/#/signin")
    await page.wait_for_selector("body[data-ready='true']")
    await page.click("a[href='#/lookups']")
    await expect(page.locator("h1")).to_have_text("Tra cứu")

    await page.fill("#lookup-query", "Bạch Mai")
    await page.click("#lookup-search")
    await expect(page.locator("#lookup-facilities")).to_contain_text("01001 — Bệnh viện Bạch Mai")

    await page.fill("#lookup-card-number", PERSONA_AN.username)
    await page.fill("#lookup-card-name", PERSONA_AN.full_name)
    await page.fill("#lookup-card-birth", "17/05/1984")
    await page.click("#lookup-card-check")
    valid_to = demo_dates(today_vn()).card_to  # the seed ran today
    await expect(page.locator("#lookup-card-answer")).to_have_text(f"Thẻ còn giá trị sử dụng đến {valid_to:%d/%m/%Y}.")

    # A wrong birth date tells nothing more than "no such card".
    await page.fill("#lookup-card-birth", "18/05/1984")
    await page.click("#lookup-card-check")
    await expect(page.locator("#lookup-card-answer")).to_have_text("Không tìm thấy thẻ khớp với thông tin đã nhập.")
    await assert_accessible(page)


async def test_a_citizen_downloads_their_data_from_settings(demo_server: LiveServer, page: Page) -> None:
    await open_signed_in(page, demo_server, route="settings")
    async with page.expect_download() as download_info:
        await page.click("#settings-export")
    download = await download_info.value
    assert download.suggested_filename.startswith("ansinh-my-data-")
    data = json.loads((await download.path()).read_text(encoding="utf-8"))
    assert data["person"]["si_code"] == PERSONA_AN.username
    assert "password_hash" not in json.dumps(data)
    await expect(page.locator("#settings-my-data [role=status]")).to_have_text("Đã tải xong tệp dữ liệu.")
