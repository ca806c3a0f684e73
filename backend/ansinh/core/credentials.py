"""Client credentials (RFC 6749 §4.4) of machine clients: a form body, or HTTP Basic."""

import base64
import binascii

from pydantic import BaseModel, Field


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
