"""Gateway sessions (specs/vss-gateway.md section 1): sign-in with the MD5 hex of the password, sessions kept in the
shared store, each later call comparing the repeated password with a keyed digest (never Argon2 per request)."""

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.clinics.models import ClinicClient
from ansinh.core.context import RequestContext
from ansinh.core.passwords import hash_password, verify_password
from ansinh.core.store import SharedStore
from ansinh.core.time import VN_TZ, utcnow
from ansinh.facilities.models import MedicalFacility
from ansinh.gateway.models import GatewayAccount
from ansinh.identity.audit import record_event

SESSION_TTL = 3600  # seconds: "about an hour", as the national gateway's sessions
MAX_USERNAME = 64
# Sign-in throttles: failures per (account, client IP), so a stranger guessing a facility's username locks only
# themselves out; and a budget of attempts per client IP whatever the account.
FAILURES_PER_ACCOUNT_AND_IP = 5
FAILURE_WINDOW = 900
ATTEMPTS_PER_IP = 30
ATTEMPT_WINDOW = 60
_SESSION_KEY = "gw-session:"
_GENERATION_KEY = "gw-gen:"


@dataclass(frozen=True, slots=True)
class GatewaySession:
    """One sign-in of a facility's gateway account, as the shared store keeps it under its access token."""

    account_id: int
    username: str
    client_id: str
    facility_id: int
    facility_code: str
    facility_name: str
    province_code: str
    id_token: str
    expires_at: float  # POSIX seconds
    password_digest: str  # HMAC of the normalised MD5 string
    generation: str  # the account's password generation at sign-in; a password change ends older sessions


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session's tokens and expiry."""

    access_token: str
    id_token: str
    username: str
    expires_at: datetime


def normalised_md5(password: str) -> str | None:
    """The MD5 hex string as stored (lower-case), or None when ``password`` is not 32 hex digits."""
    text = password.strip().lower()
    if len(text) != 32 or not text.isascii() or any(c not in "0123456789abcdef" for c in text):
        return None
    return text


def password_digest(secret_key: str, md5_hex: str) -> str:
    """The keyed digest a session keeps of its password string (so the repeated password is checked cheaply)."""
    return hmac.new(secret_key.encode(), b"gateway-password:" + md5_hex.encode(), hashlib.sha256).hexdigest()


def md5_of(password: str) -> str:
    """The lower-case MD5 hex of a password, as hospital software sends it."""
    return hashlib.md5(password.encode()).hexdigest()  # noqa: S324  (the gateway's protocol, hashed again by Argon2)


async def _generation(store: SharedStore, account_id: int) -> str:
    value = await store.get(f"{_GENERATION_KEY}{account_id}")
    if value is None:
        return ""
    # Kept as long as any session opened under it may live.
    await store.set(f"{_GENERATION_KEY}{account_id}", value, SESSION_TTL + 60)
    return value.decode()


async def _over_ip_budget(store: SharedStore, ip: str) -> bool:
    return await store.incr(f"gw-signin-ip:{ip}", ATTEMPT_WINDOW) > ATTEMPTS_PER_IP


async def _locked_out(store: SharedStore, username: str, ip: str) -> bool:
    failures = await store.get(f"gw-signin-fail:{username}:{ip}")
    return failures is not None and int(failures) >= FAILURES_PER_ACCOUNT_AND_IP


async def sign_in(
    db: AsyncSession, store: SharedStore, *, secret_key: str, username: str, password: str, ip: str
) -> SignedIn | None:
    """Open a new session for the account, or None (refused: unknown account, wrong password, throttled)."""
    username = username.strip()[:MAX_USERNAME]
    if await _over_ip_budget(store, ip) or await _locked_out(store, username, ip):
        return None
    md5_hex = normalised_md5(password)
    row = (
        await db.exec(
            select(GatewayAccount, ClinicClient, MedicalFacility)
            .join(ClinicClient, col(ClinicClient.id) == col(GatewayAccount.client_id))
            .join(MedicalFacility, col(MedicalFacility.id) == col(ClinicClient.facility_id))
            .where(GatewayAccount.username == username)
        )
    ).first()
    usable = row is not None and row[0].active and row[1].active and md5_hex is not None
    stored = row[0].password_hash if row is not None and usable else None
    if not await verify_password(stored, md5_hex or "") or row is None or md5_hex is None:
        await store.incr(f"gw-signin-fail:{username}:{ip}", FAILURE_WINDOW)
        return None
    account, client, facility = row
    access_token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=SESSION_TTL)
    session = GatewaySession(
        account_id=account.id,  # type: ignore[arg-type]
        username=account.username,
        client_id=client.client_id,
        facility_id=facility.id,  # type: ignore[arg-type]
        facility_code=facility.code,
        facility_name=facility.name,
        province_code=facility.province_code,
        id_token=secrets.token_urlsafe(32),
        expires_at=expires_at.timestamp(),
        password_digest=password_digest(secret_key, md5_hex),
        generation=await _generation(store, account.id),  # type: ignore[arg-type]
    )
    await store.set(f"{_SESSION_KEY}{access_token}", json.dumps(asdict(session)).encode(), SESSION_TTL)
    return SignedIn(
        access_token=access_token,
        id_token=session.id_token,
        username=account.username,
        expires_at=expires_at.astimezone(VN_TZ),
    )


async def live_session(
    store: SharedStore, *, secret_key: str, access_token: str, id_token: str, username: str, password: str
) -> GatewaySession | None:
    """The session these four values name — its own id token, username and password string — or None."""
    if not access_token or len(access_token) > 128:
        return None
    stored = await store.get(f"{_SESSION_KEY}{access_token}")
    if stored is None:
        return None
    session = GatewaySession(**json.loads(stored))
    md5_hex = normalised_md5(password) or ""
    matches = (
        hmac.compare_digest(session.id_token.encode(), id_token.encode())
        and session.username == username.strip()
        and hmac.compare_digest(session.password_digest, password_digest(secret_key, md5_hex))
        and session.expires_at > utcnow().timestamp()
    )
    if not matches or session.generation != await _current_generation(store, session.account_id):
        return None
    return session


async def _current_generation(store: SharedStore, account_id: int) -> str:
    value = await store.get(f"{_GENERATION_KEY}{account_id}")
    return value.decode() if value is not None else ""


async def set_password(
    db: AsyncSession,
    store: SharedStore,
    *,
    username: str,
    password: str,
    staff_account_id: int | None = None,
    context: RequestContext | None = None,
) -> bool:
    """Give the account a new password (stored as Argon2 of its MD5 hex); every open session of it ends; audited on
    the staff account when one made the change. False when there is no such account."""
    account = (await db.exec(select(GatewayAccount).where(GatewayAccount.username == username))).first()
    if account is None:
        return False
    account.password_hash = await hash_password(md5_of(password))
    account.password_changed_at = utcnow()
    db.add(account)
    if staff_account_id is not None:
        record_event(
            db, account_id=staff_account_id, kind="gateway_password_set", context=context, username=account.username
        )
    await db.commit()
    await store.set(f"{_GENERATION_KEY}{account.id}", secrets.token_hex(8).encode(), SESSION_TTL + 60)
    return True


def expires_text(moment: datetime) -> str:
    """An ISO-8601 date-time in Vietnam time, as the gateway writes ``expires_in``."""
    return moment.astimezone(VN_TZ).isoformat(timespec="seconds")
