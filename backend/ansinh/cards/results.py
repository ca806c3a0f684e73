"""Result codes of a card check: the national gateway's codes where one exists, our 2xx range for token faults."""

from datetime import date
from enum import StrEnum


class CheckResult(StrEnum):
    """The answer to "is this card genuine and in force?" (DESIGN.md, "Card token")."""

    VALID = "000"
    CARD_EXPIRED = "010"
    CARD_NOT_YET_VALID = "011"  # AnSinh addition: valid-from is still ahead
    CARD_SUSPENDED = "020"
    NO_SUCH_CARD = "050"
    MALFORMED_ID = "051"
    NAME_MISMATCH = "060"
    BIRTH_DATE_MISMATCH = "070"
    CARD_REVOKED = "110"
    MALFORMED_TOKEN = "201"
    BAD_SIGNATURE = "202"
    UNKNOWN_KEY = "203"
    ALGORITHM_NOT_ALLOWED = "204"
    TOKEN_EXPIRED = "205"

    @property
    def valid(self) -> bool:
        return self is CheckResult.VALID

    @property
    def message(self) -> str:
        return _MESSAGES[self][0]

    @property
    def message_vi(self) -> str:
        return _MESSAGES[self][1]


_MESSAGES: dict[CheckResult, tuple[str, str]] = {
    CheckResult.VALID: ("Genuine card token; the card is in force.", "Thẻ hợp lệ, còn giá trị sử dụng."),
    CheckResult.CARD_EXPIRED: ("The card has expired.", "Thẻ đã hết giá trị sử dụng."),
    CheckResult.CARD_NOT_YET_VALID: ("The card is not in force yet.", "Thẻ chưa đến thời hạn sử dụng."),
    CheckResult.CARD_SUSPENDED: ("The card is suspended.", "Thẻ đang bị tạm dừng."),
    CheckResult.NO_SUCH_CARD: ("No such card.", "Không tìm thấy thông tin thẻ."),
    CheckResult.MALFORMED_ID: (
        "Malformed card number or citizen ID.",
        "Mã thẻ hoặc số CCCD không đúng định dạng.",
    ),
    CheckResult.NAME_MISMATCH: ("The name does not match the card.", "Họ tên không khớp với thẻ."),
    CheckResult.BIRTH_DATE_MISMATCH: ("The birth date does not match the card.", "Ngày sinh không khớp với thẻ."),
    CheckResult.CARD_REVOKED: (
        "The card was revoked or replaced by a reissued card.",
        "Thẻ đã bị thu hồi hoặc đã được cấp lại thẻ mới.",
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
}


def card_standing(*, status: str, valid_from: date, valid_to: date, today: date) -> CheckResult:
    """What a card's registry state says on ``today``: revoked, suspended, out of its dates, or valid."""
    if status == "revoked":
        return CheckResult.CARD_REVOKED
    if status == "suspended":
        return CheckResult.CARD_SUSPENDED
    if today > valid_to:
        return CheckResult.CARD_EXPIRED
    if today < valid_from:
        return CheckResult.CARD_NOT_YET_VALID
    return CheckResult.VALID


def card_standing_sql(*, status: str, valid_from: str, valid_to: str, today: str) -> str:
    """``card_standing`` as a SQL CASE over the given column expressions, for statements that judge a card where
    they read it (the one-statement QR scan); ``tests/cards/test_standing_sql.py`` holds the two equal."""
    return (
        f"CASE WHEN {status} = 'revoked' THEN '{CheckResult.CARD_REVOKED.value}'"
        f" WHEN {status} = 'suspended' THEN '{CheckResult.CARD_SUSPENDED.value}'"
        f" WHEN {today} > {valid_to} THEN '{CheckResult.CARD_EXPIRED.value}'"
        f" WHEN {today} < {valid_from} THEN '{CheckResult.CARD_NOT_YET_VALID.value}'"
        f" ELSE '{CheckResult.VALID.value}' END"
    )
