"""Where a request came from: recorded with sessions, security events and rate limits."""

from dataclasses import dataclass

from litestar import Request

from ansinh.core.ratelimit import client_ip


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The caller's IP (proxy-aware) and user agent."""

    ip: str
    user_agent: str


def provide_request_context(request: Request) -> RequestContext:
    """Build the context from the socket, trusted proxies and headers."""
    settings = request.app.state.settings
    return RequestContext(
        ip=client_ip(request, settings.trusted_proxies),
        user_agent=request.headers.get("user-agent", "")[:255],
    )
