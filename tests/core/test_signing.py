"""The JWS building blocks every signed code uses: canonical base64url, JSON object parts and ES256 signatures."""

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ansinh.core.signing import b64url, b64url_decode, generate_p256, jws_json_object, sign_es256, verify_es256

KEY = generate_p256()


@pytest.mark.parametrize("length", range(1, 9))
def test_base64url_round_trips_every_length(length: int) -> None:
    data = bytes(range(200, 200 + length))
    assert b64url_decode(b64url(data)) == data


@pytest.mark.parametrize("text", ["QQ=", "QQ==", "Q", "QUJD+", "QUJD/", "QU JD", "QUJD\n", "ÀÀ"])
def test_padding_other_alphabets_stray_characters_and_impossible_lengths_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="base64url"):
        b64url_decode(text)


def test_only_the_canonical_spelling_decodes_when_the_last_character_has_unused_bits() -> None:
    # "QQ" is b"A"; "QR".."QT" decode to the same byte in lax decoders (the 4 low bits are unused).
    assert b64url_decode("QQ") == b"A"
    assert base64.urlsafe_b64decode("QR==") == b"A"  # what a lax decoder does
    for variant in ("QR", "QS", "QT"):
        with pytest.raises(ValueError, match="non-canonical"):
            b64url_decode(variant)
    assert b64url_decode("QUI") == b"AB"
    with pytest.raises(ValueError, match="non-canonical"):
        b64url_decode("QUJ")  # 2 unused bits set


@pytest.mark.parametrize(
    ("json_text", "expected"),
    [
        (b'{"alg":"ES256","n":"Nguy\xe1\xbb\x85n"}', {"alg": "ES256", "n": "Nguyễn"}),
        (b"[1, 2]", None),
        (b'"a string"', None),
        (b"{not json", None),
        (b"\xff\xfe{}", None),
        (b"[" * 100_000, None),
    ],
)
def test_a_jws_part_is_a_json_object_or_nothing(json_text: bytes, expected: object) -> None:
    assert jws_json_object(b64url(json_text)) == expected


def test_a_part_that_is_not_base64url_is_nothing() -> None:
    assert jws_json_object("e30=") is None  # "{}" with padding


def test_an_es256_signature_is_raw_r_and_s_and_verifies_only_for_its_input_and_key() -> None:
    signature = sign_es256(b"header.payload", KEY)
    assert len(signature) == 64
    assert verify_es256(b"header.payload", KEY.public_key(), signature)
    assert not verify_es256(b"header.payload!", KEY.public_key(), signature)
    assert not verify_es256(b"header.payload", generate_p256().public_key(), signature)
    assert not verify_es256(b"header.payload", KEY.public_key(), signature[:63])


def test_a_signature_made_by_the_library_directly_verifies_once_converted_to_r_and_s() -> None:
    r, s = decode_dss_signature(KEY.sign(b"input", ec.ECDSA(hashes.SHA256())))
    assert verify_es256(b"input", KEY.public_key(), r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    # The DER form is not what a JWS carries.
    assert not verify_es256(b"input", KEY.public_key(), encode_dss_signature(r, s))
