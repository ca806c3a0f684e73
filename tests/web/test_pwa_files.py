"""The PWA files as served: manifest, service worker (precache list, version), locales complete in both languages."""

import json
import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient

from ansinh.web.controller import service_worker_source

PWA = Path(__file__).resolve().parents[2] / "pwa"
Client = AsyncTestClient[Litestar]


async def test_the_manifest_makes_the_app_installable(client: Client) -> None:
    response = await client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert (manifest["short_name"], manifest["display"], manifest["lang"], manifest["start_url"]) == (
        "AnSinh",
        "standalone",
        "vi",
        "/#/home",
    )
    assert manifest["theme_color"] == "#0b5cad"
    icons = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= icons
    for icon in manifest["icons"]:
        image = await client.get(icon["src"])
        assert image.status_code == 200
        assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(image.content[16:20], "big"), int.from_bytes(image.content[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


async def test_the_worker_precaches_every_app_file_and_is_never_cached_by_http(client: Client) -> None:
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    source = response.text
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", source).group(1))  # type: ignore[union-attr]
    assert {"/", "/manifest.webmanifest", "/pwa/index.js", "/pwa/lib/api.js", "/pwa/views/card.js"} <= set(precache)
    assert "/pwa/sw.js" not in precache
    for url in precache:
        assert (await client.get(url)).status_code == 200, url
    assert "__CACHE_VERSION__" not in source


async def test_every_module_is_precached_including_the_screens_split_into_folders(client: Client) -> None:
    # A screen split by section (views/settings/…, lib/feedback.js) must work offline like a single-file one.
    source = (await client.get("/sw.js")).text
    precache = set(json.loads(re.search(r"const PRECACHE = (\[.*?\]);", source).group(1)))  # type: ignore[union-attr]
    modules = {f"/pwa/{path.relative_to(PWA).as_posix()}" for path in PWA.rglob("*.js") if path.name != "sw.js"}
    assert {"/pwa/views/settings/index.js", "/pwa/views/household/payments.js", "/pwa/lib/feedback.js"} <= modules
    assert sorted(modules - precache) == []


def test_the_worker_version_changes_when_any_app_file_changes(tmp_path: Path) -> None:
    (tmp_path / "views").mkdir()
    (tmp_path / "sw.js").write_text('const CACHE_VERSION = "__CACHE_VERSION__"; const PRECACHE = __PRECACHE__;')
    (tmp_path / "views" / "card.js").write_text("export const a = 1;")
    first = service_worker_source(tmp_path, 1.0)
    (tmp_path / "views" / "card.js").write_text("export const a = 2;")
    second = service_worker_source(tmp_path, 2.0)
    version = re.compile(r'CACHE_VERSION = "([0-9a-f]{16})"')
    assert version.search(first).group(1) != version.search(second).group(1)  # type: ignore[union-attr]
    assert '"/pwa/views/card.js"' in second


def _keys(node: dict, prefix: str = "") -> set[str]:
    found = set()
    for key, value in node.items():
        path = f"{prefix}{key}"
        found |= _keys(value, f"{path}.") if isinstance(value, dict) else {path}
    return found


def test_both_languages_have_the_same_texts() -> None:
    vi = _keys(json.loads((PWA / "locales" / "vi.json").read_text(encoding="utf-8")))
    en = _keys(json.loads((PWA / "locales" / "en.json").read_text(encoding="utf-8")))
    assert sorted(vi - en) == []
    assert sorted(en - vi) == []


def test_every_text_the_code_asks_for_exists() -> None:
    known = _keys(json.loads((PWA / "locales" / "vi.json").read_text(encoding="utf-8")))
    used = set()
    for source in [*PWA.rglob("*.js"), PWA / "index.html"]:
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""", text))
        used |= set(re.findall(r'data-i18n="([a-z0-9_.]+)"', text))
    assert used, "no texts found: the pattern is wrong"
    assert sorted(used - known) == []
