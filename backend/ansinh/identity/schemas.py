"""Request and response bodies of the identity API."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
NewPassword = Annotated[str, StringConstraints(min_length=8, max_length=128)]
OtpCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]
ChallengeId = Annotated[str, StringConstraints(min_length=8, max_length=64)]
SiCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{10}$")]
CitizenId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{12}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{9,15}$")]


class LoginRequest(BaseModel):
    """SI code, 12-digit citizen ID or staff username, and the password."""

    username: Username
    password: Password


class OtpRequired(BaseModel):
    otp_required: Literal[True] = True
    challenge_id: str
    sent_to: str | None = Field(default=None, description="Masked destination the code went to")


class OtpVerify(BaseModel):
    challenge_id: ChallengeId
    code: OtpCode


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class RefreshRequest(BaseModel):
    refresh_token: Annotated[str, StringConstraints(min_length=16, max_length=128)]


class PasswordChange(BaseModel):
    current_password: Password
    new_password: NewPassword


class ActivateRequest(BaseModel):
    """Activate a registry person's account (as VssID does): identity facts, then an OTP on record."""

    si_code: SiCode
    citizen_id: CitizenId
    date_of_birth: date


class ChallengeIssued(BaseModel):
    """A code was sent to the contact on record if the facts matched; the answer never says which."""

    challenge_id: str
    message: str = "If the details match our records, a code has been sent to the phone or e-mail on record."


class ConfirmWithPassword(BaseModel):
    challenge_id: ChallengeId
    code: OtpCode
    password: NewPassword


class ResetRequest(BaseModel):
    username: Username


class StatusResponse(BaseModel):
    status: str


class ContactChange(BaseModel):
    """A new phone number or e-mail address (exactly one)."""

    phone: Phone | None = None
    email: EmailStr | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "ContactChange":
        if (self.phone is None) == (self.email is None):
            raise ValueError("give exactly one of phone or email")
        return self


class ProfilePublic(BaseModel):
    """The signed-in person's profile (for staff: the account only)."""

    model_config = ConfigDict(from_attributes=True)

    role: str
    username: str
    si_code: str | None = None
    citizen_id: str | None = None
    full_name: str | None = None
    date_of_birth: str | None = Field(default=None, description="YYYY-MM-DD, or YYYY when only the year is known")
    sex: Literal["M", "F"] | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    assurance_level: str
    has_passkey: bool = False


class SessionPublic(BaseModel):
    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    amr: str
    user_agent: str | None
    ip: str | None
    current: bool


class SecurityEventPublic(BaseModel):
    id: int
    kind: str
    created_at: datetime
    ip: str | None
    user_agent: str | None
    detail: dict[str, str]


class ClinicTokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    facility_code: str


class OutboxMessage(BaseModel):
    channel: str
    destination: str
    text: str
    sent_at: datetime
