"""Security headers on every response, the request body limit, and an API docs page without unlisted inline code."""

import base64
import hashlib
import html
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.openapi.plugins import SwaggerRenderPlugin

from ansinh.core.settings import Settings

# 1 MiB: the largest body we expect is a few base64 chip-ID files (~64 kB each); anything bigger is refused
# with 413 before it is read into memory.
MAX_REQUEST_BODY = 1024 * 1024

# Two years, the HSTS preload list's minimum; only ever sent over https outside dev (see hsts_enabled).
HSTS = "max-age=63072000; includeSubDomains"


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# Documents (the PWA shell, the clinic page) and scripts (the service workers take their CSP from their own
# script response). Everything is same-origin; data: and blob: images are the card QR code shown offline.
APP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
APP_POLICY = _policy(APP_DIRECTIVES)
# JSON, images, PDFs…: nothing in them may load or run anything, and nobody may frame them.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"

# The clinic scanner needs the camera on its own page; nothing needs the other powerful features.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "hid=()",
        "midi=()",
        "magnetometer=()",
        "gyroscope=()",
        "accelerometer=()",
        "display-capture=()",
        "browsing-topics=()",
    ]
)

BASE_HEADERS = {
    "x-content-type-options": "nosniff",
    # The app never needs to tell anyone where a user came from, and some of its URLs carry card tokens.
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": PERMISSIONS_POLICY,
}

# ---- the API docs page ----------------------------------------------------------------------------------------
# Litestar's Swagger page inlines the whole schema in a <script>, whose hash changes with every route. This page's
# inline script and style are constant (the spec is fetched from its URL), so the docs CSP allows exactly these two
# by hash instead of 'unsafe-inline'.
_DOCS_STYLE = "body { margin: 0 }"
_DOCS_SCRIPT_TEMPLATE = """
window.ui = SwaggerUIBundle({
  url: "%s",
  dom_id: "#swagger-container",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
"""


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline script or style."""
    digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
    return f"'sha256-{digest}'"


class HashedSwaggerRenderPlugin(SwaggerRenderPlugin):
    """Swagger UI from local assets whose only inline script and style are constant, so a CSP can allow them by hash."""

    def __init__(self, *, spec_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script = _DOCS_SCRIPT_TEMPLATE % spec_url

    @property
    def content_security_policy(self) -> str:
        """The docs page's policy: the app's, plus the page's own inline script and style by hash."""
        return _policy(
            APP_DIRECTIVES
            | {
                "script-src": f"'self' {csp_hash(self.script)}",
                "style-src": f"'self' {csp_hash(_DOCS_STYLE)}",
                "img-src": "'self' data:",
            }
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The page: local CSS and JS, then the constant start-up script (the spec is loaded from its URL)."""
        title = html.escape(str(openapi_schema.get("info", {}).get("title", "API")))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{self.favicon}
<link rel="stylesheet" href="{self.css_url}">
<style>{_DOCS_STYLE}</style>
<script src="{self.js_url}"></script>
<script src="{self.standalone_preset_js_url}"></script>
</head>
<body>
<div id="swagger-container"></div>
<script>{self.script}</script>
</body>
</html>
""".encode()


# ---- the headers ----------------------------------------------------------------------------------------------


def hsts_enabled(settings: Settings) -> bool:
    """HSTS only outside dev and only when users reach us over https (it would lock out a plain-http host)."""
    return not settings.is_dev and urlsplit(settings.public_url).scheme == "https"


def _default_policy(media_type: str, path: str, docs_path: str | None, docs_policy: str | None) -> str:
    if media_type == "text/html":
        if docs_policy and docs_path and (path == docs_path or path.startswith(docs_path.rstrip("/") + "/")):
            return docs_policy
        return APP_POLICY
    if media_type in ("text/javascript", "application/javascript"):
        return APP_POLICY  # a service worker is governed by the CSP of its own script response
    return API_POLICY


def security_headers(
    settings: Settings, *, docs_path: str | None = None, docs_policy: str | None = None
) -> Callable[[list[tuple[bytes, bytes]], str], None]:
    """A function adding the security headers to a response's header list (every HTTP response, errors and 404s
    included: ``core/edge.py`` calls it). A header the route already set is kept (the clinic page brings its own
    CSP); HTML under ``docs_path`` gets ``docs_policy``."""
    extra = {"strict-transport-security": HSTS} if hsts_enabled(settings) else {}
    # Encoded once: this runs on every response.
    fixed = [(name.encode(), value.encode()) for name, value in (BASE_HEADERS | extra).items()]
    own = {name for name, _ in fixed} | {b"content-security-policy"}
    # The common case, a response that sets none of these itself: all of them at once, its policy included.
    complete = {
        policy: [*fixed, (b"content-security-policy", policy.encode())]
        for policy in {APP_POLICY, API_POLICY, docs_policy or APP_POLICY}
    }
    by_type: dict[bytes, list[tuple[bytes, bytes]]] = {}  # Content-Type → those headers, but for HTML

    def add_security_headers(headers: list[tuple[bytes, bytes]], path: str) -> None:
        content_type = b""
        for name, value in headers:
            lowered = name.lower()
            if lowered in own:
                break
            if lowered == b"content-type":
                content_type = value
        else:
            added = by_type.get(content_type)
            if added is None:
                media_type = _media_type(content_type)
                added = complete[_default_policy(media_type, path, docs_path, docs_policy)]
                if media_type != "text/html" and len(by_type) < 32:  # an HTML page's policy depends on its path too
                    by_type[content_type] = added
            headers.extend(added)
            return
        # The route set some itself (the clinic page brings its own CSP): those are kept, the others added.
        present = {name.lower() for name, _ in headers}
        headers.extend(pair for pair in fixed if pair[0] not in present)
        if b"content-security-policy" in present:
            return
        content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
        policy = _default_policy(_media_type(content_type), path, docs_path, docs_policy)
        headers.append((b"content-security-policy", policy.encode()))

    return add_security_headers


def _media_type(content_type: bytes) -> str:
    return content_type.split(b";", 1)[0].strip().lower().decode("latin-1")
