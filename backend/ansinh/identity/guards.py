"""Who may call what: bearer-token authentication and the role guards every domain uses."""

from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from ansinh.core.errors import Forbidden, Unauthenticated
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.time import utcnow
from ansinh.core.tokens import InvalidToken, Principal, verify_access_token

REVOKED_SESSION_KEY = "revoked-sid:{}"
RECENT_SIGN_IN = timedelta(minutes=15)


class RecentSignInRequired(Forbidden):
    slug = "recent-sign-in-required"
    title = "Sign in again"
    default_en = "For your safety, sign in again (within the last 15 minutes) to do this."
    default_vi = "Để bảo vệ tài khoản, vui lòng đăng nhập lại (trong vòng 15 phút) để thực hiện thao tác này."


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The verified principal of this request (verified once, then cached on the scope)."""
    cached = connection.scope.get("auth")
    if isinstance(cached, Principal):
        return cached
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer realm="ansinh"'})
    settings: Settings = connection.app.state.settings
    try:
        principal = verify_access_token(token.strip(), secret_key=settings.secret_key, issuer=settings.public_url)
    except InvalidToken as exc:
        raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
    if principal.session_id is not None:
        store: SharedStore = connection.app.state.store
        # A signed-out session's access tokens die at once, not when they expire.
        if await store.get(REVOKED_SESSION_KEY.format(principal.session_id)) is not None:
            raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    connection.scope["auth"] = principal
    return principal


async def _require_role(connection: ASGIConnection[Any, Any, Any, Any], *roles: str) -> None:
    principal = await authenticate(connection)
    if principal.role not in roles:
        raise Forbidden()


async def requires_citizen(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A signed-in citizen."""
    await _require_role(connection, "citizen")


async def requires_account(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A signed-in person: citizen or staff (never a clinic)."""
    await _require_role(connection, "citizen", "staff")


async def requires_staff(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A signed-in staff member."""
    await _require_role(connection, "staff")


async def requires_clinic(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A medical facility's client."""
    await _require_role(connection, "clinic")


async def provide_principal(request: Request) -> Principal:
    """The dependency handlers take: the principal a guard has already verified."""
    return await authenticate(request)


async def requires_recent_sign_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A citizen or staff member who signed in within the last 15 minutes (adding a credential, for one).

    A stolen access or refresh token alone cannot enrol the thief's passkey: refreshing keeps the session's
    original sign-in time.
    """
    principal = await authenticate(connection)
    if principal.role not in ("citizen", "staff"):
        raise Forbidden()
    if principal.auth_time is None or utcnow() - principal.auth_time > RECENT_SIGN_IN:
        raise RecentSignInRequired(extra={"max_age": int(RECENT_SIGN_IN.total_seconds())})
