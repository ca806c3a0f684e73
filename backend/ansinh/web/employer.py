"""The employer's page (/employer/): a Jinja page whose scripts and styles are static files, like the clinic page.

It has no service worker: an HR clerk declares online (a declaration is applied by the server or not at all).
"""

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect, Template

from ansinh.web.clinic import requested_with_slash

PAGE_PATH = "/employer/"


class EmployerPageController(Controller):
    """Serves the employer's page."""

    path = "/employer"
    include_in_schema = False
    cache_control = CacheControlHeader(no_cache=True)  # revalidated on every load: no stale page after a release

    @get("/", operation_id="employerPage")
    async def page(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """The page (redirected to /employer/ so its relative links and hash routes resolve alike)."""
        if not requested_with_slash(request):
            return Redirect(PAGE_PATH, status_code=308)
        return Template(template_name="employer/page.html.j2", context={})
