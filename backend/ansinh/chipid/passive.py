"""Passive authentication (ICAO Doc 9303 part 11 §5.1 and part 12): is this EF.SOD genuine, and the files it hashes?

Pure functions: ``now`` and the trust store come in as arguments, failures leave as ``CheckFailed``.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from ansinh.chipid.lds import LDS_SECURITY_OBJECT_OID, SecurityObject
from ansinh.chipid.signatures import CheckFailed, digest, fingerprint, verify_cms_signer
from ansinh.chipid.truststore import TrustStore


@dataclass(frozen=True, slots=True)
class PassiveResult:
    """What passive authentication established, kept in the verification record."""

    ds_fingerprint: str  # SHA-256 of the document signer certificate (DER), hex
    csca_fingerprint: str
    digest_algorithm: str  # of the data-group hashes
    signature_algorithm: str  # of the SOD signature: rsassa_pkcs1v15, rsassa_pss or ecdsa
    data_groups: tuple[int, ...]  # the supplied data groups whose hashes matched
    listed_data_groups: tuple[int, ...]  # every data group the SOD lists (what the chip holds)


def chain_to_csca(certificate: x509.Certificate, trust: TrustStore) -> x509.Certificate:
    """The trusted CSCA certificate that issued ``certificate`` (name and signature), or CheckFailed."""
    for csca in trust.issuers_of(certificate):
        try:
            certificate.verify_directly_issued_by(csca)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        return csca
    raise CheckFailed(
        "document_signer_chain",
        "The card was not signed by an authority we trust (its signer is not issued by a known CSCA).",
        "Thẻ không được ký bởi cơ quan cấp thẻ mà hệ thống tin cậy.",
    )


def check_validity(certificate: x509.Certificate, *, now: datetime, role: str) -> None:
    """CheckFailed unless ``now`` is within the certificate's validity dates."""
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise CheckFailed(
            "certificate_validity",
            f"The card's {role} certificate is expired or not yet valid.",
            "Chứng thư ký của thẻ đã hết hạn hoặc chưa có hiệu lực.",
        )


def check_data_groups(sod: SecurityObject, data_groups: dict[int, bytes]) -> tuple[int, ...]:
    """Every supplied data group must hash to the value the security object lists for it."""
    for number, content in sorted(data_groups.items()):
        listed = sod.data_group_hashes.get(number)
        if listed is None:
            raise CheckFailed(
                "data_group_hashes",
                f"DG{number} is not listed in the card's security data.",
                f"Tệp DG{number} không có trong dữ liệu bảo mật của thẻ.",
            )
        if not hmac.compare_digest(digest(sod.lds_hash_algorithm, content), listed):
            raise CheckFailed(
                "data_group_hashes",
                f"DG{number} was changed: it does not match the card's security data.",
                f"Tệp DG{number} đã bị thay đổi: không khớp với dữ liệu bảo mật của thẻ.",
            )
    return tuple(sorted(data_groups))


def passive_authentication(
    sod: SecurityObject, data_groups: dict[int, bytes], *, trust: TrustStore, now: datetime
) -> PassiveResult:
    """Doc 9303 part 11 §5.1: SOD signature, DS → CSCA chain, validity now, and every data group's hash."""
    ds_certificate, scheme = verify_cms_signer(
        sod.signer_info,
        sod.certificates,
        econtent=sod.econtent,
        signed_attrs_der=sod.signed_attrs_der,
        content_type=LDS_SECURITY_OBJECT_OID,
    )
    csca = chain_to_csca(ds_certificate, trust)
    check_validity(ds_certificate, now=now, role="document signer")
    check_validity(csca, now=now, role="country signing (CSCA)")
    matched = check_data_groups(sod, data_groups)
    return PassiveResult(
        ds_fingerprint=fingerprint(ds_certificate),
        csca_fingerprint=fingerprint(csca),
        digest_algorithm=sod.lds_hash_algorithm,
        signature_algorithm=scheme,
        data_groups=matched,
        listed_data_groups=tuple(sorted(sod.data_group_hashes)),
    )
