"""The passbook token in the printed QR: ``PB1.`` + a compact ES256 JWS over the statement's key facts and hash.

Pure functions over keys: signing, parsing the form (anything that is not a passbook token at all) and
checking a signature. Which keys count (never withdrawn) is the service's business.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from ansinh.core.signing import b64url, b64url_decode, compact_json, jws_json_object, sign_es256, verify_es256
from ansinh.passbooks.statement import Statement
from ansinh.records.tables import FUNDS

PREFIX = "PB1."
TOKEN_TYPE = "ansinh-passbook+jws"
ALGORITHM = "ES256"
MAX_TOKEN_LENGTH = 4096  # a real token is ~550 characters; anything this long is not one
VERIFY_PATH = "/#/verify/"

# fullmatch and [0-9], not $ and \d: no trailing newline, no non-ASCII digits.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_SI_CODE = re.compile(r"[0-9]{10}")
_SHA256 = re.compile(r"[A-Za-z0-9_-]{43}")
# Our kids are "YYYYMMDD-" + 8 thumbprint characters; anything else is no kid of ours and never reaches SQL
# (PostgreSQL refuses a NUL in a text parameter: that would be a 500, not an "unknown key").
_KID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class NotAPassbookToken(ValueError):
    """The text is not ``PB1.`` + three base64url parts of JSON objects with our token type."""


@dataclass(frozen=True, slots=True)
class PassbookClaims:
    """The payload of a passbook token, typed."""

    issuer: str
    si_code: str
    holder_name: str
    period_from: str
    period_to: str
    issued_on: date
    paid_months: dict[str, int]
    arrears_months: int
    statement_sha256: str


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """A token split into its parts; nothing about it is trusted yet."""

    algorithm: object
    kid: str | None
    payload: dict[str, Any]
    signing_input: bytes
    signature: str  # still base64url: decoding is part of checking it


def passbook_payload(statement: Statement, *, issuer: str, issued_on: date) -> dict[str, Any]:
    """The claims signed into the QR."""
    return {
        "iss": issuer,
        "si": statement.si_code,
        "name": statement.holder_name,
        "period": {"from": statement.period_from, "to": statement.period_to},
        "issued": issued_on.isoformat(),
        "totals": statement.totals.as_claim(),
        "sha256": statement.sha256(),
    }


def sign_passbook_token(payload: Mapping[str, Any], *, private_key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    """``PB1.`` + the compact JWS (RFC 7515) with an ES256 raw r||s signature."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": TOKEN_TYPE}
    signing_input = ".".join(b64url(compact_json(part)) for part in (header, payload))
    signature = sign_es256(signing_input.encode("ascii"), private_key)
    return f"{PREFIX}{signing_input}.{b64url(signature)}"


def verify_url(public_url: str, token: str) -> str:
    """What the QR holds: the PWA's verifier, so a phone camera opens it."""
    return f"{public_url.rstrip('/')}{VERIFY_PATH}{token}"


def token_from_input(text: str) -> str:
    """The token itself, given the token or the whole verify URL (as a QR reader copies it)."""
    text = text.strip()
    if not text.startswith(PREFIX) and VERIFY_PATH in text:
        text = text.rsplit(VERIFY_PATH, 1)[1]
    return text


def _json_object(segment: str) -> dict[str, Any]:
    value = jws_json_object(segment)
    if value is None:
        raise NotAPassbookToken("a part is not a base64url JSON object")
    return value


def parse_token(text: object) -> ParsedToken:
    """Split a token into header facts, payload and signature; NotAPassbookToken when it is not one at all."""
    if not isinstance(text, str) or len(text) > MAX_TOKEN_LENGTH:
        raise NotAPassbookToken("not a string of at most 4 kB")
    token = token_from_input(text)
    if not token.startswith(PREFIX):
        raise NotAPassbookToken("no PB1. prefix")
    segments = token[len(PREFIX) :].split(".")
    if len(segments) != 3 or not all(_SEGMENT.fullmatch(s) for s in segments):
        raise NotAPassbookToken("not three base64url parts")
    header, payload = _json_object(segments[0]), _json_object(segments[1])
    if header.get("typ") != TOKEN_TYPE:
        raise NotAPassbookToken("not a passbook token type")
    kid = header.get("kid")
    return ParsedToken(
        algorithm=header.get("alg"),
        kid=kid if isinstance(kid, str) and _KID.fullmatch(kid) else None,
        payload=payload,
        signing_input=f"{segments[0]}.{segments[1]}".encode("ascii"),
        signature=segments[2],
    )


def signature_valid(parsed: ParsedToken, key: ec.EllipticCurvePublicKey) -> bool:
    """Whether the token is ES256-signed by ``key``; the algorithm is ours to choose, never the token's."""
    if parsed.algorithm != ALGORITHM:
        return False
    try:
        signature = b64url_decode(parsed.signature)
    except ValueError:
        return False
    return verify_es256(parsed.signing_input, key, signature)


def _count(value: object) -> int | None:
    return value if type(value) is int and value >= 0 else None


def _text(value: object, pattern: re.Pattern[str] | None = None) -> str | None:
    if not isinstance(value, str) or not value or (pattern is not None and not pattern.fullmatch(value)):
        return None
    return value


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_claims(payload: Mapping[str, Any]) -> PassbookClaims | None:
    """Typed claims of a signed payload, or None when a field is missing or not in its format."""
    period, totals = _object(payload.get("period")), _object(payload.get("totals"))
    issuer, name = _text(payload.get("iss")), _text(payload.get("name"))
    si_code, digest = _text(payload.get("si"), _SI_CODE), _text(payload.get("sha256"), _SHA256)
    issued = _text(payload.get("issued"), _DATE)
    first, last = _text(period.get("from"), _MONTH), _text(period.get("to"), _MONTH)
    paid_in = _object(totals.get("paid_months"))
    paid = {fund: count for fund in FUNDS if (count := _count(paid_in.get(fund))) is not None}
    arrears = _count(totals.get("arrears_months"))
    if (
        issuer is None
        or name is None
        or si_code is None
        or digest is None
        or issued is None
        or first is None
        or last is None
        or arrears is None
        or len(paid) != len(FUNDS)
    ):
        return None
    try:
        issued_on = date.fromisoformat(issued)
    except ValueError:
        return None
    return PassbookClaims(
        issuer=issuer,
        si_code=si_code,
        holder_name=name,
        period_from=first,
        period_to=last,
        issued_on=issued_on,
        paid_months=paid,
        arrears_months=arrears,
        statement_sha256=digest,
    )
