"""Result codes of every card check (QR verify, look-up, the national gateway's card check): ONE table.

Every code of the national gateway (CV 1923/BHXH-CNTT appendix 03, ``specs/vss-gateway.md``) keeps its official
meaning. Outcomes only AnSinh has take codes from the ``9xx`` range, which no official code uses:
``901`` malformed token, ``902`` bad signature, ``903`` unknown key, ``904`` algorithm not allowed, ``905`` expired
token, ``911`` card not yet in force, ``920`` card suspended (docs/offline-verification.md lists the same table).
"""

from datetime import date
from enum import StrEnum


class CheckResult(StrEnum):
    """The answer to "is this card genuine and in force?" (kết quả kiểm tra thẻ)."""

    VALID = "000"
    DEFENCE_CARD = "001"  # official: managed by the Ministry of Defence's SI: check the card and identity papers
    POLICE_CARD = "002"  # official: managed by the Public Security's SI: check the card and identity papers
    REPLACED_EXPIRED = "003"  # official: old card's dates passed, a new card was issued
    REPLACED_VALID = "004"  # official: old card still running, a new card was issued
    CARD_EXPIRED = "010"
    NO_SUCH_CARD = "050"
    MALFORMED_ID = "051"
    WRONG_PROVINCE = "052"
    WRONG_BENEFIT_LEVEL = "053"
    STAFF_NOT_REGISTERED = "054"
    STAFF_NAME_MISMATCH = "055"
    NAME_MISMATCH = "060"
    NAME_MISMATCH_INITIAL_OK = "061"
    BIRTH_DATE_MISMATCH = "070"
    READ_ERROR = "100"
    SERVER_ERROR = "101"
    CARD_WITHDRAWN = "110"
    DECREASED = "120"
    DECREASED_MOVED_OUT = "121"
    DECREASED_MOVED_WITHIN = "122"
    DECREASED_SAME_EMPLOYER = "123"
    DECREASED_STOPPED = "124"
    CHILD_WITHOUT_CARD = "130"
    BAD_PARAMETER = "205"
    AUTHENTICATION_FAILED = "401"
    # AnSinh only (9xx): faults of a signed QR token, and card states the national table has no code for.
    MALFORMED_TOKEN = "901"
    BAD_SIGNATURE = "902"
    UNKNOWN_KEY = "903"
    ALGORITHM_NOT_ALLOWED = "904"
    TOKEN_EXPIRED = "905"
    CARD_NOT_YET_VALID = "911"
    CARD_SUSPENDED = "920"

    @property
    def valid(self) -> bool:
        """The card is genuine and in force (001/002: so, with the identity papers to be checked)."""
        return self in _IN_FORCE

    @property
    def holder_matched(self) -> bool:
        """The holder's fields may be answered: the gateway's codes 000, 001–004, 010, 110, 120–124 (spec)."""
        return self in _HOLDER_MATCHED

    @property
    def message(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_vi(self) -> str:
        return _MESSAGES[self][1]


_IN_FORCE = frozenset({CheckResult.VALID, CheckResult.DEFENCE_CARD, CheckResult.POLICE_CARD})
_HOLDER_MATCHED = frozenset(
    {
        CheckResult.VALID,
        CheckResult.DEFENCE_CARD,
        CheckResult.POLICE_CARD,
        CheckResult.REPLACED_EXPIRED,
        CheckResult.REPLACED_VALID,
        CheckResult.CARD_EXPIRED,
        CheckResult.CARD_WITHDRAWN,
        CheckResult.DECREASED,
        CheckResult.DECREASED_MOVED_OUT,
        CheckResult.DECREASED_MOVED_WITHIN,
        CheckResult.DECREASED_SAME_EMPLOYER,
        CheckResult.DECREASED_STOPPED,
    }
)

_MESSAGES: dict[CheckResult, tuple[str, str]] = {
    CheckResult.VALID: ("Card information correct; the card is in force.", "Thông tin thẻ chính xác."),
    CheckResult.DEFENCE_CARD: (
        "Card managed by the Ministry of Defence's social security: check the card and identity papers.",
        "Thẻ do BHXH Bộ Quốc phòng quản lý, đề nghị kiểm tra thẻ và thông tin giấy tờ tùy thân.",
    ),
    CheckResult.POLICE_CARD: (
        "Card managed by the Public Security's social security: check the card and identity papers.",
        "Thẻ do BHXH Bộ Công an quản lý, đề nghị kiểm tra thẻ và thông tin giấy tờ tùy thân.",
    ),
    CheckResult.REPLACED_EXPIRED: (
        "The old card has expired; a new card was issued.",
        "Thẻ cũ hết giá trị sử dụng nhưng đã được cấp thẻ mới.",
    ),
    CheckResult.REPLACED_VALID: (
        "The old card is still valid; a new card was issued.",
        "Thẻ cũ còn giá trị sử dụng nhưng đã được cấp thẻ mới.",
    ),
    CheckResult.CARD_EXPIRED: ("The card has expired.", "Thẻ hết giá trị sử dụng."),
    CheckResult.NO_SUCH_CARD: ("No card information.", "Mã thẻ không có thông tin."),
    CheckResult.MALFORMED_ID: ("Wrong card code.", "Mã thẻ không đúng."),
    CheckResult.WRONG_PROVINCE: (
        "Wrong province code (characters 4–5) in the card code.",
        "Mã tỉnh cấp thẻ (kí tự thứ 4,5 của mã thẻ) không đúng.",
    ),
    CheckResult.WRONG_BENEFIT_LEVEL: (
        "Wrong benefit-level code (character 3) in the card code.",
        "Mã quyền lợi thẻ (kí tự thứ 3 của mã thẻ) không đúng.",
    ),
    CheckResult.STAFF_NOT_REGISTERED: (
        "The checking staff member's citizen ID is not in the facility's registered list.",
        "Số CCCD của cán bộ tra cứu không có trong danh sách đã đăng ký của cơ sở.",
    ),
    CheckResult.STAFF_NAME_MISMATCH: (
        "The checking staff member's name does not match their citizen ID.",
        "Họ tên cán bộ tra cứu không khớp với số CCCD đã đăng ký.",
    ),
    CheckResult.NAME_MISMATCH: ("Wrong name.", "Họ tên không đúng."),
    CheckResult.NAME_MISMATCH_INITIAL_OK: ("Wrong name (first letter correct).", "Họ tên không đúng (đúng ký tự đầu)."),
    CheckResult.BIRTH_DATE_MISMATCH: ("Wrong birth date.", "Ngày sinh không đúng."),
    CheckResult.READ_ERROR: ("Error while reading the card data.", "Lỗi khi lấy dữ liệu số thẻ."),
    CheckResult.SERVER_ERROR: ("Server error.", "Lỗi server."),
    CheckResult.CARD_WITHDRAWN: ("The card was withdrawn.", "Thẻ đã thu hồi."),
    CheckResult.DECREASED: ("The card was reported reduced.", "Thẻ đã báo giảm."),
    CheckResult.DECREASED_MOVED_OUT: (
        "The card was reported reduced: moved out of the province.",
        "Thẻ đã báo giảm. Giảm chuyển ngoại tỉnh.",
    ),
    CheckResult.DECREASED_MOVED_WITHIN: (
        "The card was reported reduced: moved within the province.",
        "Thẻ đã báo giảm. Giảm chuyển nội tỉnh.",
    ),
    CheckResult.DECREASED_SAME_EMPLOYER: (
        "The card was reported reduced: re-enrolled at the same employer.",
        "Thẻ đã báo giảm. Do tăng lại cùng đơn vị.",
    ),
    CheckResult.DECREASED_STOPPED: (
        "The card was reported reduced: stopped participating.",
        "Thẻ đã báo giảm. Ngừng tham gia.",
    ),
    CheckResult.CHILD_WITHOUT_CARD: ("A child who did not present a card.", "Trẻ em không xuất trình thẻ."),
    CheckResult.BAD_PARAMETER: ("Wrong parameter format.", "Lỗi sai định dạng tham số."),
    CheckResult.AUTHENTICATION_FAILED: (
        "Authentication failed (bad or expired session).",
        "Lỗi xác thực tài khoản (phiên không hợp lệ hoặc đã hết hạn).",
    ),
    CheckResult.MALFORMED_TOKEN: ("This is not an AnSinh card code.", "Mã QR không phải mã thẻ AnSinh hợp lệ."),
    CheckResult.BAD_SIGNATURE: (
        "The signature does not verify: the code was altered or forged.",
        "Chữ ký không hợp lệ: mã đã bị sửa hoặc giả mạo.",
    ),
    CheckResult.UNKNOWN_KEY: ("The code was signed with an unknown key.", "Mã được ký bằng khóa không xác định."),
    CheckResult.ALGORITHM_NOT_ALLOWED: (
        "The code uses a signature algorithm that is not allowed.",
        "Mã dùng thuật toán chữ ký không được chấp nhận.",
    ),
    CheckResult.TOKEN_EXPIRED: (
        "The code has expired; ask the patient to refresh it.",
        "Mã đã hết hạn; đề nghị người bệnh làm mới mã.",
    ),
    CheckResult.CARD_NOT_YET_VALID: ("The card is not in force yet.", "Thẻ chưa đến thời hạn sử dụng."),
    CheckResult.CARD_SUSPENDED: ("The card is suspended.", "Thẻ đang bị tạm dừng."),
}

# Beneficiary groups whose cards the armed forces' and the police's social security manage (001 / 002).
DEFENCE_GROUPS = ("QN", "CY")  # quân nhân, cơ yếu: BHXH Bộ Quốc phòng
POLICE_GROUPS = ("CA",)  # công an nhân dân: BHXH Bộ Công an
# A reported decrease (báo giảm) and its reason: the reason's code.
DECREASE_CODES: dict[str, CheckResult] = {
    "reported": CheckResult.DECREASED,
    "moved_out_of_province": CheckResult.DECREASED_MOVED_OUT,
    "moved_within_province": CheckResult.DECREASED_MOVED_WITHIN,
    "re_enrolled_same_employer": CheckResult.DECREASED_SAME_EMPLOYER,
    "stopped": CheckResult.DECREASED_STOPPED,
}


def card_standing(
    *,
    status: str,
    valid_from: date,
    valid_to: date,
    today: date,
    beneficiary_group: str = "",
    decrease_reason: str | None = None,
) -> CheckResult:
    """What a card's registry state says on ``today`` (the spec's order): withdrawn, reported reduced, replaced,
    suspended, out of its dates, else valid (001/002 for the armed forces' and police's groups)."""
    if status == "withdrawn":
        return CheckResult.CARD_WITHDRAWN
    if status == "decreased":
        return DECREASE_CODES.get(decrease_reason or "", CheckResult.DECREASED)
    if status == "replaced":
        return CheckResult.REPLACED_EXPIRED if today > valid_to else CheckResult.REPLACED_VALID
    if status == "suspended":
        return CheckResult.CARD_SUSPENDED
    if today > valid_to:
        return CheckResult.CARD_EXPIRED
    if today < valid_from:
        return CheckResult.CARD_NOT_YET_VALID
    if beneficiary_group in DEFENCE_GROUPS:
        return CheckResult.DEFENCE_CARD
    if beneficiary_group in POLICE_GROUPS:
        return CheckResult.POLICE_CARD
    return CheckResult.VALID


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def card_standing_sql(
    *, status: str, valid_from: str, valid_to: str, today: str, beneficiary_group: str, decrease_reason: str
) -> str:
    """``card_standing`` as a SQL CASE over the given column expressions: the one-statement QR scan judges a card
    where it reads it, in one round trip; ``tests/clinics/test_token_scans.py`` holds the two equal."""
    decreased = " ".join(
        f"WHEN {decrease_reason} = '{reason}' THEN '{code.value}'" for reason, code in DECREASE_CODES.items()
    )
    return (
        f"CASE WHEN {status} = 'withdrawn' THEN '{CheckResult.CARD_WITHDRAWN.value}'"
        f" WHEN {status} = 'decreased' THEN (CASE {decreased} ELSE '{CheckResult.DECREASED.value}' END)"
        f" WHEN {status} = 'replaced' AND {today} > {valid_to} THEN '{CheckResult.REPLACED_EXPIRED.value}'"
        f" WHEN {status} = 'replaced' THEN '{CheckResult.REPLACED_VALID.value}'"
        f" WHEN {status} = 'suspended' THEN '{CheckResult.CARD_SUSPENDED.value}'"
        f" WHEN {today} > {valid_to} THEN '{CheckResult.CARD_EXPIRED.value}'"
        f" WHEN {today} < {valid_from} THEN '{CheckResult.CARD_NOT_YET_VALID.value}'"
        f" WHEN {beneficiary_group} IN ({_sql_list(DEFENCE_GROUPS)}) THEN '{CheckResult.DEFENCE_CARD.value}'"
        f" WHEN {beneficiary_group} IN ({_sql_list(POLICE_GROUPS)}) THEN '{CheckResult.POLICE_CARD.value}'"
        f" ELSE '{CheckResult.VALID.value}' END"
    )
