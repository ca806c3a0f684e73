"""Who may call what: bearer-token authentication and the role guards every domain uses."""

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from ansinh.core.errors import Forbidden, Unauthenticated
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.tokens import InvalidToken, Principal, verify_access_token

REVOKED_SESSION_KEY = "revoked-sid:{}"


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
