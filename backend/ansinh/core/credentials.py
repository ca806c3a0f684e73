"""Client credentials (RFC 6749 §4.4) of machine clients: a form body, or HTTP Basic, checked against a client row."""

import base64
import binascii
from typing import Protocol, TypeVar

from pydantic import BaseModel, Field

from ansinh.core.errors import DomainError
from ansinh.core.passwords import verify_password
from ansinh.core.ratelimit import RateLimit, hit
from ansinh.core.store import SharedStore

CLIENT_AUTH_LIMIT = RateLimit(count=20, window=60)


class InvalidClient(DomainError):
    status_code = 401
    slug = "invalid-client"
    title = "Invalid client"
    default_en = "Unknown client or wrong secret."
    default_vi = "Mã máy khách hoặc khóa bí mật không đúng."


class UnsupportedGrant(DomainError):
    status_code = 400
    slug = "unsupported-grant-type"
    title = "Unsupported grant type"
    default_en = "Only grant_type=client_credentials is supported."
    default_vi = "Chỉ hỗ trợ grant_type=client_credentials."


class MachineClient(Protocol):
    """What the check reads of a client row (a facility's or an employer's software)."""

    secret_hash: str
    active: bool


ClientT = TypeVar("ClientT", bound=MachineClient)
OwnerT = TypeVar("OwnerT")


class ClientCredentialsForm(BaseModel):
    """RFC 6749 §4.4 token request (the client may instead authenticate with HTTP Basic)."""

    grant_type: str = Field(max_length=64)
    client_id: str | None = Field(default=None, max_length=64)
    client_secret: str | None = Field(default=None, max_length=256)


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(client id, secret) from an HTTP Basic ``Authorization`` header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


def client_credentials(authorization: str, form: ClientCredentialsForm) -> tuple[str, str]:
    """(client id, secret): from HTTP Basic when the ``Authorization`` header carries it, else from the form."""
    basic = basic_credentials(authorization)
    return basic if basic else (form.client_id or "", form.client_secret or "")


async def count_attempt(store: SharedStore, *, scope: str, grant_type: str, client_id: str, ip: str) -> None:
    """Refuse any grant but client_credentials, then count the attempt against the IP and the client id (429)."""
    if grant_type != "client_credentials":
        raise UnsupportedGrant(extra={"error": "unsupported_grant_type"})
    await hit(store, f"{scope}-auth-ip:{ip}", CLIENT_AUTH_LIMIT)
    await hit(store, f"{scope}-auth:{client_id}", CLIENT_AUTH_LIMIT)


async def verified_client(row: tuple[ClientT, OwnerT] | None, secret: str, *, realm: str) -> tuple[ClientT, OwnerT]:
    """The row found (client, its owner) when the client is active and ``secret`` is its own; else InvalidClient."""
    client, owner = row if row else (None, None)
    valid = await verify_password(client.secret_hash if client and client.active else None, secret)
    if not valid or owner is None or client is None:
        raise InvalidClient(headers={"WWW-Authenticate": f'Basic realm="{realm}"'}, extra={"error": "invalid_client"})
    return client, owner
