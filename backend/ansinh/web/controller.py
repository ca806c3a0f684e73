"""Serves the PWA shell from the scope root: index, service worker and manifest."""

from litestar import Controller, get
from litestar.datastructures import CacheControlHeader, State
from litestar.response import File

# The shell and the worker must be revalidated on every load, or users keep a stale app.
NO_CACHE = CacheControlHeader(no_cache=True)


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
    async def service_worker(self, state: State) -> File:
        """The service worker, served from the scope root so it controls the whole app."""
        return _inline(state, "sw.js", "text/javascript")

    @get("/manifest.webmanifest", operation_id="pwaManifest")
    async def manifest(self, state: State) -> File:
        """The web app manifest."""
        return _inline(state, "manifest.webmanifest", "application/manifest+json")
