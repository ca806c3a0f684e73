"""Sessions and rotating refresh tokens: one family per signed-in device, reuse kills the family."""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, bindparam, exists, insert, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.core.context import RequestContext
from ansinh.core.db import Sessions
from ansinh.core.errors import NotFound, Unauthenticated
from ansinh.core.settings import Settings
from ansinh.core.statements import Statement, Statements
from ansinh.core.store import SharedStore
from ansinh.core.time import utcnow
from ansinh.core.tokens import ACCESS_TOKEN_TTL, issue_access_token
from ansinh.identity.audit import event_values, record_event
from ansinh.identity.events import NewDeviceSignIn, new_device_signed_in
from ansinh.identity.guards import REVOKED_SESSION_KEY
from ansinh.identity.models import (
    Account,
    AuthSession,
    RefreshToken,
    SecurityEvent,
    SecurityEventKind,
    SignInMethod,
)

REFRESH_TTL = timedelta(days=30)

_SESSION = AuthSession.__table__  # type: ignore[attr-defined]
_EARLIER_SESSIONS = select(_SESSION.c.id).where(
    _SESSION.c.account_id == bindparam("account_id"), _SESSION.c.id != bindparam("session_id")
)
# Both questions in one round trip, built once (every sign-in asks them): any earlier session? one from this device?
_SIGN_IN_HISTORY = {
    True: select(exists(_EARLIER_SESSIONS), exists(_EARLIER_SESSIONS.where(_SESSION.c.user_agent.is_(None)))),
    False: select(
        exists(_EARLIER_SESSIONS),
        exists(_EARLIER_SESSIONS.where(_SESSION.c.user_agent == bindparam("user_agent"))),
    ),
}


async def _from_new_device(db: AsyncSession, *, account_id: int, session_id: str, user_agent: str | None) -> bool:
    """True when the account signed in before, but never from this user agent (the very first sign-in is not)."""
    params = {"account_id": account_id, "session_id": session_id, "user_agent": user_agent}
    connection = await db.connection()
    any_earlier, seen_device = (await connection.execute(_SIGN_IN_HISTORY[user_agent is None], params)).one()
    return bool(any_earlier) and not seen_device


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a successful sign-in or refresh returns."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignInAccount(Protocol):
    """What opening a session needs of an account (an ``Account`` row, or the columns a sign-in read)."""

    @property
    def id(self) -> int | None: ...
    @property
    def role(self) -> str: ...
    @property
    def person_id(self) -> int | None: ...


# Every sign-in writes these three rows: INSERTs built once, run on the session's connection (no unit of work).
_INSERT_SESSION = insert(AuthSession.__table__)  # type: ignore[attr-defined]
_INSERT_REFRESH_TOKEN = insert(RefreshToken.__table__)  # type: ignore[attr-defined]
_INSERT_SECURITY_EVENT = insert(SecurityEvent.__table__)  # type: ignore[attr-defined]


def _access_token(
    settings: Settings, *, account_id: int, role: str, session_id: str, amr: str, auth_time: datetime
) -> tuple[str, int]:
    return issue_access_token(
        secret_key=settings.secret_key,
        issuer=settings.public_url,
        subject=str(account_id),
        role=role,
        ttl=ACCESS_TOKEN_TTL,
        session_id=session_id,
        amr=[amr],
        auth_time=auth_time,
    )


async def _new_refresh_token(db: AsyncSession, session_id: str) -> str:
    token = secrets.token_urlsafe(32)
    db.add(RefreshToken(session_id=session_id, token_hash=_hash(token)))
    return token


async def start_session(
    db: AsyncSession, *, settings: Settings, account: SignInAccount, amr: str, context: RequestContext
) -> TokenPair:
    """Open a session for a fully authenticated account and return its first token pair."""
    now = utcnow()
    account_id: int = account.id  # type: ignore[assignment]
    session_id, refresh = uuid.uuid4().hex, secrets.token_urlsafe(32)
    await db.flush()  # whatever the caller changed is written first, as the unit of work would have
    connection = await db.connection()
    await connection.execute(
        _INSERT_SESSION,
        {
            "id": session_id,
            "account_id": account_id,
            "amr": amr,
            "auth_time": now,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + REFRESH_TTL,
            "revoked_at": None,
            "revoke_reason": None,
            "user_agent": context.user_agent,
            "ip": context.ip,
        },
    )
    await connection.execute(
        _INSERT_REFRESH_TOKEN,
        {"session_id": session_id, "token_hash": _hash(refresh), "created_at": now, "used_at": None},
    )
    await connection.execute(
        _INSERT_SECURITY_EVENT,
        event_values(account_id=account_id, kind=SecurityEventKind.SIGN_IN, context=context, at=now, method=amr),
    )
    if account.person_id is not None and await _from_new_device(
        db, account_id=account_id, session_id=session_id, user_agent=context.user_agent
    ):
        event = NewDeviceSignIn(
            person_id=account.person_id, session_id=session_id, user_agent=context.user_agent, at=now
        )
        await new_device_signed_in(db, event)
    await db.commit()
    access, expires_in = _access_token(
        settings, account_id=account_id, role=account.role, session_id=session_id, amr=amr, auth_time=now
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


@dataclass(frozen=True, slots=True)
class SignedInAccount:
    """The columns of an account that opening a session needs, as a sign-in read them."""

    id: int
    role: str
    person_id: int | None


# PostgreSQL: a passkey sign-in's writes as one statement. The counter moves forward, and the session, its first
# refresh token and the sign-in event are written with it, or nothing is (a raced counter updates no row, so the
# INSERTs that select from it write nothing): one round trip, no BEGIN and COMMIT. It also asks the new-device notice's
# two questions, of the sessions before this one (every part of the statement sees the same snapshot, without the new
# session).
_PASSKEY_SIGN_IN_WRITE_SQL = """
WITH advanced AS (
    UPDATE passkey SET sign_count = :new_count, backed_up = :backed_up_now, last_used_at = :now
    WHERE id = :passkey_id AND {counter_still_behind}
    RETURNING account_id
), new_session AS (
    INSERT INTO auth_session (id, account_id, amr, auth_time, created_at, last_seen_at, expires_at, user_agent, ip)
    SELECT :session_id, account_id, :amr, :now, :now, :now, :expires_at, :user_agent, :ip FROM advanced
    RETURNING id, account_id
), new_refresh_token AS (
    INSERT INTO refresh_token (session_id, token_hash, created_at) SELECT id, :token_hash, :now FROM new_session
), new_event AS (
    INSERT INTO security_event (account_id, kind, created_at, ip, user_agent, detail)
    SELECT account_id, :event_kind, :now, :ip, :user_agent, CAST(:detail AS JSON) FROM new_session
)
SELECT
    (SELECT count(*) FROM new_session) AS opened,
    EXISTS (SELECT 1 FROM auth_session WHERE account_id = :account_id) AS any_earlier,
    EXISTS (
        SELECT 1 FROM auth_session WHERE account_id = :account_id AND user_agent IS NOT DISTINCT FROM :user_agent
    ) AS seen_device
"""


def _passkey_sign_in_write(counter_still_behind: str) -> Statement:
    statement = text(_PASSKEY_SIGN_IN_WRITE_SQL.format(counter_still_behind=counter_still_behind)).bindparams(
        bindparam("new_count", type_=BigInteger),
        bindparam("backed_up_now", type_=Boolean),
        bindparam("now", type_=DateTime(timezone=True)),
        bindparam("expires_at", type_=DateTime(timezone=True)),
        bindparam("passkey_id", type_=BigInteger),
        bindparam("account_id", type_=BigInteger),
        *(bindparam(name, type_=String) for name in ("session_id", "amr", "user_agent", "ip", "token_hash")),
        bindparam("event_kind", type_=String),
        bindparam("detail", type_=String),
    )
    return Statement(statement.columns(opened=Integer, any_earlier=Boolean, seen_device=Boolean))  # type: ignore[arg-type]


# Keyed by "the new count is 0": a counterless authenticator stays at 0; any other count must move forward.
_PASSKEY_SIGN_IN_WRITE = {
    True: _passkey_sign_in_write("sign_count = 0"),
    False: _passkey_sign_in_write("sign_count < :new_count"),
}


async def start_passkey_session(
    sessions: Sessions,
    statements: Statements,
    *,
    settings: Settings,
    account: SignedInAccount,
    passkey_id: int,
    new_count: int,
    backed_up: bool,
    context: RequestContext,
) -> TokenPair | None:
    """Move the passkey's counter forward and open the session; None (nothing written) when the counter raced."""
    now = utcnow()
    counter = {"passkey_id": passkey_id, "new_count": new_count, "backed_up_now": backed_up, "now": now}
    session_id, refresh = uuid.uuid4().hex, secrets.token_urlsafe(32)
    written = await statements.one(
        _PASSKEY_SIGN_IN_WRITE[new_count == 0],
        **counter,
        account_id=account.id,
        session_id=session_id,
        amr=SignInMethod.PASSKEY.value,
        expires_at=now + REFRESH_TTL,
        user_agent=context.user_agent,
        ip=context.ip,
        token_hash=_hash(refresh),
        event_kind=SecurityEventKind.SIGN_IN.value,
        detail=json.dumps({"method": SignInMethod.PASSKEY.value}),
    )
    if written is None or written["opened"] != 1:
        return None
    if written["any_earlier"] and not written["seen_device"] and account.person_id is not None:
        # Told after the sign-in is written (a notice is idempotent by its key).
        event = NewDeviceSignIn(
            person_id=account.person_id, session_id=session_id, user_agent=context.user_agent, at=now
        )
        async with sessions() as db:
            await new_device_signed_in(db, event)
            await db.commit()
    access, expires_in = _access_token(
        settings,
        account_id=account.id,
        role=account.role,
        session_id=session_id,
        amr=SignInMethod.PASSKEY,
        auth_time=now,
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


async def revoke_sessions(db: AsyncSession, store: SharedStore, *, session_ids: list[str], reason: str) -> None:
    """Revoke sessions now: their refresh tokens stop working and their access tokens are refused."""
    if not session_ids:
        return
    await db.exec(
        update(AuthSession)
        .where(col(AuthSession.id).in_(session_ids), col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow(), revoke_reason=reason)
    )
    ttl = int(ACCESS_TOKEN_TTL.total_seconds()) + 60
    for session_id in session_ids:
        await store.set(REVOKED_SESSION_KEY.format(session_id), b"1", ttl)


async def live_session_ids(db: AsyncSession, account_id: int, *, except_id: str | None = None) -> list[str]:
    """Ids of the account's sessions that are not revoked."""
    query = select(AuthSession.id).where(AuthSession.account_id == account_id, col(AuthSession.revoked_at).is_(None))
    if except_id is not None:
        query = query.where(AuthSession.id != except_id)
    return list((await db.exec(query)).all())


async def rotate_refresh_token(
    db: AsyncSession, store: SharedStore, *, settings: Settings, refresh_token: str, context: RequestContext
) -> TokenPair:
    """Trade a refresh token for a new pair; a token used twice revokes its whole session."""
    stored = (await db.exec(select(RefreshToken).where(RefreshToken.token_hash == _hash(refresh_token)))).first()
    if stored is None:
        raise Unauthenticated()
    auth_session = await db.get(AuthSession, stored.session_id)
    account = await db.get(Account, auth_session.account_id) if auth_session else None
    if auth_session is None or account is None:
        raise Unauthenticated()
    now = utcnow()
    if auth_session.revoked_at is not None or auth_session.expires_at <= now or account.status != "active":
        raise Unauthenticated()
    # Mark it used only if nobody else has: of two concurrent refreshes exactly one wins.
    claimed = await db.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await revoke_sessions(db, store, session_ids=[auth_session.id], reason="refresh_token_reuse")
        record_event(db, account_id=account.id, kind=SecurityEventKind.TOKEN_REUSE_DETECTED, context=context)  # type: ignore[arg-type]
        await db.commit()
        raise Unauthenticated(
            "This sign-in was ended for safety. Please sign in again.",
            "Phiên đăng nhập đã bị chấm dứt để bảo vệ tài khoản. Vui lòng đăng nhập lại.",
        )
    auth_session.last_seen_at = now
    auth_session.expires_at = now + REFRESH_TTL  # sliding: a device in use stays signed in
    auth_session.ip = context.ip
    refresh = await _new_refresh_token(db, auth_session.id)
    await db.commit()
    access, expires_in = _access_token(
        settings,
        account_id=account.id,  # type: ignore[arg-type]
        role=account.role,
        session_id=auth_session.id,
        amr=auth_session.amr,
        auth_time=auth_session.auth_time,
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=expires_in)


async def list_sessions(db: AsyncSession, account_id: int) -> list[AuthSession]:
    """The account's live sessions, most recently used first."""
    query = (
        select(AuthSession)
        .where(AuthSession.account_id == account_id, col(AuthSession.revoked_at).is_(None))
        .where(col(AuthSession.expires_at) > utcnow())
        .order_by(col(AuthSession.last_seen_at).desc())
    )
    return list((await db.exec(query)).all())


async def revoke_own_session(
    db: AsyncSession, store: SharedStore, *, account_id: int, session_id: str, reason: str, context: RequestContext
) -> None:
    """Sign out one of the account's sessions (404 for anyone else's)."""
    auth_session = await db.get(AuthSession, session_id)
    if auth_session is None or auth_session.account_id != account_id or auth_session.revoked_at is not None:
        raise NotFound("No such session.", "Không tìm thấy phiên đăng nhập.")
    await revoke_sessions(db, store, session_ids=[session_id], reason=reason)
    kind = SecurityEventKind.SIGN_OUT if reason == "sign_out" else SecurityEventKind.SESSION_REVOKED
    record_event(db, account_id=account_id, kind=kind, context=context, session=session_id[:8])
    await db.commit()
