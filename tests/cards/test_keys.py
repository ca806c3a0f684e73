"""Signing keys: sealed at rest, published ahead of use, kept until their tokens expire."""

from datetime import timedelta

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ansinh.cards import keys
from ansinh.cards.models import CardSigningKey, SigningKeyState
from ansinh.cards.results import CheckResult
from ansinh.cards.tokens import OFFLINE_TTL, check_card_token
from ansinh.core.settings import Settings
from ansinh.core.signing import KeyDecryptionError, decrypt_private_key, key_encryption_key
from ansinh.core.time import utcnow
from tests.cards.conftest import CardHolder, mint_token


async def test_first_use_creates_a_current_and_a_next_key(db_session: AsyncSession, settings: Settings) -> None:
    ring = await keys.load_key_ring(db_session, kek_secret=settings.signing_kek_secret)
    rows = (await db_session.exec(select(CardSigningKey))).all()
    assert sorted(r.state for r in rows) == ["current", "next"]
    assert [k["kid"] for k in ring.jwks["keys"]] == [
        next(r.kid for r in rows if r.state == "current"),
        next(r.kid for r in rows if r.state == "next"),
    ]
    assert all(k.keys() == {"kty", "crv", "x", "y", "kid", "use", "alg"} for k in ring.jwks["keys"])
    # Loading again neither duplicates nor replaces them.
    again = await keys.load_key_ring(db_session, kek_secret=settings.signing_kek_secret)
    assert again.jwks == ring.jwks


async def test_private_keys_are_sealed_and_bound_to_their_kid(db_session: AsyncSession, settings: Settings) -> None:
    await keys.ensure_keys(db_session, kek_secret=settings.signing_kek_secret)
    current = (await db_session.exec(select(CardSigningKey).where(CardSigningKey.state == "current"))).one()
    assert current.private_key_sealed.startswith("v1.")
    assert "PRIVATE KEY" not in current.private_key_sealed
    assert '"d"' not in current.public_jwk
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(current.private_key_sealed, kek=key_encryption_key("another-secret-" * 3), kid=current.kid)
    with pytest.raises(KeyDecryptionError):  # a sealed key copied onto another row does not open
        decrypt_private_key(
            current.private_key_sealed, kek=key_encryption_key(settings.signing_kek_secret), kid="someone-else"
        )


async def test_a_dedicated_key_encryption_key_takes_precedence(settings: Settings) -> None:
    dedicated = settings.model_copy(update={"signing_key_encryption_key": "k" * 40})
    assert dedicated.signing_kek_secret == "k" * 40
    assert settings.signing_kek_secret == settings.secret_key


async def test_rotation_waits_until_the_next_key_has_been_published_for_a_jwks_max_age(
    db_session: AsyncSession, settings: Settings
) -> None:
    start = utcnow()
    await keys.ensure_keys(db_session, kek_secret=settings.signing_kek_secret, now=start)
    with pytest.raises(keys.RotationTooEarly) as refused:
        await keys.rotate_keys(db_session, kek_secret=settings.signing_kek_secret, now=start + timedelta(minutes=59))
    assert refused.value.extra["ready_at"] == (start + keys.JWKS_MAX_AGE).isoformat()


async def test_rotation_next_signs_old_verifies_until_its_tokens_expire(
    db_session: AsyncSession, settings: Settings, holder: CardHolder
) -> None:
    secret = settings.signing_kek_secret
    start = utcnow()
    before = await keys.load_key_ring(db_session, kek_secret=secret, now=start)
    old_pass = await mint_token(db_session, settings, holder, now=start, kind="offline")
    upcoming_kid = before.jwks["keys"][1]["kid"]
    # The next key was in the JWKS before it signed anything.
    assert upcoming_kid in before.public_keys
    assert before.signing_kid != upcoming_kid

    rotated_at = start + keys.JWKS_MAX_AGE
    retiring, current, fresh = await keys.rotate_keys(db_session, kek_secret=secret, now=rotated_at)
    assert (retiring, current) == (before.signing_kid, upcoming_kid)

    after = await keys.load_key_ring(db_session, kek_secret=secret, now=rotated_at)
    assert after.signing_kid == upcoming_kid
    assert [k["kid"] for k in after.jwks["keys"]] == [current, fresh, retiring]
    new_token = await mint_token(db_session, settings, holder, now=rotated_at)
    assert check_card_token(new_token, after.public_keys, now=rotated_at).kid == upcoming_kid
    # The old key's offline pass still verifies while it lives…
    assert check_card_token(old_pass, after.public_keys, now=rotated_at).result is CheckResult.VALID
    # …then expires, and once the retiring key's last token has expired the key leaves the JWKS.
    assert check_card_token(old_pass, after.public_keys, now=start + OFFLINE_TTL).result is CheckResult.TOKEN_EXPIRED
    much_later = rotated_at + OFFLINE_TTL + keys.RETIREMENT_GRACE
    final = await keys.load_key_ring(db_session, kek_secret=secret, now=much_later)
    assert retiring not in final.public_keys
    assert check_card_token(old_pass, final.public_keys, now=much_later).result is CheckResult.UNKNOWN_KEY


async def test_a_second_rotation_retires_keys_whose_tokens_are_all_gone(
    db_session: AsyncSession, settings: Settings
) -> None:
    secret = settings.signing_kek_secret
    start = utcnow()
    await keys.ensure_keys(db_session, kek_secret=secret, now=start)
    first, _, _ = await keys.rotate_keys(db_session, kek_secret=secret, now=start + keys.JWKS_MAX_AGE)
    later = start + keys.JWKS_MAX_AGE + OFFLINE_TTL + timedelta(hours=1)
    await keys.rotate_keys(db_session, kek_secret=secret, now=later)
    states = {r.kid: r.state for r in await keys.list_keys(db_session)}
    assert states[first] == SigningKeyState.RETIRED
    assert sorted(states.values()) == ["current", "next", "retired", "retiring"]


async def test_force_rotates_at_once_and_withdraws_a_compromised_key(
    db_session: AsyncSession, settings: Settings, holder: CardHolder
) -> None:
    now = utcnow()
    ring = await keys.load_key_ring(db_session, kek_secret=settings.signing_kek_secret, now=now)
    stolen_key_pass = await mint_token(db_session, settings, holder, now=now, kind="offline")
    _, current, _ = await keys.rotate_keys(db_session, kek_secret=settings.signing_kek_secret, force=True, now=now)
    assert current != ring.signing_kid
    after = await keys.load_key_ring(db_session, kek_secret=settings.signing_kek_secret, now=now)
    assert ring.signing_kid not in after.public_keys
    assert check_card_token(stolen_key_pass, after.public_keys, now=now).result is CheckResult.UNKNOWN_KEY
