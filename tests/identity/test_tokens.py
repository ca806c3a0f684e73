"""Access tokens accept only our algorithm, audience, issuer and key."""

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ansinh.core.time import utcnow
from ansinh.core.tokens import (
    AUDIENCE,
    InvalidToken,
    VerifiedTokens,
    issue_access_token,
    signing_key,
    verify_access_token,
)

SECRET = "a-secret-key-long-enough-for-tests-0123456789"
ISSUER = "http://localhost:8000"


def _claims(**overrides: object) -> dict[str, object]:
    now = int(utcnow().timestamp())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "1",
        "role": "citizen",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return claims


def test_round_trip_carries_session_and_method() -> None:
    token, ttl = issue_access_token(
        secret_key=SECRET,
        issuer=ISSUER,
        subject="42",
        role="citizen",
        session_id="abc",
        amr=["passkey"],
        auth_time=utcnow(),
    )
    principal = verify_access_token(token, secret_key=SECRET, issuer=ISSUER)
    assert (principal.account_id, principal.session_id, principal.amr) == (42, "abc", ("passkey",))
    assert ttl <= 15 * 60
    assert jwt.get_unverified_header(token)["kid"] == signing_key(SECRET).kid


def test_every_worker_derives_the_same_key() -> None:
    signing_key.cache_clear()
    first = signing_key(SECRET).kid
    signing_key.cache_clear()
    assert signing_key(SECRET).kid == first
    assert signing_key(SECRET + "x").kid != first


def test_expired_token_is_refused() -> None:
    token, _ = issue_access_token(
        secret_key=SECRET,
        issuer=ISSUER,
        subject="1",
        role="citizen",
        ttl=timedelta(seconds=1),
        now=utcnow() - timedelta(minutes=5),
    )
    with pytest.raises(InvalidToken):
        verify_access_token(token, secret_key=SECRET, issuer=ISSUER)


@pytest.mark.parametrize(
    ("claim", "value"), [("aud", "someone-else"), ("iss", "https://evil.example"), ("role", "admin")]
)
def test_wrong_audience_issuer_or_role_is_refused(claim: str, value: str) -> None:
    key = signing_key(SECRET)
    token = jwt.encode(_claims(**{claim: value}), key.private, algorithm="EdDSA", headers={"kid": key.kid})
    with pytest.raises(InvalidToken):
        verify_access_token(token, secret_key=SECRET, issuer=ISSUER)


def test_alg_none_and_hs256_confusion_are_refused() -> None:
    kid = signing_key(SECRET).kid
    unsigned = jwt.encode(_claims(), None, algorithm="none", headers={"kid": kid})
    hmac_token = jwt.encode(_claims(), SECRET, algorithm="HS256", headers={"kid": kid})
    for token in (unsigned, hmac_token):
        with pytest.raises(InvalidToken):
            verify_access_token(token, secret_key=SECRET, issuer=ISSUER)


def test_a_token_signed_by_another_key_is_refused() -> None:
    other = Ed25519PrivateKey.generate()
    token = jwt.encode(_claims(), other, algorithm="EdDSA", headers={"kid": signing_key(SECRET).kid})
    with pytest.raises(InvalidToken):
        verify_access_token(token, secret_key=SECRET, issuer=ISSUER)


def _verified(ttl: timedelta = timedelta(minutes=10)) -> tuple[str, object]:
    token, _ = issue_access_token(secret_key=SECRET, issuer=ISSUER, subject="7", role="clinic", ttl=ttl)
    return token, verify_access_token(token, secret_key=SECRET, issuer=ISSUER)


def test_verified_tokens_answer_until_the_token_expires() -> None:
    cache = VerifiedTokens()
    token, principal = _verified(ttl=timedelta(minutes=10))
    cache.put(token, principal)  # type: ignore[arg-type]
    assert cache.get(token) is principal
    assert cache.get(token, now=utcnow() + timedelta(minutes=11)) is None  # expired: forgotten, verify again
    assert cache.get(token) is None


def test_verified_tokens_key_on_the_whole_token() -> None:
    cache = VerifiedTokens()
    token, principal = _verified()
    cache.put(token, principal)  # type: ignore[arg-type]
    assert cache.get(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_verified_tokens_stay_bounded() -> None:
    cache = VerifiedTokens(size=2)
    entries = [_verified() for _ in range(3)]
    for token, principal in entries:
        cache.put(token, principal)  # type: ignore[arg-type]
    assert cache.get(entries[0][0]) is None  # the oldest made room
    assert cache.get(entries[1][0]) is entries[1][1]
    assert cache.get(entries[2][0]) is entries[2][1]
