"""Active authentication without HTTP: ECDSA plain signatures and RSA ISO/IEC 9796-2 scheme 1, good and bad."""

import secrets

import pytest

from ansinh.chipid.active import verify_active_authentication, verify_iso9796_2_scheme1
from ansinh.chipid.signatures import CheckFailed
from tests.support import chip_pki

NONCE = secrets.token_bytes(8)


@pytest.mark.parametrize("digest", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_rsa_iso9796_2_with_each_hash(digest: str) -> None:
    key = chip_pki._cached_rsa(1024)
    signature = chip_pki.aa_sign_rsa(key, NONCE, digest)
    assert (
        verify_active_authentication(chip_pki.spki_of(key), nonce=NONCE, signature=signature)
        == f"rsa-iso9796-2-{digest}"
    )


def test_rsa_2048_and_a_padded_representative() -> None:
    key = chip_pki.rsa_key(2048)
    assert verify_iso9796_2_scheme1(key.public_key(), NONCE, chip_pki.aa_sign_rsa(key, NONCE)) == "sha1"
    # A short M1 is preceded by padding nibbles B…BA (ISO/IEC 9796-2 §8.2.2): build one by hand.
    import hashlib

    numbers = key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    m1 = b"short"
    block = (
        b"\x6b"
        + b"\xbb" * (256 - 1 - 1 - len(m1) - 20 - 1)
        + b"\xba"
        + m1
        + hashlib.sha1(m1 + NONCE).digest()  # noqa: S324  (ISO 9796-2 as chips use it)
        + b"\xbc"
    )
    signature = pow(int.from_bytes(block, "big"), d, n).to_bytes(256, "big")
    assert verify_iso9796_2_scheme1(key.public_key(), NONCE, signature) == "sha1"


@pytest.mark.parametrize("curve", ["p256", "p384", "bp256"])
def test_ecdsa_plain_with_or_without_dg14(curve: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    key = chip_pki.ec_key({"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "bp256": ec.BrainpoolP256R1()}[curve])
    signature = chip_pki.aa_sign_ecdsa(key, NONCE, "sha384")
    assert verify_active_authentication(chip_pki.spki_of(key), nonce=NONCE, signature=signature) == "ecdsa-sha384"
    named = verify_active_authentication(
        chip_pki.spki_of(key), nonce=NONCE, signature=signature, dg14_algorithm="0.4.0.127.0.7.1.1.4.1.4"
    )
    assert named == "ecdsa-sha384"
    with pytest.raises(CheckFailed):  # DG14 names SHA-256: a SHA-384 signature is not accepted then
        verify_active_authentication(
            chip_pki.spki_of(key), nonce=NONCE, signature=signature, dg14_algorithm="0.4.0.127.0.7.1.1.4.1.3"
        )


def refused(key, signature: bytes, nonce: bytes = NONCE) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckFailed) as raised:
        verify_active_authentication(chip_pki.spki_of(key), nonce=nonce, signature=signature)
    assert raised.value.check == "active_authentication"
    return raised.value.detail_en


def test_wrong_signatures_are_refused() -> None:
    ec_key, rsa_key = chip_pki.ec_key(), chip_pki._cached_rsa(1024)
    refused(ec_key, chip_pki.aa_sign_ecdsa(ec_key, NONCE), nonce=bytes(8))
    refused(ec_key, chip_pki.aa_sign_ecdsa(chip_pki.ec_key(), NONCE))
    assert "length" in refused(ec_key, chip_pki.aa_sign_ecdsa(ec_key, NONCE)[:-1])
    assert "not over our challenge" in refused(rsa_key, chip_pki.aa_sign_rsa(rsa_key, NONCE), nonce=bytes(8))
    refused(rsa_key, chip_pki.aa_sign_rsa(chip_pki.rsa_key(1024), NONCE))
    refused(rsa_key, b"\x00" * 128)
    refused(rsa_key, b"\xff" * 128)  # larger than the modulus
    refused(rsa_key, b"\x01" * 129)
    refused(rsa_key, secrets.token_bytes(128))
