"""(Re)write the card-token conformance vectors: ``python -m tests.vectors.card.generate`` from the repo root.

Every vector is one JSON file: the QR text, the JWKS to check it with, the validation clock, the card
status an online check would see, and the expected result codes. The output is byte-for-byte stable:
the keys below are fixed, ``jti`` is fixed, and signatures use deterministic ECDSA (RFC 6979) over the
exact header and payload segments that ``sign_card_token`` produces.
"""

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ansinh.cards.results import CheckResult
from ansinh.cards.tokens import OFFLINE_TTL, ONLINE_TTL, PREFIX, card_payload, sign_card_token
from ansinh.core.signing import b64url, jwk_thumbprint, public_jwk

FOLDER = Path(__file__).resolve().parent
ISSUER = "https://ansinh.example"

# ---------------------------------------------------------------------------------------------------
# TEST ONLY private keys. They are public in this repository and sign nothing but these vectors;
# never load them into a deployment.
# ---------------------------------------------------------------------------------------------------
TEST_ONLY_CURRENT_KEY_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTP9ZQZJ0xTT/Kj19
Aueom9dGvaMvpVVhwS/1n+f92BqhRANCAATLJkwt7MGiVIUgH0VeKMCL5Gi/U9Aj
GoE8BjU5BJO2/aHKjQK4VOSTGivgmOgIFP5mmy32NcBrq/bP3ZvAvZrw
-----END PRIVATE KEY-----
"""
TEST_ONLY_PREVIOUS_KEY_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/9sWOplMLsKwY3dK
EGI64bsp828iFLFJKZtYVjHNT8ihRANCAARspVWAI6pw73NPTMLO+2O6SS3zEOj0
z6Nb0ygR8ktK1fZxc3wI7MjxvamdjzNUfegmZlzdthIaiSgioUWPqcqn
-----END PRIVATE KEY-----
"""
TEST_ONLY_STRANGER_KEY_PEM = b"""-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBagZBNE7FRvKeeAo
alqx98lS1bfQ7tG4TZrWNIsLs5yhRANCAASRPpQS7k3GiIY0O0lf6AUyGo0iab31
3Odk9Kipvl+TpbYOD8GHGN5eD2DH5sjI3f/GFODsp3ktfF+gdpYZ4AVv
-----END PRIVATE KEY-----
"""


@dataclass(frozen=True, slots=True)
class VectorKey:
    """A TEST ONLY key pair with its kid, in the same ``YYYYMMDD-thumbprint`` form the API uses."""

    private: ec.EllipticCurvePrivateKey
    kid: str

    @classmethod
    def load(cls, pem: bytes, published: str) -> "VectorKey":
        """Load a PEM private key and name it like ``ansinh.cards.keys`` does."""
        private = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        return cls(private, f"{published}-{jwk_thumbprint(public_jwk(private.public_key()))[:8]}")

    @property
    def jwk(self) -> dict[str, str]:
        """The public JWK as ``/.well-known/jwks.json`` lists it."""
        return {**public_jwk(self.private.public_key()), "kid": self.kid, "use": "sig", "alg": "ES256"}


CURRENT = VectorKey.load(TEST_ONLY_CURRENT_KEY_PEM, "20260101")
PREVIOUS = VectorKey.load(TEST_ONLY_PREVIOUS_KEY_PEM, "20250701")
STRANGER = VectorKey.load(TEST_ONLY_STRANGER_KEY_PEM, "20260101")  # not in the JWKS
JWKS: dict[str, list[dict[str, str]]] = {"keys": [CURRENT.jwk, PREVIOUS.jwk]}

CARD_FROM, CARD_TO = date(2026, 1, 1), date(2026, 12, 31)
ENDED_FROM, ENDED_TO = date(2025, 1, 1), date(2025, 12, 31)  # a card that ended on New Year's Eve
CLOCK = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội


@dataclass(frozen=True, slots=True)
class Vector:
    """One conformance case, as written to ``NNN-<case>.json``."""

    case: str
    description: str
    qr_text: str
    validation_clock: datetime
    card_status: dict[str, str] | None
    expected_result: CheckResult
    expected_offline_result: CheckResult

    def as_json(self) -> dict[str, Any]:
        """The file's content."""
        return {
            "case": self.case,
            "description": self.description,
            "qr_text": self.qr_text,
            "jwks": JWKS,
            "validation_clock": self.validation_clock.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "card_status": self.card_status,
            "expected_result": self.expected_result.value,
            "expected_offline_result": self.expected_offline_result.value,
        }


def payload(
    *,
    issued: datetime = CLOCK - timedelta(minutes=1),
    ttl: timedelta = ONLINE_TTL,
    valid_from: date = CARD_FROM,
    valid_to: date = CARD_TO,
    name: str = "Nguyễn Thị Lan",
    birth_date: str = "1990-05-17",
    jti: str = "q3Xk9v0bT1uQ2w8e",
) -> dict[str, Any]:
    """A payload built by the API's own ``card_payload`` (exp capped at the card's end), with a fixed jti."""
    built = card_payload(
        issuer=ISSUER,
        card_number="0100000001",
        card_serial="C26-0000123",
        name=name,
        birth_date=birth_date,
        sex="F",
        benefit_level=4,
        facility_code="01001",
        valid_from=valid_from,
        valid_to=valid_to,
        now=issued,
        ttl=ttl,
    )
    return {**built, "jti": jti}


def status(
    state: str = "active",
    *,
    valid_from: date = CARD_FROM,
    valid_to: date = CARD_TO,
    group: str | None = None,
    decrease_reason: str | None = None,
) -> dict[str, str]:
    """The registry's view of the card, as the online check reads it (group and decrease reason only when set)."""
    view = {"status": state, "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()}
    if group is not None:
        view["beneficiary_group"] = group
    if decrease_reason is not None:
        view["decrease_reason"] = decrease_reason
    return view


def es256(signing_input: str, key: VectorKey) -> str:
    """A deterministic (RFC 6979) ES256 signature, raw r||s in base64url."""
    der = key.private.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    r, s = decode_dss_signature(der)
    return b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def sign(claims: Mapping[str, Any], key: VectorKey, *, kid: str | None = None) -> str:
    """``AS1:`` + compact JWS: header and payload exactly as ``sign_card_token`` encodes them, stable signature."""
    encoded = sign_card_token(claims, private_key=key.private, kid=kid or key.kid)
    signing_input = encoded.removeprefix(PREFIX).rsplit(".", 1)[0]
    return f"{PREFIX}{signing_input}.{es256(signing_input, key)}"


def segments(qr_text: str) -> list[str]:
    """The three base64url segments of a token."""
    return qr_text.removeprefix(PREFIX).split(".")


def encode(value: Mapping[str, Any]) -> str:
    """A header or payload segment, compact UTF-8 JSON like ``sign_card_token``."""
    return b64url(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def with_header(qr_text: str, header: Mapping[str, Any], signature: Callable[[str], str]) -> str:
    """The token with its header replaced and a signature computed over the new signing input."""
    signing_input = f"{encode(header)}.{segments(qr_text)[1]}"
    return f"{PREFIX}{signing_input}.{signature(signing_input)}"


def hs256(secret: bytes) -> Callable[[str], str]:
    """An HMAC-SHA256 signer keyed with ``secret`` (the algorithm-confusion attack)."""
    return lambda signing_input: b64url(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


def build_vectors() -> list[Vector]:
    """Every case, in file order."""
    valid = sign(payload(), CURRENT)
    header, body, signature = segments(valid)
    header_of = {"alg": "ES256", "kid": CURRENT.kid, "typ": "ansinh-card+jwt"}
    public_pem = CURRENT.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_jwk_text = json.dumps(CURRENT.jwk, separators=(",", ":"))
    valid_exp = payload()["exp"]
    # A 7-day pass from an issuer that did not cap exp at the card's end (ours always does): the
    # signature and exp are fine, so only the vt claim can tell the card has ended.
    uncapped_pass = {
        **payload(issued=datetime(2025, 12, 28, 3, 0, tzinfo=UTC), valid_from=ENDED_FROM, valid_to=ENDED_TO),
        "exp": int(datetime(2026, 1, 4, 3, 0, tzinfo=UTC).timestamp()),
    }
    new_year_vn = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)  # 2026-01-01 00:30 in Vietnam, still 2025 in UTC
    edited_level = {**payload(), "lvl": 5}
    edited_name = {**payload(), "n": "Nguyễn Thị Lân"}
    no_vt = {key: value for key, value in payload().items() if key != "vt"}
    return [
        Vector(
            "valid",
            "A genuine online token (3 minutes) of an active card, checked 60 s after issue.",
            valid,
            CLOCK,
            status(),
            CheckResult.VALID,
            CheckResult.VALID,
        ),
        Vector(
            "valid-previous-key",
            "Signed with the previous key, still listed in the JWKS during a rotation.",
            sign(payload(), PREVIOUS),
            CLOCK,
            status(),
            CheckResult.VALID,
            CheckResult.VALID,
        ),
        Vector(
            "valid-offline-pass",
            "A 7-day offline pass, checked 6 days after issue, with no network (status null).",
            sign(payload(issued=CLOCK - timedelta(days=6), ttl=OFFLINE_TTL), CURRENT),
            CLOCK,
            None,
            CheckResult.VALID,
            CheckResult.VALID,
        ),
        Vector(
            "valid-birth-year-only",
            "The birth date claim b is YYYY when only the year of birth is on record.",
            sign(payload(name="Đặng Văn Hùng", birth_date="1958"), CURRENT),
            CLOCK,
            status(),
            CheckResult.VALID,
            CheckResult.VALID,
        ),
        Vector(
            "valid-last-day-of-card",
            "Checked at 23:59:59 Vietnam time on the card's valid-to day; exp is capped at midnight, 1 s later.",
            sign(payload(issued=datetime(2026, 12, 31, 16, 59, 0, tzinfo=UTC)), CURRENT),
            datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC),
            status(),
            CheckResult.VALID,
            CheckResult.VALID,
        ),
        Vector(
            "expired-token",
            "The online token is checked 1 s after its exp.",
            valid,
            datetime.fromtimestamp(valid_exp + 1, UTC),
            status(),
            CheckResult.TOKEN_EXPIRED,
            CheckResult.TOKEN_EXPIRED,
        ),
        Vector(
            "expired-token-at-exp",
            "Checked at exactly exp: expired (exp is the first instant it is not accepted).",
            valid,
            datetime.fromtimestamp(valid_exp, UTC),
            status(),
            CheckResult.TOKEN_EXPIRED,
            CheckResult.TOKEN_EXPIRED,
        ),
        Vector(
            "expired-card",
            "Signature and exp are fine but the card's vt (2025-12-31) has passed: the clock is 00:30 on "
            "2026-01-01 in Vietnam (still 2025-12-31 in UTC; legal dates are Vietnam dates). Our issuer "
            "caps exp at the end of the vt day and never mints such a token, but a verifier must check vt.",
            sign(uncapped_pass, CURRENT),
            new_year_vn,
            status(valid_from=ENDED_FROM, valid_to=ENDED_TO),
            CheckResult.CARD_EXPIRED,
            CheckResult.CARD_EXPIRED,
        ),
        Vector(
            "expired-card-registry",
            "The registry's valid_to was moved before the token's vt after the pass was issued: only the "
            "online check can tell.",
            sign(payload(issued=CLOCK - timedelta(days=1), ttl=OFFLINE_TTL), CURRENT),
            CLOCK,
            status(valid_to=date(2026, 3, 1)),
            CheckResult.CARD_EXPIRED,
            CheckResult.VALID,
        ),
        Vector(
            "not-yet-valid",
            "The card's vf (2026-04-01) is still ahead (AnSinh code 011).",
            sign(payload(valid_from=date(2026, 4, 1)), CURRENT),
            CLOCK,
            status(valid_from=date(2026, 4, 1)),
            CheckResult.CARD_NOT_YET_VALID,
            CheckResult.CARD_NOT_YET_VALID,
        ),
        Vector(
            "withdrawn",
            "A genuine token of a card withdrawn after it was issued: offline cannot tell.",
            valid,
            CLOCK,
            status("withdrawn"),
            CheckResult.CARD_WITHDRAWN,
            CheckResult.VALID,
        ),
        Vector(
            "suspended",
            "A genuine token of a suspended card: offline cannot tell.",
            valid,
            CLOCK,
            status("suspended"),
            CheckResult.CARD_SUSPENDED,
            CheckResult.VALID,
        ),
        Vector(
            "bad-signature",
            "The header names the current kid, but the signature was made with another key.",
            f"{PREFIX}{header}.{body}.{es256(f'{header}.{body}', STRANGER)}",
            CLOCK,
            status(),
            CheckResult.BAD_SIGNATURE,
            CheckResult.BAD_SIGNATURE,
        ),
        Vector(
            "edited-payload",
            "The payload re-encoded with lvl 5 instead of 4; the original signature kept.",
            f"{PREFIX}{header}.{encode(edited_level)}.{signature}",
            CLOCK,
            status(),
            CheckResult.BAD_SIGNATURE,
            CheckResult.BAD_SIGNATURE,
        ),
        Vector(
            "edited-payload-name",
            "The payload re-encoded with n 'Nguyễn Thị Lân'; the original signature kept.",
            f"{PREFIX}{header}.{encode(edited_name)}.{signature}",
            CLOCK,
            status(),
            CheckResult.BAD_SIGNATURE,
            CheckResult.BAD_SIGNATURE,
        ),
        Vector(
            "unknown-kid",
            "Signed correctly by a key whose kid is not in the JWKS.",
            sign(payload(), STRANGER),
            CLOCK,
            status(),
            CheckResult.UNKNOWN_KEY,
            CheckResult.UNKNOWN_KEY,
        ),
        Vector(
            "alg-none",
            'Header alg "none" and an empty signature.',
            with_header(valid, {**header_of, "alg": "none"}, lambda _: ""),
            CLOCK,
            status(),
            CheckResult.ALGORITHM_NOT_ALLOWED,
            CheckResult.ALGORITHM_NOT_ALLOWED,
        ),
        Vector(
            "hs256-confusion",
            "Header alg HS256, HMAC keyed with the current key's public JWK text from the JWKS.",
            with_header(valid, {**header_of, "alg": "HS256"}, hs256(public_jwk_text.encode())),
            CLOCK,
            status(),
            CheckResult.ALGORITHM_NOT_ALLOWED,
            CheckResult.ALGORITHM_NOT_ALLOWED,
        ),
        Vector(
            "hs256-confusion-pem",
            "Header alg HS256, HMAC keyed with the current public key's PEM bytes.",
            with_header(valid, {**header_of, "alg": "HS256"}, hs256(public_pem)),
            CLOCK,
            status(),
            CheckResult.ALGORITHM_NOT_ALLOWED,
            CheckResult.ALGORITHM_NOT_ALLOWED,
        ),
        Vector(
            "malformed-no-prefix",
            "A genuine compact JWS without the AS1: prefix.",
            valid.removeprefix(PREFIX),
            CLOCK,
            status(),
            CheckResult.MALFORMED_TOKEN,
            CheckResult.MALFORMED_TOKEN,
        ),
        Vector(
            "malformed-two-segments",
            "AS1: + header.payload, the signature segment missing.",
            f"{PREFIX}{header}.{body}",
            CLOCK,
            status(),
            CheckResult.MALFORMED_TOKEN,
            CheckResult.MALFORMED_TOKEN,
        ),
        Vector(
            "malformed-not-base64",
            "A payload segment with characters outside base64url ('+', '/', '=').",
            f"{PREFIX}{header}.{body[:-4]}+/==.{signature}",
            CLOCK,
            status(),
            CheckResult.MALFORMED_TOKEN,
            CheckResult.MALFORMED_TOKEN,
        ),
        Vector(
            "malformed-header-not-json",
            "A header segment that is base64url but not JSON.",
            f"{PREFIX}{b64url(b'ES256 please')}.{body}.{signature}",
            CLOCK,
            status(),
            CheckResult.MALFORMED_TOKEN,
            CheckResult.MALFORMED_TOKEN,
        ),
        Vector(
            "malformed-claims",
            "Correctly signed, but the payload lacks the vt claim.",
            sign(no_vt, CURRENT),
            CLOCK,
            status(),
            CheckResult.MALFORMED_TOKEN,
            CheckResult.MALFORMED_TOKEN,
        ),
        Vector(
            "order-alg-before-kid",
            'Header alg "none" and an unknown kid: the algorithm is judged first.',
            with_header(valid, {**header_of, "alg": "none", "kid": STRANGER.kid}, lambda _: ""),
            CLOCK,
            status(),
            CheckResult.ALGORITHM_NOT_ALLOWED,
            CheckResult.ALGORITHM_NOT_ALLOWED,
        ),
        Vector(
            "order-kid-before-signature",
            "An unknown kid over a signature by the previous key, which is in the JWKS under its own kid: the "
            "kid is judged first, and a verifier must not fall back to trying every key.",
            with_header(valid, {**header_of, "kid": STRANGER.kid}, lambda s: es256(s, PREVIOUS)),
            CLOCK,
            status(),
            CheckResult.UNKNOWN_KEY,
            CheckResult.UNKNOWN_KEY,
        ),
        Vector(
            "order-signature-before-expiry",
            "An edited payload checked after exp: the signature is judged first.",
            f"{PREFIX}{header}.{encode(edited_level)}.{signature}",
            datetime.fromtimestamp(valid_exp + 60, UTC),
            status(),
            CheckResult.BAD_SIGNATURE,
            CheckResult.BAD_SIGNATURE,
        ),
        Vector(
            "order-withdrawn-before-expired-card",
            "A withdrawn card whose dates have also passed: the registry status comes before the dates.",
            sign(uncapped_pass, CURRENT),
            new_year_vn,
            status("withdrawn", valid_from=ENDED_FROM, valid_to=ENDED_TO),
            CheckResult.CARD_WITHDRAWN,
            CheckResult.CARD_EXPIRED,
        ),
        Vector(
            "replaced-old-card-running",
            "A genuine token of a card a reissue replaced, its dates still running: 004 (new card issued).",
            valid,
            CLOCK,
            status("replaced"),
            CheckResult.REPLACED_VALID,
            CheckResult.VALID,
        ),
        Vector(
            "replaced-old-card-ended",
            "A genuine token of a replaced card whose dates have passed: 003 (old card expired, new card issued).",
            sign(uncapped_pass, CURRENT),
            new_year_vn,
            status("replaced", valid_from=ENDED_FROM, valid_to=ENDED_TO),
            CheckResult.REPLACED_EXPIRED,
            CheckResult.CARD_EXPIRED,
        ),
        Vector(
            "decreased-moved-out-of-province",
            "A genuine token of a card reported reduced because its holder moved out of the province: 121.",
            valid,
            CLOCK,
            status("decreased", decrease_reason="moved_out_of_province"),
            CheckResult.DECREASED_MOVED_OUT,
            CheckResult.VALID,
        ),
        Vector(
            "defence-group",
            "A genuine token of an armed forces' card (group QN) in force: 001, check the card and identity papers.",
            valid,
            CLOCK,
            status(group="QN"),
            CheckResult.DEFENCE_CARD,
            CheckResult.VALID,
        ),
    ]


def write(folder: Path = FOLDER) -> list[Path]:
    """Replace every ``NNN-*.json`` in ``folder`` with the current vectors; returns the files written."""
    for stale in folder.glob("[0-9][0-9][0-9]-*.json"):
        stale.unlink()
    written = []
    for number, vector in enumerate(build_vectors(), start=1):
        path = folder / f"{number:03d}-{vector.case}.json"
        path.write_text(json.dumps(vector.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
