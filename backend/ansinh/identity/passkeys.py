"""Passkeys (WebAuthn): enrolment, usernameless sign-in and the account's own list, testable without HTTP.

Every ceremony's challenge lives in the shared store under a random ceremony id for 5 minutes and is
taken (atomically read and deleted) when the browser's answer arrives, so no answer is accepted twice.
"""

import json
import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ansinh.core.context import RequestContext
from ansinh.core.db import Sessions
from ansinh.core.errors import Conflict, DomainError, InvalidInput, NotFound, Unauthenticated
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.settings import Settings
from ansinh.core.statements import KeyedRead, Statements
from ansinh.core.store import SharedStore
from ansinh.core.tokens import Principal
from ansinh.identity.audit import record_event
from ansinh.identity.guards import require_step_up
from ansinh.identity.models import (
    Account,
    AccountStatus,
    Passkey,
    Person,
    SecurityEventKind,
)
from ansinh.identity.sessions import SignedInAccount, TokenPair, start_passkey_session

logger = logging.getLogger("ansinh.passkeys")

RP_NAME = "AnSinh"
CEREMONY_TTL_SECONDS = 300
CEREMONY_KEY = "webauthn:{}"
# The browser is told the same 5 minutes, so it gives up before the challenge expires here.
CEREMONY_TIMEOUT_MS = CEREMONY_TTL_SECONDS * 1000
USER_HANDLE_BYTES = 32
DEFAULT_NAME = "Passkey"

# Parsers inside py_webauthn let some malformed input through as plain Python errors; all of them
# mean "the browser's answer is not acceptable", never a 500.
_BAD_CREDENTIAL_ERRORS = (WebAuthnException, ValueError, TypeError, KeyError, IndexError)

# Friendly default names for passkey providers, by AAGUID (from the community list
# passkeydeveloper/passkey-authenticator-aaguids); used only to label a new passkey.
KNOWN_PROVIDERS: dict[str, str] = {
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": "Google Password Manager",
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": "Apple Passwords",
    "08987058-cadc-4b81-b6e1-30de50dcbe96": "Windows Hello",
    "adce0002-35bc-c60a-648b-0b25f1f05503": "Chrome on Mac",
    "53414d53-554e-4700-0000-000000000000": "Samsung Pass",
    "bada5566-a7aa-401f-bd96-45619a55120d": "1Password",
    "d548826e-79b4-db40-a3d8-11116f7e8349": "Bitwarden",
}


class CeremonyExpired(DomainError):
    status_code = 400
    slug = "passkey-ceremony-expired"
    title = "Passkey request expired"
    default_en = "This passkey request has expired or was already used. Please start again."
    default_vi = "Yêu cầu khóa truy cập đã hết hạn hoặc đã được dùng. Vui lòng thử lại từ đầu."


class PasskeyRejected(DomainError):
    status_code = 400
    slug = "passkey-rejected"
    title = "Passkey not accepted"
    default_en = "The passkey could not be verified. Please try again."
    default_vi = "Không xác minh được khóa truy cập. Vui lòng thử lại."


class PasskeySignInFailed(Unauthenticated):
    slug = "passkey-sign-in-failed"
    title = "Passkey sign-in failed"
    default_en = "This passkey is not recognised. Sign in with your password, or use another passkey."
    default_vi = "Khóa truy cập không hợp lệ. Hãy đăng nhập bằng mật khẩu hoặc dùng khóa truy cập khác."


# What the API shows of a passkey: never the public key or the credential id.
class PasskeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: list[str]
    backed_up: bool
    aaguid: str


@dataclass(frozen=True, slots=True)
class Ceremony:
    """What a ceremony id stands for while the browser talks to the authenticator."""

    purpose: str  # "register" | "authenticate"
    challenge: str  # base64url
    account_id: int | None = None


def to_public(passkey: Passkey) -> PasskeyPublic:
    """The public view of a stored passkey."""
    return PasskeyPublic.model_validate(passkey)


async def _open_ceremony(store: SharedStore, ceremony: Ceremony) -> str:
    ceremony_id = secrets.token_urlsafe(24)
    await store.set(CEREMONY_KEY.format(ceremony_id), json.dumps(asdict(ceremony)).encode(), CEREMONY_TTL_SECONDS)
    return ceremony_id


async def _take_ceremony(store: SharedStore, ceremony_id: str, *, purpose: str) -> Ceremony:
    """Consume the ceremony: whatever happens next, its challenge is gone for good."""
    raw = await store.take(CEREMONY_KEY.format(ceremony_id))
    if raw is None:
        raise CeremonyExpired()
    ceremony = Ceremony(**json.loads(raw))
    if ceremony.purpose != purpose:
        raise CeremonyExpired()
    return ceremony


def _transports(values: list[str]) -> list[AuthenticatorTransport]:
    known = {t.value for t in AuthenticatorTransport}
    return [AuthenticatorTransport(v) for v in values if v in known]


async def _active_account(db: AsyncSession, account_id: int) -> Account:
    account = await db.get(Account, account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        raise Unauthenticated()
    return account


async def _user_handle(db: AsyncSession, account: Account) -> bytes:
    """The account's WebAuthn user handle, created on first use.

    Written only if still empty, so two first enrolments racing each other agree on one handle.
    """
    if account.webauthn_user_id:
        return account.webauthn_user_id
    await db.exec(
        update(Account)
        .where(col(Account.id) == account.id, col(Account.webauthn_user_id).is_(None))
        .values(webauthn_user_id=secrets.token_bytes(USER_HANDLE_BYTES))
    )
    await db.commit()
    await db.refresh(account)
    assert account.webauthn_user_id is not None
    return account.webauthn_user_id


async def registration_options(
    db: AsyncSession, store: SharedStore, *, settings: Settings, account_id: int
) -> tuple[str, dict[str, Any]]:
    """Start enrolling a passkey for the account; returns (ceremony id, the browser's publicKey options)."""
    account = await _active_account(db, account_id)
    user_handle = await _user_handle(db, account)
    person = await db.get(Person, account.person_id) if account.person_id else None
    existing = (await db.exec(select(Passkey).where(Passkey.account_id == account_id))).all()
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=RP_NAME,
        user_id=user_handle,
        user_name=account.username,
        user_display_name=(person.full_name if person else None) or account.display_name or account.username,
        timeout=CEREMONY_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        # The browser refuses to make a second passkey on an authenticator that already holds one.
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id, transports=_transports(p.transports) or None)
            for p in existing
        ],
    )
    ceremony_id = await _open_ceremony(
        store, Ceremony(purpose="register", challenge=bytes_to_base64url(options.challenge), account_id=account_id)
    )
    return ceremony_id, json.loads(options_to_json(options))


def _clean_name(name: str | None, aaguid: str) -> str:
    name = (name or "").strip()
    return name[:64] if name else KNOWN_PROVIDERS.get(aaguid, DEFAULT_NAME)


async def register(
    db: AsyncSession,
    store: SharedStore,
    *,
    settings: Settings,
    account_id: int,
    ceremony_id: str,
    credential: dict[str, Any],
    name: str | None,
    context: RequestContext,
) -> Passkey:
    """Verify the browser's new credential against the ceremony and store it as the account's passkey."""
    ceremony = await _take_ceremony(store, ceremony_id, purpose="register")
    if ceremony.account_id != account_id:  # started by someone else: as good as unknown
        raise CeremonyExpired()
    await _active_account(db, account_id)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(ceremony.challenge),
            expected_origin=settings.origin,
            expected_rp_id=settings.rp_id,
            require_user_verification=True,
        )
    except _BAD_CREDENTIAL_ERRORS as exc:
        logger.info("passkey registration refused: %s", exc)
        raise PasskeyRejected() from exc
    duplicate = (await db.exec(select(Passkey.id).where(Passkey.credential_id == verified.credential_id))).first()
    if duplicate is not None:
        raise Conflict("This passkey is already registered.", "Khóa truy cập này đã được đăng ký.")
    response = credential.get("response")
    transports = response.get("transports") if isinstance(response, dict) else None
    passkey = Passkey(
        account_id=account_id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t.value for t in _transports(transports if isinstance(transports, list) else [])],
        aaguid=verified.aaguid,
        backup_eligible=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
        backed_up=verified.credential_backed_up,
        name=_clean_name(name, verified.aaguid),
    )
    db.add(passkey)
    try:
        await db.flush()
    except IntegrityError as exc:  # the same credential enrolled by a concurrent request
        await db.rollback()
        raise Conflict("This passkey is already registered.", "Khóa truy cập này đã được đăng ký.") from exc
    record_event(db, account_id=account_id, kind=SecurityEventKind.PASSKEY_ADDED, context=context, name=passkey.name)
    await db.commit()
    return passkey


# A passkey sign-in's read, built once: the passkey and its account in one round trip. The account by primary key in
# subqueries, not a join: with a join the planner hashed the whole account table when the passkey table's statistics
# were stale (bench.scale explain caught it at 1M).
_PASSKEY = Passkey.__table__  # type: ignore[attr-defined]
_ACCOUNT = Account.__table__  # type: ignore[attr-defined]


def _of_account(column: Any) -> Any:
    return sa_select(column).where(_ACCOUNT.c.id == _PASSKEY.c.account_id).scalar_subquery().label(column.name)


# By credential id (unique): concurrent sign-ins share one statement (Statements.keyed).
_PASSKEY_SIGN_IN_READ = KeyedRead(
    sa_select(
        _PASSKEY.c.id,
        _PASSKEY.c.credential_id,
        _PASSKEY.c.account_id,
        _PASSKEY.c.public_key,
        _PASSKEY.c.sign_count,
        *(_of_account(_ACCOUNT.c[name]) for name in ("role", "status", "webauthn_user_id", "person_id")),
    ),
    _PASSKEY.c.credential_id,
    key_label="credential_id",
)


async def authentication_options(
    store: SharedStore, *, settings: Settings, context: RequestContext
) -> tuple[str, dict[str, Any]]:
    """Start a usernameless sign-in: the authenticator offers whichever passkey it holds for us."""
    # Twice the password budget: the browser's passkey autofill starts a ceremony on every visit of the sign-in page.
    await hit(store, f"passkey-ip:{context.ip}", RateLimit(count=2 * settings.sign_in_limit_per_ip, window=60))
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        timeout=CEREMONY_TIMEOUT_MS,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    ceremony_id = await _open_ceremony(
        store, Ceremony(purpose="authenticate", challenge=bytes_to_base64url(options.challenge))
    )
    return ceremony_id, json.loads(options_to_json(options))


async def authenticate(
    sessions: Sessions,
    statements: Statements,
    store: SharedStore,
    *,
    settings: Settings,
    ceremony_id: str,
    credential: dict[str, Any],
    context: RequestContext,
) -> TokenPair:
    """Verify a passkey assertion and open a session (a database session is opened only when one is needed).

    Password lockout is deliberately not consulted: a passkey is phishing-resistant and is the way
    back in while someone else is guessing the password.
    """
    ceremony = await _take_ceremony(store, ceremony_id, purpose="authenticate")
    try:
        parsed = parse_authentication_credential_json(credential)
    except _BAD_CREDENTIAL_ERRORS as exc:
        raise PasskeySignInFailed() from exc
    found = await statements.keyed(_PASSKEY_SIGN_IN_READ, parsed.raw_id)
    if found is None or found["status"] != AccountStatus.ACTIVE:
        raise PasskeySignInFailed()
    account_id: int = found["account_id"]
    user_handle = parsed.response.user_handle
    if user_handle is not None and user_handle != found["webauthn_user_id"]:
        # The authenticator says the credential belongs to a different user than we stored.
        raise await _failed(sessions, account_id, context, "user handle mismatch")
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=base64url_to_bytes(ceremony.challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            credential_public_key=found["public_key"],
            credential_current_sign_count=found["sign_count"],
            require_user_verification=True,
        )
    except _BAD_CREDENTIAL_ERRORS as exc:
        raise await _failed(sessions, account_id, context, str(exc)) from exc
    new_count = verified.new_sign_count
    # A counter that does not move forward may mean a cloned authenticator; only "both zero"
    # (authenticators without a counter, e.g. most synced passkeys) is exempt. py_webauthn checks
    # this too; the conditional UPDATE also settles two sign-ins racing with the same counter value.
    if (new_count > 0 or found["sign_count"] > 0) and new_count <= found["sign_count"]:
        raise await _failed(sessions, account_id, context, "sign count did not increase")
    pair = await start_passkey_session(
        sessions,
        statements,
        settings=settings,
        account=SignedInAccount(id=account_id, role=found["role"], person_id=found["person_id"]),
        passkey_id=found["id"],
        new_count=new_count,
        backed_up=verified.credential_backed_up,
        context=context,
    )
    if pair is None:
        raise await _failed(sessions, account_id, context, "sign count raced")
    return pair


async def _failed(sessions: Sessions, account_id: int, context: RequestContext, reason: str) -> PasskeySignInFailed:
    """Log and record a refused assertion for a known passkey; returns the error to raise."""
    logger.info("passkey sign-in refused for account %s: %s", account_id, reason)
    async with sessions() as db:
        record_event(
            db, account_id=account_id, kind=SecurityEventKind.SIGN_IN_FAILED, context=context, method="passkey"
        )
        await db.commit()
    return PasskeySignInFailed()


async def list_passkeys(db: AsyncSession, *, account_id: int) -> list[Passkey]:
    """The account's passkeys, oldest first."""
    query = select(Passkey).where(Passkey.account_id == account_id).order_by(col(Passkey.created_at), col(Passkey.id))
    return list((await db.exec(query)).all())


async def _own_passkey(db: AsyncSession, account_id: int, passkey_id: int) -> Passkey:
    passkey = await db.get(Passkey, passkey_id)
    if passkey is None or passkey.account_id != account_id:  # someone else's is as good as missing
        raise NotFound("No such passkey.", "Không tìm thấy khóa truy cập.")
    return passkey


async def rename_passkey(
    db: AsyncSession, *, account_id: int, passkey_id: int, name: str, context: RequestContext
) -> Passkey:
    """Give one of the account's passkeys a new name."""
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("A passkey name has 1 to 64 characters.", "Tên khóa truy cập dài từ 1 đến 64 ký tự.")
    passkey = await _own_passkey(db, account_id, passkey_id)
    old_name = passkey.name
    passkey.name = name
    db.add(passkey)
    record_event(
        db,
        account_id=account_id,
        kind=SecurityEventKind.PASSKEY_RENAMED,
        context=context,
        name=passkey.name,
        old_name=old_name,
    )
    await db.commit()
    return passkey


async def delete_passkey(
    db: AsyncSession, *, principal: Principal, account_id: int, passkey_id: int, context: RequestContext
) -> None:
    """Remove one of the account's passkeys; removing the last one needs a step-up (chip ID or a fresh passkey)."""
    passkey = await _own_passkey(db, account_id, passkey_id)
    remaining = (await db.exec(select(func.count()).select_from(Passkey).where(Passkey.account_id == account_id))).one()
    if remaining <= 1:
        # The last passkey is the account's only phishing-resistant way in; dropping it downgrades the account.
        account = await db.get(Account, account_id)
        require_step_up(principal, account.assurance_level if account else None)
    name = passkey.name
    await db.delete(passkey)
    record_event(db, account_id=account_id, kind=SecurityEventKind.PASSKEY_REMOVED, context=context, name=name)
    await db.commit()
