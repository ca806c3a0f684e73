"""Active authentication (ICAO Doc 9303 part 11 §6.1): the chip signs our nonce with the private key behind DG15.

A copy of the files cannot do this: the key never leaves the chip. Two signature forms exist:
- ECDSA, returned by chips as the plain ``r || s`` concatenation (BSI TR-03111 §5.2.1), hash named in DG14
  (ActiveAuthenticationInfo) or, without DG14, any of the SHA-1/SHA-2 family;
- RSA with ISO/IEC 9796-2 digital signature scheme 1, partial message recovery: the chip picks a random
  M1, signs M = M1 || nonce, and the verifier recovers M1 from the signature and checks the hash.
"""

import hmac

from asn1crypto import keys
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from ansinh.chipid.signatures import HASHES, CheckFailed

# Signature algorithm OIDs DG14's ActiveAuthenticationInfo may name for ECDSA, and their hashes.
AA_ECDSA_ALGORITHMS = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",  # ecdsa-plain-SHA1 (BSI TR-03111)
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
    "1.2.840.10045.4.1": "sha1",  # ecdsa-with-SHA1 (X9.62)
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
# ISO/IEC 9796-2 trailer: 0xBC means SHA-1 implicitly; otherwise two bytes, the ISO/IEC 10118-3 hash id then 0xCC.
ISO9796_IMPLICIT_TRAILER = 0xBC
ISO9796_HASH_IDS = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
MIN_RSA_BITS = 1024


def _failed(reason_en: str) -> CheckFailed:
    return CheckFailed(
        "active_authentication",
        f"The chip did not prove it is the original card ({reason_en}). Read the card again.",
        "Chip không chứng minh được đây là thẻ gốc. Vui lòng đọc lại thẻ.",
    )


def _digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(HASHES[name]())
    h.update(data)
    return h.finalize()


def verify_ecdsa_plain(
    public_key: ec.EllipticCurvePublicKey, nonce: bytes, signature: bytes, hash_names: list[str]
) -> str:
    """Verify a plain ``r || s`` ECDSA signature over ``nonce``; returns the hash that verified."""
    size = (public_key.curve.key_size + 7) // 8
    if len(signature) != 2 * size:
        raise _failed("the signature has the wrong length for the key")
    der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
    for name in hash_names:
        try:
            public_key.verify(der, nonce, ec.ECDSA(HASHES[name]()))
        except InvalidSignature:
            continue
        return name
    raise _failed("the signature does not verify")


def verify_iso9796_2_scheme1(public_key: rsa.RSAPublicKey, nonce: bytes, signature: bytes) -> str:
    """Verify an ISO/IEC 9796-2 scheme 1 signature with partial recovery of M1, where M2 is ``nonce``.

    Returns the hash used. The recovered representative is ``header/padding || M1 || H(M1 || M2) || trailer``.
    """
    numbers = public_key.public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    if numbers.n.bit_length() < MIN_RSA_BITS or not 0 < len(signature) <= size:
        raise _failed("the signature has the wrong length for the key")
    s = int.from_bytes(signature, "big")
    if not 0 < s < numbers.n:
        raise _failed("the signature is out of range")
    block = pow(s, numbers.e, numbers.n).to_bytes(size, "big")
    # Header: the two leftmost bits are 01; the next says "partial recovery", which AA always uses.
    if block[0] & 0xC0 != 0x40 or block[0] & 0x20 == 0:
        raise _failed("the recovered message has no valid header")
    if block[-1] == ISO9796_IMPLICIT_TRAILER:
        hash_name, trailer = "sha1", 1
    elif block[-1] == 0xCC and block[-2] in ISO9796_HASH_IDS:
        hash_name, trailer = ISO9796_HASH_IDS[block[-2]], 2
    else:
        raise _failed("the recovered message has no valid trailer")
    # Padding: the header byte's low nibble is A (no padding) or B, then 0xBB… bytes ended by 0xBA.
    if block[0] & 0x0F == 0x0A:
        start = 1
    elif block[0] & 0x0F == 0x0B:
        index = 1
        while index < len(block) and block[index] == 0xBB:
            index += 1
        if index >= len(block) or block[index] != 0xBA:
            raise _failed("the recovered message has bad padding")
        start = index + 1
    else:
        raise _failed("the recovered message has bad padding")
    hash_size = HASHES[hash_name].digest_size
    end = len(block) - trailer - hash_size
    if end - start < 1:
        raise _failed("the recovered message is too short")
    recovered, expected = block[start:end], block[end : end + hash_size]
    if not hmac.compare_digest(_digest(hash_name, recovered + nonce), expected):
        raise _failed("the signature is not over our challenge")
    return hash_name


def verify_active_authentication(
    key_info: keys.PublicKeyInfo, *, nonce: bytes, signature: bytes, dg14_algorithm: str | None = None
) -> str:
    """Check the chip's signature over ``nonce`` with the DG15 key; returns e.g. ``ecdsa-sha256`` or raises."""
    try:
        public_key = load_der_public_key(key_info.dump())
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise _failed("its public key is of a kind we cannot use") from exc
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if dg14_algorithm is not None and dg14_algorithm not in AA_ECDSA_ALGORITHMS:
            raise _failed("its signature algorithm is not supported")
        names = (
            [AA_ECDSA_ALGORITHMS[dg14_algorithm]]
            if dg14_algorithm
            else ["sha256", "sha384", "sha512", "sha224", "sha1"]
        )
        return f"ecdsa-{verify_ecdsa_plain(public_key, nonce, signature, names)}"
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-iso9796-2-{verify_iso9796_2_scheme1(public_key, nonce, signature)}"
    raise _failed("its public key is of a kind we cannot use")
