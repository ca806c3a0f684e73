"""The card token (the QR): build, sign and check ``AS1:`` + a compact ES256 JWS, as DESIGN.md specifies.

These are pure functions over keys and a clock, so the conformance vectors in ``tests/vectors/card/``
run through exactly the code the API uses.
"""

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from msgspec import Meta

from ansinh.cards.results import CheckResult
from ansinh.core.signing import b64url, b64url_decode, compact_json, json_object, sign_es256, verify_es256
from ansinh.core.time import VN_TZ, today_vn

PREFIX = "AS1:"
TOKEN_TYPE = "ansinh-card+jwt"
ALGORITHM = "ES256"
ONLINE_TTL = timedelta(minutes=3)  # the app refreshes every minute; a screenshot dies within minutes
OFFLINE_TTL = timedelta(days=7)  # the pass kept on the phone for when there is no network
LONGEST_TTL = max(ONLINE_TTL, OFFLINE_TTL)
MAX_TOKEN_LENGTH = 2048  # far above a real token (~450 characters); refuses giant inputs early

# fullmatch and [0-9], not $ and \d: no trailing newline, no non-ASCII digits.
_TOKEN = re.compile(re.escape(PREFIX) + r"([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]*)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BIRTH = re.compile(r"[0-9]{4}(-[0-9]{2}-[0-9]{2})?")
_DIGITS10 = re.compile(r"[0-9]{10}")


@dataclass(frozen=True, slots=True)
class CardClaims:
    """The claims of a verified token, typed."""

    issuer: str
    card_number: str  # sub
    card_serial: str  # cid
    name: str  # n
    birth_date: str  # b: YYYY-MM-DD, or YYYY when only the year is known
    sex: str  # s
    benefit_level: int  # lvl
    facility_code: str  # fac
    valid_from: date  # vf
    valid_to: date  # vt
    issued_at: int
    expires_at: int
    token_id: str  # jti


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """The outcome of checking a token's form, algorithm, key, signature and expiry."""

    result: CheckResult
    kid: str | None = None
    claims: CardClaims | None = None


# What every token AnSinh signs looks like, for a typed decode in one pass (C, not Python). These types are
# stricter than the rules of _parse_claims, never looser; a token they refuse takes the general path, which decides.
_Text = Annotated[str, Meta(min_length=1)]


class _Header(msgspec.Struct):
    alg: str
    typ: str
    kid: str


class _Payload(msgspec.Struct):
    iss: _Text
    # The general rules' own patterns, anchored (\Z: msgspec searches, and $ would allow a final newline).
    sub: Annotated[str, Meta(pattern=rf"^{_DIGITS10.pattern}\Z")]
    cid: _Text
    n: _Text
    b: Annotated[str, Meta(pattern=rf"^{_BIRTH.pattern}\Z")]
    s: Literal["M", "F"]
    lvl: Annotated[int, Meta(ge=1, le=5)]
    fac: _Text
    vf: date
    vt: date
    iat: int
    exp: int
    jti: _Text


_DECODE_HEADER = msgspec.json.Decoder(_Header).decode
_DECODE_PAYLOAD = msgspec.json.Decoder(_Payload).decode


def _jws_part(segment: str, decode: Any) -> Any:
    """A header or payload segment: typed when it has the usual form, else the JSON object; None when not one."""
    try:
        text = b64url_decode(segment)
    except ValueError:
        return None
    try:
        return decode(text)
    except (ValueError, msgspec.DecodeError, RecursionError):
        return json_object(text)


def new_token_id() -> str:
    """A random, unique ``jti`` (96 bits)."""
    return secrets.token_urlsafe(12)


def card_payload(
    *,
    issuer: str,
    card_number: str,
    card_serial: str,
    name: str,
    birth_date: str,
    sex: str,
    benefit_level: int,
    facility_code: str,
    valid_from: date,
    valid_to: date,
    now: datetime,
    ttl: timedelta,
) -> dict[str, Any]:
    """The token payload; it never outlives the card (exp is capped at the end of the valid-to day)."""
    card_end = datetime.combine(valid_to + timedelta(days=1), time.min, tzinfo=VN_TZ)
    expires = min(now + ttl, card_end)
    return {
        "iss": issuer,
        "sub": card_number,
        "cid": card_serial,
        "n": name,
        "b": birth_date,
        "s": sex,
        "lvl": benefit_level,
        "fac": facility_code,
        "vf": valid_from.isoformat(),
        "vt": valid_to.isoformat(),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": new_token_id(),
    }


def sign_card_token(payload: Mapping[str, Any], *, private_key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    """``AS1:`` + the compact JWS; JSON as UTF-8 (not \\u escapes) keeps the QR small."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": TOKEN_TYPE}
    signing_input = ".".join(b64url(compact_json(part)) for part in (header, payload))
    signature = sign_es256(signing_input.encode("ascii"), private_key)
    return f"{PREFIX}{signing_input}.{b64url(signature)}"


def check_card_token(
    qr_text: object, public_keys: Mapping[str, ec.EllipticCurvePublicKey], *, now: datetime
) -> TokenCheck:
    """Check form (201), algorithm (204), key (203), signature (202) and expiry (205), in that order."""
    if not isinstance(qr_text, str) or len(qr_text) > MAX_TOKEN_LENGTH:
        return TokenCheck(CheckResult.MALFORMED_TOKEN)
    segments = _TOKEN.fullmatch(qr_text)
    if segments is None:
        return TokenCheck(CheckResult.MALFORMED_TOKEN)
    header: _Header | dict[str, Any] | None = _jws_part(segments[1], _DECODE_HEADER)
    payload: _Payload | dict[str, Any] | None = _jws_part(segments[2], _DECODE_PAYLOAD)
    if header is None or payload is None:
        return TokenCheck(CheckResult.MALFORMED_TOKEN)
    if isinstance(header, _Header):
        alg, typ, kid = header.alg, header.typ, header.kid
    else:
        alg, typ, kid = header.get("alg"), header.get("typ"), header.get("kid")
    # The algorithm is ours to choose, never the token's: "none" and HS256 (keyed with the public key)
    # are refused before any key is touched.
    if alg != ALGORITHM:
        return TokenCheck(CheckResult.ALGORITHM_NOT_ALLOWED)
    if typ != TOKEN_TYPE:
        return TokenCheck(CheckResult.MALFORMED_TOKEN)
    key = public_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        return TokenCheck(CheckResult.UNKNOWN_KEY, kid=kid if isinstance(kid, str) else None)
    try:
        signature = b64url_decode(segments[3])
    except ValueError:
        return TokenCheck(CheckResult.BAD_SIGNATURE, kid=kid)
    signing_input = f"{segments[1]}.{segments[2]}".encode("ascii")
    if not verify_es256(signing_input, key, signature):
        return TokenCheck(CheckResult.BAD_SIGNATURE, kid=kid)
    claims = _typed_claims(payload) if isinstance(payload, _Payload) else _parse_claims(payload)
    if claims is None:
        return TokenCheck(CheckResult.MALFORMED_TOKEN, kid=kid)
    if now.timestamp() >= claims.expires_at:
        return TokenCheck(CheckResult.TOKEN_EXPIRED, kid=kid, claims=claims)
    return TokenCheck(CheckResult.VALID, kid=kid, claims=claims)


def _typed_claims(payload: _Payload) -> CardClaims:
    return CardClaims(
        issuer=payload.iss,
        card_number=payload.sub,
        card_serial=payload.cid,
        name=payload.n,
        birth_date=payload.b,
        sex=payload.s,
        benefit_level=payload.lvl,
        facility_code=payload.fac,
        valid_from=payload.vf,
        valid_to=payload.vt,
        issued_at=payload.iat,
        expires_at=payload.exp,
        token_id=payload.jti,
    )


def _parse_claims(payload: Mapping[str, Any]) -> CardClaims | None:
    """Typed claims, or None when a field is missing or not in its format."""
    try:
        fields = {
            "issuer": payload["iss"],
            "card_number": payload["sub"],
            "card_serial": payload["cid"],
            "name": payload["n"],
            "birth_date": payload["b"],
            "sex": payload["s"],
            "facility_code": payload["fac"],
            "token_id": payload["jti"],
        }
        level, issued, expires = payload["lvl"], payload["iat"], payload["exp"]
        valid_from, valid_to = payload["vf"], payload["vt"]
    except KeyError:
        return None
    if not all(isinstance(v, str) and v for v in fields.values()):
        return None
    if not all(type(v) is int for v in (level, issued, expires)) or not 1 <= level <= 5:
        return None
    if not (
        _DIGITS10.fullmatch(fields["card_number"])
        and _BIRTH.fullmatch(fields["birth_date"])
        and fields["sex"] in ("M", "F")
        and isinstance(valid_from, str)
        and isinstance(valid_to, str)
        and _DATE.fullmatch(valid_from)
        and _DATE.fullmatch(valid_to)
    ):
        return None
    try:
        vf, vt = date.fromisoformat(valid_from), date.fromisoformat(valid_to)
    except ValueError:
        return None
    return CardClaims(**fields, benefit_level=level, valid_from=vf, valid_to=vt, issued_at=issued, expires_at=expires)


def offline_result(check: TokenCheck, *, now: datetime) -> CheckResult:
    """What a clinic without network concludes: the token's own check, then the card dates it carries."""
    if check.result is not CheckResult.VALID or check.claims is None:
        return check.result
    today = today_vn(now)
    if today > check.claims.valid_to:
        return CheckResult.CARD_EXPIRED
    if today < check.claims.valid_from:
        return CheckResult.CARD_NOT_YET_VALID
    return CheckResult.VALID
