"""The SVG QR code as a phone shows it: drawn by Chromium, photographed (screenshot), decoded by zxing-cpp."""

from datetime import UTC, datetime
from urllib.parse import quote

import png
import pytest
import zxingcpp
from playwright.async_api import Page

from ansinh.cards.service import render_qr
from ansinh.cards.tokens import sign_card_token
from ansinh.core.signing import generate_p256
from tests.support.card_tokens import sample_payload

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


def a_card_token() -> str:
    return sign_card_token(sample_payload(now=datetime.now(UTC)), private_key=generate_p256(), kid="20261125-test0000")


def decode_screenshot(image: bytes) -> str | None:
    width, height, rows, _ = png.Reader(bytes=image).asRGBA8()
    grey = bytearray()
    for row in rows:
        for x in range(0, width * 4, 4):
            grey.append((row[x] * 299 + row[x + 1] * 587 + row[x + 2] * 114) // 1000)
    result = zxingcpp.read_barcode(memoryview(bytes(grey)).cast("B", (height, width)))
    return None if result is None else str(result.text)


@pytest.mark.parametrize("size_px", [240, 480])
async def test_the_svg_qr_decodes_back_to_the_exact_token(page: Page, size_px: int) -> None:
    token = a_card_token()
    svg = quote(render_qr(token, image_format="svg").decode(), safe="")
    await page.set_viewport_size({"width": size_px + 40, "height": size_px + 40})
    await page.set_content(
        f'<body style="margin:20px;background:#fff"><img id="qr" width="{size_px}" height="{size_px}" '
        f'src="data:image/svg+xml;charset=utf-8,{svg}"></body>'
    )
    shot = await page.locator("#qr").screenshot()
    assert decode_screenshot(shot) == token


async def test_a_blank_screenshot_decodes_to_nothing(page: Page) -> None:
    await page.set_content('<body style="background:#fff"><div id="x" style="width:200px;height:200px"></div></body>')
    assert decode_screenshot(await page.locator("#x").screenshot()) is None
