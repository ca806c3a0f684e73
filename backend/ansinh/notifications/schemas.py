"""Request and response bodies of the inbox, push subscriptions and notification choices."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class NotificationPublic(BaseModel):
    """One inbox entry, rendered in the reader's language."""

    id: int
    kind: str = Field(description="arrears_found, card_expiring, household_payment_due, application_status, …")
    title: str
    body: str
    link: str | None = Field(description="PWA route to open, e.g. #/card")
    params: dict[str, Any] = Field(description="The facts the text was rendered from")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    """A page of the inbox (the envelope of every list), and how many entries are unread in all."""

    items: list[NotificationPublic]
    total: int
    limit: int
    offset: int
    unread: int


class MarkedRead(BaseModel):
    """How many entries were marked read."""

    marked: int


class PushKeys(BaseModel):
    """The browser's keys (RFC 8291): its ECDH P-256 public key and the 16-byte auth secret, base64url."""

    model_config = ConfigDict(extra="ignore")

    # Loose bounds here; the service checks the keys themselves and answers 422.
    p256dh: str = Field(max_length=512)
    auth: str = Field(max_length=512)


class PushSubscriptionCreate(BaseModel):
    """``PushSubscription.toJSON()`` as the browser gives it, plus the language to push in."""

    model_config = ConfigDict(extra="ignore")  # browsers add expirationTime

    endpoint: str = Field(max_length=4096)
    keys: PushKeys
    language: Literal["vi", "en"] = "vi"


class PushSubscriptionPublic(BaseModel):
    """A stored subscription (its keys are not echoed)."""

    id: int
    endpoint: str
    created_at: datetime


class VapidPublicKey(BaseModel):
    """The server's VAPID public key: pass it to ``pushManager.subscribe({applicationServerKey})``."""

    public_key: str = Field(description="base64url of the uncompressed P-256 point (65 bytes)")


class NotificationPreferences(BaseModel):
    """What the citizen chose to be told about beyond the defaults."""

    card_checked: bool = Field(description="A notice each time a clinic checks the card")
