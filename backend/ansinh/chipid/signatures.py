"""CMS signatures as Doc 9303 uses them (ICAO Doc 9303 part 11 and 12): digests, the signer's certificate, its
signature over the signed attributes; shared by passive authentication and the master list of the trust store."""

import hashlib
import hmac

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from ansinh.chipid.lds import PARSE_ERRORS

# Digests Doc 9303 allows for the security object and its signature (SHA-224 too, which costs nothing).
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class CheckFailed(Exception):
    """One check said no: its name and a plain explanation in English and Vietnamese."""

    def __init__(self, check: str, detail_en: str, detail_vi: str) -> None:
        self.check = check
        self.detail_en = detail_en
        self.detail_vi = detail_vi
        super().__init__(f"{check}: {detail_en}")


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of a certificate's DER, hex."""
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


def digest(algorithm: str, data: bytes) -> bytes:
    """The ``algorithm`` hash of ``data``; CheckFailed for an algorithm outside Doc 9303's list."""
    if algorithm not in HASHES:
        raise CheckFailed(
            "data_group_hashes",
            f"The card uses a digest algorithm we do not support ({algorithm}).",
            f"Thẻ dùng thuật toán băm không được hỗ trợ ({algorithm}).",
        )
    h = hashes.Hash(HASHES[algorithm]())
    h.update(data)
    return h.finalize()


def _signature_failed(what: str = "") -> CheckFailed:
    return CheckFailed(
        "sod_signature",
        f"The card's security data is not signed correctly{what}: the card may have been altered or copied.",
        "Dữ liệu bảo mật của thẻ không có chữ ký hợp lệ: thẻ có thể đã bị sửa đổi hoặc sao chép.",
    )


def verify_signature(
    public_key: object, signature: bytes, data: bytes, algorithm: algos.SignedDigestAlgorithm, digest_name: str
) -> str:
    """Check a CMS signer's signature; returns the scheme (rsassa_pkcs1v15, rsassa_pss, ecdsa) or raises."""
    try:
        scheme = algorithm.signature_algo
        try:
            hash_name = algorithm.hash_algo
        except ValueError:  # rsaEncryption or bare ecdsa: the signer info's digest algorithm names the hash
            hash_name = digest_name
        if hash_name not in HASHES:
            raise _signature_failed(f" (unsupported hash {hash_name})")
        hash_algorithm = HASHES[hash_name]()
        if scheme == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif scheme == "rsassa_pss" and isinstance(public_key, rsa.RSAPublicKey):
            params = algorithm["parameters"]
            mgf = params["mask_gen_algorithm"]
            if mgf["algorithm"].native != "mgf1":
                raise _signature_failed(" (unsupported mask generation)")
            mgf_hash = mgf["parameters"]["algorithm"].native
            if mgf_hash not in HASHES:
                raise _signature_failed(f" (unsupported hash {mgf_hash})")
            pss = padding.PSS(mgf=padding.MGF1(HASHES[mgf_hash]()), salt_length=params["salt_length"].native)
            public_key.verify(signature, data, pss, hash_algorithm)
        elif scheme == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            raise _signature_failed(f" (unsupported signature algorithm {scheme})")
    except InvalidSignature as exc:
        raise _signature_failed() from exc
    except (UnsupportedAlgorithm, *PARSE_ERRORS) as exc:
        raise _signature_failed(" (unreadable signature parameters)") from exc
    return scheme


def _signer_certificate(signer_info: cms.SignerInfo, certificates: list[bytes]) -> x509.Certificate:
    """The certificate the signer identifier names, among those the SignedData carries."""
    sid = signer_info["sid"]
    for der in certificates:
        try:
            parsed = asn1_x509.Certificate.load(der)
            if sid.name == "issuer_and_serial_number":
                named = (
                    parsed.issuer.dump() == sid.chosen["issuer"].dump()
                    and parsed.serial_number == sid.chosen["serial_number"].native
                )
            else:
                named = parsed.key_identifier is not None and parsed.key_identifier == sid.chosen.native
            if named:
                return x509.load_der_x509_certificate(der)
        except PARSE_ERRORS:
            continue
    raise CheckFailed(
        "sod_signature",
        "The card's security data does not carry its document signer certificate.",
        "Dữ liệu bảo mật của thẻ không kèm chứng thư của cơ quan ký.",
    )


def verify_cms_signer(
    signer_info: cms.SignerInfo,
    certificates: list[bytes],
    *,
    econtent: bytes,
    signed_attrs_der: bytes | None,
    content_type: str,
) -> tuple[x509.Certificate, str]:
    """Verify a CMS signer over ``econtent`` (through its signed attributes); returns its certificate and scheme."""
    certificate = _signer_certificate(signer_info, certificates)
    try:
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        signature = signer_info["signature"].native
        algorithm = signer_info["signature_algorithm"]
        if signed_attrs_der is None:
            # CMS without signed attributes signs the content itself (Doc 9303 requires them; old SODs lack them).
            scheme = verify_signature(certificate.public_key(), signature, econtent, algorithm, digest_name)
            return certificate, scheme
        attributes = {attr["type"].native: attr["values"] for attr in signer_info["signed_attrs"]}
        content_types = attributes.get("content_type")
        digests = attributes.get("message_digest")
        if content_types is None or digests is None or len(content_types) != 1 or len(digests) != 1:
            raise _signature_failed(" (signed attributes incomplete)")
        if content_types[0].dotted != content_type:
            raise _signature_failed(" (wrong content type)")
        expected = digest(digest_name, econtent) if digest_name in HASHES else b""
        if not hmac.compare_digest(digests[0].native, expected):
            raise _signature_failed(" (the security object does not match its signed digest)")
    except CheckFailed:
        raise
    except PARSE_ERRORS as exc:
        raise _signature_failed(" (unreadable signer information)") from exc
    scheme = verify_signature(certificate.public_key(), signature, signed_attrs_der, algorithm, digest_name)
    return certificate, scheme
