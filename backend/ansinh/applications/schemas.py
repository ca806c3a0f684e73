"""Request and response shapes of applications (one request model per kind, told apart by ``kind``)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from ansinh.records.tables import VOLUNTARY_CATEGORIES

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardReissueDetails(_Strict):
    reason: Literal["lost", "damaged"]
    note: Text | None = None


class FacilityChangeDetails(_Strict):
    facility_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class PersonalInfoChanges(_Strict):
    """Fields a citizen may ask to correct; leave out what is already right."""

    full_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)] | None = None
    date_of_birth: date | None = None
    sex: Literal["M", "F"] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=255)] | None = None


class InfoCorrectionDetails(_Strict):
    changes: PersonalInfoChanges
    note: Text | None = None


class VoluntaryRegistrationDetails(_Strict):
    monthly_income: int = Field(description="Chosen monthly income (VND) the 22% applies to")
    category: Literal[VOLUNTARY_CATEGORIES]  # type: ignore[valid-type]
    first_month: Month


class CardReissueRequest(_Strict):
    kind: Literal["card_reissue"]
    details: CardReissueDetails


class FacilityChangeRequest(_Strict):
    kind: Literal["facility_change"]
    details: FacilityChangeDetails


class InfoCorrectionRequest(_Strict):
    kind: Literal["info_correction"]
    details: InfoCorrectionDetails


class VoluntaryRegistrationRequest(_Strict):
    kind: Literal["voluntary_registration"]
    details: VoluntaryRegistrationDetails


ApplicationRequest = Annotated[
    CardReissueRequest | FacilityChangeRequest | InfoCorrectionRequest | VoluntaryRegistrationRequest,
    Field(discriminator="kind"),
]


class ApplicationBody(RootModel[ApplicationRequest]):
    """An application as posted: ``kind`` says which ``details`` apply (Litestar decodes one model, not a union)."""


class TimelineStep(BaseModel):
    """One step the citizen sees: the status reached, when, and a note (the rejection reason, for one)."""

    status: str
    at: datetime
    note: str | None


class ApplicationSummary(BaseModel):
    id: int
    reference: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime
    effective_from: date | None


class ApplicationView(ApplicationSummary):
    details: dict[str, Any]
    outcome: dict[str, Any]
    reason: str | None
    can_withdraw: bool
    timeline: list[TimelineStep]


class Applicant(BaseModel):
    si_code: str
    full_name: str


class AuditEntry(BaseModel):
    """A step as the audit trail keeps it: who did what, when, and what changed."""

    at: datetime
    actor_role: str
    actor: str | None = Field(description="Staff username; None for the citizen or the system")
    action: str
    from_status: str | None
    to_status: str
    note: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class StaffApplicationSummary(ApplicationSummary):
    applicant: Applicant


class StaffApplicationView(ApplicationView):
    applicant: Applicant
    audit: list[AuditEntry]


class TransitionRequest(_Strict):
    to: Literal["in_review", "approved", "rejected", "done"]
    note: Text | None = None
    reason: Text | None = Field(default=None, description="Required when rejecting: the citizen reads it")


class VoluntaryQuote(BaseModel):
    """What a voluntary SI month costs at a chosen income, and the state's share."""

    monthly_income: int
    category: str
    rate_percent: str
    contribution: int
    state_support: int
    you_pay: int
    poverty_line: int
    income_cap: int
    on: date
    legal_basis: str
