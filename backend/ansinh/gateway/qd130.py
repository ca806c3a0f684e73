"""QĐ 130/4750 files from hospital software: the check-in table and the GIAMDINHHS claim envelope, read and judged.

Pure functions: bytes in, judged visits or refusals (in Vietnamese, naming the visit's MA_LK, the table and the
field) out. Nothing here touches the database; the person and the card are judged by ``holder_refusal`` on values
the caller looked up. XML is read with DTDs forbidden (defusedxml's guards), so entity expansion and external
entities are refused before anything is read.
"""

import binascii
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from xml.etree.ElementTree import Element
from xml.parsers import expat

import defusedxml.ElementTree as defused
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, tostring

from ansinh.core.time import VN_TZ
from ansinh.records.rules import round_half_up

MAX_ENVELOPE_BYTES = 50 * 1024 * 1024  # decoded GIAMDINHHS envelope
MAX_VISITS = 1000  # HOSO per envelope
MAX_CHECKIN_BYTES = 5 * 1024 * 1024  # decoded check-in file
# One đồng: amounts are kept in whole đồng, so sums that differ by less are the same money.
ONE_DONG = Decimal(1)

_TIMESTAMP = re.compile(r"[0-9]{12}")  # yyyyMMddHHmm
_DAY = re.compile(r"[0-9]{8}")  # yyyyMMdd
_DECIMAL = re.compile(r"[0-9]{1,15}(\.[0-9]{1,6})?")  # a dot, never a comma; money is never negative
_SI_CODE = re.compile(r"[0-9]{10}")
_CARD_CODE = re.compile(r"[A-Z]{2}[1-5][0-9]{12}")
_CITIZEN_ID = re.compile(r"[0-9]{12}")
_FACILITY = re.compile(r"[0-9]{2}[0-9A-Z]{3}")
_ICD10 = re.compile(r"[A-Z][0-9]{2}(\.?[0-9A-Z]{1,2})?")
_KCB_TYPE = re.compile(r"[0-9]{2}")
_VISIT_KEY_MAX = 100
# Base64 has no spaces: a space is a '+' that a form encoder left unescaped; line breaks (and tabs) are wrapping.
_SPACE_TO_PLUS = bytes.maketrans(b" ", b"+")
_BASE64_WRAPPING = b"\r\n\t"

# MA_LOAI_KCB of a stay (nội trú): 03 inpatient, 04 day inpatient, 09 inpatient under 4 hours; the rest are visits.
INPATIENT_TYPES = frozenset({"03", "04", "09"})

REQUIRED_XML1 = (
    "MA_LK",
    "HO_TEN",
    "NGAY_SINH",
    "GIOI_TINH",
    "NGAY_VAO",
    "NGAY_RA",
    "MA_BENH_CHINH",
    "MA_LOAI_KCB",
    "MA_CSKCB",
    "T_TONGCHI_BV",
    "T_TONGCHI_BH",
    "T_BNTT",
    "T_BNCCT",
    "T_BHTT",
)
REQUIRED_CHECKIN = ("MA_LK", "HO_TEN", "NGAY_SINH", "NGAY_VAO", "MA_CSKCB")


class FileRefused(Exception):
    """A whole file (the envelope or the check-in table) cannot be read; ``reason`` is Vietnamese."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        self.reason = reason
        self.status = status  # 403 when the file names another facility
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why one visit (or one of its fields) was refused, as hospital software shows it to its users."""

    visit_key: str | None
    table: str
    field: str | None
    reason: str

    def text(self) -> str:
        """One line: MA_LK, table, field, reason."""
        where = ", ".join(part for part in (f"MA_LK={self.visit_key or '?'}", self.table, self.field) if part)
        return f"[{where}] {self.reason}"

    def as_dict(self) -> dict[str, str | None]:
        """The refusal for the answer's ``dsLoi``."""
        return {"maLk": self.visit_key, "bang": self.table, "truong": self.field, "lyDo": self.reason}


@dataclass(frozen=True, slots=True)
class BirthDate:
    """NGAY_SINH: the year always, the day when known (older records know only the year)."""

    year: int
    day: date | None


@dataclass(frozen=True, slots=True)
class Holder:
    """Who the visit is for, as the facility wrote it."""

    full_name: str
    birth: BirthDate
    card_code: str | None  # MA_THE_BHYT: the 10-digit SI code or the 15-character code
    citizen_id: str | None  # SO_CCCD


@dataclass(frozen=True, slots=True)
class Line:
    """One line of XML2 (drugs, chi tiết thuốc) or XML3 (services and supplies, chi tiết DVKT/VTYT)."""

    table: str
    position: int
    code: str
    name: str
    unit: str | None
    quantity: Decimal
    unit_price: int
    amount: int  # THANH_TIEN_BV
    hi_amount: int  # THANH_TIEN_BH, the part in the insurance's scope
    hi_paid: int  # T_BHTT
    patient_paid: int  # T_BNCCT + T_BNTT
    exact_amount: Decimal = field(repr=False)


@dataclass(frozen=True, slots=True)
class SickLeave:
    """XML11, the sick-leave certificate (giấy chứng nhận nghỉ việc hưởng BHXH)."""

    days: int
    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class Money:
    """XML1's money in whole đồng, half up."""

    total: int  # T_TONGCHI_BV
    hi_scope: int  # T_TONGCHI_BH
    out_of_scope: int  # T_BNTT, paid by the patient outside the insurance's scope
    co_payment: int  # T_BNCCT, the patient's co-payment (cùng chi trả)
    hi_paid: int  # T_BHTT
    other_sources: int  # T_NGUONKHAC


@dataclass(frozen=True, slots=True)
class Claim:
    """One judged visit of a GIAMDINHHS envelope (XML1 and its tables)."""

    visit_key: str
    facility_code: str
    holder: Holder
    admitted_at: datetime  # Vietnam wall-clock time as written (Asia/Ho_Chi_Minh)
    discharged_at: datetime
    icd10_code: str
    diagnosis: str
    kcb_type: str
    treatment_result: str | None
    discharge_type: str | None
    admission_reason: str | None
    money: Money
    lines: tuple[Line, ...]
    sick_leave: SickLeave | None
    tables: dict[str, str]  # every table as received (XML text), by LOAIHOSO

    @property
    def inpatient(self) -> bool:
        return self.kcb_type in INPATIENT_TYPES


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One record of the check-in table (TRANG_THAI_KCB): a patient received."""

    visit_key: str
    facility_code: str
    holder: Holder
    admitted_at: datetime
    kcb_type: str | None
    admission_reason: str | None
    table: str  # the record as received


@dataclass(slots=True)
class Envelope:
    """A read GIAMDINHHS envelope: its facility code, its signature and each visit's tables (or a refusal)."""

    facility_code: str | None
    signature: str | None
    visits: list[dict[str, bytes] | Refusal]


# --- reading ------------------------------------------------------------------------------------------------------


def decode_base64(text: str | bytes, *, what: str, limit: int) -> bytes:
    """Standard base64 (line breaks allowed) of at most ``limit`` bytes; FileRefused otherwise."""
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    raw = raw.strip()
    # Most clients send one unbroken line: looking costs a fraction of rewriting an envelope's 70 MB.
    if any(byte in raw for byte in (b" ", b"\r", b"\n", b"\t")):
        raw = raw.translate(_SPACE_TO_PLUS, _BASE64_WRAPPING)
    if len(raw) // 4 * 3 > limit + 2:
        raise FileRefused(f"{what} vượt quá giới hạn {limit // (1024 * 1024)} MB sau giải mã.")
    try:
        # Strict: only the base64 alphabet, padding only at the end (base64.b64decode's validate=True, without its
        # extra regular-expression pass over the whole text).
        data = binascii.a2b_base64(raw, strict_mode=True)
    except (binascii.Error, ValueError):
        raise FileRefused(f"{what} không phải chuỗi base64 hợp lệ.") from None
    if len(data) > limit:
        raise FileRefused(f"{what} vượt quá giới hạn {limit // (1024 * 1024)} MB sau giải mã.")
    return data


def parse_xml(data: bytes, *, what: str) -> Element:
    """A document parsed with no DTD, no entities and nothing fetched (defusedxml); FileRefused when hostile or
    unreadable."""
    try:
        return defused.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise FileRefused(f"{what} chứa DTD hoặc thực thể (entity) XML, không được chấp nhận.") from None
    except (expat.ExpatError, ParseError) as error:
        raise FileRefused(f"{what} không phải XML hợp lệ ({error}).") from None


def values_of(element: Element) -> dict[str, str | None]:
    """An element's children by tag, text stripped; an empty element is an absent value."""
    # Most elements hospital software writes are empty: their text is None, and no string is made for them.
    return {child.tag: (child.text.strip() or None) if child.text else None for child in element}


def read_envelope(data: bytes) -> Envelope:
    """The envelope's facility code, signature and visits, read one HOSO at a time; FileRefused when unreadable."""
    envelope = Envelope(facility_code=None, signature=None, visits=[])
    root_seen = False
    try:
        for event, element in defused.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if not root_seen and element.tag != "GIAMDINHHS":
                    raise FileRefused("Tệp không phải hồ sơ GIAMDINHHS.")
                root_seen = True
                continue
            if element.tag == "MACSKCB" and envelope.facility_code is None:
                envelope.facility_code = (element.text or "").strip() or None
            elif element.tag == "CHUKYDONVI":
                envelope.signature = _signature_text(element)
            elif element.tag == "HOSO":
                if len(envelope.visits) >= MAX_VISITS:
                    raise FileRefused(f"Hồ sơ gửi quá {MAX_VISITS} lượt khám chữa bệnh trong một lần.")
                envelope.visits.append(_visit_files(element, position=len(envelope.visits) + 1))
                element.clear()  # one visit in memory at a time
    except DefusedXmlException:
        raise FileRefused("Hồ sơ chứa DTD hoặc thực thể (entity) XML, không được chấp nhận.") from None
    except (expat.ExpatError, ParseError) as error:
        raise FileRefused(f"Hồ sơ không phải XML hợp lệ ({error}).") from None
    if not envelope.visits:
        raise FileRefused("Hồ sơ không có lượt khám chữa bệnh nào (HOSO).")
    return envelope


def _signature_text(element: Element) -> str | None:
    """CHUKYDONVI as received: its XML (an enveloped signature) or its text; None when empty."""
    if len(element):
        return "".join(tostring(child, encoding="unicode") for child in element)
    return (element.text or "").strip() or None


def _visit_files(hoso: Element, *, position: int) -> dict[str, bytes] | Refusal:
    """A HOSO's tables by LOAIHOSO, each decoded from base64 or taken inline."""
    files: dict[str, bytes] = {}
    for file in hoso.iter("FILEHOSO"):
        kind = (file.findtext("LOAIHOSO") or "").strip().upper()
        content = file.find("NOIDUNGFILE")
        if not kind or content is None:
            return Refusal(None, f"HOSO thứ {position}", "FILEHOSO", "Thiếu LOAIHOSO hoặc NOIDUNGFILE.")
        if len(content):  # inline XML, as a few clients send it
            files[kind] = tostring(content[0], encoding="utf-8")
            continue
        text = (content.text or "").strip()
        if text.startswith("<"):  # inline XML written as escaped text
            files[kind] = text.encode("utf-8")
            continue
        try:
            files[kind] = decode_base64(text, what=f"NOIDUNGFILE của {kind}", limit=MAX_ENVELOPE_BYTES)
        except FileRefused as refused:
            return Refusal(None, kind, "NOIDUNGFILE", refused.reason)
    if "XML1" not in files:
        return Refusal(None, f"HOSO thứ {position}", "XML1", "Thiếu bảng XML1 (TONG_HOP).")
    return files


# --- judging a claim ----------------------------------------------------------------------------------------------


class _Fields:
    """Statements typed values of one record, gathering every problem rather than stopping at the first."""

    def __init__(self, values: dict[str, str | None], *, table: str, visit_key: str | None) -> None:
        self.values = values
        self.table = table
        self.visit_key = visit_key
        self.refusals: list[Refusal] = []

    def refuse(self, name: str | None, reason: str) -> None:
        self.refusals.append(Refusal(self.visit_key, self.table, name, reason))

    def text(self, name: str, *, required: bool = False, max_length: int = 1000) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                self.refuse(name, "Thiếu trường bắt buộc.")
            return None
        if len(value) > max_length:
            self.refuse(name, f"Dài quá {max_length} ký tự.")
            return None
        return value

    def matching(self, name: str, pattern: re.Pattern[str], what: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is not None and not pattern.fullmatch(value):
            self.refuse(name, f"Sai định dạng: {what}.")
            return None
        return value

    def timestamp(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.matching(name, _TIMESTAMP, "yyyyMMddHHmm", required=required)
        if value is None:
            return None
        try:
            return wall_clock(value)
        except ValueError:
            self.refuse(name, "Ngày giờ không tồn tại (yyyyMMddHHmm).")
            return None

    def day(self, name: str) -> date | None:
        value = self.matching(name, _DAY, "yyyyMMdd")
        if value is None:
            return None
        try:
            return calendar_day(value)
        except ValueError:
            self.refuse(name, "Ngày không tồn tại (yyyyMMdd).")
            return None

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.values.get(name)
        if value is not None and _DECIMAL.fullmatch(value):  # the usual case in one step: a visit has ~300 amounts
            return Decimal(value)
        value = self.matching(name, _DECIMAL, "số không âm, phần thập phân sau dấu chấm", required=required)
        return None if value is None else Decimal(value)

    def birth(self, name: str) -> BirthDate | None:
        value = self.text(name, required=True)
        if value is None:
            return None
        birth = parse_birth(value)
        if birth is None:
            self.refuse(name, "Sai định dạng: yyyyMMddHHmm (hoặc yyyy khi chỉ biết năm sinh).")
        return birth


def wall_clock(value: str) -> datetime:
    """yyyyMMddHHmm, Vietnam wall-clock time as the facility wrote it (Asia/Ho_Chi_Minh, no daylight saving)."""
    return datetime(int(value[:4]), int(value[4:6]), int(value[6:8]), int(value[8:10]), int(value[10:12]), tzinfo=VN_TZ)


def calendar_day(value: str) -> date:
    """yyyyMMdd."""
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def parse_birth(value: str) -> BirthDate | None:
    """NGAY_SINH as hospital software writes it: yyyyMMddHHmm or yyyyMMdd, or the year alone (yyyy, or 0000 for
    the month and day); None when not a date."""
    if not value.isascii() or not value.isdigit() or len(value) not in (4, 8, 12):
        return None
    year = int(value[:4])
    if year < 1850 or len(value) == 4 or value[4:8] == "0000":
        return BirthDate(year, None) if year >= 1850 else None
    try:
        return BirthDate(year, calendar_day(value[:8]))
    except ValueError:
        return None


def whole_dong(value: Decimal | None) -> int:
    """An amount in whole đồng, half up; an absent amount is none."""
    return 0 if value is None else round_half_up(value)


def _table(files: dict[str, bytes], kind: str, visit_key: str | None) -> tuple[Element | None, Refusal | None]:
    data = files.get(kind)
    if data is None:
        return None, None
    try:
        return parse_xml(data, what=f"Bảng {kind}"), None
    except FileRefused as refused:
        return None, Refusal(visit_key, kind, None, refused.reason)


def _record(root: Element, tag: str) -> Element | None:
    return root if root.tag == tag else root.find(f".//{tag}")


def judge_claim(files: dict[str, bytes], *, facility_code: str) -> Claim | list[Refusal]:
    """One HOSO judged: XML1's required fields and formats, its lines and sums; the refusals when it fails."""
    xml1, refused = _table(files, "XML1", None)
    if xml1 is None:
        return [refused or Refusal(None, "XML1", None, "Thiếu bảng XML1.")]
    summary = _record(xml1, "TONG_HOP")
    if summary is None:
        return [Refusal(None, "XML1", "TONG_HOP", "Bảng XML1 không có phần tử TONG_HOP.")]
    values = values_of(summary)
    visit_key = values.get("MA_LK")
    f = _Fields(values, table="XML1", visit_key=visit_key)
    holder = _patient(f, required=REQUIRED_XML1)
    f.matching("GIOI_TINH", re.compile("[123]"), "1 (nam), 2 (nữ) hoặc 3 (chưa xác định)")
    code = _own_facility(f, facility_code)
    admitted = f.timestamp("NGAY_VAO")
    discharged = f.timestamp("NGAY_RA")
    if admitted and discharged and discharged < admitted:
        f.refuse("NGAY_RA", "NGAY_RA trước NGAY_VAO.")
    icd10 = f.matching("MA_BENH_CHINH", _ICD10, "mã ICD-10")
    kcb_type = f.matching("MA_LOAI_KCB", _KCB_TYPE, "2 chữ số")
    f.day("GT_THE_TU")
    f.day("GT_THE_DEN")
    amounts = {
        name: f.decimal(name)
        for name in ("T_TONGCHI_BV", "T_TONGCHI_BH", "T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC", "T_THUOC", "T_VTYT")
    }
    lines, line_refusals = _lines(files, visit_key)
    f.refusals.extend(line_refusals)
    _judge_sums(f, amounts, lines)
    sick_leave = _sick_leave(files, visit_key, f)
    if f.refusals or holder is None or admitted is None or discharged is None or icd10 is None:
        return f.refusals
    if kcb_type is None or visit_key is None or code is None:
        return f.refusals
    return Claim(
        visit_key=visit_key,
        facility_code=code,
        holder=holder,
        admitted_at=admitted,
        discharged_at=discharged,
        icd10_code=icd10,
        diagnosis=(values.get("CHAN_DOAN_RV") or values.get("CHAN_DOAN_VAO") or icd10)[:1000],
        kcb_type=kcb_type,
        treatment_result=(values.get("KET_QUA_DTRI") or None) and values["KET_QUA_DTRI"][:2],  # type: ignore[index]
        discharge_type=(values.get("MA_LOAI_RV") or None) and values["MA_LOAI_RV"][:2],  # type: ignore[index]
        admission_reason=(values.get("LY_DO_VV") or None) and values["LY_DO_VV"][:500],  # type: ignore[index]
        money=Money(
            total=whole_dong(amounts["T_TONGCHI_BV"]),
            hi_scope=whole_dong(amounts["T_TONGCHI_BH"]),
            out_of_scope=whole_dong(amounts["T_BNTT"]),
            co_payment=whole_dong(amounts["T_BNCCT"]),
            hi_paid=whole_dong(amounts["T_BHTT"]),
            other_sources=whole_dong(amounts["T_NGUONKHAC"]),
        ),
        lines=tuple(lines),
        sick_leave=sick_leave,
        tables={kind: data.decode("utf-8", "replace") for kind, data in files.items()},
    )


def _patient(f: _Fields, *, required: tuple[str, ...]) -> Holder | None:
    """The record's required fields, MA_LK's length and the patient's identity checked; the holder when usable."""
    for name in required:
        if f.values.get(name) is None:
            f.refuse(name, "Thiếu trường bắt buộc.")
    if f.values.get("MA_THE_BHYT") is None and f.values.get("SO_CCCD") is None:
        f.refuse("MA_THE_BHYT", "Cần MA_THE_BHYT hoặc SO_CCCD để xác định người bệnh.")
    if f.visit_key is not None and len(f.visit_key) > _VISIT_KEY_MAX:
        f.refuse("MA_LK", f"Dài quá {_VISIT_KEY_MAX} ký tự.")
    return _holder(f)


def _own_facility(f: _Fields, facility_code: str) -> str | None:
    """MA_CSKCB when well formed, else None; a refusal added when it is not the signed-in facility's code."""
    code = f.matching("MA_CSKCB", _FACILITY, "mã cơ sở KCB 5 ký tự")
    if code is not None and code != facility_code:
        f.refuse("MA_CSKCB", f"Mã cơ sở KCB {code} không phải cơ sở của phiên đăng nhập ({facility_code}).")
    return code


def _holder(f: _Fields) -> Holder | None:
    name = f.text("HO_TEN", max_length=200)
    birth = f.birth("NGAY_SINH")
    card_code = _card_code(f)
    citizen_id = f.matching("SO_CCCD", _CITIZEN_ID, "số CCCD 12 chữ số")
    if name is None or birth is None:
        return None
    return Holder(full_name=name, birth=birth, card_code=card_code, citizen_id=citizen_id)


def _card_code(f: _Fields) -> str | None:
    value = f.text("MA_THE_BHYT")
    if value is None:
        return None
    # A visit on several cards lists them separated by ';': the first is the one the visit was received on.
    first = value.split(";")[0].strip().upper()
    if not (_SI_CODE.fullmatch(first) or _CARD_CODE.fullmatch(first)):
        f.refuse("MA_THE_BHYT", "Sai định dạng: mã số BHXH 10 chữ số hoặc mã thẻ 15 ký tự.")
        return None
    return first


def _judge_sums(f: _Fields, amounts: dict[str, Decimal | None], lines: list[Line]) -> None:
    """T_TONGCHI_BV is the lines' total; T_BHTT = T_TONGCHI_BH − T_BNCCT; the insured part is within the total."""
    total, hi_scope = amounts["T_TONGCHI_BV"], amounts["T_TONGCHI_BH"]
    co_payment, hi_paid = amounts["T_BNCCT"], amounts["T_BHTT"]
    if total is not None:
        lines_total = sum((line.exact_amount for line in lines), Decimal(0))
        if abs(lines_total - total) >= ONE_DONG:
            f.refuse(
                "T_TONGCHI_BV",
                f"T_TONGCHI_BV ({total}) khác tổng THANH_TIEN_BV của XML2 và XML3 ({lines_total}).",
            )
    if (
        hi_scope is not None
        and co_payment is not None
        and hi_paid is not None
        and abs(hi_scope - co_payment - hi_paid) >= ONE_DONG
    ):
        f.refuse("T_BHTT", f"T_BHTT ({hi_paid}) khác T_TONGCHI_BH − T_BNCCT ({hi_scope - co_payment}).")
    # Compared in whole đồng, as they are kept: within the 1-đồng tolerance above, T_BHTT 100.90 of an in-scope
    # 100.40 would round to more than the in-scope total, a visit no resubmission could ever store.
    if total is not None and hi_scope is not None and whole_dong(hi_scope) > whole_dong(total):
        f.refuse("T_TONGCHI_BH", "T_TONGCHI_BH lớn hơn T_TONGCHI_BV.")
    if hi_scope is not None and co_payment is not None and whole_dong(co_payment) > whole_dong(hi_scope):
        f.refuse("T_BNCCT", "T_BNCCT lớn hơn T_TONGCHI_BH.")
    if hi_scope is not None and hi_paid is not None and whole_dong(hi_paid) > whole_dong(hi_scope):
        f.refuse("T_BHTT", "T_BHTT lớn hơn T_TONGCHI_BH.")


# XML2's line element and its code / name / unit price; XML3's service line names a service or a supply.
_LINE_TABLES = (("XML2", "CHI_TIET_THUOC"), ("XML3", "CHI_TIET_DVKT"))


def _lines(files: dict[str, bytes], visit_key: str | None) -> tuple[list[Line], list[Refusal]]:
    lines: list[Line] = []
    refusals: list[Refusal] = []
    for kind, tag in _LINE_TABLES:
        root, refused = _table(files, kind, visit_key)
        if refused:
            refusals.append(refused)
        if root is None:
            continue
        for position, element in enumerate(root.iter(tag), start=1):
            line = _line(values_of(element), kind=kind, position=position, visit_key=visit_key, refusals=refusals)
            if line is not None:
                lines.append(line)
    return lines, refusals


def _line(
    values: dict[str, str | None], *, kind: str, position: int, visit_key: str | None, refusals: list[Refusal]
) -> Line | None:
    f = _Fields(values, table=f"{kind} dòng {values.get('STT') or position}", visit_key=visit_key)
    if values.get("MA_LK") is not None and values["MA_LK"] != visit_key:
        f.refuse("MA_LK", "Dòng chi tiết thuộc lượt khám khác (MA_LK không khớp XML1).")
    if kind == "XML2":
        code, name = f.text("MA_THUOC", required=True), f.text("TEN_THUOC", required=True)
        unit_price = f.decimal("DON_GIA", required=True)
    else:
        code = f.text("MA_DICH_VU") or f.text("MA_VAT_TU")
        name = f.text("TEN_DICH_VU") or f.text("TEN_VAT_TU")
        if code is None:
            f.refuse("MA_DICH_VU", "Thiếu MA_DICH_VU hoặc MA_VAT_TU.")
        if name is None:
            f.refuse("TEN_DICH_VU", "Thiếu TEN_DICH_VU hoặc TEN_VAT_TU.")
        unit_price = f.decimal("DON_GIA_BV", required=True)
    quantity = f.decimal("SO_LUONG", required=True)
    amount = f.decimal("THANH_TIEN_BV", required=True)
    hi_amount, hi_paid = f.decimal("THANH_TIEN_BH"), f.decimal("T_BHTT")
    co_payment, out_of_scope = f.decimal("T_BNCCT"), f.decimal("T_BNTT")
    refusals.extend(f.refusals)
    if f.refusals or code is None or name is None or quantity is None or unit_price is None or amount is None:
        return None
    return Line(
        table=kind,
        position=position,
        code=code[:50],
        name=name[:500],
        unit=(values.get("DON_VI_TINH") or None) and values["DON_VI_TINH"][:50],  # type: ignore[index]
        quantity=quantity,
        unit_price=whole_dong(unit_price),
        amount=whole_dong(amount),
        hi_amount=whole_dong(hi_amount),
        hi_paid=whole_dong(hi_paid),
        patient_paid=whole_dong(co_payment) + whole_dong(out_of_scope),
        exact_amount=amount,
    )


def _sick_leave(files: dict[str, bytes], visit_key: str | None, f: _Fields) -> SickLeave | None:
    root, refused = _table(files, "XML11", visit_key)
    if refused:
        f.refusals.append(refused)
    if root is None:
        return None
    record = next((element for element in root.iter() if element.find("SO_NGAY_NGHI") is not None), None)
    if record is None:
        f.refuse("SO_NGAY_NGHI", "Bảng XML11 không có SO_NGAY_NGHI.")
        return None
    leave = _Fields(values_of(record), table="XML11", visit_key=visit_key)
    days = leave.matching("SO_NGAY_NGHI", re.compile("[0-9]{1,3}"), "số ngày", required=True)
    start, end = leave.day("TU_NGAY"), leave.day("DEN_NGAY")
    if start and end and end < start:
        leave.refuse("DEN_NGAY", "DEN_NGAY trước TU_NGAY.")
    f.refusals.extend(leave.refusals)
    if days is None or leave.refusals:
        return None
    return SickLeave(days=int(days), start=start, end=end)


# --- judging a check-in -------------------------------------------------------------------------------------------


def read_checkins(data: bytes, *, facility_code: str) -> tuple[list[CheckIn | list[Refusal]], str | None]:
    """The check-in table's records, each judged, and CHUKYDONVI; FileRefused when the file is unreadable."""
    root = parse_xml(data, what="Tệp check-in")
    if root.tag != "CHI_TIEU_TRANG_THAI_KCB":
        raise FileRefused("Tệp không phải bảng check-in (CHI_TIEU_TRANG_THAI_KCB).")
    records = list(root.iter("TRANG_THAI_KCB"))
    if not records:
        raise FileRefused("Bảng check-in không có bản ghi TRANG_THAI_KCB nào.")
    if len(records) > MAX_VISITS:
        raise FileRefused(f"Bảng check-in có quá {MAX_VISITS} bản ghi.")
    signature = root.find("CHUKYDONVI")
    judged = [_judge_checkin(record, facility_code=facility_code) for record in records]
    return judged, None if signature is None else _signature_text(signature)


def _judge_checkin(record: Element, *, facility_code: str) -> CheckIn | list[Refusal]:
    values = values_of(record)
    visit_key = values.get("MA_LK")
    f = _Fields(values, table="TRANG_THAI_KCB", visit_key=visit_key)
    holder = _patient(f, required=REQUIRED_CHECKIN)
    code = _own_facility(f, facility_code)
    admitted = f.timestamp("NGAY_VAO")
    kcb_type = f.matching("MA_LOAI_KCB", _KCB_TYPE, "2 chữ số")
    if f.refusals or holder is None or admitted is None or visit_key is None or code is None:
        return f.refusals
    return CheckIn(
        visit_key=visit_key,
        facility_code=code,
        holder=holder,
        admitted_at=admitted,
        kcb_type=kcb_type,
        admission_reason=(values.get("LY_DO_VNT") or None) and values["LY_DO_VNT"][:500],  # type: ignore[index]
        table=tostring(record, encoding="unicode"),
    )


# --- the holder, as the card check judges them --------------------------------------------------------------------


def same_name(recorded: str, written: str) -> bool:
    """Names compare after Unicode NFC, case-folding and collapsing spaces (diacritics count)."""

    def normal(name: str) -> str:
        return " ".join(unicodedata.normalize("NFC", name).casefold().split())

    return normal(recorded) == normal(written)


def same_birth(*, recorded: date, year_only: bool, written: BirthDate) -> bool:
    """A birth year alone matches any date in that year, and a person recorded by year matches any date in it."""
    if year_only or written.day is None:
        return recorded.year == written.year
    return recorded == written.day


def holder_refusal(
    holder: Holder, *, visit_key: str, table: str, full_name: str, birth_date: date, year_only: bool
) -> Refusal | None:
    """Why the person on record is not the one the facility wrote, or None when name and birth date match."""
    if not same_name(full_name, holder.full_name):
        return Refusal(visit_key, table, "HO_TEN", "Họ tên không khớp với thông tin thẻ.")
    if not same_birth(recorded=birth_date, year_only=year_only, written=holder.birth):
        return Refusal(visit_key, table, "NGAY_SINH", "Ngày sinh không khớp với thông tin thẻ.")
    return None


def answer_time(moment: datetime) -> str:
    """``thoiGianTiepNhan``: yyyyMMddHHmmss."""
    return moment.strftime("%Y%m%d%H%M%S")


def refusal_message(accepted: int, refusals: list[Refusal], flags: list[str]) -> str:
    """``thongDiep``: how many visits were taken, then each refusal and each flag, in Vietnamese."""
    parts = [f"Đã tiếp nhận {accepted} hồ sơ." if accepted else "Không tiếp nhận được hồ sơ nào."]
    parts += [refusal.text() for refusal in refusals]
    parts += flags
    return " ".join(parts)
