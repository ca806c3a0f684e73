"""The card token format: what a verifier with the public keys and a clock concludes, without a database."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from ansinh.cards.results import CheckResult, card_standing
from ansinh.cards.tokens import (
    OFFLINE_TTL,
    ONLINE_TTL,
    PREFIX,
    check_card_token,
    offline_result,
    sign_card_token,
)
from ansinh.core.signing import b64url, generate_p256, public_jwk
from tests.support.card_tokens import sample_payload

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
KEY = generate_p256()
OTHER_KEY = generate_p256()
KEYS = {"k1": KEY.public_key()}


def payload(now: datetime = NOW, ttl: timedelta = ONLINE_TTL, valid_to: date = date(2026, 12, 31)) -> dict:
    return sample_payload(now=now, ttl=ttl, valid_to=valid_to)


def token(**kwargs: object) -> str:
    return sign_card_token(payload(**kwargs), private_key=KEY, kid="k1")  # type: ignore[arg-type]


def forge(header: dict, body: dict, signature: bytes) -> str:
    encode = lambda part: b64url(json.dumps(part).encode())  # noqa: E731
    return f"{PREFIX}{encode(header)}.{encode(body)}.{b64url(signature)}"


def test_a_fresh_token_verifies_and_carries_design_md_fields() -> None:
    check = check_card_token(token(), KEYS, now=NOW)
    assert check.result is CheckResult.VALID
    assert check.kid == "k1"
    assert check.claims is not None
    assert (check.claims.card_number, check.claims.card_serial, check.claims.name) == (
        "0100000001",
        "C26-0000001",
        "Nguyễn Văn An",
    )
    header = json.loads(base64.urlsafe_b64decode(token()[4:].split(".")[0] + "=="))
    assert header == {"alg": "ES256", "kid": "k1", "typ": "ansinh-card+jwt"}


def test_payload_has_exactly_the_short_claims_and_nothing_personal_beyond_them() -> None:
    body = payload()
    assert set(body) == {"iss", "sub", "cid", "n", "b", "s", "lvl", "fac", "vf", "vt", "iat", "exp", "jti"}
    assert body["exp"] - body["iat"] == ONLINE_TTL.total_seconds()


def test_token_ids_are_unique() -> None:
    assert len({payload()["jti"] for _ in range(200)}) == 200


def test_utf8_json_keeps_the_qr_small() -> None:
    assert len(token()) < 520  # a version-16-or-smaller QR at error correction M


def test_an_offline_pass_never_outlives_the_card() -> None:
    body = payload(now=datetime(2026, 12, 29, tzinfo=UTC), ttl=OFFLINE_TTL, valid_to=date(2026, 12, 31))
    end_of_valid_to_in_vietnam = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 2027-01-01 00:00 +07:00
    assert body["exp"] == int(end_of_valid_to_in_vietnam.timestamp())


B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_changing_any_single_character_breaks_the_token() -> None:
    original = token()
    for position in range(len(original)):
        for replacement in ("A", "z", "."):
            if replacement == original[position]:
                continue
            tampered = original[:position] + replacement + original[position + 1 :]
            assert check_card_token(tampered, KEYS, now=NOW).result is not CheckResult.VALID, (position, replacement)


def test_the_unused_bits_of_the_last_signature_character_cannot_be_flipped() -> None:
    # 64 signature bytes take 86 characters; the last one carries 2 unused bits that lax decoders ignore.
    original = token()
    for replacement in B64URL:
        if replacement == original[-1]:
            continue
        variant = original[:-1] + replacement
        assert check_card_token(variant, KEYS, now=NOW).result is CheckResult.BAD_SIGNATURE, replacement


def test_an_expired_token_says_205_but_still_identifies_the_card() -> None:
    check = check_card_token(token(), KEYS, now=NOW + ONLINE_TTL)
    assert check.result is CheckResult.TOKEN_EXPIRED
    assert check.claims is not None
    assert check.claims.card_serial == "C26-0000001"


def test_a_token_signed_with_a_key_we_do_not_publish_is_203() -> None:
    foreign = sign_card_token(payload(), private_key=OTHER_KEY, kid="k9")
    assert check_card_token(foreign, KEYS, now=NOW).result is CheckResult.UNKNOWN_KEY


def test_a_known_kid_with_another_keys_signature_is_202() -> None:
    forged = sign_card_token(payload(), private_key=OTHER_KEY, kid="k1")
    assert check_card_token(forged, KEYS, now=NOW).result is CheckResult.BAD_SIGNATURE


def test_alg_none_is_refused_as_204() -> None:
    header = {"alg": "none", "kid": "k1", "typ": "ansinh-card+jwt"}
    assert check_card_token(forge(header, payload(), b""), KEYS, now=NOW).result is CheckResult.ALGORITHM_NOT_ALLOWED


def test_hs256_keyed_with_the_public_key_is_refused_as_204() -> None:
    header = {"alg": "HS256", "kid": "k1", "typ": "ansinh-card+jwt"}
    encode = lambda part: b64url(json.dumps(part).encode())  # noqa: E731
    signing_input = f"{encode(header)}.{encode(payload())}"
    secret = json.dumps(public_jwk(KEY.public_key())).encode()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    confused = f"{PREFIX}{signing_input}.{b64url(mac)}"
    assert check_card_token(confused, KEYS, now=NOW).result is CheckResult.ALGORITHM_NOT_ALLOWED


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "0100000001",
        token()[len(PREFIX) :],  # a bare JWS without the AS1: prefix
        PREFIX + "abc.def",
        PREFIX + "a.b.c.d",
        PREFIX + "!!!.???.***",
        PREFIX + b64url(b"not json") + "." + b64url(b"{}") + ".",
        PREFIX + b64url(b"[1,2]") + "." + b64url(b"{}") + ".",
        PREFIX + "x" * 5000,
        PREFIX + b64url(b"[" * 1500) + ".e30.AA",
        token() + "\n",
    ],
    ids=[
        "empty",
        "text",
        "card-number",
        "no-prefix",
        "two-parts",
        "four-parts",
        "not-b64",
        "not-json",
        "not-object",
        "huge",
        "nested-json",
        "trailing-newline",
    ],
)
def test_anything_that_is_not_as1_plus_a_compact_jws_is_201(text: str) -> None:
    assert check_card_token(text, KEYS, now=NOW).result is CheckResult.MALFORMED_TOKEN


def test_a_correctly_signed_payload_missing_fields_is_201() -> None:
    incomplete = {k: v for k, v in payload().items() if k != "cid"}
    assert check_card_token(sign_card_token(incomplete, private_key=KEY, kid="k1"), KEYS, now=NOW).result is (
        CheckResult.MALFORMED_TOKEN
    )


def test_offline_the_token_dates_decide_whether_the_card_is_in_force() -> None:
    late = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # 08:00 on 1 January in Vietnam
    # We cap exp at the card's end, but another issuer's pass (or a clock far off) may not be: vt still rules.
    uncapped = {**payload(), "exp": int((late + timedelta(days=1)).timestamp())}
    check = check_card_token(sign_card_token(uncapped, private_key=KEY, kid="k1"), KEYS, now=late)
    assert check.result is CheckResult.VALID
    assert offline_result(check, now=late) is CheckResult.CARD_EXPIRED
    assert offline_result(check_card_token(token(), KEYS, now=NOW), now=NOW) is CheckResult.VALID


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        ("active", date(2026, 6, 1), CheckResult.VALID),
        ("active", date(2026, 12, 31), CheckResult.VALID),
        ("active", date(2027, 1, 1), CheckResult.CARD_EXPIRED),
        ("active", date(2025, 12, 31), CheckResult.CARD_NOT_YET_VALID),
        ("suspended", date(2026, 6, 1), CheckResult.CARD_SUSPENDED),
        ("withdrawn", date(2026, 6, 1), CheckResult.CARD_WITHDRAWN),
        ("withdrawn", date(2027, 6, 1), CheckResult.CARD_WITHDRAWN),
        ("replaced", date(2026, 6, 1), CheckResult.REPLACED_VALID),
        ("replaced", date(2027, 6, 1), CheckResult.REPLACED_EXPIRED),
        ("decreased", date(2026, 6, 1), CheckResult.DECREASED),
        ("decreased", date(2027, 6, 1), CheckResult.DECREASED),
    ],
)
def test_card_standing(status: str, today: date, expected: CheckResult) -> None:
    assert card_standing(status=status, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), today=today) is (
        expected
    )


# A signed token whose claims are odd in one way: the typed fast path must conclude exactly what the general rules
# do (it may refuse a payload, leaving it to them, but never accept one they refuse or read it differently).
ODD_CLAIMS = {
    "as issued": {},
    "level as true": {"lvl": True},
    "level as 4.0": {"lvl": 4.0},
    "level 0": {"lvl": 0},
    "level 6": {"lvl": 6},
    "huge expiry": {"exp": 10**30},
    "card number with a newline": {"sub": "0123456789\n"},
    "card number in Arabic-Indic digits": {"sub": "٠١٢٣٤٥٦٧٨٩"},
    "card number of 9 digits": {"sub": "012345678"},
    "birth year only": {"b": "1990"},
    "birth date with a newline": {"b": "1990-01-02\n"},
    "empty name": {"n": ""},
    "name as a number": {"n": 5},
    "sex X": {"s": "X"},
    "valid-from not a date": {"vf": "2026-02-30"},
    "valid-from unpadded": {"vf": "2026-1-1"},
    "valid-to with a time": {"vt": "2026-12-31T00:00:00"},
    "no jti": {"jti": None},
    "an extra claim": {"extra": [1, 2, 3]},
}


@pytest.mark.parametrize("odd", list(ODD_CLAIMS))
def test_the_typed_reading_of_claims_agrees_with_the_general_rules(odd: str) -> None:
    from ansinh.cards.tokens import _DECODE_PAYLOAD, _parse_claims, _typed_claims

    claims = {**payload(), **ODD_CLAIMS[odd]}
    claims = {name: value for name, value in claims.items() if value is not None}
    general = _parse_claims(claims)
    try:
        typed = _typed_claims(_DECODE_PAYLOAD(json.dumps(claims).encode()))
    except (ValueError, TypeError):
        typed = "left to the general rules"
    assert typed in (general, "left to the general rules")
    check = check_card_token(sign_card_token(claims, private_key=KEY, kid="k1"), KEYS, now=NOW)
    if general is None:
        assert check.result is CheckResult.MALFORMED_TOKEN
    else:
        assert check.claims == general
