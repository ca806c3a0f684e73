"""The employer's page as served (no browser: tests/e2e/test_employer_page.py drives one)."""

import re
from pathlib import Path

from litestar.testing import AsyncTestClient

from ansinh.core.security import APP_POLICY

STATIC = Path(__file__).resolve().parents[2] / "static" / "employer"
SCRIPTS = ("page", "declare", "common")


async def test_the_page_renders_with_every_element_its_script_uses_and_no_inline_code(client: AsyncTestClient) -> None:
    response = await client.get("/employer/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "no-cache" in response.headers["cache-control"]
    assert response.headers["content-security-policy"] == APP_POLICY
    html = response.text
    assert '<html lang="vi">' in html
    script = "".join([(await client.get(f"/static/employer/{name}.js")).text for name in SCRIPTS])
    wired = set(re.findall(r'\$\("([\w-]+)"\)', script))
    wired |= {f"tab-{tab}" for tab in ("workers", "declare", "dues", "arrears", "declarations", "receipt")}
    assert {"signin-form", "code-form", "declare-form", "upload-form", "problems-table", "receipt-table"} <= wired
    assert sorted(element_id for element_id in wired if f'id="{element_id}"' not in html) == []
    assert re.findall(r"<script\b[^>]*>", html) == ['<script type="module" src="/static/employer/page.js">']
    assert "<style" not in html
    assert ' style="' not in html


async def test_without_the_slash_it_redirects_to_the_page(client: AsyncTestClient) -> None:
    response = await client.get("/employer", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/employer/"


def _keys(block: str) -> set[str]:
    """The keys of one language's object literal (quoted or bare)."""
    return {a or b for a, b in re.findall(r'^\s+(?:"([\w.]+)"|(\w+)):', block, re.MULTILINE)}


def test_both_languages_have_every_text_the_page_uses() -> None:
    source = (STATIC / "i18n.js").read_text(encoding="utf-8")
    vi_block = source[source.index("  vi: {") : source.index("  en: {")]
    en_block = source[source.index("  en: {") : source.index("\n};")]
    vi, en = _keys(vi_block) - {"vi"}, _keys(en_block) - {"en"}
    assert vi == en
    template = (Path(__file__).resolve().parents[2] / "backend/ansinh/templates/employer/page.html.j2").read_text()
    used = set(re.findall(r'data-i18n(?:-label)?="([\w.]+)"', template))
    for name in SCRIPTS:
        used |= set(re.findall(r'tr\("([\w.]+)"', (STATIC / f"{name}.js").read_text(encoding="utf-8")))
    assert sorted(used - vi) == []
