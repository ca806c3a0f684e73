"""Access tokens: short-lived EdDSA JWTs whose key every worker derives from ANSINH_SECRET_KEY."""

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ansinh.core.time import utcnow

ALGORITHM = "EdDSA"
AUDIENCE = "ansinh-api"
ACCESS_TOKEN_TTL = timedelta(minutes=10)
CLINIC_TOKEN_TTL = timedelta(minutes=10)
EMPLOYER_TOKEN_TTL = timedelta(minutes=10)
# Roles a token may carry: people (citizen, staff, an employer's HR clerk) and machine clients (clinic, employer).
ROLES = ("citizen", "staff", "facility_admin", "employer_staff", "clinic", "employer")
LEEWAY_SECONDS = 5


class InvalidToken(Exception):
    """The bearer token is missing, malformed, forged, expired or for someone else."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The access-token key pair and its ``kid``."""

    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    kid: str


@lru_cache(maxsize=4)
def signing_key(secret_key: str) -> SigningKey:
    """Derive the key pair from the secret (HKDF), so every worker and replica signs alike."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ansinh", info=b"access-token-ed25519-v1").derive(
        secret_key.encode()
    )
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key()
    kid = hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]
    return SigningKey(private=private, public=public, kid=kid)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the verified token says."""

    subject: str  # account id (citizen/staff) or client id (clinic)
    role: str  # one of ROLES
    session_id: str | None = None
    amr: tuple[str, ...] = ()
    auth_time: datetime | None = None
    facility_code: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def account_id(self) -> int:
        """The account id of a citizen or staff principal."""
        return int(self.subject)


def issue_access_token(
    *,
    secret_key: str,
    issuer: str,
    subject: str,
    role: str,
    ttl: timedelta = ACCESS_TOKEN_TTL,
    session_id: str | None = None,
    amr: list[str] | None = None,
    auth_time: datetime | None = None,
    extra: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> tuple[str, int]:
    """Sign an access token; returns it and its lifetime in seconds."""
    key = signing_key(secret_key)
    issued = now or utcnow()
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": subject,
        "role": role,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    if session_id is not None:
        claims["sid"] = session_id
    if amr is not None:
        claims["amr"] = amr
    if auth_time is not None:
        claims["auth_time"] = int(auth_time.timestamp())
    claims.update(extra or {})
    token = jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "at+jwt"})
    return token, int(ttl.total_seconds())


def verify_access_token(token: str, *, secret_key: str, issuer: str) -> Principal:
    """Verify signature, algorithm, audience, issuer and expiry; raise InvalidToken otherwise."""
    key = signing_key(secret_key)
    try:
        header = jwt.get_unverified_header(token)
        if header.get("kid") != key.kid:
            raise InvalidToken("unknown key")
        claims = jwt.decode(
            token,
            key.public,
            algorithms=[ALGORITHM],  # only our own algorithm: no "none", no HS256 confusion
            audience=AUDIENCE,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    role = claims.get("role")
    if role not in ROLES:
        raise InvalidToken("unknown role")
    auth_time = claims.get("auth_time")
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        session_id=claims.get("sid"),
        amr=tuple(claims.get("amr") or ()),
        auth_time=datetime.fromtimestamp(auth_time, UTC) if isinstance(auth_time, int) else None,
        facility_code=claims.get("fac"),
        claims=claims,
    )


class VerifiedTokens:
    """Principals of tokens already verified by this process, until they expire.

    A clinic sends the same bearer token with every scan for ten minutes; checking its signature once instead of
    on every request saves an Ed25519 verification per call. Entries are keyed by the whole token, so a
    changed byte is a miss; revocation is still asked of the shared store on every request (see guards).
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: dict[str, Principal] = {}

    def get(self, token: str, *, now: datetime | None = None) -> Principal | None:
        """The cached principal, unless the token has expired since (then it is forgotten)."""
        principal = self._entries.get(token)
        if principal is None:
            return None
        if principal.claims["exp"] + LEEWAY_SECONDS < (now or utcnow()).timestamp():
            self._entries.pop(token, None)
            return None
        return principal

    def put(self, token: str, principal: Principal) -> None:
        """Remember a verified token, forgetting the oldest entry when full."""
        if len(self._entries) >= self.size:
            self._entries.pop(next(iter(self._entries)))
        self._entries[token] = principal
