"""Who may call what: bearer-token authentication and the role guards every domain uses."""

from datetime import datetime, timedelta
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.errors import Forbidden, Unauthenticated
from ansinh.core.settings import Settings
from ansinh.core.store import SharedStore
from ansinh.core.time import utcnow
from ansinh.core.tokens import InvalidToken, Principal, VerifiedTokens, verify_access_token
from ansinh.identity.models import Account, AssuranceLevel, Passkey, SignInMethod

REVOKED_SESSION_KEY = "revoked-sid:{}"
RECENT_SIGN_IN = timedelta(minutes=15)


class RecentSignInRequired(Forbidden):
    slug = "recent-sign-in-required"
    title = "Sign in again"
    default_en = "For your safety, sign in again (within the last 15 minutes) to do this."
    default_vi = "Để bảo vệ tài khoản, vui lòng đăng nhập lại (trong vòng 15 phút) để thực hiện thao tác này."


class StepUpRequired(Forbidden):
    slug = "step-up-required"
    title = "Confirm it is you"
    default_en = (
        "For this change, verify your chip citizen-ID card, or sign in with a passkey (within the last 15 minutes)."
    )
    default_vi = (
        "Để thực hiện thay đổi này, hãy xác thực thẻ căn cước gắn chip, "
        "hoặc đăng nhập bằng khóa truy cập (trong vòng 15 phút)."
    )


# What the PWA may offer when a step-up is required (see docs/chipid.md).
STEP_UP_METHODS = ["chip_id", "passkey"]


def _bearer_token(header: str) -> str | None:
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token else None


async def _session_revoked(state: State, principal: Principal) -> bool:
    """A signed-out session's access tokens die at once, not when they expire."""
    if principal.session_id is None:
        return False
    store: SharedStore = state.store
    return await store.get(REVOKED_SESSION_KEY.format(principal.session_id)) is not None


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The verified principal of this request (verified once, then cached on the scope)."""
    cached = connection.scope.get("auth")
    if isinstance(cached, Principal):
        return cached
    token = _bearer_token(connection.headers.get("authorization", ""))
    if token is None:
        raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer realm="ansinh"'})
    state = connection.app.state
    settings: Settings = state.settings
    verified: VerifiedTokens = state.verified_tokens
    principal = verified.get(token)
    if principal is None:
        try:
            principal = verify_access_token(token, secret_key=settings.secret_key, issuer=settings.public_url)
        except InvalidToken as exc:
            raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc
        verified.put(token, principal)
    if await _session_revoked(state, principal):
        raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    connection.scope["auth"] = principal
    return principal


async def known_principal(authorization: bytes, state: State) -> Principal | None:
    """The principal of an ``Authorization: Bearer`` header whose token this process has already verified and whose
    session is live; None when only ``authenticate`` can tell (a new token, another scheme, a revoked session: it
    decides, and refuses). For the hot lane (core/lane.py)."""
    token = _bearer_token(authorization.decode("latin-1"))
    verified: VerifiedTokens = state.verified_tokens
    principal = verified.get(token) if token is not None else None
    if principal is None or await _session_revoked(state, principal):
        return None
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


async def requires_signed_in_person(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any person's signed-in account (citizen, staff, an employer's HR clerk, a facility admin), to end its session;
    never a machine client (clinic, employer software), which has no session to end."""
    await _require_role(connection, "citizen", "staff", "employer_staff", "facility_admin")


async def requires_staff(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A signed-in staff member."""
    await _require_role(connection, "staff")


async def requires_facility_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A facility admin's account (a person, signed in with password and one-time code)."""
    await _require_role(connection, "facility_admin")


async def requires_clinic(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A medical facility's client."""
    await _require_role(connection, "clinic")


async def requires_employer(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """An employer's HR clerk or its declaration software (which employer is checked per request)."""
    await _require_role(connection, "employer_staff", "employer")


def verified_caller(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The principal the route's guard verified, without a dependency to resolve.

    The hottest handlers take ``request`` and one session instead of several dependencies: Litestar resolves two or
    more dependencies in an anyio task group per request, a measurable share of a card read (docs/PERFORMANCE.md).
    """
    principal = connection.scope.get("auth")
    if not isinstance(principal, Principal):  # a route without a guard: a programming error, refused safely
        raise Unauthenticated(headers={"WWW-Authenticate": 'Bearer realm="ansinh"'})
    return principal


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


# A passkey enrolled this recently cannot confirm who is asking: whoever stole a password and a one-time code can
# enrol their own passkey (a recent sign-in allows it) and would otherwise step up with it at once.
PASSKEY_COOLING_OFF = timedelta(hours=24)


def has_step_up(
    principal: Principal, assurance_level: str | None, *, newest_passkey_at: datetime | None = None
) -> bool:
    """Chip-verified, or a passkey sign-in of the last 15 minutes while no passkey is younger than the cooling-off."""
    if assurance_level == AssuranceLevel.CHIP_VERIFIED:
        return True
    now = utcnow()
    recent = principal.auth_time is not None and now - principal.auth_time <= RECENT_SIGN_IN
    settled = newest_passkey_at is None or now - newest_passkey_at >= PASSKEY_COOLING_OFF
    return SignInMethod.PASSKEY in principal.amr and recent and settled


def require_step_up(
    principal: Principal, assurance_level: str | None, *, newest_passkey_at: datetime | None = None
) -> None:
    """403 ``step-up-required`` (naming what would do) unless ``has_step_up``."""
    if has_step_up(principal, assurance_level, newest_passkey_at=newest_passkey_at):
        return
    extra: dict[str, Any] = {"step_up": STEP_UP_METHODS, "max_age": int(RECENT_SIGN_IN.total_seconds())}
    if newest_passkey_at is not None and utcnow() - newest_passkey_at < PASSKEY_COOLING_OFF:
        # Until then only the chip will do; the PWA says when a passkey will count.
        extra = {
            **extra,
            "step_up": ["chip_id"],
            "passkey_usable_from": (newest_passkey_at + PASSKEY_COOLING_OFF).isoformat(),
        }
    raise StepUpRequired(extra=extra)


async def newest_passkey_time(db: AsyncSession, account_id: int) -> datetime | None:
    """When the account's most recent passkey was enrolled (None without passkeys)."""
    return (await db.exec(select(func.max(Passkey.created_at)).where(Passkey.account_id == account_id))).one()


async def requires_step_up(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """A citizen or staff member with a step-up: a chip-verified account, or a recent passkey sign-in."""
    principal = await authenticate(connection)
    if principal.role not in ("citizen", "staff"):
        raise Forbidden()
    async with connection.app.state.session_factory() as db:
        level = (await db.exec(select(Account.assurance_level).where(Account.id == principal.account_id))).first()
        newest = await newest_passkey_time(db, principal.account_id)
    require_step_up(principal, level, newest_passkey_at=newest)
