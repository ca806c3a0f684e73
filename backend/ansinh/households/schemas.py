"""Request and response bodies of the household API: members, consent, quotes, payments, audit trail."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

BIRTH_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$"
RelationName = Literal["spouse", "child", "parent", "sibling", "grandparent", "grandchild", "other"]


class HouseholdCreate(BaseModel):
    """Register a household with the caller as its head."""

    address: str = Field(min_length=5, max_length=255)


class MemberAdd(BaseModel):
    """A registered person, identified by SI code or citizen ID and confirmed by their birth date."""

    si_code: str | None = Field(default=None, pattern=r"^[0-9]{10}$")
    citizen_id: str | None = Field(default=None, pattern=r"^[0-9]{12}$")
    date_of_birth: str = Field(pattern=BIRTH_DATE_PATTERN, description="YYYY-MM-DD, or YYYY if only the year is known")
    relation: RelationName

    @model_validator(mode="after")
    def _one_identifier(self) -> "MemberAdd":
        if (self.si_code is None) == (self.citizen_id is None):
            raise ValueError("give exactly one of si_code and citizen_id")
        return self


class MemberPublic(BaseModel):
    """A member as the head (or the member themself) sees them; card fields stay hidden until consent."""

    id: int
    si_code: str | None = Field(description="Hidden on the head's line as another member sees it")
    name: str
    birth_date: str | None = Field(description="Hidden on the head's line as another member sees it")
    relation: str
    enrolment_order: int
    is_head: bool
    consent: Literal["not_required", "pending", "given", "withdrawn"]
    data_visible: bool = Field(description="False while an adult has not consented: card and records hidden")
    card_status: str | None = Field(description="active, suspended or expired; null if none or hidden")
    card_group: str | None
    card_valid_to: date | None
    covered_by_other_scheme: bool | None = Field(description="e.g. through an employer: excluded from household HI")
    needs_household_hi: bool | None


class HouseholdPublic(BaseModel):
    """The caller's household."""

    code: str
    address: str
    province_code: str
    head: str = Field(description="The head's name")
    you_are_head: bool
    members: list[MemberPublic]


class InvitationPublic(BaseModel):
    """A household's request that the caller join and share their card with the head."""

    id: int
    household_code: str
    head_name: str
    relation: str
    consent: str
    invited_at: datetime


class QuoteLine(BaseModel):
    """One member's household HI for the period."""

    member_id: int
    name: str
    order: int = Field(description="k among the members paid for together; sets the factor")
    factor: float = Field(description="1, 0.7, 0.6, 0.5, then 0.4")
    monthly_amount: int
    amount: int
    covered_from: date
    covered_until: date


class QuotePublic(BaseModel):
    """What paying for ``months`` costs today."""

    base_salary: int
    base_salary_effective_from: date
    rate_percent: str = Field(description="4.5")
    priced_on: date = Field(description="The Vietnam date whose base salary applies")
    months: int
    lines: list[QuoteLine]
    total: int


class PaymentCreate(BaseModel):
    """Pay for some members (all who need household HI by default) for 3, 6 or 12 months."""

    months: Literal[3, 6, 12]
    member_ids: list[int] | None = Field(default=None, min_length=1, max_length=50)


class PaymentPublic(BaseModel):
    """A household payment and its receipt once confirmed."""

    id: int
    status: Literal["pending", "confirmed", "failed", "expired"]
    amount: int
    months: int
    base_salary: int
    base_salary_effective_from: date
    priced_on: date
    lines: list[QuoteLine]
    provider: str
    checkout_url: str | None
    receipt_no: str | None
    created_at: datetime
    expires_at: datetime
    settled_at: datetime | None


class HouseholdEventPublic(BaseModel):
    """One entry of the household's audit trail."""

    id: int
    kind: str
    actor: str | None
    detail: dict[str, Any]
    created_at: datetime


class PaymentCallback(BaseModel):
    """What the payment provider posts when a payment settles (signed: X-AnSinh-Signature)."""

    event_id: str = Field(min_length=8, max_length=64)
    provider_ref: str = Field(min_length=1, max_length=64)
    status: Literal["confirmed", "failed"]
    amount: int = Field(ge=0)


class SimulatedOutcome(BaseModel):
    """Dev only: what the simulated provider should report."""

    outcome: Literal["confirmed", "failed"] = "confirmed"
