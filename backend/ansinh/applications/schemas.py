"""Request and response shapes of applications (one request model per kind, told apart by ``kind``)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ansinh.applications.models import ApplicationKind
from ansinh.core.params import MAX_ROW_ID
from ansinh.records.schemas import MedicalVisitPublic
from ansinh.records.tables import VOLUNTARY_CATEGORIES

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# A citizen's account of what is wrong with a visit, or a facility's answer: room for a paragraph or two.
DISPUTE_TEXT_MAX = 2000
DisputeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=DISPUTE_TEXT_MAX)]
Month = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]


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


class VisitDisputeDetails(_Strict):
    """A visit recorded with the card, disputed: "this wasn't me" (not_me) or "this is wrong" (wrong), and why."""

    visit_id: int = Field(ge=1, le=MAX_ROW_ID, description="The visit's id (GET /me/medical-visits)")
    ground: Literal["not_me", "wrong"]
    reason: DisputeText


ApplicationDetails = (
    CardReissueDetails
    | FacilityChangeDetails
    | InfoCorrectionDetails
    | VoluntaryRegistrationDetails
    | VisitDisputeDetails
)
DETAILS_BY_KIND: dict[str, type[ApplicationDetails]] = {
    ApplicationKind.CARD_REISSUE: CardReissueDetails,
    ApplicationKind.FACILITY_CHANGE: FacilityChangeDetails,
    ApplicationKind.INFO_CORRECTION: InfoCorrectionDetails,
    ApplicationKind.VOLUNTARY_REGISTRATION: VoluntaryRegistrationDetails,
    ApplicationKind.VISIT_DISPUTE: VisitDisputeDetails,
}


class ApplicationRequest(_Strict):
    """An application as filed: ``kind`` says which shape ``details`` must have."""

    kind: ApplicationKind
    details: ApplicationDetails

    @model_validator(mode="before")
    @classmethod
    def _details_of_kind(cls, data: Any) -> Any:
        # Validate details against the kind's own model, not whichever union member happens to fit.
        if isinstance(data, dict) and data.get("kind") in DETAILS_BY_KIND and isinstance(data.get("details"), dict):
            return {**data, "details": DETAILS_BY_KIND[data["kind"]].model_validate(data["details"])}
        return data


class TimelineStep(BaseModel):
    """One step the citizen sees: the status reached, when, and a note (the rejection reason, for one)."""

    status: str
    at: datetime
    note: str | None
    event: Literal["visit_resubmitted", "facility_response"] | None = Field(
        default=None,
        description="A step that moves no status: the facility resubmitted the disputed visit, or answered",
    )


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
    visit: MedicalVisitPublic | None = Field(
        default=None, description="A dispute's visit as it stands now (details.visit keeps the version disputed)"
    )


class TransitionRequest(_Strict):
    to: Literal["in_review", "approved", "rejected", "done"]
    note: Text | None = None
    reason: Text | None = Field(default=None, description="Required when rejecting: the citizen reads it")


class DisputeDecisionRequest(_Strict):
    """Staff decide a dispute: upheld (the citizen was right) or rejected (the record stands), with the reason."""

    decision: Literal["upheld", "rejected"]
    reason: Text
    note: Text | None = None


class FacilityResponseRequest(_Strict):
    """The facility's answer to a dispute of one of its visits."""

    text: DisputeText


class FacilityDisputeView(BaseModel):
    """A dispute of one of the facility's visits, as its admin sees it: no citizen contact data."""

    id: int
    reference: str
    status: str
    decision: Literal["upheld", "rejected"] | None
    decision_reason: str | None
    ground: Literal["not_me", "wrong"]
    reason: str = Field(description="What the citizen says is wrong")
    patient_name: str = Field(description="The card holder's name, as on the visit's record")
    visit_key: str | None = Field(description="MA_LK: the facility's own key of the visit")
    visit: dict[str, Any] = Field(description="The visit as it stood when disputed (facility, dates, cost, lines)")
    created_at: datetime
    updated_at: datetime
    timeline: list[TimelineStep]


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
