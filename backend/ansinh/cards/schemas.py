"""Request and response bodies of the card API: the card, its tokens, receipts and staff actions."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class CardPublic(BaseModel):
    """The citizen's health-insurance card as printed (thẻ BHYT)."""

    serial: str = Field(description="Serial of this issue of the card (cid in tokens)")
    number: str = Field(description="Card number: the 10-digit SI code")
    legacy_code: str | None = Field(description="Pre-2021 15-character code, e.g. DN4010100000001")
    name: str
    birth_date: str = Field(description="YYYY-MM-DD, or YYYY when only the year is on record")
    sex: Literal["M", "F"]
    beneficiary_group: str = Field(description="Beneficiary group (mã đối tượng)")
    benefit_level: int = Field(description="Benefit level (mức hưởng) 1–5")
    benefit_level_meaning: str
    benefit_level_meaning_vi: str
    primary_facility_code: str
    primary_facility_name: str
    valid_from: date
    valid_to: date
    five_year_date: date | None = Field(description="Date of 5 consecutive years of coverage")
    co_payment_exempt_from: date | None = Field(
        default=None, description="NGAY_MIEN_CCT: no co-payment from this date (the certificate staff recorded)"
    )
    co_payment_exempt_until: date | None = Field(
        default=None, description="31 December of the exemption's year: the certificate covers one calendar year"
    )
    status: Literal["active", "suspended", "replaced", "withdrawn", "decreased"]
    decrease_reason: (
        Literal["reported", "moved_out_of_province", "moved_within_province", "re_enrolled_same_employer", "stopped"]
        | None
    ) = Field(default=None, description="Why the card was reported reduced (báo giảm), when it was")
    in_force: bool = Field(description="Active and today within valid_from..valid_to (Vietnam time)")
    living_area: Literal["K1", "K2", "K3"] | None = Field(
        default=None, description="Mã nơi sinh sống: K1, K2 or K3 when the holder lives in a remote area"
    )


class CardTokenRequest(BaseModel):
    """Which token: a short-lived online code, or a 7-day offline pass."""

    kind: Literal["online", "offline"] = "online"


class CardTokenPublic(BaseModel):
    """A signed card token; show it as a QR code."""

    token: str = Field(description="AS1: + compact JWS (ES256)")
    kind: Literal["online", "offline"]
    kid: str
    issued_at: datetime
    expires_at: datetime


class CardCheckReceipt(BaseModel):
    """One check of the citizen's card by a clinic (the staff member's ID number is never shown)."""

    id: int
    checked_at: datetime
    facility_code: str
    facility_name: str
    staff_name: str
    method: Literal["qr", "lookup", "gateway"]
    result: str
    valid: bool
    message: str
    message_vi: str


class CardActionRequest(BaseModel):
    """Why staff revoke, suspend or reissue a card (kept in the audit log)."""

    reason: str = Field(min_length=3, max_length=200)


class CardDecreaseRequest(CardActionRequest):
    """A reported decrease (báo giảm) and its reason: the check answers 120-124 by the reason."""

    decrease_reason: Literal[
        "reported", "moved_out_of_province", "moved_within_province", "re_enrolled_same_employer", "stopped"
    ]


class CardActionResult(BaseModel):
    """A staff action's outcome."""

    number: str
    status: str
    serial: str
    previous_serial: str | None = None


class CoPaymentExemptionRequest(BaseModel):
    """The certificate of no co-payment for the year (giấy chứng nhận không cùng chi trả trong năm), as issued."""

    exempt_from: date = Field(description="NGAY_MIEN_CCT: the first day of no co-payment, as the certificate says")
    reason: str = Field(min_length=3, max_length=200, description="The certificate's number or the file it rests on")


class CoPaymentExemptionResult(BaseModel):
    """The exemption now recorded with the card."""

    number: str
    serial: str
    co_payment_exempt_from: date
    co_payment_exempt_until: date
