"""Health-insurance cards (thẻ BHYT)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint, or_, text
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, digits_check, fk_field, id_field, in_check, utc_field


class CardStatus(StrEnum):
    """A card's registry state; expiry follows from its dates."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REPLACED = "replaced"  # a reissue took its place (answers 003/004 with the new card's fields)
    WITHDRAWN = "withdrawn"  # thu hồi (answers 110)
    DECREASED = "decreased"  # reported reduced (báo giảm), with its reason (answers 120-124)


class DecreaseReason(StrEnum):
    """Why a card was reported reduced (lý do báo giảm); ``cards/results.py`` maps each to its code 120-124."""

    REPORTED = "reported"
    MOVED_OUT_OF_PROVINCE = "moved_out_of_province"
    MOVED_WITHIN_PROVINCE = "moved_within_province"
    RE_ENROLLED_SAME_EMPLOYER = "re_enrolled_same_employer"
    STOPPED = "stopped"


# The states in which a card is no longer the live card of its number (a reissue may take the number).
DEAD_STATUSES = (CardStatus.REPLACED.value, CardStatus.WITHDRAWN.value)


def is_dead(status: Any) -> Any:
    """SQL: the status column is one of ``DEAD_STATUSES`` (plain comparisons: the hot reads' prepared statements
    take no expanding IN lists)."""
    return or_(*(status == value for value in DEAD_STATUSES))


BENEFIT_LEVEL_MEANING: dict[int, str] = {
    1: "100% of costs, no ceiling",
    2: "100% of costs, with a ceiling for high-tech services",
    3: "95% of costs",
    4: "80% of costs",
    5: "100% of costs plus transport",
}
BENEFIT_LEVEL_MEANING_VI: dict[int, str] = {
    1: "100% chi phí, không giới hạn tỷ lệ thanh toán",
    2: "100% chi phí, có giới hạn tỷ lệ thanh toán dịch vụ kỹ thuật cao",
    3: "95% chi phí",
    4: "80% chi phí",
    5: "100% chi phí, kể cả chi phí vận chuyển",
}

# Living-area codes printed on a card (mã nơi sinh sống): the holder lives in an area of difficult (K1) or especially
# difficult (K2) socio-economic circumstances, or on an island (K3); Luật BHYT art. 22 pays such holders' care outside
# their registered facility more fully. The gateway answers the code as maKV.
LIVING_AREAS = ("K1", "K2", "K3")

BENEFICIARY_GROUPS = (
    *("DN", "HC", "HT", "TE", "HS", "HN", "CN", "GD", "NO", "XB", "TN", "CB", "KC", "BT", "SV", "HD"),
    *("QN", "CY", "CA"),  # armed forces, cipher staff, police: their cards answer 001 / 002
)


# Shared fields of a health-insurance card.
class HealthInsuranceCardBase(SQLModel):
    serial: str = Field(sa_type=String(24), description="Unique per issued card; a reissue gets a new one")
    number: str = Field(sa_type=String(10), description="Card number: the 10-digit SI code (since 1/4/2021)")
    legacy_code: str | None = Field(default=None, sa_type=String(15), description="Pre-2021 15-character code")
    beneficiary_group: str = Field(sa_type=String(2), description="Beneficiary group (mã đối tượng), e.g. DN, HN")
    benefit_level: int = Field(description="Benefit level (mức hưởng) 1–5")
    valid_from: date
    valid_to: date
    five_year_date: date | None = Field(default=None, description="Date of 5 consecutive years of coverage")
    co_payment_exempt_from: date | None = Field(
        default=None,
        description="NGAY_MIEN_CCT: no co-payment from this date to the end of its calendar year (certificate granted)",
    )
    status: str = Field(default=CardStatus.ACTIVE, sa_type=String(10))
    decrease_reason: str | None = Field(default=None, sa_type=String(32), description="Set when status is decreased")
    living_area: str | None = Field(
        default=None,
        sa_type=String(2),
        description="Mã nơi sinh sống (the gateway's maKV): K1, K2 or K3 when the holder lives in a remote area",
    )


# The card row; at most one live (not replaced, not withdrawn) card per number.
class HealthInsuranceCard(HealthInsuranceCardBase, table=True):
    __tablename__ = "health_insurance_card"
    __table_args__ = (
        UniqueConstraint("serial"),
        Index(
            "uq_health_insurance_card_live_number",
            "number",
            unique=True,
            postgresql_where=text("status NOT IN ('replaced', 'withdrawn')"),
        ),
        # Clinic look-ups by number or legacy code also find dead cards (to answer "replaced"), which the
        # partial index above cannot serve; without these a look-up reads every card.
        Index("ix_health_insurance_card_number", "number"),
        Index("ix_health_insurance_card_legacy_code", "legacy_code"),
        CheckConstraint(digits_check("number", 10), name="number_format"),
        CheckConstraint("legacy_code IS NULL OR length(legacy_code) = 15", name="legacy_code_format"),
        CheckConstraint("benefit_level BETWEEN 1 AND 5", name="benefit_level_range"),
        CheckConstraint(in_check("status", [s.value for s in CardStatus]), name="status_value"),
        CheckConstraint("valid_to >= valid_from", name="validity_order"),
        CheckConstraint(in_check("decrease_reason", [r.value for r in DecreaseReason]), name="decrease_reason_value"),
        CheckConstraint("(status = 'decreased') = (decrease_reason IS NOT NULL)", name="decrease_reason_status"),
        CheckConstraint(in_check("living_area", LIVING_AREAS), name="living_area_value"),
    )

    id: int | None = id_field()
    person_id: int = fk_field("person.id", ondelete="CASCADE")
    primary_facility_id: int = fk_field("medical_facility.id", index=False)
    issued_at: datetime = created_at_field()
    revoked_at: datetime | None = utc_field()


class SigningKeyState(StrEnum):
    """Where a card-token signing key is in its life."""

    NEXT = "next"  # published in the JWKS, signs nothing yet
    CURRENT = "current"  # signs new card tokens
    RETIRING = "retiring"  # signs nothing; published until its last token has expired
    RETIRED = "retired"  # no longer published or accepted


# A card-token signing key (ES256). The private half is sealed (AES-GCM) and never leaves this row.
class CardSigningKey(SQLModel, table=True):
    __tablename__ = "card_signing_key"
    __table_args__ = (
        UniqueConstraint("kid"),
        # At most one current and one next key, whatever two processes try at once.
        Index(
            "uq_card_signing_key_active_state",
            "state",
            unique=True,
            postgresql_where=text("state IN ('current', 'next')"),
        ),
        CheckConstraint(in_check("state", [s.value for s in SigningKeyState]), name="state_value"),
    )

    id: int | None = id_field()
    kid: str = Field(sa_type=String(32))
    algorithm: str = Field(default="ES256", sa_type=String(8))
    state: str = Field(sa_type=String(10))
    public_jwk: str = Field(sa_type=Text, description="RFC 7517 JWK of the public key (kty, crv, x, y)")
    private_key_sealed: str = Field(sa_type=Text, description="PKCS#8 DER sealed with AES-256-GCM")
    published_at: datetime = created_at_field()
    activated_at: datetime | None = utc_field()
    retired_at: datetime | None = utc_field()
    verify_until: datetime | None = utc_field()  # when the last token it signed expires
    # Set only when the key is withdrawn as compromised: then nothing it ever signed is trusted (passbooks too).
    withdrawn_at: datetime | None = utc_field()
