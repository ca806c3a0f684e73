"""Files as hospital software builds them: every QĐ 130/4750 element written, unknown ones empty, tables base64.

Shared by the gateway tests and the ingest benchmark (bench/ingest.py), so the benchmark sends what the tests accept.
"""

import base64
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from urllib.parse import urlencode

# XML1 (TONG_HOP) in QĐ 4750's order: HIS writes each element, empty when it has no value.
XML1_FIELDS = (
    "MA_LK", "STT", "MA_BN", "HO_TEN", "SO_CCCD", "NGAY_SINH", "GIOI_TINH", "NHOM_MAU", "MA_QUOCTICH", "MA_DANTOC",
    "MA_NGHE_NGHIEP", "DIA_CHI", "MATINH_CU_TRU", "MAHUYEN_CU_TRU", "MAXA_CU_TRU", "DIEN_THOAI", "MA_THE_BHYT",
    "MA_DKBD", "GT_THE_TU", "GT_THE_DEN", "NGAY_MIEN_CCT", "LY_DO_VV", "LY_DO_VNT", "MA_LY_DO_VNT", "CHAN_DOAN_VAO",
    "CHAN_DOAN_RV", "MA_BENH_CHINH", "MA_BENH_KT", "MA_BENH_YHCT", "MA_PTTT_QT", "MA_DOITUONG_KCB", "MA_NOI_DI",
    "MA_NOI_DEN", "MA_TAI_NAN", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "NGAY_RA", "GIAY_CHUYEN_TUYEN", "SO_NGAY_DTRI",
    "PP_DIEU_TRI", "KET_QUA_DTRI", "MA_LOAI_RV", "GHI_CHU", "NGAY_TTOAN", "T_THUOC", "T_VTYT", "T_TONGCHI_BV",
    "T_TONGCHI_BH", "T_BNTT", "T_BNCCT", "T_BHTT", "T_NGUONKHAC", "T_BHTT_GDV", "NAM_QT", "THANG_QT", "MA_LOAI_KCB",
    "MA_KHOA", "MA_CSKCB", "MA_KHUVUC", "CAN_NANG", "CAN_NANG_CON", "NAM_NAM_LIEN_TUC", "NGAY_TAI_KHAM", "MA_HSBA",
    "MA_TTDV", "DU_PHONG",
)  # fmt: skip
XML2_FIELDS = (
    "MA_LK", "STT", "MA_THUOC", "MA_PP_CHEBIEN", "MA_CSKCB_THUOC", "MA_NHOM", "TEN_THUOC", "DON_VI_TINH", "HAM_LUONG",
    "DUONG_DUNG", "DANG_BAO_CHE", "LIEU_DUNG", "CACH_DUNG", "SO_DANG_KY", "TT_THAU", "PHAM_VI", "TYLE_TT_BH",
    "SO_LUONG", "DON_GIA", "THANH_TIEN_BV", "THANH_TIEN_BH", "T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN",
    "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL", "T_NGUONKHAC", "MUC_HUONG", "T_BNTT", "T_BNCCT", "T_BHTT", "MA_KHOA",
    "MA_BAC_SI", "MA_DICH_VU", "NGAY_YL", "NGAY_TH_YL", "MA_PTTT", "NGUON_CTRA", "VET_THUONG_TP", "DU_PHONG",
)  # fmt: skip
XML3_FIELDS = (
    "MA_LK", "STT", "MA_DICH_VU", "MA_PTTT_QT", "MA_VAT_TU", "MA_NHOM", "GOI_VTYT", "TEN_VAT_TU", "TEN_DICH_VU",
    "MA_XANG_DAU", "DON_VI_TINH", "PHAM_VI", "SO_LUONG", "DON_GIA_BV", "DON_GIA_BH", "TT_THAU", "TYLE_TT_DV",
    "TYLE_TT_BH", "THANH_TIEN_BV", "THANH_TIEN_BH", "T_TRANTT", "MUC_HUONG", "T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN",
    "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL", "T_NGUONKHAC", "T_BNTT", "T_BNCCT", "T_BHTT", "MA_KHOA", "MA_GIUONG",
    "MA_BAC_SI", "NGUOI_THUC_HIEN", "MA_BENH", "MA_BENH_YHCT", "NGAY_YL", "NGAY_TH_YL", "NGAY_KQ", "MA_PTTT",
    "VET_THUONG_TP", "PP_VO_CAM", "VI_TRI_TH_DVKT", "MA_MAY", "MA_HIEU_SP", "TAI_SU_DUNG", "DU_PHONG",
)  # fmt: skip
CHECKIN_FIELDS = (
    "MA_LK", "STT", "MA_BN", "HO_TEN", "SO_CCCD", "NGAY_SINH", "GIOI_TINH", "MA_THE_BHYT", "MA_DKBD", "GT_THE_TU",
    "GT_THE_DEN", "MA_DOITUONG_KCB", "NGAY_VAO", "NGAY_VAO_NOI_TRU", "LY_DO_VNT", "MA_LY_DO_VNT", "MA_LOAI_KCB",
    "MA_CSKCB", "MA_DICH_VU", "TEN_DICH_VU", "MA_THUOC", "TEN_THUOC", "MA_VAT_TU", "TEN_VAT_TU", "NGAY_YL",
    "DU_PHONG",
)  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def record(tag: str, fields: Iterable[str], values: Mapping[str, object]) -> str:
    """One record with every field of its table, in order; a field without a value is an empty element."""
    parts = []
    for name in fields:
        value = values.get(name)
        parts.append(f"<{name}/>" if value is None else f"<{name}>{_escape(str(value))}</{name}>")
    return f"<{tag}>{''.join(parts)}</{tag}>"


def xml1(values: Mapping[str, object]) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + record("TONG_HOP", XML1_FIELDS, values)


def xml2(lines: Iterable[Mapping[str, object]]) -> str:
    body = "".join(record("CHI_TIET_THUOC", XML2_FIELDS, line) for line in lines)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC>{body}</DSACH_CHI_TIET_THUOC></CHITIEU_CHITIET_THUOC>"
    )


def xml3(lines: Iterable[Mapping[str, object]]) -> str:
    body = "".join(record("CHI_TIET_DVKT", XML3_FIELDS, line) for line in lines)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<CHITIEU_CHITIET_DVKT_VTYT><DSACH_CHI_TIET_DVKT>{body}</DSACH_CHI_TIET_DVKT></CHITIEU_CHITIET_DVKT_VTYT>"
    )


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode("utf-8") if isinstance(text, str) else text).decode("ascii")


def hoso(tables: Mapping[str, str]) -> str:
    """One visit: each table's XML base64-encoded in its FILEHOSO."""
    files = "".join(
        f"<FILEHOSO><LOAIHOSO>{kind}</LOAIHOSO><NOIDUNGFILE>{b64(xml)}</NOIDUNGFILE></FILEHOSO>"
        for kind, xml in tables.items()
    )
    return f"<HOSO>{files}</HOSO>"


def envelope(facility: str, visits: Iterable[str], *, made_on: str = "20261207", signature: str = "") -> str:
    """A GIAMDINHHS envelope of ``visits`` (each from ``hoso``)."""
    visits = list(visits)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<GIAMDINHHS>'
        f"<THONGTINDONVI><MACSKCB>{facility}</MACSKCB></THONGTINDONVI>"
        f"<THONGTINHOSO><NGAYLAP>{made_on}</NGAYLAP><SOLUONGHOSO>{len(visits)}</SOLUONGHOSO>"
        f"<DANHSACHHOSO>{''.join(visits)}</DANHSACHHOSO></THONGTINHOSO>"
        f"<CHUKYDONVI>{signature}</CHUKYDONVI></GIAMDINHHS>"
    )


def checkin_file(records: Iterable[Mapping[str, object]]) -> str:
    body = "".join(record("TRANG_THAI_KCB", CHECKIN_FIELDS, values) for values in records)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<CHI_TIEU_TRANG_THAI_KCB><DSACH_TRANG_THAI_KCB>{body}</DSACH_TRANG_THAI_KCB><CHUKYDONVI/>"
        "</CHI_TIEU_TRANG_THAI_KCB>"
    )


def form_body(*, username: str, kind: str, facility: str, file: str | bytes) -> bytes:
    """The form as PHP's http_build_query and .NET's FormUrlEncodedContent send it ('+' as %2B)."""
    return urlencode(
        {"username": username, "loaiHoSo": kind, "maTinh": facility[:2], "maCSKCB": facility, "fileHSBase64": b64(file)}
    ).encode("ascii")


def _sum(lines: Iterable[Mapping[str, object]], name: str) -> str:
    """A money column of the lines added up, written as HIS writes money (a dot, two decimals)."""
    return f"{sum((Decimal(str(line.get(name) or 0)) for line in lines), Decimal(0)):.2f}"


def claim_tables(
    *,
    visit_key: str,
    name: str,
    birth: str,
    card: str,
    citizen_id: str,
    facility: str,
    admitted: str = "202612070815",
    discharged: str = "202612071030",
    drugs: Sequence[Mapping[str, object]] | None = None,
    services: Sequence[Mapping[str, object]] | None = None,
    total_override: str | None = None,
    hi_paid_override: str | None = None,
) -> dict[str, str]:
    """A one-morning outpatient visit, all elements written, XML1's sums those of its lines.

    By default an examination and two drugs, 80% paid by the fund; ``drugs`` (XML2) and ``services`` (XML3) replace
    them. The overrides write a wrong total or a wrong T_BHTT.
    """
    if drugs is None:
        drugs = [
            {"MA_LK": visit_key, "STT": 1, "MA_THUOC": "40.17", "TEN_THUOC": "Paracetamol 500mg", "DON_VI_TINH": "Viên",
             "SO_LUONG": "10.000", "DON_GIA": "525.50", "THANH_TIEN_BV": "5255.00", "THANH_TIEN_BH": "5255.00",
             "MUC_HUONG": "80", "T_BNTT": "0", "T_BNCCT": "1051.00", "T_BHTT": "4204.00", "NGAY_YL": "202612070900"},
            {"MA_LK": visit_key, "STT": 2, "MA_THUOC": "40.123", "TEN_THUOC": "Amoxicilin 500mg", "DON_VI_TINH": "Viên",
             "SO_LUONG": "14", "DON_GIA": "1300", "THANH_TIEN_BV": "18200", "THANH_TIEN_BH": "18200",
             "MUC_HUONG": "80", "T_BNTT": "0", "T_BNCCT": "3640", "T_BHTT": "14560", "NGAY_YL": "202612070900"},
        ]  # fmt: skip
    if services is None:
        services = [
            {"MA_LK": visit_key, "STT": 1, "MA_DICH_VU": "02.1896", "TEN_DICH_VU": "Khám Nội", "DON_VI_TINH": "Lần",
             "SO_LUONG": "1", "DON_GIA_BV": "42100", "DON_GIA_BH": "42100", "THANH_TIEN_BV": "42100",
             "THANH_TIEN_BH": "42100", "MUC_HUONG": "80", "T_BNTT": "0", "T_BNCCT": "8420", "T_BHTT": "33680",
             "NGAY_YL": "202612070830"},
        ]  # fmt: skip
    lines = [*drugs, *services]
    summary = {
        "MA_LK": visit_key, "STT": 1, "MA_BN": "BN000123", "HO_TEN": name, "SO_CCCD": citizen_id, "NGAY_SINH": birth,
        "GIOI_TINH": 2, "MA_QUOCTICH": "000", "MA_DANTOC": "01", "DIA_CHI": "Hà Nội", "MA_THE_BHYT": card,
        "MA_DKBD": facility, "GT_THE_TU": "20200101", "GT_THE_DEN": "20991231", "LY_DO_VV": "Sốt, ho",
        "CHAN_DOAN_VAO": "Viêm họng", "CHAN_DOAN_RV": "Viêm họng cấp", "MA_BENH_CHINH": "J02.9",
        "MA_DOITUONG_KCB": "1.1", "NGAY_VAO": admitted, "NGAY_RA": discharged, "SO_NGAY_DTRI": 1, "KET_QUA_DTRI": 2,
        "MA_LOAI_RV": 1, "NGAY_TTOAN": discharged, "T_THUOC": _sum(drugs, "THANH_TIEN_BV"), "T_VTYT": "0",
        "T_TONGCHI_BV": total_override or _sum(lines, "THANH_TIEN_BV"), "T_TONGCHI_BH": _sum(lines, "THANH_TIEN_BH"),
        "T_BNTT": _sum(lines, "T_BNTT"), "T_BNCCT": _sum(lines, "T_BNCCT"),
        "T_BHTT": hi_paid_override or _sum(lines, "T_BHTT"), "T_NGUONKHAC": "0", "NAM_QT": admitted[:4],
        "THANG_QT": int(admitted[4:6]), "MA_LOAI_KCB": "01", "MA_KHOA": "K01", "MA_CSKCB": facility,
    }  # fmt: skip
    return {"XML1": xml1(summary), "XML2": xml2(drugs), "XML3": xml3(services)}
