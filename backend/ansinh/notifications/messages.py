"""What each notification says, in Vietnamese and English, rendered from its stored parameters.

Rows keep parameters, not text, so the inbox reads in whichever language the citizen uses today.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ansinh.core.time import VN_TZ, parse_month

Language = str  # "vi" or "en"
LANGUAGES = ("vi", "en")

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

APPLICATION_KINDS: dict[str, tuple[str, str]] = {
    "card_reissue": ("cấp lại thẻ BHYT", "health-insurance card reissue"),
    "facility_change": ("đổi nơi đăng ký KCB ban đầu", "change of primary care facility"),
    "info_correction": ("điều chỉnh thông tin", "correction of personal details"),
    "voluntary_registration": ("đăng ký BHXH tự nguyện", "voluntary social insurance registration"),
    "visit_dispute": ("phản ánh lượt khám", "visit dispute"),
}
DISPUTE_DECISIONS: dict[str, tuple[str, str]] = {
    "upheld": ("đã được chấp nhận", "has been upheld"),
    "rejected": ("không được chấp nhận", "has not been upheld"),
}
APPLICATION_STATUSES: dict[str, tuple[str, str]] = {
    "submitted": ("đã được tiếp nhận", "has been received"),
    "in_review": ("đang được xem xét", "is being reviewed"),
    "approved": ("đã được chấp thuận", "has been approved"),
    "rejected": ("đã bị từ chối", "has been rejected"),
    "done": ("đã hoàn tất", "is complete"),
    "withdrawn": ("đã được rút", "has been withdrawn"),
}


def _unknown(language: Language) -> str:
    return "(không rõ)" if language == "vi" else "(unknown)"


def _text(params: dict[str, Any], name: str, fallback: str = "") -> str:
    value = params.get(name)
    return fallback if value is None else str(value)


def format_date(value: Any, language: Language) -> str:
    """A date as people write it: 31/12/2026 in Vietnamese, 31 December 2026 in English."""
    if value is None or value == "":
        return _unknown(language)
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day:%d/%m/%Y}" if language == "vi" else f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_month(value: Any, language: Language) -> str:
    """``YYYY-MM`` as "tháng 10/2026" or "October 2026"."""
    if value is None or value == "":
        return _unknown(language)
    try:
        year, month = parse_month(str(value))
    except ValueError:
        return str(value)
    return f"tháng {month:02d}/{year}" if language == "vi" else f"{_MONTHS_EN[month - 1]} {year}"


def format_time(value: Any, language: Language) -> str:
    """A UTC ISO timestamp in Vietnam time: "14:05 ngày 26/11/2026" or "14:05 on 26 November 2026"."""
    if value is None or value == "":
        return _unknown(language)
    try:
        moment = datetime.fromisoformat(str(value)).astimezone(VN_TZ)
    except ValueError:
        return str(value)
    joiner = "ngày" if language == "vi" else "on"
    return f"{moment:%H:%M} {joiner} {format_date(moment.date(), language)}"


def format_money(value: Any, language: Language) -> str:
    """Whole VND as people write it: 18.500.000 ₫ in Vietnamese, 18,500,000 ₫ in English."""
    if isinstance(value, bool) or not isinstance(value, int):
        return _unknown(language)
    text = f"{value:,}"
    return f"{text.replace(',', '.') if language == 'vi' else text} ₫"


def _employer(p: dict[str, Any], lang: Language) -> str:
    return _text(p, "employer", "Đơn vị" if lang == "vi" else "Your employer")


def _arrears(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    if "months" in p:
        return _arrears_months(p, lang)
    employer = _text(p, "employer", "đơn vị" if lang == "vi" else "your employer")
    month = format_month(p.get("month"), lang)
    if lang == "vi":
        return (
            "Đơn vị chưa đóng BHXH",
            f"{employer} chưa đóng bảo hiểm xã hội {month} cho bạn. Thời gian này chưa được tính cho đến khi "
            "đơn vị đóng đủ; bạn có thể liên hệ đơn vị hoặc cơ quan BHXH.",
        )
    return (
        "Employer has not paid social insurance",
        f"{employer} has not paid your social insurance for {month}. These months do not count until it pays; "
        "you may contact your employer or the social insurance office.",
    )


def _arrears_months(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    """The monthly notice computed from the employer's ledger: how many declared months are still unpaid."""
    employer = _employer(p, lang)
    count = p.get("months")
    first, last = format_month(p.get("first_month"), lang), format_month(p.get("last_month"), lang)
    span = (
        first
        if p.get("first_month") == p.get("last_month")
        else (f"{first} – {last}" if lang == "en" else f"từ {first} đến {last}")
    )
    if lang == "vi":
        return (
            "Đơn vị chưa đóng BHXH",
            f"{employer} chưa đóng bảo hiểm {count} tháng cho bạn ({span}). Những tháng này vẫn là của bạn: được "
            "tính khi đơn vị đóng đủ, và thẻ BHYT vẫn có giá trị khi bạn còn được khai báo. Bạn có thể liên hệ đơn "
            "vị hoặc cơ quan BHXH.",
        )
    months = "1 month" if count == 1 else f"{count} months"
    return (
        "Your employer has not paid",
        f"{employer} has not paid {months} of your contributions ({span}). Those months are still yours: they "
        "count once it pays, and your health-insurance card stays in force while you are declared. You may "
        "contact your employer or the social insurance office.",
    )


def _salary_declared(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    employer, month, salary = (
        _employer(p, lang),
        format_month(p.get("month"), lang),
        format_money(p.get("salary"), lang),
    )
    if lang == "vi":
        return (
            "Đơn vị đã khai báo tiền lương",
            f"{employer} đã khai báo tiền lương đóng bảo hiểm của bạn {month} là {salary}.",
        )
    return ("Salary declared", f"{employer} declared your salary of {salary} for {month}.")


def _contributions_paid(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    employer, month = _employer(p, lang), format_month(p.get("month"), lang)
    if lang == "vi":
        return ("Đã đóng bảo hiểm", f"Tiền đóng bảo hiểm {month} của bạn đã được {employer} đóng đủ.")
    return ("Contributions paid", f"Your contributions for {month} were paid by {employer}.")


def _employment_started(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    employer, month = _employer(p, lang), format_month(p.get("month"), lang)
    card_from = format_date(p.get("card_valid_from"), lang)
    if lang == "vi":
        body = f"{employer} đã báo tăng bạn tham gia bảo hiểm bắt buộc từ {month}."
        if p.get("card_issued"):
            body += f" Bạn được cấp thẻ BHYT có giá trị từ ngày {card_from}; thẻ có trong mục Thẻ."
        return ("Đơn vị đã báo tăng", body)
    body = f"{employer} declared you as its employee for compulsory insurance from {month}."
    if p.get("card_issued"):
        body += f" A health-insurance card was issued to you, in force from {card_from}: see Card."
    return ("You were declared by an employer", body)


def _employment_ended(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    employer, month = _employer(p, lang), format_month(p.get("month"), lang)
    until = format_date(p.get("covered_until"), lang)
    if lang == "vi":
        return (
            "Đơn vị đã báo giảm",
            f"{employer} đã báo giảm bạn từ {month}. Thẻ BHYT của bạn còn giá trị đến hết ngày {until}; sau đó thẻ "
            "bị báo giảm nếu không có nơi khác đóng BHYT cho bạn (đơn vị mới, hộ gia đình). Bạn có thể tham gia BHYT "
            "hộ gia đình trong mục Hộ gia đình, và đăng ký BHXH tự nguyện trong mục Dịch vụ để tiếp tục tích lũy thời "
            "gian đóng (BHXH tự nguyện không gồm BHYT).",
        )
    return (
        "Your employer reported you leaving",
        f"{employer} reported you leaving from {month}. Your health-insurance card stays in force until {until}; "
        "after that it is reported reduced unless someone else covers you (a new employer, your household). You "
        "can join household health insurance under Household, and register for voluntary social insurance under "
        "Services to keep adding to your contribution years (voluntary social insurance does not include health "
        "insurance).",
    )


def _coverage_changed(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    since = format_date(p.get("since"), lang)
    outcome = p.get("outcome")
    if outcome == "employer":
        employer = _employer(p, lang)
        if lang == "vi":
            return (
                "Thẻ BHYT tiếp tục",
                f"Thẻ BHYT của bạn tiếp tục có giá trị từ ngày {since}: {employer} khai báo bạn.",
            )
        return (
            "Your card carries on",
            f"Your health-insurance card stays in force from {since}: {employer} declares you.",
        )
    if outcome == "household":
        until = format_date(p.get("valid_to"), lang)
        if lang == "vi":
            return (
                "Thẻ BHYT chuyển sang hộ gia đình",
                f"Từ ngày {since}, thẻ BHYT của bạn tiếp tục theo BHYT hộ gia đình, có giá trị đến ngày {until}.",
            )
        return (
            "Your card moved to your household",
            f"From {since} your health-insurance card continues under your household's insurance, until {until}.",
        )
    code = _text(p, "code")
    if lang == "vi":
        return (
            "Thẻ BHYT đã bị báo giảm",
            f"Từ ngày {since}, thẻ BHYT của bạn đã bị báo giảm (mã {code}): cơ sở khám chữa bệnh sẽ không nhận thẻ. "
            "Bạn có thể tham gia BHYT hộ gia đình trong mục Hộ gia đình.",
        )
    return (
        "Your card was reported reduced",
        f"From {since} your health-insurance card is reported reduced (code {code}): facilities will not accept it. "
        "You can join household health insurance under Household.",
    )


def _card_expiring(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    until = format_date(p.get("valid_to"), lang)
    if lang == "vi":
        return (
            "Thẻ BHYT sắp hết hạn",
            f"Thẻ BHYT của bạn hết hạn sử dụng ngày {until}. Hãy gia hạn để không bị gián đoạn.",
        )
    return ("Health-insurance card ends soon", f"Your health-insurance card ends on {until}. Renew it to stay covered.")


def _household_due(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    until = format_date(p.get("covered_until"), lang)
    count = p.get("members")
    if lang == "vi":
        who = f"{count} thành viên" if isinstance(count, int) else "Thành viên"
        return (
            "Đến hạn đóng BHYT hộ gia đình",
            f"{who} trong hộ được BHYT đến hết ngày {until}. Hãy đóng tiếp để thẻ không bị gián đoạn.",
        )
    if count == 1:
        who = "1 member of your household is"
    else:
        who = f"{count} members of your household are" if isinstance(count, int) else "Members of your household are"
    return (
        "Household health insurance is due",
        f"{who} covered until {until}. Pay for the next period to keep their cards valid.",
    )


def _application_status(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    index = 0 if lang == "vi" else 1
    kind = APPLICATION_KINDS.get(_text(p, "kind"), ("hồ sơ", "application"))[index]
    status = APPLICATION_STATUSES.get(_text(p, "status"), ("đã được cập nhật", "has been updated"))[index]
    if p.get("decision") in DISPUTE_DECISIONS:  # a dispute is upheld or not, rather than "complete" or "rejected"
        status = DISPUTE_DECISIONS[p["decision"]][index]
    reference = _text(p, "reference", "")
    reason = p.get("reason")
    if lang == "vi":
        body = f"Hồ sơ {kind} {reference} {status}.".replace("  ", " ")
        if reason:
            body += f" Lý do: {reason}"
        return ("Cập nhật hồ sơ", body)
    body = f"Your {kind} application {reference} {status}.".replace("  ", " ")
    if reason:
        body += f" Reason: {reason}"
    return ("Application update", body)


def _card_checked(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    facility = _text(p, "facility", "một cơ sở khám chữa bệnh" if lang == "vi" else "a medical facility")
    at = format_time(p.get("checked_at"), lang)
    if lang == "vi":
        return ("Thẻ BHYT vừa được kiểm tra", f"{facility} đã kiểm tra thẻ BHYT của bạn lúc {at}.")
    return ("Your card was checked", f"{facility} checked your health-insurance card at {at}.")


def _visit_recorded(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    facility = _text(p, "facility", "một cơ sở khám chữa bệnh" if lang == "vi" else "a medical facility")
    day = format_date(p.get("admission_date"), lang)
    if p.get("status") == "in_progress":
        if lang == "vi":
            return ("Ghi nhận lượt khám mới", f"{facility} đã tiếp nhận bạn khám chữa bệnh BHYT ngày {day}.")
        return ("New visit recorded", f"{facility} recorded an insured visit of yours on {day}.")
    if lang == "vi":
        return ("Hồ sơ khám chữa bệnh đã gửi", f"{facility} đã gửi hồ sơ thanh toán BHYT lượt khám ngày {day}.")
    return ("Visit claim recorded", f"{facility} sent the health-insurance claim of your visit of {day}.")


def _new_device(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    device = _text(p, "device") or ("thiết bị không xác định" if lang == "vi" else "an unknown device")
    at = format_time(p.get("signed_in_at"), lang)
    if lang == "vi":
        return (
            "Đăng nhập từ thiết bị mới",
            f"Tài khoản của bạn vừa đăng nhập trên {device} lúc {at}. Nếu không phải bạn, hãy đăng xuất phiên đó "
            "và đổi mật khẩu.",
        )
    return (
        "New sign-in to your account",
        f"Your account was signed in on {device} at {at}. If this was not you, sign that session out and change "
        "your password.",
    )


def _dispute_update(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    facility = _text(p, "facility") or ("Cơ sở khám chữa bệnh" if lang == "vi" else "The medical facility")
    reference = _text(p, "reference")
    if p.get("event") == "facility_response":
        if lang == "vi":
            return ("Cơ sở KCB đã trả lời phản ánh", f"{facility} đã trả lời phản ánh {reference} của bạn.")
        return ("The facility answered your dispute", f"{facility} answered your dispute {reference}.")
    if lang == "vi":
        return (
            "Lượt khám đang phản ánh được gửi lại",
            f"{facility} đã gửi lại hồ sơ lượt khám bạn đang phản ánh ({reference}). Phản ánh vẫn được xem xét.",
        )
    return (
        "A disputed visit was sent again",
        f"{facility} sent the visit you dispute ({reference}) again. Your dispute stays open until it is decided.",
    )


def _money_text(value: Any, lang: Language) -> str:
    if not isinstance(value, int):
        return _unknown(lang)
    grouped = f"{value:,}"
    return f"{grouped.replace(',', '.')} đồng" if lang == "vi" else f"{grouped} VND"


def _copayment_cap(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    year = _text(p, "year")
    total, cap = _money_text(p.get("total"), lang), _money_text(p.get("cap"), lang)
    since = format_date(p.get("eligible_from"), lang)
    if lang == "vi":
        return (
            "Bạn không phải cùng chi trả đến hết năm",
            f"Năm {year}, tiền cùng chi trả khám chữa bệnh của bạn là {total}, vượt 6 tháng lương cơ sở ({cap}), và "
            f"bạn đã tham gia BHYT 5 năm liên tục: từ ngày {since} đến hết năm bạn không phải cùng chi trả. Hãy mang "
            "thẻ BHYT và chứng từ thu tiền cùng chi trả đến cơ quan BHXH để được cấp Giấy chứng nhận không cùng chi "
            "trả trong năm, rồi xuất trình giấy này khi đi khám.",
        )
    return (
        "No more co-payment this year",
        f"Your co-payments in {year} come to {total}, more than 6 months of base salary ({cap}), and you have 5 "
        f"continuous years of cover: from {since} to the end of the year you owe no co-payment. Take your card and "
        "the receipts of your co-payments to the social security office for the certificate of no co-payment "
        "for the year, and show it at each visit.",
    )


def _copayment_exempt(p: dict[str, Any], lang: Language) -> tuple[str, str]:
    since, until = format_date(p.get("exempt_from"), lang), format_date(p.get("until"), lang)
    if lang == "vi":
        return (
            "Đã ghi nhận miễn cùng chi trả",
            f"Thẻ BHYT của bạn được miễn cùng chi trả từ ngày {since} đến ngày {until}.",
        )
    return ("Co-payment exemption recorded", f"Your card owes no co-payment from {since} to {until}.")


_RENDERERS: dict[str, Callable[[dict[str, Any], Language], tuple[str, str]]] = {
    "arrears_found": _arrears,
    "card_expiring": _card_expiring,
    "household_payment_due": _household_due,
    "application_status": _application_status,
    "card_checked": _card_checked,
    "new_device_sign_in": _new_device,
    "visit_recorded": _visit_recorded,
    "salary_declared": _salary_declared,
    "contributions_paid": _contributions_paid,
    "employment_started": _employment_started,
    "employment_ended": _employment_ended,
    "coverage_changed": _coverage_changed,
    "dispute_update": _dispute_update,
    "copayment_cap_reached": _copayment_cap,
    "copayment_exempt": _copayment_exempt,
}


def render(kind: str, params: dict[str, Any], language: Language) -> tuple[str, str]:
    """The (title, body) of a notification in ``language`` ("vi" or "en"; anything else reads Vietnamese)."""
    lang = "en" if language == "en" else "vi"
    renderer = _RENDERERS.get(kind)
    if renderer is None:  # a kind added later and read by an older worker: say something rather than fail
        return ("Thông báo", "Bạn có thông báo mới.") if lang == "vi" else ("Notification", "You have a new notice.")
    return renderer(params or {}, lang)
