"""Serves the PWA shell from the scope root: index, service worker and manifest."""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader, State
from litestar.response import File

# What the app needs offline besides its own folder: the shell, the manifest and the icons it shows.
SHELL_URLS = ("/", "/manifest.webmanifest", "/static/icons/favicon.svg", "/static/icons/icon-192.png")
APP_SUFFIXES = (".js", ".css", ".json", ".html", ".svg", ".png", ".webmanifest")
SERVED_AT_ROOT = ("index.html", "manifest.webmanifest")  # precached as "/" and "/manifest.webmanifest"

# The shell and the worker must be revalidated on every load, or users keep a stale app.
NO_CACHE = CacheControlHeader(no_cache=True)


@lru_cache(maxsize=4)
def service_worker_source(pwa_dir: Path, mtime_key: float) -> str:
    """sw.js with its precache list (every app file) and a version that changes whenever any of them does."""
    files = sorted(f for f in pwa_dir.rglob("*") if f.is_file() and f.suffix in APP_SUFFIXES and f.name != "sw.js")
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(pwa_dir).as_posix().encode())
        digest.update(f.read_bytes())
    relative = [f.relative_to(pwa_dir).as_posix() for f in files]
    app_urls = [f"/pwa/{path}" for path in relative if path not in SERVED_AT_ROOT]
    precache = json.dumps([*SHELL_URLS, *app_urls])
    template = (pwa_dir / "sw.js").read_text(encoding="utf-8")
    digest.update(template.encode())
    return template.replace("__CACHE_VERSION__", digest.hexdigest()[:16]).replace("__PRECACHE__", precache)


def _newest_change(pwa_dir: Path) -> float:
    return max((f.stat().st_mtime for f in pwa_dir.rglob("*") if f.is_file()), default=0.0)


def _inline(state: State, name: str, media_type: str) -> File:
    return File(state.pwa_dir / name, media_type=media_type, content_disposition_type="inline")


class PwaController(Controller):
    """The installable app's entry points; its modules are served under /pwa/."""

    path = "/"
    include_in_schema = False
    cache_control = NO_CACHE

    @get("/", operation_id="pwaIndex")
    async def index(self, state: State) -> File:
        """The app shell."""
        return _inline(state, "index.html", "text/html")

    @get("/sw.js", operation_id="pwaServiceWorker")
    async def service_worker(self, state: State) -> Response[str]:
        """The service worker, served from the scope root so it controls the whole app."""
        source = service_worker_source(state.pwa_dir, _newest_change(state.pwa_dir))
        return Response(source, media_type="text/javascript")

    @get("/manifest.webmanifest", operation_id="pwaManifest")
    async def manifest(self, state: State) -> File:
        """The web app manifest."""
        return _inline(state, "manifest.webmanifest", "application/manifest+json")
