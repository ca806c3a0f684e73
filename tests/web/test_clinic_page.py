"""The clinic scanner page and its service worker, as served (no browser: tests/e2e drives one)."""

import hashlib
import re

import pytest
from litestar.testing import AsyncTestClient

from ansinh.core.security import APP_POLICY


async def test_the_page_renders_with_its_forms_and_no_inline_script(client: AsyncTestClient) -> None:
    response = await client.get("/clinic/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "no-cache" in response.headers["cache-control"]
    assert response.headers["content-security-policy"] == APP_POLICY
    html = response.text
    assert '<html lang="vi">' in html
    assert 'name="viewport"' in html
    # Every element scanner.js and the admin's staff-list module look up by id: a template edit that drops one breaks
    # the page silently.
    wired = set()
    for module in ("scanner.js", "staff-admin.js"):
        script = (await client.get(f"/static/clinic/{module}")).text
        wired |= set(re.findall(r'\$\("([\w-]+)"\)', script))
    assert {"signin-form", "staff-form", "token-input", "lookup-form", "verdict", "offline-notice"} <= wired
    assert {"admin-signin-form", "admin-code-form", "roster-rows", "roster-add-form", "roster-remove-dialog"} <= wired
    assert sorted(element_id for element_id in wired if f'id="{element_id}"' not in html) == []
    assert 'type="password"' in html
    # Every script has a src (a strict CSP forbids inline code), and the page's own is an ES module.
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script type="module" src="/static/clinic/scanner.js">']
    assert "<style" not in html
    assert ' style="' not in html


async def test_clinic_without_the_slash_redirects_into_the_worker_scope(client: AsyncTestClient) -> None:
    response = await client.get("/clinic", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == "/clinic/"


async def test_the_worker_is_served_from_the_scope_root_uncached(client: AsyncTestClient) -> None:
    response = await client.get("/clinic/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "no-cache" in response.headers["cache-control"]
    assert "attachment" not in response.headers.get("content-disposition", "")
    assert "const CACHE_VERSION" in response.text
    assert 'self.addEventListener("fetch"' in response.text


async def test_every_precached_file_exists(client: AsyncTestClient) -> None:
    """A missing precache entry fails the worker's whole install, so the page would never work offline."""
    worker = (await client.get("/clinic/sw.js")).text
    precache = re.search(r"const PRECACHE = \[(.*?)\];", worker, re.DOTALL)
    assert precache
    urls = [*re.findall(r'"(/[^"]*)"', precache.group(1)), "/clinic/"]
    assert "/static/clinic/scanner.js" in urls
    assert any(url.startswith("/static/vendor/jsqr-") for url in urls)
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/clinic/scanner.js", "text/javascript"),
        ("/static/clinic/verify.js", "text/javascript"),
        ("/static/clinic/staff-admin.js", "text/javascript"),
        ("/static/clinic/scanner.css", "text/css"),
        ("/static/vendor/jsqr-1.4.0/jsQR.js", "text/javascript"),
    ],
)
async def test_static_assets_are_served(client: AsyncTestClient, path: str, media_type: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    # Browsers refuse a module script served with a non-JavaScript type.
    assert response.headers["content-type"].split(";")[0] in {media_type, "application/javascript"}
    assert response.content


async def test_the_vendored_decoder_is_pinned_and_documented(client: AsyncTestClient) -> None:
    """The README records the exact file served: a silently replaced vendor file shows up here."""
    decoder = await client.get("/static/vendor/jsqr-1.4.0/jsQR.js")
    readme = await client.get("/static/vendor/README.md")
    licence = await client.get("/static/vendor/jsqr-1.4.0/LICENSE")
    assert (decoder.status_code, readme.status_code, licence.status_code) == (200, 200, 200)
    assert hashlib.sha256(decoder.content).hexdigest() in readme.text
    assert "Apache License" in licence.text
