"""Payment providers and the signature on their callbacks (HMAC-SHA256 over timestamp and body)."""

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

SIGNATURE_HEADER = "X-AnSinh-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300  # a captured callback cannot be replayed later with its old signature


@dataclass(frozen=True, slots=True)
class Checkout:
    """Where the payer completes a payment, and the provider's reference for it."""

    provider_ref: str
    checkout_url: str | None


class PaymentProvider(Protocol):
    """A payment gateway: opens a checkout; it later posts a signed callback to /api/v1/payments/callback."""

    name: str

    def open_checkout(self, *, amount: int, description: str) -> Checkout: ...


class SimulatedProvider:
    """Dev only: no money moves; POST /api/v1/dev/payments/{id}/simulate plays the provider's callback."""

    name = "simulated"

    def open_checkout(self, *, amount: int, description: str) -> Checkout:
        return Checkout(provider_ref=f"SIM-{uuid.uuid4().hex}", checkout_url=None)


def sign(body: bytes, *, secret: str, timestamp: int) -> str:
    """The signature header value ``t=<unix>,v1=<hex>`` for a callback body."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_valid(body: bytes, header: str, *, secret: str, now: datetime) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within the tolerance."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now.timestamp() - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        return False
    expected = sign(body, secret=secret, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def callback_body(*, event_id: str, provider_ref: str, status: str, amount: int) -> bytes:
    """The JSON a provider posts (used by the simulated provider and by tests)."""
    event = {"event_id": event_id, "provider_ref": provider_ref, "status": status, "amount": amount}
    return json.dumps(event, separators=(",", ":")).encode()
