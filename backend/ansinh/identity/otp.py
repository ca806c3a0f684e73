"""One-time codes: 6 digits, 5 minutes, single use, at most 5 tries; delivered by a pluggable sender."""

import hashlib
import hmac
import json
import logging
import secrets
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import httpx

from ansinh.core.errors import DomainError, InvalidInput, TooManyRequests
from ansinh.core.store import SharedStore
from ansinh.core.time import utcnow

OTP_TTL_SECONDS = 300
OTP_MAX_TRIES = 5
logger = logging.getLogger("ansinh.otp")


class OtpDeliveryUnavailable(DomainError):
    status_code = 503
    slug = "otp-delivery-unavailable"
    title = "Code delivery unavailable"
    default_en = "We cannot send codes right now. Please try again later."
    default_vi = "Hiện không gửi được mã xác thực. Vui lòng thử lại sau."


class InvalidCode(DomainError):
    status_code = 401
    slug = "invalid-code"
    title = "Invalid or expired code"
    default_en = "The code is wrong or has expired."
    default_vi = "Mã xác thực không đúng hoặc đã hết hạn."


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A text to deliver to a phone number or e-mail address."""

    channel: str  # "sms" | "email"
    destination: str
    text: str
    sent_at: datetime = field(default_factory=utcnow)


@runtime_checkable
class OtpSender(Protocol):
    """Delivers messages; implementations: the dev outbox, an SMS/e-mail gateway webhook."""

    async def send(self, message: OutgoingMessage) -> None: ...


class DevOutbox:
    """Dev only: keeps the last messages in memory for `GET /api/v1/dev/outbox` and logs them."""

    def __init__(self, size: int = 200) -> None:
        self.messages: deque[OutgoingMessage] = deque(maxlen=size)

    async def send(self, message: OutgoingMessage) -> None:
        self.messages.append(message)
        logger.info("dev outbox", extra={"channel": message.channel, "destination": message.destination})


class WebhookSender:
    """Posts each message as JSON to an SMS/e-mail gateway (ANSINH_OTP_WEBHOOK_URL).

    One HTTP client per sender, kept open: a client per message rebuilt its TLS context each time, which cost
    about half the CPU of a password sign-in under load (docs/PERFORMANCE.md).
    """

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=5, follow_redirects=False)
        return self._client

    async def send(self, message: OutgoingMessage) -> None:
        payload = {"channel": message.channel, "to": message.destination, "text": message.text}
        try:
            try:
                response = await self._http().post(self.url, json=payload, headers=self.headers)
            except RuntimeError:  # the kept client belonged to an event loop that has ended: open a new one
                self._client = None
                response = await self._http().post(self.url, json=payload, headers=self.headers)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.error("otp gateway failed: %s", exc)
            raise OtpDeliveryUnavailable() from exc

    async def close(self) -> None:
        """Close the kept connection (at shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class NoSender:
    """Production without a configured gateway: refuse rather than pretend to send."""

    async def send(self, message: OutgoingMessage) -> None:
        raise OtpDeliveryUnavailable()


@dataclass(frozen=True, slots=True)
class Challenge:
    """What a challenge id stands for, kept in the shared store until used or expired."""

    purpose: str  # login | activate | reset | contact
    account_id: int | None
    code_hash: str
    data: dict[str, Any] = field(default_factory=dict)


def _code_hash(secret_key: str, challenge_id: str, code: str) -> str:
    return hmac.new(secret_key.encode(), f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(1_000_000):06d}"


async def create_challenge(
    store: SharedStore,
    *,
    secret_key: str,
    purpose: str,
    account_id: int | None,
    code: str,
    data: dict[str, Any] | None = None,
) -> str:
    """Store a challenge for ``code`` and return its id."""
    challenge_id = secrets.token_urlsafe(18)
    challenge = Challenge(purpose, account_id, _code_hash(secret_key, challenge_id, code), data or {})
    await store.set(f"otp:{challenge_id}", json.dumps(asdict(challenge)).encode(), OTP_TTL_SECONDS)
    return challenge_id


async def consume_challenge(
    store: SharedStore, *, secret_key: str, challenge_id: str, code: str, purpose: str
) -> Challenge:
    """Check ``code``; on success the challenge is gone for good, after 5 wrong tries too."""
    if not code.isdigit() or len(code) != 6:
        raise InvalidInput("The code is 6 digits.", "Mã xác thực gồm 6 chữ số.")
    key = f"otp:{challenge_id}"
    raw = await store.get(key)
    if raw is None:
        raise InvalidCode()
    challenge = Challenge(**json.loads(raw))
    if challenge.purpose != purpose:
        raise InvalidCode()
    tries = await store.incr(f"otp-tries:{challenge_id}", OTP_TTL_SECONDS)
    if tries > OTP_MAX_TRIES:
        await store.delete(key)
        raise TooManyRequests("Too many wrong codes; request a new one.", "Nhập sai quá nhiều lần; hãy yêu cầu mã mới.")
    if not hmac.compare_digest(challenge.code_hash, _code_hash(secret_key, challenge_id, code)):
        raise InvalidCode()
    if await store.take(key) is None:  # another request used it a moment ago
        raise InvalidCode()
    return challenge


def mask_destination(destination: str) -> str:
    """Show enough for the owner to recognise it, not enough to harvest it."""
    if "@" in destination:
        name, _, domain = destination.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{destination[:3]}****{destination[-3:]}" if len(destination) >= 7 else "****"
