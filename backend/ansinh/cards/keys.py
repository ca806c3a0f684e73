"""Card-token signing keys: bootstrap, the published JWKS and rotation (next → current → retiring → retired).

A new key is published (state ``next``) at least one JWKS max-age before it signs anything, and a
retired key stays published until every token it signed has expired, so a clinic with a cached JWKS
never meets an unknown ``kid`` during a rotation.

Printed passbooks are signed with the same current key but live for years: they verify against every
key that was never withdrawn (``withdrawn_at`` is set only by a forced rotation, for a compromised key).
"""

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards.models import CardSigningKey, SigningKeyState
from ansinh.cards.tokens import ALGORITHM, LONGEST_TTL
from ansinh.core.errors import Conflict
from ansinh.core.signing import (
    decrypt_private_key,
    encrypt_private_key,
    generate_p256,
    jwk_thumbprint,
    key_encryption_key,
    public_jwk,
    public_key_from_jwk,
)
from ansinh.core.time import utcnow

JWKS_MAX_AGE = timedelta(hours=1)
# Clocks drift: a retiring key stays a few minutes past its last token's expiry.
RETIREMENT_GRACE = timedelta(minutes=5)


class RotationTooEarly(Conflict):
    slug = "key-rotation-too-early"
    title = "Key rotation too early"
    default_en = "The next key has not been published for one JWKS max-age yet; clinics may not have it."
    default_vi = "Khóa kế tiếp chưa được công bố đủ lâu; cơ sở KCB có thể chưa có khóa này."


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The keys a verifier accepts and the one that signs, as of one moment."""

    signing_kid: str
    signing_key: ec.EllipticCurvePrivateKey
    public_keys: dict[str, ec.EllipticCurvePublicKey]
    jwks: dict[str, list[dict[str, str]]]


def jwk_entry(key: CardSigningKey) -> dict[str, str]:
    """A key row as a public JWKS entry (kty, crv, x, y, kid, use, alg); never the private half."""
    return {**json.loads(key.public_jwk), "kid": key.kid, "use": "sig", "alg": key.algorithm}


def _new_key(*, state: SigningKeyState, kek: bytes, now: datetime) -> CardSigningKey:
    private = generate_p256()
    jwk = public_jwk(private.public_key())
    # Short kids keep the QR small; date + thumbprint prefix stays unique and tells operators its age.
    kid = f"{now:%Y%m%d}-{jwk_thumbprint(jwk)[:8]}"
    return CardSigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        state=state,
        public_jwk=json.dumps(jwk, separators=(",", ":")),
        private_key_sealed=encrypt_private_key(private, kek=kek, kid=kid),
        published_at=now,
        activated_at=now if state == SigningKeyState.CURRENT else None,
    )


async def _published_keys(db: AsyncSession, now: datetime) -> list[CardSigningKey]:
    query = select(CardSigningKey).where(
        or_(
            col(CardSigningKey.state).in_([SigningKeyState.CURRENT, SigningKeyState.NEXT]),
            (CardSigningKey.state == SigningKeyState.RETIRING) & (col(CardSigningKey.verify_until) > now),
        )
    )
    return list((await db.exec(query)).all())


async def ensure_keys(db: AsyncSession, *, kek_secret: str, now: datetime | None = None) -> None:
    """Create the first current and next keys if there are none; safe when several workers race."""
    now = now or utcnow()
    states = set((await db.exec(select(CardSigningKey.state))).all())
    missing = [s for s in (SigningKeyState.CURRENT, SigningKeyState.NEXT) if s not in states]
    if not missing:
        return
    kek = key_encryption_key(kek_secret)
    for state in missing:
        db.add(_new_key(state=state, kek=kek, now=now))
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()  # another worker created them first: theirs are as good


async def load_key_ring(db: AsyncSession, *, kek_secret: str, now: datetime | None = None) -> KeyRing:
    """The current signing key, every published public key and the JWKS document."""
    now = now or utcnow()
    keys = await _published_keys(db, now)
    if not any(k.state == SigningKeyState.CURRENT for k in keys):
        await ensure_keys(db, kek_secret=kek_secret, now=now)
        keys = await _published_keys(db, now)
    current = next(k for k in keys if k.state == SigningKeyState.CURRENT)
    order = {SigningKeyState.CURRENT: 0, SigningKeyState.NEXT: 1, SigningKeyState.RETIRING: 2}
    keys.sort(key=lambda k: (order[SigningKeyState(k.state)], -(k.published_at.timestamp())))
    jwks = [jwk_entry(k) for k in keys]
    return KeyRing(
        signing_kid=current.kid,
        signing_key=decrypt_private_key(
            current.private_key_sealed, kek=key_encryption_key(kek_secret), kid=current.kid
        ),
        public_keys={k.kid: public_key_from_jwk(k.public_jwk) for k in keys},
        jwks={"keys": jwks},
    )


async def rotate_keys(
    db: AsyncSession, *, kek_secret: str, now: datetime | None = None, force: bool = False
) -> tuple[str, str, str]:
    """Next becomes current, current starts retiring, a new next is published; returns (retiring, current, next).

    Refused while the next key is younger than one JWKS max-age. ``force`` is for a compromised current key:
    rotate at once and stop accepting the old key immediately (its tokens answer 203; citizens refresh), and
    withdraw it, so no passbook it ever signed verifies either.
    """
    now = now or utcnow()
    await ensure_keys(db, kek_secret=kek_secret, now=now)
    rows = (
        await db.exec(
            select(CardSigningKey).where(
                col(CardSigningKey.state).in_([SigningKeyState.CURRENT, SigningKeyState.NEXT, SigningKeyState.RETIRING])
            )
        )
    ).all()
    current = next(k for k in rows if k.state == SigningKeyState.CURRENT)
    upcoming = next(k for k in rows if k.state == SigningKeyState.NEXT)
    if not force and upcoming.published_at > now - JWKS_MAX_AGE:
        ready_at = upcoming.published_at + JWKS_MAX_AGE
        raise RotationTooEarly(extra={"next_kid": upcoming.kid, "ready_at": ready_at.isoformat()})
    for old in rows:
        if old.state == SigningKeyState.RETIRING and old.verify_until is not None and old.verify_until <= now:
            old.state = SigningKeyState.RETIRED
            db.add(old)
    # Free the unique "current"/"next" slots in order, flushing each step for the partial unique index.
    current.state, current.retired_at = SigningKeyState.RETIRING, now
    current.verify_until = now + LONGEST_TTL + RETIREMENT_GRACE
    if force:
        current.state, current.verify_until, current.withdrawn_at = SigningKeyState.RETIRED, now, now
    db.add(current)
    await db.flush()
    upcoming.state, upcoming.activated_at = SigningKeyState.CURRENT, now
    db.add(upcoming)
    await db.flush()
    fresh = _new_key(state=SigningKeyState.NEXT, kek=key_encryption_key(kek_secret), now=now)
    db.add(fresh)
    try:
        await db.commit()
    except IntegrityError as exc:
        await db.rollback()
        raise Conflict("Another rotation ran at the same time; list the keys and retry.") from exc
    return current.kid, upcoming.kid, fresh.kid


async def list_keys(db: AsyncSession) -> list[CardSigningKey]:
    """Every key row, newest first (for operators)."""
    return list((await db.exec(select(CardSigningKey).order_by(col(CardSigningKey.id).desc()))).all())


async def passbook_verification_keys(db: AsyncSession) -> list[CardSigningKey]:
    """Keys a printed passbook may be signed with: every key never withdrawn, whatever its state; current first."""
    rows = list((await db.exec(select(CardSigningKey).where(col(CardSigningKey.withdrawn_at).is_(None)))).all())
    order = [SigningKeyState.CURRENT, SigningKeyState.NEXT, SigningKeyState.RETIRING, SigningKeyState.RETIRED]
    rows.sort(key=lambda k: (order.index(SigningKeyState(k.state)), -k.published_at.timestamp(), k.kid))
    return rows


async def find_key(db: AsyncSession, kid: str) -> CardSigningKey | None:
    """The key row of ``kid`` in any state, withdrawn or not."""
    return (await db.exec(select(CardSigningKey).where(CardSigningKey.kid == kid))).first()


class KeyRingCache:
    """The key ring, reloaded at most every ``ttl_seconds`` per process.

    Signing and checking card tokens are the hottest paths (every scan, every card screen refresh); reading the
    keys and unsealing the private one each time cost more than the signature itself. A rotation reaches every
    worker within ``ttl_seconds``: harmless for a planned one (the next key is published an hour ahead), and the
    bound on how long a withdrawn key is still trusted after a forced one (docs/PERFORMANCE.md).
    """

    def __init__(self, ttl_seconds: float = 5.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._ring: KeyRing | None = None
        self._until = 0.0

    def fresh(self) -> KeyRing | None:
        """The cached ring while it is fresh: callers then need no session at all."""
        return self._ring if self._ring is not None and time.monotonic() < self._until else None

    async def get(self, db: AsyncSession, *, kek_secret: str, now: datetime | None = None) -> KeyRing:
        """The cached ring; a caller asking about another moment than now (a replay, a test) reads it afresh."""
        if now is not None:
            return await load_key_ring(db, kek_secret=kek_secret, now=now)
        if self._ring is None or time.monotonic() >= self._until:
            self._ring = await load_key_ring(db, kek_secret=kek_secret)
            self._until = time.monotonic() + self.ttl_seconds
        return self._ring
