"""Pure parsing of the chip's files (ICAO Doc 9303 part 10/11, and Vietnam's DG13), with asn1crypto.

Nothing here decides whether a file is genuine: ``passive.py`` does. Every parser raises
``MalformedFile`` naming the file for any input it cannot read, so bad ASN.1 never becomes a 500.
"""

import re
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, keys, parser
from asn1crypto import x509 as asn1_x509

# What asn1crypto (and the standard library under it) raises on bytes that are not what they claim to be.
PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError, UnicodeDecodeError)

# OIDs of ICAO Doc 9303 part 10/11.
LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"
CSCA_MASTER_LIST_OID = "2.23.136.1.1.2"
ACTIVE_AUTHENTICATION_OID = "2.23.136.1.1.5"

# Application tags of the files this module reads (the first byte of each file).
TAG_SOD = 0x77
TAG_DG1 = 0x61
TAG_DG13 = 0x6D
TAG_DG14 = 0x6E
TAG_DG15 = 0x6F

# Universal string types DG13 values arrive in (UTF8String, PrintableString, IA5String, T61, BMP…).
_STRING_TAGS = {12, 19, 20, 22, 26, 30}
_MRZ_RE = re.compile(r"^[A-Z0-9<]{90}$")


class MalformedFile(Exception):
    """A chip file could not be parsed; ``file`` names it (``sod``, ``dg1``, ``dg13``, ``dg14``, ``dg15``)."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


# --- ASN.1 definitions ICAO adds to CMS ---------------------------------------------------------------------------


class DataGroupHash(core.Sequence):
    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]


class DataGroupHashValues(core.SequenceOf):
    _child_spec = DataGroupHash


class LDSVersionInfo(core.Sequence):
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]


class LDSSecurityObject(core.Sequence):
    """Doc 9303 part 10 §4.6.2.2: the data-group hashes the document signer signs."""

    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LDSVersionInfo, {"optional": True}),
    ]


class CertificateSet(core.SetOf):
    _child_spec = asn1_x509.Certificate


class CscaMasterList(core.Sequence):
    """Doc 9303 part 12 §9: ``SEQUENCE { version INTEGER, certList SET OF Certificate }``."""

    _fields = [("version", core.Integer), ("cert_list", CertificateSet)]


# --- a tiny BER-TLV walker on asn1crypto's parser ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tlv:
    """One BER element: class, constructed flag, tag number and the content bytes."""

    class_: int
    constructed: bool
    tag: int
    contents: bytes
    encoded: bytes


def read_tlv(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    """The element at ``offset`` and the offset just after it."""
    class_, method, tag, header, contents, trailer = parser.parse(data[offset:], strict=False)
    size = len(header) + len(contents) + len(trailer)
    return Tlv(class_, bool(method), tag, contents, data[offset : offset + size]), offset + size


def children(contents: bytes) -> list[Tlv]:
    """Every element laid end to end in ``contents``."""
    items, offset = [], 0
    while offset < len(contents):
        item, offset = read_tlv(contents, offset)
        items.append(item)
    return items


def unwrap(file: str, data: bytes, first_byte: int) -> bytes:
    """The content of a file's outer application tag, refusing any other tag or trailing bytes."""
    if not data:
        raise MalformedFile(file, "empty")
    if data[0] != first_byte:
        raise MalformedFile(file, f"expected tag {first_byte:#04x}, found {data[0]:#04x}")
    try:
        outer, end = read_tlv(data)
    except PARSE_ERRORS as exc:
        raise MalformedFile(file, "not BER-TLV") from exc
    if end != len(data):
        raise MalformedFile(file, "trailing bytes after the file")
    return outer.contents


# --- EF.SOD -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecurityObject:
    """EF.SOD read into what passive authentication needs (nothing verified yet)."""

    signed_data: cms.SignedData
    signer_info: cms.SignerInfo
    certificates: list[bytes]  # DER of every certificate the SignedData carries
    econtent: bytes  # the DER of the LDS security object: what the messageDigest attribute hashes
    lds_hash_algorithm: str  # e.g. "sha256"
    data_group_hashes: dict[int, bytes]
    signed_attrs_der: bytes | None  # the signed attributes re-tagged as SET OF, as the signature covers them


def _der_length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def signed_attributes_der(signer_info: cms.SignerInfo) -> bytes | None:
    """The signed attributes as the signature covers them: their original bytes under a SET OF tag (RFC 5652 §5.4)."""
    attrs = signer_info["signed_attrs"]
    if attrs.contents is None or not len(attrs):
        return None
    return b"\x31" + _der_length(len(attrs.contents)) + attrs.contents


def parse_signed_data(data: bytes, *, file: str, content_type: str) -> tuple[cms.SignedData, bytes]:
    """A CMS ContentInfo with SignedData whose content has ``content_type``; returns it and the content."""
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            raise MalformedFile(file, "not CMS SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != content_type:
            raise MalformedFile(file, f"encapsulated content is {encap['content_type'].dotted}, not {content_type}")
        content = encap["content"]
        if not isinstance(content, core.ParsableOctetString | core.OctetString) or content.contents is None:
            raise MalformedFile(file, "no encapsulated content")
        signed.native  # noqa: B018  (asn1crypto parses lazily: force every field now, at the boundary)
    except MalformedFile:
        raise
    except PARSE_ERRORS as exc:
        raise MalformedFile(file, "CMS SignedData cannot be parsed") from exc
    return signed, content.contents


def parse_sod(data: bytes) -> SecurityObject:
    """EF.SOD: tag 0x77 around a CMS SignedData whose content is the LDS security object."""
    content = unwrap("sod", data, TAG_SOD)
    signed, econtent = parse_signed_data(content, file="sod", content_type=LDS_SECURITY_OBJECT_OID)
    try:
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            raise MalformedFile("sod", "expected exactly one signer")
        signer_info = signer_infos[0]
        certificates = [c.chosen.dump() for c in signed["certificates"] or [] if c.name == "certificate"]
        lds = LDSSecurityObject.load(econtent, strict=True)
        lds.native  # noqa: B018  (force the lazy parse)
        hashes: dict[int, bytes] = {}
        for item in lds["data_group_hash_values"]:
            number = item["data_group_number"].native
            if not 1 <= number <= 16 or number in hashes:
                raise MalformedFile("sod", "bad data-group number in the security object")
            hashes[number] = item["data_group_hash_value"].native
        signed_attrs_der = signed_attributes_der(signer_info)
        hash_algorithm = lds["hash_algorithm"]["algorithm"].native
    except MalformedFile:
        raise
    except PARSE_ERRORS as exc:
        raise MalformedFile("sod", "the LDS security object cannot be parsed") from exc
    return SecurityObject(
        signed_data=signed,
        signer_info=signer_info,
        certificates=certificates,
        econtent=econtent,
        lds_hash_algorithm=hash_algorithm,
        data_group_hashes=hashes,
        signed_attrs_der=signed_attrs_der,
    )


# --- DG1: the machine-readable zone --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mrz:
    """A TD1 MRZ (3 lines of 30 characters), split into its fields; check digits are judged later."""

    lines: tuple[str, str, str]

    @property
    def document_code(self) -> str:
        return self.lines[0][0:2]

    @property
    def issuing_state(self) -> str:
        return self.lines[0][2:5]

    @property
    def document_number(self) -> str:
        """The document number, following ICAO's overflow into the optional data when it is longer than 9."""
        line = self.lines[0]
        if line[14] == "<" and line[15:30].strip("<"):
            rest = line[15:30].split("<", 1)[0]
            return (line[5:14] + rest[:-1]).rstrip("<")
        return line[5:14].rstrip("<")

    @property
    def optional_data(self) -> str:
        """Line 1's optional data: on Vietnamese cards, the full 12-digit citizen ID."""
        return self.lines[0][15:30].rstrip("<")

    @property
    def birth_date(self) -> str:
        return self.lines[1][0:6]

    @property
    def sex(self) -> str:
        return self.lines[1][7]

    @property
    def expiry_date(self) -> str:
        return self.lines[1][8:14]

    @property
    def nationality(self) -> str:
        return self.lines[1][15:18]

    @property
    def name(self) -> str:
        """``SURNAME<<GIVEN<NAMES`` as written (upper case, no diacritics)."""
        return self.lines[2].rstrip("<")


def check_digit(value: str) -> str:
    """The ICAO 9303 part 3 check digit: weights 7, 3, 1; A=10 … Z=35; ``<`` = 0."""
    total = 0
    for index, char in enumerate(value):
        if char.isdigit():
            number = int(char)
        elif "A" <= char <= "Z":
            number = ord(char) - ord("A") + 10
        else:
            number = 0
        total += number * (7, 3, 1)[index % 3]
    return str(total % 10)


def mrz_check_digit_failures(mrz: Mrz) -> list[str]:
    """The names of the TD1 check digits that do not add up (empty when all do)."""
    line1, line2, _ = mrz.lines
    failures = []
    if line1[14] == "<" and line1[15:30].strip("<"):
        # Long document number: its check digit is the last character before the filler in the optional data.
        rest = line1[15:30].split("<", 1)[0]
        if not rest or check_digit(line1[5:14] + rest[:-1]) != rest[-1]:
            failures.append("document_number")
    elif check_digit(line1[5:14]) != line1[14]:
        failures.append("document_number")
    if check_digit(line2[0:6]) != line2[6]:
        failures.append("birth_date")
    if check_digit(line2[8:14]) != line2[14]:
        failures.append("expiry_date")
    if check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]) != line2[29]:
        failures.append("composite")
    return failures


def parse_dg1(data: bytes) -> Mrz:
    """DG1: tag 0x61 { tag 0x5F1F the MRZ }; only the TD1 card format (90 characters) is accepted."""
    content = unwrap("dg1", data, TAG_DG1)
    try:
        items = children(content)
    except PARSE_ERRORS as exc:
        raise MalformedFile("dg1", "not BER-TLV") from exc
    mrz_items = [i for i in items if i.class_ == 1 and i.tag == 31 and not i.constructed]
    if len(mrz_items) != 1:
        raise MalformedFile("dg1", "no MRZ (tag 5F1F)")
    try:
        text = mrz_items[0].contents.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedFile("dg1", "the MRZ is not ASCII") from exc
    if not _MRZ_RE.match(text):
        raise MalformedFile("dg1", "not a TD1 MRZ (3 lines of 30 characters A-Z, 0-9, <)")
    return Mrz((text[0:30], text[30:60], text[60:90]))


# --- DG13: Vietnam's own data group --------------------------------------------------------------------------------

# Field numbers of DG13 as Vietnamese readers know them (see docs/chipid.md).
DG13_FIELDS = {
    1: "citizen_id",
    2: "full_name",
    3: "date_of_birth",
    4: "sex",
    5: "nationality",
    6: "ethnicity",
    7: "religion",
    8: "home_town",
    9: "residence",
    10: "identifying_features",
    11: "date_of_issue",
    12: "date_of_expiry",
    13: "parents",
    14: "spouse",
    16: "old_id_number",
}


@dataclass(frozen=True, slots=True)
class Dg13:
    """The DG13 fields found, by field number; a field with several values (parents) keeps them all."""

    fields: dict[int, list[str]] = field(default_factory=dict)

    def first(self, number: int) -> str | None:
        values = self.fields.get(number)
        return values[0] if values else None


def _string(item: Tlv) -> str | None:
    if item.class_ == 0 and not item.constructed and item.tag in _STRING_TAGS:
        return item.contents.decode("utf-16-be" if item.tag == 30 else "utf-8").strip()
    return None


def _field_values(parts: list[Tlv]) -> list[str] | None:
    """The values of a field: strings, or sequences holding only strings (parents' names); None if not a field."""
    values: list[str] = []
    for part in parts:
        text = _string(part)
        if text is not None:
            values.append(text)
            continue
        if not (part.class_ == 0 and part.constructed and part.tag in (16, 17)):
            return None
        inner = [_string(child) for child in children(part.contents)]
        if not inner or any(v is None for v in inner):
            return None
        values.extend(v for v in inner if v is not None)
    return values or None


def _collect_dg13(items: list[Tlv], found: dict[int, list[str]], depth: int) -> None:
    for item in items:
        if not (item.class_ == 0 and item.constructed and item.tag in (16, 17)) or depth > 8:
            continue
        parts = children(item.contents)
        # A field is SEQUENCE { INTEGER number, value… }; anything else (a version, an OID, a list of fields)
        # may hold fields further down.
        if len(parts) >= 2 and parts[0].class_ == 0 and parts[0].tag == 2 and not parts[0].constructed:
            number = int.from_bytes(parts[0].contents, "big", signed=True) if parts[0].contents else -1
            values = _field_values(parts[1:])
            if 1 <= number <= 32 and values is not None:
                found.setdefault(number, values)
                continue
        _collect_dg13(parts, found, depth + 1)


def parse_dg13(data: bytes) -> Dg13:
    """DG13: tag 0x6D around sequences ``{ INTEGER field, value }``, read leniently (nesting, string types)."""
    content = unwrap("dg13", data, TAG_DG13)
    found: dict[int, list[str]] = {}
    try:
        _collect_dg13(children(content), found, 0)
    except PARSE_ERRORS as exc:
        raise MalformedFile("dg13", "not BER-TLV or a value is not text") from exc
    if not found:
        raise MalformedFile("dg13", "no fields")
    return Dg13(found)


# --- DG15 and DG14: active authentication --------------------------------------------------------------------------


def parse_dg15(data: bytes) -> keys.PublicKeyInfo:
    """DG15: tag 0x6F { SubjectPublicKeyInfo }, the chip's active-authentication public key (RSA or EC)."""
    content = unwrap("dg15", data, TAG_DG15)
    try:
        info = keys.PublicKeyInfo.load(content, strict=True)
        if info.algorithm not in ("rsa", "ec"):
            raise MalformedFile("dg15", f"unsupported key type {info.algorithm}")
        info.native  # noqa: B018  (force the lazy parse)
    except MalformedFile:
        raise
    except PARSE_ERRORS as exc:
        raise MalformedFile("dg15", "not a SubjectPublicKeyInfo") from exc
    return info


class SecurityInfo(core.Sequence):
    _fields = [
        ("protocol", core.ObjectIdentifier),
        ("required_data", core.Any),
        ("optional_data", core.Any, {"optional": True}),
    ]


class SecurityInfos(core.SetOf):
    _child_spec = SecurityInfo


def parse_dg14_aa_algorithm(data: bytes) -> str | None:
    """DG14's ActiveAuthenticationInfo signature algorithm OID (dotted), if the chip names one."""
    content = unwrap("dg14", data, TAG_DG14)
    try:
        infos = SecurityInfos.load(content, strict=True)
        for info in infos:
            if info["protocol"].dotted == ACTIVE_AUTHENTICATION_OID:
                # ActiveAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, signatureAlgorithm OID }
                algorithm = info["optional_data"]
                if isinstance(algorithm, core.Void) or algorithm.contents is None:
                    return None
                return core.ObjectIdentifier.load(algorithm.dump()).dotted
    except PARSE_ERRORS as exc:
        raise MalformedFile("dg14", "not a set of SecurityInfo") from exc
    return None
