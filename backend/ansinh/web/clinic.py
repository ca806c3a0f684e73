"""The clinic scanner page (/clinic/): a Jinja page with its own service worker scoped to /clinic/."""

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader, State
from litestar.response import File, Redirect, Template

from ansinh.web.assets import static_dir

PAGE_PATH = "/clinic/"
# The page and the worker must be revalidated on every load, or a clinic keeps a stale scanner.
NO_CACHE = CacheControlHeader(no_cache=True)


def requested_with_slash(request: Request[Any, Any, Any]) -> bool:
    # Litestar routes /clinic and /clinic/ alike, but only /clinic/ lies inside the worker's scope;
    # the raw path (ASGI ``raw_path``, without the query string under uvicorn) tells them apart.
    raw = request.scope.get("raw_path")
    if not raw:
        return True
    return bytes(raw).split(b"?", 1)[0].endswith(b"/")


class ClinicScannerController(Controller):
    """Serves the scanner page and its service worker."""

    path = "/clinic"
    include_in_schema = False
    cache_control = NO_CACHE

    @get("/", operation_id="clinicScannerPage")
    async def page(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """The scanner page (redirected to /clinic/ so the service worker controls it)."""
        if not requested_with_slash(request):
            return Redirect(PAGE_PATH, status_code=308)
        return Template(
            template_name="clinic/scanner.html.j2",
            context={},  # the app's CSP for pages (core/security.py) applies: the page has no inline code
        )

    @get("/sw.js", operation_id="clinicServiceWorker")
    async def service_worker(self, state: State) -> File:
        """The scanner's service worker, served from /clinic/ so its scope is exactly /clinic/."""
        return File(
            static_dir(state.settings) / "clinic" / "sw.js",
            media_type="text/javascript",
            content_disposition_type="inline",
        )
