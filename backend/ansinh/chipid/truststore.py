"""The CSCA trust store (``ANSINH_CSCA_PATH``): a PEM/DER file, an ICAO master list, or a folder of them."""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from ansinh.chipid.lds import (
    CSCA_MASTER_LIST_OID,
    PARSE_ERRORS,
    CscaMasterList,
    MalformedFile,
    parse_signed_data,
    signed_attributes_der,
)
from ansinh.chipid.signatures import CheckFailed, verify_cms_signer

logger = logging.getLogger("ansinh.chipid")

CERTIFICATE_SUFFIXES = {".pem", ".crt", ".cer", ".der", ".ml"}


class TrustStoreError(Exception):
    """A file in the trust store cannot be read as certificates or as a master list."""


@dataclass(frozen=True, slots=True)
class TrustStore:
    """The CSCA certificates AnSinh trusts to sign document signers."""

    certificates: tuple[x509.Certificate, ...]

    def issuers_of(self, certificate: x509.Certificate) -> list[x509.Certificate]:
        """The CSCA certificates whose subject is ``certificate``'s issuer (several after a key rollover)."""
        return [c for c in self.certificates if c.subject == certificate.issuer]


def read_master_list(data: bytes) -> list[x509.Certificate]:
    """The CSCA certificates of an ICAO master list (Doc 9303 part 12 §9), after checking its signature.

    The signer must verify and be issued by a certificate in the list itself; that shows the list is intact,
    not that its publisher is to be trusted: that comes from where the file was obtained.
    """

    try:
        signed, content = parse_signed_data(data, file="master list", content_type=CSCA_MASTER_LIST_OID)
        master_list = CscaMasterList.load(content, strict=True)
        ders = [cert.dump() for cert in master_list["cert_list"]]
        signer_info = signed["signer_infos"][0]
        embedded = [c.chosen.dump() for c in signed["certificates"] or [] if c.name == "certificate"]
        signer, _ = verify_cms_signer(
            signer_info,
            embedded,
            econtent=content,
            signed_attrs_der=signed_attributes_der(signer_info),
            content_type=CSCA_MASTER_LIST_OID,
        )
        certificates = [x509.load_der_x509_certificate(der) for der in ders]
    except (MalformedFile, CheckFailed, *PARSE_ERRORS) as exc:
        raise TrustStoreError(f"not a valid ICAO master list: {exc}") from exc
    for candidate in certificates:
        if candidate.subject == signer.issuer:
            try:
                signer.verify_directly_issued_by(candidate)
            except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
                continue
            return certificates
    raise TrustStoreError("the master list's signer is not issued by any CSCA in the list")


def read_certificates(path: Path) -> list[x509.Certificate]:
    """Certificates in one file: PEM (one or more), a DER certificate, or an ICAO master list."""
    data = path.read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        try:
            return x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise TrustStoreError(f"{path.name}: unreadable PEM certificate") from exc
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        return read_master_list(data)
    except TrustStoreError as exc:
        raise TrustStoreError(f"{path.name}: neither a certificate nor a master list ({exc})") from exc


def load_trust_store(path: Path) -> TrustStore:
    """Every CSCA certificate in a file or in a folder's certificate and master-list files."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in CERTIFICATE_SUFFIXES) if path.is_dir() else [path]
    seen: dict[bytes, x509.Certificate] = {}
    for file in files:
        for certificate in read_certificates(file):
            seen.setdefault(certificate.public_bytes(Encoding.DER), certificate)
    return TrustStore(tuple(seen.values()))


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file())


_cache: dict[Path, tuple[tuple[tuple[str, int, int], ...], TrustStore]] = {}
_cache_lock = threading.Lock()


def trust_store_at(path: Path | None) -> TrustStore | None:
    """The trust store at ``path``, read again only when its files change; None when unset, missing or unreadable."""
    if path is None:
        return None
    try:
        stamp = _stamp(path)
        with _cache_lock:
            cached = _cache.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1]
            store = load_trust_store(path)
            _cache[path] = (stamp, store)
            return store
    except (OSError, TrustStoreError) as exc:
        logger.error("CSCA trust store at %s cannot be read: %s", path, exc)
        return None
