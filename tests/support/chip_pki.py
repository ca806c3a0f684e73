"""A test PKI and synthetic chip files (ICAO 9303 + Vietnam's DG13), built with cryptography and asn1crypto.

No real card is used: a test CSCA signs document signers, which sign SODs over DG1/DG13/DG14/DG15 made
here; a ``Chip`` answers active-authentication challenges as a real chip would (ECDSA plain r||s, or RSA
with ISO/IEC 9796-2 scheme 1). The encodings follow docs/chipid.md.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from asn1crypto import algos, cms, core, keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

LDS_OID = "2.23.136.1.1.1"
MASTER_LIST_OID = "2.23.136.1.1.2"
AA_INFO_OID = "2.23.136.1.1.5"
HASHES: dict[str, Any] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
ISO9796_IDS = {"sha1": None, "sha224": 0x38, "sha256": 0x34, "sha384": 0x36, "sha512": 0x35}
_RSA_KEYS: dict[int, list[rsa.RSAPrivateKey]] = {}

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )


@dataclass(frozen=True)
class Party:
    """A key and its certificate."""

    key: PrivateKey
    certificate: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)


def _sign_certificate(builder: x509.CertificateBuilder, issuer_key: PrivateKey, scheme: str) -> x509.Certificate:
    if scheme == "pss":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        return builder.sign(issuer_key, hashes.SHA256(), rsa_padding=pss)
    return builder.sign(issuer_key, hashes.SHA256())


def make_csca(
    *,
    key: PrivateKey | None = None,
    name: str = "CSCA Test Viet Nam",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> Party:
    """A self-signed country signing CA."""
    key = key or rsa_key()
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=365))
        .not_valid_after(not_after or now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return Party(key, _sign_certificate(builder, key, "pkcs1"))


def make_signer(
    issuer: Party,
    *,
    key: PrivateKey | None = None,
    name: str = "Document Signer Test 01",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    scheme: str = "pkcs1",
) -> Party:
    """A document signer (or master-list signer) certificate issued by ``issuer``."""
    key = key or rsa_key()
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=30))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return Party(key, _sign_certificate(builder, issuer.key, scheme))


# --- data groups ---------------------------------------------------------------------------------------------------


def _tlv(tag: bytes, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return tag + length + content


def mrz_check_digit(value: str) -> str:
    """ICAO 9303 part 3: weights 7-3-1, letters A=10…, filler 0."""
    weights = (7, 3, 1)
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55 if c.isalpha() else 0) * weights[i % 3] for i, c in enumerate(value)
    )
    return str(total % 10)


def _ascii_name(full_name: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFD", full_name.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).upper()
    parts = plain.split()
    return (parts[0] + "<<" + "<".join(parts[1:]))[:30].ljust(30, "<")


def td1_mrz(*, citizen_id: str, birth: date, sex: str, expiry: date, full_name: str) -> str:
    """A Vietnamese TD1 MRZ: the ID's last 9 digits as document number, the full ID as optional data."""
    number = citizen_id[-9:]
    line1 = f"IDVNM{number}{mrz_check_digit(number)}{citizen_id}".ljust(30, "<")
    b, e = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    line2 = f"{b}{mrz_check_digit(b)}{sex}{e}{mrz_check_digit(e)}VNM".ljust(29, "<")
    line2 += mrz_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return line1 + line2 + _ascii_name(full_name)


def dg1(mrz: str) -> bytes:
    return _tlv(b"\x61", _tlv(b"\x5f\x1f", mrz.encode("ascii")))


def dg13(fields: dict[int, str | list[str]]) -> bytes:
    """6D { SEQUENCE { SEQUENCE { INTEGER n, value } … } }: IDs and dates PrintableString, text UTF8String,
    field 13 (parents) holding one SEQUENCE { UTF8String } per parent, as Vietnamese readers see it."""
    items = []
    for number, value in fields.items():
        if isinstance(value, list):
            inner = b"".join(_tlv(b"\x30", core.UTF8String(v).dump()) for v in value)
        elif number in (1, 3, 11, 12, 16):
            inner = core.PrintableString(value).dump()
        else:
            inner = core.UTF8String(value).dump()
        items.append(_tlv(b"\x30", core.Integer(number).dump() + inner))
    return _tlv(b"\x6d", _tlv(b"\x30", b"".join(items)))


def dg15(public_key: Any) -> bytes:
    return _tlv(b"\x6f", public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def dg14(aa_algorithm_oid: str) -> bytes:
    """6E { SET { ActiveAuthenticationInfo { id-AA, version 1, signatureAlgorithm } } }."""
    info = core.ObjectIdentifier(AA_INFO_OID).dump() + core.Integer(1).dump()
    info += core.ObjectIdentifier(aa_algorithm_oid).dump()
    return _tlv(b"\x6e", _tlv(b"\x31", _tlv(b"\x30", info)))


# --- CMS (EF.SOD, master lists) -------------------------------------------------------------------------------------


def _signature_algorithm(key: PrivateKey, scheme: str, digest: str) -> algos.SignedDigestAlgorithm:
    if scheme == "pss":
        return algos.SignedDigestAlgorithm(
            {
                "algorithm": "rsassa_pss",
                "parameters": {
                    "hash_algorithm": {"algorithm": digest},
                    "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": digest}},
                    "salt_length": HASHES[digest].digest_size,
                    "trailer_field": 1,
                },
            }
        )
    if scheme == "ecdsa":
        return algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    if scheme == "rsa_encryption":  # bare rsaEncryption: the digest algorithm names the hash
        return algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
    return algos.SignedDigestAlgorithm({"algorithm": f"{digest}_rsa"})


def _sign(key: PrivateKey, scheme: str, digest: str, data: bytes) -> bytes:
    h = HASHES[digest]()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(h))
    if scheme == "pss":
        return key.sign(data, padding.PSS(mgf=padding.MGF1(HASHES[digest]()), salt_length=h.digest_size), h)
    return key.sign(data, padding.PKCS1v15(), h)


def signed_data(
    signer: Party,
    *,
    content_type: str,
    econtent: bytes,
    digest: str = "sha256",
    scheme: str | None = None,
    extra_certificates: list[x509.Certificate] | None = None,
    corrupt_signature: bool = False,
) -> bytes:
    """A DER ContentInfo holding SignedData over ``econtent``, signed by ``signer`` through signed attributes."""
    scheme = scheme or ("ecdsa" if isinstance(signer.key, ec.EllipticCurvePrivateKey) else "pkcs1")
    message_digest = hashlib.new(digest, econtent).digest()
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [content_type]},
            {"type": "message_digest", "values": [message_digest]},
        ]
    )
    signature = _sign(signer.key, scheme, digest, attrs.dump())
    if corrupt_signature:
        signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
    asn1_cert = asn1_x509.Certificate.load(signer.der)
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": asn1_cert.issuer,
                        "serial_number": asn1_cert.serial_number,
                    }
                }
            ),
            "digest_algorithm": {"algorithm": digest},
            "signed_attrs": attrs,
            "signature_algorithm": _signature_algorithm(signer.key, scheme, digest),
            "signature": signature,
        }
    )
    certificates = [asn1_cert] + [
        asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in extra_certificates or []
    ]
    content = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": digest}],
            "encap_content_info": {"content_type": content_type, "content": econtent},
            "certificates": certificates,
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": content}).dump()


def lds_security_object(data_groups: dict[int, bytes], digest: str = "sha256") -> bytes:
    """The LDS security object (v0) listing each data group's hash."""
    hashes_der = b"".join(
        _tlv(b"\x30", core.Integer(n).dump() + core.OctetString(hashlib.new(digest, content).digest()).dump())
        for n, content in sorted(data_groups.items())
    )
    algorithm = algos.DigestAlgorithm({"algorithm": digest}).dump()
    return _tlv(b"\x30", core.Integer(0).dump() + algorithm + _tlv(b"\x30", hashes_der))


def sod(signer: Party, data_groups: dict[int, bytes], *, digest: str = "sha256", **kwargs: Any) -> bytes:
    """EF.SOD: tag 0x77 around a SignedData over the LDS security object of ``data_groups``."""
    econtent = lds_security_object(data_groups, digest)
    return _tlv(b"\x77", signed_data(signer, content_type=LDS_OID, econtent=econtent, digest=digest, **kwargs))


def master_list(signer: Party, cscas: list[x509.Certificate]) -> bytes:
    """An ICAO CSCA master list signed by ``signer`` (whose issuer should be in the list)."""
    cert_list = b"".join(c.public_bytes(Encoding.DER) for c in cscas)
    econtent = _tlv(b"\x30", core.Integer(0).dump() + _tlv(b"\x31", cert_list))
    return signed_data(signer, content_type=MASTER_LIST_OID, econtent=econtent)


# --- active authentication, done as a chip does it ------------------------------------------------------------------


def aa_sign_ecdsa(key: ec.EllipticCurvePrivateKey, nonce: bytes, digest: str = "sha256") -> bytes:
    """The plain ``r || s`` signature a chip returns (BSI TR-03111)."""
    r, s = decode_dss_signature(key.sign(nonce, ec.ECDSA(HASHES[digest]())))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def aa_sign_rsa(key: rsa.RSAPrivateKey, nonce: bytes, digest: str = "sha1") -> bytes:
    """ISO/IEC 9796-2 scheme 1, partial recovery: F = 6A || M1 || H(M1 || nonce) || trailer, signed raw."""
    numbers = key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    size = (n.bit_length() + 7) // 8
    trailer = b"\xbc" if ISO9796_IDS[digest] is None else bytes([ISO9796_IDS[digest], 0xCC])
    m1 = secrets.token_bytes(size - 1 - HASHES[digest].digest_size - len(trailer))
    block = b"\x6a" + m1 + hashlib.new(digest, m1 + nonce).digest() + trailer
    return pow(int.from_bytes(block, "big"), d, n).to_bytes(size, "big")


# --- a whole card ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Who the card names."""

    citizen_id: str
    full_name: str
    date_of_birth: date
    sex: str  # M / F
    expiry: date = date(2040, 5, 17)


@dataclass
class Chip:
    """A synthetic CCCD chip: its files and, if it has one, its active-authentication key."""

    files: dict[int, bytes]  # data group number -> file
    sod: bytes
    aa_key: PrivateKey | None = None
    aa_digest: str = "sha256"
    overrides: dict[str, str] = field(default_factory=dict)

    def sign(self, nonce: bytes) -> bytes:
        """Answer INTERNAL AUTHENTICATE with ``nonce``, as the chip would."""
        assert self.aa_key is not None
        if isinstance(self.aa_key, ec.EllipticCurvePrivateKey):
            return aa_sign_ecdsa(self.aa_key, nonce, self.aa_digest)
        return aa_sign_rsa(self.aa_key, nonce, self.aa_digest)

    def body(self, *, nonce: bytes | None = None, challenge_id: str | None = None, **extra: Any) -> dict[str, Any]:
        """The JSON body the reader posts: base64 of each file, and the AA answer when a challenge is given."""
        names = {1: "dg1", 13: "dg13", 14: "dg14", 15: "dg15"}
        out: dict[str, Any] = {"sod": b64(self.sod)}
        out.update({names[n]: b64(content) for n, content in self.files.items() if n in names})
        if nonce is not None:
            out["aa_signature"] = b64(self.sign(nonce))
            out["challenge_id"] = challenge_id
        out.update(self.overrides)
        out.update(extra)
        return out

    def with_file(self, number: int, content: bytes) -> "Chip":
        """The same SOD with one file swapped (what a forger who edits a data group produces)."""
        return replace(self, files={**self.files, number: content})


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def holder_dg13(holder: Holder) -> dict[int, str | list[str]]:
    return {
        1: holder.citizen_id,
        2: holder.full_name,
        3: holder.date_of_birth.strftime("%d/%m/%Y"),
        4: "Nam" if holder.sex == "M" else "Nữ",
        5: "Việt Nam",
        6: "Kinh",
        7: "Không",
        8: "Hà Nội",
        9: "12 Lê Lợi, Quận 1, TP Hồ Chí Minh",
        10: "Nốt ruồi cách 2cm trên mép phải",
        11: "17/05/2021",
        12: holder.expiry.strftime("%d/%m/%Y"),
        13: ["Trần Văn Cha", "Nguyễn Thị Mẹ"],
    }


def make_chip(
    signer: Party,
    holder: Holder,
    *,
    aa: str | None = "ec",
    digest: str = "sha256",
    scheme: str | None = None,
    aa_digest: str | None = None,
    with_dg14: bool = False,
    dg13_fields: dict[int, str | list[str]] | None = None,
) -> Chip:
    """Issue a card to ``holder``: DG1, DG13 (and DG15/DG14 when it does AA), with an SOD over their hashes."""
    files = {
        1: dg1(
            td1_mrz(
                citizen_id=holder.citizen_id,
                birth=holder.date_of_birth,
                sex=holder.sex,
                expiry=holder.expiry,
                full_name=holder.full_name,
            )
        ),
        13: dg13(dg13_fields or holder_dg13(holder)),
    }
    aa_key: PrivateKey | None = None
    if aa == "ec":
        aa_key = ec_key()
    elif aa == "rsa":
        aa_key = _cached_rsa(1024)
    if aa_key is not None:
        files[15] = dg15(aa_key.public_key())
    chosen_aa_digest = aa_digest or ("sha256" if aa == "ec" else "sha1")
    if with_dg14 and aa == "ec":
        files[14] = dg14(
            f"0.4.0.127.0.7.1.1.4.1.{['sha1', 'sha224', 'sha256', 'sha384', 'sha512'].index(chosen_aa_digest) + 1}"
        )
    return Chip(
        files=files,
        sod=sod(signer, files, digest=digest, scheme=scheme),
        aa_key=aa_key,
        aa_digest=chosen_aa_digest,
    )


def _cached_rsa(bits: int) -> rsa.RSAPrivateKey:
    # RSA key generation is the slow part of issuing cards; a few keys serve every test.
    pool = _RSA_KEYS.setdefault(bits, [])
    if len(pool) < 3:
        pool.append(rsa_key(bits))
        return pool[-1]
    return pool[secrets.randbelow(len(pool))]


def spki_of(key: PrivateKey) -> keys.PublicKeyInfo:
    return keys.PublicKeyInfo.load(key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
