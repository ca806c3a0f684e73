"""The gateway's answers as its clients read them (documentation of the OpenAPI document; field names its own)."""

from pydantic import BaseModel, ConfigDict


class SessionKeys(BaseModel):
    """A session's tokens; ``expires_in`` is an ISO-8601 date-time in Vietnam time, not a number of seconds."""

    model_config = ConfigDict(extra="forbid")
    access_token: str
    id_token: str
    token_type: str
    username: str
    expires_in: str


class SessionAnswer(BaseModel):
    """``maKetQua`` 200 with ``APIKey``, or 401 without it (always HTTP 200)."""

    maKetQua: str
    APIKey: SessionKeys | None = None


class CheckAnswer(BaseModel):
    """The card check's answer: ``maKetQua`` and ``ghiChu`` always; the holder's fields when the holder matched."""

    model_config = ConfigDict(extra="allow")
    maKetQua: str
    ghiChu: str = ""
