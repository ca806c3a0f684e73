"""Request and response bodies of the passbook API."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

# "from" is a Python keyword: a TypedDict keeps the contract's key names without aliases.
PassbookPeriod = TypedDict("PassbookPeriod", {"from": str, "to": str})

RejectionReason = Literal["bad-signature", "unknown-key", "withdrawn-key"]


class PassbookVerifyRequest(BaseModel):
    """What a reader typed or scanned: the ``PB1.`` token, or the whole verify URL from the QR."""

    token: str = Field(description="PB1.… token or {public_url}/#/verify/PB1.…")


class PassbookTotals(BaseModel):
    """The key totals, as signed: paid months per fund and months in arrears."""

    paid_months: dict[str, int] = Field(description="RS, SM, OA, UI, HI")
    arrears_months: int


class PassbookVerified(BaseModel):
    """A genuine passbook: what it states, for the reader to compare with the paper."""

    valid: Literal[True] = True
    si_code: str
    holder_name: str
    period: PassbookPeriod
    issued_on: date = Field(description="Vietnam date of issue")
    totals: PassbookTotals
    statement_sha256: str = Field(description="base64url SHA-256 of the canonical statement")
    kid: str
    matches_current_records: bool = Field(
        description="False when today's records for this SI code and period differ from the printed statement"
    )


class PassbookRejected(BaseModel):
    """Not a genuine passbook, and why."""

    valid: Literal[False] = False
    reason: RejectionReason
