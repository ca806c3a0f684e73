"""Request and response bodies of the clinic check API (verify a card token, look a patient up)."""

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta
from pydantic import BaseModel, Field, model_validator

CITIZEN_ID_PATTERN = r"^[0-9]{12}$"
# No control characters: the name is logged with the scan, in one statement with other clinics' scans, and a NUL the
# database refuses would fail them all (clinics/recorder.py).
STAFF_NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"
BIRTH_DATE_PATTERN = r"^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$"


class CheckingStaff(BaseModel):
    """The staff member doing the check, as the national gateway requires since 06/2024."""

    staff_name: str = Field(
        min_length=2,
        max_length=120,
        pattern=STAFF_NAME_PATTERN,
        description="Full name of the checking staff member",
    )
    staff_citizen_id: str = Field(pattern=CITIZEN_ID_PATTERN, description="Their 12-digit citizen ID (CCCD)")


class VerifyRequest(CheckingStaff):
    """A scanned or pasted card token."""

    token: str = Field(min_length=1, max_length=4096, description="The QR text: AS1: + compact JWS")


def _anchored(pattern: str) -> str:
    """A ``^…$`` pattern for msgspec, which searches with Python's re: ``\\Z``, or ``$`` would allow a final newline."""
    return pattern.removesuffix("$") + r"\Z"


class VerifyScan(msgspec.Struct, frozen=True):
    """``VerifyRequest`` as the hot lane decodes it (core/lane.py): the same fields and constraints, never looser
    (``_anchored``). A body this refuses goes to the Litestar route, which decides; tests/clinics/test_lane.py holds
    the two together."""

    token: Annotated[str, Meta(min_length=1, max_length=4096)]
    staff_name: Annotated[str, Meta(min_length=2, max_length=120, pattern=_anchored(STAFF_NAME_PATTERN))]
    staff_citizen_id: Annotated[str, Meta(pattern=_anchored(CITIZEN_ID_PATTERN))]


class LookupRequest(CheckingStaff):
    """A patient by citizen ID or card number, with the name and birth date to match."""

    citizen_id: str | None = Field(default=None, max_length=32, description="12-digit citizen ID (CCCD)")
    card_number: str | None = Field(
        default=None, max_length=32, description="10-digit card number (or the legacy 15-character code)"
    )
    full_name: str = Field(min_length=1, max_length=120)
    date_of_birth: str = Field(
        pattern=BIRTH_DATE_PATTERN, description="YYYY-MM-DD, or YYYY when only the year is known"
    )

    @model_validator(mode="after")
    def _one_identifier(self) -> "LookupRequest":
        if (self.citizen_id is None) == (self.card_number is None):
            raise ValueError("give exactly one of citizen_id and card_number")
        return self


class ClinicCard(BaseModel):
    """Only what a check needs: no address, phone, salary or history."""

    number: str
    name: str
    birth_date: str = Field(description="YYYY-MM-DD, or YYYY when only the year is on record")
    sex: Literal["M", "F"]
    benefit_level: int
    benefit_level_meaning: str
    benefit_level_meaning_vi: str
    primary_facility_code: str
    primary_facility_name: str
    valid_from: date
    valid_to: date


class CheckResponse(BaseModel):
    """The verdict of one check; ``result`` is a code of DESIGN.md's table."""

    result: str = Field(description="A code of the one card-check table (cards/results.py): 000/001/002 valid")
    valid: bool
    message: str
    message_vi: str
    card: ClinicCard | None = Field(description="The card as on record; null when it cannot be shown")
    method: Literal["qr", "lookup"]
    checked_at: datetime
    check_id: int | None = Field(description="The scan record; the same for a retried request")


class StaffCreate(BaseModel):
    """A staff member the facility allows to check cards: full name and 12-digit citizen ID."""

    full_name: str = Field(min_length=2, max_length=120, pattern=STAFF_NAME_PATTERN)
    citizen_id: str = Field(pattern=CITIZEN_ID_PATTERN, description="12-digit citizen ID (CCCD)")


class StaffPublic(BaseModel):
    """A registered staff member; ``id`` is opaque (paths never carry the citizen ID)."""

    id: str
    full_name: str
    citizen_id: str
    created_at: datetime
