"""Request and response bodies of the chip-ID API (files travel as standard base64 of the raw chip files)."""

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, WithJsonSchema, model_validator

from ansinh.identity.schemas import NewPassword, SiCode

MAX_FILE_BASE64 = 65_536  # an EF.SOD with its certificate is a few kB; DG13 about one


def _decode_base64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("must be a base64 string")
    if len(value) > MAX_FILE_BASE64:
        raise ValueError("file too large")
    try:
        # Standard or URL-safe alphabet, padding required, nothing else.
        return base64.b64decode(value, altchars=b"-_" if "-" in value or "_" in value else None, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64") from exc


ChipFile = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    WithJsonSchema({"type": "string", "contentEncoding": "base64", "description": "base64 of the raw chip file"}),
]
ChallengeId = Annotated[str, StringConstraints(min_length=8, max_length=64)]


class ChipFilesRequest(BaseModel):
    """The chip's files as read (EF.SOD, DG1, DG13; DG15/DG14 if the chip has them) and the AA answer."""

    sod: ChipFile
    dg1: ChipFile
    dg13: ChipFile
    dg15: ChipFile | None = None
    dg14: ChipFile | None = None
    aa_signature: ChipFile | None = Field(default=None, description="The chip's INTERNAL AUTHENTICATE answer")
    challenge_id: ChallengeId | None = None

    @model_validator(mode="after")
    def _aa_complete(self) -> "ChipFilesRequest":
        if (self.aa_signature is None) != (self.challenge_id is None):
            raise ValueError("aa_signature and challenge_id go together")
        if self.aa_signature is not None and self.dg15 is None:
            raise ValueError("active authentication needs dg15")
        return self


class ChipActivationRequest(ChipFilesRequest):
    """Activate the account of the person with this SI code by their chip ID card, and set the first password."""

    si_code: SiCode
    password: NewPassword


class ActivationChallengeRequest(BaseModel):
    si_code: SiCode


class ChipChallenge(BaseModel):
    """Send ``nonce`` to the chip (INTERNAL AUTHENTICATE) and post its answer with ``challenge_id``."""

    challenge_id: str
    nonce: str = Field(description="base64 of the 8 random bytes")
    expires_in: int = Field(description="seconds")


class CheckOutcome(BaseModel):
    name: str
    outcome: Literal["passed", "failed", "not_run", "not_supported"]


class ChipVerificationResult(BaseModel):
    """Every check passed: the account is now ``chip_verified``."""

    verified: Literal[True] = True
    assurance_level: str
    checks: list[CheckOutcome]
    active_authentication: str | None = Field(description="e.g. ecdsa-sha256, or null when the chip has no AA")
    document_last_digits: str | None
    verified_at: datetime


class ChipActivationResult(BaseModel):
    """The account is active and ``chip_verified``; the tokens open a session (no OTP was needed)."""

    status: Literal["activated"] = "activated"
    assurance_level: str
    checks: list[CheckOutcome]
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class ChipVerificationPublic(BaseModel):
    """One recorded verification of the caller's account."""

    id: int
    purpose: str
    outcome: str
    failed_check: str | None
    checks: dict[str, str]
    data_groups: list[int]
    document_last_digits: str | None
    active_authentication: str | None
    created_at: datetime
