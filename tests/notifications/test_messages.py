"""Every notice reads well in both languages, for every application kind and status the applications code sends."""

import pytest

from ansinh.notifications.messages import APPLICATION_KINDS, APPLICATION_STATUSES, render
from ansinh.notifications.models import NotificationKind

KINDS = ["card_reissue", "facility_change", "info_correction", "voluntary_registration", "visit_dispute"]
STATUSES = ["submitted", "in_review", "approved", "rejected", "done", "withdrawn"]


def test_the_contracts_application_kinds_and_statuses_all_have_texts() -> None:
    assert sorted(APPLICATION_KINDS) == sorted(KINDS)
    assert sorted(APPLICATION_STATUSES) == sorted(STATUSES)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", KINDS)
def test_application_status_notices_name_the_reference_kind_and_status(kind: str, status: str) -> None:
    params = {"reference": "HS-2026-000007", "kind": kind, "status": status, "reason": None}
    vi_title, vi_body = render(NotificationKind.APPLICATION_STATUS, params, "vi")
    en_title, en_body = render(NotificationKind.APPLICATION_STATUS, params, "en")
    assert (vi_title, en_title) == ("Cập nhật hồ sơ", "Application update")
    assert vi_body == f"Hồ sơ {APPLICATION_KINDS[kind][0]} HS-2026-000007 {APPLICATION_STATUSES[status][0]}."
    assert en_body == f"Your {APPLICATION_KINDS[kind][1]} application HS-2026-000007 {APPLICATION_STATUSES[status][1]}."


def test_a_rejection_carries_its_reason() -> None:
    params = {"reference": "HS-1", "kind": "info_correction", "status": "rejected", "reason": "Thiếu giấy tờ"}
    assert render("application_status", params, "vi")[1].endswith("đã bị từ chối. Lý do: Thiếu giấy tờ")
    assert render("application_status", params, "en")[1].endswith("has been rejected. Reason: Thiếu giấy tờ")


def test_dates_months_and_times_are_written_as_people_read_them() -> None:
    expiring = {"serial": "T1", "valid_to": "2027-01-09"}
    assert "09/01/2027" in render("card_expiring", expiring, "vi")[1]
    assert "9 January 2027" in render("card_expiring", expiring, "en")[1]
    arrears = {"month": "2026-12", "employer": "Công ty A", "employer_id": 1}
    assert "tháng 12/2026" in render("arrears_found", arrears, "vi")[1]
    assert "December 2026" in render("arrears_found", arrears, "en")[1]
    checked = {"facility": "Bệnh viện Chợ Rẫy", "checked_at": "2026-11-26T17:30:00+00:00"}  # 00:30 next day in Vietnam
    assert (
        render("card_checked", checked, "vi")[1]
        == "Bệnh viện Chợ Rẫy đã kiểm tra thẻ BHYT của bạn lúc 00:30 ngày 27/11/2026."
    )
    assert render("card_checked", checked, "en")[1].endswith("at 00:30 on 27 November 2026.")


@pytest.mark.parametrize(
    ("members", "phrase"), [(1, "1 member of your household is"), (3, "3 members of your household are")]
)
def test_household_notice_counts_members(members: int, phrase: str) -> None:
    params = {"household_id": 1, "covered_until": "2026-12-31", "members": members}
    assert render("household_payment_due", params, "en")[1].startswith(f"{phrase} covered until 31 December 2026.")
    assert render("household_payment_due", params, "vi")[1].startswith(f"{members} thành viên trong hộ")


@pytest.mark.parametrize("kind", [k.value for k in NotificationKind])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_missing_or_malformed_params_still_render_without_placeholders(kind: str, language: str) -> None:
    for params in ({}, {"valid_to": "soon", "month": "13/2026", "checked_at": "yesterday", "signed_in_at": 5}):
        title, body = render(kind, params, language)
        assert title
        assert body
        assert "None" not in body
        assert "{" not in body


def test_an_unknown_kind_says_something_generic() -> None:
    assert render("from_the_future", {}, "en") == ("Notification", "You have a new notice.")
    assert render("from_the_future", {}, "xx")[0] == "Thông báo"


@pytest.mark.parametrize(
    ("decision", "vi", "en"),
    [("upheld", "đã được chấp nhận", "has been upheld"), ("rejected", "không được chấp nhận", "has not been upheld")],
)
def test_a_dispute_is_upheld_or_not_rather_than_complete(decision: str, vi: str, en: str) -> None:
    status = "done" if decision == "upheld" else "rejected"
    params = {
        "reference": "HS-9",
        "kind": "visit_dispute",
        "status": status,
        "decision": decision,
        "reason": "Đã xác minh",
    }
    assert render("application_status", params, "vi")[1] == f"Hồ sơ phản ánh lượt khám HS-9 {vi}. Lý do: Đã xác minh"
    assert (
        render("application_status", params, "en")[1]
        == f"Your visit dispute application HS-9 {en}. Reason: Đã xác minh"
    )


def test_a_disputed_visit_sent_again_or_answered_is_told_in_both_languages() -> None:
    sent_again = {"reference": "HS-9", "event": "visit_resubmitted", "facility": "Bệnh viện Bạch Mai"}
    assert render("dispute_update", sent_again, "vi")[1].startswith("Bệnh viện Bạch Mai đã gửi lại hồ sơ lượt khám")
    assert "stays open" in render("dispute_update", sent_again, "en")[1]
    answered = {**sent_again, "event": "facility_response"}
    assert render("dispute_update", answered, "en") == (
        "The facility answered your dispute",
        "Bệnh viện Bạch Mai answered your dispute HS-9.",
    )


def test_the_cap_notice_says_how_much_since_when_and_what_to_do() -> None:
    params = {"year": 2024, "total": 11_000_000, "cap": 10_800_000, "eligible_from": "2024-06-12"}
    title, body = render("copayment_cap_reached", params, "en")
    assert title == "No more co-payment this year"
    assert "11,000,000 VND" in body
    assert "10,800,000 VND" in body
    assert "from 12 June 2024 to the end of the year" in body
    assert "certificate of no co-payment" in body
    assert "10.800.000 đồng" in render("copayment_cap_reached", params, "vi")[1]
