"""Asymmetric signing: ES256 JWS parts and signatures, P-256 keys, JWKs, private keys encrypted at rest."""

import base64
import hashlib
import json
import os
import re
from functools import lru_cache
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENCRYPTION_FORMAT = "v1"  # AES-256-GCM, 12-byte nonce, the kid as associated data


class KeyDecryptionError(RuntimeError):
    """A stored private key cannot be decrypted: the key-encryption key changed or the row was altered."""


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode canonical unpadded base64url; raises ValueError on anything else."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    # The last character may carry unused bits; decoders ignore them, so two texts would mean the same
    # signature. Only the canonical spelling (unused bits zero) is accepted: one card code, one string.
    if _UNUSED_BITS[len(text) % 4] & _B64URL_VALUE[text[-1]]:
        raise ValueError("non-canonical base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = re.compile(r"[A-Za-z0-9_-]+")  # a regex, not a per-character loop: card codes are checked on every scan
_B64URL_VALUE = {c: n for n, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
_UNUSED_BITS = {0: 0, 2: 0b1111, 3: 0b11}  # by length mod 4: the last character's bits that carry no data


def jws_json_object(segment: str) -> dict[str, Any] | None:
    """A JWS header or payload: base64url of a JSON object; None when it is anything else."""
    try:
        return json_object(b64url_decode(segment))
    except ValueError:
        return None


def json_object(text: bytes) -> dict[str, Any] | None:
    """``text`` as a JSON object; None when it is anything else."""
    try:
        value = msgspec.json.decode(text)
    # ValueError: not UTF-8; RecursionError: "[[[[…" nested past the parser.
    except (ValueError, msgspec.DecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def compact_json(value: Any) -> bytes:
    """JSON for a JWS part: no spaces, UTF-8 rather than \\u escapes (Vietnamese names keep QR codes small)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# One ECDSA-with-SHA-256 descriptor for every signature (it is immutable): ES256 of RFC 7518 §3.4.
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def sign_es256(signing_input: bytes, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """The ES256 signature as a JWS carries it: raw r||s, 64 bytes (not DER)."""
    r, s = decode_dss_signature(private_key.sign(signing_input, _ECDSA_SHA256))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_es256(signing_input: bytes, public_key: ec.EllipticCurvePublicKey, signature: bytes) -> bool:
    """Whether ``signature`` (raw r||s) is an ES256 signature of ``signing_input`` by ``public_key``'s holder."""
    if len(signature) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, signing_input, _ECDSA_SHA256)
    except InvalidSignature:
        return False
    return True


def key_encryption_key(secret: str) -> bytes:
    """The 256-bit AES key that wraps private keys, derived from a settings secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ansinh", info=b"signing-key-encryption-v1").derive(
        secret.encode()
    )


def generate_p256() -> ec.EllipticCurvePrivateKey:
    """A fresh ECDSA P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def public_jwk(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The public key as an RFC 7517 JWK (kty, crv, x, y) without kid/use/alg."""
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url) of an EC public JWK."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


@lru_cache(maxsize=64)
def public_key_from_jwk(jwk_json: str) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public key from its JWK text (validated on the curve; cached)."""
    jwk: dict[str, Any] = json.loads(jwk_json)
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("not a P-256 key")
    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def encrypt_private_key(private: ec.EllipticCurvePrivateKey, *, kek: bytes, kid: str) -> str:
    """PKCS#8 DER sealed with AES-256-GCM; the kid is bound as associated data so rows cannot be swapped."""
    der = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    nonce = os.urandom(12)
    sealed = AESGCM(kek).encrypt(nonce, der, kid.encode())
    return f"{ENCRYPTION_FORMAT}.{b64url(nonce + sealed)}"


@lru_cache(maxsize=16)
def decrypt_private_key(blob: str, *, kek: bytes, kid: str) -> ec.EllipticCurvePrivateKey:
    """Open a sealed private key (cached: key rows never change once written)."""
    version, _, payload = blob.partition(".")
    if version != ENCRYPTION_FORMAT:
        raise KeyDecryptionError(f"unknown key encryption format {version!r}")
    raw = b64url_decode(payload)
    try:
        der = AESGCM(kek).decrypt(raw[:12], raw[12:], kid.encode())
    except InvalidTag as exc:
        raise KeyDecryptionError(f"cannot decrypt the private key of {kid}: wrong key-encryption key?") from exc
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyDecryptionError(f"key {kid} is not an EC key")
    return key


# --- Web Push (VAPID) keys: parsed where settings are validated, so a bad key fails at start, not at send ---


class InvalidVapidKey(ValueError):
    """ANSINH_VAPID_PRIVATE_KEY is neither a P-256 PEM key nor base64url of a 32-byte scalar."""


def parse_vapid_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PEM or from base64url of the raw 32-byte scalar."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode(text.rstrip("="))
            if len(raw) != 32:
                raise InvalidVapidKey("the raw VAPID key must be 32 bytes")
            key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except InvalidVapidKey:
        raise
    except ValueError as exc:
        raise InvalidVapidKey("ANSINH_VAPID_PRIVATE_KEY is not a P-256 private key (PEM or base64url)") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InvalidVapidKey("ANSINH_VAPID_PRIVATE_KEY must be a P-256 (prime256v1) key")
    return key
